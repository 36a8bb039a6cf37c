"""Health findings get a default diagnosis built from their facts (plain data, no Dagster)."""

from __future__ import annotations

import pytest

from sentinel_brain.analyzers import analyze
from sentinel_brain.health import DEFAULTS, facts_of, health_hypotheses
from sentinel_brain.models import Category, Evidence, Kind

STALE = Evidence(
    kind=Kind.STALE_ASSET,
    asset="orders",
    text="Asset orders stopped materializing at its usual cadence\n\n"
    "Last materialization: 2026-12-01 10:00:00 UTC (13.9 h ago)\n"
    "Usual cadence: every 60 min (median gap of the last 8 materializations)\n"
    "Threshold: 3.0 h (max of 3 × cadence, 60 min)",
)
CHECK = Evidence(
    kind=Kind.FAILED_CHECK,
    asset="orders",
    step="no_null_emails",
    text="Asset check no_null_emails on orders failed\n\nSeverity: ERROR (non-blocking)\n"
    "Check metadata:\n  null_count: 12\n  column: email",
)
STUCK = Evidence(
    kind=Kind.STUCK_RUN,
    job="etl",
    step="QUEUED",
    text="Runs of job etl are stuck in QUEUED\n\n"
    "2 run(s) in QUEUED for longer than 30 min:\n"
    "  run 1a2b (QUEUED since 2026-12-01 10:00:00 UTC (67 min ago))",
)


def test_every_health_kind_has_defaults_and_failures_have_none() -> None:
    health = [k for k in Kind if not k.is_failure]
    assert set(DEFAULTS) == set(health)
    assert health_hypotheses(Evidence(kind=Kind.STEP_FAILURE, text="boom")) == []


def test_stale_asset_names_cadence_and_last_materialization() -> None:
    rep = analyze(STALE)
    assert rep.category is Category.MISSING_INPUT
    assert rep.top is not None and rep.top.confidence >= 0.5
    assert "every 60 min" in rep.top.cause and "13.9 h ago" in rep.top.cause
    assert "Usual cadence: every 60 min (median gap of the last 8 materializations)" in (
        rep.top.evidence
    )
    assert any("orders" in r for r in rep.top.remediation)
    assert rep.summary.startswith("[stale_asset]") and not rep.degraded


def test_failed_check_names_the_check_and_its_metadata() -> None:
    rep = analyze(CHECK)
    assert rep.category is Category.DATA_QUALITY
    assert rep.top is not None
    assert "no_null_emails" in rep.top.cause and "null_count: 12" in rep.top.cause
    assert "null_count: 12" in rep.top.evidence
    assert any("no_null_emails" in r for r in rep.top.remediation)


def test_stuck_run_names_status_and_for_how_long() -> None:
    rep = analyze(STUCK)
    assert rep.category is Category.INFRASTRUCTURE
    assert rep.top is not None
    assert "QUEUED" in rep.top.cause and "67 min ago" in rep.top.cause
    assert "30 min" in rep.top.cause
    assert all(e in STUCK.text for e in rep.top.evidence)  # quotes are verbatim


def test_a_specific_signature_in_the_facts_outranks_the_default() -> None:
    ev = Evidence(
        kind=Kind.SENTINEL_HEALTH,
        job="sentinel",
        step="gemini",
        text="Sentinel sensor x keeps failing\nLast error: 429 Too Many Requests: "
        "rate limit exceeded, retry after 30s",
    )
    rep = analyze(ev)
    assert rep.category is Category.RATE_LIMITED
    assert Category.DEPENDENCY_UNAVAILABLE in [c.category for c in rep.candidates]


def test_structured_facts_are_quoted_too() -> None:
    ev = Evidence(
        kind=Kind.LONG_RUNNING_RUN,
        job="etl",
        text="Run of job etl is slow",
        facts={"running_for": "5.2 h", "p95": "40 min"},
    )
    assert facts_of(ev) == ["running_for: 5.2 h", "p95: 40 min"]
    rep = analyze(ev)
    assert rep.top is not None and "running_for: 5.2 h" in rep.top.cause


@pytest.mark.parametrize("kind", [k for k in Kind if not k.is_failure])
def test_no_health_kind_is_unknown_at_the_floor(kind: Kind) -> None:
    rep = analyze(Evidence(kind=kind, job="etl", asset="orders", text="Something about etl"))
    assert rep.top is not None and rep.top.confidence >= 0.34
    assert rep.top.remediation
    assert rep.top.evidence == ["Something about etl"]


def test_unknown_kind_is_a_clear_validation_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        Evidence(kind="not_a_kind")  # type: ignore[arg-type]


def test_secrets_in_facts_never_reach_the_report() -> None:
    from sentinel_brain.diagnose import diagnose

    ev = Evidence(
        kind=Kind.SENTINEL_HEALTH,
        job="sentinel",
        step="slack",
        text="Sentinel's Slack outbox is backing up\n"
        "Last error: token xoxb-1234567890-abcdefghijkl",
        facts={"password": "hunter2-Pa55", "queued": "12 messages"},
    )
    out = diagnose(ev).model_dump_json()
    assert "hunter2-Pa55" not in out and "xoxb-1234567890-abcdefghijkl" not in out
    assert "12 messages" in out
