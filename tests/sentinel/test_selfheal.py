"""Self-healing where incidents are reported: real runs on a real Dagster instance, the real
store, a loopback Slack. Launching through GraphQL is covered end to end in
tests/e2e/test_selfheal.py; here Dagster's webserver is a closed loopback port."""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel import selfheal
from dagster_sentinel.actions import (
    ActionContext,
    ActionName,
    ActionRunner,
    PolicyFile,
    applicable,
    approval_for,
    load_policy,
    offered,
)
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.dagster_api import DagsterClient
from dagster_sentinel.errors import ConfigurationError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.remediation_store import RemediationStore
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.timeline import TimelineStore
from pipelines.demo.dependency import demo_dependency
from pipelines.demo.etl import demo_etl
from tests.fakes.loopback import free_port
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.conftest import MaterializeRca

DOWN = {"ops": {"fetch_rates": {"config": {"url": f"http://127.0.0.1:{free_port()}/r"}}}}


@pytest.fixture
def opted(monkeypatch: pytest.MonkeyPatch, slack_env: FakeSlack) -> FakeSlack:
    monkeypatch.setenv("SENTINEL_AUTO_RETRY", "job:demo_dependency,job:demo_etl")
    monkeypatch.setenv("SENTINEL_AUTO_RETRY_DELAY_S", "30")
    return slack_env


def _url(instance: dg.DagsterInstance) -> str:
    return sentinel_for(SentinelConfig(), instance).settings.database_url


def _store(instance: dg.DagsterInstance) -> RemediationStore:
    return RemediationStore(_url(instance))


def _texts(slack: FakeSlack) -> str:
    return json.dumps([c.body for c in slack.messages("chat.postMessage")])


def test_a_transient_failure_of_an_opted_in_job_schedules_one_retry(
    instance: dg.DagsterInstance, opted: FakeSlack
) -> None:
    before = time.time()
    result = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    assert not result.success
    rows = _store(instance).chain(result.run_id)
    assert len(rows) == 1
    row = rows[0]
    assert (row.status, row.attempt, row.target_run_id) == ("scheduled", 1, result.run_id)
    assert row.category == "dependency_unavailable" and (row.confidence or 0) >= 0.6
    # 30 s ± 25 % jitter.
    assert before + 22 <= row.due_at <= time.time() + 38
    # The thread says so, with a Cancel button carrying the retry's key.
    replies = [c.body for c in opted.replies()]
    plan = [r for r in replies if "re-executing from failure in" in r.get("text", "")]
    assert len(plan) == 1
    assert plan[0]["text"].startswith("Transient (dependency_unavailable, ")
    assert "attempt 1 of 3" in plan[0]["text"]
    buttons = [e for b in plan[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(selfheal.CANCEL, row.key)]
    entries = TimelineStore(_url(instance)).entries(row.incident_id)
    assert [(e.actor, e.action, e.result) for e in entries] == [
        ("sentinel", "auto_retry", "scheduled")
    ]


def test_deciding_twice_stores_one_retry(instance: dg.DagsterInstance, opted: FakeSlack) -> None:
    result = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    s = sentinel_for(SentinelConfig(), instance)
    incident = s.store.all()[0]
    from sentinel_brain.models import Evidence, Report

    report = Report.model_validate_json(incident.report_json or "")
    evidence = Evidence.model_validate_json(incident.evidence_json or "")
    again = selfheal.after_report(
        s, instance, incident, report, evidence, result.run_id, evidence.tags
    )
    assert again is not None and again.outcome == "schedule"
    assert len(_store(instance).chain(result.run_id)) == 1


def test_a_code_error_of_an_opted_in_job_is_never_retried(
    instance: dg.DagsterInstance, opted: FakeSlack
) -> None:
    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    store = _store(instance)
    assert store.chain(result.run_id) == []
    incident = sentinel_for(SentinelConfig(), instance).store.all()[0]
    entries = TimelineStore(_url(instance)).entries(incident.id)
    assert [(e.action, e.result) for e in entries] == [("auto_retry", "skipped")]
    assert "not transient" in (entries[0].detail or "")
    assert "re-executing from failure" not in _texts(opted)


def test_nothing_is_retried_unless_opted_in(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    result = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    assert _store(instance).chain(result.run_id) == []
    assert "re-executing from failure" not in _texts(slack_env)


def test_the_job_tag_opts_in(instance: dg.DagsterInstance, slack_env: FakeSlack) -> None:
    result = demo_dependency.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config=DOWN,
        tags={"sentinel/auto_retry": "true"},
    )
    assert len(_store(instance).chain(result.run_id)) == 1


def test_budget_pauses_and_offers_a_retry_by_hand(
    instance: dg.DagsterInstance, opted: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_AUTO_RETRY_BUDGET", "1")
    first = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    second = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    store = _store(instance)
    assert len(store.chain(first.run_id)) == 1
    assert store.chain(second.run_id) == []
    s = sentinel_for(SentinelConfig(), instance)
    s.outbox.drain(s.transport, per_channel_interval_s=0)
    paused = [c.body for c in opted.replies() if "auto-retry paused: budget" in c.body["text"]]
    assert len(paused) == 1
    button = [e for b in paused[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    incident = s.store.all()[0]
    assert [(b["action_id"], b["value"]) for b in button] == [("sentinel_reexecute", incident.id)]


def test_dagster_run_retries_come_first(dagster_home: Path, opted: FakeSlack) -> None:
    with dg.instance_for_test(
        temp_dir=str(dagster_home), overrides={"run_retries": {"enabled": True}}
    ) as instance:
        result = demo_dependency.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=DOWN,
            tags={"dagster/max_retries": "2"},
        )
        assert not result.success
        assert _store(instance).chain(result.run_id) == []
        # The last of Dagster's attempts has none left: then Sentinel may retry it.
        last = demo_dependency.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=DOWN,
            tags={"dagster/max_retries": "2", "dagster/retry_number": "2"},
        )
        assert len(_store(instance).chain(last.run_id)) == 1


def test_cancel_is_idempotent_and_nothing_launches(
    instance: dg.DagsterInstance, opted: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_AUTO_RETRY_DELAY_S", "0")
    result = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    s = sentinel_for(SentinelConfig(), instance)
    store = _store(instance)
    row = store.chain(result.run_id)[0]
    assert selfheal.cancel(s, row.key, "UCANCEL01") == "Canceled automatic retry attempt 1."
    assert selfheal.cancel(s, row.key, "UCANCEL01").startswith("Too late to cancel")
    # The sensor's work finds nothing due: Dagster (a closed port here) is never called.
    client = DagsterClient(f"http://127.0.0.1:{free_port()}/graphql", timeout_s=1)
    counts = selfheal.tick(s, client)
    assert counts["launched"] == 0 and counts["errors"] == 0
    assert store.get(row.key).status == "canceled"  # type: ignore[union-attr]
    edits = [c.body for c in opted.messages("chat.update")]
    assert any("canceled by <@UCANCEL01>" in json.dumps(e) for e in edits)


def test_a_due_retry_stays_scheduled_while_dagster_is_unreachable(
    instance: dg.DagsterInstance, opted: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_AUTO_RETRY_DELAY_S", "0")
    result = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN
    )
    s = sentinel_for(SentinelConfig(), instance)
    client = DagsterClient(f"http://127.0.0.1:{free_port()}/graphql", timeout_s=1)
    counts = selfheal.tick(s, client)
    assert counts["errors"] == 1 and counts["launched"] == 0
    row = _store(instance).chain(result.run_id)[0]
    assert row.status == "scheduled" and row.run_id is None


# --- the action catalog on plain data ----------------------------------------------------------


def _incident(**kw: object) -> Incident:
    base: dict[str, object] = {
        "id": "20261204-120000-abcdef12-abcd",
        "fingerprint": "f" * 16,
        "status": "open",
        "kind": "failure",
        "job": "nightly",
        "last_run_id": "r" * 36,
        "first_seen": 0.0,
        "last_seen": 0.0,
        "category": "dependency_unavailable",
    }
    base.update(kw)
    return Incident.model_validate(base)


def test_actions_fit_the_diagnosis() -> None:
    plain = ActionContext.of(_incident())
    assert applicable(plain) == [ActionName.REEXECUTE_FROM_FAILURE, ActionName.REEXECUTE_ALL_STEPS]
    missing = ActionContext.of(_incident(category="missing_input", asset="raw/orders"))
    assert applicable(missing)[0] == ActionName.MATERIALIZE_UPSTREAM
    # Without an asset the graph cannot name the upstream: not offered.
    assert ActionName.MATERIALIZE_UPSTREAM not in applicable(
        ActionContext.of(_incident(category="missing_input"))
    )
    scheduled = ActionContext.of(_incident(), {"dagster/schedule_name": "nightly_schedule"})
    assert applicable(scheduled)[-1] == ActionName.PAUSE_AUTOMATION
    scheduled.paused = True
    assert applicable(scheduled)[-1] == ActionName.RESUME_AUTOMATION
    stuck = ActionContext.of(
        _incident(kind="stuck_run", last_run_id=None), {"dagster/run_id": "s" * 36}
    )
    assert applicable(stuck) == [ActionName.TERMINATE_AND_RELAUNCH]
    assert applicable(ActionContext.of(_incident(status="resolved"))) == []


def test_policy_per_action_and_selector(tmp_path: Path) -> None:
    path = tmp_path / "remediation.yaml"
    path.write_text(
        "default: approve\n"
        "actions:\n  terminate_and_relaunch: never\n"
        "selectors:\n"
        "  job:nightly:\n    reexecute_from_failure: auto\n"
        "  location:prod:\n    reexecute_all_steps: never\n"
    )
    policy = load_policy(str(path))
    nightly = _incident(location="prod")
    assert approval_for(policy, ActionName.REEXECUTE_FROM_FAILURE, nightly) == "auto"
    assert approval_for(policy, ActionName.REEXECUTE_ALL_STEPS, nightly) == "never"
    assert approval_for(policy, ActionName.REEXECUTE_FROM_FAILURE, _incident(job="x")) == "approve"
    assert approval_for(policy, ActionName.TERMINATE_AND_RELAUNCH, nightly) == "never"
    names = [a.spec.name for a in offered(ActionContext.of(nightly), policy)]
    assert names == [ActionName.REEXECUTE_FROM_FAILURE]
    assert load_policy(None) == PolicyFile()
    path.write_text("actions:\n  reexecute_from_failure: sometimes\n")
    with pytest.raises(ConfigurationError, match="invalid"):
        load_policy(str(path))


def test_an_action_needing_approval_is_refused_without_one_and_recorded(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    s = sentinel_for(SentinelConfig(), instance)
    url = s.settings.database_url
    runner = ActionRunner(
        DagsterClient(f"http://127.0.0.1:{free_port()}/graphql", timeout_s=1),
        RemediationStore(url),
        TimelineStore(url),
    )
    incident = _incident()
    result = runner.run(
        ActionContext.of(incident),
        ActionName.REEXECUTE_ALL_STEPS,
        requested_by="UVIEWER",
        approved_by=None,
        policy=PolicyFile(),
    )
    assert result.status == "forbidden"
    # An approver's request reaches Dagster; Dagster down → an error, nothing claimed.
    down = runner.run(
        ActionContext.of(incident),
        ActionName.REEXECUTE_ALL_STEPS,
        requested_by="UAPPROVER",
        approved_by="UAPPROVER",
        policy=PolicyFile(),
    )
    assert down.status == "error"
    assert TimelineStore(url).reexecution("r" * 36) is None
    results = [(e.actor, e.result) for e in TimelineStore(url).entries(incident.id)]
    assert results == [("UVIEWER", "approval_required"), ("UAPPROVER", "error")]


def test_exhaustion_escalates_with_here_when_configured(
    instance: dg.DagsterInstance, opted: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_AUTO_RETRY_HERE", "true")
    # The third automatic attempt of a chain fails the same way.
    tags = {"sentinel/remediation_of": "o" * 36, "sentinel/attempt": "3"}
    result = demo_dependency.execute_in_process(
        instance=instance, raise_on_error=False, run_config=DOWN, tags=tags
    )
    assert not result.success
    assert _store(instance).chain("o" * 36) == []  # nothing more is scheduled
    s = sentinel_for(SentinelConfig(), instance)
    s.outbox.drain(s.transport, per_channel_interval_s=0)
    gave_up = [c.body["text"] for c in opted.replies() if "gave up" in c.body["text"]]
    assert len(gave_up) == 1 and gave_up[0].startswith("<!here> Auto-retry gave up: 3 ")
    incident = s.store.all()[0]
    results = [(e.action, e.result) for e in TimelineStore(_url(instance)).entries(incident.id)]
    assert ("auto_retry", "exhausted") in results


def test_the_chain_message_shows_each_attempt_and_cancel_only_while_waiting() -> None:
    from dagster_sentinel.remediation_store import Remediation

    def row(attempt: int, status: str, **kw: object) -> Remediation:
        base: dict[str, object] = {
            "key": f"retry:r:{attempt}",
            "incident_id": "i",
            "kind": "auto_retry",
            "action": "reexecute_from_failure",
            "remediation_of": "r",
            "attempt": attempt,
            "status": status,
            "due_at": 100.0,
            "requested_by": "sentinel",
            "created_at": 0.0,
            "updated_at": 0.0,
            "detail": f"Transient (timeout, 80 %): re-executing from failure in 30 s, attempt "
            f"{attempt} of 3",
        }
        base.update(kw)
        return Remediation.model_validate(base)

    waiting = selfheal.chain_message(
        [row(1, "failed", run_id="a" * 36), row(2, "scheduled")], 3, now=40.0
    )
    text = json.dumps(waiting)
    assert ":x: Attempt 1 failed (run `aaaaaaaa`)" in text and "(in 60 s)" in text
    assert waiting["blocks"][-1]["elements"][0]["value"] == "retry:r:2"
    done = selfheal.chain_message(
        [row(1, "failed", run_id="a" * 36), row(2, "succeeded", run_id="b" * 36)], 3, now=400.0
    )
    assert "Attempt 2 succeeded" in json.dumps(done)
    assert all(b["type"] != "actions" for b in done["blocks"])


@dg.op
def call_partner_api() -> None:
    # What a client library raises while the service is down.
    raise ConnectionRefusedError(111, "Connection refused")


@dg.job
def unhooked_partner_job() -> None:  # no Sentinel hook: the sensor and the RCA asset see it
    call_partner_api()


def test_the_rca_path_schedules_for_jobs_without_the_hook(
    instance: dg.DagsterInstance,
    opted: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    materialize_rca: MaterializeRca,
) -> None:
    from dagster_sentinel.sensors import sentinel_run_failure_sensor

    monkeypatch.setenv("SENTINEL_AUTO_RETRY", "job:unhooked_partner_job")
    result = unhooked_partner_job.execute_in_process(instance=instance, raise_on_error=False)
    run = instance.get_run_by_id(result.run_id)
    event = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    context = dg.build_run_status_sensor_context(
        sensor_name=sentinel_run_failure_sensor.name,
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=run,
        resources={"sentinel": SentinelConfig()},
    ).for_run_failure()
    request = sentinel_run_failure_sensor(context)
    assert isinstance(request, dg.RunRequest)
    assert _store(instance).chain(result.run_id) == []  # nothing decided inside the tick
    for _ in range(2):  # the RCA run, then a re-diagnosis from the UI: still one retry
        materialize_rca(instance, request.partition_key)
    rows = _store(instance).chain(result.run_id)
    assert [(r.attempt, r.status, r.category) for r in rows] == [
        (1, "scheduled", "dependency_unavailable")
    ]
