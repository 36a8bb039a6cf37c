"""Incident fingerprints: the same problem gets the same fingerprint across runs.

A fingerprint is job-or-asset + step + error class + the message template, where the
message has numbers, ids, hex, quoted values and paths masked so that run-specific
details do not split one problem into many incidents.
"""

from __future__ import annotations

import hashlib
import re

_MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<ID>"),
    (re.compile(r"\b(?:0x)?[0-9a-f]{12,}\b", re.I), "<HEX>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-@~]+){2,}[\\/]?"), "<PATH>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<IP>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
        "<TS>",
    ),
    (re.compile(r"'[^']{0,200}'|\"[^\"]{0,200}\""), "<STR>"),
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "<NUM>"),
]


def message_template(message: str) -> str:
    """Mask the variable parts of an error message. Only the first line counts."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    for pattern, repl in _MASKS:
        first = pattern.sub(repl, first)
    return re.sub(r"\s+", " ", first).strip()[:300]


def fingerprint(
    *, target: str | None, step: str | None, error_type: str | None, message: str | None
) -> str:
    """A short stable hash of target (job or asset), step, error class and message template."""
    parts = [target or "-", step or "-", (error_type or "-").rsplit(".", 1)[-1]]
    parts.append(message_template(message or ""))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
