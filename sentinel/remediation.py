"""Automatic recovery policy, as pure functions over plain data.

Which failures Sentinel re-executes by itself, when, and how often: only targets opted in
(job tag `sentinel/auto_retry: "true"`, or `SENTINEL_AUTO_RETRY` selectors matched by the
same code as Slack routing), only transient root causes diagnosed confidently enough, never
on top of Dagster's own run retries, at most `max_attempts` per incident and at most
`budget` automatic launches per 10 minutes across the instance. The delay is exponential
backoff with jitter, and a `Retry-After` or reset time found in the evidence wins when it is
longer. Nothing here touches the network or the store: `dagster_sentinel.selfheal` feeds it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

from pydantic import BaseModel

from dagster_sentinel import slack
from sentinel_brain.models import Category

AUTO_RETRY_TAG = "sentinel/auto_retry"
REMEDIATION_OF_TAG = "sentinel/remediation_of"
ATTEMPT_TAG = "sentinel/attempt"
BUDGET_WINDOW_S = 600.0

# Root causes that waiting can fix. Everything else (a bug, bad data, bad config, missing
# credentials, an unknown cause) fails again the same way: retrying only burns compute.
TRANSIENT = frozenset(
    {
        Category.DEPENDENCY_UNAVAILABLE,
        Category.TIMEOUT,
        Category.RATE_LIMITED,
        Category.INFRASTRUCTURE,
        Category.CONCURRENCY,
    }
)

_TRUE = frozenset({"true", "1", "yes", "on"})


def opted_in(
    tags: Mapping[str, str],
    selectors: Mapping[str, str],
    *,
    job: str | None = None,
    asset: str | None = None,
    group: str | None = None,
    location: str | None = None,
) -> bool:
    """Is this target opted in to automatic retries? The job's own tag decides first."""
    tag = tags.get(AUTO_RETRY_TAG)
    if tag is not None:
        return tag.strip().lower() in _TRUE
    # The same matcher (and precedence: job, asset, group, location) as channel routing.
    value = slack.route(dict(selectors), "", job=job, asset=asset, group=group, location=location)
    return value.strip().lower() in _TRUE


# --- Retry-After and reset times in the evidence -------------------------------------------

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNITS = {
    "": 1.0,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "ms": 0.001,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
}
_UNIT = r"\s*(ms|seconds?|secs?|s|minutes?|mins?|min|m)?\b"
# HTTP's Retry-After (seconds or an HTTP date), in headers, dict reprs or messages.
_RETRY_AFTER = re.compile(
    r"retry[-_ ]after['\"]?\s*[:=]\s*['\"]?(?:"
    + _NUMBER
    + _UNIT
    + r"|([A-Z][a-z]{2}, [^'\"\n]+GMT))",
    re.IGNORECASE,
)
# "retry in 12.5s", "try again in 20 seconds", "retry after 3 minutes".
_RETRY_IN = re.compile(
    r"(?:re)?try(?: again)? (?:in|after) " + _NUMBER + _UNIT,
    re.IGNORECASE,
)
# Rate-limit reset headers: epoch seconds, or seconds from now (…-reset-after).
_RESET = re.compile(r"ratelimit[-_]reset(-after)?['\"]?\s*[:=]\s*['\"]?" + _NUMBER, re.IGNORECASE)
# "resets at 2026-12-04T16:00:00Z", "reset time: 2026-12-04 16:00:00+00:00".
_RESET_AT = re.compile(
    r"reset(?:s| time)?(?: at)?\s*[:=]?\s*['\"]?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}"
    r"(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)",
    re.IGNORECASE,
)


def _iso(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def wait_hint_s(texts: Iterable[str], now: float) -> float | None:
    """The longest wait the evidence asks for (Retry-After, reset times), in seconds.

    None when the evidence names no wait. A reset time in the past asks for no wait (0).
    """
    waits: list[float] = []
    for text in texts:
        if not text:
            continue
        for m in _RETRY_AFTER.finditer(text):
            if m.group(1) is not None:
                waits.append(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])
            else:
                try:
                    waits.append(parsedate_to_datetime(m.group(3)).timestamp() - now)
                except (TypeError, ValueError):
                    continue
        for m in _RETRY_IN.finditer(text):
            waits.append(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])
        for m in _RESET.finditer(text):
            value = float(m.group(2))
            # Epoch seconds (GitHub, Slack) versus seconds from now (…-reset-after, OpenAI).
            waits.append(value - now if value > 1e9 and not m.group(1) else value)
        for m in _RESET_AT.finditer(text):
            at = _iso(m.group(1))
            if at is not None:
                waits.append(at.timestamp() - now)
    if not waits:
        return None
    return max(0.0, max(waits))


def backoff_s(
    attempt: int, base_s: float, cap_s: float, jitter: float, hint_s: float | None = None
) -> float:
    """Delay before `attempt` (1-based): base × 2^(attempt-1), ±25 % jitter, capped.

    `jitter` is a number in [0, 1) (random in production, fixed in tests). A wait asked for
    by the evidence (`hint_s`) wins when it is longer; the cap bounds both.
    """
    delay = base_s * 2.0 ** max(attempt - 1, 0)
    delay *= 0.75 + 0.5 * min(max(jitter, 0.0), 1.0)
    if hint_s is not None and math.isfinite(hint_s):
        delay = max(delay, hint_s)
    return max(0.0, min(delay, cap_s))


# --- the decision -------------------------------------------------------------------------


class RetryChain(BaseModel):
    """Where a failed run sits in a chain of automatic retries."""

    original_run_id: str
    attempts_so_far: int


def chain_of(run_id: str, tags: Mapping[str, str]) -> RetryChain:
    """A retry run carries its original failed run and attempt number; others start a chain."""
    original = tags.get(REMEDIATION_OF_TAG)
    try:
        attempt = int(tags.get(ATTEMPT_TAG, "0"))
    except ValueError:
        attempt = 0
    if original and attempt > 0:
        return RetryChain(original_run_id=original, attempts_so_far=attempt)
    return RetryChain(original_run_id=run_id, attempts_so_far=0)


Outcome = Literal[
    "schedule",
    "not_opted_in",
    "not_transient",
    "low_confidence",
    "dagster_retry",
    "exhausted",
    "budget",
    "disabled",
]


class RetryPolicy(BaseModel):
    min_confidence: float = 0.6
    delay_s: float = 30.0
    max_delay_s: float = 3600.0
    max_attempts: int = 3
    budget: int = 20


class RetryDecision(BaseModel):
    outcome: Outcome
    reason: str
    attempt: int = 0
    delay_s: float = 0.0
    category: str = ""
    confidence: float = 0.0


def decide_retry(
    *,
    opted: bool,
    category: str,
    confidence: float,
    dagster_will_retry: bool,
    chain: RetryChain,
    launches_in_window: int,
    policy: RetryPolicy,
    jitter: float,
    hint_s: float | None,
) -> RetryDecision:
    """Whether (and when) to re-execute a failed run automatically.

    `dagster_will_retry` is `dagster_sentinel.hooks.will_be_retried` for the run (with the
    instance's run-retry settings): then Dagster's own retry comes first, never both.
    """
    base = {"category": category, "confidence": confidence}
    if not opted:
        return RetryDecision(outcome="not_opted_in", reason="not opted in to auto-retry", **base)
    if dagster_will_retry:
        return RetryDecision(
            outcome="dagster_retry", reason="Dagster retries this run itself", **base
        )
    if category not in {c.value for c in TRANSIENT}:
        return RetryDecision(
            outcome="not_transient",
            reason=f"{category} is not transient: retrying wastes a run",
            **base,
        )
    if confidence < policy.min_confidence:
        return RetryDecision(
            outcome="low_confidence",
            reason=f"confidence {confidence:.0%} below {policy.min_confidence:.0%}",
            **base,
        )
    if policy.max_attempts <= 0:
        return RetryDecision(outcome="disabled", reason="SENTINEL_AUTO_RETRY_MAX is 0", **base)
    attempt = chain.attempts_so_far + 1
    if attempt > policy.max_attempts:
        return RetryDecision(
            outcome="exhausted",
            reason=f"{chain.attempts_so_far} automatic attempt(s) failed",
            attempt=chain.attempts_so_far,
            **base,
        )
    if launches_in_window >= policy.budget:
        return RetryDecision(
            outcome="budget",
            reason=f"{launches_in_window} automatic launches in the last 10 min "
            f"(budget {policy.budget})",
            attempt=attempt,
            **base,
        )
    delay = backoff_s(attempt, policy.delay_s, policy.max_delay_s, jitter, hint_s)
    return RetryDecision(
        outcome="schedule",
        reason=f"transient {category} at {confidence:.0%}",
        attempt=attempt,
        delay_s=delay,
        **base,
    )


# --- what Slack says ---------------------------------------------------------------------------


def duration(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def scheduled_text(decision: RetryDecision, max_attempts: int) -> str:
    """ "Transient (rate_limited, 91 %): re-executing from failure in 60 s, attempt 1 of 3"."""
    return (
        f"Transient ({decision.category}, {decision.confidence * 100:.0f} %): re-executing "
        f"from failure in {duration(decision.delay_s)}, attempt {decision.attempt} of "
        f"{max_attempts}"
    )


def recovered_text(attempts: int, elapsed_s: float) -> str:
    plural = "attempt" if attempts == 1 else "attempts"
    return f"recovered automatically after {attempts} {plural}, {duration(elapsed_s)}"


def exhausted_text(attempts: int, mentions: list[str], here: bool) -> str:
    who = " ".join((["<!here>"] if here else []) + mentions)
    lead = f"{who} " if who else ""
    return (
        f"{lead}Auto-retry gave up: {attempts} automatic attempt(s) failed. "
        "A human needs to look at this."
    )


BUDGET_TEXT = "auto-retry paused: budget"
