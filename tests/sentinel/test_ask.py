"""A question in a report's thread: Gemini (the real google-genai client against the loopback
fake) with the incident's redacted evidence and the question, else the stored report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_sentinel.ask import answer
from dagster_sentinel.incidents import Failure, Incident, IncidentStore
from dagster_sentinel.settings import SentinelSettings
from sentinel_brain.diagnose import diagnose
from sentinel_brain.evidence import from_text
from tests.fakes.gemini_server import FakeGemini

TRACEBACK = """Traceback (most recent call last):
  File "/app/pipelines/rates.py", line 12, in fetch_rates
    with urlopen(url) as resp:
ConnectionRefusedError: [Errno 111] Connection refused
"""
SECRET = "AKIAIOSFODNN7EXAMPLE"
QUESTION = f"<@UBOT> was it the upstream? we rotated key {SECRET} yesterday"


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


def _incident(settings: SentinelSettings) -> Incident:
    store = IncidentStore(settings.database_url)
    inc = store.register(Failure(fingerprint="9" * 16, target="rates", job="rates")).incident
    evidence = from_text(TRACEBACK)
    report = diagnose(evidence)
    store.save_report(
        inc.id,
        report_json=report.model_dump_json(),
        category=report.category.value,
        severity=report.severity.value,
        brain=report.brain,
        evidence_json=evidence.model_dump_json(),
    )
    found = store.get(inc.id)
    assert found is not None
    return found


def test_with_gemini_the_question_and_redacted_evidence_are_sent(
    tmp_path: Path, gemini: FakeGemini
) -> None:
    settings = SentinelSettings.resolve({"DAGSTER_HOME": str(tmp_path), **gemini.env()})
    text = answer(settings, _incident(settings), QUESTION)
    assert gemini.request_count >= 1
    sent = "\n".join(gemini.bodies())
    assert "was it the upstream?" in sent and "ConnectionRefusedError" in sent
    assert SECRET not in sent  # redacted before it leaves
    assert "stored report" not in text and text.strip()


def test_without_a_key_the_stored_report_answers(tmp_path: Path) -> None:
    settings = SentinelSettings.resolve({"DAGSTER_HOME": str(tmp_path), "SENTINEL_BRAIN": "rules"})
    text = answer(settings, _incident(settings), QUESTION)
    assert text.startswith("From the stored report")
    assert "dependency_unavailable" in text and "Upstream:" in text
