"""Answering a question asked in a report's thread ("@Sentinel was it the upstream?").

With Gemini configured, the brain diagnoses again from the incident's stored (redacted)
evidence with the question added as context; the answer goes through the brain's own
validation (evidence must be quoted from what was sent) and redaction. Without a key, or if
the model fails, the answer comes from the stored report, and says so.
"""

from __future__ import annotations

import logging

from dagster_sentinel import chatops
from dagster_sentinel.incidents import Incident
from dagster_sentinel.settings import SentinelSettings
from sentinel_brain.diagnose import diagnose
from sentinel_brain.models import Evidence, Report
from sentinel_brain.redact import redact, redact_data

log = logging.getLogger("dagster_sentinel.ask")

MAX_QUESTION = 500


def question_evidence(evidence: Evidence, question: str) -> Evidence:
    """The incident's evidence with the on-call engineer's question as one more event."""
    asked = redact(question)[:MAX_QUESTION]
    return evidence.model_copy(
        update={"events": [*evidence.events, f"Question from the on-call engineer: {asked}"]}
    )


def answer(settings: SentinelSettings, incident: Incident, question: str) -> str:
    stored = chatops._report(incident)  # noqa: SLF001 - one parser for stored reports
    brain = settings.brain
    if brain.use_gemini and incident.evidence_json:
        evidence = redact_data(Evidence.model_validate_json(incident.evidence_json))
        # No answer cache: the cache is keyed by fingerprint and would ignore the question.
        report: Report = diagnose(
            question_evidence(evidence, question), brain.model_copy(update={"cache_enabled": False})
        )
        if report.brain == "gemini" and not report.degraded:
            lines = [f"*{redact(report.summary)}*"]
            for cand in report.candidates[:3]:
                lines.append(
                    f"• {redact(cand.cause)} — `{cand.category.value}`, {cand.confidence:.0%}"
                )
            if report.fix_suggestion:
                lines.append(f"Fix: {redact(report.fix_suggestion)}")
            return "\n".join(lines)
        log.info("Gemini gave no usable answer; answering from the stored report")
    return chatops.answer_from_report(question, incident, stored)
