"""Log line formats: Loghub header formats, JSON lines, logfmt, and auto-detection.

A *header format* uses Loghub's syntax: ``<Date> <Time> <Level> <Component>: <Content>``.
Every ``<Field>`` captures text; everything else is literal (a run of spaces matches any
whitespace, ``\\[`` is a literal ``[``). ``<Content>`` is the free-text message that is mined.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CONTENT = "Content"

# Named presets (Loghub's own header formats plus common generic ones).
PRESETS: dict[str, str] = {
    "hdfs": "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    "hadoop": r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "spark": "<Date> <Time> <Level> <Component>: <Content>",
    "zookeeper": r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    "bgl": (
        "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>"
    ),
    "apache": r"\[<Time>\] \[<Level>\] <Content>",
    # Python logging's common "%(asctime)s %(levelname)s %(name)s: %(message)s" shape.
    "python": "<Date> <Time> <Level> <Component>: <Content>",
    "python-dash": "<Date> <Time> - <Component> - <Level> - <Content>",
    "syslog": "<Month> <Day> <Time> <Host> <Component>: <Content>",
    "level-first": "<Level> <Content>",
}

# Field-level constraints (used by auto-detection and parsing): a field named like this must
# look like one. Two variants: the field is followed by whitespace (a token), or by another
# literal (it may then contain spaces, matched lazily). All patterns are RE2-compatible (no
# look-arounds), so the same regex runs in pyarrow's vectorised kernels.
_TOKEN_PATTERNS: dict[str, str] = {
    "Level": r"[A-Za-z]{3,9}",
    "Pid": r"\d+",
    "Id": r"\d+",
    "Timestamp": r"\S*\d\S*",
    "Date": r"\S*\d\S*",
    "Time": r"\S*\d\S*",
    "Day": r"\d{1,2}",
    "Month": r"[A-Z][a-z]{2}",
}
_LAZY_PATTERNS: dict[str, str] = {
    "Level": r"[A-Za-z]{3,9}",
    "Pid": r"\d+",
    "Id": r"\d+",
    "Timestamp": r".*?\d.*?",
    "Date": r".*?\d.*?",
    "Time": r".*?\d.*?",
    "Day": r"\d{1,2}",
    "Month": r"[A-Z][a-z]{2}",
}


def field_pattern(name: str, followed_by_space: bool) -> str:
    if followed_by_space:
        return _TOKEN_PATTERNS.get(name, r"\S+")
    return _LAZY_PATTERNS.get(name, r".*?")


LEVELS = {
    "TRACE": "DEBUG",
    "DEBUG": "DEBUG",
    "FINE": "DEBUG",
    "INFO": "INFO",
    "NOTICE": "INFO",
    "WARN": "WARNING",
    "WARNING": "WARNING",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "SEVERE": "ERROR",
    "FAILURE": "ERROR",
    "FATAL": "CRITICAL",
    "CRITICAL": "CRITICAL",
    "CRIT": "CRITICAL",
    "ALERT": "CRITICAL",
    "EMERG": "CRITICAL",
}
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL"})


class LogFormatError(ValueError):
    """A header format string that cannot be compiled, or that matches no line."""


def normalize_level(level: object) -> str | None:
    """Map a raw level ('warn', 'E', 'FATAL', 40) to a canonical name, or None."""
    if level is None:
        return None
    if isinstance(level, int | float) and not isinstance(level, bool):
        n = int(level)
        for floor, name in ((50, "CRITICAL"), (40, "ERROR"), (30, "WARNING"), (20, "INFO")):
            if n >= floor:
                return name
        return "DEBUG"
    text = str(level).strip().upper()
    if not text:
        return None
    return LEVELS.get(text, text if text.isalpha() and len(text) <= 9 else None)


@dataclass(frozen=True)
class HeaderFormat:
    """A compiled Loghub-style header format.

    ``items`` is the parsed format: ``("field", name)`` or ``("lit", text)`` (unescaped).
    """

    spec: str
    fields: tuple[str, ...]
    regex: re.Pattern[str]
    items: tuple[tuple[str, str], ...]
    name: str | None = None

    def parse(self, line: str) -> dict[str, str] | None:
        m = self.regex.match(line)
        return m.groupdict() if m else None


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def literal_regex(text: str) -> str:
    """Regex for an (unescaped) literal: runs of whitespace match any run of spaces/tabs."""
    return "".join(
        r"[ \t]+" if part.isspace() else re.escape(part)
        for part in re.split(r"(\s+)", text)
        if part
    )


def compile_header_format(spec: str, name: str | None = None) -> HeaderFormat:
    """Compile a Loghub header format (or a preset name) to a regex.

    Raises LogFormatError for a malformed format: no ``<Content>`` field, unbalanced
    angle brackets, duplicate or invalid field names.
    """
    if spec is None or not spec.strip():
        raise LogFormatError("empty log format")
    key = spec.strip().lower()
    if key in PRESETS:
        return compile_header_format(PRESETS[key], name=key)
    parts = re.split(r"(<[^<>]*>)", spec)
    items: list[tuple[str, str]] = []
    for k, part in enumerate(parts):
        if k % 2 == 0:
            if "<" in part or ">" in part:
                raise LogFormatError(f"malformed log format (unbalanced '<' or '>'): {spec!r}")
            if part:
                items.append(("lit", _unescape(part)))
            continue
        fname = part[1:-1]
        if not re.fullmatch(r"[A-Za-z_]\w*", fname):
            raise LogFormatError(f"malformed log format: invalid field name {part!r} in {spec!r}")
        if any(kind == "field" and v == fname for kind, v in items):
            raise LogFormatError(f"malformed log format: duplicate field {part!r} in {spec!r}")
        if items and items[-1][0] == "field":
            raise LogFormatError(
                f"malformed log format: fields {items[-1][1]!r} and {fname!r} need a separator"
            )
        items.append(("field", fname))
    fields = tuple(v for kind, v in items if kind == "field")
    if CONTENT not in fields:
        raise LogFormatError(f"malformed log format: no <Content> field in {spec!r}")
    regex = ""
    for i, (kind, value) in enumerate(items):
        if kind == "lit":
            regex += literal_regex(value)
        elif value == CONTENT:
            regex += f"(?P<{value}>.*?)"
        else:
            nxt = items[i + 1][1] if i + 1 < len(items) else ""
            regex += f"(?P<{value}>{field_pattern(value, nxt[:1].isspace())})"
    try:
        compiled = re.compile("^" + regex + r"[ \t]*$")
    except re.error as e:  # pragma: no cover - literals are escaped, so unlikely
        raise LogFormatError(f"malformed log format {spec!r}: {e}") from e
    return HeaderFormat(spec=spec, fields=fields, regex=compiled, items=tuple(items), name=name)


# --- structured formats -------------------------------------------------------------------

_TS_KEYS = ("timestamp", "time", "ts", "@timestamp", "asctime", "datetime", "date", "t")
_LEVEL_KEYS = ("level", "levelname", "severity", "lvl", "log.level", "loglevel", "priority")
_MSG_KEYS = ("message", "msg", "event", "text", "log", "content", "body")
_COMP_KEYS = ("logger", "component", "name", "logger_name", "module", "source", "service")


def _pick(d: Mapping[str, object], keys: Sequence[str]) -> object | None:
    for k in keys:
        value = d.get(k)
        if value is not None and value != "":
            return value
    lower = {str(k).lower(): v for k, v in d.items()}
    for k in keys:
        lv: object = lower.get(k)
        if lv is not None and lv != "":
            return lv
    return None


def structured_record(d: Mapping[str, object]) -> dict[str, str]:
    """Normalise a JSON/logfmt mapping to Timestamp/Level/Component/Content fields."""
    ts = _pick(d, _TS_KEYS)
    level = _pick(d, _LEVEL_KEYS)
    comp = _pick(d, _COMP_KEYS)
    msg = _pick(d, _MSG_KEYS)
    if msg is None:
        used = set(_TS_KEYS) | set(_LEVEL_KEYS) | set(_COMP_KEYS)
        rest = {k: v for k, v in d.items() if str(k).lower() not in used}
        msg = " ".join(f"{k}={v}" for k, v in rest.items())
    return {
        "Timestamp": "" if ts is None else str(ts),
        "Level": "" if level is None else str(level),
        "Component": "" if comp is None else str(comp),
        CONTENT: msg if isinstance(msg, str) else json.dumps(msg, default=str),
    }


def parse_json_line(line: str) -> dict[str, str] | None:
    """A JSON-lines record, or None when the line is not a JSON object."""
    s = line.strip()
    if not s.startswith("{"):
        return None
    try:
        obj = json.loads(s)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    return structured_record(obj)


_LOGFMT_PAIR = re.compile(r'([\w.@/-]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)')


def parse_logfmt_line(line: str) -> dict[str, str] | None:
    """A logfmt record (``level=info msg="..." k=v``), or None when the line is not logfmt."""
    s = line.strip()
    if not s:
        return None
    pairs = _LOGFMT_PAIR.findall(s)
    if len(pairs) < 2:
        return None
    covered = sum(len(k) + 1 + len(v) for k, v in pairs)
    if covered < 0.6 * len(s.replace(" ", "")):
        return None
    d: dict[str, str] = {}
    for k, v in pairs:
        if v.startswith('"') and v.endswith('"') and len(v) >= 2:
            v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        d[k] = v
    keys = {k.lower() for k in d}
    if not keys & (set(_MSG_KEYS) | set(_LEVEL_KEYS) | set(_TS_KEYS)):
        return None
    return structured_record(d)


# --- the LineParser abstraction -------------------------------------------------------------


@dataclass
class LineParser:
    """Parses one line into header fields + Content. ``kind``: header, json, logfmt, raw."""

    kind: str
    header: HeaderFormat | None = None
    fields: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        if self.kind == "header" and self.header is not None:
            return self.header.name or self.header.spec
        return self.kind

    def parse(self, line: str) -> dict[str, str] | None:
        if self.kind == "header":
            assert self.header is not None
            return self.header.parse(line)
        if self.kind == "json":
            return parse_json_line(line)
        if self.kind == "logfmt":
            return parse_logfmt_line(line)
        return {CONTENT: line}


STRUCTURED_FIELDS = ("Timestamp", "Level", "Component", CONTENT)


def make_parser(fmt: str | None) -> LineParser:
    """A parser for a format name: 'json', 'logfmt', 'raw', a preset, or a header format."""
    if fmt is None:
        return LineParser("raw", fields=(CONTENT,))
    key = fmt.strip().lower()
    if key in ("json", "jsonl", "json-lines", "ndjson"):
        return LineParser("json", fields=STRUCTURED_FIELDS)
    if key == "logfmt":
        return LineParser("logfmt", fields=STRUCTURED_FIELDS)
    if key in ("raw", "plain", "text"):
        return LineParser("raw", fields=(CONTENT,))
    hf = compile_header_format(fmt)
    return LineParser("header", header=hf, fields=hf.fields)


def detect_format(sample: Iterable[str], min_share: float = 0.5) -> LineParser:
    """Pick the format that parses most of ``sample``; ties go to the most specific one.

    Falls back to ``raw`` (whole line is Content) when nothing matches at least ``min_share``.
    """
    lines = [ln for ln in sample if ln.strip()][:500]
    if not lines:
        return make_parser("raw")
    candidates: list[LineParser] = [make_parser("json"), make_parser("logfmt")]
    candidates += [make_parser(name) for name in PRESETS]
    best: LineParser | None = None
    best_key: tuple[float, int] = (0.0, 0)
    for cand in candidates:
        ok = 0
        for ln in lines:
            rec = cand.parse(ln)
            if rec is not None and (cand.kind != "header" or _plausible(rec)):
                ok += 1
        share = ok / len(lines)
        key = (round(share, 2), len(cand.fields))
        if share >= min_share and key > best_key:
            best, best_key = cand, key
    return best if best is not None else make_parser("raw")


def _plausible(rec: dict[str, str]) -> bool:
    level = rec.get("Level")
    if level is not None and normalize_level(level) is None:
        return False
    return True
