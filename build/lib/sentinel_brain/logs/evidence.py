"""Top log templates of a time window, as the brain's evidence
(``sentinel_brain.models.LogTemplate``).

Pure function over the persisted state (``templates.csv`` and ``buckets.csv`` under the logs
state dir), so the brain can call it for any failure without Dagster.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pandas as pd

from sentinel_brain.logs.detection import load_buckets, load_templates
from sentinel_brain.logs.formats import ERROR_LEVELS
from sentinel_brain.models import LogTemplate


def _utc(ts: datetime | str | pd.Timestamp) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def top_log_templates(
    start: datetime | str | pd.Timestamp,
    end: datetime | str | pd.Timestamp,
    *,
    state_dir: str | os.PathLike[str],
    limit: int = 10,
    source: str | None = None,
    bucket_minutes: int = 1,
) -> list[LogTemplate]:
    """Error-level and never-seen-before templates with lines in ``[start, end)`` (log time).

    ``count`` is the number of lines in the window; ``is_new`` means first seen in the window;
    ``source`` is the source with most of those lines. Ordered: error templates first, then new
    ones, by count. Returns ``[]`` when there is no state yet. Naive datetimes are UTC.
    ``state_dir`` is the logs state directory (the caller resolves it; no environment reads).
    """
    sdir = Path(state_dir)
    if not (sdir / "buckets.csv").exists():
        return []
    t0, t1 = _utc(start), _utc(end)
    buckets = load_buckets(sdir)
    templates = load_templates(sdir)
    # a bucket [b, b + bucket_minutes) counts when it overlaps the window
    lo = t0 - pd.Timedelta(minutes=bucket_minutes)
    win = buckets[(buckets["bucket"] > lo) & (buckets["bucket"] < t1)]
    if source is not None:
        win = win[win["source"] == source]
    if not len(win):
        return []
    info = templates.set_index("event_id") if len(templates) else None
    out: list[tuple[tuple[int, int, int], LogTemplate]] = []
    for ev, rows in win.groupby("event_id"):
        ev = int(ev)
        is_err = bool(rows["level"].isin(list(ERROR_LEVELS)).any())
        first = info.loc[ev, "first_seen"] if info is not None and ev in info.index else None
        is_new = bool(first is not None and pd.notna(first) and first >= t0)
        if not (is_err or is_new):
            continue
        count = int(rows["count"].sum())
        by_src = rows.groupby("source")["count"].sum()
        lv_rows = rows[rows["level"].isin(list(ERROR_LEVELS))] if is_err else rows
        level = str(lv_rows.groupby("level")["count"].sum().idxmax()) or None
        text = str(info.loc[ev, "template"]) if info is not None and ev in info.index else ""
        lt = LogTemplate(
            template=text,
            count=count,
            level=level or None,
            source=str(by_src.idxmax()),
            is_new=is_new,
        )
        out.append(((0 if is_err else 1, 0 if is_new else 1, -count), lt))
    out.sort(key=lambda x: x[0])
    return [lt for _, lt in out[:limit]]
