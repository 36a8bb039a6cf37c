"""Generic, named masking of variable parts of log messages.

Every mask replaces with a NAMED placeholder (``<:NUM:>``, ``<:IP:>``, ...), never the bare
wildcard: drain3 treats a bare ``<*>`` token as a parameter when routing, so a mask that emits
``<*>`` makes it open new clusters without bound. One configuration for every log source: no
per-dataset regexes.

The masked text is also *tokenised*: punctuation that glues a key to its value (``=``, ``:``,
``,``, brackets) is split off with spaces, so ``size=42`` and ``size=43`` become the same
token sequence ``size = <:NUM:>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK_PREFIX = "<:"
MASK_SUFFIX = ":>"
WILDCARD = MASK_PREFIX + "*" + MASK_SUFFIX


def _m(name: str) -> str:
    return f" {MASK_PREFIX}{name}{MASK_SUFFIX} "


# Order matters: the most specific shapes first.
_MASKS: list[tuple[re.Pattern[str], str]] = [
    # URLs and scheme://host paths
    (re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s,;\"'<>()\[\]]+"), _m("URL")),
    # e-mail addresses
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), _m("EMAIL")),
    # UUIDs
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        _m("UUID"),
    ),
    # IPv4 with optional port (host/ip:port forms too)
    (re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])"), _m("IP")),
    # MAC addresses / IPv6-ish colon groups
    (re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){4,7}[0-9a-fA-F]{1,4}(?![\w:])"), _m("IP")),
    # file system paths (two or more segments), optionally host:/path
    (re.compile(r"(?<![\w/.:])(?:\.{1,2})?(?:/+[\w.$@~+-]+)+/*"), _m("PATH")),
    # hex literals and long hex strings
    (re.compile(r"\b0[xX][0-9a-fA-F]+\b"), _m("HEX")),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), _m("HEX")),
    # dates and clock times
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?Z?\b"), _m("TS")),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), _m("TS")),
    # durations and sizes with a unit
    (
        re.compile(
            r"(?<![\w.])-?\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|min|mins|minutes|h|"
            r"hrs|hours|d|days|b|kb|mb|gb|tb|kib|mib|gib|bytes|%)(?![\w])",
            re.IGNORECASE,
        ),
        _m("NUM"),
    ),
    # identifiers with digits: blk_-123, attempt_1445_0020_m_000001_0, job_2008, R02-M1-N0,
    # container_e01_..., node-12 (any word token containing a digit and _ or - joints)
    (
        re.compile(r"(?<![\w.$-])(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])\w+(?:[_.-]\w+)+(?![\w])"),
        _m("ID"),
    ),
    # plain numbers (signed, decimals), also when glued to a unit-less suffix like 12x
    (re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w.])"), _m("NUM")),
    # any remaining word token that still contains digits and is mostly digits/hex
    (re.compile(r"(?<![\w.$])(?=\w*\d)[0-9a-fA-F]{4,}(?![\w])"), _m("NUM")),
]

# Punctuation that is split off into its own token (after masking).
_SPLIT = re.compile(r"([=,;:()\[\]{}|\"'])")
_SPACES = re.compile(r"\s+")


# A cheap precondition per mask (a substring that must occur, "" = a digit must occur), so
# most regexes are skipped for most messages.
_GUARDS = ["://", "@", "-", ".", ":", "/", "0", "", "", ":", "", "", "", ""]
_DIGIT = re.compile(r"\d")


def mask(content: str) -> str:
    """Mask one message and tokenise it. Idempotent for already-masked text."""
    s = content
    has_digit = _DIGIT.search(s) is not None
    for (rx, rep), guard in zip(_MASKS, _GUARDS, strict=True):
        if guard == "":
            if not has_digit:
                continue
        elif guard not in s or (guard in "-.:0" and not has_digit):
            continue
        s = rx.sub(rep, s)
    # protect the placeholders' own ':' while splitting punctuation
    s = s.replace(MASK_PREFIX, "\x00").replace(MASK_SUFFIX, "\x01")
    s = _SPLIT.sub(r" \1 ", s)
    s = s.replace("\x00", MASK_PREFIX).replace("\x01", MASK_SUFFIX)
    return _SPACES.sub(" ", s).strip()


def mask_many(contents: Iterable[str], cache: dict[str, str] | None = None) -> list[str]:
    """Mask a batch, computing each distinct message once (``cache`` may be shared)."""
    if cache is None:
        cache = {}
    out: list[str] = []
    for c in contents:
        m = cache.get(c)
        if m is None:
            m = mask(c)
            cache[c] = m
        out.append(m)
    return out


def is_variable_token(tok: str) -> bool:
    """A token that looks like a parameter: a placeholder, or at least as many digits as letters."""
    if tok.startswith(MASK_PREFIX) and tok.endswith(MASK_SUFFIX):
        return True
    digits = sum(ch.isdigit() for ch in tok)
    return digits > 0 and digits >= sum(ch.isalpha() for ch in tok)


_NO_SPACE_BEFORE = re.compile(r" ([,;:)\]}])")
_NO_SPACE_AFTER = re.compile(r"([(\[{]) ")
_TIGHT = re.compile(r" ?([=|]) ?")


def display_template(template: str) -> str:
    """Undo the punctuation tokenisation for display: ``a = <:NUM:> , b`` -> ``a=<:NUM:>, b``."""
    s = _TIGHT.sub(r"\1", template)
    s = _NO_SPACE_BEFORE.sub(r"\1", s)
    return _NO_SPACE_AFTER.sub(r"\1", s)
