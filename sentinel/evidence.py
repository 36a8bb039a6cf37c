"""Gather a failure's evidence from Dagster into the brain's plain `Evidence`.

Two entry points: `from_hook` (inside the failing run, with the live exception) and
`from_run` (afterwards, from the instance's event log). `read_failure` finds the failure
wherever it happened, not only in a step's code: STEP_FAILURE errors (whose `error.cause`
holds the user exception), RESOURCE_INIT_FAILURE, engine events (a step process or run
worker that exited, an external Pipes process's exception, a launch that failed) and
RUN_FAILURE; `Evidence.phase` says which. LOGS_CAPTURED compute logs give the output of
the step and of its subprocesses (dbt, shell, Pipes), without Dagster's own records.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterInvariantViolationError,
    DagsterRun,
    EventLogEntry,
)
from dagster_shared.error import SerializableErrorInfo
from pydantic import BaseModel, Field

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.incidents import Failure, FailureSource
from sentinel_brain.changes import config_changes
from sentinel_brain.evidence import (
    exceptions_from_live,
    failing_user_frame,
    parse_exceptions,
    source_context,
)
from sentinel_brain.fingerprint import fingerprint
from sentinel_brain.models import Evidence, ExceptionInfo, Kind, PreviousSuccess, UpstreamAsset
from sentinel_brain.paths import shorten_model_paths

LOG_TAIL_BYTES = 16_000
MAX_EVENTS = 40
MAX_TEXT = 200_000

# Events whose error (or message) is the failure itself.
_FAILURE_TYPES = frozenset(
    {
        DagsterEventType.STEP_FAILURE,
        DagsterEventType.RUN_FAILURE,
        DagsterEventType.RESOURCE_INIT_FAILURE,
        DagsterEventType.RUN_CANCELED,
        DagsterEventType.ENGINE_EVENT,
    }
)
# Dagster's own wording: `DagsterResourceFunctionError` names the resource that failed.
_RESOURCE_NAME = re.compile(r"on ResourceDefinition (\S+)")
_RESOURCE_LIST = re.compile(r"resources \[([^\]]*)\]")
# The engine explains a run failed from outside (a lost worker) in the last few engine events.
_ENGINE_CONTEXT = 5
# A sentence end: a dot followed by white space (not the dot of "code 137." at the end).
_SENTENCE_END = re.compile(r"(?<=\.)\s+")


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


def event_lines(records: Sequence[EventLogEntry], limit: int = MAX_EVENTS) -> list[str]:
    """The run's last events, plus its failure, engine and warning events even when older.

    A long run buries the engine event that says a process died under later events; the
    events that explain a failure are kept whatever their age.
    """
    n = len(records)
    keep = set(range(max(0, n - limit), n))
    explaining = [
        i
        for i, entry in enumerate(records)
        if (entry.dagster_event is not None and entry.dagster_event.event_type in _FAILURE_TYPES)
        or (isinstance(entry.level, int) and entry.level >= logging.WARNING)
    ]
    keep.update(explaining[-limit:])
    return [_event_line(records[i]) for i in sorted(keep)]


# A record of Dagster's own console logger, as it lands in a step's captured stderr.
_DAGSTER_RECORD = re.compile(
    r"^(?:\x1b\[[\d;]*m)?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*(?: [+-]\d{4})?(?:\x1b\[[\d;]*m)?"
    r" - dagster - (?:\x1b\[[\d;]*m)?(?P<level>[A-Z]+)"
)
# Lines of the error Dagster prints under an ERROR record: already in the evidence text.
_ERROR_DUMP_LINE = re.compile(
    r"^(?:$|\s|Stack Trace:|The above exception|"
    r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning|Failure)\w*(?::|$)|"
    r"(?:[a-z_]\w*\.)+[A-Z]\w*(?::|$))"
)


def strip_dagster_records(text: str, run_id: str) -> str:
    """Captured output without Dagster's own log records of this run.

    Dagster logs every event of a step to the step's stderr; those records (and the error
    printed under an ERROR record) are already in the events and the failure text, and in
    the captured tail they would crowd out what the step's code and its subprocesses wrote.
    """
    out: list[str] = []
    in_dump = False
    for line in text.splitlines(keepends=True):
        m = _DAGSTER_RECORD.match(line)
        if m and f" - {run_id} - " in line:
            in_dump = m.group("level") in ("ERROR", "CRITICAL")
            continue
        if in_dump and _ERROR_DUMP_LINE.match(line):
            continue
        in_dump = False
        out.append(line)
    return "".join(out)


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
        parts.extend(_output_parts(logs.stdout, logs.stderr, entry.run_id, data.step_keys or []))
    return "\n".join(parts)[-2 * LOG_TAIL_BYTES :]


def _output_parts(
    stdout: bytes | None, stderr: bytes | None, run_id: str, steps: Sequence[str]
) -> list[str]:
    parts: list[str] = []
    # Strip Dagster's records from a wider tail first, so they take no room in the kept one.
    out, err = (
        _tail(strip_dagster_records(_tail(raw, 4 * LOG_TAIL_BYTES), run_id).encode())
        for raw in (stdout, stderr)
    )
    if out.strip():
        parts.append(f"--- stdout ({', '.join(steps)}) ---\n{out}")
    if err.strip():
        parts.append(f"--- stderr ({', '.join(steps)}) ---\n{err}")
    return parts


def live_captured_logs(run_id: str, step_key: str | None) -> str:
    """The step's output so far, read from the capture this process is writing right now.

    A step executed by a remote worker (the Celery executor, a step launcher) hands its
    LOGS_CAPTURED event to the run only when its task returns, so inside the failure hook
    the event log has no capture to read yet. Dagster's compute log manager points this
    process's stdout and stderr at the run's capture files while the step runs (and its
    hooks fire): read their tails. Only files whose path names the run are read (Linux's
    /proc/self/fd), never a process's own console or log file.
    """
    raw: list[bytes | None] = []
    for default_fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        fds = [default_fd]
        try:
            stream.flush()
            fd = stream.fileno()  # a test runner or a worker may have swapped the stream
            if isinstance(fd, int) and fd != default_fd:
                fds.insert(0, fd)
        except (OSError, ValueError, AttributeError):
            pass
        raw.append(next((tail for fd in fds if (tail := _capture_tail(fd, run_id))), None))
    if raw == [None, None]:
        return ""
    return "\n".join(_output_parts(raw[0], raw[1], run_id, [step_key] if step_key else []))


def _capture_tail(fd: int, run_id: str) -> bytes | None:
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
        if run_id not in path or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - 4 * LOG_TAIL_BYTES))
            return f.read()
    except OSError:
        return None


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


def _previous_success(instance: DagsterInstance, run: DagsterRun) -> PreviousSuccess | None:
    """The job's last successful run and what changed in the run config since (redacted)."""
    records = instance.get_run_records(
        dg.RunsFilter(job_name=run.job_name, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=1
    )
    if not records:
        return None
    rec = records[0]
    prev = rec.dagster_run
    return PreviousSuccess(
        run_id=prev.run_id,
        end_time=rec.end_time,
        duration_s=(rec.end_time - rec.start_time) if rec.end_time and rec.start_time else None,
        config_changes=config_changes(prev.run_config or {}, run.run_config or {}),
    )


LOG_WINDOW_S = 3600.0


def add_log_templates(evidence: Evidence, at: float, state_dir: Path | None = None) -> None:
    """Error and never-seen templates of the ingested logs in the hour before the failure.

    Only when the log assets have built their state (`$DAGSTER_HOME/sentinel/logs`): the
    log engine (and pandas) are imported only then.
    """
    state = (state_dir or SentinelConfig.from_env().state_path) / "logs"
    if not (state / "buckets.csv").exists():
        return
    from sentinel_brain.logs.evidence import top_log_templates

    start = datetime.fromtimestamp(at - LOG_WINDOW_S, tz=UTC)
    end = datetime.fromtimestamp(at + 60, tz=UTC)
    try:
        evidence.log_templates = top_log_templates(start, end, state_dir=state, limit=10)
    except (OSError, ValueError, KeyError) as e:
        evidence.events.append(f"[log templates unavailable: {type(e).__name__}: {e}]")


def _finish(
    evidence: Evidence, roots: Sequence[str] = (), state_dir: Path | None = None
) -> Evidence:
    add_log_templates(evidence, time.time(), state_dir)
    if evidence.source is None:
        evidence.source = source_context(failing_user_frame(evidence.exceptions))
    evidence.text = evidence.text[-MAX_TEXT:]
    # Source lines are read: from here on, paths are shown the way the reader knows them.
    return shorten_model_paths(evidence, [*roots, os.getcwd()])


def working_directory(run: DagsterRun) -> list[str]:
    """The run's code location working directory, when its origin records one.

    A location served by its own gRPC server (production) does not know its loadable target
    (Dagster raises rather than return None); the run's code pointer still records where the
    code server loaded it from.
    """
    candidates: list[object] = []
    code_origin = run.job_code_origin
    if code_origin is not None:
        candidates.append(
            getattr(code_origin.repository_origin.code_pointer, "working_directory", None)
        )
    origin = run.remote_job_origin
    if origin is not None:
        try:
            target = origin.repository_origin.code_location_origin.loadable_target_origin
        except (DagsterInvariantViolationError, AttributeError):
            target = None
        candidates.append(getattr(target, "working_directory", None))
    return next(([d] for d in candidates if isinstance(d, str) and d), [])


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


def _step_engine_errors(
    records: Sequence[EventLogEntry], step_key: str | None
) -> list[tuple[str, SerializableErrorInfo]]:
    """The errors the engine reported on a step (message, error), in order."""
    out: list[tuple[str, SerializableErrorInfo]] = []
    for entry in records:
        ev = entry.dagster_event
        if ev is None or ev.event_type != DagsterEventType.ENGINE_EVENT:
            continue
        error = getattr(ev.event_specific_data, "error", None)
        if entry.step_key == step_key and error is not None:
            out.append((_message(entry), error))
    return out


def from_hook(context: dg.HookContext, state_dir: Path | None = None) -> Evidence:
    """Evidence inside the failing process: the live exception and the step's output so far.

    `state_dir` is Sentinel's state directory; by default, from the environment."""
    instance = context.instance
    run = instance.get_run_by_id(context.run_id)
    exc = context.op_exception
    exceptions = exceptions_from_live(exc) if exc is not None else []
    texts = ["".join(traceback.format_exception(exc))] if exc is not None else []
    records = list(instance.all_logs(context.run_id))
    engine = _step_engine_errors(records, context.step_key)
    if engine:
        # The engine's error on the step (an external Pipes process's own exception) is the
        # root of the live exception, which only says that the process failed.
        if exceptions:
            exceptions[0] = exceptions[0].model_copy(update={"link": "cause"})
        exceptions = [*error_chain(engine[0][1]), *exceptions]
        texts = [f"{message}\n\n{error.to_string()}" for message, error in engine] + texts
    evidence = Evidence(
        text="\n\n".join(texts),
        exceptions=exceptions,
        logs=captured_logs(instance, records, context.step_key)
        or live_captured_logs(context.run_id, context.step_key),
        events=event_lines(records),
        job=context.job_name,
        step=context.step_key,
        run_id=context.run_id,
        phase="step",
    )
    if run is not None:
        _add_run_facts(instance, run, evidence)
    _asset_facts(context, evidence)
    return _finish(evidence, state_dir=state_dir)


class RunFailure(BaseModel):
    """What a failed run's event log says about the failure, before Dagster facts are added."""

    phase: str
    text: str
    exceptions: list[ExceptionInfo] = Field(default_factory=list)
    step: str | None = None
    resource: str | None = None


def _message(entry: EventLogEntry) -> str:
    ev = entry.dagster_event
    return ((ev.message if ev else None) or entry.user_message or "").strip()


def _fill_empty_messages(chain: list[ExceptionInfo], explanation: str) -> list[ExceptionInfo]:
    """An exception with no message (a crashed child process) takes the engine's explanation.

    Only its first sentence, the fact (how the process exited): what follows in Dagster's
    wording is advice, which stays in the evidence text but is not the error.
    """
    explanation = _SENTENCE_END.split(explanation.strip(), maxsplit=1)[0]
    if not explanation:
        return chain
    return [
        info.model_copy(update={"message": explanation}) if not info.message.strip() else info
        for info in chain
    ]


def read_failure(records: Sequence[EventLogEntry]) -> RunFailure:
    """Locate the failure in a run's event log, wherever it happened.

    A step's own error (STEP_FAILURE) is the usual case. Outside a step's code: a resource
    that failed to initialise (RESOURCE_INIT_FAILURE), a step process or run worker that
    died (an empty ChildProcessCrashException explained by an engine event, or a RUN_FAILURE
    with no error after the engine reported the process exit), and run-level errors
    (launch, run config, executor) carried by ENGINE_EVENT or RUN_FAILURE errors.
    """
    step_failures: list[tuple[EventLogEntry, SerializableErrorInfo | None]] = []
    resource_failures: list[tuple[EventLogEntry, SerializableErrorInfo | None]] = []
    run_errors: list[SerializableErrorInfo] = []
    run_messages: list[str] = []
    step_engine: dict[str, list[str]] = {}
    run_engine: list[str] = []
    step_engine_errors: dict[str, list[SerializableErrorInfo]] = {}
    since_last_step: list[str] = []  # run engine events after the last step event
    for entry in records:
        ev = entry.dagster_event
        if entry.step_key:
            since_last_step.clear()
        if ev is None or ev.event_type not in _FAILURE_TYPES:
            continue
        error: SerializableErrorInfo | None = getattr(ev.event_specific_data, "error", None)
        if ev.event_type == DagsterEventType.STEP_FAILURE:
            step_failures.append((entry, error))
        elif ev.event_type == DagsterEventType.RESOURCE_INIT_FAILURE:
            resource_failures.append((entry, error))
        elif ev.event_type == DagsterEventType.ENGINE_EVENT and entry.step_key:
            # The engine's word on a step (e.g. how its process exited) explains its failure.
            if _message(entry):
                step_engine.setdefault(entry.step_key, []).append(_message(entry))
            if error is not None:
                step_engine_errors.setdefault(entry.step_key, []).append(error)
        elif error is not None:
            run_errors.append(error)
            if ev.event_type == DagsterEventType.ENGINE_EVENT and _message(entry):
                run_messages.append(_message(entry))
        elif ev.event_type == DagsterEventType.ENGINE_EVENT and _message(entry):
            run_engine.append(_message(entry))
            since_last_step.append(_message(entry))
        elif ev.event_type == DagsterEventType.RUN_FAILURE and _message(entry):
            run_messages.append(_message(entry))

    step = next((e.step_key for e, _ in step_failures if e.step_key), None)
    resource: str | None = None
    texts: list[str] = []
    exceptions: list[ExceptionInfo] = []

    def add(error: SerializableErrorInfo, explanation: str = "") -> None:
        nonlocal exceptions
        rendered = error.to_string()
        if rendered not in texts:  # a resource's error is also its step's and its run's
            texts.append(rendered)
        if not exceptions:  # the first failure is the one that matters
            exceptions = _fill_empty_messages(error_chain(error), explanation)

    if resource_failures:
        phase = "resource_init"
        entry, _ = resource_failures[0]
        step = step or entry.step_key
        all_text = "\n".join(
            [e.to_string() for e in run_errors] + [e.to_string() for _, e in step_failures if e]
        )
        named = _RESOURCE_NAME.search(all_text)
        listed = _RESOURCE_LIST.search(_message(entry))
        if named:
            resource = named.group(1)
        elif listed:  # Dagster did not say which one: name the candidates
            resource = f"one of [{listed.group(1)}]"
    elif any(
        _is_crash(e)
        for e in [
            *(x for v in step_engine_errors.values() for x in v),
            *(e for _, e in step_failures if e),
        ]
    ):
        phase = "step_process"
    elif step_failures:
        phase = "step"
    elif run_errors:
        phase = "run"
    else:
        phase = "run_worker"

    for entry, error in resource_failures:
        texts.append(f"{_message(entry)} (step {entry.step_key})")
        if error is not None:
            add(error)
    for entry, error in step_failures:
        key = entry.step_key or ""
        explanation = "\n".join(step_engine.get(key, []))
        if explanation:
            texts.append(explanation)
        # The engine's errors on the step come first: an external (pipes) process's own
        # exception, or the crash of the step's process, is what the step failure wraps.
        for engine_error in step_engine_errors.pop(key, []):
            add(engine_error, explanation)
        if error is not None:
            add(error, explanation)
    for error in [*(x for v in step_engine_errors.values() for x in v), *run_errors]:
        add(error)
    if phase == "run_worker" or not texts:
        # What the engine said once steps stopped (how the worker exited), else its last words.
        texts.extend((since_last_step or run_engine)[-_ENGINE_CONTEXT:])
    texts.extend(run_messages)
    header = f"[dagster] failure phase: {phase}"
    if step:
        header += f"; step: {step}"
    if resource:
        header += f"; resource: {resource}"
    return RunFailure(
        phase=phase,
        # Last, so the failure's own first line still leads (fingerprints, titles).
        text="\n\n".join([*texts, header]),
        exceptions=exceptions,
        step=step,
        resource=resource,
    )


def _is_crash(error: SerializableErrorInfo) -> bool:
    """Dagster's multiprocess executor reports a step process that died this way."""
    return (error.cls_name or "").endswith("ChildProcessCrashException")


def from_run(instance: DagsterInstance, run: DagsterRun, state_dir: Path | None = None) -> Evidence:
    """Evidence of a finished failed run, read back from the event log.

    `state_dir` is Sentinel's state directory; by default, from the environment."""
    records = list(instance.all_logs(run.run_id))
    failure = read_failure(records)
    evidence = Evidence(
        text=failure.text,
        exceptions=failure.exceptions,
        logs=captured_logs(instance, records, failure.step),
        events=event_lines(records),
        job=run.job_name,
        step=failure.step,
        run_id=run.run_id,
        phase=failure.phase,
    )
    _add_run_facts(instance, run, evidence)
    return _finish(evidence, working_directory(run), state_dir)


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


def failure_of(evidence: Evidence, source: FailureSource) -> Failure:
    """What the incident store needs: the fingerprint and where it happened."""
    root = evidence.root
    target = evidence.job or evidence.asset
    fp = fingerprint(evidence)  # the one definition, shared with the brain's report
    if evidence.kind is Kind.ALERT:
        # An alert on its own: no job or step; the alert is what it happened to.
        labels = evidence.facts.get("labels") or {}
        return Failure(
            fingerprint=fp,
            kind=evidence.kind.value,
            target=str(labels.get("alertname") or "alert"),
            owners=",".join(evidence.owners) or None,
            title=(evidence.text.strip().splitlines() or ["alert"])[0][:200],
            source=source,
        )
    where = evidence.step or target
    if evidence.phase == "resource_init":
        where = f"resource init of {where}"
    elif evidence.phase in ("step_process", "run_worker"):
        where = f"worker of {where}"
    if root:
        title = f"{root.type.rsplit('.', 1)[-1]} in {where}"
    elif evidence.phase is not None and evidence.text.strip():
        # A run failed with no exception (a lost worker): its first line says what happened.
        title = f"{evidence.text.strip().splitlines()[0][:120]} ({where})"
    else:
        title = evidence.kind.value
    return Failure(
        fingerprint=fp,
        kind=evidence.kind.value,
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
        source=source,
    )
