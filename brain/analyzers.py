"""Offline analyzers: match the evidence against the signature catalog and rank causes.

The root cause decides: every exception of the chain is matched (wrappers such as
Dagster's DagsterExecutionStepExecutionError are skipped), earlier links of the chain
weigh more than the surface, and the failing user line's code separates look-alike
errors (`os.environ["X"]` vs `df["col"]`). Free text (logs, events, a pasted error line)
is matched by the text patterns, bounded so a 1 MB input stays fast.

`analyze` runs named stages, each a function tested on its own:

1. `locate_error`: the exception chain (parsed, read from log lines, or a JVM `Caused by:`
   chain, deepest first) and the bounded window of lines to scan, failure lines from the
   middle of long logs included (`sentinel_brain.textscan`);
2. `match_exceptions` / `match_text`: the catalog against each exception and each line,
   a wording weighed by the line it is on (error line, routine INFO line, plain output);
3. `prefer_meaning`, `prefer_specific`, `apply_root_cause_rules`, `add_alternatives`,
   `kind_hits`: the message's meaning over its surface, a longer wording over one inside
   it, an empty upstream behind a generic code error,
   the secondary categories, and a health finding's default diagnosis (`sentinel_brain.health`);
4. `rank`: the best hit per category with a small bonus for corroboration;
5. `build_candidates`: the top five, or an honest `unknown` saying what was examined;
   `by_vocabulary` (5b): when no wording matched, the category whose cue words the failure
   lines hold (`sentinel_brain.vocabulary`), at low confidence, or still `unknown`;
   `vocabulary_overrules` (5c): a weak wording yields to two cue words of another category;
6. `build_report`: identity, location, fix at the failing line, summary, fingerprint.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sentinel_brain.changes import named_in
from sentinel_brain.evidence import failing_user_frame, parse_exceptions
from sentinel_brain.fingerprint import fingerprint
from sentinel_brain.health import DEFAULTS, health_hypotheses
from sentinel_brain.models import (
    Candidate,
    Category,
    ConfigChange,
    Evidence,
    ExceptionInfo,
    Frame,
    Kind,
    Location,
    Report,
    Severity,
)
from sentinel_brain.regex_literals import branch_literal, branches
from sentinel_brain.signatures import SIGNATURES, WRAPPER_TYPES, Signature
from sentinel_brain.textscan import Level, failure_lines, is_failure_line, line_level, line_weight
from sentinel_brain.vocabulary import FIRST_STEP, catalog_vocabulary

log = logging.getLogger(__name__)

_MAX_MSG = 2000
_MAX_LINE = 500
_TEXT_HEAD_LINES = 40
_TEXT_TAIL_LINES = 250
_MAX_PARSE = 64_000
_WINDOW_CHARS = 16_000  # per blob (text, logs): bounds regex work on huge inputs
_MAX_PSEUDO = 8
_MAX_FAILURE_LINES = 40
_NEAR_TAIL = 300_000
_UNKNOWN_BELOW = 0.34
# Confidence of a category read from vocabulary alone: base + span * its posterior, so at
# most 0.45, below every catalog wording's and far below self-healing's floor.
_VOCABULARY_BASE = 0.2
_VOCABULARY_SPAN = 0.25
_SHORT_TEXT_LINES = 8
# Below this, a catalog hit is a broad keyword or surface wording the vocabulary may overrule.
_WEAK_WORDING = 0.75
_NO_FAILURE_CAP = 0.3
_SPECIFIC = 0.8  # a signature this confident names a failure by its wording alone
_NEAR_LINES = 12
_SURFACE_FACTOR = 0.7
_LINE_MESSAGE_FACTOR = 0.75  # a message wording on a bare line: below a wording written for lines
_WRAPPERS = frozenset(WRAPPER_TYPES)
_NO_MESSAGE = frozenset({"null", "None"})

_BY_TYPE: dict[str, list[Signature]] = {}
_UNTYPED: list[Signature] = []
for _s in SIGNATURES:
    if not (_s.types or _s.message or _s.code or _s.frames):
        continue  # text-only signature
    if _s.type_names:
        for _t in _s.type_names:
            _BY_TYPE.setdefault(_t, []).append(_s)
        if _s.either and _s.message is not None:
            _UNTYPED.append(_s)
    else:
        _UNTYPED.append(_s)
_TEXT_SIGS = [s for s in SIGNATURES if s.text is not None]
# Entries that judge an exception by its message alone (no type, code, frame or context
# condition): a failure line in free text is read with them too, so a system's documented
# wording is recognised whether it arrives as `Type: message` or as a bare log line.
_LINE_MESSAGE_SIGS = [
    s
    for s in SIGNATURES
    if s.message is not None
    and not (s.types or s.code or s.frames or s.context)
    and not s.generic
    and s.confidence >= 0.6
]


def _gate(rx: re.Pattern[str] | None) -> tuple[str, ...] | None:
    """Literals of which one must occur for `rx` to match; None when no safe gate exists."""
    if rx is None:
        return None
    lits: list[str] = []
    for branch in branches(rx.pattern):
        lit = branch_literal(branch)
        if len(lit) < 3:
            return None
        lits.append(lit)
    return tuple(lits)


_MSG_GATES: dict[str, tuple[str, ...] | None] = {
    s.id: _gate(s.message) for s in SIGNATURES if s.message is not None
}
_TEXT_GATES: dict[str, tuple[str, ...] | None] = {s.id: s.gate or _gate(s.text) for s in _TEXT_SIGS}

_QUOTED = re.compile(r"""['"]([^'"\n]{1,80})['"]""")
_PAREN_TYPE = re.compile(r"^\(([\w.]+)\)")
_PAREN_TYPE_PREFIX = re.compile(r"^\s*\([\w.]+\)\s*")
_AWS_CODE = re.compile(r"An error occurred \((\w+)\)")
_INLINE_EXC = re.compile(
    r"(?:^|[\s:\[(])((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Timeout|"
    r"Failure|Denied|NotFound|Killed|Unavailable|Violation|Exceeded|Expired)|KeyError|"
    r"MemoryError|Exception|socket\.timeout|socket\.gaierror)(?::\s+(.*))?$"
)
_ROW_COUNT_KEYS = ("row_count", "dagster/row_count", "num_rows", "rows", "n_rows", "record_count")
_COLUMN_KEYS = ("columns", "column_names", "schema", "dagster/column_schema", "fields")
_EMPTY_HINT = re.compile(
    r"\b(0 rows|0 records|no rows|no records|no data|empty (file|result|response|dataframe|input|"
    r"table|partition|dataset)|returned 0\b|row_count\W{0,3}0\b|rows\W{0,3}0\b|0 files)",
    re.IGNORECASE,
)
# Keyword signatures read free-form messages; builtin programming errors are not theirs.
_KEYWORD_SIGS = frozenset(
    {"dq_keywords", "config_generic", "schema_msg", "auth_msg", "permission_msg"}
)
_CODE_TYPES = frozenset(
    {
        "IndexError",
        "AttributeError",
        "NameError",
        "UnboundLocalError",
        "RecursionError",
        "SyntaxError",
        "IndentationError",
        "ImportError",
        "ModuleNotFoundError",
        "ZeroDivisionError",
        # the JVM's programming errors
        "NullPointerException",
        "ClassCastException",
        "ArrayIndexOutOfBoundsException",
        "StringIndexOutOfBoundsException",
        "IndexOutOfBoundsException",
    }
)
_WEAK_CODE_SIGS = frozenset(
    {
        "none_attribute",
        "index_error",
        "zero_division",
        "keyerror_plain",
        "type_error_plain",
        "type_error",
        "attribute_error",
        "empty_index",
        "value_error_plain",
        "runtime_error_plain",
    }
)

_SEVERITY: dict[Category, Severity] = {
    Category.CODE_ERROR: Severity.HIGH,
    Category.SCHEMA_MISMATCH: Severity.HIGH,
    Category.DATA_QUALITY: Severity.HIGH,
    Category.MISSING_INPUT: Severity.HIGH,
    Category.DEPENDENCY_UNAVAILABLE: Severity.HIGH,
    Category.TIMEOUT: Severity.MEDIUM,
    Category.RATE_LIMITED: Severity.MEDIUM,
    Category.AUTH_FAILURE: Severity.HIGH,
    Category.PERMISSION_DENIED: Severity.HIGH,
    Category.RESOURCE_EXHAUSTION: Severity.HIGH,
    Category.CONFIG_ERROR: Severity.HIGH,
    Category.ENVIRONMENT: Severity.HIGH,
    Category.CONCURRENCY: Severity.MEDIUM,
    Category.INFRASTRUCTURE: Severity.HIGH,
    Category.UNKNOWN: Severity.MEDIUM,
}

_DEFAULT_FIX: dict[Category, str] = {
    Category.CODE_ERROR: "fix the logic at this line",
    Category.SCHEMA_MISMATCH: "align the column/field names with the actual input schema "
    "(check the upstream's current columns) and validate required columns up front",
    Category.DATA_QUALITY: "validate/clean the offending values before this line (coerce, "
    "filter or quarantine bad rows) and fix them at the source",
    Category.MISSING_INPUT: "check the input exists and is non-empty before using it, and make "
    "the upstream that produces it a declared dependency",
    Category.DEPENDENCY_UNAVAILABLE: "wrap this call in a retry with backoff and make the "
    "endpoint configurable; the service itself must be brought back",
    Category.TIMEOUT: "set an explicit timeout and retry policy for this call, or reduce the "
    "work it does per call",
    Category.RATE_LIMITED: "add backoff honouring Retry-After around this call and lower the "
    "request rate",
    Category.AUTH_FAILURE: "load fresh credentials for this call from the secret store; rotate "
    "the expired/invalid secret",
    Category.PERMISSION_DENIED: "grant the running identity access to the target, or point this "
    "line at a location it may use",
    Category.RESOURCE_EXHAUSTION: "process the data in chunks/streams here instead of all at "
    "once, and release resources (context managers)",
    Category.CONFIG_ERROR: "read and validate this setting at startup with a clear error, and "
    "set it in the deployment",
    Category.ENVIRONMENT: "install/pin the required package or binary in the runtime image",
    Category.CONCURRENCY: "retry the transaction on conflict and serialise overlapping writers",
    Category.INFRASTRUCTURE: "nothing at this line is wrong; make the step idempotent and "
    "retryable",
    Category.UNKNOWN: "inspect this line with the full logs",
}


@dataclass
class _Hit:
    sig: Signature | None
    category: Category
    score: float
    cause: str
    evidence: list[str] = field(default_factory=list)
    remediation: tuple[str, ...] = ()
    exc: ExceptionInfo | None = None
    strength: str = "exception"  # exception | text | upstream | kind | changed | also
    # Names only the surface (a status, or an exception class matched by its type alone).
    surface: bool = False
    # A message wording re-read on a bare failure line (stage 2c): never counted as
    # independent corroboration of the line's other wordings.
    reread: bool = False


def _short(s: str, n: int = 200) -> str:
    s = s.strip().splitlines()[0] if s.strip() else ""
    return s if len(s) <= n else s[: n - 1] + "…"


def _is_wrapper(info: ExceptionInfo) -> bool:
    return info.type.rsplit(".", 1)[-1] in _WRAPPERS


def _type_keys(info: ExceptionInfo) -> list[str]:
    keys = [info.type.rsplit(".", 1)[-1]]
    msg = info.message[:300]
    m = _PAREN_TYPE.match(msg)
    if m:
        keys.append(m.group(1).rsplit(".", 1)[-1])
    m = _AWS_CODE.search(msg)
    if m:
        keys.append(m.group(1))
    return keys


def _frame_code(info: ExceptionInfo, source_line: str | None) -> str:
    codes: list[str] = []
    user = [f for f in info.frames if f.is_user]
    if user and user[-1].code:
        codes.append(user[-1].code)
    if info.frames and info.frames[-1].code:
        codes.append(info.frames[-1].code or "")
    elif info.frames:
        # The last frame is a frozen/stdlib one printed without code (`<frozen os>`): the
        # line that called into it says what was done (e.g. `os.environ["X"]` in a library
        # or an installed project, not marked as user code).
        caller = next((f.code for f in reversed(info.frames[-4:-1]) if f.code), None)
        if caller:
            codes.append(caller)
    if source_line and not codes:
        codes.append(source_line)
    return "\n".join(codes)[:1000]


def _match_exception(
    sig: Signature,
    info: ExceptionInfo,
    msg: str,
    code: str,
    files: str,
    type_ok: bool,
    context: str = "",
    msg_lower: str = "",
) -> bool:
    if sig.context is not None and not sig.context.search(context):
        return False
    if sig.types and not type_ok and not sig.either:
        return False
    if sig.message is not None and not (sig.either and type_ok):
        gate = _MSG_GATES.get(sig.id)
        if gate is not None and not any(g in msg_lower for g in gate):
            return False
        if not sig.message.search(msg):
            return False
    if sig.code is not None and not sig.code.search(code):
        return False
    return not (sig.frames is not None and not sig.frames.search(files))


def _window(evidence: Evidence) -> list[str]:
    """A bounded list of lines to scan: head and tail of text and logs, events, templates."""
    out: list[str] = []
    for blob in (evidence.text, evidence.logs):
        if not blob:
            continue
        whole = blob
        if len(blob) > 400_000:
            blob = blob[:40_000] + "\n" + blob[-200_000:]
        lines = blob.splitlines()
        total = len(lines) + (1 if blob is not whole else 0)
        if len(lines) > _TEXT_HEAD_LINES + _TEXT_TAIL_LINES:
            lines = lines[:_TEXT_HEAD_LINES] + lines[-_TEXT_TAIL_LINES:]
        # Stack frames and the source lines under them describe code, not what happened.
        skip_code = False
        budget = _WINDOW_CHARS
        kept: list[str] = []
        for line in reversed(lines):
            budget -= min(len(line), _MAX_LINE) + 1
            if budget < 0:
                break
            kept.append(line)
        if len(kept) < len(lines):
            lines = lines[: min(_TEXT_HEAD_LINES, len(lines) - len(kept))][:10] + kept[::-1]
        if len(lines) < total:
            # The failure may sit in the part cut out (healthy output after it): keep the
            # failure lines found anywhere in the blob, in order, between head and tail.
            # When the kept lines already show a failure, only the stretch just before them is
            # read (speed); otherwise the whole (bounded) blob is.
            scan = whole[-_NEAR_TAIL:] if any(is_failure_line(ln) for ln in lines) else whole
            have = set(lines)
            middle = [ln for _, ln in failure_lines(scan, _MAX_FAILURE_LINES) if ln not in have]
            head = min(_TEXT_HEAD_LINES, 10)
            lines = lines[:head] + list(dict.fromkeys(middle)) + lines[head:]
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith('File "') and ", line " in stripped:
                skip_code = True
                continue
            if skip_code and line[:1] in (" ", "\t"):
                continue
            skip_code = False
            out.append(line[:_MAX_LINE])
    out.extend(e[:_MAX_LINE] for e in evidence.events[-200:])
    for t in evidence.log_templates[:200]:
        if t.is_new or (t.level or "").upper() in ("ERROR", "CRITICAL", "FATAL", "WARNING"):
            out.append(t.template[:_MAX_LINE])
    return out


def _gated_lines(joined: str, lowered: str, gate: tuple[str, ...]) -> list[str]:
    """The lines of `joined` that contain one of the gate literals, in input order."""
    spans: set[tuple[int, int]] = set()
    for g in gate:
        pos = 0
        while len(spans) < 200:
            i = lowered.find(g, pos)
            if i < 0:
                break
            ls = lowered.rfind("\n", 0, i) + 1
            le = lowered.find("\n", i)
            le = len(lowered) if le < 0 else le
            spans.add((ls, le))
            pos = le + 1
    return [joined[a:b] for a, b in sorted(spans)]


def _haystacks(evidence: Evidence, window: list[str]) -> list[str]:
    """Where quotes are looked up: the scanned window first, then bounded tails of the input.

    Every returned string is a verbatim slice of the input, so any line found in it is an
    exact substring of the evidence.
    """
    hs = ["\n".join(window)]
    for blob in (evidence.text, evidence.logs):
        if blob:
            hs.append(blob[-_MAX_PARSE:] if len(blob) > _MAX_PARSE else blob)
    hs.extend(evidence.events[-200:])
    hs.extend(t.template for t in evidence.log_templates[:200])
    return [h for h in hs if h]


def _quote(needle: str, evidence: Evidence, hay: list[str]) -> str | None:
    """A verbatim line of the input containing `needle` (or the needle itself if it is one)."""
    needle = needle.strip()
    if not needle:
        return None
    for h in hay:
        idx = h.find(needle)
        if idx >= 0:
            start = h.rfind("\n", 0, idx) + 1
            end = h.find("\n", idx)
            line = h[start : end if end >= 0 else len(h)].strip()
            if len(line) > 500:
                return needle[:500]
            return line
    return None


def _exception_quotes(info: ExceptionInfo, evidence: Evidence, hay: list[str]) -> list[str]:
    quotes: list[str] = []
    first = _short(info.message, 400)
    line = None
    if first:
        line = _quote(f"{info.type}: {first}", evidence, hay) or _quote(first, evidence, hay)
        if line is None:
            line = first  # verbatim part of the exception rendering
    else:
        line = _quote(info.type, evidence, hay) or info.type
    quotes.append(line)
    user = [f for f in info.frames if f.is_user and f.code]
    if user:
        code = user[-1].code or ""
        if any(code in h for h in hay) or not hay:
            quotes.append(code)
    return quotes


_ENV_NAME = re.compile(r"""(?:environ(?:\.get)?|getenv|EnvVar)\s*[\[(]\s*['"](\w+)['"]""")


def _format_cause(
    template: str, info: ExceptionInfo | None, text_line: str | None, code: str = ""
) -> str:
    if "{env}" in template:
        em = _ENV_NAME.search(code)
        template = template.replace("{env}", f"'{em.group(1)}'" if em else "")
    q = ""
    src = info.message if info is not None else (text_line or "")
    m = _QUOTED.search(src[:500])
    if m:
        q = m.group(1)
    elif info is not None and info.type.endswith("KeyError") and info.message.strip():
        q = info.message.strip()[:80]
    out = template.replace("{q}", f"'{q}'" if q else "")
    return re.sub(r"\s{2,}", " ", out).strip()


# `Caused by:` opens its line, or follows a per-line prefix (a timestamp, `! `, a pod name).
_CAUSED_BY = re.compile(r"(?:^|[\s\]!>|])Caused by:\s+([\w$.]{1,200})(?::\s?(.*))?$")


def _jvm_causes(lines: list[str]) -> list[ExceptionInfo]:
    """The `Caused by: Type: message` lines of JVM traces, deepest (last printed) first."""
    out: list[ExceptionInfo] = []
    for line in lines:
        m = _CAUSED_BY.search(line) if "Caused by:" in line else None
        if m and ("." in m.group(1) or m.group(1)[:1].isupper()):
            out.append(
                ExceptionInfo(type=m.group(1), message=(m.group(2) or "").strip(), link="cause")
            )
    out.reverse()
    return out[:_MAX_PSEUDO]


def _pseudo_exceptions(lines: list[str]) -> list[ExceptionInfo]:
    """`Type: message` found inside log lines, when no traceback could be parsed."""
    found: list[ExceptionInfo] = []
    seen: set[str] = set()
    for line in reversed(lines):
        if len(found) >= _MAX_PSEUDO:
            break
        m = _INLINE_EXC.search(line.rstrip())
        if not m:
            continue
        key = f"{m.group(1)}|{m.group(2) or ''}"
        if key in seen:
            continue
        seen.add(key)
        found.append(ExceptionInfo(type=m.group(1), message=(m.group(2) or "").strip()))
    found.reverse()
    return found


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dict):
        for k in ("value", "raw_value", "int", "float"):
            if k in v:
                return _as_number(v[k])
    if isinstance(v, str) and v.strip().isdigit():
        return float(v.strip())
    return None


def _column_names(v: Any) -> set[str] | None:
    if isinstance(v, (list, tuple)):
        names: set[str] = set()
        for item in v:
            if isinstance(item, str):
                names.add(item)
            elif isinstance(item, dict) and "name" in item:
                names.add(str(item["name"]))
        return names or None
    if isinstance(v, dict):
        if "columns" in v:
            return _column_names(v["columns"])
        return {str(k) for k in v} or None
    if isinstance(v, str) and v.strip():
        return {p.strip() for p in re.split(r"[,\s]+", v) if p.strip()}
    return None


def _upstream_hits(evidence: Evidence, judged: list[ExceptionInfo]) -> list[_Hit]:
    hits: list[_Hit] = []
    for up in evidence.upstream[:50]:
        md = up.metadata or {}
        for key in _ROW_COUNT_KEYS:
            if key in md:
                n = _as_number(md[key])
                if n is not None and n == 0:
                    hits.append(
                        _Hit(
                            None,
                            Category.MISSING_INPUT,
                            0.8,
                            f"Upstream asset {up.asset_key} materialized 0 rows, so this step got "
                            "no input data",
                            [],
                            (
                                f"Check why {up.asset_key} produced no rows (source empty, filter, "
                                "partition key) and rematerialize it.",
                                "Guard the empty case explicitly in this step.",
                            ),
                            strength="upstream",
                        )
                    )
                break
        for key in _COLUMN_KEYS:
            cols = _column_names(md.get(key)) if key in md else None
            if not cols:
                continue
            for info in judged:
                if not info.type.endswith(("KeyError", "ColumnNotFoundError")) and not re.search(
                    r"not in index|column", info.message[:300], re.I
                ):
                    continue
                m = _QUOTED.search(info.message[:300]) or re.match(r"\s*(\S+)", info.message)
                missing = m.group(1) if m else None
                if missing and missing not in cols:
                    hits.append(
                        _Hit(
                            None,
                            Category.SCHEMA_MISMATCH,
                            0.9,
                            f"Upstream asset {up.asset_key} has no column '{missing}' "
                            f"(it has: {', '.join(sorted(cols)[:12])})",
                            [],
                            (
                                f"Use the column name {up.asset_key} now provides, or restore "
                                f"'{missing}' in the upstream.",
                                "Add a schema check between the assets.",
                            ),
                            exc=info,
                            strength="upstream",
                        )
                    )
                    break
    return hits


@dataclass
class Located:
    """Stage 1's output: where the failure is in the evidence."""

    window: list[str]
    hay: list[str]
    exceptions: list[ExceptionInfo]
    judged: list[ExceptionInfo]
    pseudo: bool
    user_frame: Frame | None
    source_line: str | None
    context: str
    # The lines of the window that read as a failure (textscan), in order: read once here,
    # by every later stage.
    failing: list[str] = field(default_factory=list)

    @property
    def failure_lines(self) -> int:
        return len(self.failing)

    @property
    def root(self) -> ExceptionInfo | None:
        return self.judged[0] if self.judged else None


@dataclass
class Ranked:
    """Stage 4's output: the best hit per category with its corroborated score."""

    score: float
    category: Category
    best: _Hit
    hits: list[_Hit]


def locate_error(evidence: Evidence) -> Located:
    """Stage 1: the exception chain (parsed from text, or read from log lines) and the
    bounded window of text lines the later stages scan."""
    exceptions = list(evidence.exceptions)
    window = _window(evidence)
    hay = _haystacks(evidence, window)
    if not exceptions and evidence.text:
        text = evidence.text
        if len(text) > _MAX_PARSE:
            text = text[-_MAX_PARSE:]
        if "Traceback" in text or "Error" in text or "Exception" in text:
            exceptions = parse_exceptions(text)
    pseudo = False
    if not exceptions and window:
        exceptions = _pseudo_exceptions(window)
        pseudo = bool(exceptions)
    causes = _jvm_causes(window)
    if causes:
        # A JVM trace prints the surface first and its causes below it, the deepest last:
        # the chain here is root first, so the deepest `Caused by:` leads.
        # A cause also read as a plain `Type: message` line still leads.
        keys = {(c.type, c.message) for c in causes}
        exceptions = causes + [e for e in exceptions if (e.type, e.message) not in keys]
    # Warnings printed in logs are not failures; wrappers are judged by what they wrap.
    exceptions = [e for e in exceptions if not e.type.endswith("Warning")]
    if len(exceptions) > 16:  # bound the work on pathological chains
        exceptions = exceptions[:10] + exceptions[-6:]
    judged = [e for e in exceptions if not _is_wrapper(e)] or list(exceptions)
    user_frame = failing_user_frame(judged) or failing_user_frame(exceptions)
    source_line: str | None = None
    ctx = ""
    if evidence.source is not None:
        src = evidence.source
        source_line = src.lines.get(src.line)
        ctx = "\n".join(src.lines[n] for n in sorted(src.lines) if src.line - 4 <= n < src.line)
        ctx = ctx[:2000]
    failing = [ln for ln in window if is_failure_line(ln)]
    return Located(window, hay, exceptions, judged, pseudo, user_frame, source_line, ctx, failing)


def match_exceptions(loc: Located, evidence: Evidence) -> list[_Hit]:
    """Stage 2a: every judged exception of the chain against the catalog, root first."""
    hits: list[_Hit] = []
    root = loc.root
    position = {id(e): i for i, e in enumerate(loc.exceptions)}
    n = len(loc.judged)
    for idx, info in enumerate(loc.judged):
        weight = 1.0 - 0.03 * idx
        nxt_pos = position.get(id(info), -2) + 1
        if 0 < nxt_pos < len(loc.exceptions) and loc.exceptions[nxt_pos].link == "context":
            weight *= 0.93
        if loc.pseudo:
            weight *= 0.93
        msg = _PAREN_TYPE_PREFIX.sub("", info.message[:_MAX_MSG], count=1)
        if msg.strip() in _NO_MESSAGE:
            msg = ""  # the JVM prints a missing message as "null", Python as "None"
        msg_lower = msg.lower()
        short_type = info.type.rsplit(".", 1)[-1]
        code = _frame_code(info, loc.source_line if info is root else None)
        files = "\n".join(f.file for f in info.frames[-30:])
        cands: list[tuple[Signature, bool]] = []
        for key in _type_keys(info):
            cands.extend((sg, True) for sg in _BY_TYPE.get(key, ()))
        cands.extend((sg, False) for sg in _UNTYPED)
        seen_ids: set[str] = set()
        ctx = loc.context if info is root else ""
        for sig, type_ok in cands:
            if sig.id in seen_ids:
                continue
            seen_ids.add(sig.id)
            if sig.id in _KEYWORD_SIGS and short_type in _CODE_TYPES:
                continue
            if not _match_exception(sig, info, msg, code, files, type_ok, ctx, msg_lower):
                continue
            score = sig.confidence * weight
            if sig.generic and n > 1:
                score *= 0.8
            type_only = type_ok and not (sig.message or sig.code or sig.frames or sig.context)
            hits.append(
                _Hit(
                    sig,
                    sig.category,
                    score,
                    _format_cause(sig.cause, info, None, code),
                    _exception_quotes(info, evidence, loc.hay),
                    sig.remediation,
                    exc=info,
                    surface=sig.surface or type_only,
                )
            )
    return hits


def _matching_lines(
    rx: re.Pattern[str], joined: str, gate: tuple[str, ...] | None, cap: int = 12
) -> list[str]:
    """The lines of `joined` that `rx` matches (at most `cap`), scanning gated lines only."""
    lowered = joined.lower()
    scope = joined
    if gate is not None and len(lowered) == len(joined):
        glines = _gated_lines(joined, lowered, gate)
        if len(glines) <= 6:
            return [c.strip() for c in glines if rx.search(c)]
        scope = "\n".join(glines)
    out: list[str] = []
    pos = 0
    while len(out) < cap:
        m = rx.search(scope, pos)
        if not m:
            break
        start = scope.rfind("\n", 0, m.start()) + 1
        end = scope.find("\n", m.end())
        end = len(scope) if end < 0 else end
        out.append(scope[start:end].strip())
        pos = end + 1
        if pos >= len(scope):
            break
    return out


def match_text(loc: Located, evidence: Evidence) -> list[_Hit]:
    """Stage 2b: the text signatures against the window (logs, events, rendered text).

    Each wording is weighed by the line it is found on
    (`sentinel_brain.textscan.line_weight`): on an
    error line it counts fully, on a routine INFO line it is a hint, and in a text with no
    failure anywhere a plain line is a hint too, so healthy output is not diagnosed.
    """
    hits: list[_Hit] = []
    text_factor = 0.9 if loc.judged and not loc.pseudo else 1.0
    joined = "\n".join(loc.window)
    if not joined:
        return hits
    has_failure = bool(loc.judged) or loc.failure_lines > 0
    lowered = joined.lower()
    for sig in _TEXT_SIGS:
        assert sig.text is not None
        gate = _TEXT_GATES.get(sig.id)
        if gate is not None and not any(g in lowered for g in gate):
            continue
        lines = _matching_lines(sig.text, joined, gate)
        if not lines:
            continue
        # A specific wording is itself the statement of a failure; a hint is not.
        specific = sig.confidence >= _SPECIFIC
        weights = [line_weight(ln, has_failure or specific, specific) for ln in lines]
        best = max(range(len(lines)), key=lambda i: (weights[i], -i))
        line = lines[best]
        quote = _quote(line, evidence, loc.hay)
        score = sig.confidence * text_factor * weights[best]
        if not has_failure and not specific:
            # Nothing in the text reads as a failure: a wording is a hint, never a verdict.
            score = min(score, _NO_FAILURE_CAP)
        hits.append(
            _Hit(
                sig,
                sig.category,
                score,
                _format_cause(sig.cause, None, line),
                [quote] if quote else [],
                sig.remediation,
                strength="text",
            )
        )
    return hits + _match_failure_lines(
        loc, evidence, text_factor, {h.sig.id for h in hits if h.sig}
    )


def _match_failure_lines(
    loc: Located, evidence: Evidence, factor: float, done: set[str]
) -> list[_Hit]:
    """Stage 2c: the failure lines of the window read with the message wordings.

    Only lines that read as a failure (`is_failure_line`) are tried, the last ones first,
    so the cost stays bounded and healthy output is never diagnosed this way.
    """
    lines = loc.failing[-_MAX_FAILURE_LINES:]
    if not lines:
        return []
    joined = "\n".join(lines)
    lowered = joined.lower()
    hits: list[_Hit] = []
    for sig in _LINE_MESSAGE_SIGS:
        if sig.id in done:
            continue
        assert sig.message is not None
        gate = _MSG_GATES.get(sig.id)
        if gate is not None and not any(g in lowered for g in gate):
            continue
        found = _matching_lines(sig.message, joined, gate, cap=4)
        if not found:
            continue
        line = found[-1]
        quote = _quote(line, evidence, loc.hay)
        hits.append(
            _Hit(
                sig,
                sig.category,
                sig.confidence * factor * _LINE_MESSAGE_FACTOR * line_weight(line, True, True),
                _format_cause(sig.cause, None, line),
                [quote] if quote else [],
                sig.remediation,
                strength="text",
                surface=sig.surface,
                reread=True,
            )
        )
    return hits


def apply_root_cause_rules(
    hits: list[_Hit], up_hits: list[_Hit], loc: Located, evidence: Evidence
) -> list[_Hit]:
    """Stage 3: a generic code error on an empty upstream is a missing input."""
    hits = list(hits)
    empty_hint = any(
        h.category is Category.MISSING_INPUT and h.strength == "upstream" for h in hits
    )
    empty_line: str | None = None
    if not empty_hint:
        for line in loc.window[-300:]:
            if _EMPTY_HINT.search(line):
                empty_hint = True
                empty_line = line.strip()
                break
    best_exc = max(
        (h for h in hits if h.strength == "exception"), key=lambda h: h.score, default=None
    )
    if best_exc is None or best_exc.sig is None or best_exc.sig.id not in _WEAK_CODE_SIGS:
        return hits
    up_empty = [h for h in up_hits if h.category is Category.MISSING_INPUT]
    if up_empty:
        for h in up_empty:
            h.score = max(h.score, min(0.9, best_exc.score + 0.06))
            h.evidence = h.evidence or best_exc.evidence[:2]
    elif empty_hint:
        ev = [empty_line] if empty_line and _quote(empty_line, evidence, loc.hay) else []
        ev += best_exc.evidence[:2]
        hits.append(
            _Hit(
                None,
                Category.MISSING_INPUT,
                min(0.9, best_exc.score + 0.06),
                "The upstream input was empty"
                + (f' ("{_short(empty_line, 120)}")' if empty_line else "")
                + ", so the code received None/empty data and failed with "
                + (best_exc.exc.type if best_exc.exc else "an error"),
                ev,
                (
                    "Find why the upstream produced no data for this run/partition and "
                    "rematerialize it.",
                    "Handle the empty input explicitly (skip, or fail with a clear message).",
                ),
                exc=best_exc.exc,
                strength="upstream",
            )
        )
    return hits


def add_alternatives(hits: list[_Hit]) -> list[_Hit]:
    """Stage 3b: the secondary categories each matched signature keeps plausible."""
    out = list(hits)
    for h in hits:
        if h.sig is None:
            continue
        for cat, conf in h.sig.also:
            out.append(
                _Hit(
                    None,
                    cat,
                    min(conf, h.score * 0.9),
                    f"Alternative: {cat.value.replace('_', ' ')} behind "
                    f"{h.exc.type if h.exc else 'the matched text'}",
                    h.evidence[:2],
                    (_DEFAULT_FIX[cat][:1].upper() + _DEFAULT_FIX[cat][1:] + ".",),
                    exc=h.exc,
                    strength="also",
                )
            )
    return out


# Surfaces a wrong configured value often hides behind: the connection, login or lookup
# failed because the host, port, region, key or name the deployment supplied is wrong.
_CONFIG_SURFACES = frozenset(
    {
        Category.DEPENDENCY_UNAVAILABLE,
        Category.AUTH_FAILURE,
        Category.PERMISSION_DENIED,
        Category.MISSING_INPUT,
        Category.TIMEOUT,
    }
)
# A line naming where a value came from: an environment variable for an address or a
# credential, a config file, a connection string/DSN, a profile, a `key=value` setting.
_CONFIG_SOURCE_VAR = re.compile(
    r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]*(HOST|PORT|URL|URI|DSN|ENDPOINT|REGION|SERVERS?|BROKERS?|ADDR|"
    r"ADDRESS|BUCKET|PROFILE|USER|USERNAME|PASSWORD|TOKEN|KEY|DATABASE|DB)\b"
)
_CONFIG_SOURCE_WORD = re.compile(
    r"\b(bootstrap[._]servers|connection[ _.-]?string|conn(ection)?_(url|uri|string)|dsn|"
    r"profiles?\.yml|config(uration)? (file|key|setting|value|property)|"
    r"[\w./-]+\.(ya?ml|ini|conf|cfg|toml|properties|env)\b|"
    r"(host|hostname|port|region|endpoint|server|url)\s*[=:]\s*['\"]?[\w.:/-]+)",
    re.IGNORECASE,
)


def add_config_source_alternative(hits: list[_Hit], loc: Located, evidence: Evidence) -> list[_Hit]:
    """Stage 3c: keep config_error in view when the text names the configured value.

    A refused connection, a rejected login or a missing object is reported by its surface
    category; when the same text names the configuration the target came from (an env
    var, a config file, a DSN, a `host=`/`region=` setting), a wrong configured value is
    a plausible cause, so config_error joins the candidates below the surface reading.
    """
    if not hits:
        return hits
    best = max(hits, key=lambda h: h.score)
    if best.category not in _CONFIG_SURFACES or best.strength == "also":
        return hits
    score = min(0.7, best.score * 0.8)
    if any(h.category is Category.CONFIG_ERROR and h.score >= score for h in hits):
        return hits
    for line in reversed(loc.window[-300:]):
        if _CONFIG_SOURCE_VAR.search(line) or _CONFIG_SOURCE_WORD.search(line):
            quoted = _quote(line, evidence, loc.hay)
            if quoted is None:
                continue
            return [
                *hits,
                _Hit(
                    None,
                    Category.CONFIG_ERROR,
                    score,
                    "Alternative: a wrong configured value (host, port, region, credentials "
                    f"or name) behind the {best.category.value.replace('_', ' ')} "
                    f'("{_short(quoted, 120)}")',
                    [quoted],
                    (
                        _DEFAULT_FIX[Category.CONFIG_ERROR][:1].upper()
                        + _DEFAULT_FIX[Category.CONFIG_ERROR][1:]
                        + ".",
                    ),
                    exc=best.exc,
                    strength="also",
                ),
            ]
    return hits


def _change_fact(change: ConfigChange, run_id: str) -> str:
    """One changed setting as evidence: its path, old and new value, and the run compared."""
    return (
        f"run config {change.path}: {change.before or '(absent)'} -> "
        f"{change.after or '(absent)'} since the last success (run {run_id[:8]})"
    )


def prefer_changed_config(hits: list[_Hit], loc: Located, evidence: Evidence) -> list[_Hit]:
    """Stage 3d: a failure right after a run-config change is first a question about it.

    When the run config differs from the job's last successful run and the failure reads as
    one a wrong configured value hides behind (stage 3c's surfaces): if a failure line names
    a changed value (the new port, host, bucket), `config_error` leads, quoting that line and
    the change; otherwise it joins the candidates below the surface reading.
    """
    ps = evidence.previous_success
    if not hits or ps is None or not ps.config_changes:
        return hits
    best = max(hits, key=lambda h: h.score)
    if best.category not in _CONFIG_SURFACES or best.strength == "also":
        return hits
    lines = [*loc.failing, *loc.window] if loc.failing else loc.window
    for change in ps.config_changes:
        line = named_in(change, lines)
        if line is None:
            continue
        quoted = _quote(line, evidence, loc.hay)
        if quoted is None:
            continue
        return [
            *hits,
            _Hit(
                None,
                Category.CONFIG_ERROR,
                max(_WEAK_WORDING, min(0.97, best.score + 0.05)),
                f"A run-config value changed since the last success and the failure names it: "
                f"{change.path} is now {change.after} (was {change.before or 'absent'})",
                [quoted, _change_fact(change, ps.run_id)],
                (
                    f"Check {change.path}: it changed since the last successful run "
                    f"({change.before or 'absent'} -> {change.after}); restore the previous "
                    "value, or fix the target it now points at.",
                    "Re-run once the value is right.",
                ),
                exc=best.exc,
                strength="changed",
            ),
        ]
    # Below the surface reading, above any other config_error alternative (stage 3c's): the
    # change is one more fact for it. A config_error wording of the catalog says more.
    mine = [h for h in hits if h.category is Category.CONFIG_ERROR]
    if any(h.strength != "also" for h in mine):
        return hits
    paths = ", ".join(c.path for c in ps.config_changes[:3])
    more = len(ps.config_changes) - 3
    paths += f" and {more} more" if more > 0 else ""
    prior = max((h.score for h in mine), default=0.0)
    score = min(best.score - 0.01, max(min(0.7, best.score * 0.85), prior + 0.01))
    return [
        *hits,
        _Hit(
            None,
            Category.CONFIG_ERROR,
            score,
            f"Alternative: the run config changed since the last success ({paths}); a changed "
            f"value may be behind the {best.category.value.replace('_', ' ')}",
            [_change_fact(c, ps.run_id) for c in ps.config_changes[:3]],
            (f"Compare the run config with the last successful run's ({paths}).",),
            exc=best.exc,
            strength="also",
        ),
    ]


def _line_index(window: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, line in enumerate(window):
        index.setdefault(line.strip(), i)
    return index


def _position(hit: _Hit, index: dict[str, int], window: list[str]) -> int | None:
    for quote in hit.evidence[:1]:
        if quote in index:
            return index[quote]
        return next((i for i, ln in enumerate(window) if quote and quote in ln), None)
    return None


def prefer_meaning(hits: list[_Hit], loc: Located) -> list[_Hit]:
    """Stage 3a: the message's meaning outranks its surface.

    A hit from a `surface` signature (an HTTP status, an error class or code) is lowered
    when a wording of another category is found on the same or a nearby line: a 403 whose
    body says the rate limit was exceeded is rate limiting, an AccessDenied next to "does
    not exist" is a missing input.
    """
    surface = [h for h in hits if h.surface or (h.sig is not None and h.sig.surface)]
    if not surface:
        return hits
    index = _line_index(loc.window)
    meanings = [
        (h, _position(h, index, loc.window))
        for h in hits
        if h.sig is not None
        and not (h.surface or h.sig.surface)
        and h.strength in ("text", "exception")
        and h.score >= 0.6
    ]
    for h in surface:
        pos = _position(h, index, loc.window)
        for m, mpos in meanings:
            if m.category is h.category:
                continue
            same_exc = h.exc is not None and h.exc is m.exc
            near = pos is not None and mpos is not None and abs(pos - mpos) <= _NEAR_LINES
            if same_exc or near:
                h.score *= _SURFACE_FACTOR
                break
    return hits


def _span(hit: _Hit) -> tuple[str, int, int] | None:
    """The quoted line of a wording hit and where on it the wording matched."""
    sig = hit.sig
    if sig is None or not hit.evidence or hit.strength not in ("text", "exception"):
        return None
    if sig.code is not None or sig.frames is not None or sig.context is not None:
        return None  # judged on the code too, not on its wording alone
    line = hit.evidence[0]
    for rx in (sig.text, sig.message):
        if rx is None:
            continue
        longest = max(rx.finditer(line), key=lambda m: m.end() - m.start(), default=None)
        if longest is not None and longest.end() > longest.start():
            return line, longest.start(), longest.end()
    return None


def prefer_specific(hits: list[_Hit]) -> list[_Hit]:
    """Stage 3a': on one line, a wording inside a longer wording says less than it.

    "bad interpreter: No such file or directory" is a runtime problem, not a missing
    file; "Dataset x was not found in location EU" is a wrong location, not a missing
    dataset. When the match of one category's wording lies inside the match of another
    category's longer wording on the same line, and the longer wording is at least as sure
    of itself (a broad pattern spanning much of a line is not more specific), the shorter
    one is lowered.
    """
    spans = [(h, _span(h)) for h in hits]
    placed = [(h, sp) for h, sp in spans if sp is not None]
    for h, (line, a, b) in placed:
        for o, (oline, c, d) in placed:
            if o.category is h.category or oline != line:
                continue
            assert h.sig is not None and o.sig is not None
            if c <= a and b <= d and (d - c) > (b - a) and o.sig.confidence >= h.sig.confidence:
                h.score *= _SURFACE_FACTOR
                break
    return hits


def rank(hits: list[_Hit]) -> list[Ranked]:
    """Stage 4: best hit per category, small bonus for independent corroboration."""
    by_cat: dict[Category, list[_Hit]] = {}
    for h in hits:
        by_cat.setdefault(h.category, []).append(h)
    ranked: list[Ranked] = []
    for cat, hs in by_cat.items():
        hs.sort(key=lambda h: h.score, reverse=True)
        best = hs[0]
        distinct = {
            h.sig.id if h.sig else h.cause
            for h in hs
            if h.strength != "also"
            and not h.reread
            and not (h.sig is not None and (h.sig.generic or h.sig.id.endswith("_plain")))
        }
        bonus = min(0.04, 0.02 * max(0, len(distinct) - 1)) if best.strength != "also" else 0.0
        ranked.append(Ranked(min(0.97, best.score + bonus), cat, best, hs))
    ranked.sort(key=lambda r: (-r.score, r.category.value))
    return ranked


def build_candidates(ranked: list[Ranked], loc: Located, evidence: Evidence) -> list[Candidate]:
    """Stage 5: the top five categories as candidates; `unknown` first when nothing is
    convincing, quoting what was examined."""
    candidates: list[Candidate] = []
    for r in ranked[:5]:
        pool = list(r.best.evidence)
        for other in r.hits:
            if other is not r.best and other.strength != "also":
                pool.extend(other.evidence)
        evid = [e for e in dict.fromkeys(x for x in pool if x)][:4]
        candidates.append(
            Candidate(
                category=r.category,
                cause=r.best.cause,
                confidence=round(max(0.01, min(0.99, r.score)), 3),
                evidence=evid,
                remediation=list(r.best.remediation),
                signature=r.best.sig.id if r.best.sig else None,
            )
        )
    if candidates and candidates[0].confidence >= _UNKNOWN_BELOW:
        return candidates
    root = loc.root
    unknown_ev: list[str] = []
    if root is not None:
        unknown_ev = _exception_quotes(root, evidence, loc.hay)[:2]
    else:
        tail = next((ln.strip() for ln in reversed(loc.window) if ln.strip()), None)
        if tail:
            unknown_ev = [tail]
    if root is None and loc.failure_lines == 0:
        cause = (
            f"No failure found: none of the {len(loc.window)} lines examined has an exception, "
            "an error level or marker, or the wording of a failure"
        )
    elif root is None:
        cause = (
            f"{loc.failure_lines} line(s) read as a failure, but none matches a known failure "
            "wording"
        )
        unknown_ev = [ln.strip() for ln in loc.failing[-2:]] or unknown_ev
    else:
        cause = "No known failure signature matches the evidence"
    unk = Candidate(
        category=Category.UNKNOWN,
        cause=cause,
        confidence=0.35 if root is not None else 0.15,
        evidence=unknown_ev,
        remediation=[
            "Read the full step logs around the failure time; the error may have been "
            "swallowed or printed outside the captured output.",
            "Re-run the step with debug logging to capture a traceback.",
        ],
    )
    return [unk] + [c for c in candidates if c.category is not Category.UNKNOWN]


_BY_VOCABULARY_NOTE = (
    "No known failure wording matched: the category was inferred from the words the failure "
    "lines share with the catalog's wordings (low confidence)."
)


def by_vocabulary(
    candidates: list[Candidate], ranked: list[Ranked], loc: Located
) -> tuple[list[Candidate], bool]:
    """Stage 5b: when nothing matched, the categories whose vocabulary the failure lines
    share (`sentinel_brain.vocabulary`), at low confidence, the deciding line quoted.

    Stays `unknown` when no line reads as a failure (a healthy log's routine words are not
    evidence), when no cue word supports the best category, or when a catalog entry
    recognised the text and judged it non-diagnostic (a bare `CrashLoopBackOff` status).
    A generic entry (the class-only fallback for `RuntimeError`/`Exception`) judges
    nothing, so it does not stop the message being read.
    Returns the candidates and whether the vocabulary decided.
    """
    if any(
        h.sig is not None and not h.sig.generic and h.sig.confidence < _UNKNOWN_BELOW
        for r in ranked
        for h in r.hits
    ):
        return candidates, False
    lines, min_cues = _vocabulary_lines(loc)
    if not lines:
        return candidates, False  # nothing in the text reads as a failure: nothing to explain
    found = catalog_vocabulary(_UNKNOWN_BELOW).match(lines, min_cues)
    if found is None:
        return candidates, False
    nearest = found.nearest
    out: list[Candidate] = []
    for i, (cat, p) in enumerate(found.ranked[:3]):
        if i == 0:
            cause = (
                f"No known wording matched; the failure line's words ({found.quoted_cues}) "
                f"are those of {cat.value.replace('_', ' ')} failures"
            )
            remediation = [FIRST_STEP[cat]]
            if nearest is not None:
                cause += (
                    f". The most similar known case: {nearest.cause[:1].lower()}{nearest.cause[1:]}"
                )
                remediation += [f"If it is that case: {nearest.remediation[0]}"]
            evidence = [found.line]
        else:
            cause = f"Less likely by the failure lines' words: {cat.value.replace('_', ' ')}"
            evidence, remediation = [], []
        out.append(
            Candidate(
                category=cat,
                cause=cause,
                confidence=round(_VOCABULARY_BASE + _VOCABULARY_SPAN * p, 3),
                evidence=evidence,
                remediation=remediation,
            )
        )
    return out + [c for c in candidates if c.category is Category.UNKNOWN], True


_OVERRULED_NOTE = (
    "The matched wording is a weak one: the failure lines' words point to another category "
    "more strongly, so it leads and the wording's category follows."
)


def vocabulary_overrules(candidates: list[Candidate], loc: Located) -> tuple[list[Candidate], bool]:
    """Stage 5c: a weak catalog hit (a broad keyword or surface wording, below
    `_WEAK_WORDING`) yields to the vocabulary when two or more cue words of the failure
    lines name another category. The wording's category stays second."""
    top = candidates[0]
    if top.category is Category.UNKNOWN or top.confidence >= _WEAK_WORDING:
        return candidates, False
    found = catalog_vocabulary(_UNKNOWN_BELOW).match(loc.failing or loc.window, 2, weak=False)
    if found is None or found.ranked[0][0] is top.category:
        return candidates, False
    cat = found.ranked[0][0]
    have = next((c for c in candidates if c.category is cat), None)
    lead = Candidate(
        category=cat,
        cause=(
            f"The failure line's words ({found.quoted_cues}) are those of "
            f"{cat.value.replace('_', ' ')} failures, more than the matched wording's "
            f"({top.cause[:1].lower()}{top.cause[1:]})"
        ),
        confidence=round(min(_WEAK_WORDING, top.confidence + 0.01), 3),
        evidence=[found.line],
        remediation=(have.remediation if have is not None else []) or [FIRST_STEP[cat]],
        signature=have.signature if have is not None else None,
    )
    return [lead] + [c for c in candidates if c.category is not cat], True


def _vocabulary_lines(loc: Located) -> tuple[list[str], int]:
    """The lines the vocabulary reads and how many cue words it needs.

    The failure lines, or the whole window when an exception says there was a failure,
    need one cue. A short text with no routine (INFO/DEBUG) line and no failure word was
    handed over as the failure itself (a failure event's message, a pasted error): its
    lines are read, but only two cues decide, since nothing else says it is a failure.
    Otherwise nothing reads as a failure and there is nothing to explain.
    """
    if loc.failing or loc.root is not None:
        return loc.failing or loc.window, 1
    lines = [ln for ln in loc.window if ln.strip()]
    if len(lines) <= _SHORT_TEXT_LINES and not any(line_level(ln) is Level.INFO for ln in lines):
        return lines, 2
    return [], 1


def _notes(evidence: Evidence, loc: Located, kind: Kind) -> list[str]:
    notes: list[str] = []
    if evidence.recurrence > 0:
        notes.append(
            f"Recurrence: the same fingerprint was seen {evidence.recurrence} time(s) before; "
            "a retry alone is unlikely to fix it."
            if evidence.recurrence > 1
            else "Recurrence: seen once before."
        )
    if evidence.previous_success:
        ps = evidence.previous_success
        when = (
            datetime.fromtimestamp(ps.end_time, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
            if ps.end_time
            else "time unknown"
        )
        changed = (
            f"; run config changed since in {len(ps.config_changes)} place(s)"
            if ps.config_changes
            else "; same run config"
        )
        notes.append(
            f"Last success: run {ps.run_id[:8]} ({when}){changed}. Compare what changed since "
            "(code version, config, data)."
        )
    if evidence.blast_radius:
        notes.append(
            f"Blast radius: {len(evidence.blast_radius)} downstream asset(s) affected "
            f"({', '.join(evidence.blast_radius[:5])})."
        )
    if loc.pseudo:
        notes.append("No Python traceback found; the error type was read from log lines.")
    if loc.root is None and kind.is_failure:
        notes.append("No exception in the input; diagnosis relies on text patterns only.")
    return notes


def examined_of(evidence: Evidence, loc: Located) -> list[str]:
    """What the analyzers looked at, for the report (and for an honest `unknown`)."""
    examined: list[str] = []
    exceptions = loc.exceptions
    if exceptions:
        chain = " <- ".join(e.type.rsplit(".", 1)[-1] for e in reversed(exceptions[:8]))
        nframes = sum(len(e.frames) for e in exceptions)
        nuser = sum(1 for e in exceptions for f in e.frames if f.is_user)
        examined.append(f"exception chain ({len(exceptions)}): {chain}")
        examined.append(f"{nframes} stack frames ({nuser} in user code)")
    if evidence.source is not None:
        examined.append(f"source context {evidence.source.file}:{evidence.source.line}")
    if evidence.text:
        examined.append(f"failure text ({len(evidence.text)} chars)")
    if evidence.logs:
        examined.append(f"captured logs ({evidence.logs.count(chr(10)) + 1} lines)")
    if evidence.events:
        examined.append(f"{len(evidence.events)} run events")
    if evidence.upstream:
        examined.append(
            "upstream metadata: " + ", ".join(u.asset_key for u in evidence.upstream[:8])
        )
    if evidence.log_templates:
        examined.append(f"{len(evidence.log_templates)} log templates")
    if evidence.previous_success:
        examined.append("previous successful run")
    if evidence.run_config:
        examined.append("run config")
    examined.append(f"{len(SIGNATURES)} failure signatures")
    return examined


def build_report(
    evidence: Evidence,
    loc: Located,
    ranked: list[Ranked],
    candidates: list[Candidate],
    kind: Kind,
    kind_examined: list[str],
) -> Report:
    """Stage 6: the report around the top candidate: identity, location, fix (remediation
    at the failing line), summary, notes, what was examined, fingerprint."""
    root = loc.root
    top = candidates[0]
    top_hit = ranked[0].best if ranked and ranked[0].category is top.category else None
    # Error identity: root user-facing error (not the wrapper).
    err_info = root
    if top_hit is not None and top_hit.exc is not None:
        err_info = top_hit.exc if root is None else root
    error_type = err_info.type if err_info else None
    error_message = _short(err_info.message, 2000) if err_info and err_info.message else None
    if err_info is not None and err_info.message and "\n" in err_info.message.strip():
        error_message = err_info.message.strip()[:2000]
    failing_location = None
    fix = None
    user_frame = loc.user_frame
    if user_frame is not None:
        failing_location = Location(
            file=user_frame.file, line=user_frame.line, function=user_frame.function
        )
        fix = _fix_text(user_frame, top, top_hit, loc.source_line)
    summary_exc = top_hit.exc if top_hit is not None and top_hit.exc is not None else err_info
    summary = _summary(top, summary_exc, user_frame, kind, loc.window)
    if evidence.recurrence > 0:
        summary += f" This failure has recurred {evidence.recurrence} time(s) before."
    return Report(
        category=top.category,
        summary=summary,
        severity=_severity(top.category, evidence, kind),
        candidates=candidates,
        failing_location=failing_location,
        fix_suggestion=fix,
        fingerprint=fingerprint(evidence),
        error_type=error_type,
        error_message=error_message,
        examined=kind_examined + examined_of(evidence, loc),
        notes=_notes(evidence, loc, kind),
    )


def kind_hits(evidence: Evidence, hits: list[_Hit]) -> list[_Hit]:
    """Stage 3c: the default hypotheses of a health-check finding, from its facts.

    A specific signature in the finding's text that points elsewhere outranks the kind's
    generic guess; one that agrees with it lifts the kind's hypothesis, which names the
    asset/check/job and quotes the facts.
    """
    specific = [h for h in hits if h.score >= 0.6 and h.strength in ("text", "exception")]
    out: list[_Hit] = []
    for h in health_hypotheses(evidence):
        agree = max((x.score for x in specific if x.category is h.category), default=0.0)
        if agree:
            score = min(0.97, max(h.confidence, agree + 0.01))
        else:
            score = h.confidence * (0.85 if specific else 1.0)
        out.append(
            _Hit(None, h.category, score, h.cause, list(h.evidence), h.remediation, strength="kind")
        )
    return out


def _safe_report(evidence: Evidence) -> Report:
    loc = locate_error(evidence)
    hits = match_exceptions(loc, evidence) + match_text(loc, evidence)
    up_hits = _upstream_hits(evidence, loc.judged)
    hits = prefer_specific(prefer_meaning(hits, loc))
    hits = apply_root_cause_rules(hits + up_hits, up_hits, loc, evidence)
    hits = add_alternatives(hits)
    hits = add_config_source_alternative(hits, loc, evidence)
    hits = prefer_changed_config(hits, loc, evidence)
    kind = evidence.kind
    extra = kind_hits(evidence, hits)
    kind_examined = [f"health-check incident of kind {kind.value}"] if extra else []
    ranked = rank(hits + extra)
    candidates = build_candidates(ranked, loc, evidence)
    by_words = kind.is_failure and candidates[0].category is Category.UNKNOWN
    overruled = False
    if by_words:
        candidates, by_words = by_vocabulary(candidates, ranked, loc)
    elif kind.is_failure:
        candidates, overruled = vocabulary_overrules(candidates, loc)
    report = build_report(evidence, loc, ranked, candidates, kind, kind_examined)
    if by_words:
        report.notes.append(_BY_VOCABULARY_NOTE)
    if overruled:
        report.notes.append(_OVERRULED_NOTE)
    return report


def _severity(cat: Category, evidence: Evidence, kind: Kind) -> Severity:
    sev = _SEVERITY.get(cat, Severity.MEDIUM)
    if kind in (Kind.LOG_ANOMALY, Kind.DURATION_REGRESSION, Kind.METRIC_ANOMALY):
        sev = Severity.MEDIUM if cat is not Category.UNKNOWN else Severity.LOW
    if kind is Kind.STALE_ASSET:
        sev = Severity.MEDIUM
    if evidence.recurrence >= 5 or len(evidence.blast_radius) >= 10:
        sev = Severity.CRITICAL
    return sev


def _fix_text(frame: Frame, top: Candidate, hit: _Hit | None, source_line: str | None) -> str:
    where = f"{frame.file}:{frame.line}" if frame.line else frame.file
    if frame.function:
        where += f" in {frame.function}()"
    code = frame.code or source_line
    what = None
    if hit is not None and hit.sig is not None and hit.sig.fix:
        what = hit.sig.fix
    elif hit is not None and hit.strength == "changed" and hit.remediation:
        # The code is as it was when the run succeeded; the value it was given is not.
        first = hit.remediation[0].rstrip(".")
        what = first[:1].lower() + first[1:]
    if what is None:
        what = _DEFAULT_FIX.get(top.category, "fix the logic at this line")
    code_part = f": `{code.strip()}`" if code else ""
    return f"At {where}{code_part} — {what}."


def _summary(
    top: Candidate, info: ExceptionInfo | None, frame: Frame | None, kind: Kind, window: list[str]
) -> str:
    cause = top.cause.rstrip(".")
    if top.category is Category.UNKNOWN:
        if info is not None:
            base = f"Unclassified failure: {info.type}: {_short(info.message, 220)}".rstrip(": ")
        else:
            base = f"The failure cause cannot be determined: {cause[:1].lower()}{cause[1:]}"
    elif info is not None:
        detail = f"{info.type.rsplit('.', 1)[-1]}: {_short(info.message, 220)}".rstrip(": ")
        if not info.message.strip():
            extra = next((e for e in top.evidence if info.type not in e and len(e) > 8), None)
            if extra:
                detail += f'; "{_short(extra, 160)}"'
        base = f"{cause} ({detail})"
    elif kind in DEFAULTS and top.signature is None:
        base = cause  # a health finding's cause already quotes its facts
    else:
        line = top.evidence[0] if top.evidence else ""
        base = f"{cause}" + (f' ("{_short(line, 160)}")' if line else "")
    if frame is not None and frame.line and top.category is not Category.UNKNOWN:
        base += f" at {frame.file.rsplit('/', 1)[-1]}:{frame.line}"
    if kind in DEFAULTS:
        base = f"[{kind.value}] {base}"
    return base.rstrip(". ") + "."


def analyze(evidence: Evidence) -> Report:
    """Rank root-cause hypotheses for the evidence.

    Never raises: if the analyzers themselves crash, the report is `degraded`, `unknown`,
    and names the error (it is also logged with its traceback), so a crash is never
    mistaken for an honest "cannot tell".
    """
    try:
        return _safe_report(evidence)
    except Exception as exc:  # noqa: BLE001 - the brain must always answer; logged below
        log.exception("offline analyzers crashed")
        error = f"{type(exc).__name__}: {exc}"[:300]
        try:
            fp = fingerprint(evidence)
        except Exception:  # noqa: BLE001 - the evidence itself may be what is broken
            fp = fingerprint(target=None, step=None, error_type="analyzer_crash", message=None)
        return Report(
            category=Category.UNKNOWN,
            summary=f"The offline analyzers crashed on this input ({error}).",
            severity=Severity.MEDIUM,
            candidates=[
                Candidate(
                    category=Category.UNKNOWN,
                    cause=f"Analyzer error while reading the evidence: {error}",
                    confidence=0.1,
                )
            ],
            notes=[f"analyzer error: {error}"],
            degraded=True,
            fingerprint=fp,
        )
