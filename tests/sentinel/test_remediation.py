"""Automatic-retry policy on plain data: opt-in, transient only, confidence, Dagster's own
retries first, attempts, budget, backoff with jitter, Retry-After and reset times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.remediation import (
    TRANSIENT,
    RetryChain,
    RetryPolicy,
    backoff_s,
    chain_of,
    decide_retry,
    exhausted_text,
    opted_in,
    recovered_text,
    scheduled_text,
    wait_hint_s,
)
from sentinel_brain.models import Category

NOW = 1_800_000_000.0
POLICY = RetryPolicy(min_confidence=0.6, delay_s=30, max_delay_s=3600, max_attempts=3, budget=20)
FRESH = RetryChain(original_run_id="r1", attempts_so_far=0)


def decide(**overrides: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "opted": True,
        "category": "rate_limited",
        "confidence": 0.91,
        "dagster_will_retry": False,
        "chain": FRESH,
        "launches_in_window": 0,
        "policy": POLICY,
        "jitter": 0.5,
        "hint_s": None,
    }
    args.update(overrides)
    return decide_retry(**args)  # type: ignore[arg-type]


def test_transient_categories_are_exactly_the_waitable_ones() -> None:
    assert {c.value for c in TRANSIENT} == {
        "dependency_unavailable",
        "timeout",
        "rate_limited",
        "infrastructure",
        "concurrency",
    }


@pytest.mark.parametrize("category", [c.value for c in Category if c not in TRANSIENT])
def test_deterministic_causes_are_never_retried(category: str) -> None:
    decision = decide(category=category, confidence=0.99)
    assert decision.outcome == "not_transient"


@pytest.mark.parametrize("category", sorted(c.value for c in TRANSIENT))
def test_transient_causes_are_scheduled(category: str) -> None:
    decision = decide(category=category)
    assert decision.outcome == "schedule" and decision.attempt == 1


def test_not_opted_in_wins_over_everything() -> None:
    assert decide(opted=False).outcome == "not_opted_in"


def test_confidence_threshold() -> None:
    assert decide(confidence=0.59).outcome == "low_confidence"
    assert decide(confidence=0.6).outcome == "schedule"


def test_dagster_retry_takes_precedence() -> None:
    assert decide(dagster_will_retry=True).outcome == "dagster_retry"


def test_attempts_are_counted_per_chain_and_exhaust() -> None:
    second = decide(chain=RetryChain(original_run_id="r1", attempts_so_far=1))
    assert second.outcome == "schedule" and second.attempt == 2
    done = decide(chain=RetryChain(original_run_id="r1", attempts_so_far=3))
    assert done.outcome == "exhausted" and done.attempt == 3


def test_budget_pauses_automatic_retries() -> None:
    assert decide(launches_in_window=19).outcome == "schedule"
    paused = decide(launches_in_window=20)
    assert paused.outcome == "budget"
    assert decide(policy=POLICY.model_copy(update={"budget": 0})).outcome == "budget"


def test_zero_attempts_disables() -> None:
    assert decide(policy=POLICY.model_copy(update={"max_attempts": 0})).outcome == "disabled"


def test_backoff_doubles_with_bounded_jitter_and_cap() -> None:
    assert backoff_s(1, 30, 3600, 0.5) == 30
    assert backoff_s(2, 30, 3600, 0.5) == 60
    assert backoff_s(3, 30, 3600, 0.5) == 120
    assert backoff_s(1, 30, 3600, 0.0) == 22.5
    assert backoff_s(1, 30, 3600, 0.999) == pytest.approx(37.485)
    assert backoff_s(10, 30, 600, 0.5) == 600


def test_a_longer_wait_from_the_evidence_wins_and_is_capped() -> None:
    assert backoff_s(1, 30, 3600, 0.5, hint_s=90) == 90
    assert backoff_s(1, 30, 3600, 0.5, hint_s=5) == 30
    assert backoff_s(1, 30, 600, 0.5, hint_s=7200) == 600
    decision = decide(hint_s=75.0)
    assert decision.delay_s == 75.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HTTPError 429: Too Many Requests; headers={'Retry-After': '120'}", 120),
        ("retry-after: 7", 7),
        ("Quota exceeded. Please retry in 12.5s.", 12.5),
        ("rate limited, try again in 3 minutes", 180),
        ("x-ratelimit-reset-after: 42", 42),
        (f"X-RateLimit-Reset: {int(NOW + 300)}", 300),
        ("limit resets at 2027-01-15T08:00:30Z", None),  # computed below
        ("Retry-After: Fri, 15 Jan 2027 08:00:10 GMT", None),
    ],
)
def test_wait_hints(text: str, expected: float | None) -> None:
    if expected is None:
        now = datetime(2027, 1, 15, 8, 0, 0, tzinfo=UTC).timestamp()
        hint = wait_hint_s([text], now)
        assert hint in (30.0, 10.0)
        return
    assert wait_hint_s([text], NOW) == pytest.approx(expected)


def test_no_hint_and_past_reset() -> None:
    assert wait_hint_s(["ConnectionRefusedError: [Errno 111] Connection refused"], NOW) is None
    assert wait_hint_s([f"X-RateLimit-Reset: {int(NOW - 50)}"], NOW) == 0.0
    assert wait_hint_s(["Retry-After: 5", "retry in 60s"], NOW) == 60.0


def test_chain_from_tags() -> None:
    assert chain_of("new", {}) == RetryChain(original_run_id="new", attempts_so_far=0)
    tags = {"sentinel/remediation_of": "orig", "sentinel/attempt": "2"}
    assert chain_of("retry2", tags) == RetryChain(original_run_id="orig", attempts_so_far=2)
    assert chain_of("x", {"sentinel/attempt": "nope", "sentinel/remediation_of": "o"}) == (
        RetryChain(original_run_id="x", attempts_so_far=0)
    )


def test_opt_in_by_tag_or_by_the_routing_selectors() -> None:
    assert opted_in({"sentinel/auto_retry": "true"}, {}, job="a")
    assert not opted_in({"sentinel/auto_retry": "false"}, {"job:a": "true"}, job="a")
    assert opted_in({}, {"job:a": "true"}, job="a")
    assert not opted_in({}, {"job:a": "true"}, job="b")
    assert opted_in({}, {"group:finance": "true"}, job="b", group="finance")
    assert opted_in({}, {"location:demo": "true"}, job="b", location="demo")
    assert opted_in({}, {"asset:raw/orders": "true"}, asset="raw/orders")
    # Most specific first, as routing: a job opt-out beats its location's opt-in.
    assert not opted_in({}, {"job:b": "false", "location:demo": "true"}, job="b", location="demo")
    assert not opted_in({}, {}, job="a")


def test_the_setting_parses_bare_selectors_and_opt_outs() -> None:
    config = SentinelConfig.from_env(
        {"SENTINEL_AUTO_RETRY": "job:a, asset:raw/orders,location:demo=false"}
    )
    assert config.remediation.auto_retry == {
        "job:a": "true",
        "asset:raw/orders": "true",
        "location:demo": "false",
    }
    assert SentinelConfig.from_env({}).remediation.max_attempts == 3


def test_slack_texts() -> None:
    decision = decide(confidence=0.91, hint_s=60.0)
    assert scheduled_text(decision, 3) == (
        "Transient (rate_limited, 91 %): re-executing from failure in 60 s, attempt 1 of 3"
    )
    assert recovered_text(2, 240) == "recovered automatically after 2 attempts, 4 min"
    assert exhausted_text(3, ["<@U1>"], here=True).startswith("<!here> <@U1> Auto-retry gave up")
    assert "<!here>" not in exhausted_text(3, [], here=False)


def test_the_component_takes_a_remediation_section() -> None:
    from dagster_sentinel.component import SentinelComponent

    component = SentinelComponent(
        remediation={"auto_retry": {"job:nightly": "true"}, "max_attempts": 2}
    )
    config = component.config().resolved({})
    assert config.remediation.auto_retry == {"job:nightly": "true"}
    assert config.remediation.max_attempts == 2
    with pytest.raises(ValueError, match="unknown remediation"):
        SentinelComponent(remediation={"retries": 5}).config()
