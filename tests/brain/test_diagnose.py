"""Orchestration (redact -> analyze -> Gemini -> redact), condensing and settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sentinel_brain.diagnose as diagnose_mod
from sentinel_brain.condense import condense, first_error_block, log_templates
from sentinel_brain.config import DEFAULT_GEMINI_MODEL, BrainSettings
from sentinel_brain.diagnose import diagnose
from sentinel_brain.evidence import from_text
from sentinel_brain.gemini import GeminiAnswer, Prompt, RawAnswer, build_prompt
from sentinel_brain.models import Candidate, Category, Evidence, ExceptionInfo, Frame, Report
from tests.brain.test_redact import CORPUS, SECRETS

TRACEBACK = """\
Traceback (most recent call last):
  File "/opt/pipelines/assets/orders.py", line 42, in load_orders
    df = df[["order_id", "customer_id"]]
KeyError: 'customer_id'
"""


def test_default_call_is_rules_only_and_offline() -> None:
    report = diagnose(from_text(TRACEBACK))
    assert isinstance(report, Report)
    assert report.brain == "rules"
    assert report.fingerprint


@pytest.mark.parametrize(
    "ev",
    [
        Evidence(),
        Evidence(text="\x00\x01\ufffd binary \udcff junk"),
        Evidence(text="x" * 300_000),
        Evidence(exceptions=[ExceptionInfo(type="", message="")]),
        Evidence(run_config={"a": {"b": [1, 2.5, None, {"password": None}]}}, tags={"k": ""}),
    ],
)
def test_never_raises_on_odd_input(ev: Evidence) -> None:
    report = diagnose(ev, BrainSettings(mode="rules"))
    # Odd input gets an honest answer, not a crash caught into a degraded report.
    assert not report.degraded, report.notes
    assert report.candidates and report.fingerprint


def test_evidence_is_redacted_before_the_analyzers(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Evidence] = []
    real = diagnose_mod.analyze

    def spy(ev: Evidence) -> Report:
        seen.append(ev)
        return real(ev)

    monkeypatch.setattr(diagnose_mod, "analyze", spy)
    ev = from_text(TRACEBACK + CORPUS).model_copy(
        update={
            "logs": CORPUS,
            "run_config": {"resources": {"db": {"config": {"password": "hunter2-Pa55"}}}},
            "tags": {"dagster/token": "tok_9f8e7d6c5b4a"},
        }
    )
    ev.exceptions[0].frames.append(
        Frame(file="/opt/x.py", line=1, code='connect(password="hunter2-Pa55")')
    )
    report = diagnose(ev)
    dumped = seen[0].model_dump_json()
    for secret in SECRETS:
        assert secret not in dumped, secret
        assert secret not in report.model_dump_json(), secret


def test_report_is_redacted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = Report(
        category=Category.AUTH_FAILURE,
        summary="login with password=hunter2-Pa55 failed",
        candidates=[
            Candidate(
                category=Category.AUTH_FAILURE,
                cause="bad token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
                confidence=0.9,
            )
        ],
    )
    monkeypatch.setattr(diagnose_mod, "analyze", lambda ev: leaky)
    out = diagnose(Evidence(text="x")).model_dump_json()
    assert "hunter2-Pa55" not in out
    assert "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" not in out


def test_analyzer_crash_gives_a_degraded_report(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ev: Evidence) -> Report:
        raise RuntimeError("analyzer bug")

    monkeypatch.setattr(diagnose_mod, "analyze", boom)
    report = diagnose(from_text(TRACEBACK))
    assert report.degraded
    assert report.category is Category.UNKNOWN
    assert any("analyzers failed" in n for n in report.notes)


def test_gemini_stage_bug_keeps_rules_report(tmp_path: Path) -> None:
    class Broken:
        model = "broken"

        def generate(self, prompt: Prompt, timeout_s: float) -> RawAnswer:
            raise ZeroDivisionError

    report = diagnose(
        from_text(TRACEBACK), BrainSettings(mode="gemini", state_dir=tmp_path), llm=Broken()
    )
    assert report.brain == "rules"
    assert any("Gemini" in n for n in report.notes)


# --- condensing ---------------------------------------------------------------------
def big_log(n: int = 20_000) -> str:
    lines = [
        f"2026-11-25 03:{i // 60 % 60:02d}:{i % 60:02d} INFO worker-{i % 7} loaded batch {i} "
        f"of {i * 13} rows from 10.0.{i % 200}.{i % 250} in 0.{i % 97}s"
        for i in range(n // 2)
    ]
    lines += [TRACEBACK.rstrip()]
    lines += [
        f"2026-11-25 04:00:00 WARNING retry {i} for request 0x{i:08x} after 503"
        for i in range(n // 2)
    ]
    lines += ["2026-11-25 04:10:00 ERROR step load_orders failed: KeyError 'customer_id'"]
    return "\n".join(lines)


def test_small_input_passes_through() -> None:
    assert condense(TRACEBACK, 24_000) == TRACEBACK


def test_large_input_is_condensed_within_cap() -> None:
    text = big_log()
    out = condense(text, 24_000)
    assert len(out) <= 24_000
    # the first error with its traceback, verbatim
    assert "Traceback (most recent call last):" in out
    assert "KeyError: 'customer_id'" in out
    # templates with counts and named masks
    assert "<:NUM:>" in out and "<:IP:>" in out and "<:HEX:>" in out
    assert "<*>" not in out
    # the tail
    assert out.rstrip().endswith("ERROR step load_orders failed: KeyError 'customer_id'")
    # every excerpt line is verbatim from the input (so the model can quote it)
    body = [
        ln
        for ln in out.splitlines()
        if not ln.startswith(("[condensed", "---")) and " x " not in ln[:12]
    ]
    assert all(ln in text for ln in body)


def test_templates_stay_bounded() -> None:
    lines = [
        f"request {i} from 10.1.{i % 250}.{i % 200} took {i * 3} ms id=0x{i:06x}"
        for i in range(5000)
    ]
    templates = log_templates(lines)
    assert len(templates) <= 3
    assert templates[0][0] >= 4990


def test_first_error_block() -> None:
    lines = ["a", "b", *TRACEBACK.splitlines(), "c"]
    start, end = first_error_block(lines, before=1)
    assert lines[start:end] == ["b", *TRACEBACK.splitlines()]


def test_prompt_respects_max_prompt_chars() -> None:
    ev = from_text(big_log())
    settings = BrainSettings(max_prompt_chars=8_000)
    report = diagnose(ev)
    prompt = build_prompt(ev, report, settings)
    assert len(prompt.user) <= 8_000
    assert prompt.evidence in prompt.user
    assert "KeyError: 'customer_id'" in prompt.evidence


def test_large_input_gemini_answer_quoting_condensed_text(tmp_path: Path) -> None:
    class Quoting:
        model = "quoting"

        def generate(self, prompt: Prompt, timeout_s: float) -> RawAnswer:
            line = next(ln for ln in prompt.evidence.splitlines() if "<:NUM:>" in ln)
            parsed = GeminiAnswer(
                category=Category.SCHEMA_MISMATCH,
                cause="c",
                summary="s",
                confidence=0.5,
                evidence=[line.strip(), "KeyError: 'customer_id'"],
                remediation=[],
                fix_suggestion="",
            )
            return RawAnswer(finish_reason="STOP", text=None, parsed=parsed)

    settings = BrainSettings(mode="gemini", state_dir=tmp_path, max_prompt_chars=8_000)
    report = diagnose(from_text(big_log()), settings, llm=Quoting())
    assert report.brain == "gemini", report.notes


# --- settings -------------------------------------------------------------------------
def test_settings_from_env() -> None:
    env: dict[str, Any] = {
        "SENTINEL_BRAIN": "gemini",
        "GEMINI_API_KEY": "k",
        "GEMINI_BASE_URL": "http://127.0.0.1:1",
        "SENTINEL_GEMINI_TIMEOUT_S": "1.5",
        "SENTINEL_GEMINI_ATTEMPTS": "2",
        "SENTINEL_BREAKER_THRESHOLD": "5",
        "SENTINEL_BREAKER_COOLDOWN_S": "60",
        "SENTINEL_GEMINI_CACHE": "0",
        "SENTINEL_STATE_DIR": "/tmp/x",
    }
    s = BrainSettings.from_env(env)
    assert s.use_gemini and s.gemini_timeout_s == 1.5 and s.gemini_attempts == 2
    assert s.breaker_threshold == 5 and s.breaker_cooldown_s == 60 and not s.cache_enabled
    assert s.state_dir == Path("/tmp/x")
    assert s.gemini_model == DEFAULT_GEMINI_MODEL
    assert not BrainSettings.from_env({}).use_gemini
    for bad in ({"SENTINEL_GEMINI_TIMEOUT_S": "soon"}, {"SENTINEL_GEMINI_ATTEMPTS": "0"}):
        with pytest.raises(ValueError):
            BrainSettings.from_env(bad)


def test_unusable_state_dir_falls_back_to_memory(tmp_path: Path) -> None:
    class Ok:
        model = "ok"

        def generate(self, prompt: Prompt, timeout_s: float) -> RawAnswer:
            parsed = GeminiAnswer(
                category=Category.CODE_ERROR,
                cause="c",
                summary="s",
                confidence=0.5,
                evidence=["KeyError: 'customer_id'"],
                remediation=[],
                fix_suggestion="",
            )
            return RawAnswer(finish_reason="STOP", text=None, parsed=parsed)

    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    settings = BrainSettings(mode="gemini", state_dir=not_a_dir / "state", cache_enabled=False)
    report = diagnose(from_text(TRACEBACK), settings, llm=Ok())
    assert report.brain == "gemini", report.notes
