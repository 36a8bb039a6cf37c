"""Pure unit tests of the seasonal robust detector and the regression helper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.metrics.anomaly import (
    DetectionConfig,
    clean_series,
    detect_anomalies,
    detect_in_long_frame,
    infer_interval,
    is_regression,
    merge_flags,
    seasonal_baseline,
)


def seasonal(days: int = 28, freq: str = "15min", seed: int = 1, noise: float = 5.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.date_range(
        "2025-03-03", periods=int(pd.Timedelta(days=days) / pd.Timedelta(freq)), freq=freq, tz="UTC"
    )
    hours = idx.hour + idx.minute / 60
    daily = 100 + 60 * np.sin(2 * np.pi * hours / 24)
    weekend = np.where(idx.dayofweek >= 5, -20.0, 0.0)
    return pd.Series(np.asarray(daily) + weekend + rng.normal(0, noise, len(idx)), index=idx)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_seasonal_series_raises_no_alarm(seed):
    result = detect_anomalies(seasonal(seed=seed))
    assert result.windows == []
    assert result.seasonality == "weekly"


def test_short_clean_series_uses_daily_profile_and_no_alarm():
    result = detect_anomalies(seasonal(days=5))
    assert result.seasonality == "daily"
    assert result.windows == []


def test_spike_is_detected_with_expected_range():
    s = seasonal()
    t = pd.Timestamp("2025-03-19 03:00", tz="UTC")  # a night: the spike is off-profile
    s[t] += 80
    result = detect_anomalies(s, name="requests")
    assert len(result.windows) == 1
    w = result.windows[0]
    assert w.series == "requests"
    assert w.start == t and w.end == t
    assert w.observed > w.expected_high
    assert w.expected_low < w.expected < w.expected_high
    meta = w.as_metadata()
    assert meta["start"].startswith("2025-03-19T03:00")
    assert set(meta) >= {"series", "start", "end", "observed", "expected_low", "expected_high"}


def test_seasonal_peak_value_at_night_is_anomalous_but_not_at_peak():
    """A value that is normal at 06:00 (daily peak) is an anomaly at 18:00 (trough)."""
    s = seasonal()
    peak = float(s.groupby(s.index.hour).median().max())
    t = pd.Timestamp("2025-03-18 18:00", tz="UTC")
    s[t] = peak
    windows = detect_anomalies(s).windows
    assert [w.start for w in windows] == [t]


def test_level_shift_is_detected_and_merged_into_one_window():
    s = seasonal()
    start, end = (
        pd.Timestamp("2025-03-20 10:00", tz="UTC"),
        pd.Timestamp("2025-03-20 13:45", tz="UTC"),
    )
    s[start:end] -= 70
    windows = detect_anomalies(s).windows
    assert len(windows) == 1
    assert windows[0].start == start
    assert windows[0].end <= end
    assert windows[0].n_points >= 10


def test_dirty_input_is_cleaned():
    s = seasonal(days=4)
    dup = pd.concat([s, s.iloc[:3]])
    dup.iloc[10] = np.nan
    dup.iloc[11] = np.inf
    shuffled = dup.sample(frac=1.0, random_state=0)
    cleaned = clean_series(shuffled)
    assert cleaned.index.is_monotonic_increasing
    assert cleaned.index.is_unique
    assert np.isfinite(cleaned.to_numpy()).all()
    assert detect_anomalies(shuffled).windows == []


def test_too_short_series_never_alarms():
    s = pd.Series([1.0, 1.0, 50.0], index=pd.date_range("2025-01-01", periods=3, freq="h"))
    assert detect_anomalies(s).windows == []
    assert detect_anomalies(pd.Series([], dtype=float)).windows == []


def test_constant_series_with_one_jump():
    idx = pd.date_range("2025-01-01", periods=200, freq="min")
    s = pd.Series(5.0, index=idx)
    s.iloc[150] = 6.0
    windows = detect_anomalies(s).windows
    assert len(windows) == 1 and windows[0].start == idx[150]


def test_infer_interval_and_profile():
    s = seasonal(days=4, freq="30min")
    assert infer_interval(s.index) == pd.Timedelta("30min")
    profile, kind = seasonal_baseline(s)
    assert kind == "daily"
    assert abs(profile.max() - profile.min()) > 80  # the daily swing is removed
    hourly = pd.Series(1.0, index=pd.date_range("2025-01-01", periods=30, freq="D"))
    assert seasonal_baseline(hourly)[1] == "none"


def test_merge_flags_gap_and_min_points():
    idx = pd.date_range("2025-01-01", periods=10, freq="10min")
    flags = pd.Series([1, 1, 0, 1, 0, 0, 0, 0, 1, 0], index=idx).astype(bool)
    wins = merge_flags(flags, pd.Timedelta("20min"))
    assert [(a, b) for a, b, _ in wins] == [(idx[0], idx[3]), (idx[8], idx[8])]
    assert len(merge_flags(flags, pd.Timedelta("20min"), min_points=2)) == 1


def test_detect_in_long_frame_per_series():
    a = seasonal(seed=5)
    b = seasonal(seed=6)
    b[pd.Timestamp("2025-03-15 02:00", tz="UTC")] += 100
    frame = pd.concat(
        [
            pd.DataFrame({"timestamp": a.index, "series": "a", "value": a.to_numpy()}),
            pd.DataFrame({"timestamp": b.index, "series": "b", "value": b.to_numpy()}),
        ]
    )
    windows, n = detect_in_long_frame(frame, DetectionConfig())
    assert n == 2
    assert [w.series for w in windows] == ["b"]


# ------------------------------------------------------------------ is_regression


def test_regression_higher():
    history = [60, 62, 58, 61, 59, 63, 60, 61]
    r = is_regression(120, history)
    assert r and r.is_regression
    assert r.baseline == pytest.approx(60.5)
    assert r.threshold < 120
    assert "threshold" in r.reason
    assert not is_regression(64, history)


def test_regression_lower_for_rows_written():
    history = [1000, 1010, 990, 1005, 995, 1002]
    assert is_regression(100, history, direction="lower")
    assert not is_regression(1001, history, direction="lower")
    assert not is_regression(5000, history, direction="lower")


def test_regression_needs_history_and_ignores_garbage():
    assert not is_regression(1e9, [1, 2, 3])
    r = is_regression(10.0, [1, 1, 1, 1, float("nan"), None, "x", 1])
    assert r.n_history == 5
    assert r.is_regression  # constant history: relative floor applies
    assert not is_regression(1.05, [1, 1, 1, 1, 1])
    with pytest.raises(ValueError):
        is_regression(1, [1] * 10, direction="sideways")
