"""Template statistics over time and anomaly detection on them (pure pandas, no Dagster).

State (CSV under the state dir):

* ``templates.csv``: one row per template (event): text, counts, error count, first/last seen
  (log time), most severe level, sources.
* ``buckets.csv``: counts per (time bucket, source, event, level), pruned after a retention.

Detection compares the *current window* (the last ``window_minutes`` of log time seen) with the
*baseline* (the ``baseline_minutes`` before it): templates never seen before the window, error
templates whose count spikes against the baseline mean, and each source's error rate.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sentinel_brain.logs.formats import ERROR_LEVELS

TEMPLATE_COLUMNS = [
    "event_id",
    "template",
    "count",
    "error_count",
    "first_seen",
    "last_seen",
    "level",
    "sources",
]
BUCKET_COLUMNS = ["bucket", "source", "event_id", "level", "count"]
_SEVERITY = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


@dataclass(frozen=True)
class DetectionParams:
    bucket_minutes: int = 1
    window_minutes: int = 15
    baseline_minutes: int = 120
    spike_factor: float = 3.0
    min_spike_count: int = 5
    max_error_rate: float = 0.25
    retention_days: int = 3
    top: int = 10


def _to_utc(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, utc=True, format="ISO8601", errors="coerce")


def load_templates(state_dir: Path) -> pd.DataFrame:
    p = state_dir / "templates.csv"
    if not p.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in TEMPLATE_COLUMNS})
    df = pd.read_csv(
        p, dtype={"template": str, "level": str, "sources": str}, keep_default_na=False
    )
    df["first_seen"] = _to_utc(df["first_seen"])
    df["last_seen"] = _to_utc(df["last_seen"])
    return df


def load_buckets(state_dir: Path) -> pd.DataFrame:
    p = state_dir / "buckets.csv"
    if not p.exists():
        return pd.DataFrame(
            {
                "bucket": pd.Series(dtype="datetime64[ns, UTC]"),
                "source": pd.Series(dtype="object"),
                "event_id": pd.Series(dtype="int64"),
                "level": pd.Series(dtype="object"),
                "count": pd.Series(dtype="int64"),
            }
        )
    df = pd.read_csv(p, dtype={"source": str, "level": str}, keep_default_na=False)
    df["bucket"] = _to_utc(df["bucket"])
    return df


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.to_csv(tmp, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f%z")
    os.replace(tmp, path)


def save_stats(state_dir: Path, templates: pd.DataFrame, buckets: pd.DataFrame) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    _atomic_csv(templates[TEMPLATE_COLUMNS], state_dir / "templates.csv")
    _atomic_csv(buckets[BUCKET_COLUMNS], state_dir / "buckets.csv")


def _most_severe(levels: pd.Series) -> str:
    best, rank = "", -1
    for lv in levels.dropna().unique():
        r = _SEVERITY.get(str(lv), 0)
        if r > rank:
            best, rank = str(lv), r
    return best


def update_stats(
    templates: pd.DataFrame,
    buckets: pd.DataFrame,
    lines: pd.DataFrame,
    template_text: dict[int, str],
    params: DetectionParams,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fold a batch of parsed lines (timestamp, source, level, event_id) into the stats."""
    if len(lines):
        lv = lines["level"].fillna("").astype(str)
        batch = pd.DataFrame(
            {
                "bucket": lines["timestamp"].dt.floor(f"{params.bucket_minutes}min"),
                "source": lines["source"].astype(str),
                "event_id": lines["event_id"].astype("int64"),
                "level": lv,
            }
        )
        new_b = batch.groupby(["bucket", "source", "event_id", "level"], as_index=False).size()
        new_b = new_b.rename(columns={"size": "count"})
        frames = [b for b in (buckets, new_b) if len(b)]
        buckets = pd.concat(frames, ignore_index=True) if frames else new_b
        buckets = buckets.groupby(["bucket", "source", "event_id", "level"], as_index=False)[
            "count"
        ].sum()
        is_err = lv.isin(list(ERROR_LEVELS))
        agg = (
            pd.DataFrame(
                {
                    "event_id": lines["event_id"].astype("int64"),
                    "ts": lines["timestamp"],
                    "err": is_err.astype("int64"),
                    "level": lv,
                    "source": lines["source"].astype(str),
                }
            )
            .groupby("event_id")
            .agg(
                count=("ts", "size"),
                error_count=("err", "sum"),
                first_seen=("ts", "min"),
                last_seen=("ts", "max"),
                level=("level", _most_severe),
                sources=("source", lambda s: ";".join(sorted(set(s)))),
            )
            .reset_index()
        )
        old = templates.set_index("event_id") if len(templates) else None
        rows = []
        for r in agg.itertuples(index=False):
            ev = int(r.event_id)
            if old is not None and ev in old.index:
                o = old.loc[ev]
                srcs = sorted(set(str(o["sources"]).split(";")) | set(r.sources.split(";")) - {""})
                rows.append(
                    {
                        "event_id": ev,
                        "count": int(o["count"]) + int(r.count),
                        "error_count": int(o["error_count"]) + int(r.error_count),
                        "first_seen": min(o["first_seen"], r.first_seen)
                        if pd.notna(o["first_seen"])
                        else r.first_seen,
                        "last_seen": max(o["last_seen"], r.last_seen)
                        if pd.notna(o["last_seen"])
                        else r.last_seen,
                        "level": _most_severe(pd.Series([o["level"], r.level])),
                        "sources": ";".join(s for s in srcs if s),
                    }
                )
            else:
                rows.append(
                    {
                        "event_id": ev,
                        "count": int(r.count),
                        "error_count": int(r.error_count),
                        "first_seen": r.first_seen,
                        "last_seen": r.last_seen,
                        "level": r.level,
                        "sources": r.sources,
                    }
                )
        upd = pd.DataFrame(rows)
        keep = templates[~templates["event_id"].isin(upd["event_id"])] if len(templates) else None
        templates = pd.concat([keep, upd], ignore_index=True) if keep is not None else upd
    if len(templates):
        templates["event_id"] = templates["event_id"].astype("int64")
        old_text = (
            templates["template"].tolist() if "template" in templates else [""] * len(templates)
        )
        templates["template"] = [
            template_text.get(int(e)) or (t if isinstance(t, str) else "")
            for e, t in zip(templates["event_id"], old_text, strict=True)
        ]
        templates = templates.sort_values("event_id", ignore_index=True)
    if len(buckets):
        cutoff = buckets["bucket"].max() - pd.Timedelta(days=params.retention_days)
        buckets = buckets[buckets["bucket"] >= cutoff].reset_index(drop=True)
    for c in TEMPLATE_COLUMNS:
        if c not in templates:
            templates[c] = pd.Series(dtype="object")
    return templates[TEMPLATE_COLUMNS], buckets[BUCKET_COLUMNS]


def _iso(ts: Any) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return str(pd.Timestamp(ts).isoformat())


def detect(
    templates: pd.DataFrame,
    buckets: pd.DataFrame,
    params: DetectionParams,
    batch_lines: int,
    batch_sources: Iterable[str] | None = None,
) -> dict[str, Any]:
    """New templates, error-template spikes and error rates in each source's current window.

    Each source has its own clock: its window is the last ``window_minutes`` up to its latest
    bucket, its baseline the ``baseline_minutes`` before. Only sources that received lines in
    this batch (``batch_sources``; all when None) are evaluated, so an anomaly is reported
    once, when its lines arrive. New templates and spikes need a baseline (earlier lines of
    the same source).
    """
    result: dict[str, Any] = {
        "params": asdict(params),
        "batch_lines": int(batch_lines),
        "evaluated_at": datetime.now(UTC).isoformat(),
        "window_start": None,
        "window_end": None,
        "windows": {},
        "has_baseline": False,
        "new_templates": [],
        "error_spikes": [],
        "error_rates": [],
        "high_error_rate_sources": [],
    }
    if not len(buckets):
        return result
    wanted = None if batch_sources is None else set(batch_sources)
    text = dict(zip(templates["event_id"].astype("int64"), templates["template"], strict=True))
    bucket = pd.Timedelta(minutes=params.bucket_minutes)
    window = pd.Timedelta(minutes=params.window_minutes)
    n_windows = max(params.baseline_minutes / params.window_minutes, 1.0)
    errs = list(ERROR_LEVELS)
    starts, ends = [], []
    for src, sb in buckets.groupby("source"):
        if wanted is not None and src not in wanted:
            continue
        end = sb["bucket"].max() + bucket
        start = end - window
        base_start = start - pd.Timedelta(minutes=params.baseline_minutes)
        cur = sb[sb["bucket"] >= start]
        base = sb[(sb["bucket"] >= base_start) & (sb["bucket"] < start)]
        has_history = bool((sb["bucket"] < start).any())
        starts.append(start)
        ends.append(end)
        result["windows"][str(src)] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "has_baseline": has_history,
        }
        result["has_baseline"] = result["has_baseline"] or has_history
        if has_history:
            first = sb.groupby("event_id")["bucket"].min()
            for e, fb in first.items():
                if fb < start:
                    continue
                rows = cur[cur["event_id"] == e]
                result["new_templates"].append(
                    {
                        "event_id": f"E{int(e)}",
                        "template": text.get(int(e), ""),
                        "count": int(rows["count"].sum()),
                        "level": _most_severe(rows["level"]) if len(rows) else "",
                        "source": str(src),
                    }
                )
            cur_err = cur[cur["level"].isin(errs)].groupby("event_id")["count"].sum()
            base_err = base[base["level"].isin(errs)].groupby("event_id")["count"].sum()
            for e, c in cur_err.items():
                b = int(base_err.get(e, 0))
                mean = b / n_windows
                if c >= params.min_spike_count and c > params.spike_factor * max(mean, 1.0):
                    result["error_spikes"].append(
                        {
                            "event_id": f"E{int(e)}",
                            "template": text.get(int(e), ""),
                            "count": int(c),
                            "baseline_count": b,
                            "baseline_mean_per_window": round(mean, 3),
                            "factor": round(c / max(mean, 1.0), 2),
                            "source": str(src),
                        }
                    )
        total = int(cur["count"].sum())
        errors = int(cur[cur["level"].isin(errs)]["count"].sum())
        btotal = int(base["count"].sum())
        berr = int(base[base["level"].isin(errs)]["count"].sum())
        rate = errors / total if total else 0.0
        entry = {
            "source": str(src),
            "lines": total,
            "errors": errors,
            "error_rate": round(rate, 4),
            "baseline_lines": btotal,
            "baseline_error_rate": round(berr / btotal, 4) if btotal else None,
        }
        result["error_rates"].append(entry)
        if rate >= params.max_error_rate and errors >= params.min_spike_count:
            result["high_error_rate_sources"].append(entry)
    if starts:
        result["window_start"] = min(starts).isoformat()
        result["window_end"] = max(ends).isoformat()
    result["new_templates"].sort(key=lambda d: -d["count"])
    result["error_spikes"].sort(key=lambda d: -d["count"])
    return result


def templates_frame(templates: pd.DataFrame, detection: dict[str, Any]) -> pd.DataFrame:
    """The ``logs_templates`` asset value: one row per template with its error share."""
    df = templates.copy()
    new_ids = {d["event_id"] for d in detection.get("new_templates", [])}
    df["template_id"] = [f"E{int(e)}" for e in df["event_id"]]
    cnt = df["count"].astype("int64")
    df["error_share"] = (df["error_count"].astype("int64") / cnt.where(cnt > 0, 1)).round(4)
    df["is_new"] = df["template_id"].isin(new_ids)
    cols = [
        "template_id",
        "template",
        "count",
        "error_count",
        "error_share",
        "first_seen",
        "last_seen",
        "level",
        "sources",
        "is_new",
    ]
    return df[cols].sort_values("count", ascending=False, ignore_index=True)
