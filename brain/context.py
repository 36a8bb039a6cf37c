"""Context beyond the run: runbook sections, similar past incidents, correlated alerts.

`dagster_sentinel.context` gathers an `IncidentContext` for a failure (search, store, alert intake)
and sets it on `Evidence.context`; everything here is pure:

- `systems` names the external systems (hosts, buckets, tables, APIs) a failure mentions;
- `correlate` ranks alerts and metric anomalies active before a failure by their link to it;
- `context_block` renders the context for Gemini, each runbook section with a reference
  (`R1`…) that the model may cite; `cited_runbooks` keeps only references that were sent;
- `apply_context` is the post-step on a Report: a firing alert on the system the failing
  step could not reach becomes the top candidate's evidence, and a resolved similar
  incident whose resolution note names a cause adds or promotes a candidate, citing it.

This module must not import `sentinel_brain.models` at import time:
`sentinel_brain.models.Evidence` holds an
`IncidentContext`, so the Report-side functions import it when they run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from sentinel_brain.models import Evidence, Report

EXCERPT_CHARS = 280


class RunbookSection(BaseModel):
    """One runbook section the search found relevant enough to show."""

    ref: str = ""  # "R1", "R2"…: how Gemini cites it
    path: str
    heading: str
    link: str | None = None
    excerpt: str = ""
    score: float = 0.0  # the search engine's own relevance (BM25 or ts_rank)
    matched: list[str] = Field(default_factory=list)  # query terms the section contains


class SimilarIncident(BaseModel):
    """A past incident like this one, and why it is considered alike."""

    incident_id: str
    title: str | None = None
    job: str | None = None
    status: str = "open"
    category: str | None = None
    first_seen: float
    duration_s: float | None = None
    note: str | None = None
    resolved_by: str | None = None
    reasons: list[str] = Field(default_factory=list)
    # fingerprint | template | system | upstream: the strongest link, for promotion.
    link: Literal["fingerprint", "template", "system", "upstream"] = "system"


class RelatedSignal(BaseModel):
    """An external alert or a metric anomaly active near the failure."""

    source: Literal["alertmanager", "prometheus", "metric"]
    name: str
    status: str = "firing"
    starts_at: float
    ends_at: float | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    summary: str = ""
    reasons: list[str] = Field(default_factory=list)
    # True when the failure's evidence names the alert's instance/service/job/host.
    names_system: bool = False
    owner_match: bool = False


class IncidentContext(BaseModel):
    """What was found beyond the run, and what was looked at to find it."""

    runbooks: list[RunbookSection] = Field(default_factory=list)
    linked_runbooks: list[str] = Field(default_factory=list)  # job tag / asset metadata
    similar: list[SimilarIncident] = Field(default_factory=list)
    alerts: list[RelatedSignal] = Field(default_factory=list)
    examined: list[str] = Field(default_factory=list)
    failed_at: float | None = None

    @property
    def empty(self) -> bool:
        return not (self.runbooks or self.linked_runbooks or self.similar or self.alerts)


# --- external systems named in a failure ----------------------------------------------------

_URL_RE = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.\-]{1,15})://(?:[^\s/@'\"]+@)?(?P<host>[A-Za-z0-9_.\-]+)"
    r"(?::\d+)?(?P<path>/[^\s'\"<>)]*)?",
    re.IGNORECASE,
)
_BUCKET_SCHEMES = {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "az"}
_HOST_RE = re.compile(
    r"\b(?:host(?:name)?|server at|endpoint)\s*[=:]?\s*[\"'(]?(?P<v>[A-Za-z0-9][A-Za-z0-9_.\-]*)",
    re.IGNORECASE,
)
_IP_RE = re.compile(r"\b(?P<v>\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?\b")
_TABLE_RE = re.compile(
    r"\b(?:relation|table|view)\s+[\"'`]?(?P<v>[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)[\"'`]?",
    re.IGNORECASE,
)
_BUCKET_RE = re.compile(r"\bbucket\s*[=:]?\s*[\"']?(?P<v>[a-z0-9][a-z0-9.\-]{2,62})", re.I)
# Words that follow "table"/"host" in prose but are not names.
_NOT_NAMES = {"does", "not", "is", "has", "was", "the", "a", "an", "of", "in", "for", "name"}


def _add(out: dict[str, None], kind: str, value: str) -> None:
    value = value.strip(".,;:'\"`()[]").lower()
    if len(value) >= 2 and value not in _NOT_NAMES:
        out[f"{kind}:{value}"] = None


def systems(text: str, limit: int = 20) -> list[str]:
    """External systems a failure text names, as `kind:value` (host, bucket, table, api).

    Only explicit forms count (URLs, `host=`, `relation "x"`, IP addresses), so a module
    path such as `pandas.core.frame` is never taken for a host.
    """
    out: dict[str, None] = {}
    for m in _URL_RE.finditer(text):
        scheme, host = m.group("scheme").lower(), m.group("host")
        if scheme in _BUCKET_SCHEMES:
            _add(out, "bucket", host)
        elif scheme in ("http", "https"):
            _add(out, "api", host)
        elif scheme != "file":
            _add(out, "host", host)
    for m in _HOST_RE.finditer(text):
        _add(out, "host", m.group("v"))
    for m in _IP_RE.finditer(text):
        _add(out, "host", m.group("v"))
    for m in _TABLE_RE.finditer(text):
        _add(out, "table", m.group("v"))
    for m in _BUCKET_RE.finditer(text):
        _add(out, "bucket", m.group("v"))
    return list(out)[:limit]


def system_names(keys: Iterable[str]) -> list[str]:
    """The bare names of `systems` keys (`host:db.internal` → `db.internal`)."""
    return [k.split(":", 1)[1] for k in keys]


# --- alert correlation ------------------------------------------------------------------------

_SYSTEM_LABELS = ("instance", "service", "job", "host", "hostname", "node", "server", "database")
_OWNER_LABELS = ("team", "owner", "group", "squad", "service_owner")


def _label_names(value: str) -> list[str]:
    """`db-1.internal:9187` → [`db-1.internal:9187`, `db-1.internal`, `db-1`]."""
    out = [value]
    host = value.rsplit(":", 1)[0] if re.search(r":\d+$", value) else value
    if host != value:
        out.append(host)
    short = host.split(".", 1)[0]
    if short != host and len(short) >= 3:
        out.append(short)
    return [v for v in out if len(v) >= 3]


def _named_in(name: str, haystack: str) -> bool:
    pattern = r"(?<![\w.\-])" + re.escape(name.lower()) + r"(?![\w\-])"
    return re.search(pattern, haystack) is not None


def correlate(
    signals: Iterable[RelatedSignal],
    *,
    evidence_text: str,
    owners: Iterable[str],
    group: str | None,
    failed_at: float,
    window_s: float,
    limit: int = 5,
) -> list[RelatedSignal]:
    """Signals active within `window_s` before the failure, ranked by their link to it.

    Ranking: the evidence names the signal's instance/service/job/host first; then its
    labels match the asset's owners or group; then the one that started closest to the
    failure. A signal active in the window with no link is kept below the linked ones.
    """
    haystack = evidence_text.lower()
    wanted = {o.lower() for o in owners if o} | ({group.lower()} if group else set())
    ranked: list[tuple[tuple[int, int, float], RelatedSignal]] = []
    for sig in signals:
        if sig.starts_at > failed_at or (
            sig.ends_at is not None and sig.ends_at < failed_at - window_s
        ):
            continue
        reasons: list[str] = []
        names = False
        for label in _SYSTEM_LABELS:
            value = sig.labels.get(label)
            if not value:
                continue
            hit = next((n for n in _label_names(value) if _named_in(n, haystack)), None)
            if hit is not None:
                names = True
                reasons.append(f"the failure names its {label} `{hit}`")
                break
        owner = False
        for label in _OWNER_LABELS:
            value = sig.labels.get(label, "").lower()
            if value and value in wanted:
                owner = True
                reasons.append(f"its {label} `{value}` owns the failing asset")
                break
        gap = max(failed_at - sig.starts_at, 0.0)
        reasons.append(f"started {_ago(gap)} before the failure")
        ranked.append(
            (
                (0 if names else 1, 0 if owner else 1, gap),
                sig.model_copy(
                    update={"reasons": reasons, "names_system": names, "owner_match": owner}
                ),
            )
        )
    ranked.sort(key=lambda pair: pair[0])
    return [sig for _, sig in ranked[:limit]]


def _ago(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _clock(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def signal_line(sig: RelatedSignal) -> str:
    """One line describing a signal (also what a candidate cites as evidence)."""
    state = "has been firing" if sig.ends_at is None else "fired"
    where = ", ".join(f"{k}={v}" for k, v in sig.labels.items() if k in _SYSTEM_LABELS)
    kind = "metric anomaly" if sig.source == "metric" else "alert"
    text = f"{kind} {sig.name} {state} since {_clock(sig.starts_at)}"
    return text + (f" ({where})" if where else "")


# --- Gemini ---------------------------------------------------------------------------------


def number_runbooks(context: IncidentContext) -> IncidentContext:
    """Give each runbook section its citation reference (R1, R2…)."""
    sections = [s.model_copy(update={"ref": f"R{i}"}) for i, s in enumerate(context.runbooks, 1)]
    return context.model_copy(update={"runbooks": sections})


def context_block(context: IncidentContext, max_chars: int = 6000) -> str:
    """The context as text for the model: runbook sections (citable), similar incidents,
    correlated alerts. It is untrusted data like the evidence (runbooks and notes are text
    written by people; alerts come from outside)."""
    out: list[str] = []
    if context.runbooks:
        out.append("--- runbook sections (cite by reference) ---")
        for s in context.runbooks:
            out.append(f"[{s.ref}] {s.path} > {s.heading}")
            out.append(" ".join(s.excerpt.split()))
    if context.similar:
        out.append("--- similar past incidents ---")
        for inc in context.similar:
            line = f"{inc.incident_id} ({inc.status}, {inc.category or '?'}): {inc.title or ''}"
            if inc.note:
                line += f" | resolution note: {' '.join(inc.note.split())}"
            out.append(line)
    if context.alerts:
        out.append("--- alerts and metric anomalies before the failure ---")
        for sig in context.alerts:
            out.append(signal_line(sig) + (f": {sig.summary}" if sig.summary else ""))
    text = "\n".join(out)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def cited_runbooks(cited: Iterable[str], context: IncidentContext | None) -> list[str]:
    """The cited references that name a section actually sent, in order, deduplicated."""
    sent = {s.ref for s in context.runbooks} if context is not None else set()
    out: list[str] = []
    for ref in cited:
        ref = ref.strip().strip("[]")
        if ref in sent and ref not in out:
            out.append(ref)
    return out


# --- the post-step on the Report ---------------------------------------------------------------

# Categories whose cause lies outside the pipeline: there an alert on the system the step
# could not reach is evidence for the top candidate.
_EXTERNAL = {
    "dependency_unavailable",
    "timeout",
    "infrastructure",
    "resource_exhaustion",
    "rate_limited",
    "concurrency",
    "auth_failure",
    "permission_denied",
}
# Past incidents whose link is this strong may promote their cause.
_PROMOTING = ("fingerprint", "template")
PROMOTED_CONFIDENCE = 0.6


def note_category(note: str) -> str | None:
    """The root-cause category a resolution note names, or None when it names none.

    The note is read by the same offline analyzers that read tracebacks.
    """
    from sentinel_brain.analyzers import analyze
    from sentinel_brain.models import Category, Evidence

    if not note.strip():
        return None
    report = analyze(Evidence(text=note))
    top = report.top
    if top is None or top.category == Category.UNKNOWN or top.confidence < 0.3:
        return None
    return top.category.value


def apply_context(report: Report, evidence: Evidence) -> Report:
    """Report + context: alert evidence on an external cause; causes from past resolutions."""
    from sentinel_brain.models import Candidate, Category

    context = evidence.context
    if context is None or context.empty:
        return report
    candidates = [c.model_copy(deep=True) for c in report.candidates]
    notes = list(report.notes)
    top = candidates[0] if candidates else None

    named = [a for a in context.alerts if a.names_system]
    if top is not None and named and top.category.value in _EXTERNAL:
        line = signal_line(named[0])
        if line not in top.evidence:
            top.evidence.insert(0, line)
            notes.append(f"correlated: {named[0].name} on the system the step could not reach")

    for past in context.similar:
        if past.status != "resolved" or not past.note or past.link not in _PROMOTING:
            continue
        category = note_category(past.note)
        if category is None:
            continue
        cite = (
            f"incident {past.incident_id} ({_clock(past.first_seen)}) was resolved"
            + (f" by {past.resolved_by}" if past.resolved_by else "")
            + f": {past.note.strip()[:300]}"
        )
        same = next((c for c in candidates if c.category.value == category), None)
        if same is not None:
            if cite not in same.evidence:
                same.evidence.append(cite)
            same.confidence = max(same.confidence, PROMOTED_CONFIDENCE)
        else:
            candidates.append(
                Candidate(
                    category=Category(category),
                    cause=f"Same cause as incident {past.incident_id}: {past.note.strip()[:200]}",
                    confidence=PROMOTED_CONFIDENCE,
                    evidence=[cite],
                    signature=f"similar:{past.incident_id}",
                )
            )
        notes.append(f"similar incident {past.incident_id} resolved with a note naming {category}")
        break  # one past resolution is enough; the most similar comes first
    # Stable sort: ties keep the brain's order (the brain's top stays first on a tie).
    candidates.sort(key=lambda c: -c.confidence)
    update: dict[str, object] = {"candidates": candidates, "notes": notes}
    if candidates and candidates[0].category != report.category:
        update["category"] = candidates[0].category
        update["summary"] = f"{candidates[0].cause} (was: {report.summary})"[:800]
    return report.model_copy(update=update)
