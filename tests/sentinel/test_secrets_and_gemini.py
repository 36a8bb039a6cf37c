"""Through the whole loop: Gemini diagnoses when configured, Sentinel degrades when it
fails, and no planted secret reaches Gemini, Slack, the asset metadata or the store."""

import json

import dagster as dg
import pytest

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.hooks import sentinel_failure_hook
from dagster_sentinel.rca import RCA_ASSET_KEY
from dagster_sentinel.resources import sentinel_for
from tests.fakes.gemini_server import FakeGemini, Reply
from tests.fakes.slack_server import FakeSlack

SECRETS = [
    "hunter2-Sup3rSecret",
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-123456789012-abcdefABCDEF123456",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
]


@dg.op
def load_warehouse() -> None:
    print(f"connecting to postgresql://etl:{SECRETS[0]}@db.internal:5432/warehouse")
    print(f"aws_access_key_id={SECRETS[1]}")
    print(f"notify token={SECRETS[2]}")
    raise ConnectionError(
        f"could not connect to postgresql://etl:{SECRETS[0]}@db.internal:5432/warehouse "
        f"(Authorization: Bearer {SECRETS[3]})"
    )


@dg.job(hooks={sentinel_failure_hook})
def leaky_job() -> None:
    load_warehouse()


@pytest.fixture
def gemini(monkeypatch: pytest.MonkeyPatch, slack_env: FakeSlack):
    with FakeGemini() as server:
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("SENTINEL_BREAKER_THRESHOLD", "100")
        yield server


def _everything_stored(instance: dg.DagsterInstance) -> str:
    s = sentinel_for(SentinelConfig(), instance)
    rows = [i.model_dump_json() for i in s.store.all()] + [o.payload for o in s.outbox.items()]
    meta = instance.get_latest_materialization_event(RCA_ASSET_KEY).asset_materialization.metadata
    return "\n".join(rows) + json.dumps({k: str(v.value) for k, v in meta.items()})


def test_gemini_diagnoses_and_no_secret_leaves(
    instance: dg.DagsterInstance, gemini: FakeGemini, slack_env: FakeSlack
) -> None:
    result = leaky_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success

    assert gemini.request_count >= 1
    meta = instance.get_latest_materialization_event(RCA_ASSET_KEY).asset_materialization.metadata
    assert meta["brain"].value == "gemini"
    sent = "\n".join(gemini.bodies()) + json.dumps([c.body for c in slack_env.calls])
    stored = _everything_stored(instance)
    for secret in SECRETS:
        assert secret not in sent, f"{secret} reached Gemini or Slack"
        assert secret not in stored, f"{secret} was stored"
    assert "db.internal" in stored  # redaction keeps the rest of the text


def test_gemini_down_falls_back_to_rules_within_budget(
    instance: dg.DagsterInstance, gemini: FakeGemini, slack_env: FakeSlack, monkeypatch
) -> None:
    monkeypatch.setenv("SENTINEL_HOOK_BUDGET_S", "6")
    gemini.default = lambda req: Reply.error(503)
    result = leaky_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    meta = instance.get_latest_materialization_event(RCA_ASSET_KEY).asset_materialization.metadata
    assert meta["brain"].value == "rules"
    assert len(slack_env.top_level()) == 1


def test_sentinel_failure_sends_a_degraded_report(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch
) -> None:
    # An unusable store (a directory where the SQLite file should be) breaks Sentinel itself.
    bad = instance.root_directory + "/not-a-db"
    import os

    os.makedirs(bad)
    monkeypatch.setenv("SENTINEL_DATABASE_URL", f"sqlite:///{bad}")
    result = leaky_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success  # the run's outcome is untouched
    step_failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(step_failure) == 1
    top = slack_env.top_level()
    assert len(top) == 1 and "degraded" in top[0].body["text"]
    assert "load_warehouse" in json.dumps(top[0].body)
    assert SECRETS[0] not in json.dumps(top[0].body)
