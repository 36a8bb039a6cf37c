"""The pure health decisions, on plain data."""

from __future__ import annotations

import pytest

from dagster_sentinel import health
from dagster_sentinel.config import HealthConfig, SentinelConfig
from dagster_sentinel.errors import ConfigurationError
from dagster_sentinel.evidence import failure_of
from dagster_sentinel.health import CheckEvaluation, OutboxRow, RunInfo, TickInfo
from sentinel_brain.fingerprint import message_template

NOW = 1_800_000_000.0
HOUR = 3600.0


def fp(finding: health.Finding) -> str:
    return failure_of(finding.evidence(), "health").fingerprint


# --- config -------------------------------------------------------------------------------


def test_config_from_env_defaults_and_overrides() -> None:
    assert SentinelConfig.from_env({}).health == HealthConfig()
    cfg = SentinelConfig.from_env(
        {
            "SENTINEL_STALE_FACTOR": "5",
            "SENTINEL_FRESHNESS_WARN": "true",
            "SENTINEL_QUEUED_MAX_S": "",
        }
    ).health
    assert cfg.stale_factor == 5.0 and cfg.freshness_warn is True
    assert cfg.queued_max_s == HealthConfig().queued_max_s  # empty = unset
    with pytest.raises(ConfigurationError, match="tick_failures"):
        SentinelConfig.from_env({"SENTINEL_TICK_FAILURES": "0"})


# --- statistics ----------------------------------------------------------------------------


def test_p95_and_cadence() -> None:
    assert health.p95([]) is None
    assert health.p95([7.0]) == 7.0
    assert health.p95(list(range(1, 101))) == pytest.approx(95.05)
    # One outage among regular hourly materializations does not move the median gap.
    ts = [NOW - h * HOUR for h in (0, 1, 2, 3, 10, 11)]
    assert health.expected_cadence(ts, min_history=5) == HOUR
    assert health.expected_cadence(ts[:3], min_history=5) is None
    assert health.expected_cadence([NOW] * 6, min_history=5) is None


def test_backfill_bursts_do_not_fake_a_fast_cadence() -> None:
    daily = [NOW - d * 86400 for d in range(1, 7)]
    backfill = [NOW - 86400 + 20 * i for i in range(30)]  # 30 partitions in 10 minutes
    assert health.expected_cadence(daily + backfill, min_history=5) == 86400
    assert health.stale_assets({"sales": daily + backfill}, NOW + 3 * HOUR) == []
    assert health.collapse_bursts([3.0, 1.0, 2.0, 100.0], burst_s=60) == [3.0, 100.0]


# --- asset checks --------------------------------------------------------------------------


def test_failed_check_finding_carries_severity_description_and_metadata() -> None:
    ev = CheckEvaluation(
        asset="orders/daily",
        check="row_count",
        passed=False,
        severity="WARN",
        description="fewer rows than expected",
        blocking=False,
        metadata={"rows": 3, "expected_min": 1000},
        run_id="r1",
        job="etl",
    )
    f = health.failed_check(ev)
    assert f is not None and f.kind == "failed_check" and f.severity == "warn"
    text = f.evidence().text
    assert text.splitlines()[0] == "Asset check row_count on orders/daily failed"
    assert "Severity: WARN (non-blocking)" in text
    assert "fewer rows than expected" in text and "expected_min: 1000" in text
    assert f.evidence().asset == "orders/daily" and f.evidence().step == "row_count"
    assert f.evidence().run_id is None  # the run's own failure must still be seen
    assert health.failed_check(ev.model_copy(update={"passed": True})) is None


def test_check_fingerprint_is_per_asset_and_check_not_per_evaluation() -> None:
    base = CheckEvaluation(asset="a", check="c", passed=False, metadata={"rows": 3})
    other_numbers = base.model_copy(
        update={"metadata": {"rows": 7}, "severity": "WARN", "run_id": "r2", "description": "x"}
    )
    f1, f2 = health.failed_check(base), health.failed_check(other_numbers)
    assert f1 and f2 and fp(f1) == fp(f2)
    other_check = health.failed_check(base.model_copy(update={"check": "nulls"}))
    assert other_check and fp(other_check) != fp(f1)


def test_latest_evaluation_per_check_wins() -> None:
    evs = [
        CheckEvaluation(asset="a", check="c", passed=False, timestamp=1),
        CheckEvaluation(asset="a", check="c", passed=True, timestamp=2),
        CheckEvaluation(asset="a", check="d", passed=False, timestamp=1),
    ]
    latest = {(e.asset, e.check): e.passed for e in health.latest_per_check(evs)}
    assert latest == {("a", "c"): True, ("a", "d"): False}


# --- freshness ------------------------------------------------------------------------------


def test_freshness_policy_state() -> None:
    fail = health.freshness_stale(
        "sales", "FAIL", since=NOW - 60, last_materialization=None, now=NOW
    )
    assert fail is not None and fail.kind == "stale_asset" and fail.asset == "sales"
    assert "Last materialization: never" in fail.evidence().text
    assert (
        health.freshness_stale("sales", "PASS", since=None, last_materialization=NOW, now=NOW)
        is None
    )
    assert (
        health.freshness_stale("sales", "WARN", since=None, last_materialization=NOW, now=NOW)
        is None
    )
    warn = health.freshness_stale(
        "sales", "WARN", since=None, last_materialization=NOW, now=NOW, warn_is_stale=True
    )
    assert warn is not None and warn.severity == "warn"


def test_stale_against_cadence_with_factor_and_floor() -> None:
    every_10_min = [NOW - 3 * HOUR - i * 600 for i in range(6)]
    found = health.stale_assets({"orders": every_10_min}, NOW, factor=3, floor_s=HOUR)
    assert [f.asset for f in found] == ["orders"]
    assert found[0].evidence().text.splitlines()[0] == (
        "Asset orders stopped materializing at its usual cadence"
    )
    # The floor: 3 × 10 min = 30 min, but nothing is stale before an hour of silence.
    recent = [NOW - 45 * 60 - i * 600 for i in range(6)]
    assert health.stale_assets({"orders": recent}, NOW, factor=3, floor_s=HOUR) == []
    assert health.stale_assets({"orders": recent}, NOW, factor=3, floor_s=0) != []
    # Too little history: no cadence, no verdict.
    assert health.stale_assets({"orders": every_10_min[:3]}, NOW, min_history=5) == []


def test_stale_fingerprint_is_stable_as_silence_grows() -> None:
    ts = [NOW - 3 * HOUR - i * 600 for i in range(6)]
    [early] = health.stale_assets({"orders": ts}, NOW)
    [late] = health.stale_assets({"orders": ts}, NOW + 30 * HOUR)
    assert early.details != late.details and fp(early) == fp(late)


# --- runs --------------------------------------------------------------------------------------


def run(status: str, job: str = "etl", **kw: float) -> RunInfo:
    return RunInfo(run_id=f"{job}-{status}-{kw}", job=job, status=status, **kw)


def test_stuck_queued_and_starting_runs_one_finding_per_job_and_status() -> None:
    active = [
        run("QUEUED", updated=NOW - 2 * HOUR),
        run("QUEUED", updated=NOW - 3 * HOUR),
        run("QUEUED", job="other", updated=NOW - 60),  # recent: fine
        run("STARTING", job="other", updated=NOW - HOUR),
    ]
    found = health.stuck_runs(active, {}, NOW, queued_max_s=1800, starting_max_s=600)
    assert [(f.kind, f.job, f.step) for f in found] == [
        ("stuck_run", "etl", "QUEUED"),
        ("stuck_run", "other", "STARTING"),
    ]
    assert "2 run(s) in QUEUED" in found[0].evidence().text
    assert all(f.run_id is None for f in found)


def test_long_running_against_p95_with_floor() -> None:
    durations = {"etl": [100.0, 110, 120, 130, 600]}  # p95 ≈ 506 s
    started = run("STARTED", start=NOW - 1700)
    # 3 × p95 ≈ 25 min < 28 min running, and above a 10-min floor: long-running.
    [f] = health.stuck_runs([started], durations, NOW, long_run_factor=3, long_run_floor_s=600)
    assert f.kind == "long_running_run" and f.job == "etl"
    # The floor wins over a short history.
    assert (
        health.stuck_runs([started], durations, NOW, long_run_factor=3, long_run_floor_s=HOUR) == []
    )
    # No history: only the floor applies.
    assert health.stuck_runs([started], {}, NOW, long_run_floor_s=1000) != []
    assert health.stuck_runs([started], {}, NOW, long_run_floor_s=HOUR) == []


def test_duration_regression_robust_and_material() -> None:
    history = [60.0, 62, 58, 61, 59, 63]
    slow = run("SUCCESS", start=NOW - 900, end=NOW)
    f = health.duration_regression("etl", slow, history, min_increase_s=60)
    assert f is not None and f.kind == "duration_regression" and f.run_id == slow.run_id
    assert "Slowdown: ×14.9" in f.evidence().text
    normal = run("SUCCESS", start=NOW - 64, end=NOW)
    assert health.duration_regression("etl", normal, history) is None
    # Statistically slower but only by seconds: not worth an incident.
    quick = [1.0, 1.1, 0.9, 1.0, 1.05]
    assert (
        health.duration_regression(
            "etl", run("SUCCESS", start=NOW - 5, end=NOW), quick, min_increase_s=60
        )
        is None
    )
    # Not enough history.
    assert health.duration_regression("etl", slow, history[:3]) is None
    # A noisy history widens the threshold (MAD), one outlier does not.
    noisy = [60.0, 300, 90, 240, 120, 200, 150]
    assert (
        health.duration_regression("etl", run("SUCCESS", start=NOW - 320, end=NOW), noisy) is None
    )


def test_duration_regression_fingerprint_stable_across_runs() -> None:
    history = [60.0] * 6
    a = health.duration_regression("etl", run("SUCCESS", start=NOW - 900, end=NOW), history)
    b = health.duration_regression("etl", run("SUCCESS", start=NOW - 4000, end=NOW), history)
    assert a and b and fp(a) == fp(b)
    assert message_template(a.evidence().text) == a.summary


def test_failure_rate_spike() -> None:
    baseline = [False] * 40 + [True] * 2
    spike = health.failure_rate_spike("etl", [True, True, True, False], baseline)
    assert spike is not None and "3 of 4 finished runs failed" in spike.evidence().text
    assert (
        health.failure_rate_spike("etl", [True, True, False, False, False, False], baseline) is None
    )  # 33 % < 50 %
    assert health.failure_rate_spike("etl", [True, True], baseline) is None  # too few
    # A job that usually fails half the time is not spiking at 60 %.
    flaky = [True, False] * 20
    assert health.failure_rate_spike("etl", [True, True, True, False, False], flaky) is None
    assert health.failure_rate_spike("etl", [True] * 5, flaky) is not None


# --- Sentinel's own health ---------------------------------------------------------------------


def test_outbox_backlog_and_dead_messages() -> None:
    rows = [
        OutboxRow(
            key="a:post",
            status="pending",
            created_at=NOW - 2 * HOUR,
            attempts=9,
            last_error="slack down",
        ),
        OutboxRow(key="b:post", status="pending", created_at=NOW - 60),
        OutboxRow(key="c:post", status="dead", created_at=NOW - HOUR, last_error="not_in_channel"),
        OutboxRow(key="d:post", status="dead", created_at=NOW - 3 * 86400),
    ]
    found = health.outbox_health(rows, NOW, max_age_s=1800)
    assert [(f.kind, f.step) for f in found] == [
        ("sentinel_health", "outbox"),
        ("sentinel_health", "slack"),
    ]
    assert "1 message(s) pending" in found[0].evidence().text
    assert "c:post" in found[1].evidence().text and "d:post" not in found[1].evidence().text
    # Slack not configured: messages wait by design, that is not a backlog problem.
    unconfigured = health.outbox_health(rows, NOW, max_age_s=1800, slack_configured=False)
    assert [f.step for f in unconfigured] == ["slack"]


def test_failing_sensor_needs_consecutive_failures() -> None:
    def ticks(*statuses: str) -> list[TickInfo]:
        return [
            TickInfo(status=s, timestamp=NOW - i, error="boom" if s == "FAILURE" else None)
            for i, s in enumerate(statuses)
        ]

    found = health.failing_sensors(
        {
            "sentinel_a": ticks("FAILURE", "FAILURE", "FAILURE", "SKIPPED"),
            "sentinel_b": ticks("SUCCESS", "FAILURE", "FAILURE", "FAILURE"),  # recovered
            "sentinel_c": ticks("STARTED", "FAILURE", "FAILURE", "FAILURE"),  # in flight
            "sentinel_d": ticks("FAILURE", "FAILURE"),
        },
        threshold=3,
    )
    assert [f.step for f in found] == ["sensor:sentinel_a", "sensor:sentinel_c"]
    assert "Last error: boom" in found[0].evidence().text


def test_gemini_breaker() -> None:
    assert health.breaker_open(None, NOW, 300) is None
    assert health.breaker_open({"failures": 1, "opened_at": None}, NOW, 300) is None
    assert health.breaker_open({"opened_at": NOW - 400}, NOW, 300) is None  # cooled down
    assert health.breaker_open({"opened_at": "garbage"}, NOW, 300) is None
    f = health.breaker_open({"failures": 3, "opened_at": NOW - 60}, NOW, 300)
    assert f is not None and f.step == "gemini" and "4 min" in f.evidence().text


def test_sentinel_health_findings_have_distinct_stable_fingerprints() -> None:
    rows = [
        OutboxRow(key="a", status="pending", created_at=NOW - 2 * HOUR),
        OutboxRow(key="b", status="dead", created_at=NOW - 60),
    ]
    later = [r.model_copy(update={"created_at": r.created_at - 500}) for r in rows]
    now_fps = [fp(f) for f in health.outbox_health(rows, NOW)]
    later_fps = [fp(f) for f in health.outbox_health(later, NOW + 999)]
    assert now_fps == later_fps and len(set(now_fps)) == 2
