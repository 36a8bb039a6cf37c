"""Generic, named masking of variable parts of log messages.

Every mask replaces with a NAMED placeholder (``<:NUM:>``, ``<:IP:>``, ...), never the bare
wildcard: drain3 treats a bare ``<*>`` token as a parameter when routing, so a mask that emits
``<*>`` makes it open new clusters without bound. One configuration for every log source: no
per-dataset regexes. The masks themselves are the shared table in ``sentinel_brain.masking``.

The masked text is also *tokenised*: punctuation that glues a key to its value (``=``, ``:``,
``,``, brackets) is split off with spaces, so ``size=42`` and ``size=43`` become the same
token sequence ``size = <:NUM:>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sentinel_brain.masking import apply_masks, select

MASK_PREFIX = "<:"
MASK_SUFFIX = ":>"
WILDCARD = MASK_PREFIX + "*" + MASK_SUFFIX


# The log profile of the shared table: every mask but quoted values (a quoted literal is part
# of a log template).
_LOG_MASKS = select(exclude=("STR",))


def _render(name: str) -> str:
    return f" {MASK_PREFIX}{name}{MASK_SUFFIX} "


# Punctuation that is split off into its own token (after masking). A ':' that belongs to a
# placeholder's ``<:`` or ``:>`` stays; no sentinel characters are substituted, so input may
# hold any character (NUL included) without corrupting a template.
_SPLIT = re.compile(r"([=,;()\[\]{}|\"']|(?<!<):(?!>))")
_SPACES = re.compile(r"\s+")


def mask(content: str) -> str:
    """Mask one message and tokenise it. Idempotent for already-masked text."""
    s = apply_masks(content, _LOG_MASKS, _render)
    s = _SPLIT.sub(r" \1 ", s)
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
