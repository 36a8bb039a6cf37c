"""Health findings: pure decisions over plain data (no Dagster instance in here).

`dagster_sentinel.health_sensors` gathers facts from the instance (check evaluations, freshness
states, materialization timestamps, run records, outbox rows, sensor ticks) into the small
models below and calls these functions; each returns `Finding`s, and each finding becomes at
most one open incident.

The first line of a finding (`Finding.summary`) is what the incident fingerprint is built
from (see `dagster_sentinel.evidence.failure_of`), so it names the problem and never carries
varying numbers or units: those go in `details`.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from sentinel_brain.models import Evidence
from sentinel_brain.stats import is_regression

HealthKind = Literal[
    "stale_asset",
    "failed_check",
    "stuck_run",
    "long_running_run",
    "duration_regression",
    "failure_rate_spike",
    "sentinel_health",
]

SENTINEL_TARGET = "sentinel"


class Finding(BaseModel):
    """One health problem, as plain data; `evidence()` is what the incident store gets."""

    kind: HealthKind
    summary: str  # stable one-line description: the fingerprint's message
    details: list[str] = Field(default_factory=list)
    job: str | None = None
    asset: str | None = None
    step: str | None = None
    # Set only where counting the run as an occurrence is harmless (a finished run):
    # a run registered here would be skipped by the run-failure sensor later.
    run_id: str | None = None
    severity: Literal["warn", "error"] = "error"
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def target(self) -> str | None:
        return self.job or self.asset

    def evidence(self) -> Evidence:
        text = "\n".join([self.summary, "", *self.details]) if self.details else self.summary
        return Evidence(
            kind=self.kind,
            text=text,
            job=self.job,
            asset=self.asset,
            step=self.step,
            run_id=self.run_id,
            tags={"sentinel/health": self.kind, "sentinel/severity": self.severity, **self.tags},
        )


# --- configuration -------------------------------------------------------------------

# --- small robust statistics ---------------------------------------------------------


def _finite(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def p95(values: Iterable[float | None]) -> float | None:
    """The 95th percentile (linear interpolation), None without values."""
    vals = sorted(_finite(values))
    if not vals:
        return None
    if len(vals) == 1:
        return vals[0]
    pos = 0.95 * (len(vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _ago(ts: float | None, now: float) -> str:
    if ts is None:
        return "never"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))
    return f"{stamp} ({human(max(now - ts, 0.0))} ago)"


# --- asset checks --------------------------------------------------------------------


class CheckEvaluation(BaseModel):
    asset: str
    check: str
    passed: bool
    severity: str = "ERROR"  # AssetCheckSeverity: WARN or ERROR
    description: str | None = None
    blocking: bool | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    partition: str | None = None
    run_id: str | None = None
    job: str | None = None
    timestamp: float = 0.0


def check_summary(asset: str, check: str) -> str:
    return f"Asset check {check} on {asset} failed"


def latest_per_check(evaluations: Iterable[CheckEvaluation]) -> list[CheckEvaluation]:
    """Only the latest evaluation of each (asset, check) counts: fail-then-pass is fine."""
    latest: dict[tuple[str, str], CheckEvaluation] = {}
    for ev in sorted(evaluations, key=lambda e: e.timestamp):
        latest[(ev.asset, ev.check)] = ev
    return list(latest.values())


def failed_check(ev: CheckEvaluation) -> Finding | None:
    """A failed evaluation, blocking or not, WARN or ERROR: one finding per (asset, check)."""
    if ev.passed:
        return None
    details = [
        f"Severity: {ev.severity}"
        + (
            " (blocking: downstream assets were not materialized)"
            if ev.blocking
            else " (non-blocking)"
        ),
    ]
    if ev.description:
        details.append(f"Description: {ev.description}")
    if ev.partition:
        details.append(f"Partition: {ev.partition}")
    if ev.job or ev.run_id:
        details.append(f"Evaluated by job {ev.job or '?'} in run {ev.run_id or '?'}")
    if ev.metadata:
        details.append("Check metadata:")
        details.extend(f"  {k}: {_short(v)}" for k, v in sorted(ev.metadata.items()))
    return Finding(
        kind="failed_check",
        summary=check_summary(ev.asset, ev.check),
        details=details,
        asset=ev.asset,
        step=ev.check,
        severity="warn" if ev.severity.upper() == "WARN" else "error",
        tags={
            "dagster/asset_check": f"{ev.asset}:{ev.check}",
            **({"dagster/run_id": ev.run_id} if ev.run_id else {}),
        },
    )


def _short(value: Any, limit: int = 500) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


# --- freshness -------------------------------------------------------------------------


def freshness_summary(asset: str) -> str:
    return f"Asset {asset} is failing its freshness policy"


def cadence_summary(asset: str) -> str:
    return f"Asset {asset} stopped materializing at its usual cadence"


def freshness_stale(
    asset: str,
    state: str,
    *,
    since: float | None,
    last_materialization: float | None,
    now: float,
    warn_is_stale: bool = False,
) -> Finding | None:
    """An asset whose 1.13 FreshnessPolicy state (from the freshness daemon) is FAIL/WARN."""
    state = state.upper()
    if state != "FAIL" and not (warn_is_stale and state == "WARN"):
        return None
    return Finding(
        kind="stale_asset",
        summary=freshness_summary(asset),
        details=[
            f"Freshness state: {state}" + (f" since {_ago(since, now)}" if since else ""),
            f"Last materialization: {_ago(last_materialization, now)}",
        ],
        asset=asset,
        severity="error" if state == "FAIL" else "warn",
    )


def collapse_bursts(timestamps: Iterable[float], burst_s: float = 60.0) -> list[float]:
    """Sorted timestamps where each burst (gaps of at most `burst_s`) counts once, at its end.

    A backfill or a multi-partition run writes many materializations at once; counted one
    by one they would make a daily asset look like it materializes every few seconds.
    (An asset materialized every minute or faster is one long burst: its cadence is
    unknown here; give it a FreshnessPolicy.)
    """
    kept: list[float] = []
    for t in sorted(_finite(timestamps)):
        if kept and t - kept[-1] <= burst_s:
            kept[-1] = t
        else:
            kept.append(t)
    return kept


def expected_cadence(
    timestamps: Sequence[float], min_history: int = 5, burst_s: float = 60.0
) -> float | None:
    """The usual gap between materializations: the median of the gaps (robust to outages).

    `timestamps` are materialization times in any order, bursts (`collapse_bursts`) count
    once; at least `min_history` of them are needed (else None: cadence unknown).
    """
    ts = collapse_bursts(timestamps, burst_s)
    if len(ts) < max(min_history, 2):
        return None
    gaps = [b - a for a, b in zip(ts, ts[1:], strict=False) if b > a]
    return statistics.median(gaps) if gaps else None


def stale_assets(
    histories: Mapping[str, Sequence[float]],
    now: float,
    *,
    factor: float = 3.0,
    floor_s: float = 3600.0,
    min_history: int = 5,
) -> list[Finding]:
    """Assets whose materializations stopped arriving against their usual cadence.

    Stale when the silence since the latest materialization exceeds
    max(factor × median gap of the recent ones, floor_s).
    """
    out: list[Finding] = []
    for asset, timestamps in sorted(histories.items()):
        cadence = expected_cadence(timestamps, min_history)
        if cadence is None:
            continue
        last = max(_finite(timestamps))
        silence = now - last
        limit = max(factor * cadence, floor_s)
        if silence <= limit:
            continue
        out.append(
            Finding(
                kind="stale_asset",
                summary=cadence_summary(asset),
                details=[
                    f"Last materialization: {_ago(last, now)}",
                    f"Usual cadence: every {human(cadence)} (median gap of the last "
                    f"{len(timestamps)} materializations)",
                    f"Threshold: {human(limit)} (max of {factor:g} × cadence, {human(floor_s)})",
                ],
                asset=asset,
            )
        )
    return out


# --- runs ------------------------------------------------------------------------------


class RunInfo(BaseModel):
    run_id: str
    job: str
    status: str  # DagsterRunStatus value
    created: float | None = None
    updated: float | None = None  # last status change
    start: float | None = None
    end: float | None = None

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return max(self.end - self.start, 0.0)


def _run_list(runs: Sequence[RunInfo], now: float, since: str) -> list[str]:
    lines = []
    for r in runs[:10]:
        ts = r.start if since == "start" else (r.updated or r.created)
        lines.append(f"  run {r.run_id} ({r.status} since {_ago(ts, now)})")
    if len(runs) > 10:
        lines.append(f"  … and {len(runs) - 10} more")
    return lines


def stuck_runs(
    active: Sequence[RunInfo],
    durations: Mapping[str, Sequence[float]],
    now: float,
    *,
    queued_max_s: float = 1800.0,
    starting_max_s: float = 600.0,
    long_run_factor: float = 3.0,
    long_run_floor_s: float = 3600.0,
    min_history: int = 5,
) -> list[Finding]:
    """Runs stuck in QUEUED/STARTING/CANCELING, or STARTED for too long, one finding per
    (job, problem).

    `durations` holds each job's recent successful run durations: a STARTED run is
    long-running beyond max(long_run_factor × their p95, long_run_floor_s).
    """
    stuck: dict[tuple[str, str], list[RunInfo]] = defaultdict(list)
    long: dict[str, list[RunInfo]] = defaultdict(list)
    limits: dict[str, float] = {}
    for run in active:
        if run.status in ("QUEUED", "STARTING", "CANCELING"):
            since = run.updated or run.created
            limit = queued_max_s if run.status == "QUEUED" else starting_max_s
            if since is not None and now - since > limit:
                stuck[(run.job, run.status)].append(run)
        elif run.status == "STARTED" and run.start is not None:
            history = _finite(durations.get(run.job, []))
            base = p95(history) if len(history) >= min_history else None
            limit = max(long_run_factor * base, long_run_floor_s) if base else long_run_floor_s
            limits[run.job] = limit
            if now - run.start > limit:
                long[run.job].append(run)
    out: list[Finding] = []
    for (job, status), runs in sorted(stuck.items()):
        limit = queued_max_s if status == "QUEUED" else starting_max_s
        out.append(
            Finding(
                kind="stuck_run",
                summary=f"Runs of job {job} are stuck in {status}",
                details=[
                    f"{len(runs)} run(s) in {status} for longer than {human(limit)}:",
                    *_run_list(runs, now, "updated"),
                    "QUEUED: check the run queue limits and the daemon; STARTING: the run "
                    "launcher or the code location may not be able to start the run worker.",
                ],
                job=job,
                step=status,
                tags={"dagster/run_id": runs[0].run_id},
            )
        )
    for job, runs in sorted(long.items()):
        history = _finite(durations.get(job, []))
        base = p95(history) if len(history) >= min_history else None
        out.append(
            Finding(
                kind="long_running_run",
                summary=f"Run of job {job} is running far longer than usual",
                details=[
                    f"{len(runs)} run(s) running longer than {human(limits[job])}:",
                    *_run_list(runs, now, "start"),
                    (
                        f"p95 of the last {len(history)} successful runs: {human(base)}"
                        if base is not None
                        else "not enough successful runs for a baseline; floor "
                        f"{human(long_run_floor_s)}"
                    ),
                ],
                job=job,
                tags={"dagster/run_id": runs[0].run_id},
            )
        )
    return out


def duration_regression(
    job: str,
    latest: RunInfo,
    history: Sequence[float],
    *,
    k: float = 3.0,
    min_history: int = 5,
    min_increase_s: float = 60.0,
) -> Finding | None:
    """The latest successful run of a job took much longer than the previous ones.

    A regression is robust (`sentinel_brain.stats.is_regression`: above
    max(median + k × 1.4826 × MAD, p95, 1.1 × median) of the previous successful durations,
    latest excluded, with at least `min_history` of them) and material (at least
    `min_increase_s` slower than the median).
    """
    value = latest.duration
    if value is None:
        return None
    res = is_regression(value, list(history), k=k, direction="higher", min_history=min_history)
    median, threshold = float(res.baseline), float(res.threshold)
    if not res.is_regression or value - median < min_increase_s:
        return None
    return Finding(
        kind="duration_regression",
        summary=f"Job {job} became much slower than its usual run duration",
        details=[
            f"Latest successful run {latest.run_id}: {human(value)}",
            f"Median of the previous {len(_finite(history))} successful runs: {human(median)}",
            f"Regression threshold: {human(threshold)} (median + {k:g} robust sigma, p95)",
            f"Slowdown: ×{value / median:.1f}" if median > 0 else "Slowdown: from ~0 s",
        ],
        job=job,
        run_id=latest.run_id,
        severity="warn",
        tags={"dagster/run_id": latest.run_id},
    )


def failure_rate_spike(
    job: str,
    recent: Sequence[bool],
    baseline: Sequence[bool],
    *,
    window_s: float = 3600.0,
    min_failures: int = 3,
    factor: float = 3.0,
    min_rate: float = 0.5,
) -> Finding | None:
    """Failure share of a job's finished runs in the window vs its baseline share.

    `recent` / `baseline`: one bool per finished run (True = failed). A spike needs at
    least `min_failures` failures and a rate of at least max(min_rate, factor × baseline),
    the baseline share smoothed as (failures + 0.5) / (runs + 10) so that a short or empty
    history means "rarely fails" rather than "never fails".
    """
    failures = sum(1 for f in recent if f)
    if not recent or failures < min_failures:
        return None
    rate = failures / len(recent)
    base = (sum(1 for f in baseline if f) + 0.5) / (len(baseline) + 10)
    needed = max(min_rate, min(factor * base, 1.0))
    if rate < needed:
        return None
    return Finding(
        kind="failure_rate_spike",
        summary=f"Failure rate of job {job} spiked above its baseline",
        details=[
            f"{failures} of {len(recent)} finished runs failed in the last {human(window_s)} "
            f"({rate:.0%})",
            f"Baseline: {sum(1 for f in baseline if f)} of {len(baseline)} runs failed before "
            f"({base:.0%} smoothed); spike threshold {needed:.0%}",
        ],
        job=job,
    )


# --- Sentinel's own health -----------------------------------------------------------


class OutboxRow(BaseModel):
    key: str
    status: str
    created_at: float
    attempts: int = 0
    last_error: str | None = None


class TickInfo(BaseModel):
    status: str  # TickStatus value: STARTED, SKIPPED, SUCCESS, FAILURE
    timestamp: float
    error: str | None = None


def outbox_health(
    rows: Sequence[OutboxRow],
    now: float,
    *,
    max_age_s: float = 1800.0,
    slack_configured: bool = True,
    dead_window_s: float = 86400.0,
) -> list[Finding]:
    """Pending Slack messages older than `max_age_s`; messages Slack refused (dead)."""
    out: list[Finding] = []
    old = [r for r in rows if r.status == "pending" and now - r.created_at > max_age_s]
    if old and slack_configured:
        oldest = min(old, key=lambda r: r.created_at)
        errors = [r.last_error for r in old if r.last_error]
        out.append(
            Finding(
                kind="sentinel_health",
                summary="Sentinel's Slack outbox is backing up",
                details=[
                    f"{len(old)} message(s) pending for longer than {human(max_age_s)}; "
                    f"oldest {oldest.key} queued {_ago(oldest.created_at, now)} "
                    f"after {oldest.attempts} attempt(s)",
                    *([f"Last error: {errors[-1]}"] if errors else []),
                    "Check Slack reachability, the token and the sentinel_outbox_sensor ticks.",
                ],
                job=SENTINEL_TARGET,
                step="outbox",
            )
        )
    dead = [r for r in rows if r.status == "dead" and now - r.created_at <= dead_window_s]
    if dead:
        errors = [r.last_error for r in dead if r.last_error]
        out.append(
            Finding(
                kind="sentinel_health",
                summary="Slack refused some of Sentinel's messages",
                details=[
                    f"{len(dead)} message(s) given up after repeated failures (dead) in the "
                    f"last {human(dead_window_s)}: " + ", ".join(r.key for r in dead[:5]),
                    *([f"Last error: {errors[-1]}"] if errors else []),
                    "Check the bot token scopes, that the bot is in the channel, and the payload.",
                ],
                job=SENTINEL_TARGET,
                step="slack",
            )
        )
    return out


def failing_sensors(
    ticks: Mapping[str, Sequence[TickInfo]], *, threshold: int = 3
) -> list[Finding]:
    """Sentinel sensors whose latest `threshold` ticks all failed (ticks newest first)."""
    out: list[Finding] = []
    for name, history in sorted(ticks.items()):
        done = [t for t in history if t.status != "STARTED"]
        streak: list[TickInfo] = []
        for t in done:
            if t.status != "FAILURE":
                break
            streak.append(t)
        if len(streak) < threshold:
            continue
        last_error = next((t.error for t in streak if t.error), None)
        out.append(
            Finding(
                kind="sentinel_health",
                summary=f"Sentinel sensor {name} keeps failing",
                details=[
                    f"The last {len(streak)} tick(s) failed",
                    *([f"Last error: {last_error.strip()[-2000:]}"] if last_error else []),
                ],
                job=SENTINEL_TARGET,
                step=f"sensor:{name}",
            )
        )
    return out


def breaker_open(state: Mapping[str, Any] | None, now: float, cooldown_s: float) -> Finding | None:
    """The Gemini circuit breaker (state file written by sentinel_brain.gemini) is open."""
    if not state or state.get("opened_at") is None:
        return None
    try:
        opened = float(state["opened_at"])
    except (TypeError, ValueError):
        return None
    if opened + cooldown_s <= now:
        return None  # cooled down: the next call is a trial (half-open)
    return Finding(
        kind="sentinel_health",
        summary="Sentinel's Gemini circuit breaker is open",
        details=[
            f"Opened {_ago(opened, now)} after {state.get('failures', '?')} consecutive failures;"
            f" retries in {human(opened + cooldown_s - now)}",
            "Reports fall back to the offline analyzers until Gemini answers again "
            "(check GEMINI_API_KEY, quota and network).",
        ],
        job=SENTINEL_TARGET,
        step="gemini",
        severity="warn",
    )
