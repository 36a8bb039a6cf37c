"""The health sensors against a real instance: real runs, check evaluations,
materializations and run records (with old timestamps where time matters).

Each problem must open exactly one incident, stay one incident on later ticks, and be
resolved once it is gone; nothing remote happens inside a tick.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import dagster as dg
import pytest
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.events import DagsterEvent
from dagster._core.remote_origin import (
    InProcessCodeLocationOrigin,
    RegisteredCodeLocationOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    TickData,
    TickStatus,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.test_utils import InProcessTestWorkspaceLoadTarget, freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.utils import make_new_run_id
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._daemon.freshness import FreshnessDaemon
from dagster._utils.error import SerializableErrorInfo

from dagster_sentinel import health_sensors as hs
from dagster_sentinel import slack
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.incidents import Incident
from dagster_sentinel.resources import sentinel_for
from tests.fakes.slack_server import FakeSlack, Scripted
from tests.sentinel.conftest import MaterializeRca

HOUR = 3600.0


@pytest.fixture(autouse=True)
def every_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    # Evaluate on every tick (the default waits SENTINEL_HEALTH_INTERVAL_S between two).
    monkeypatch.setenv("SENTINEL_HEALTH_INTERVAL_S", "0")
    monkeypatch.setenv("SENTINEL_HEALTH_HISTORY_INTERVAL_S", "0")


def tick(sensor, instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"sentinel": SentinelConfig()}
    )
    result = sensor(ctx)
    assert isinstance(result, dg.SensorResult)
    return result


def incidents(instance: dg.DagsterInstance, kind: str) -> list[Incident]:
    # The sensors' store: with no URL set, a PostgreSQL instance's own database.
    return [i for i in sentinel_for(SentinelConfig(), instance).store.all() if i.kind == kind]


def evidence_text(incident: Incident) -> str:
    return json.loads(incident.evidence_json or "{}").get("text", "")


def skip_message(result: dg.SensorResult) -> str:
    assert result.skip_reason is not None, result.run_requests
    return result.skip_reason.skip_message or ""


# --- asset checks -----------------------------------------------------------------------


@dg.asset
def orders() -> int:
    return 3


@dg.asset_check(asset=orders, name="row_count", blocking=False)
def row_count_low() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description="fewer rows than expected",
        metadata={"rows": 3, "expected_min": 1000},
    )


@dg.asset_check(asset=orders, name="row_count", blocking=False)
def row_count_ok() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"rows": 5000})


@dg.asset_check(asset=orders, name="no_nulls", blocking=True)
def no_nulls_blocking() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="12 null ids")


def test_failed_non_blocking_check_opens_one_incident_then_resolves(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    materialize_rca: MaterializeRca,
) -> None:
    dg.materialize([orders, row_count_low], instance=instance)

    first = tick(hs.sentinel_asset_check_sensor, instance)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert request.partition_key in instance.get_dynamic_partitions("sentinel_incidents")
    assert request.run_key == f"rca:{request.partition_key}"
    [incident] = incidents(instance, "failed_check")
    assert incident.id == request.partition_key
    assert (incident.target, incident.step, incident.source) == ("orders", "row_count", "health")
    text = evidence_text(incident)
    assert text.splitlines()[0] == "Asset check row_count on orders failed"
    assert "WARN" in text and "non-blocking" in text and "fewer rows than expected" in text
    assert "expected_min: 1000" in text
    assert slack_env.calls == []  # nothing remote inside a tick

    # The requested run diagnoses the finding and posts it, once.
    out = materialize_rca(instance, request.partition_key)
    assert out.success
    [post] = slack_env.top_level()
    assert "row_count" in json.dumps(post.body)

    # The same tick again, then a new failing evaluation: still exactly one incident.
    again = tick(hs.sentinel_asset_check_sensor, instance, first.cursor)
    assert again.run_requests == [] and len(incidents(instance, "failed_check")) == 1
    dg.materialize([orders, row_count_low], instance=instance)
    repeat = tick(hs.sentinel_asset_check_sensor, instance, again.cursor)
    assert repeat.run_requests == [] and "1 still open" in skip_message(repeat)
    assert len(incidents(instance, "failed_check")) == 1

    # A passing evaluation of that check resolves it.
    fixed = dg.materialize([orders, row_count_ok], instance=instance)
    done = tick(hs.sentinel_asset_check_sensor, instance, repeat.cursor)
    assert "1 resolved" in skip_message(done)
    [incident] = incidents(instance, "failed_check")
    assert incident.status == "resolved" and incident.resolved_by_run_id == fixed.run_id


def test_failed_blocking_check_in_a_failed_run(instance: dg.DagsterInstance, dagster_home) -> None:
    result = dg.materialize([orders, no_nulls_blocking], instance=instance, raise_on_error=False)
    assert not result.success  # a failing blocking ERROR check fails the run
    first = tick(hs.sentinel_asset_check_sensor, instance)
    assert len(first.run_requests) == 1
    [incident] = incidents(instance, "failed_check")
    text = evidence_text(incident)
    assert "Severity: ERROR (blocking" in text and "12 null ids" in text


def test_runless_check_evaluation(instance: dg.DagsterInstance, dagster_home) -> None:
    # An external check reported outside of any run.
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(["warehouse", "customers"]),
            check_name="freshness_sla",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"lag_minutes": 95},
        )
    )
    first = tick(hs.sentinel_asset_check_sensor, instance)
    assert len(first.run_requests) == 1
    [incident] = incidents(instance, "failed_check")
    assert incident.target == "warehouse/customers" and "lag_minutes: 95" in evidence_text(incident)
    again = tick(hs.sentinel_asset_check_sensor, instance, first.cursor)
    assert again.run_requests == [] and len(incidents(instance, "failed_check")) == 1

    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(["warehouse", "customers"]),
            check_name="freshness_sla",
            passed=True,
        )
    )
    tick(hs.sentinel_asset_check_sensor, instance, again.cursor)
    assert [i.status for i in incidents(instance, "failed_check")] == ["resolved"]


# --- freshness --------------------------------------------------------------------------


def _materialize_at(instance: dg.DagsterInstance, key: str, ts: float) -> None:
    with freeze_time(ts):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key))


def test_asset_silent_against_its_cadence_is_stale_once(
    instance: dg.DagsterInstance, dagster_home, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    for i in range(6):  # every 10 min, the last one 3 h ago
        _materialize_at(instance, "orders_daily", now - 3 * HOUR - (5 - i) * 600)
    _materialize_at(instance, "fresh_asset", now - 60)

    first = tick(hs.sentinel_freshness_sensor, instance)
    assert len(first.run_requests) == 1
    [incident] = incidents(instance, "stale_asset")
    assert incident.target == "orders_daily"
    text = evidence_text(incident)
    assert text.splitlines()[0] == "Asset orders_daily stopped materializing at its usual cadence"
    assert "Usual cadence: every 10 min" in text

    second = tick(hs.sentinel_freshness_sensor, instance, first.cursor)
    assert second.run_requests == [] and "1 still open" in skip_message(second)
    assert len(incidents(instance, "stale_asset")) == 1

    # A tick that runs out of time resolves nothing (what it did not look at is not gone).
    _materialize_at(instance, "orders_daily", time.time())
    monkeypatch.setattr(hs, "TICK_BUDGET_S", -1.0)
    partial = tick(hs.sentinel_freshness_sensor, instance, second.cursor)
    assert "partial" in skip_message(partial) and "0 resolved" in skip_message(partial)
    assert [i.status for i in incidents(instance, "stale_asset")] == ["open"]

    monkeypatch.setattr(hs, "TICK_BUDGET_S", 40.0)
    third = tick(hs.sentinel_freshness_sensor, instance, second.cursor)
    assert "1 resolved" in skip_message(third)
    assert [i.status for i in incidents(instance, "stale_asset")] == ["resolved"]


@dg.asset(freshness_policy=dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=1)))
def hourly_sales() -> int:
    return 1


freshness_defs = dg.Definitions(assets=[hourly_sales, orders])


def run_freshness_daemon(instance: dg.DagsterInstance) -> None:
    """One iteration of Dagster's freshness daemon over `freshness_defs`, in process."""
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name=__name__, attribute="freshness_defs"),
        location_name="etl",
    )
    with WorkspaceProcessContext(instance, InProcessTestWorkspaceLoadTarget(origin)) as ctx:
        list(FreshnessDaemon().run_iteration(ctx))


def test_asset_failing_its_freshness_policy(instance: dg.DagsterInstance, dagster_home) -> None:
    with freeze_time(time.time() - 2 * HOUR):  # last materialized 2 h ago, policy: 1 h
        dg.materialize([hourly_sales, orders], instance=instance)
    run_freshness_daemon(instance)
    states = instance.get_freshness_state_records([dg.AssetKey("hourly_sales")])
    assert states[dg.AssetKey("hourly_sales")].freshness_state == FreshnessState.FAIL

    first = tick(hs.sentinel_freshness_sensor, instance)
    assert len(first.run_requests) == 1
    [incident] = incidents(instance, "stale_asset")  # `orders` has no policy and no cadence yet
    text = evidence_text(incident)
    assert text.splitlines()[0] == "Asset hourly_sales is failing its freshness policy"
    assert "Freshness state: FAIL" in text and "(2.0 h ago)" in text
    second = tick(hs.sentinel_freshness_sensor, instance, first.cursor)
    assert second.run_requests == [] and len(incidents(instance, "stale_asset")) == 1

    dg.materialize([hourly_sales], instance=instance)
    run_freshness_daemon(instance)
    tick(hs.sentinel_freshness_sensor, instance, second.cursor)
    assert [i.status for i in incidents(instance, "stale_asset")] == ["resolved"]


# --- runs ---------------------------------------------------------------------------------


ETL_REPO = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("etl"), "__repository__")


def _run_event(instance: dg.DagsterInstance, run_id: str, job: str, kind: str, ts: float) -> None:
    instance.report_dagster_event(
        DagsterEvent(event_type_value=kind, job_name=job), run_id, timestamp=ts
    )


def fake_run(
    instance: dg.DagsterInstance,
    job: str,
    *,
    queued_at: float | None = None,
    start: float | None = None,
    end: float | None = None,
    failed: bool = False,
) -> str:
    """A run record driven through its status events, with the given timestamps."""
    run_id = make_new_run_id()
    instance.add_run(
        DagsterRun(
            job_name=job,
            run_id=run_id,
            status=dg.DagsterRunStatus.NOT_STARTED,
            remote_job_origin=ETL_REPO.get_job_origin(job),  # queued runs need one
        )
    )
    if queued_at is not None:
        _run_event(instance, run_id, job, "PIPELINE_ENQUEUED", queued_at)
    if start is not None:
        _run_event(instance, run_id, job, "PIPELINE_START", start)
    if end is not None:
        _run_event(instance, run_id, job, "PIPELINE_FAILURE" if failed else "PIPELINE_SUCCESS", end)
    return run_id


def test_stuck_queued_run_and_long_running_run(instance: dg.DagsterInstance, dagster_home) -> None:
    now = time.time()
    queued = fake_run(instance, "nightly_load", queued_at=now - 2 * HOUR)
    fake_run(instance, "fresh_job", queued_at=now - 60)  # queued a minute ago: fine
    for i in range(5):  # hourly_job usually takes 2 minutes…
        start = now - (10 - i) * HOUR
        fake_run(instance, "hourly_job", start=start, end=start + 120)
    slow = fake_run(instance, "hourly_job", start=now - 1.5 * HOUR)  # …this one runs for 1.5 h

    first = tick(hs.sentinel_run_health_sensor, instance)
    assert len(first.run_requests) == 2
    [stuck] = incidents(instance, "stuck_run")
    assert stuck.target == "nightly_load" and stuck.step == "QUEUED"
    assert queued in evidence_text(stuck)
    [long] = incidents(instance, "long_running_run")
    assert long.target == "hourly_job" and slow in evidence_text(long)
    assert long.first_run_id is None  # not an occurrence: the failure sensor must still see it

    second = tick(hs.sentinel_run_health_sensor, instance, first.cursor)
    assert second.run_requests == [] and "2 still open" in skip_message(second)
    assert len(incidents(instance, "stuck_run")) == 1
    assert len(incidents(instance, "long_running_run")) == 1

    # The queued run finally starts and finishes: its incident is resolved.
    _run_event(instance, queued, "nightly_load", "PIPELINE_START", time.time())
    _run_event(instance, queued, "nightly_load", "PIPELINE_SUCCESS", time.time())
    third = tick(hs.sentinel_run_health_sensor, instance, second.cursor)
    assert "1 resolved" in skip_message(third)
    assert [i.status for i in incidents(instance, "stuck_run")] == ["resolved"]
    assert [i.status for i in incidents(instance, "long_running_run")] == ["open"]


def test_stuck_starting_run(instance: dg.DagsterInstance, dagster_home) -> None:
    run_id = make_new_run_id()
    instance.add_run(
        DagsterRun(job_name="etl", run_id=run_id, status=dg.DagsterRunStatus.NOT_STARTED)
    )
    _run_event(instance, run_id, "etl", "PIPELINE_STARTING", time.time() - HOUR)
    first = tick(hs.sentinel_run_health_sensor, instance)
    assert len(first.run_requests) == 1
    [stuck] = incidents(instance, "stuck_run")
    assert stuck.step == "STARTING"


def test_duration_regression_opens_one_incident(
    instance: dg.DagsterInstance, dagster_home, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    for i in range(6):  # six runs of about a minute…
        start = now - (8 - i) * HOUR
        fake_run(instance, "daily_report", start=start, end=start + 60 + i)
    slow = fake_run(instance, "daily_report", start=now - 0.5 * HOUR, end=now - 0.5 * HOUR + 900)

    first = tick(hs.sentinel_run_history_sensor, instance)
    assert len(first.run_requests) == 1
    [incident] = incidents(instance, "duration_regression")
    assert incident.target == "daily_report" and incident.first_run_id == slow
    text = evidence_text(incident)
    assert text.splitlines()[0] == "Job daily_report became much slower than its usual run duration"
    assert "15 min" in text

    second = tick(hs.sentinel_run_history_sensor, instance, first.cursor)
    assert second.run_requests == [] and "1 still open" in skip_message(second)
    assert len(incidents(instance, "duration_regression")) == 1

    # No recent run of the job to look at: the incident is left as it is.
    monkeypatch.setenv("SENTINEL_HEALTH_LOOKBACK_H", "0.01")
    monkeypatch.setenv("SENTINEL_FAILURE_WINDOW_S", "60")
    quiet = tick(hs.sentinel_run_history_sensor, instance, second.cursor)
    assert "0 problem(s)" in skip_message(quiet) and "0 resolved" in skip_message(quiet)
    assert [i.status for i in incidents(instance, "duration_regression")] == ["open"]

    fake_run(instance, "daily_report", start=time.time() - 70, end=time.time() - 5)
    tick(hs.sentinel_run_history_sensor, instance, second.cursor)
    assert [i.status for i in incidents(instance, "duration_regression")] == ["resolved"]


def test_failure_rate_spike(instance: dg.DagsterInstance, dagster_home) -> None:
    now = time.time()
    for i in range(12):  # a healthy day…
        start = now - (20 - i) * HOUR
        fake_run(instance, "ingest", start=start, end=start + 30, failed=(i == 3))
    for i in range(4):  # …then 4 failures out of 5 in the last hour
        start = now - 3000 + i * 600
        fake_run(instance, "ingest", start=start, end=start + 30, failed=(i != 2))
    fake_run(instance, "ingest", start=now - 200, end=now - 170, failed=True)

    first = tick(hs.sentinel_run_history_sensor, instance)
    assert len(first.run_requests) == 1
    [incident] = incidents(instance, "failure_rate_spike")
    assert incident.target == "ingest"
    assert "4 of 5 finished runs failed" in evidence_text(incident)
    assert tick(hs.sentinel_run_history_sensor, instance, first.cursor).run_requests == []
    assert len(incidents(instance, "failure_rate_spike")) == 1


def test_interval_is_read_at_tick_time(
    instance: dg.DagsterInstance, dagster_home, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tick(hs.sentinel_run_health_sensor, instance)
    monkeypatch.setenv("SENTINEL_HEALTH_INTERVAL_S", "600")
    second = tick(hs.sentinel_run_health_sensor, instance, first.cursor)
    assert "next evaluation in" in skip_message(second) and second.cursor == first.cursor


# --- Sentinel's own health ------------------------------------------------------------------


def _sensor_with_failing_ticks(instance: dg.DagsterInstance, name: str, failures: int) -> None:
    repo = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("sentinel"), "__repository__")
    state = InstigatorState(
        repo.get_instigator_origin(name), InstigatorType.SENSOR, InstigatorStatus.DECLARED_IN_CODE
    )
    instance.add_instigator_state(state)
    now = time.time()
    instance.create_tick(
        TickData(
            instigator_origin_id=state.instigator_origin_id,
            instigator_name=name,
            instigator_type=InstigatorType.SENSOR,
            status=TickStatus.SKIPPED,
            timestamp=now - 1000,
            selector_id=state.selector_id,
        )
    )
    for i in range(failures):
        instance.create_tick(
            TickData(
                instigator_origin_id=state.instigator_origin_id,
                instigator_name=name,
                instigator_type=InstigatorType.SENSOR,
                status=TickStatus.FAILURE,
                timestamp=now - 100 + i,
                selector_id=state.selector_id,
                error=SerializableErrorInfo("StoreError: database is locked\n", [], "StoreError"),
            )
        )


def test_sentinel_health_problems_each_open_one_incident(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = sentinel_for(SentinelConfig(), instance)
    # An outbox message waiting for two hours (Slack configured but not taking it).
    message = slack.render_degraded("Test", "here", "an error", None)
    s.outbox.enqueue(
        "old:post", channel="#data-alerts", message=message, now=time.time() - 2 * HOUR
    )
    # A message Slack refuses for good.
    monkeypatch.setattr("dagster_sentinel.outbox.MAX_ATTEMPTS", 1)
    s.outbox.enqueue("bad:post", channel="#nowhere", message=message)
    slack_env.fail_next(Scripted(error="channel_not_found"))
    assert s.outbox.deliver("bad:post", s.transport).status == "dead"
    # A Sentinel sensor failing tick after tick, and one that failed only once.
    _sensor_with_failing_ticks(instance, "sentinel_outbox_sensor", 3)
    _sensor_with_failing_ticks(instance, "sentinel_recovery_sensor", 1)
    _sensor_with_failing_ticks(instance, "someone_elses_sensor", 5)
    # Gemini's circuit breaker, opened a minute ago.
    state_dir = s.settings.brain.state_dir or s.settings.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "gemini-breaker.json").write_text(
        json.dumps({"failures": 3, "opened_at": time.time() - 60})
    )
    calls_before = len(slack_env.calls)

    first = tick(hs.sentinel_self_health_sensor, instance)
    found = {i.step: i for i in incidents(instance, "sentinel_health")}
    assert set(found) == {"outbox", "slack", "sensor:sentinel_outbox_sensor", "gemini"}
    assert len(first.run_requests) == 4
    assert "database is locked" in evidence_text(found["sensor:sentinel_outbox_sensor"])
    assert "channel_not_found" in evidence_text(found["slack"])
    assert len(slack_env.calls) == calls_before  # nothing remote inside a tick

    second = tick(hs.sentinel_self_health_sensor, instance, first.cursor)
    assert second.run_requests == []
    message = skip_message(second)  # visible in the UI as the tick's message
    assert "4 still open" in message and "Gemini circuit breaker is open" in message
    assert len(incidents(instance, "sentinel_health")) == 4

    (state_dir / "gemini-breaker.json").write_text(json.dumps({"failures": 0, "opened_at": None}))
    tick(hs.sentinel_self_health_sensor, instance, second.cursor)
    statuses = {i.step: i.status for i in incidents(instance, "sentinel_health")}
    assert statuses["gemini"] == "resolved" and statuses["outbox"] == "open"
