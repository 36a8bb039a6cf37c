"""Infer a header format from a sample of lines, for logs no preset describes.

Auto-detection tries the presets first; a log from a system they do not know would otherwise
be read raw, its timestamps, hosts and component names kept in the content, where they split
one template into many. This module reads the sample's shape instead, by conventions shared
across logging libraries, never by field names or known datasets:

- a severity word (`INFO`, `[notice]`, `ERROR:`; logcat/glog letters `V D I W E F` when a
  whole column holds only them) at the same token position in most lines: the tokens
  before it are header fields, and after it a `[thread]` group and a `component:` token may
  follow, then an optional ` - ` separator;
- with no severity column, a `program[pid]:`-style token (ending in `:`) at the same position
  in most lines, after at least one token with a digit (a timestamp): syslog's shape;
- else `|`-separated header fields, as many as most lines have, the first one stamped.

Indented lines (stack frames, continuations) are left out of the sample.

The result is a Loghub header format string (`<Header1> <Header2> <Level> <Content>`), so the
same compiler, vectorised matcher and output apply. `None` when the sample shows no such
shape: the log is then read raw.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from sentinel_brain.logs.formats import LEVELS

# The share of sample lines a column must hold for the column to count. Indented lines
# (stack frames, wrapped messages) are not sampled; an exception's own header line is, so
# a log with traces still shows its columns in well over this share of the rest.
MIN_SHARE = 0.6
_WHOLE_COLUMN = 0.95
# Header columns are looked for among the first tokens only.
MAX_HEADER_TOKENS = 12
_LETTER_LEVELS = frozenset("VDIWEF")
# A logger's dotted name (`compute.api`, `org.apache.hadoop.mapred.Task`): log4j's and
# Python logging's usual column after the level.
_DOTTED_NAME = re.compile(r"[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)+")


def _opens_bracket(token: str) -> bool:
    return token.startswith("[")


def _is_dotted_name(token: str) -> bool:
    return _DOTTED_NAME.fullmatch(token) is not None


def _bare(token: str) -> str:
    return token.strip("[]():,").upper()


def _is_level_word(token: str) -> bool:
    return _bare(token) in LEVELS


def _column_share(rows: Sequence[list[str]], p: int, test: Callable[[str], bool]) -> float:
    """The share of all rows whose token p passes `test` (a row too short fails)."""
    return _share_at(rows, [p] * len(rows), test)


def _level_position(rows: Sequence[list[str]]) -> int | None:
    for p in range(MAX_HEADER_TOKENS):
        if _column_share(rows, p, _is_level_word) >= MIN_SHARE:
            return p
        # One-letter severities: a whole column of them, after a timestamp (prose has "I").
        if p and _column_share(rows, p, lambda t: t in _LETTER_LEVELS) >= _WHOLE_COLUMN:
            return p
    return None


def _level_item(rows: Sequence[list[str]], p: int) -> str:
    """The level column as format text, keeping its brackets or colon as literals."""
    shapes = Counter(
        "[]" if r[p].startswith("[") and r[p].endswith("]") else ":" if r[p].endswith(":") else ""
        for r in rows
        if len(r) > p
    )
    shape, n = shapes.most_common(1)[0]
    if n < MIN_SHARE * len(rows):
        shape = ""
    return {"[]": r"\[<Level>\]", ":": "<Level>:", "": "<Level>"}[shape]


def infer_header_format(lines: Sequence[str]) -> str | None:
    """A Loghub header format for `lines`, or None when they show no header shape."""
    lines = [ln for ln in lines if ln.strip() and not ln[:1].isspace()]
    rows = [ln.split(None, MAX_HEADER_TOKENS + 3) for ln in lines]
    if len(rows) < 2:
        return None
    p = _level_position(rows)
    if p is None:
        c = _component_position(rows)
        if c is None:
            return _delimited(lines)
        items = [f"<Header{i + 1}>" for i in range(c)] + ["<Component>:"]
        return " ".join([*items, "<Content>"])
    items = [f"<Header{i + 1}>" for i in range(p)] + [_level_item(rows, p)]
    # After the level, each row's own cursor: a bracket group may span several tokens.
    at: list[int | None] = [p + 1] * len(rows)
    if _share_at(rows, at, _opens_bracket) >= MIN_SHARE:
        items.append(r"\[<Thread>\]")
        at = _past_bracket(rows, at)
    if _share_at(rows, at, lambda t: len(t) > 1 and t.endswith(":")) >= MIN_SHARE:
        items.append("<Component>:")
        at = _next_token(at)
    elif _share_at(rows, at, _is_dotted_name) >= MIN_SHARE:
        items.append("<Component>")
        at = _next_token(at)
        if _share_at(rows, at, _opens_bracket) >= MIN_SHARE:
            items.append(r"\[<Context>\]")
            at = _past_bracket(rows, at)
    if _share_at(rows, at, lambda t: t == "-") >= MIN_SHARE:
        items.append("-")
    return " ".join([*items, "<Content>"])


def _share_at(
    rows: Sequence[list[str]], at: Sequence[int | None], test: Callable[[str], bool]
) -> float:
    """The share of rows whose token at their own cursor passes `test`."""
    return sum(
        k is not None and k < len(r) and test(r[k]) for r, k in zip(rows, at, strict=True)
    ) / len(rows)


def _next_token(at: Sequence[int | None]) -> list[int | None]:
    return [None if k is None else k + 1 for k in at]


def _past_bracket(rows: Sequence[list[str]], at: Sequence[int | None]) -> list[int | None]:
    """Each row's cursor moved past the token that closes its `[...]` group."""
    out: list[int | None] = []
    for r, k in zip(rows, at, strict=True):
        end = None if k is None else next((i for i in range(k, len(r)) if r[i].endswith("]")), None)
        out.append(None if end is None else end + 1)
    return out


def _delimited(lines: Sequence[str]) -> str | None:
    """`a|b|c|message`: as many `|`-separated header fields as most lines have, when the
    first of them holds a digit (a timestamp)."""
    counts = sorted(ln.count("|") for ln in lines)
    n = counts[int((1 - MIN_SHARE) * len(counts))]  # MIN_SHARE of the lines have at least n
    if n < 2 or n > MAX_HEADER_TOKENS:
        return None
    stamped = sum(any(ch.isdigit() for ch in ln.split("|", 1)[0]) for ln in lines)
    if stamped < MIN_SHARE * len(lines):
        return None
    return r"\|".join([*(f"<Header{i + 1}>" for i in range(n)), "<Content>"])


def _component_position(rows: Sequence[list[str]]) -> int | None:
    def component(t: str) -> bool:
        return len(t) > 1 and t.endswith(":") and not t[:-1].replace(":", "").isdigit()

    for c in range(1, MAX_HEADER_TOKENS):
        if _column_share(rows, c, component) < MIN_SHARE:
            continue
        stamped = sum(any(ch.isdigit() for t in r[:c] for ch in t) for r in rows)
        if stamped >= MIN_SHARE * len(rows):
            return c
    return None
