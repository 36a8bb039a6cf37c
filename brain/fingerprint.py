"""Incident fingerprints: the same problem gets the same fingerprint across runs.

A fingerprint is job-or-asset + step + error class + the message template, where the
message has numbers, ids, hex, quoted values and paths masked so that run-specific
details do not split one problem into many incidents.

`fingerprint(evidence)` is the one definition: the brain's report, the incident store and
the reports all use it, so a report and its incident share one fingerprint. The error
identity is the innermost exception (type and message); without an exception (a health
finding, or text with no exception in it) it is the evidence's kind and the first line of
its text (a health finding's summary, which names the problem without varying numbers).
An alert's identity is its label set (`alert_fingerprint`), unmasked: two instances of one
alert are two problems.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import overload

from sentinel_brain.masking import apply_masks, select
from sentinel_brain.models import Evidence, Kind

# The shared named-mask table (``sentinel_brain.masking``), every mask, rendered ``<NAME>``.
_MASKS = select()


def _render(name: str) -> str:
    return f"<{name}>"


def message_template(message: str) -> str:
    """Mask the variable parts of an error message. Only the first line counts."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    first = apply_masks(first, _MASKS, _render)
    return re.sub(r"\s+", " ", first).strip()[:300]


@overload
def fingerprint(evidence: Evidence, /) -> str: ...


@overload
def fingerprint(
    *, target: str | None, step: str | None, error_type: str | None, message: str | None
) -> str: ...


def fingerprint(
    evidence: Evidence | None = None,
    /,
    *,
    target: str | None = None,
    step: str | None = None,
    error_type: str | None = None,
    message: str | None = None,
) -> str:
    """The incident fingerprint of `evidence` (see the module docstring).

    The keyword form hashes explicit parts; it stays for callers not yet moved to the
    evidence form and gives the same value for the same parts.
    """
    if evidence is not None:
        if evidence.kind is Kind.ALERT:
            labels = evidence.facts.get("labels")
            return alert_fingerprint(labels if isinstance(labels, Mapping) else {})
        return fingerprint(**fingerprint_parts(evidence))
    parts = [target or "-", step or "-", (error_type or "-").rsplit(".", 1)[-1]]
    parts.append(message_template(message or ""))
    # Lone surrogates (undecodable bytes read with surrogateescape) must not crash the hash.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def fingerprint_parts(evidence: Evidence) -> dict[str, str | None]:
    """What the fingerprint of `evidence` is made of (target, step, error type, message)."""
    root = evidence.root
    return {
        "target": evidence.job or evidence.asset,
        "step": evidence.step,
        "error_type": root.type if root else evidence.kind.value,
        "message": root.message if root else evidence.text[:300],
    }


def alert_fingerprint(labels: Mapping[str, object]) -> str:
    """The fingerprint of an alert incident: its alertname and labels, order-insensitive.

    The same alert re-sent (or seen by both Alertmanager and Prometheus polling) keeps it.
    """
    canonical = json.dumps(sorted((str(k), str(v)) for k, v in labels.items()))
    digest = hashlib.sha256(f"alert\x1f{canonical}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]
