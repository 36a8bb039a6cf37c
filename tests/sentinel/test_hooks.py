"""The failure hook inside real runs against a real (temporary) Dagster instance."""

from __future__ import annotations

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.rca import RCA_ASSET_KEY
from dagster_sentinel.resources import sentinel_for
from pipelines.demo.etl import demo_etl
from tests.fakes.slack_server import FakeSlack


def _texts(call) -> str:  # every text in a Slack message, for assertions
    import json

    return json.dumps(call.body.get("blocks", [])) + call.body.get("text", "")


def test_demo_etl_failure_is_reported_once_with_diagnosis(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)

    assert not result.success  # Sentinel never hides the outcome
    failed = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failed] == ["transform_data"]

    top = slack_env.top_level()
    assert len(top) == 1
    text = _texts(top[0])
    assert "ZeroDivisionError" in text and "transform_data" in text and "demo_etl" in text
    assert top[0].headers["Authorization"] == f"Bearer {slack_env.token}"
    assert top[0].body["channel"] == "#data-alerts"
    assert f"/runs/{result.run_id}" in text
    # The full report goes in the thread of that message.
    replies = slack_env.replies()
    assert replies and replies[0].body["thread_ts"]

    event = instance.get_latest_materialization_event(RCA_ASSET_KEY)
    assert event is not None and event.asset_materialization is not None
    meta = event.asset_materialization.metadata
    assert "ZeroDivisionError" in meta["report"].value
    assert meta["job"].value == "demo_etl" and meta["step"].value == "transform_data"
    assert meta["run_id"].value == result.run_id
    assert meta["slack_delivered"].value is True
    assert len(meta["fingerprint"].value) == 16
    partition = event.asset_materialization.partition
    assert partition in instance.get_dynamic_partitions("sentinel_incidents")


def test_repeat_failure_updates_the_incident_in_thread(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    third = demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    s = sentinel_for(SentinelConfig(), instance)
    s.outbox.drain(s.transport, per_channel_interval_s=0)

    assert len(slack_env.top_level()) == 1
    # Repeats coalesce: one threaded reply with the latest count, not one per run.
    repeat = [c for c in slack_env.replies() if "Seen again" in c.body.get("text", "")]
    assert (
        len(repeat) == 1 and third.run_id[:8] in _texts(repeat[0]) and "3" in repeat[0].body["text"]
    )
    assert repeat[0].body["thread_ts"] == slack_env.top_level()[0].response["ts"]
    incidents = s.store.all()
    assert len(incidents) == 1 and incidents[0].occurrences == 3


def test_without_slack_the_report_waits_in_the_outbox(instance: dg.DagsterInstance) -> None:
    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)

    assert not result.success
    event = instance.get_latest_materialization_event(RCA_ASSET_KEY)
    meta = event.asset_materialization.metadata
    assert meta["slack_delivered"].value is False
    assert "not configured" in meta["slack_detail"].value
    pending = sentinel_for(SentinelConfig(), instance).outbox.items(status="pending")
    assert [p.kind for p in pending] == ["post"]


def test_green_run_reports_nothing(instance: dg.DagsterInstance, slack_env: FakeSlack) -> None:
    result = demo_etl.execute_in_process(
        instance=instance,
        run_config={"ops": {"extract_data": {"config": {"scenario": "none"}}}},
    )
    assert result.success
    assert slack_env.calls == []


def test_a_recurring_failure_says_so(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch
) -> None:
    """After the incident is resolved, the same failure opens a new one that knows its past."""
    import json as _json

    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    s = sentinel_for(SentinelConfig(), instance)
    s.store.resolve(target="demo_etl", run_id="fixed")
    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    newest = s.store.all()[0]
    assert newest.status == "open" and newest.evidence_json
    assert _json.loads(newest.evidence_json)["recurrence"] == 1
    assert len(slack_env.top_level()) == 2
