"""Incident fingerprints: the same problem gets the same fingerprint across runs.

A fingerprint is job-or-asset + step + error class + the message template, where the
message has numbers, ids, hex, quoted values and paths masked so that run-specific
details do not split one problem into many incidents.
"""

from __future__ import annotations

import hashlib
import re

from brain.masking import apply_masks, select

# The shared named-mask table (``brain.masking``), every mask, rendered ``<NAME>``.
_MASKS = select()


def _render(name: str) -> str:
    return f"<{name}>"


def message_template(message: str) -> str:
    """Mask the variable parts of an error message. Only the first line counts."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = apply_masks(first, _MASKS, _render)
    return re.sub(r"\s+", " ", first).strip()[:300]


def fingerprint(
    *, target: str | None, step: str | None, error_type: str | None, message: str | None
) -> str:
    """A short stable hash of target (job or asset), step, error class and message template."""
    parts = [target or "-", step or "-", (error_type or "-").rsplit(".", 1)[-1]]
    parts.append(message_template(message or ""))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
