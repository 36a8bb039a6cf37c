"""Sentinel's brain: failure diagnosis in plain Python (no Dagster import).

Public API: `diagnose(evidence) -> Report`, `evidence.from_text(text)`, the models.

The models are exported lazily (PEP 562): `sentinel logs parse` imports
`sentinel_brain.logs` and never needs pydantic models, so starting it does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sentinel_brain import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
