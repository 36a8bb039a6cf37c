"""Sentinel's brain: failure diagnosis in plain Python (no Dagster import).

Public API: `diagnose(evidence) -> Report`, `evidence.from_text(text)`, the models.
"""

from sentinel_brain.models import (
    Candidate,
    Category,
    Evidence,
    ExceptionInfo,
    Frame,
    Report,
    Severity,
)

__all__ = ["Candidate", "Category", "Evidence", "ExceptionInfo", "Frame", "Report", "Severity"]
