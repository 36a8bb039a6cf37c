"""Measure ``pipelines.metrics.anomaly.detect_anomalies`` on two NAB series.

Run from the repo root: ``.venv/bin/python -m bench.nab_eval`` (``--sensitivity`` also prints
recall / false alarms when one parameter of the default configuration is changed).

Data: ``<repo>/../shared/data/nab`` (override with env ``SENTINEL_SHARED_DATA`` pointing at
``.../shared/data``): ``nyc_taxi.csv``, ``machine_temperature_system_failure.csv`` and
``windows.json`` (Numenta Anomaly Benchmark, MIT license).  One generic ``DetectionConfig`` is
used for every series.

Per series: labelled windows, detected windows, hits (labelled windows overlapped by at least
one detected window), false alarms (detected windows overlapping no labelled window), false
alarms per week, precision and recall by window.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipelines.metrics.anomaly import DetectionConfig, detect_anomalies
from pipelines.metrics.sources import load_metrics_csv

REPO_ROOT = Path(__file__).resolve().parent.parent
SERIES = ("nyc_taxi.csv", "machine_temperature_system_failure.csv")


def nab_dir() -> Path:
    shared = os.environ.get("SENTINEL_SHARED_DATA")
    base = Path(shared) if shared else REPO_ROOT.parent / "shared" / "data"
    return base / "nab"


@dataclass(frozen=True)
class SeriesScore:
    series: str
    labelled: int
    detected: int
    hits: int
    false_alarms: int
    weeks: float

    @property
    def false_alarms_per_week(self) -> float:
        return self.false_alarms / self.weeks if self.weeks > 0 else float("inf")

    @property
    def recall(self) -> float:
        return self.hits / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return (self.detected - self.false_alarms) / self.detected if self.detected else 1.0


def load_labels(directory: Path) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    raw = json.loads((directory / "windows.json").read_text())
    out: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for key, wins in raw.items():
        out[key.rsplit("/", 1)[-1]] = [
            (pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")) for a, b in wins
        ]
    return out


def load_series(path: Path) -> pd.Series:
    """Load through the same CSV source as the ``metrics_csv`` asset (timestamps in UTC)."""
    result = load_metrics_csv(path)
    if result.bad_count:
        print(f"{path.name}: {result.bad_count} bad rows skipped", file=sys.stderr)
    frame = result.frame
    return pd.Series(
        frame["value"].to_numpy(), index=pd.DatetimeIndex(frame["timestamp"]), name=path.stem
    )


def score_series(
    series: pd.Series,
    labels: list[tuple[pd.Timestamp, pd.Timestamp]],
    config: DetectionConfig | None = None,
) -> SeriesScore:
    result = detect_anomalies(series, config, name=str(series.name))
    detected = [(w.start, w.end) for w in result.windows]

    def overlaps(a: tuple[pd.Timestamp, pd.Timestamp], b: tuple[pd.Timestamp, pd.Timestamp]):
        return a[0] <= b[1] and b[0] <= a[1]

    hits = sum(1 for lab in labels if any(overlaps(lab, d) for d in detected))
    false_alarms = sum(1 for d in detected if not any(overlaps(d, lab) for lab in labels))
    idx = series.index.dropna()
    weeks = (idx.max() - idx.min()) / pd.Timedelta(weeks=1)
    return SeriesScore(str(series.name), len(labels), len(detected), hits, false_alarms, weeks)


def evaluate(directory: Path | None = None, config: DetectionConfig | None = None):
    directory = directory or nab_dir()
    labels = load_labels(directory)
    return [score_series(load_series(directory / name), labels[name], config) for name in SERIES]


def format_table(scores: list[SeriesScore]) -> str:
    head = (
        f"{'series':<38} {'labelled':>8} {'detected':>8} {'hits':>5} {'false':>6} "
        f"{'FA/week':>8} {'precision':>9} {'recall':>7}"
    )
    lines = [head, "-" * len(head)]
    for s in scores:
        lines.append(
            f"{s.series:<38} {s.labelled:>8} {s.detected:>8} {s.hits:>5} {s.false_alarms:>6} "
            f"{s.false_alarms_per_week:>8.2f} {s.precision:>9.2f} {s.recall:>7.2f}"
        )
    return "\n".join(lines)


def sensitivity(directory: Path) -> str:
    """Recall / false alarms per week around the default configuration (one knob at a time)."""
    base = DetectionConfig()
    variants = [("default", base)]
    variants += [(f"k={k}", replace(base, k=k)) for k in (4.0, 5.0)]
    variants += [(f"window={w}", replace(base, window=w)) for w in ("12h", "2D")]
    variants += [(f"scale_window={w}", replace(base, scale_window=w)) for w in ("14D", "56D")]
    variants += [(f"max_gap={g}", replace(base, max_gap=g)) for g in ("2h", "12h")]
    lines = []
    for label, cfg in variants:
        scores = evaluate(directory, cfg)
        cells = "  ".join(
            f"{s.series[:12]}: recall {s.recall:.2f} FA/wk {s.false_alarms_per_week:.2f}"
            for s in scores
        )
        lines.append(f"{label:<18} {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = nab_dir()
    if not (directory / "windows.json").exists():
        print(f"NAB data not found in {directory} (set SENTINEL_SHARED_DATA)", file=sys.stderr)
        return 2
    print(f"config: {DetectionConfig()}")
    print(format_table(evaluate(directory)))
    if "--sensitivity" in args:
        print()
        print(sensitivity(directory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
