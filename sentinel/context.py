"""The context step: runbooks, similar past incidents and correlated alerts for a failure.

`add_context` runs before the diagnosis (hook and `sentinel/rca_report`), so the brain and
Gemini see the context (`Evidence.context`); `context_blocks` / `context_markdown` render it
in Slack and in the RCA report. Each source is optional and fails on its own: a broken
source is named in `examined` and the others still count. Everything is redacted.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from dagster_sentinel.alerts import AlertStore, as_signal
from dagster_sentinel.errors import SentinelError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.runbooks import RunbookIndex, evidence_query
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.similar import SimilarIncidents
from sentinel_brain.analyzers import analyze
from sentinel_brain.context import (
    IncidentContext,
    RelatedSignal,
    correlate,
    number_runbooks,
    signal_line,
    systems,
)
from sentinel_brain.deadline import run_within
from sentinel_brain.fingerprint import alert_fingerprint
from sentinel_brain.models import Evidence
from sentinel_brain.redact import redact, redact_data

log = logging.getLogger("sentinel")

RUNBOOK_TAG = "sentinel/runbook"
RUNBOOK_METADATA = "runbook_url"
METRIC_ANOMALIES_KEY = dg.AssetKey(["metrics_anomalies"])
_SERIES_RE = re.compile(r"^(?P<metric>[^{]+)(?:\{(?P<labels>.*)\})?$")
_LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
_SOURCE_ERRORS = (SentinelError, SQLAlchemyError, OSError, ValueError)


def evidence_text(evidence: Evidence) -> str:
    parts = [evidence.text[-50_000:], evidence.logs[-20_000:]]
    parts += [f"{e.type}: {e.message}" for e in evidence.exceptions]
    return "\n".join(p for p in parts if p)


def linked_runbooks(
    evidence: Evidence, asset_metadata: Mapping[str, Any] | None = None
) -> list[str]:
    """Runbook links named by the job (`sentinel/runbook` tag) or the asset (`runbook_url`)."""
    links = []
    tag = evidence.tags.get(RUNBOOK_TAG)
    if tag:
        links.append(tag.strip())
    value = (asset_metadata or {}).get(RUNBOOK_METADATA)
    value = getattr(value, "value", value)  # dg.MetadataValue.url / .text
    if isinstance(value, str) and value.strip():
        links.append(value.strip())
    return list(dict.fromkeys(links))


def hook_asset_metadata(context: dg.HookContext) -> dict[str, Any]:
    """Definition metadata of the failing step's asset(s), read from the hook's step context.

    Not public API: when it is missing, the runbook link simply does not come from there.
    """
    step_context = getattr(context, "_step_execution_context", None)
    try:
        layer = step_context.job_def.asset_layer  # type: ignore[union-attr]
        keys = layer.get_selected_entity_keys_for_node(step_context.step.node_handle)  # type: ignore[union-attr]
        out: dict[str, Any] = {}
        for key in sorted((k for k in keys if isinstance(k, dg.AssetKey)), key=str):
            out.update(layer.asset_graph.get(key).metadata or {})
        return out
    except (AttributeError, KeyError, TypeError, ValueError):
        return {}


def metric_signals(instance: dg.DagsterInstance, start: float, end: float) -> list[RelatedSignal]:
    """Anomaly windows of the latest `metrics_anomalies` materialization within [start, end]."""
    event = instance.get_latest_materialization_event(METRIC_ANOMALIES_KEY)
    mat = event.asset_materialization if event is not None else None
    if mat is None or "windows" not in mat.metadata:
        return []
    windows = getattr(mat.metadata["windows"], "value", None) or []
    out = []
    for w in windows if isinstance(windows, list) else []:
        try:
            w_start = datetime.fromisoformat(str(w["start"])).timestamp()
            w_end = datetime.fromisoformat(str(w["end"])).timestamp()
        except (KeyError, TypeError, ValueError):
            continue
        if w_start > end or w_end < start:
            continue
        m = _SERIES_RE.match(str(w.get("series", "")))
        labels = dict(_LABEL_RE.findall(m.group("labels") or "")) if m else {}
        name = (m.group("metric") if m else str(w.get("series"))).strip()
        summary = f"observed {w.get('observed')} vs expected {w.get('expected')}"
        out.append(
            RelatedSignal(
                source="metric",
                name=name,
                status="anomaly",
                starts_at=w_start,
                ends_at=w_end,
                labels=labels,
                summary=summary,
            )
        )
    return out


def gather(
    settings: SentinelSettings,
    incident: Incident,
    evidence: Evidence,
    instance: dg.DagsterInstance | None = None,
    *,
    asset_metadata: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> IncidentContext:
    """Runbook sections, similar incidents and correlated alerts for one failure."""
    now = time.time() if now is None else now
    cfg = settings.context
    safe = redact_data(evidence)
    text = evidence_text(safe)
    failed_at = incident.last_seen or now
    ctx = IncidentContext(failed_at=failed_at)
    previous = evidence.context.linked_runbooks if evidence.context else []
    ctx.linked_runbooks = list(dict.fromkeys([*previous, *linked_runbooks(safe, asset_metadata)]))
    named = systems(text)

    try:
        index = RunbookIndex(settings.database_url, base_url=cfg.runbooks_base_url)
        if cfg.runbooks and index.count() == 0:
            # First use before `sentinel/runbook_index` was materialized: build it now.
            index.sync(cfg.runbooks, max_bytes=cfg.runbook_max_bytes)
        terms = evidence_query(safe, analyze(safe), named)
        ctx.runbooks = index.search(terms, limit=3, min_terms=cfg.runbook_min_terms)
        ctx.examined.append(
            f"runbooks ({index.engine_name}): {len(ctx.runbooks)} relevant section(s) "
            f"for {len(terms)} query terms"
        )
    except _SOURCE_ERRORS as e:
        log.warning("runbook search failed: %s", e)
        ctx.examined.append(f"runbooks: unavailable ({type(e).__name__})")

    try:
        ctx.similar = SimilarIncidents(settings.database_url).find(
            incident, safe, lookback_s=cfg.similar_lookback_days * 86400, now=now
        )
        ctx.examined.append(f"past incidents: {len(ctx.similar)} similar")
    except _SOURCE_ERRORS as e:
        log.warning("similar incidents failed: %s", e)
        ctx.examined.append(f"past incidents: unavailable ({type(e).__name__})")

    window = cfg.alert_window_s
    signals: list[RelatedSignal] = []
    try:
        stored = AlertStore(settings.database_url).active_between(failed_at - window, failed_at)
        if incident.kind == "alert":  # an alert's own incident: the others are its context
            stored = [a for a in stored if alert_fingerprint(a.labels) != incident.fingerprint]
        signals += [as_signal(a) for a in stored]
        ctx.examined.append(f"alerts: {len(stored)} active in the {window:.0f} s before")
    except _SOURCE_ERRORS as e:
        log.warning("alert store failed: %s", e)
        ctx.examined.append(f"alerts: unavailable ({type(e).__name__})")
    if instance is not None:
        try:
            metrics = metric_signals(instance, failed_at - window, failed_at)
            signals += metrics
            ctx.examined.append(f"metric anomalies: {len(metrics)} in the window")
        except _SOURCE_ERRORS as e:
            ctx.examined.append(f"metric anomalies: unavailable ({type(e).__name__})")
    ctx.alerts = correlate(
        signals,
        evidence_text=text + "\n" + "\n".join(n.split(":", 1)[1] for n in named),
        owners=safe.owners,
        group=safe.group,
        failed_at=failed_at,
        window_s=window,
        limit=3,
    )
    return redact_data(number_runbooks(ctx))


def add_context(
    settings: SentinelSettings,
    incident: Incident,
    evidence: Evidence,
    instance: dg.DagsterInstance | None = None,
    *,
    asset_metadata: Mapping[str, Any] | None = None,
    budget_s: float | None = None,
) -> Evidence:
    """Set `evidence.context`; never raises (context is a bonus, not a precondition).

    With `budget_s` (the hook, inside the failing process), the report does not wait longer
    than that for the context: past it, the report goes without.
    """

    def work() -> IncidentContext:
        return gather(settings, incident, evidence, instance, asset_metadata=asset_metadata)

    # Without a budget (an RCA run) wait as long as it takes; in the hook, at most the budget.
    outcome = run_within(work, budget_s if budget_s is not None else 1e9, name="sentinel-context")
    if outcome.timed_out:
        log.warning("incident context not ready within %.1f s; reporting without", budget_s)
    elif outcome.error is not None:  # the diagnosis must go out even if the context breaks
        log.error("gathering the incident context failed", exc_info=outcome.error)
    else:
        evidence.context = outcome.value
    return evidence


def stored_context(incident: Incident) -> IncidentContext | None:
    """The context saved with an incident's evidence (to keep it in later message edits)."""
    if not incident.evidence_json:
        return None
    try:
        return Evidence.model_validate_json(incident.evidence_json).context
    except ValidationError:
        return None


# --- rendering ------------------------------------------------------------------------------------


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def _duration(seconds: float | None, status: str = "open") -> str:
    if seconds is None:
        return "still open" if status == "open" else f"{status}, no recorded resolution"
    if seconds < 90:
        return f"lasted {seconds:.0f} s"
    if seconds < 5400:
        return f"lasted {seconds / 60:.0f} min"
    return f"lasted {seconds / 3600:.1f} h"


def _quote(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def context_lines(context: IncidentContext, cited: list[str] | None = None) -> dict[str, list[str]]:
    """Plain-text lines per part (runbooks, similar, alerts), unescaped, redacted."""
    cited = cited or []
    out: dict[str, list[str]] = {"runbooks": [], "similar": [], "alerts": []}
    for link in context.linked_runbooks:
        out["runbooks"].append(f"linked runbook: {link}")
    for i, s in enumerate(context.runbooks, 1):
        ref = s.ref or f"R{i}"
        mark = " (cited by the diagnosis)" if ref in cited else ""
        out["runbooks"].append(
            f'{s.path.rsplit("/", 1)[-1]} › {s.heading}{mark}: "{_quote(s.excerpt)}"'
        )
    for inc in context.similar:
        what = inc.title or inc.incident_id
        took = _duration(inc.duration_s, inc.status)
        line = f"{_when(inc.first_seen)} · {inc.job or '?'} · {what} — {took}"
        if inc.resolved_by:
            line += f", resolved by {inc.resolved_by}"
        if inc.note:
            line += f': "{_quote(inc.note)}"'
        line += f" ({'; '.join(inc.reasons[:2])}; incident {inc.incident_id})"
        out["similar"].append(line)
    for sig in context.alerts:
        line = signal_line(sig)
        if sig.summary:
            line += f": {_quote(sig.summary, 160)}"
        out["alerts"].append(f"{line} — {'; '.join(sig.reasons[:2])}")
    return {k: [redact(v) for v in vs] for k, vs in out.items()}


_TITLES = {
    "runbooks": "Runbooks",
    "similar": "Similar past incidents",
    "alerts": "Alerts and anomalies before the failure",
}


def context_markdown(context: IncidentContext | None, cited: list[str] | None = None) -> str:
    """The context as Markdown sections for `sentinel/rca_report` ("" when there is none)."""
    if context is None or context.empty:
        return ""
    out: list[str] = []
    lines = context_lines(context, cited)
    for part, title in _TITLES.items():
        if not lines[part]:
            continue
        out += ["", f"## {title}", ""]
        if part == "runbooks":
            for s, line in zip(
                [None] * len(context.linked_runbooks) + list(context.runbooks),
                lines[part],
                strict=True,
            ):
                link = s.link if s is not None else None
                out.append(f"- {line}" + (f" ([open]({link}))" if link else ""))
        else:
            out += [f"- {line}" for line in lines[part]]
    return "\n".join(out) + "\n"


def context_blocks(
    context: IncidentContext | None, cited: list[str] | None = None
) -> list[dict[str, Any]]:
    """Slack sections for the context (escaped and redacted; links only from the index)."""
    from dagster_sentinel.slack import MAX_SECTION, escape, truncate

    if context is None or context.empty:
        return []
    lines = context_lines(context, cited)
    blocks = []
    for part, title in _TITLES.items():
        if not lines[part]:
            continue
        rendered = []
        sections = [None] * len(context.linked_runbooks) + list(context.runbooks)
        for n, line in enumerate(lines[part]):
            text = escape(line)
            if part == "runbooks" and sections[n] is not None and sections[n].link:  # type: ignore[union-attr]
                link = sections[n].link.replace("|", "%7C").replace(">", "%3E")  # type: ignore[union-attr]
                text = f"<{link}|open> {text}"
            rendered.append(f"• {text}")
        body = f"*{title}*\n" + "\n".join(rendered)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(body, MAX_SECTION)}}
        )
    return blocks


def with_context(
    message: dict[str, Any], context: IncidentContext | None, cited: list[str] | None = None
) -> dict[str, Any]:
    """The incident message with the context sections before its buttons and footer."""
    from dagster_sentinel.slack import MAX_BLOCKS

    extra = context_blocks(context, cited)
    if not extra:
        return message
    blocks = list(message.get("blocks", []))
    at = next(
        (i for i, b in enumerate(blocks) if b.get("type") in ("actions", "context")), len(blocks)
    )
    room = max(MAX_BLOCKS - len(blocks), 0)
    blocks[at:at] = extra[:room]
    return {**message, "blocks": blocks}
