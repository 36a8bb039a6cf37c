"""Self-healing end to end: the real webserver and daemon (two processes), the demo job that
fails while a loopback service refuses connections, Sentinel's hook deciding and
`sentinel_remediation_sensor` launching through GraphQL.

- a transient failure is recovered with no human;
- a ZeroDivisionError job, opted in, is never retried;
- Dagster's own run retries come first;
- the daemon stopped between scheduling and launching: the retry is neither lost nor
  duplicated, and a launch left half-recorded is adopted, not repeated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.dagster_api import DagsterClient, RunInfo
from sentinel.incidents import IncidentStore
from sentinel.remediation_store import RemediationStore, remediations
from sentinel.store import transaction
from sentinel.timeline import TimelineStore
from tests.fakes.dagster_split import Split, split_deployment
from tests.fakes.rates_service import RatesService

pytestmark = pytest.mark.e2e

DELAY_S = 3.0


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def deployment(home: Path) -> Iterator[Split]:
    env = {
        "SENTINEL_AUTO_RETRY": "job:demo_dependency,job:demo_etl",
        "SENTINEL_AUTO_RETRY_DELAY_S": str(DELAY_S),
        "SENTINEL_AUTO_RETRY_MAX": "3",
    }
    with split_deployment(home, env, run_retries=True) as dep:
        yield dep


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'sentinel' / 'sentinel.db'}"


def _config(url: str) -> dict[str, object]:
    return {"ops": {"fetch_rates": {"config": {"url": url, "timeout_s": 2.0}}}}


def _wait(predicate, timeout: float, what: str, dep: Split):  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen in {timeout:.0f} s\n{dep.log_tail()}")


def _retries(dep: Split, original: str) -> list[RunInfo]:
    client = DagsterClient(dep.graphql_url, timeout_s=10)
    try:
        return client.runs_with_tag("sentinel/remediation_of", original, limit=50)
    finally:
        client.close()


def test_a_transient_failure_is_recovered_with_no_human(deployment: Split, home: Path) -> None:
    service = RatesService()
    run_id = deployment.launch("demo_dependency", _config(service.url))
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    store = RemediationStore(_url(home))
    _wait(lambda: store.chain(run_id), 60, "a scheduled retry", deployment)
    service.up()  # the dependency is back
    try:
        recovered = _wait(
            lambda: [r for r in _retries(deployment, run_id) if r.status == "SUCCESS"],
            180,
            "a successful retry",
            deployment,
        )
        assert recovered[0].tags["sentinel/attempt"] in {"1", "2", "3"}
        rows = _wait(
            lambda: (
                [r for r in store.chain(run_id) if r.status == "succeeded"] and store.chain(run_id)
            ),
            60,
            "the retry recorded as succeeded",
            deployment,
        )
        incident_id = rows[0].incident_id
        incident = _wait(
            lambda: (
                (i := IncidentStore(_url(home)).get(incident_id)) and i.status == "resolved" and i
            ),
            60,
            "the incident resolved",
            deployment,
        )
        assert incident.resolved_by_run_id == recovered[0].run_id
        entries = TimelineStore(_url(home)).entries(incident_id)
        # No human did anything: every timeline entry is Sentinel's own.
        assert {e.actor for e in entries} == {"sentinel"}
        assert ("auto_retry", "recovered") in {(e.action, e.result) for e in entries}
    finally:
        service.down()


def test_a_code_error_opted_in_is_never_retried(deployment: Split, home: Path) -> None:
    run_id = deployment.launch("demo_etl")
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    timeline = TimelineStore(_url(home))
    incidents = IncidentStore(_url(home))

    def skipped() -> bool:
        mine = [i for i in incidents.all() if i.job == "demo_etl"]
        return bool(mine) and any(
            e.result == "skipped" for e in timeline.entries(mine[0].id) if e.action == "auto_retry"
        )

    _wait(skipped, 60, "the auto-retry decision", deployment)
    time.sleep(12)  # at least two sensor ticks
    assert _retries(deployment, run_id) == []
    assert RemediationStore(_url(home)).chain(run_id) == []


def test_dagster_run_retries_come_first(deployment: Split, home: Path) -> None:
    service = RatesService()
    run_id = deployment.launch(
        "demo_dependency", _config(service.url), tags={"dagster/max_retries": "1"}
    )
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    client = DagsterClient(deployment.graphql_url, timeout_s=10)
    try:
        dagster_retry = _wait(
            lambda: client.runs_with_tag("dagster/parent_run_id", run_id),
            120,
            "Dagster's own retry",
            deployment,
        )[0]
    finally:
        client.close()
    assert dagster_retry.tags.get("dagster/retry_number") == "1"
    # Sentinel left the original run to Dagster: no retry of its own on top.
    assert RemediationStore(_url(home)).chain(run_id) == []
    assert _retries(deployment, run_id) == []
    # Dagster's last attempt fails too: only now may Sentinel retry (the service is back).
    service.up()
    try:
        deployment.wait_status(dagster_retry.run_id, ("FAILURE", "SUCCESS"), timeout=300)
        if deployment.status(dagster_retry.run_id) == "FAILURE":
            _wait(
                lambda: [r for r in _retries(deployment, dagster_retry.run_id) if r.finished],
                180,
                "Sentinel's retry after Dagster's",
                deployment,
            )
    finally:
        service.down()


def test_a_daemon_restart_neither_loses_nor_duplicates_a_retry(
    deployment: Split, home: Path
) -> None:
    service = RatesService()
    run_id = deployment.launch("demo_dependency", _config(service.url))
    assert deployment.wait_status(run_id, ("FAILURE", "SUCCESS"), timeout=300) == "FAILURE"
    store = RemediationStore(_url(home))
    row = _wait(lambda: store.chain(run_id), 60, "a scheduled retry", deployment)[0]
    deployment.stop_daemon()  # between scheduling and launching
    assert store.get(row.key).status == "scheduled"  # type: ignore[union-attr]
    time.sleep(max(row.due_at - time.time(), 0) + 2)  # due while no daemon runs
    assert _retries(deployment, run_id) == []
    service.up()
    deployment.start_daemon()
    try:
        done = _wait(
            lambda: [r for r in _retries(deployment, run_id) if r.status == "SUCCESS"],
            240,
            "the retry after the restart",
            deployment,
        )
        assert len(_retries(deployment, run_id)) == 1 and done[0].tags["sentinel/attempt"] == "1"
        _wait(
            lambda: store.get(row.key).status == "succeeded",  # type: ignore[union-attr]
            60,
            "the retry recorded",
            deployment,
        )
        # A process that died after launching but before recording it: the row is left in
        # "launching". The sensor finds the run by its tags and adopts it; nothing relaunches.
        with transaction(store.engine) as conn:
            conn.execute(
                remediations.update()
                .where(remediations.c.key == row.key)
                .values(status="launching", run_id=None, updated_at=time.time() - 3600)
            )
        adopted = _wait(
            lambda: (r := store.get(row.key)) and r.status == "succeeded" and r,
            60,
            "the half-recorded launch adopted",
            deployment,
        )
        assert adopted.run_id == done[0].run_id
        assert len(_retries(deployment, run_id)) == 1
    finally:
        service.down()
