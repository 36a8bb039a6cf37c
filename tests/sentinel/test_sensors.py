"""The run-failure and recovery sensors, evaluated against real runs in a real instance."""

from __future__ import annotations

import json

import dagster as dg

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.rca import RCA_ASSET_KEY
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.sensors import sentinel_recovery_sensor, sentinel_run_failure_sensor
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.conftest import MaterializeRca


@dg.op
def fetch_partner_feed() -> list[dict[str, str]]:
    import os

    return [{"token": os.environ["PARTNER_FEED_URL"]}]


@dg.job
def unhooked_job() -> None:  # no Sentinel hook: only the sensor can see it fail
    fetch_partner_feed()


@dg.op
def ok() -> int:
    return 1


@dg.job(name="unhooked_job")
def unhooked_job_fixed() -> None:
    ok()


def _failure_context(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult):
    run = instance.get_run_by_id(result.run_id)
    event = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    return dg.build_run_status_sensor_context(
        sensor_name=sentinel_run_failure_sensor.name,
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=run,
        resources={"sentinel": SentinelConfig()},
    ).for_run_failure()


def test_sensor_registers_unhooked_failure_and_requests_rca(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    monkeypatch,
    materialize_rca: MaterializeRca,
) -> None:
    monkeypatch.delenv("PARTNER_FEED_URL", raising=False)
    result = unhooked_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success

    request = sentinel_run_failure_sensor(_failure_context(instance, result))
    assert isinstance(request, dg.RunRequest)
    incident_id = request.partition_key
    assert incident_id in instance.get_dynamic_partitions("sentinel_incidents")
    # The tick posts the offline diagnosis at once: one post, nothing else remote (the
    # thread reply waits for the drain).
    assert [c.method for c in slack_env.calls] == ["chat.postMessage"]
    first = slack_env.top_level()
    assert len(first) == 1 and "PARTNER_FEED_URL" in json.dumps(first[0].body)

    # The requested run: materialize that partition of the RCA asset.
    out = materialize_rca(instance, incident_id)
    assert out.success
    meta = instance.get_latest_materialization_event(RCA_ASSET_KEY).asset_materialization.metadata
    assert meta["job"].value == "unhooked_job"
    assert meta["step"].value == "fetch_partner_feed"
    assert "PARTNER_FEED_URL" in meta["report"].value
    # The RCA run enriches the same message: an update, never a second post.
    top = slack_env.top_level()
    assert len(top) == 1 and "PARTNER_FEED_URL" in json.dumps(top[0].body)
    updates = slack_env.messages("chat.update")
    assert len(updates) == 1
    assert (updates[0].body["channel"], updates[0].body["ts"]) == (
        top[0].response["channel"],
        top[0].response["ts"],
    )

    # Evaluating the same failure again (a second tick, or the sensor racing) is a no-op.
    again = sentinel_run_failure_sensor(_failure_context(instance, result))
    assert isinstance(again, dg.SkipReason)


def test_sensor_skips_runs_the_hook_reported(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    from pipelines.demo.etl import demo_etl

    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    skip = sentinel_run_failure_sensor(_failure_context(instance, result))
    assert isinstance(skip, dg.SkipReason) and "hook" in skip.skip_message
    assert len(slack_env.top_level()) == 1


def test_rematerializing_rediagnoses_and_updates_instead_of_reposting(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    monkeypatch,
    materialize_rca: MaterializeRca,
) -> None:
    monkeypatch.delenv("PARTNER_FEED_URL", raising=False)
    result = unhooked_job.execute_in_process(instance=instance, raise_on_error=False)
    request = sentinel_run_failure_sensor(_failure_context(instance, result))
    for _ in range(2):
        materialize_rca(instance, request.partition_key)
    assert len(slack_env.top_level()) == 1  # the tick's first report
    assert len(slack_env.messages("chat.update")) == 2  # one per re-diagnosis


def test_next_success_resolves_and_edits_the_message(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    monkeypatch,
    materialize_rca: MaterializeRca,
) -> None:
    monkeypatch.delenv("PARTNER_FEED_URL", raising=False)
    failed = unhooked_job.execute_in_process(instance=instance, raise_on_error=False)
    request = sentinel_run_failure_sensor(_failure_context(instance, failed))
    materialize_rca(instance, request.partition_key)

    fixed = unhooked_job_fixed.execute_in_process(instance=instance)
    ctx = dg.build_run_status_sensor_context(
        sensor_name=sentinel_recovery_sensor.name,
        dagster_event=next(e for e in fixed.all_events if e.event_type_value == "PIPELINE_SUCCESS"),
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(fixed.run_id),
        resources={"sentinel": SentinelConfig()},
    )
    sentinel_recovery_sensor(ctx)
    s = sentinel_for(SentinelConfig(), instance)
    incident = s.store.get(request.partition_key)
    assert incident.status == "resolved" and incident.mttr_s is not None
    s.outbox.drain(s.transport, per_channel_interval_s=0)
    updates = slack_env.messages("chat.update")
    # The RCA run's update, then the resolution edit, both of the tick's first post.
    assert len(updates) == 2 and "Resolved" in json.dumps(updates[-1].body)
    parent = slack_env.top_level()[0].response
    assert (updates[-1].body["channel"], updates[-1].body["ts"]) == (
        parent["channel"],
        parent["ts"],
    )
