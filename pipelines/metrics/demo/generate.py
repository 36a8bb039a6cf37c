"""Regenerate ``demo_metrics.csv``: a synthetic metric with daily seasonality and one anomaly.

``.venv/bin/python -m pipelines.metrics.demo.generate`` (deterministic: fixed seed).

Series ``demo_checkout_requests_per_min``: 14 days at 15-minute resolution, a daily cycle
(quiet nights, busy afternoons), gaussian noise, and an injected outage-like drop on day 12
between ``ANOMALY_START`` and ``ANOMALY_END`` (traffic falls to ~25 % of normal).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "demo_metrics.csv"
SERIES = "demo_checkout_requests_per_min"
START = pd.Timestamp("2026-01-05 00:00:00", tz="UTC")
DAYS = 14
ANOMALY_START = pd.Timestamp("2026-01-16 13:00:00", tz="UTC")
ANOMALY_END = pd.Timestamp("2026-01-16 15:45:00", tz="UTC")


def build(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.date_range(START, periods=DAYS * 96, freq="15min")
    hours = ts.hour + ts.minute / 60
    daily = 120 + 80 * np.sin(2 * np.pi * (hours - 9) / 24)  # peak ~15:00, trough ~03:00
    values = np.asarray(daily, dtype=float) + rng.normal(0, 6, len(ts))
    in_anomaly = np.asarray((ts >= ANOMALY_START) & (ts <= ANOMALY_END))
    values[in_anomaly] = values[in_anomaly] * 0.25
    return pd.DataFrame(
        {
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "series": SERIES,
            "value": np.round(values, 2),
        }
    )


def main() -> None:
    build().to_csv(OUT, index=False)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
