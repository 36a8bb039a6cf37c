"""The one table of named masks for the variable parts of messages (ids, numbers, paths, ...).

Used by the log template engine (``sentinel_brain.logs.masking``: placeholders ``<:NUM:>``) and by
incident fingerprints (``sentinel_brain.fingerprint``: placeholders ``<NUM>``). Each mask has a
name,
a pattern and a cheap precondition (``guard``) so most patterns are skipped for most texts.

Every pattern is applied to untrusted text, so each one runs in linear time: unbounded
repetitions never overlap (or are bounded, e.g. a URL scheme is at most 32 characters), and
starts are anchored by look-behinds so a long token is scanned a bounded number of times.
``tests/brain/test_masking.py`` checks each family on adversarial input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NamedMask:
    """One mask: text matching ``pattern`` is replaced by a placeholder named ``name``.

    ``guard``: a substring that must occur for the pattern to be tried; ``""`` means a digit
    must occur; ``None`` means always try.
    """

    name: str
    pattern: re.Pattern[str]
    guard: str | None = ""


# Order matters: the most specific shapes first.
MASKS: tuple[NamedMask, ...] = (
    # URLs and scheme://host paths (scheme bounded: a long dotted word before '://' stays linear)
    NamedMask("URL", re.compile(r"\b[a-zA-Z][\w+.-]{0,31}://[^\s,;\"'<>()\[\]]+"), "://"),
    # e-mail addresses (local part at most 64 characters, as in RFC 5321)
    NamedMask("EMAIL", re.compile(r"\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b"), "@"),
    NamedMask(
        "UUID",
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "-",
    ),
    # IPv4 with optional port (host/ip:port forms too)
    NamedMask("IP", re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])"), "."),
    # MAC addresses / IPv6-ish colon groups
    NamedMask(
        "IP", re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){4,7}[0-9a-fA-F]{1,4}(?![\w:])"), ":"
    ),
    # file system paths (separators and segments are disjoint classes: linear)
    NamedMask("PATH", re.compile(r"(?<![\w/.:])(?:\.{1,2})?(?:/+[\w.$@~+-]+)+/*"), "/"),
    NamedMask("PATH", re.compile(r"(?<![\w\\])(?:[A-Za-z]:)?(?:\\+[\w.$@~+-]+){2,}\\*"), "\\"),
    # hex literals and long hex strings
    NamedMask("HEX", re.compile(r"\b0[xX][0-9a-fA-F]+\b"), "0"),
    NamedMask(
        "HEX", re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), ""
    ),
    # dates and clock times
    NamedMask(
        "TS",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?\b"
        ),
        "",
    ),
    NamedMask("TS", re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), ":"),
    # quoted values (bounded); fingerprints only: in logs they are part of the template
    NamedMask("STR", re.compile(r"'[^'\n]{0,200}'|\"[^\"\n]{0,200}\""), None),
    # durations and sizes with a unit
    NamedMask(
        "NUM",
        re.compile(
            r"(?<![\w.])-?\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|min|mins|minutes|h|"
            r"hrs|hours|d|days|b|kb|mb|gb|tb|kib|mib|gib|bytes|%)(?![\w])",
            re.IGNORECASE,
        ),
        "",
    ),
    # identifiers with digits: blk_-123, attempt_1445_0020_m_000001_0, R02-M1-N0, node-12
    NamedMask(
        "ID",
        re.compile(r"(?<![\w.$-])(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])\w+(?:[_.-]\w+)+(?![\w])"),
        "",
    ),
    # plain numbers (signed, decimals); a sentence's final period does not protect them
    NamedMask("NUM", re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w]|\.\w)"), ""),
    # any remaining word token that still contains digits and is mostly hex
    NamedMask("NUM", re.compile(r"(?<![\w.$])(?=\w*\d)[0-9a-fA-F]{4,}(?![\w])"), ""),
)

MASK_NAMES: frozenset[str] = frozenset(m.name for m in MASKS)
_DIGIT = re.compile(r"\d")


def select(
    names: Sequence[str] | None = None, exclude: Sequence[str] = ()
) -> tuple[NamedMask, ...]:
    """The masks named in ``names`` (all when None) minus ``exclude``, in table order."""
    unknown = (set(names or ()) | set(exclude)) - MASK_NAMES
    if unknown:
        raise ValueError(f"unknown mask names: {sorted(unknown)}")
    keep = MASK_NAMES if names is None else frozenset(names)
    return tuple(m for m in MASKS if m.name in keep and m.name not in exclude)


def apply_masks(text: str, masks: Sequence[NamedMask], render: Callable[[str], str]) -> str:
    """Replace every match of each mask in order by ``render(name)``."""
    has_digit = _DIGIT.search(text) is not None
    for m in masks:
        if m.guard is not None:
            if m.guard == "" or m.guard in "-.:0":
                if not has_digit:
                    continue
            if m.guard and m.guard not in text:
                continue
        text = m.pattern.sub(render(m.name), text)
    return text
