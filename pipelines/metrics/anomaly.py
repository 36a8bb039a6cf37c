"""Seasonality-aware robust anomaly detection on pandas Series (no deep learning).

Pipeline for one series (``detect_anomalies``):

1. clean: sort by time, drop NaN / non-finite values, average duplicate timestamps;
2. seasonal baseline (``seasonal_baseline``): the median value per hour-of-week when the
   series covers at least ``min_cycles`` weeks, else per hour-of-day when it covers at least
   ``min_cycles`` days, else no seasonal adjustment (calendar in UTC; the profile is computed
   over the whole series: this is batch detection).  Medians are robust to the anomalies
   themselves; slots with fewer than ``min_cycles`` observations fall back to the overall
   median;
3. residual = value - seasonal profile; a *trailing* rolling median of the residual (default
   one day: the expected level) and a trailing rolling MAD (default 28 days: the expected
   spread), both excluding the current point so a spike cannot hide itself, give a robust
   z-score (window lengths are durations, converted to points with the sampling interval);
4. points with ``|z| > k`` are flagged and merged into anomaly windows (flagged points closer
   than ``max_gap`` join the same window).

Everything here is a pure function of its inputs; the Dagster assets/checks and
``bench/nab_eval.py`` call into this module.

``is_regression`` answers the run-history question "is this latest value a regression against
its history?" for health-check sensors.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from sentinel_brain.stats import MAD_TO_SIGMA, RegressionResult, is_regression

__all__ = [
    "AnomalyWindow",
    "DetectionConfig",
    "DetectionResult",
    "RegressionResult",
    "clean_series",
    "detect_in_long_frame",
    "detect_anomalies",
    "infer_interval",
    "is_regression",
    "merge_flags",
    "robust_zscore",
    "seasonal_baseline",
]


@dataclass(frozen=True)
class DetectionConfig:
    """Parameters of ``detect_anomalies``; one generic configuration for all series.

    Durations are pandas offset strings / Timedeltas so they are independent of the sampling
    interval; they are converted to point counts with the inferred interval.
    """

    k: float = 4.5
    """Flag points whose robust z-score (|residual - median| / (1.4826 * MAD)) exceeds k."""
    window: str = "1D"
    """Trailing rolling window for the residual median (the expected level)."""
    scale_window: str = "28D"
    """Trailing rolling window for the residual MAD (the expected spread)."""
    min_cycles: int = 3
    """Seasonal profiles need at least this many full days (daily) / weeks (weekly)."""
    max_gap: str = "6h"
    """Flagged points closer than this are merged into one window."""
    min_points: int = 1
    """Windows with fewer flagged points than this are dropped."""
    relative_mad_floor: float = 1e-3
    """The scale never goes below this fraction of max(overall robust spread, 1 % of level):
    a flat series does not divide by zero, yet any real jump in it is flagged."""


@dataclass(frozen=True)
class AnomalyWindow:
    """One merged anomaly window."""

    series: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_points: int
    observed: float
    """The most extreme observed value in the window."""
    expected: float
    """The expected value (baseline) at that most extreme point."""
    expected_low: float
    expected_high: float
    max_score: float

    def as_metadata(self) -> dict[str, object]:
        d = asdict(self)
        d["start"] = self.start.isoformat()
        d["end"] = self.end.isoformat()
        for key in ("observed", "expected", "expected_low", "expected_high", "max_score"):
            d[key] = _round(d[key])
        return d


@dataclass
class DetectionResult:
    series: str
    points: pd.DataFrame
    """Indexed by timestamp: value, expected, low, high, score, flagged."""
    windows: list[AnomalyWindow] = field(default_factory=list)
    seasonality: str = "none"
    interval: pd.Timedelta | None = None

    @property
    def has_anomaly(self) -> bool:
        return bool(self.windows)


def _round(x: float) -> float:
    return float(round(x, 6)) if x is not None and math.isfinite(x) else float("nan")


def clean_series(series: pd.Series) -> pd.Series:
    """Sort by time, coerce to float, drop non-finite values, average duplicate timestamps."""
    s = pd.to_numeric(series, errors="coerce").astype(float)
    if not isinstance(s.index, pd.DatetimeIndex):
        s.index = pd.to_datetime(s.index, errors="coerce", utc=True)
    s = s[s.index.notna() & np.isfinite(s.to_numpy())]
    s = s.groupby(level=0).mean().sort_index()
    return s


def infer_interval(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    """Median spacing of a sorted DatetimeIndex (None with fewer than two points)."""
    if len(index) < 2:
        return None
    diffs = pd.TimedeltaIndex(np.diff(index.to_numpy())).as_unit("ns")
    diffs = diffs[diffs > pd.Timedelta(0)]
    if len(diffs) == 0:
        return None
    return pd.Timedelta(diffs.median())


def seasonal_baseline(series: pd.Series, min_cycles: int = 3) -> tuple[pd.Series, str]:
    """Seasonal profile of a clean, time-indexed series.

    Returns ``(profile, kind)`` where ``profile`` is aligned with ``series`` and ``kind`` is
    ``"weekly"`` (median by hour-of-week), ``"daily"`` (median by hour-of-day) or ``"none"``
    (constant overall median) depending on how much history there is.  A slot with fewer than
    ``min_cycles`` observations falls back to the overall median.
    """
    overall = float(series.median()) if len(series) else 0.0
    if len(series) < 2:
        return pd.Series(overall, index=series.index, dtype=float), "none"
    span = series.index[-1] - series.index[0]
    interval = infer_interval(series.index)
    fine = interval is not None and interval <= pd.Timedelta(hours=1)
    idx = series.index
    if fine and span >= pd.Timedelta(weeks=min_cycles):
        slots = idx.dayofweek * 24 + idx.hour
        kind = "weekly"
    elif fine and span >= pd.Timedelta(days=min_cycles):
        slots = idx.hour
        kind = "daily"
    else:
        return pd.Series(overall, index=idx, dtype=float), "none"
    slots = pd.Index(np.asarray(slots), name="slot")
    grouped = series.groupby(slots.to_numpy())
    med = grouped.median()
    counts = grouped.count()
    med[counts < min_cycles] = overall
    profile = pd.Series(med.reindex(slots.to_numpy()).to_numpy(), index=idx, dtype=float)
    return profile, kind


def robust_zscore(
    residual: pd.Series,
    center_points: int,
    scale_points: int | None = None,
    mad_floor: float = 0.0,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Trailing robust z-score of ``residual`` (the current point is excluded).

    ``center`` is the rolling median over the last ``center_points`` points (follows the
    level); ``scale`` is 1.4826 x the rolling MAD over the last ``scale_points`` points (a
    longer window, so a quiet day does not make ordinary noise look anomalous), floored at
    ``mad_floor``.  Returns ``(score, center, scale)`` with
    ``score = (residual - center) / scale``.  Points with too little history borrow the
    whole series' median / MAD (batch detection: early points are judged against the overall
    spread rather than against a handful of points).
    """
    center_points = max(int(center_points), 3)
    scale_points = max(int(scale_points or center_points), center_points)
    c_min = max(3, center_points // 4)
    s_min = max(3, scale_points // 4)
    prev = residual.shift(1)
    center = prev.rolling(center_points, min_periods=c_min).median()
    long_center = prev.rolling(scale_points, min_periods=s_min).median()
    mad = (prev - long_center).abs().rolling(scale_points, min_periods=s_min).median()
    c0 = float(residual.median()) if len(residual) else 0.0
    m0 = float((residual - c0).abs().median()) if len(residual) else 0.0
    center = center.fillna(c0)
    mad = mad.fillna(m0)
    scale = (mad * MAD_TO_SIGMA).clip(lower=mad_floor if mad_floor > 0 else 1e-12)
    score = (residual - center) / scale
    return score, center, scale


def merge_flags(
    flags: pd.Series, max_gap: pd.Timedelta, min_points: int = 1
) -> list[tuple[pd.Timestamp, pd.Timestamp, list[pd.Timestamp]]]:
    """Merge flagged timestamps (boolean Series indexed by time) into windows.

    Consecutive flagged points at most ``max_gap`` apart share a window; windows with fewer than
    ``min_points`` points are dropped.  Returns ``(start, end, [timestamps])`` tuples.
    """
    ts = list(flags.index[flags.to_numpy(dtype=bool)])
    windows: list[tuple[pd.Timestamp, pd.Timestamp, list[pd.Timestamp]]] = []
    current: list[pd.Timestamp] = []
    for t in ts:
        if current and t - current[-1] > max_gap:
            windows.append((current[0], current[-1], current))
            current = []
        current.append(t)
    if current:
        windows.append((current[0], current[-1], current))
    return [w for w in windows if len(w[2]) >= min_points]


def detect_anomalies(
    series: pd.Series,
    config: DetectionConfig | None = None,
    name: str | None = None,
) -> DetectionResult:
    """Detect anomaly windows in one time-indexed numeric series.

    ``series``: values indexed by timestamps (DatetimeIndex, or anything ``pd.to_datetime``
    accepts).  Returns a ``DetectionResult`` with per-point expected value / range / score and
    the merged ``AnomalyWindow`` list.  Short series (fewer than 10 clean points) never alarm.
    """
    cfg = config or DetectionConfig()
    label = name if name is not None else str(series.name or "series")
    s = clean_series(series)
    interval = infer_interval(s.index)
    empty = pd.DataFrame(
        columns=["value", "expected", "low", "high", "score", "flagged"],
        index=pd.DatetimeIndex([], name="timestamp"),
    )
    if len(s) < 10 or interval is None:
        pts = (
            empty
            if len(s) == 0
            else pd.DataFrame(
                {
                    "value": s,
                    "expected": s.median(),
                    "low": np.nan,
                    "high": np.nan,
                    "score": 0.0,
                    "flagged": False,
                }
            )
        )
        return DetectionResult(label, pts, [], "none", interval)

    profile, kind = seasonal_baseline(s, cfg.min_cycles)
    residual = s - profile
    window_points = max(int(pd.Timedelta(cfg.window) / interval), 5)
    scale_points = max(int(pd.Timedelta(cfg.scale_window) / interval), window_points)
    spread = float((residual - residual.median()).abs().median()) * MAD_TO_SIGMA
    level = float(s.abs().median())
    mad_floor = cfg.relative_mad_floor * max(spread, level * 0.01, 1e-9)
    score, center, scale = robust_zscore(residual, window_points, scale_points, mad_floor)
    expected = profile + center
    low = expected - cfg.k * scale
    high = expected + cfg.k * scale
    flagged = score.abs() > cfg.k
    points = pd.DataFrame(
        {
            "value": s,
            "expected": expected,
            "low": low,
            "high": high,
            "score": score,
            "flagged": flagged,
        }
    )
    points.index.name = "timestamp"
    max_gap = max(pd.Timedelta(cfg.max_gap), interval)
    windows: list[AnomalyWindow] = []
    for start, end, members in merge_flags(flagged, max_gap, cfg.min_points):
        sub = points.loc[members]
        worst = sub["score"].abs().idxmax()
        row = sub.loc[worst]
        windows.append(
            AnomalyWindow(
                series=label,
                start=start,
                end=end,
                n_points=len(members),
                observed=float(row["value"]),
                expected=float(row["expected"]),
                expected_low=float(row["low"]),
                expected_high=float(row["high"]),
                max_score=float(abs(row["score"])),
            )
        )
    return DetectionResult(label, points, windows, kind, interval)


def detect_in_long_frame(
    frame: pd.DataFrame, config: DetectionConfig | None = None
) -> tuple[list[AnomalyWindow], int]:
    """Run ``detect_anomalies`` on every series of a long metrics frame.

    ``frame`` needs ``timestamp``, ``series`` and ``value`` columns (the format of
    ``pipelines.metrics.sources``).  Returns ``(windows sorted by start, series checked)``.
    """
    if frame is None or len(frame) == 0:
        return [], 0
    windows: list[AnomalyWindow] = []
    n = 0
    for name, group in frame.groupby("series", sort=True):
        n += 1
        s = pd.Series(
            group["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(group["timestamp"])
        )
        windows.extend(detect_anomalies(s, config, name=str(name)).windows)
    windows.sort(key=lambda w: (w.start, w.series))
    return windows, n
