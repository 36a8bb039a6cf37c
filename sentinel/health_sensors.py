"""Health sensors: gather facts from the instance → decide (`dagster_sentinel.health`) → incidents.

Every sensor watches the whole instance (all code locations), opens at most one incident
per problem (a problem still present on the next tick is not registered again) and
resolves its incident once the problem is gone. A new incident requests an `rca_report`
run, exactly like a failed run does; nothing remote happens inside a tick.

- `sentinel_asset_check_sensor`: failed asset checks (blocking or not, WARN or ERROR),
  incrementally from the check evaluations of the runs finished since its cursor; a later
  passing evaluation resolves the check's incident.
- `sentinel_freshness_sensor`: assets failing their `FreshnessPolicy` (state kept by
  Dagster's freshness daemon), and assets without a policy whose materializations stopped
  arriving at their usual cadence.
- `sentinel_run_health_sensor`: runs stuck in QUEUED/STARTING/CANCELING, or STARTED for
  far longer than the job's recent successful runs.
- `sentinel_run_history_sensor`: run-duration regressions and failure-rate spikes per job.
- `sentinel_self_health_sensor`: Sentinel itself (outbox backlog, dead Slack messages,
  failing `sentinel_*` sensor ticks, Gemini circuit breaker open).

Thresholds and intervals come from the environment at tick time (`dagster_sentinel.health.ENV`).
"""

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from pydantic import BaseModel, Field

from dagster_sentinel import health
from dagster_sentinel.config import HealthConfig, SentinelConfig
from dagster_sentinel.evidence import failure_of
from dagster_sentinel.health import CheckEvaluation, Finding, RunInfo
from dagster_sentinel.incidents import Incident
from dagster_sentinel.rca import RCA_ASSET_KEY, RCA_JOB_NAME, rca_job
from dagster_sentinel.reporting import Sentinel
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.triage import open_incident
from sentinel_brain.gemini import CircuitBreaker

FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]
MAX_RUNS_PER_TICK = 200
CURSOR_OVERLAP_S = 5.0
RUNLESS_RUN_ID = ""  # where Dagster stores events reported outside of runs
MAX_ASSETS = 2000
TICK_BUDGET_S = 40.0
BASELINE_S = 7 * 86400.0


class Budget:
    """What one tick may spend (ticks time out at 60 s) and what it looked at.

    A gatherer that runs out of time stops early and marks the budget exhausted; the sensor
    then opens what it found but resolves nothing. A gatherer that looks at some targets
    only lists them in `targets`: only their incidents can be resolved ("not found" means
    "gone" only for what was looked at).
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.deadline = time.monotonic() + (TICK_BUDGET_S if seconds is None else seconds)
        self.exhausted = False
        self.targets: set[str] | None = None  # None: everything was looked at

    def spent(self) -> bool:
        if time.monotonic() > self.deadline:
            self.exhausted = True
        return self.exhausted


# --- incidents: open once, resolve when gone ----------------------------------------


def fingerprint_of(finding: Finding) -> str:
    return failure_of(finding.evidence(), "health").fingerprint


def check_fingerprint(asset: str, check: str) -> str:
    """The fingerprint a failure of this check has (to resolve it on a passing evaluation)."""
    summary = health.check_summary(asset, check)
    return fingerprint_of(Finding(kind="failed_check", summary=summary, asset=asset, step=check))


def open_incidents(sentinel: Sentinel, kinds: Iterable[str]) -> list[Incident]:
    """Open incidents the health sensors opened, of these kinds."""
    return sentinel.store.open_incidents(list(kinds), source="health")


def resolve_incident(
    sentinel: Sentinel, incident: Incident, run_id: str | None = None, now: float | None = None
) -> bool:
    """Resolve one open health incident and queue the 'resolved' edit of its message."""
    resolved = sentinel.store.resolve_one(incident, run_id, now)
    if resolved is None:
        return False
    sentinel.notify_resolved(resolved, run_id, deliver=False)
    return True


class Outcome(BaseModel):
    run_requests: list[Any] = Field(default_factory=list)  # dg.RunRequest
    opened: list[str] = Field(default_factory=list)
    still_open: list[str] = Field(default_factory=list)
    resolved: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    def message(self, label: str) -> str:
        head = (
            f"{label}: {len(self.problems)} problem(s), {len(self.opened)} new incident(s), "
            f"{len(self.still_open)} still open, {len(self.resolved)} resolved"
        )
        lines = [f"- {p}" for p in self.problems[:10]]
        lines += [f"- resolved incident {i}" for i in self.resolved[:10]]
        return "\n".join([head, *lines])


def settle(
    sentinel: Sentinel,
    instance: DagsterInstance,
    findings: Sequence[Finding],
    *,
    kinds: Sequence[str],
    resolve: Callable[[Incident], bool] | None = None,
    resolved_by: Callable[[Incident], str | None] | None = None,
    in_scope: Callable[[Incident], bool] | None = None,
) -> Outcome:
    """Open an incident for each new finding; resolve open incidents `resolve` says are over.

    By default (level-triggered detectors) an open incident of `kinds` whose problem is not
    among `findings` any more is resolved, if it is `in_scope` (was looked at this tick).
    """
    out = Outcome()
    current: dict[str, Finding] = {}
    for f in findings:
        current.setdefault(fingerprint_of(f), f)
    existing = {i.fingerprint: i for i in open_incidents(sentinel, kinds)}
    for fp, finding in current.items():
        incident = existing.get(fp)
        if incident is not None:
            out.still_open.append(incident.id)
            out.problems.append(f"{finding.summary} (incident {incident.id})")
            continue
        decision = open_incident(sentinel, instance, finding.evidence(), "health")
        out.problems.append(f"{finding.summary} ({decision.reason})")
        if decision.partition_key is not None:
            out.opened.append(decision.partition_key)
            out.run_requests.append(
                dg.RunRequest(
                    run_key=f"rca:{decision.partition_key}",
                    partition_key=decision.partition_key,
                    tags={"sentinel/health": finding.kind},
                )
            )
    if resolve is None:

        def resolve(inc: Incident) -> bool:
            return inc.fingerprint not in current and (in_scope is None or in_scope(inc))

    for incident in existing.values():
        if incident.fingerprint in current or not resolve(incident):
            continue
        run_id = resolved_by(incident) if resolved_by else None
        if resolve_incident(sentinel, incident, run_id):
            out.resolved.append(incident.id)
    return out


# --- cursors and intervals -------------------------------------------------------------


def _load(cursor: str | None) -> dict[str, Any]:
    try:
        value = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _not_due(state: dict[str, Any], interval_s: float, now: float) -> str | None:
    last = state.get("at")
    if isinstance(last, int | float) and now - last < interval_s:
        return f"next evaluation in {interval_s - (now - last):.0f} s"
    return None


def _result(
    context: dg.SensorEvaluationContext, outcome: Outcome, label: str, state: dict[str, Any]
) -> dg.SensorResult:
    message = outcome.message(label)
    context.log.info(message)
    cursor = json.dumps(state, sort_keys=True)
    if outcome.run_requests:
        return dg.SensorResult(run_requests=outcome.run_requests, cursor=cursor)
    return dg.SensorResult(skip_reason=dg.SkipReason(message), cursor=cursor)


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


# --- gathering: plain data from the instance -------------------------------------------


def _plain(value: Any) -> Any:
    raw = getattr(value, "value", value)
    if isinstance(raw, str | int | float | bool) or raw is None:
        return raw
    if isinstance(raw, list | dict):
        return raw
    return str(raw)


def _evaluation(entry: dg.EventLogEntry, job: str | None) -> CheckEvaluation | None:
    data = entry.dagster_event.event_specific_data if entry.dagster_event else None
    if not isinstance(data, dg.AssetCheckEvaluation):
        return None
    return CheckEvaluation(
        asset=data.asset_key.to_user_string(),
        check=data.check_name,
        passed=data.passed,
        severity=data.severity.value,
        description=data.description,
        blocking=data.blocking,
        metadata={k: _plain(v) for k, v in (data.metadata or {}).items()},
        partition=data.partition,
        run_id=entry.run_id or None,
        job=job,
        timestamp=entry.timestamp,
    )


def check_evaluations(
    instance: DagsterInstance, after: float, limit: int = MAX_RUNS_PER_TICK
) -> tuple[list[CheckEvaluation], float]:
    """Check evaluations of the runs finished after `after` (a run update timestamp).

    Read run by run so it works on every event log storage (SQLite's is sharded by run).
    A small overlap re-reads the edge (runs updated in the same instant are never
    skipped; re-reading is harmless). Returns the evaluations and the new cursor.
    """
    records = instance.get_run_records(
        dg.RunsFilter(
            statuses=FINISHED,
            updated_after=datetime.fromtimestamp(after - CURSOR_OVERLAP_S, UTC),
        ),
        order_by="update_timestamp",
        ascending=True,
        limit=limit,
    )
    out: list[CheckEvaluation] = []
    cursor = after
    for rec in records:
        cursor = max(cursor, rec.update_timestamp.timestamp())
        run = rec.dagster_run
        if run.job_name == RCA_JOB_NAME:
            continue
        conn = instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        )
        for record in conn.records:
            ev = _evaluation(record.event_log_entry, run.job_name)
            if ev is not None:
                out.append(ev)
    return out, cursor


def runless_check_evaluations(
    instance: DagsterInstance, cursor: str | None, since: float, limit: int = 1000
) -> tuple[list[CheckEvaluation], str]:
    """Evaluations reported outside runs (`report_runless_asset_event`, external checks)."""
    conn = instance.get_records_for_run(
        RUNLESS_RUN_ID, cursor=cursor, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=limit
    )
    out = [
        ev
        for ev in (_evaluation(r.event_log_entry, None) for r in conn.records)
        if ev is not None and ev.timestamp >= since
    ]
    return out, conn.cursor


def _watched_keys(instance: DagsterInstance) -> list[dg.AssetKey]:
    keys = instance.get_asset_keys(limit=MAX_ASSETS)
    return [k for k in keys if k.path[:1] != RCA_ASSET_KEY.path[:1]]  # not Sentinel's own


def freshness_findings(
    instance: DagsterInstance, cfg: HealthConfig, now: float, budget: Budget | None = None
) -> list[Finding]:
    """Stale assets: FreshnessPolicy FAIL (freshness daemon), or silent against their cadence."""
    keys = _watched_keys(instance)
    findings: list[Finding] = []
    states = instance.get_freshness_state_records(keys) if keys else {}
    with_policy = {k for k, rec in states.items() if rec.freshness_state.value != "NOT_APPLICABLE"}
    for key, rec in sorted(states.items(), key=lambda kv: kv[0].to_user_string()):
        if key not in with_policy:
            continue
        state = rec.freshness_state.value
        if state not in ("FAIL", "WARN"):
            continue
        latest = instance.get_latest_materialization_event(key)
        finding = health.freshness_stale(
            key.to_user_string(),
            state,
            since=_ts(rec.updated_at),
            last_materialization=latest.timestamp if latest else None,
            now=now,
            warn_is_stale=cfg.freshness_warn,
        )
        if finding is not None:
            findings.append(finding)
    histories: dict[str, list[float]] = {}
    candidates = [k for k in keys if k not in with_policy]
    for record in instance.get_asset_records(candidates) if candidates else []:
        if budget is not None and budget.spent():
            break
        entry = record.asset_entry
        last = entry.last_materialization
        if last is None or now - last.timestamp <= cfg.stale_floor_s:
            continue  # never stale before the floor: no need to read its history
        result = instance.fetch_materializations(entry.asset_key, limit=cfg.cadence_history)
        histories[entry.asset_key.to_user_string()] = [r.timestamp for r in result.records]
    findings += health.stale_assets(
        histories,
        now,
        factor=cfg.stale_factor,
        floor_s=cfg.stale_floor_s,
        min_history=cfg.min_history,
    )
    return findings


def run_info(rec: dg.RunRecord) -> RunInfo:
    return RunInfo(
        run_id=rec.dagster_run.run_id,
        job=rec.dagster_run.job_name,
        status=rec.dagster_run.status.value,
        created=_ts(rec.create_timestamp),
        updated=_ts(rec.update_timestamp),
        start=rec.start_time,
        end=rec.end_time,
    )


def successful_durations(instance: DagsterInstance, job: str, limit: int) -> list[RunInfo]:
    """The job's latest successful runs, newest first."""
    records = instance.get_run_records(
        dg.RunsFilter(job_name=job, statuses=[DagsterRunStatus.SUCCESS]), limit=limit
    )
    return [run_info(r) for r in records]


def run_health_findings(instance: DagsterInstance, cfg: HealthConfig, now: float) -> list[Finding]:
    records = instance.get_run_records(dg.RunsFilter(statuses=ACTIVE), limit=1000)
    active = [run_info(r) for r in records]
    durations: dict[str, list[float]] = {}
    for job in sorted({r.job for r in active if r.status == "STARTED"}):
        runs = successful_durations(instance, job, cfg.run_history)
        durations[job] = [d for d in (r.duration for r in runs) if d is not None]
    return health.stuck_runs(
        active,
        durations,
        now,
        queued_max_s=cfg.queued_max_s,
        starting_max_s=cfg.starting_max_s,
        long_run_factor=cfg.long_run_factor,
        long_run_floor_s=cfg.long_run_floor_s,
        min_history=cfg.min_history,
    )


def run_history_findings(
    instance: DagsterInstance, cfg: HealthConfig, now: float, budget: Budget | None = None
) -> list[Finding]:
    since = now - max(cfg.lookback_h * 3600, cfg.failure_window_s)
    recent = [
        run_info(r)
        for r in instance.get_run_records(
            dg.RunsFilter(
                statuses=[DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE],
                updated_after=datetime.fromtimestamp(since, UTC),
            ),
            limit=5000,
        )
        if r.dagster_run.job_name != RCA_JOB_NAME
    ]
    by_job: dict[str, list[RunInfo]] = defaultdict(list)
    for r in recent:
        by_job[r.job].append(r)
    findings: list[Finding] = []
    window_start = now - cfg.failure_window_s
    evaluated: set[str] = set()
    if budget is not None:
        budget.targets = evaluated  # a job without recent runs keeps its incidents as they are
    for job, runs in sorted(by_job.items()):
        if budget is not None and budget.spent():
            break
        evaluated.add(job)
        successes = successful_durations(instance, job, cfg.run_history + 1)
        if successes and any(r.run_id == successes[0].run_id for r in runs):
            history = [d for d in (r.duration for r in successes[1:]) if d is not None]
            found = health.duration_regression(
                job,
                successes[0],
                history,
                k=cfg.regression_k,
                min_history=cfg.min_history,
                min_increase_s=cfg.regression_min_increase_s,
            )
            if found is not None:
                findings.append(found)
        in_window = [r for r in runs if (r.end or r.updated or 0) >= window_start]
        if len(in_window) < cfg.failure_min_count:
            continue
        baseline = instance.get_run_records(
            dg.RunsFilter(
                job_name=job,
                statuses=[DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE],
                updated_after=datetime.fromtimestamp(window_start - BASELINE_S, UTC),
                updated_before=datetime.fromtimestamp(window_start, UTC),
            ),
            limit=1000,
        )
        spike = health.failure_rate_spike(
            job,
            [r.status == "FAILURE" for r in in_window],
            [r.dagster_run.status == DagsterRunStatus.FAILURE for r in baseline],
            window_s=cfg.failure_window_s,
            min_failures=cfg.failure_min_count,
            factor=cfg.failure_factor,
        )
        if spike is not None:
            findings.append(spike)
    return findings


def sensor_ticks(instance: DagsterInstance, limit: int) -> dict[str, list[health.TickInfo]]:
    """The latest ticks of every `sentinel_*` sensor known to the instance, newest first."""
    from dagster._core.scheduler.instigation import InstigatorType

    out: dict[str, list[health.TickInfo]] = {}
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        name = state.instigator_name
        if not name.startswith("sentinel_"):
            continue
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=limit)
        out[name] = [
            health.TickInfo(
                status=t.status.value,
                timestamp=t.timestamp,
                error=t.error.to_string() if t.error else None,
            )
            for t in ticks
        ]
    return out


def breaker_state(sentinel: Sentinel) -> dict[str, Any] | None:
    """The Gemini circuit breaker's shared state, read through the breaker itself."""
    brain = sentinel.settings.brain
    state_dir: Path = brain.state_dir or sentinel.settings.state_dir
    return CircuitBreaker(state_dir, brain.breaker_threshold, brain.breaker_cooldown_s).snapshot()


def self_health_findings(
    sentinel: Sentinel, instance: DagsterInstance, cfg: HealthConfig, now: float, _b: Budget
) -> list[Finding]:
    rows = [
        health.OutboxRow(
            key=i.key,
            status=i.status,
            created_at=i.created_at,
            attempts=i.attempts,
            last_error=i.last_error,
        )
        for status in ("pending", "dead")
        for i in sentinel.outbox.items(status=status)
    ]
    findings = health.outbox_health(
        rows, now, max_age_s=cfg.outbox_max_age_s, slack_configured=sentinel.transport.configured
    )
    findings += health.failing_sensors(
        sensor_ticks(instance, cfg.tick_failures + 2), threshold=cfg.tick_failures
    )
    breaker = health.breaker_open(
        breaker_state(sentinel), now, sentinel.settings.brain.breaker_cooldown_s
    )
    if breaker is not None:
        findings.append(breaker)
    return findings


# --- the sensors -------------------------------------------------------------------------


@dg.sensor(
    name="sentinel_asset_check_sensor",
    job=rca_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Opens an incident for each failed asset check (WARN or ERROR, blocking or "
    "not) of every code location; a later passing evaluation resolves it.",
)
def sentinel_asset_check_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult:
    cfg, now = sentinel.resolved().health, time.time()
    state = _load(context.cursor)
    after = state.get("runs_after")
    if not isinstance(after, int | float):
        after = now - cfg.lookback_h * 3600
    evaluations, after = check_evaluations(context.instance, float(after))
    runless_cursor = state.get("runless")
    runless, runless_cursor = runless_check_evaluations(
        context.instance,
        runless_cursor if isinstance(runless_cursor, str) else None,
        since=now - cfg.lookback_h * 3600,
    )
    evaluations += runless
    latest = health.latest_per_check(evaluations)
    failed = [f for f in (health.failed_check(ev) for ev in latest) if f is not None]
    passed = {check_fingerprint(ev.asset, ev.check): ev for ev in latest if ev.passed}
    outcome = settle(
        sentinel_for(sentinel, context.instance),
        context.instance,
        failed,
        kinds=["failed_check"],
        resolve=lambda inc: inc.fingerprint in passed,
        resolved_by=lambda inc: passed[inc.fingerprint].run_id,
    )
    state.update(runs_after=after, runless=runless_cursor, at=now)
    return _result(context, outcome, f"{len(evaluations)} check evaluation(s)", state)


def _level_sensor(
    context: dg.SensorEvaluationContext,
    sentinel: SentinelConfig,
    *,
    label: str,
    kinds: Sequence[str],
    interval: Callable[[HealthConfig], float],
    gather: Callable[[Sentinel, DagsterInstance, HealthConfig, float, Budget], list[Finding]],
) -> dg.SensorResult:
    cfg, now = sentinel.resolved().health, time.time()
    state = _load(context.cursor)
    wait = _not_due(state, interval(cfg), now)
    if wait is not None:
        return dg.SensorResult(skip_reason=dg.SkipReason(wait), cursor=context.cursor)
    s = sentinel_for(sentinel, context.instance)
    budget = Budget()
    findings = gather(s, context.instance, cfg, now, budget)
    targets = budget.targets
    outcome = settle(
        s,
        context.instance,
        findings,
        kinds=kinds,
        resolve=(lambda _inc: False) if budget.exhausted else None,
        in_scope=None if targets is None else (lambda inc: inc.target in targets),
    )
    if budget.exhausted:
        label += f" (partial: stopped after {TICK_BUDGET_S:.0f} s, nothing resolved)"
    state["at"] = now
    return _result(context, outcome, label, state)


@dg.sensor(
    name="sentinel_freshness_sensor",
    job=rca_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Stale assets: failing their FreshnessPolicy, or silent against their usual "
    "materialization cadence.",
)
def sentinel_freshness_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult:
    return _level_sensor(
        context,
        sentinel,
        label="freshness",
        kinds=["stale_asset"],
        interval=lambda cfg: cfg.interval_s,
        gather=lambda _s, instance, cfg, now, budget: freshness_findings(
            instance, cfg, now, budget
        ),
    )


@dg.sensor(
    name="sentinel_run_health_sensor",
    job=rca_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs stuck in QUEUED/STARTING, or running far longer than the job's p95.",
)
def sentinel_run_health_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult:
    return _level_sensor(
        context,
        sentinel,
        label="active runs",
        kinds=["stuck_run", "long_running_run"],
        interval=lambda cfg: cfg.interval_s,
        gather=lambda _s, instance, cfg, now, _b: run_health_findings(instance, cfg, now),
    )


@dg.sensor(
    name="sentinel_run_history_sensor",
    job=rca_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Run-duration regressions and failure-rate spikes per job.",
)
def sentinel_run_history_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult:
    return _level_sensor(
        context,
        sentinel,
        label="run history",
        kinds=["duration_regression", "failure_rate_spike"],
        interval=lambda cfg: cfg.history_interval_s,
        gather=lambda _s, instance, cfg, now, budget: run_history_findings(
            instance, cfg, now, budget
        ),
    )


@dg.sensor(
    name="sentinel_self_health_sensor",
    job=rca_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sentinel's own health: Slack outbox backlog and dead messages, failing "
    "sentinel_* sensors, Gemini circuit breaker open.",
)
def sentinel_self_health_sensor(
    context: dg.SensorEvaluationContext, sentinel: SentinelConfig
) -> dg.SensorResult:
    return _level_sensor(
        context,
        sentinel,
        label="Sentinel health",
        kinds=["sentinel_health"],
        interval=lambda cfg: cfg.interval_s,
        gather=self_health_findings,
    )


health_sensors = [
    sentinel_asset_check_sensor,
    sentinel_freshness_sensor,
    sentinel_run_health_sensor,
    sentinel_run_history_sensor,
    sentinel_self_health_sensor,
]
