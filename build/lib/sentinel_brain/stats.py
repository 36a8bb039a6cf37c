"""Small robust statistics in plain Python, shared by the health checks and the metrics
pipeline: is a value (a run's duration, a row count) a regression against its history?
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

MAD_TO_SIGMA = 1.4826  # MAD → standard deviation for normally distributed data


@dataclass(frozen=True)
class RegressionResult:
    """Outcome of `is_regression`; truthy when the value is a regression."""

    is_regression: bool
    value: float
    baseline: float
    """Median of the history."""
    threshold: float
    """The value beyond which it counts as a regression."""
    n_history: int
    reason: str

    def __bool__(self) -> bool:
        return self.is_regression


def _finite(values: Iterable[object]) -> list[float]:
    out: list[float] = []
    for v in values:
        try:
            f = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return out


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's and pandas' default)."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def is_regression(
    value: float,
    history: Iterable[object],
    *,
    k: float = 3.0,
    direction: str = "higher",
    min_history: int = 5,
    min_relative_change: float = 0.1,
) -> RegressionResult:
    """Is `value` (e.g. the latest run duration) a regression against `history`?

    `history` holds previous values (latest run excluded; non-numbers, NaN and inf ignored).
    With `direction="higher"` (durations, failure counts) a regression is a value above
    `threshold = max(median + k * 1.4826 * MAD, p95, median * (1 + min_relative_change))`;
    with `direction="lower"` (rows written) it is a value below the mirrored
    `min(median - k * 1.4826 * MAD, p5, median * (1 - min_relative_change))`.
    Fewer than `min_history` usable history values never count as a regression.
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    hist = sorted(_finite(history))
    n = len(hist)
    v = float(value)
    if n < min_history or not math.isfinite(v):
        why = (
            f"only {n} history values (< {min_history})"
            if n < min_history
            else ("value is not finite")
        )
        median = statistics.median(hist) if n else float("nan")
        return RegressionResult(False, v, median, float("nan"), n, why)
    median = statistics.median(hist)
    sigma = statistics.median(abs(x - median) for x in hist) * MAD_TO_SIGMA
    if direction == "higher":
        threshold = max(
            median + k * sigma, quantile(hist, 0.95), median + abs(median) * min_relative_change
        )
        bad = v > threshold
        cmp = ">" if bad else "<="
    else:
        threshold = min(
            median - k * sigma, quantile(hist, 0.05), median - abs(median) * min_relative_change
        )
        bad = v < threshold
        cmp = "<" if bad else ">="
    reason = f"value {v:g} {cmp} threshold {threshold:g} (median {median:g} over {n} values)"
    return RegressionResult(bad, v, median, threshold, n, reason)
