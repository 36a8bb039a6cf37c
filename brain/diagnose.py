"""Diagnosis entry point: analyzers always, Gemini on top when configured.

    from sentinel_brain.diagnose import diagnose
    report = diagnose(evidence)                      # analyzers only
    report = diagnose(evidence, BrainSettings.from_env())

1. redact the evidence (text, logs, messages, frames' code, run config, tags, metadata);
2. run the offline analyzers;
3. when `settings.use_gemini`, ask Gemini with the analyzers' findings as context; any
   Gemini failure keeps the analyzers' report, with a note saying why;
4. redact the final report again (defence in depth).

`diagnose` never raises on bad input: the worst case is a degraded `unknown` report.
"""

from __future__ import annotations

import logging
import time

from sentinel_brain.analyzers import analyze
from sentinel_brain.config import BrainSettings
from sentinel_brain.context import apply_context
from sentinel_brain.errors import CircuitOpen, GeminiError, GeminiInvalidAnswer, GeminiUnavailable
from sentinel_brain.fingerprint import fingerprint
from sentinel_brain.gemini import Clock, LLMDiagnoser, gemini_report
from sentinel_brain.models import Candidate, Category, Evidence, GeminiOutcome, Report
from sentinel_brain.redact import redact_data

log = logging.getLogger(__name__)


def _fallback_report(evidence: Evidence, why: str) -> Report:
    root = evidence.root
    cause = f"{root.type}: {root.message}" if root else "The failure could not be analysed."
    return Report(
        category=Category.UNKNOWN,
        summary=cause[:500],
        candidates=[Candidate(category=Category.UNKNOWN, cause=cause[:500], confidence=0.1)],
        error_type=evidence.surface.type if evidence.surface else None,
        error_message=root.message if root else None,
        notes=[why],
        degraded=True,
    )


def diagnose(
    evidence: Evidence,
    settings: BrainSettings | None = None,
    *,
    llm: LLMDiagnoser | None = None,
    clock: Clock = time.time,
) -> Report:
    """Diagnose one failure. `settings=None` means the analyzers only (no network).

    `llm` replaces the google-genai backend (a test double or another model); `clock`
    drives the circuit breaker's cool-down and the cache's TTL.
    """
    settings = settings or BrainSettings(mode="rules")
    # The fingerprint is taken from the evidence as given (it is a hash, nothing leaks),
    # so the report's equals its incident's, which the store computes the same way.
    try:
        fp = fingerprint(evidence)
    except Exception:  # noqa: BLE001 - odd evidence must not cost the report
        log.exception("fingerprint failed")
        fp = ""
    try:
        safe = redact_data(evidence)
    except Exception:  # noqa: BLE001 - never let a redaction bug leak unredacted data
        log.exception("redaction failed; diagnosing without the evidence")
        safe = Evidence(text="[evidence dropped: redaction failed]")

    try:
        report = analyze(safe)
    except Exception as e:  # noqa: BLE001 - the analyzers must not break the hook
        log.exception("analyzers failed")
        report = _fallback_report(safe, f"analyzers failed: {type(e).__name__}")
    if fp:
        report = report.model_copy(update={"fingerprint": fp})

    if settings.use_gemini:
        report = _maybe_gemini(safe, report, settings, llm, clock)
    if safe.context is not None:
        report = _with_context(report, safe)

    try:
        final: Report = redact_data(report)
    except Exception:  # noqa: BLE001
        log.exception("redaction of the report failed")
        final = _fallback_report(Evidence(), "report dropped: redaction failed")
    return final


def _maybe_gemini(
    evidence: Evidence,
    report: Report,
    settings: BrainSettings,
    llm: LLMDiagnoser | None,
    clock: Clock,
) -> Report:
    if llm is None and settings.gemini_api_key is None:
        return _note(
            report,
            "Gemini requested but no API key is set (GEMINI_API_KEY); rules only",
            "no_key",
        )
    try:
        return gemini_report(evidence, report, settings, llm=llm, clock=clock)
    except CircuitOpen as e:
        return _note(report, f"Gemini skipped: {e}", "breaker_open")
    except GeminiUnavailable as e:
        return _note(report, f"Gemini unavailable, rules report used: {e}", "unavailable")
    except GeminiInvalidAnswer as e:
        return _note(report, f"Gemini answer rejected, rules report used: {e}", "rejected")
    except GeminiError as e:  # pragma: no cover - all subclasses handled above
        return _note(report, f"Gemini failed, rules report used: {e}", "unavailable")
    except Exception as e:  # noqa: BLE001 - a Gemini bug must not cost the rules report
        log.exception("unexpected error in the Gemini stage")
        return _note(
            report, f"Gemini stage crashed ({type(e).__name__}); rules report used", "crashed"
        )


def _with_context(report: Report, evidence: Evidence) -> Report:
    """Runbooks, similar incidents and alerts on top of the diagnosis (sentinel_brain.context)."""
    try:
        return apply_context(report, evidence)
    except Exception:  # noqa: BLE001 - context is a bonus; it must not cost the report
        log.exception("applying the incident context failed")
        return _note(report, "context (runbooks, similar incidents, alerts) could not be applied")


def _note(report: Report, note: str, outcome: GeminiOutcome | None = None) -> Report:
    update: dict[str, object] = {"brain": "rules", "notes": [*report.notes, note]}
    if outcome is not None:
        update["gemini_outcome"] = outcome
    return report.model_copy(update=update)
