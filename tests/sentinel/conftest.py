"""Fixtures for Sentinel's Dagster integration: a real instance, a loopback Slack."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest

from tests.fakes.slack_server import FakeSlack


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for var in (
        "SLACK_BOT_TOKEN",
        "SLACK_WEBHOOK_URL",
        "SLACK_API_URL",
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "SENTINEL_DATABASE_URL",
        "SENTINEL_UI_URL",
        "SLACK_CHANNEL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SENTINEL_BRAIN", "rules")
    return home


@pytest.fixture
def slack_env(
    dagster_home: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> FakeSlack:
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake_slack.token)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("SLACK_CHANNEL", "#data-alerts")
    return fake_slack


MaterializeRca = Callable[..., dg.ExecuteInProcessResult]


@pytest.fixture
def materialize_rca() -> MaterializeRca:
    """`materialize_rca(instance, key, **resources)`: one run of the RCA asset for the incident
    partition `key`, as the run a Sentinel sensor requests (or a re-diagnosis from the UI)
    does, with `SentinelConfig()` read from the environment at call time as the `sentinel`
    resource unless `resources` gives another."""
    from dagster_sentinel.assets import rca_report
    from dagster_sentinel.config import SentinelConfig

    def materialize(
        instance: dg.DagsterInstance, key: str, **resources: object
    ) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [rca_report],
            partition_key=key,
            instance=instance,
            resources={"sentinel": SentinelConfig(), **resources},
        )

    return materialize


PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    """A new database on the local PostgreSQL server, dropped afterwards: empty, or a copy
    of the database `template` (which no one may be connected to)."""
    psycopg2 = pytest.importorskip("psycopg2")
    name = f"sentinel_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=5)
    except psycopg2.OperationalError as e:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({e}); .ci/run starts it")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        from dagster_sentinel.store import dispose_engines

        dispose_engines()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# Creating Dagster's schema takes a second or two per instance (PostgreSQL more than
# SQLite), in every test that asks for `instance`. Each test process creates it once, in
# the state a new instance leaves it in, and each test gets its own copy of that.
_DAGSTER_STORAGE_DIRS = ("history", "schedules")


@pytest.fixture(scope="session")
def sqlite_instance_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The storage folders of a new SQLite-backed instance."""
    home = tmp_path_factory.mktemp("sqlite_instance_template")
    with dg.instance_for_test(temp_dir=str(home)) as inst:
        inst.get_runs(limit=1)
    return home


@pytest.fixture(scope="session")
def postgres_instance_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of a database that holds a new PostgreSQL-backed instance's schema."""
    home = tmp_path_factory.mktemp("postgres_instance_template")
    with fresh_postgres_database() as url:
        overrides = {"storage": {"postgres": {"postgres_url": url}}}
        with dg.instance_for_test(temp_dir=str(home), overrides=overrides) as inst:
            inst.get_runs(limit=1)
        name = url.rsplit("/", 1)[1]
        import psycopg2

        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=5)
        admin.autocommit = True
        with admin.cursor() as cur:  # a template is copied only while no one is connected
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.close()
        yield name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def instance(request: pytest.FixtureRequest, dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    """A real Dagster instance: SQLite (the default) or PostgreSQL-backed (dagster-postgres)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_instance_template")
        for sub in _DAGSTER_STORAGE_DIRS:
            shutil.copytree(template / sub, dagster_home / sub)
        with dg.instance_for_test(temp_dir=str(dagster_home)) as inst:
            yield inst
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_instance_template")) as url:
        overrides = {"storage": {"postgres": {"postgres_url": url}}}
        with dg.instance_for_test(temp_dir=str(dagster_home), overrides=overrides) as inst:
            yield inst
