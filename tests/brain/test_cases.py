"""Runs the analyzer on every generated case (tests/brain/cases) and checks accuracy."""

from __future__ import annotations

from bench.brain_eval import CASES_DIR, evaluate

MIN_TOP1 = 0.90


def test_cases_exist_for_every_category() -> None:
    res = evaluate(CASES_DIR)
    assert len(res.results) >= 60
    counts: dict[str, int] = {}
    for r in res.results:
        counts[r.expected] = counts.get(r.expected, 0) + 1
    from sentinel_brain.models import Category

    missing = [c.value for c in Category if counts.get(c.value, 0) < 3]
    assert not missing, f"categories with fewer than 3 cases: {missing}"


def test_top1_accuracy_and_mentions() -> None:
    res = evaluate(CASES_DIR)
    lines = [res.table(), ""]
    for r in res.failures():
        extra = f" missing mentions {r.missing_mentions}" if r.missing_mentions else ""
        lines.append(f"{r.name}: expected {r.expected}, got {r.got} {r.top3}{extra}")
        lines.append(f"    {r.summary}")
    report = "\n".join(lines)
    assert res.top1 >= MIN_TOP1, report
    bad_mentions = [r.name for r in res.results if not r.mentions_ok]
    assert not bad_mentions, report


def test_case_evidence_is_verbatim() -> None:
    from bench.brain_eval import load_cases
    from sentinel_brain.analyzers import analyze
    from sentinel_brain.evidence import from_text

    bad: list[str] = []
    for name, text, _ in load_cases(CASES_DIR):
        ev = from_text(text)
        rendered = [text] + [f"{e.type}: {e.message}" for e in ev.exceptions]
        for cand in analyze(ev).candidates:
            for quote in cand.evidence:
                if not any(quote in h for h in rendered):
                    bad.append(f"{name}: {quote!r}")
    assert not bad, "\n".join(bad)
