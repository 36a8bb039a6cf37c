"""Offline analyzers (placeholder until the signature catalog lands)."""

from __future__ import annotations

from brain.models import Candidate, Category, Evidence, Report


def analyze(evidence: Evidence) -> Report:
    surface = evidence.surface
    root = evidence.root
    etype = root.type if root else None
    msg = root.message if root else ""
    cause = f"{etype}: {msg}" if etype else "No exception found in the input."
    return Report(
        category=Category.UNKNOWN,
        summary=cause,
        candidates=[Candidate(category=Category.UNKNOWN, cause=cause, confidence=0.2)],
        error_type=surface.type if surface else None,
        error_message=msg or None,
    )
