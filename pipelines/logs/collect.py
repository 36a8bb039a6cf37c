"""Collect new log records from every source into one DataFrame (no Dagster decorators).

Sources: files/globs (incremental, see ``ingest``) and Dagster's own logs (run event logs and
captured compute logs of finished runs). Output columns: ``timestamp`` (UTC), ``source``,
``level`` (canonical), ``component``, ``content``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from pipelines.logs.ingest import (
    DEFAULT_MAX_LINE_BYTES,
    Quarantined,
    expand_sources,
    read_new_lines,
)
from sentinel_brain.logs.formats import (
    CONTENT,
    LineParser,
    LogFormatError,
    detect_format,
    make_parser,
    normalize_level,
)

RECORD_COLUMNS = ["timestamp", "source", "level", "component", "content"]

_DT_FORMATS = (
    "%Y-%m-%d %H:%M:%S,%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%y%m%d %H%M%S",
    "%y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%a %b %d %H:%M:%S %Y",
    "%Y-%m-%d-%H.%M.%S.%f",
)


@dataclass
class Collected:
    frames: list[pd.DataFrame] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    truncated_lines: int = 0  # captured lines cut to max_line_bytes
    errors: list[str] = field(default_factory=list)
    per_source: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        frames = [f for f in self.frames if len(f)]
        if not frames:
            return pd.DataFrame(
                {
                    "timestamp": pd.Series(dtype="datetime64[ns, UTC]"),
                    **{c: pd.Series(dtype="object") for c in RECORD_COLUMNS[1:]},
                }
            )
        return pd.concat(frames, ignore_index=True)


def parse_timestamps(cols: dict[str, list[str]], n: int, fallback: datetime) -> pd.Series:
    """UTC timestamps from Timestamp / Date+Time / Time fields; unparsable ones inherit the
    previous line's time (continuation lines), else ``fallback``."""
    ts = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
    candidates: list[pd.Series] = []
    if "Timestamp" in cols:
        raw = pd.Series(cols["Timestamp"], dtype="object")
        num = pd.to_numeric(raw, errors="coerce")
        if num.notna().mean() > 0.5:
            unit = "ms" if num.dropna().median() > 1e11 else "s"
            candidates.append(pd.to_datetime(num, unit=unit, utc=True, errors="coerce"))
        else:
            candidates.append(pd.to_datetime(raw, utc=True, format="ISO8601", errors="coerce"))
    if "Date" in cols and "Time" in cols:
        candidates.append(
            pd.Series([f"{d} {t}" for d, t in zip(cols["Date"], cols["Time"], strict=True)])
        )
    elif "Time" in cols:
        candidates.append(pd.Series(cols["Time"], dtype="object"))
    for cand in candidates:
        if pd.api.types.is_datetime64_any_dtype(cand):
            parsed = cand
        else:
            sample = cand[cand.astype(bool)].head(50)
            best, best_ok = None, 0
            for fmt in _DT_FORMATS:
                try:
                    ok = pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()
                except (ValueError, TypeError):
                    continue
                if ok > best_ok:
                    best, best_ok = fmt, ok
            if best is None:
                continue
            parsed = pd.to_datetime(cand, format=best, errors="coerce", utc=True)
        ts = ts.fillna(parsed) if ts.notna().any() else parsed
        if ts.notna().all():
            break
    ts = ts.ffill().fillna(pd.Timestamp(fallback))
    return ts.astype("datetime64[ns, UTC]")


def records_frame(
    cols: dict[str, list[str]], source: str, n: int, fallback: datetime
) -> pd.DataFrame:
    level = [normalize_level(x) or "" for x in cols.get("Level", [""] * n)]
    return pd.DataFrame(
        {
            "timestamp": parse_timestamps(cols, n, fallback),
            "source": source,
            "level": level,
            "component": cols.get("Component", [""] * n),
            "content": cols[CONTENT],
        }
    )


def parse_lines(
    lines: Sequence[str], parser: LineParser, source: str
) -> tuple[dict[str, list[str]], list[Quarantined]]:
    """Parse lines; for JSON/logfmt sources unparsable lines are quarantined, for text
    formats they are kept whole as Content (continuation lines such as tracebacks)."""
    fields = parser.fields
    cols: dict[str, list[str]] = {f: [] for f in fields}
    bad: list[Quarantined] = []
    strict = parser.kind in ("json", "logfmt")
    for i, (ln, rec) in enumerate(zip(lines, parser.parse_many(lines), strict=True), 1):
        if rec is None:
            if strict:
                bad.append(Quarantined(source, f"malformed {parser.kind} line", ln, i, len(ln)))
                continue
            rec = {CONTENT: ln}
        for f in fields:
            cols[f].append(rec.get(f, "") or "")
    return cols, bad


def collect_files(
    specs: Sequence[tuple[str, str | None]],
    default_format: str,
    cursors: dict[str, Any],
    max_line_bytes: int,
    max_bytes: int,
    now: datetime | None = None,
) -> tuple[Collected, dict[str, Any]]:
    """Read what is new in every file source. Never raises for bad input."""
    now = now or datetime.now(UTC)
    out = Collected()
    new_cursors = dict(cursors)
    for pattern, fmt in specs:
        paths = expand_sources([pattern])
        if not paths:
            continue
        for path in paths:
            cur = cursors.get(path)
            batch = read_new_lines(path, cur, max_line_bytes=max_line_bytes, max_bytes=max_bytes)
            out.errors.extend(batch.errors)
            out.quarantined.extend(batch.quarantined)
            if batch.cursor is None:
                new_cursors.pop(path, None)  # vanished: start over if it comes back
                continue
            cursor = dict(batch.cursor)
            chosen = fmt or (default_format if default_format not in ("", "auto") else None)
            try:
                if chosen:
                    parser = make_parser(chosen)
                elif cur and cur.get("format") and not batch.reset:
                    parser = make_parser(str(cur["format"]))
                else:
                    parser = detect_format(batch.lines[:200])
            except LogFormatError as e:
                out.errors.append(f"{path}: {e}")
                parser = make_parser("raw")
            cursor["format"] = parser.header.spec if parser.header is not None else parser.kind
            new_cursors[path] = cursor
            out.formats[path] = parser.name
            if not batch.lines:
                continue
            cols, bad = parse_lines(batch.lines, parser, path)
            out.quarantined.extend(bad)
            n = len(cols[CONTENT])
            if n:
                out.frames.append(records_frame(cols, path, n, now))
                out.per_source[path] = out.per_source.get(path, 0) + n
    return out, new_cursors


# --- Dagster's own logs -------------------------------------------------------------------


def collect_dagster_logs(
    instance: Any,
    state: dict[str, Any],
    max_runs: int,
    exclude_run_id: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> tuple[Collected, dict[str, Any]]:
    """Event logs and captured compute logs of finished runs not read before.

    Captured lines longer than ``max_line_bytes`` are cut (counted in ``truncated_lines``):
    this runs under the state lock, so one huge line must not hold it for long."""
    from dagster import DagsterEventType, RunsFilter
    from dagster._core.storage.dagster_run import FINISHED_STATUSES

    out = Collected()
    done: list[str] = list(state.get("done_runs", []))
    done_set = set(done)
    after = state.get("updated_after")
    filters = RunsFilter(
        statuses=list(FINISHED_STATUSES),
        updated_after=datetime.fromisoformat(after) if after else None,
    )
    try:
        records = instance.get_run_records(
            filters=filters, limit=max_runs, order_by="update_timestamp", ascending=True
        )
    except Exception as e:  # noqa: BLE001 - a storage problem must not fail ingestion
        out.errors.append(f"dagster run storage: {e}")
        return out, state
    last = after
    for rr in records:
        run = rr.dagster_run
        last = rr.update_timestamp.isoformat()
        if run.run_id in done_set or run.run_id == exclude_run_id:
            continue
        try:
            _collect_run(instance, run, out, DagsterEventType, max_line_bytes)
        except Exception as e:  # noqa: BLE001
            out.errors.append(f"dagster run {run.run_id}: {e}")
        done.append(run.run_id)
        done_set.add(run.run_id)
    new_state = {"updated_after": last, "done_runs": done[-2000:]}
    return out, new_state


def capped_lines(raw: bytes, max_line_bytes: int) -> tuple[list[str], int]:
    """Non-blank decoded lines of captured output, each cut to ``max_line_bytes``; and how
    many were cut."""
    lines: list[str] = []
    cut = 0
    for piece in raw.split(b"\n"):
        if len(piece) > max_line_bytes:
            piece = piece[:max_line_bytes]
            cut += 1
        ln = piece.decode("utf-8", "replace").rstrip("\r")
        if ln.strip():
            lines.append(ln)
    return lines, cut


def _collect_run(
    instance: Any, run: Any, out: Collected, event_types: Any, max_line_bytes: int
) -> None:
    source = f"dagster:{run.job_name}"
    conn = instance.get_records_for_run(run.run_id)
    rows: dict[str, list[Any]] = {c: [] for c in RECORD_COLUMNS}
    captured: list[tuple[str, float]] = []
    for rec in conn.records:
        entry = rec.event_log_entry
        ev = entry.dagster_event
        msg = entry.user_message or (ev.message if ev is not None and ev.message else "")
        if ev is not None and ev.event_type_value == event_types.LOGS_CAPTURED.value:
            try:
                captured.append((ev.logs_captured_data.file_key, entry.timestamp))
            except Exception:  # noqa: BLE001
                pass
        if not msg:
            continue
        if len(msg) > max_line_bytes:
            msg = msg[:max_line_bytes]
            out.truncated_lines += 1
        lvl = normalize_level(entry.level) or ""
        if ev is not None and ev.is_failure:
            lvl = "ERROR"
        rows["timestamp"].append(pd.Timestamp(entry.timestamp, unit="s", tz="UTC"))
        rows["source"].append(source)
        rows["level"].append(lvl)
        rows["component"].append(entry.step_key or run.job_name)
        rows["content"].append(msg)
    if rows["content"]:
        df = pd.DataFrame(rows)
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
        out.frames.append(df)
        out.per_source[source] = out.per_source.get(source, 0) + len(df)
    manager = getattr(instance, "compute_log_manager", None)
    if manager is None:
        return
    for file_key, ts in captured:
        data = manager.get_log_data([run.run_id, "compute_logs", file_key])
        for stream, raw in (("stdout", data.stdout), ("stderr", data.stderr)):
            if not raw:
                continue
            lines, cut = capped_lines(raw, max_line_bytes)
            out.truncated_lines += cut
            if not lines:
                continue
            parser = detect_format(lines[:200])
            cols, bad = parse_lines(lines, parser, f"{source}/{file_key}.{stream}")
            out.quarantined.extend(bad)
            n = len(cols[CONTENT])
            if not n:
                continue
            src = f"dagster-compute:{run.job_name}"
            df = records_frame(cols, src, n, datetime.fromtimestamp(ts, UTC))
            out.frames.append(df)
            out.per_source[src] = out.per_source.get(src, 0) + n
