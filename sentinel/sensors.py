"""Sentinel's sensors: thin wrappers around decisions in `dagster_sentinel.triage`.

- `sentinel_run_failure_sensor`: every failed run of every code location. Registers the
  incident, posts its offline report at once (one bounded Slack call) and requests an
  `rca_report` run that enriches the same message (Gemini, re-diagnosis).
- `sentinel_recovery_sensor`: the next success of a job resolves its open incidents.
- `sentinel_outbox_sensor`: drains the Slack outbox (bounded per tick).
"""

import dagster as dg

from dagster_sentinel import triage
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.rca import rca_job
from dagster_sentinel.resources import sentinel_for


@dg.run_failure_sensor(
    name="sentinel_run_failure_sensor",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    request_job=rca_job,
    # The daemon evaluates sensors every 5 s at most. A minimum interval equal to that
    # skips every other loop (the last tick started a few ms after the loop did), so the
    # smallest value keeps this sensor on every loop.
    minimum_interval_seconds=1,
    description="Registers every failed run as an incident and requests its RCA report.",
)
def sentinel_run_failure_sensor(
    context: dg.RunFailureSensorContext, sentinel: SentinelConfig
) -> dg.RunRequest | dg.SkipReason:
    s = sentinel_for(sentinel, context.instance)
    with s.telemetry.tick("sentinel_run_failure_sensor"):
        decision = triage.on_failed_run(s, context.instance, context.dagster_run)
    if decision.partition_key is None:
        return dg.SkipReason(decision.reason)
    return dg.RunRequest(
        run_key=f"rca:{decision.partition_key}",
        partition_key=decision.partition_key,
        tags={"sentinel/failed_run": context.dagster_run.run_id},
    )


@dg.run_status_sensor(
    name="sentinel_recovery_sensor",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,
    description="Resolves a job's open incidents when it next succeeds.",
)
def sentinel_recovery_sensor(
    context: dg.RunStatusSensorContext, sentinel: SentinelConfig
) -> dg.SkipReason:
    s = sentinel_for(sentinel, context.instance)
    with s.telemetry.tick("sentinel_recovery_sensor"):
        resolved = triage.on_successful_run(s, context.dagster_run)
    return dg.SkipReason(f"resolved {resolved} incident(s)")


@dg.sensor(
    name="sentinel_outbox_sensor",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Delivers queued Slack messages (retries after outages), ~1/s per channel.",
)
def sentinel_outbox_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SkipReason:
    s = sentinel_for(sentinel, context.instance)
    with s.telemetry.tick("sentinel_outbox_sensor"):
        result = s.outbox.drain(s.transport, deadline_s=30.0)
    return dg.SkipReason(
        f"sent {result.sent}, failed {result.failed}, waiting {result.waiting}"
        + (f"; last error: {result.errors[-1]}" if result.errors else "")
    )


@dg.sensor(
    name="sentinel_failure_sweep_sensor",
    job=rca_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Backstop over the run storage: catches up on bursts of failed runs that the "
    "run-failure sensor (at most 5 runs a tick) has not reached yet.",
)
def sentinel_failure_sweep_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult:
    s = sentinel_for(sentinel, context.instance)
    with s.telemetry.tick("sentinel_failure_sweep_sensor"):
        sweep = triage.sweep_failed_runs(s, context.instance, context.cursor)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"rca:{key}", partition_key=key) for key in sweep.partition_keys
        ],
        cursor=sweep.cursor,
        skip_reason=None if sweep.partition_keys else sweep.summary,
    )
