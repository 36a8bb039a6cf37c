"""Log line formats: Loghub header formats, JSON lines, logfmt, and auto-detection.

A *header format* uses Loghub's syntax, read exactly as logparser's
``generate_logformat_regex`` does: ``<Field>`` captures text (any field name) and everything
else is a regular-expression fragment in which a run of spaces matches any whitespace. So
``\\[`` is a literal ``[`` and ``(\\[<PID>\\])?`` an optional group, as in Loghub's own
settings (``<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>``).
``<Content>`` is the free-text message that is mined.

An explicit format is taken as written: every field is ``.*?`` like logparser's. Only
auto-detection (``detect_format``) constrains fields by name (a ``Date`` holds a digit, a
``Level`` is a word, ...), to choose between presets.

Matching runs on RE2 (pyarrow's regex kernels): linear time in the line length whatever the
format or the input, so a long or hostile line cannot stall parsing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from sentinel_brain.logs.arrays import string_array

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

# Field-level constraints, for AUTO-DETECTION only (an explicit format is never second-guessed):
# a field named like this must look like one. Two variants: the field is followed by whitespace
# (a token), or by another literal (it may then contain spaces, matched lazily). All patterns
# are RE2-compatible (no look-arounds), so the same regex runs in pyarrow's vectorised kernels.
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


def field_pattern(name: str, followed_by_space: bool, constrained: bool = False) -> str:
    """The regex of a field. ``constrained`` (auto-detection only) applies the name rules.

    Unconstrained, a field is logparser's ``.*?``; a field followed by whitespace then matches
    the same as a token ``\\S+`` whenever the line splits into tokens (the vectorised tier);
    other lines go through the full ``.*?`` regex, so the result is logparser's.
    """
    if followed_by_space:
        return _TOKEN_PATTERNS.get(name, r"\S+") if constrained else r"\S+"
    return _LAZY_PATTERNS.get(name, r".*?") if constrained else r".*?"


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


class LogInputError(ValueError):
    """An input that cannot be read as a log: a directory, a ``.gz`` that is not gzip."""


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

    ``items`` is the parsed format: ``("field", name)``, ``("lit", text)`` (a plain literal,
    unescaped) or ``("re", fragment)`` (a literal with regex syntax: groups, ``?``, ...).
    ``pattern`` is the whole-line regex (RE2 syntax, all groups named).
    """

    spec: str
    fields: tuple[str, ...]
    pattern: str
    items: tuple[tuple[str, str], ...]
    name: str | None = None
    constrained: bool = False

    @property
    def plain(self) -> bool:
        """Only plain literals (the vectorised whitespace-splitting tier applies)."""
        return all(kind != "re" for kind, _ in self.items)

    def field_pattern(self, name: str, followed_by_space: bool) -> str:
        return field_pattern(name, followed_by_space, self.constrained)

    def match_many(self, lines: Sequence[str]) -> list[dict[str, str] | None]:
        """Fields of each line (RE2, linear time), or None where the line does not match."""
        if not lines:
            return []
        st = pc.extract_regex(string_array(list(lines)), self.pattern)
        ok = st.is_valid().to_pylist()
        cols = [st.field(f).to_pylist() for f in self.fields]
        out: list[dict[str, str] | None] = []
        for i, good in enumerate(ok):
            rec = {f: c[i] or "" for f, c in zip(self.fields, cols, strict=True)}
            out.append(rec if good else None)
        return out

    def parse(self, line: str) -> dict[str, str] | None:
        return self.match_many([line])[0]


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


# A literal is plain when, escapes aside, it holds no regex syntax.
_REGEX_META = set(".^$*+?()[]{}|")
_PLAIN_ESCAPE = re.compile(r"\\[^A-Za-z0-9]")


def _is_plain(fragment: str) -> bool:
    rest = _PLAIN_ESCAPE.sub("", fragment)
    return "\\" not in rest and not (_REGEX_META & set(rest))


def _regex_fragment(fragment: str) -> str:
    """A literal part in Loghub's syntax -> RE2: runs of spaces match any whitespace (as in
    logparser) and capturing groups become non-capturing (only fields are captured)."""
    out: list[str] = []
    i, n = 0, len(fragment)
    in_class = False
    while i < n:
        ch = fragment[i]
        if ch == "\\" and i + 1 < n:
            out.append(fragment[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if i + 1 < n and fragment[i + 1] == "]":  # a leading ']' is a member
                out.append("]")
                i += 1
        elif ch == "(" and not fragment.startswith("(?", i):
            out.append("(?:")
        elif ch == " ":
            while i + 1 < n and fragment[i + 1] == " ":
                i += 1
            out.append(r"\s+")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def literal_regex(text: str) -> str:
    """Regex for a plain (unescaped) literal: whitespace runs match any run of spaces/tabs."""
    return "".join(
        r"[ \t]+" if part.isspace() else re.escape(part)
        for part in re.split(r"(\s+)", text)
        if part
    )


def _check_re2(pattern: str, spec: str) -> None:
    try:
        pc.extract_regex(string_array([""]), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise LogFormatError(f"malformed log format {spec!r}: {e}") from e


def compile_header_format(
    spec: str, name: str | None = None, *, constrained: bool = False
) -> HeaderFormat:
    """Compile a Loghub header format (or a preset name) to a regex.

    ``constrained`` applies the field-name rules (auto-detection only). Raises
    LogFormatError for a malformed format: no ``<Content>`` field, unbalanced angle brackets,
    duplicate or invalid field names, two fields with nothing between them, bad regex syntax.
    """
    if spec is None or not spec.strip():
        raise LogFormatError("empty log format")
    key = spec.strip().lower()
    if key in PRESETS:
        return compile_header_format(PRESETS[key], name=key, constrained=constrained)
    parts = re.split(r"(<[^<>]*>)", spec)
    items: list[tuple[str, str]] = []
    for k, part in enumerate(parts):
        if k % 2 == 0:
            if "<" in part or ">" in part:
                raise LogFormatError(f"malformed log format (unbalanced '<' or '>'): {spec!r}")
            if part:
                items.append(("lit", _unescape(part)) if _is_plain(part) else ("re", part))
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
        elif kind == "re":
            regex += _regex_fragment(value)
        elif value == CONTENT:
            regex += f"(?P<{value}>.*?)"
        elif not constrained:
            regex += f"(?P<{value}>.*?)"
        else:
            nxt = items[i + 1][1] if i + 1 < len(items) else ""
            regex += f"(?P<{value}>{field_pattern(value, nxt[:1].isspace(), True)})"
    pattern = "^" + regex + r"[ \t]*$"
    _check_re2(pattern, spec)
    return HeaderFormat(
        spec=spec,
        fields=fields,
        pattern=pattern,
        items=tuple(items),
        name=name,
        constrained=constrained,
    )


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


# Linear on any input: a key starts only where no key character precedes it and is taken
# possessively (a long token with no '=' is scanned once, not once per position), and the
# quoted value's two alternatives cannot overlap.
_LOGFMT_PAIR = re.compile(r'(?<![\w.@/-])([\w.@/-]++)=("(?:[^"\\]|\\.)*+"|[^\s"]*+)')


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
        return self.parse_many([line])[0]

    def parse_many(self, lines: Sequence[str]) -> list[dict[str, str] | None]:
        """Each line's fields, or None where it does not parse (header lines at once, RE2)."""
        if self.kind == "header":
            assert self.header is not None
            return self.header.match_many(lines)
        if self.kind == "json":
            return [parse_json_line(ln) for ln in lines]
        if self.kind == "logfmt":
            return [parse_logfmt_line(ln) for ln in lines]
        return [{CONTENT: ln} for ln in lines]


STRUCTURED_FIELDS = ("Timestamp", "Level", "Component", CONTENT)


def make_parser(fmt: str | None, *, constrained: bool = False) -> LineParser:
    """A parser for a format name: 'json', 'logfmt', 'raw', a preset, or a header format.

    ``constrained``: apply the field-name rules (auto-detection only; never for a format the
    user gave)."""
    if fmt is None:
        return LineParser("raw", fields=(CONTENT,))
    key = fmt.strip().lower()
    if key in ("json", "jsonl", "json-lines", "ndjson"):
        return LineParser("json", fields=STRUCTURED_FIELDS)
    if key == "logfmt":
        return LineParser("logfmt", fields=STRUCTURED_FIELDS)
    if key in ("raw", "plain", "text"):
        return LineParser("raw", fields=(CONTENT,))
    hf = compile_header_format(fmt, constrained=constrained)
    return LineParser("header", header=hf, fields=hf.fields)


# Sample lines are cut to this many characters for detection: the header is at the start,
# and a huge line must not make detection slow.
DETECT_LINE_CHARS = 65536


def detect_format(sample: Iterable[str], min_share: float = 0.5) -> LineParser:
    """Pick the format that parses most of ``sample``; ties go to the most specific one.

    Presets are tried with their field-name rules (this is the only place they apply).
    Falls back to ``raw`` (whole line is Content) when nothing matches at least ``min_share``.
    """
    lines: list[str] = []
    for ln in sample:
        if ln.strip():
            lines.append(ln[:DETECT_LINE_CHARS])
            if len(lines) >= 500:
                break
    if not lines:
        return make_parser("raw")
    from sentinel_brain.logs.inference import infer_header_format  # it reads LEVELS from here

    named = [make_parser("json"), make_parser("logfmt")]
    named += [make_parser(name, constrained=True) for name in PRESETS]
    candidates = [(parser, 1) for parser in named]

    inferred = infer_header_format(lines)
    if inferred is not None:
        # Shape inference serves logs no preset describes; a preset that reads as many
        # lines wins the tie.
        candidates.append((make_parser(inferred), 0))
    best: LineParser | None = None
    best_key: tuple[float, int, int] = (0.0, 0, 0)
    for cand, known in candidates:
        ok = 0
        for rec in cand.parse_many(lines):
            if rec is not None and (cand.kind != "header" or _plausible(rec)):
                ok += 1
        share = ok / len(lines)
        key = (round(share, 2), known, len(cand.fields))
        if share >= min_share and key > best_key:
            best, best_key = cand, key
    return best if best is not None else make_parser("raw")


def _plausible(rec: dict[str, str]) -> bool:
    level = rec.get("Level")
    if level is not None and normalize_level(level) is None:
        return False
    return True
