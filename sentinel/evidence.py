"""Gather a failure's evidence from Dagster into the brain's plain `Evidence`.

Two entry points: `from_hook` (inside the failing run, with the live exception) and
`from_run` (afterwards, from the instance's event log: STEP_FAILURE errors, whose
`error.cause` holds the user exception, RUN_FAILURE, and LOGS_CAPTURED compute logs).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from dagster import DagsterEventType, DagsterInstance, DagsterRun, EventLogEntry
from dagster._utils.error import SerializableErrorInfo

from brain.evidence import (
    exceptions_from_live,
    failing_user_frame,
    parse_exceptions,
    source_context,
)
from brain.fingerprint import fingerprint
from brain.models import Evidence, ExceptionInfo, UpstreamAsset
from sentinel.incidents import Failure
from sentinel.settings import dagster_home

LOG_TAIL_BYTES = 16_000
MAX_EVENTS = 40
MAX_TEXT = 200_000


def _tail(data: bytes | None, limit: int = LOG_TAIL_BYTES) -> str:
    if not data:
        return ""
    text = data[-limit:].decode("utf-8", errors="replace")
    return text if len(data) <= limit else "…" + text


def error_chain(error: SerializableErrorInfo) -> list[ExceptionInfo]:
    """Dagster's serialised error (surface first, cause/context links) → root-first chain."""
    text = error.to_string()
    infos = parse_exceptions(text)
    if infos:
        return infos
    return [ExceptionInfo(type=error.cls_name or "Error", message=error.message.strip())]


def _event_line(entry: EventLogEntry) -> str:
    ev = entry.dagster_event
    kind = ev.event_type_value if ev else "LOG"
    step = f" {entry.step_key}" if entry.step_key else ""
    msg = (entry.user_message or (ev.message if ev else "") or "").strip().splitlines()
    first = msg[0][:300] if msg else ""
    return f"{entry.level if isinstance(entry.level, str) else ''}{kind}{step}: {first}".strip()


def captured_logs(
    instance: DagsterInstance, records: Iterable[EventLogEntry], step_key: str | None = None
) -> str:
    """The tail of the captured stdout/stderr of a step (or of every step) of a run."""
    parts: list[str] = []
    for entry in records:
        ev = entry.dagster_event
        if ev is None or ev.event_type != DagsterEventType.LOGS_CAPTURED:
            continue
        data = ev.logs_captured_data
        if step_key is not None and data.step_keys and step_key not in data.step_keys:
            continue
        log_key = instance.compute_log_manager.build_log_key_for_run(entry.run_id, data.file_key)
        try:
            logs = instance.compute_log_manager.get_log_data(log_key)
        except (OSError, ValueError) as e:
            parts.append(f"[captured logs unreadable: {e}]")
            continue
        out, err = _tail(logs.stdout), _tail(logs.stderr)
        if out.strip():
            parts.append(f"--- stdout ({', '.join(data.step_keys or [])}) ---\n{out}")
        if err.strip():
            parts.append(f"--- stderr ({', '.join(data.step_keys or [])}) ---\n{err}")
    return "\n".join(parts)[-2 * LOG_TAIL_BYTES :]


def _upstream(instance: DagsterInstance, asset_keys: Sequence[dg.AssetKey]) -> list[UpstreamAsset]:
    out: list[UpstreamAsset] = []
    for key in asset_keys[:10]:
        event = instance.get_latest_materialization_event(key)
        if event is None or event.asset_materialization is None:
            out.append(
                UpstreamAsset(asset_key=key.to_user_string(), metadata={"materialized": False})
            )
            continue
        meta: dict[str, Any] = {}
        for name, value in event.asset_materialization.metadata.items():
            raw = getattr(value, "value", value)
            if isinstance(raw, (str, int, float, bool)) or raw is None:
                meta[name] = raw if not isinstance(raw, str) else raw[:500]
            elif hasattr(raw, "columns"):  # TableSchema
                meta[name] = [c.name for c in raw.columns]
        out.append(
            UpstreamAsset(asset_key=key.to_user_string(), metadata=meta, timestamp=event.timestamp)
        )
    return out


def _previous_success(instance: DagsterInstance, run: DagsterRun) -> dict[str, Any] | None:
    records = instance.get_run_records(
        dg.RunsFilter(job_name=run.job_name, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
    )
    if not records:
        return None
    rec = records[0]
    prev = rec.dagster_run
    diff = sorted(
        k
        for k in set(prev.run_config) | set(run.run_config)
        if prev.run_config.get(k) != run.run_config.get(k)
    )
    return {
        "run_id": prev.run_id,
        "end_time": rec.end_time,
        "duration_s": (rec.end_time - rec.start_time) if rec.end_time and rec.start_time else None,
        "config_keys_changed": diff,
    }


LOG_WINDOW_S = 3600.0


def add_log_templates(evidence: Evidence, at: float) -> None:
    """Error and never-seen templates of the ingested logs in the hour before the failure.

    Only when the log assets have built their state (`$DAGSTER_HOME/sentinel/logs`): the
    log engine (and pandas) are imported only then.
    """
    state = dagster_home() / "sentinel" / "logs"
    if not (state / "buckets.csv").exists():
        return
    from brain.logs.evidence import top_log_templates

    start = datetime.fromtimestamp(at - LOG_WINDOW_S, tz=UTC)
    end = datetime.fromtimestamp(at + 60, tz=UTC)
    try:
        evidence.log_templates = top_log_templates(start, end, state_dir=state, limit=10)
    except (OSError, ValueError, KeyError) as e:
        evidence.events.append(f"[log templates unavailable: {type(e).__name__}: {e}]")


def _finish(evidence: Evidence) -> Evidence:
    add_log_templates(evidence, time.time())
    if evidence.source is None:
        evidence.source = source_context(failing_user_frame(evidence.exceptions))
    evidence.text = evidence.text[-MAX_TEXT:]
    return evidence


def _asset_facts(context: dg.HookContext, evidence: Evidence) -> None:
    """Asset, owners, group, upstream materializations and blast radius of the failing step.

    Reads the job's asset layer through the hook's step context (not public API: when it
    is missing or changes, the evidence simply goes without these facts).
    """
    step_context = getattr(context, "_step_execution_context", None)
    try:
        layer = step_context.job_def.asset_layer  # type: ignore[union-attr]
        keys = sorted(
            (
                k
                for k in layer.get_selected_entity_keys_for_node(step_context.step.node_handle)  # type: ignore[union-attr]
                if isinstance(k, dg.AssetKey)
            ),
            key=lambda k: k.to_user_string(),
        )
        if not keys:
            return
        graph = layer.asset_graph
        nodes = [graph.get(k) for k in keys]
    except (AttributeError, KeyError, TypeError, ValueError):
        return
    evidence.asset = (
        keys[0].to_user_string() if len(keys) == 1 else ", ".join(k.to_user_string() for k in keys)
    )
    evidence.owners = sorted({o for n in nodes for o in (n.owners or [])})
    groups = {n.group_name for n in nodes if n.group_name}
    evidence.group = groups.pop() if len(groups) == 1 else None
    parents = sorted(
        {p for n in nodes for p in n.parent_keys} - set(keys), key=lambda k: k.to_user_string()
    )
    evidence.upstream = _upstream(context.instance, parents)
    seen: set[dg.AssetKey] = set(keys)
    frontier = [c for n in nodes for c in n.child_keys]
    while frontier and len(seen) < 500:
        key = frontier.pop()
        if key in seen or not graph.has(key):
            continue
        seen.add(key)
        frontier.extend(graph.get(key).child_keys)
    evidence.blast_radius = sorted(k.to_user_string() for k in seen - set(keys))


def from_hook(context: dg.HookContext) -> Evidence:
    """Evidence inside the failing process: the live exception and the step's output so far."""
    instance = context.instance
    run = instance.get_run_by_id(context.run_id)
    exc = context.op_exception
    exceptions = exceptions_from_live(exc) if exc is not None else []
    text = "".join(traceback.format_exception(exc)) if exc is not None else ""
    records = list(instance.all_logs(context.run_id))
    evidence = Evidence(
        text=text,
        exceptions=exceptions,
        logs=captured_logs(instance, records, context.step_key),
        events=[_event_line(r) for r in records[-MAX_EVENTS:]],
        job=context.job_name,
        step=context.step_key,
        run_id=context.run_id,
    )
    if run is not None:
        _add_run_facts(instance, run, evidence)
    _asset_facts(context, evidence)
    return _finish(evidence)


def from_run(instance: DagsterInstance, run: DagsterRun) -> Evidence:
    """Evidence of a finished failed run, read back from the event log."""
    records = list(instance.all_logs(run.run_id))
    texts: list[str] = []
    exceptions: list[ExceptionInfo] = []
    step: str | None = None
    for entry in records:
        ev = entry.dagster_event
        if ev is None:
            continue
        error: SerializableErrorInfo | None = None
        if ev.event_type == DagsterEventType.STEP_FAILURE:
            error = ev.step_failure_data.error
            step = step or entry.step_key
        elif ev.event_type == DagsterEventType.RUN_FAILURE:
            data = ev.event_specific_data
            error = getattr(data, "error", None)
            if error is None and ev.message:
                texts.append(ev.message)
        elif ev.event_type in (DagsterEventType.ENGINE_EVENT, DagsterEventType.RUN_CANCELED):
            error = getattr(ev.event_specific_data, "error", None)
        if error is not None:
            texts.append(error.to_string())
            if not exceptions:  # the first failure is the one that matters
                exceptions = error_chain(error)
    evidence = Evidence(
        text="\n\n".join(texts),
        exceptions=exceptions,
        logs=captured_logs(instance, records, step),
        events=[_event_line(r) for r in records[-MAX_EVENTS:]],
        job=run.job_name,
        step=step,
        run_id=run.run_id,
    )
    _add_run_facts(instance, run, evidence)
    return _finish(evidence)


def _add_run_facts(instance: DagsterInstance, run: DagsterRun, evidence: Evidence) -> None:
    evidence.run_config = dict(run.run_config or {})
    evidence.tags = {k: str(v) for k, v in (run.tags or {}).items()}
    origin = run.remote_job_origin
    if origin is not None:
        evidence.location = origin.location_name
    evidence.previous_success = _previous_success(instance, run)
    if run.asset_selection:
        keys = sorted(run.asset_selection, key=lambda k: k.to_user_string())
        evidence.asset = keys[0].to_user_string() if len(keys) == 1 else None


def failure_of(evidence: Evidence, source: str) -> Failure:
    """What the incident store needs: the fingerprint and where it happened."""
    root = evidence.root
    target = evidence.job or evidence.asset
    fp = fingerprint(
        target=target,
        step=evidence.step,
        error_type=root.type if root else evidence.kind,
        message=root.message if root else evidence.text[:300],
    )
    title = (
        f"{root.type.rsplit('.', 1)[-1]} in {evidence.step or target}" if root else evidence.kind
    )
    return Failure(
        fingerprint=fp,
        kind=evidence.kind,
        target=target,
        job=evidence.job,
        step=evidence.step,
        location=evidence.location,
        asset=evidence.asset,
        group=evidence.group,
        owners=",".join(evidence.owners) or None,
        title=title,
        error_type=root.type if root else None,
        run_id=evidence.run_id,
        source=source,  # type: ignore[arg-type]
    )
