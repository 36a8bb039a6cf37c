"""sentinel_brain.context: systems named in a failure, alert correlation, the Gemini context block
with citable runbook sections (validated like evidence quotes), and the post-step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from sentinel_brain.config import BrainSettings
from sentinel_brain.context import (
    IncidentContext,
    RelatedSignal,
    RunbookSection,
    SimilarIncident,
    apply_context,
    correlate,
    number_runbooks,
    signal_line,
    systems,
)
from sentinel_brain.diagnose import diagnose
from sentinel_brain.evidence import from_text
from sentinel_brain.gemini import RawAnswer, validate_answer
from sentinel_brain.models import Candidate, Category, Evidence, Report
from tests.fakes.gemini_server import FakeGemini, Reply, evidence_block

REFUSED = """\
Traceback (most recent call last):
  File "/opt/app/pipelines/load.py", line 12, in load
    conn = psycopg2.connect(dsn)
psycopg2.OperationalError: connection to server at "warehouse.internal" (10.1.2.3), port 5432 \
failed: Connection refused
"""

T0 = 1_700_000_000.0


def test_systems_takes_only_explicit_forms() -> None:
    text = (
        'connection to server at "warehouse.internal" (10.1.2.3), port 5432\n'
        "GetObject s3://raw-events/2024/01/x.json\n"
        "HTTPSConnectionPool(host='api.partner.example', port=443)\n"
        'relation "analytics.orders" does not exist\n'
        '  File "/usr/lib/python3.11/site-packages/pandas/core/frame.py", line 1\n'
    )
    found = systems(text)
    assert "host:warehouse.internal" in found and "host:10.1.2.3" in found
    assert "bucket:raw-events" in found
    assert "host:api.partner.example" in found
    assert "table:analytics.orders" in found
    assert not any("pandas" in s or "frame" in s for s in found)


def _signal(name: str, start: float, **labels: str) -> RelatedSignal:
    return RelatedSignal(source="alertmanager", name=name, starts_at=start, labels=labels)


def test_correlate_ranks_named_system_then_owner_then_proximity() -> None:
    signals = [
        _signal("CPUHigh", T0 - 60, instance="batch-7:9100"),  # closest, no link
        _signal("TeamQueueBacklog", T0 - 300, team="data-platform"),
        _signal("WarehouseDown", T0 - 600, instance="warehouse.internal:5432"),
        _signal("ResolvedBefore", T0 - 5000, instance="warehouse.internal:5432"),
        _signal("AfterTheFailure", T0 + 10, instance="warehouse.internal:5432"),
    ]
    signals[3].ends_at = T0 - 2000  # resolved before the window opened
    ranked = correlate(
        signals,
        evidence_text=REFUSED,
        owners=["data-platform"],
        group=None,
        failed_at=T0,
        window_s=900,
    )
    assert [s.name for s in ranked] == ["WarehouseDown", "TeamQueueBacklog", "CPUHigh"]
    assert ranked[0].names_system and "warehouse.internal" in ranked[0].reasons[0]
    assert ranked[1].owner_match and not ranked[1].names_system


def test_resolved_alert_that_ended_long_before_is_not_correlated() -> None:
    old = _signal("WarehouseDown", T0 - 3000, instance="warehouse.internal:5432")
    old.ends_at = T0 - 2000
    assert (
        correlate([old], evidence_text=REFUSED, owners=[], group=None, failed_at=T0, window_s=900)
        == []
    )


def _report(category: Category, confidence: float = 0.8) -> Report:
    return Report(
        category=category,
        summary="analyzers' summary",
        candidates=[Candidate(category=category, cause="analyzers' cause", confidence=confidence)],
    )


def test_a_firing_alert_on_the_unreachable_system_becomes_top_evidence() -> None:
    alert = _signal("WarehouseDown", T0 - 600, instance="warehouse.internal:5432")
    alert.names_system = True
    ev = Evidence(context=IncidentContext(alerts=[alert]))
    out = apply_context(_report(Category.DEPENDENCY_UNAVAILABLE), ev)
    assert out.top is not None and out.top.evidence[0].startswith(
        "alert WarehouseDown has been firing since"
    )
    # A code bug is not explained by an alert, even one the text happens to name.
    code = apply_context(_report(Category.CODE_ERROR), ev)
    assert code.top is not None and code.top.evidence == []


def test_a_resolved_similar_incident_with_a_cause_in_its_note_promotes_a_candidate() -> None:
    past = SimilarIncident(
        incident_id="20240101-000000-abcd1234-0001",
        status="resolved",
        first_seen=T0 - 86400,
        note="Partner API rate limited us (429 Too Many Requests); lowered concurrency to 2.",
        resolved_by="alice",
        link="template",
    )
    ev = Evidence(context=IncidentContext(similar=[past]))
    out = apply_context(_report(Category.UNKNOWN, 0.2), ev)
    assert out.top is not None and out.top.category is Category.RATE_LIMITED
    assert out.category is Category.RATE_LIMITED
    assert any(past.incident_id in e and "alice" in e for e in out.top.evidence)
    # Linked only by a shared system: not strong enough to change the diagnosis.
    weak = Evidence(context=IncidentContext(similar=[past.model_copy(update={"link": "system"})]))
    assert apply_context(_report(Category.UNKNOWN, 0.2), weak).category is Category.UNKNOWN
    # A note that names no cause promotes nothing.
    vague = past.model_copy(update={"note": "fixed it"})
    ev2 = Evidence(context=IncidentContext(similar=[vague]))
    assert apply_context(_report(Category.UNKNOWN, 0.2), ev2).category is Category.UNKNOWN


def _context() -> IncidentContext:
    return number_runbooks(
        IncidentContext(
            runbooks=[
                RunbookSection(
                    path="/rb/warehouse.md",
                    heading="Warehouse > Connection refused",
                    excerpt="Check the WarehouseDown alert; wait for the failover to finish.",
                )
            ]
        )
    )


def test_citing_a_runbook_section_that_was_not_sent_is_rejected() -> None:
    answer: dict[str, Any] = {
        "category": "dependency_unavailable",
        "cause": "The warehouse refused connections.",
        "summary": "s",
        "confidence": 0.8,
        "evidence": ["Connection refused"],
        "remediation": ["Follow the runbook."],
        "fix_suggestion": "",
    }
    ok = validate_answer(
        RawAnswer("STOP", json.dumps({**answer, "runbook_refs": ["R1"]}), None),
        "failed: Connection refused",
        ["R1"],
    )
    assert ok.runbook_refs == ["R1"]
    with pytest.raises(Exception, match="R7"):
        validate_answer(
            RawAnswer("STOP", json.dumps({**answer, "runbook_refs": ["R7"]}), None),
            "failed: Connection refused",
            ["R1"],
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGemini]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeGemini(api_key="test-key") as server:
        yield server


def _settings(server: FakeGemini, tmp_path: Path) -> BrainSettings:
    return BrainSettings(
        mode="gemini",
        gemini_api_key=SecretStr("test-key"),
        gemini_base_url=server.url,
        gemini_timeout_s=5.0,
        gemini_attempts=1,
        state_dir=tmp_path,
        cache_enabled=False,
    )


def _gemini_answer(refs: list[str]) -> dict[str, Any]:
    return {
        "category": "dependency_unavailable",
        "cause": "The warehouse refused connections during a failover.",
        "summary": "The warehouse was down.",
        "confidence": 0.85,
        "evidence": [signal_line(_alert())],
        "remediation": ["Wait for the failover, then re-run the partition (runbook R1)."],
        "fix_suggestion": "",
        "runbook_refs": refs,
    }


def _alert() -> RelatedSignal:
    alert = _signal("WarehouseDown", T0 - 600, instance="warehouse.internal:5432")
    alert.names_system = True
    return alert


def _evidence_with_context() -> Evidence:
    ev = from_text(REFUSED)
    ev.context = _context().model_copy(update={"alerts": [_alert()]})
    ev.context.runbooks[0].excerpt += " password=hunter2"
    return ev


def test_gemini_receives_the_context_and_may_cite_a_sent_section(
    fake: FakeGemini, tmp_path: Path
) -> None:
    fake.enqueue(Reply.answer(_gemini_answer(["R1"])))
    report = diagnose(_evidence_with_context(), _settings(fake, tmp_path))
    block = evidence_block(fake.requests[0].json)
    assert "[R1] /rb/warehouse.md > Warehouse > Connection refused" in block
    assert "alert WarehouseDown has been firing since" in block
    assert "hunter2" not in json.dumps(fake.requests[0].json)  # runbook text is redacted
    assert report.brain == "gemini" and report.runbooks_cited == ["R1"]


def test_gemini_citing_an_unsent_section_falls_back_to_the_analyzers(
    fake: FakeGemini, tmp_path: Path
) -> None:
    fake.enqueue(Reply.answer(_gemini_answer(["R4"])))
    report = diagnose(_evidence_with_context(), _settings(fake, tmp_path))
    assert report.brain == "rules" and report.runbooks_cited == []
    assert any("R4" in n and "not sent" in n for n in report.notes)
    # …and the post-step still puts the alert on the analyzers' top candidate.
    assert report.top is not None and report.top.evidence[0].startswith("alert WarehouseDown")
