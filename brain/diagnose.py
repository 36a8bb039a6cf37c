"""Diagnosis entry point: analyzers always, Gemini on top when configured."""

from __future__ import annotations

from brain.analyzers import analyze
from brain.config import BrainSettings
from brain.models import Evidence, Report


def diagnose(evidence: Evidence, settings: BrainSettings | None = None) -> Report:
    settings = settings or BrainSettings(mode="rules")
    return analyze(evidence)
