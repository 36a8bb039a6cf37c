"""Dagster assets: ingest logs, mine templates, detect anomalies.

* ``logs_parsed_lines``: new lines from every source since the last run (timestamp, source,
  level, component, template id, template, content). Quarantined lines go to a file.
* ``logs_templates``: every template with count, first/last seen, error share, ``is_new``;
  updates the persisted statistics and runs detection (stored for the asset checks).
"""

from pathlib import Path
from typing import Any

import pandas as pd
from dagster import AssetExecutionContext, MetadataValue, Output, asset

from pipelines.logs.collect import RECORD_COLUMNS, Collected, collect_dagster_logs, collect_files
from pipelines.logs.ingest import load_json, save_json, state_lock, write_quarantine
from pipelines.logs.resources import LogSourcesResource, LogStateResource
from sentinel_brain.logs.detection import (
    DetectionParams,
    detect,
    load_buckets,
    load_templates,
    save_stats,
    templates_frame,
    update_stats,
)
from sentinel_brain.logs.miner import TemplateEngine
from sentinel_brain.redact import redact

GROUP = "sentinel_logs"
LINE_COLUMNS = ["timestamp", "source", "level", "component", "template_id", "template", "content"]
PREVIEW_ROWS = 10


def detection_params(state: LogStateResource) -> DetectionParams:
    return DetectionParams(
        bucket_minutes=state.bucket_minutes,
        window_minutes=state.window_minutes,
        baseline_minutes=state.baseline_minutes,
        spike_factor=state.spike_factor,
        min_spike_count=state.min_spike_count,
        max_error_rate=state.max_error_rate,
        retention_days=state.retention_days,
        top=state.top_templates,
    )


def _md_table(df: pd.DataFrame, limit: int = PREVIEW_ROWS, width: int = 120) -> str:
    if not len(df):
        return "_no rows_"
    head = df.head(limit)
    cols = list(head.columns)

    def cell(v: Any) -> str:
        s = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        s = s.replace("|", "\\|").replace("\n", " ")
        return s if len(s) <= width else s[: width - 1] + "…"

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in head.itertuples(index=False)
    ]
    return "\n".join(lines)


def ingest_and_mine(
    sources: LogSourcesResource,
    state: LogStateResource,
    instance: Any,
    run_id: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The body of ``logs_parsed_lines``: collect, mine, persist cursors and miner state."""
    sdir = state.resolved_state_dir()
    cursors_path = sdir / "cursors.json"
    saved = load_json(cursors_path, {})
    saved = saved if isinstance(saved, dict) else {}
    file_cursors = saved.get("files", {}) if isinstance(saved.get("files"), dict) else {}
    collected, new_file_cursors = collect_files(
        sources.source_specs(),
        sources.log_format,
        file_cursors,
        max_line_bytes=sources.max_line_bytes,
        max_bytes=max(sources.max_bytes_per_file, 4 * sources.max_line_bytes),
    )
    dagster_state = saved.get("dagster", {}) if isinstance(saved.get("dagster"), dict) else {}
    if sources.include_dagster_logs and instance is not None:
        dcol, dagster_state = collect_dagster_logs(
            instance,
            dagster_state,
            sources.max_dagster_runs,
            exclude_run_id=run_id,
            max_line_bytes=sources.max_line_bytes,
        )
        _merge(collected, dcol)
    lines = collected.frame()
    if len(lines):
        # everything stored or shown (templates, previews, evidence) is redacted first
        lines["content"] = _redact_all(lines["content"].tolist())
    engine = TemplateEngine(sdir / "miner")
    if len(lines):
        cids = engine.add(lines["content"].tolist())
        engine.finalize()
        events = [engine.event_id(c) for c in cids]
        texts = engine.templates()
        lines["event_id"] = pd.Series(events, dtype="int64")
        lines["template_id"] = [f"E{e}" for e in events]
        lines["template"] = [texts.get(e, "") for e in events]
    else:
        lines["event_id"] = pd.Series(dtype="int64")
        lines["template_id"] = pd.Series(dtype="object")
        lines["template"] = pd.Series(dtype="object")
    engine.save()
    qfile = write_quarantine(sdir / "quarantine", collected.quarantined, run_id)
    save_json(cursors_path, {"files": new_file_cursors, "dagster": dagster_state})
    info = {
        "collected": collected,
        "quarantine_file": str(qfile) if qfile else None,
        "state_dir": str(sdir),
        "templates_total": len(engine.templates()),
        "state_issues": engine.state_issues,
    }
    return lines, info


def _redact_all(contents: list[str]) -> list[str]:
    """``sentinel_brain.redact.redact`` on each line, each distinct line once."""
    done: dict[str, str] = {}
    out = []
    for c in contents:
        r = done.get(c)
        if r is None:
            r = done[c] = redact(c)
        out.append(r)
    return out


def _merge(into: Collected, other: Collected) -> None:
    into.frames.extend(other.frames)
    into.quarantined.extend(other.quarantined)
    into.errors.extend(other.errors)
    into.truncated_lines += other.truncated_lines
    for k, v in other.per_source.items():
        into.per_source[k] = into.per_source.get(k, 0) + v


def _lines_metadata(lines: pd.DataFrame, info: dict[str, Any]) -> dict[str, Any]:
    col: Collected = info["collected"]
    q = col.quarantined
    by_reason: dict[str, int] = {}
    for item in q:
        key = item.reason.split(" (")[0].split(" at byte")[0]
        by_reason[key] = by_reason.get(key, 0) + 1
    qsample = pd.DataFrame(
        [
            {
                "source": Path(x.source).name,
                "line": x.line_no,
                "reason": x.reason,
                "sample": x.sample[:80],
            }
            for x in q[:5]
        ]
    )
    n_err = int(lines["level"].isin(["ERROR", "CRITICAL"]).sum()) if len(lines) else 0
    md: dict[str, Any] = {
        "dagster/row_count": MetadataValue.int(len(lines)),
        "error_lines": MetadataValue.int(n_err),
        "templates_in_batch": MetadataValue.int(
            int(lines["template_id"].nunique()) if len(lines) else 0
        ),
        "templates_total": MetadataValue.int(int(info["templates_total"])),
        "quarantined_count": MetadataValue.int(len(q)),
        "truncated_lines": MetadataValue.int(col.truncated_lines),
        "state_issues": MetadataValue.json(info.get("state_issues", [])),
        "quarantined_by_reason": MetadataValue.json(by_reason),
        "quarantine_sample": MetadataValue.md(_md_table(qsample) if len(q) else "_none_"),
        "read_errors": MetadataValue.json(col.errors[:20]),
        "lines_per_source": MetadataValue.json(col.per_source),
        "formats": MetadataValue.json(col.formats),
        "state_dir": MetadataValue.path(info["state_dir"]),
        "preview": MetadataValue.md(
            _md_table(lines[["timestamp", "source", "level", "template_id", "content"]])
            if len(lines)
            else "_no new lines_"
        ),
    }
    if info.get("quarantine_file"):
        md["quarantine_file"] = MetadataValue.path(info["quarantine_file"])
    return md


@asset(
    group_name=GROUP,
    description=(
        "New log lines from the configured sources (files/globs, JSON lines, logfmt, .gz, "
        "Dagster's own run and compute logs), parsed and mined into templates (drain3)."
    ),
    kinds={"pandas"},
)
def logs_parsed_lines(
    context: AssetExecutionContext,
    logs_sources: LogSourcesResource,
    logs_state: LogStateResource,
) -> Output[pd.DataFrame]:
    with state_lock(logs_state.resolved_state_dir()):
        lines, info = ingest_and_mine(logs_sources, logs_state, context.instance, context.run_id)
    out = lines[[c for c in LINE_COLUMNS if c in lines.columns] + ["event_id"]]
    for e in info["collected"].errors[:20]:
        context.log.warning(f"log ingestion: {e}")
    for issue in info["state_issues"]:
        context.log.warning(f"log template state: {issue}")
    return Output(out, metadata=_lines_metadata(out, info))


def templates_and_detection(
    lines: pd.DataFrame, state: LogStateResource
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The body of ``logs_templates``: fold the batch into the stats, detect, persist."""
    sdir = state.resolved_state_dir()
    params = detection_params(state)
    templates = load_templates(sdir)
    buckets = load_buckets(sdir)
    text = {}
    if len(lines):
        text = dict(zip(lines["event_id"].astype("int64"), lines["template"], strict=True))
    batch = lines[[c for c in RECORD_COLUMNS if c in lines.columns] + ["event_id"]]
    templates, buckets = update_stats(templates, buckets, batch, text, params)
    sources = set(lines["source"].astype(str)) if len(lines) else set()
    detection = detect(templates, buckets, params, batch_lines=len(lines), batch_sources=sources)
    save_stats(sdir, templates, buckets)
    save_json(sdir / "detection.json", detection)
    return templates_frame(templates, detection), detection


@asset(
    group_name=GROUP,
    description=(
        "Every mined log template with count, first/last seen, error share and is_new; "
        "runs detection (new templates, error spikes, error rate per source)."
    ),
    kinds={"pandas"},
)
def logs_templates(
    context: AssetExecutionContext,
    logs_parsed_lines: pd.DataFrame,
    logs_state: LogStateResource,
) -> Output[pd.DataFrame]:
    with state_lock(logs_state.resolved_state_dir()):
        frame, detection = templates_and_detection(logs_parsed_lines, logs_state)
    top = frame[frame["error_count"] > 0].head(PREVIEW_ROWS)
    md = {
        "dagster/row_count": MetadataValue.int(len(frame)),
        "batch_lines": MetadataValue.int(int(detection["batch_lines"])),
        "new_templates": MetadataValue.int(len(detection["new_templates"])),
        "error_spikes": MetadataValue.int(len(detection["error_spikes"])),
        "high_error_rate_sources": MetadataValue.int(len(detection["high_error_rate_sources"])),
        "window": MetadataValue.text(f"{detection['window_start']} .. {detection['window_end']}"),
        "top_templates": MetadataValue.md(
            _md_table(frame[["template_id", "count", "error_share", "is_new", "template"]])
        ),
        "top_error_templates": MetadataValue.md(
            _md_table(top[["template_id", "count", "error_count", "template"]])
        ),
    }
    context.log.info(
        f"log detection: {len(detection['new_templates'])} new templates, "
        f"{len(detection['error_spikes'])} error spikes"
    )
    return Output(frame, metadata=md)
