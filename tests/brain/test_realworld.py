"""Schema of the frozen real-world failure corpus (tests/brain/realworld).

These tests check the corpus itself, never the brain's accuracy on it: accuracy is
reported by `python -m bench.brain_realworld`. They hold the split to its frozen hash
rule so no case can drift between tuning and held-out.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.brain_realworld import (
    REALWORLD_DIR,
    CaseOutcome,
    SplitResult,
    evaluate_split,
    load_split,
)
from sentinel_brain.models import Category

REQUIRED = {"category", "system", "source", "why", "has_traceback"}
ALLOWED = REQUIRED | {"also"}
CATEGORIES = {c.value for c in Category}
SYSTEM_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
URL = re.compile(r"^https?://\S+$")
# Counts for helper A's share; raised to >= 150 cases / >= 25 systems after merging.
MIN_CASES = 150
MIN_SYSTEMS = 25


def expected_split(system: str) -> str:
    """The frozen rule: decided by system, before any tuning."""
    return "heldout" if int(hashlib.sha256(system.encode()).hexdigest(), 16) % 10 < 4 else "tuning"


def case_dirs() -> list[Path]:
    return sorted(p for p in REALWORLD_DIR.glob("*/*") if p.is_dir())


def read_meta(d: Path) -> dict[str, Any]:
    meta = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(meta, dict), f"{d}: expected.yaml is not a mapping"
    return meta


def test_only_the_two_splits_exist() -> None:
    tops = {p.name for p in REALWORLD_DIR.iterdir() if p.is_dir()}
    assert tops == {"tuning", "heldout"}


@pytest.mark.parametrize("d", case_dirs(), ids=lambda d: f"{d.parent.name}/{d.name}")
def test_case_schema(d: Path) -> None:
    assert {p.name for p in d.iterdir()} == {"failure.txt", "expected.yaml"}
    text = (d / "failure.txt").read_bytes().decode("utf-8")
    assert text.strip(), "failure.txt is empty"
    meta = read_meta(d)
    assert REQUIRED <= meta.keys(), f"missing keys {REQUIRED - meta.keys()}"
    assert meta.keys() <= ALLOWED, f"unknown keys {meta.keys() - ALLOWED}"
    assert meta["category"] in CATEGORIES
    also = meta.get("also", [])
    assert isinstance(also, list) and all(a in CATEGORIES for a in also)
    assert meta["category"] not in also
    assert isinstance(meta["has_traceback"], bool)
    assert isinstance(meta["why"], str) and meta["why"].strip()
    system = meta["system"]
    assert isinstance(system, str) and SYSTEM_ID.match(system), system
    source = meta["source"]
    assert isinstance(source, str)
    assert URL.match(source) or source.startswith("generated: "), source
    # The folder names its system, and the split is the frozen hash rule's.
    assert d.name.startswith(f"{system}__"), d.name
    assert d.parent.name == expected_split(system)


def test_has_traceback_flag_matches_the_text() -> None:
    """`has_traceback` marks a Python traceback; the mix target depends on it."""
    wrong = []
    for d in case_dirs():
        text = (d / "failure.txt").read_text(encoding="utf-8")
        python_tb = "Traceback (most recent call last)" in text or bool(
            re.search(r'^\s*File "[^"]+", line \d+', text, re.M)
        )
        if read_meta(d)["has_traceback"] != python_tb:
            wrong.append(d.name)
    assert not wrong, wrong


def test_corpus_size_and_spread() -> None:
    metas = [read_meta(d) for d in case_dirs()]
    systems = {m["system"] for m in metas}
    assert len(metas) >= MIN_CASES
    assert len(systems) >= MIN_SYSTEMS
    # Both splits are populated, and at least 60% of the texts carry no Python traceback.
    assert {expected_split(s) for s in systems} == {"tuning", "heldout"}
    assert sum(not m["has_traceback"] for m in metas) >= 0.6 * len(metas)
    # `unknown` is reserved for texts with no cause in them: a few at most.
    assert sum(m["category"] == "unknown" for m in metas) <= 0.05 * len(metas)


def test_no_duplicate_texts() -> None:
    seen: dict[str, str] = {}
    for d in case_dirs():
        key = hashlib.sha256((d / "failure.txt").read_bytes()).hexdigest()
        assert key not in seen, f"{d.name} repeats {seen[key]}"
        seen[key] = d.name


def test_loader_reads_every_case() -> None:
    loaded = load_split("tuning") + load_split("heldout")
    assert len(loaded) == len(case_dirs())
    with pytest.raises(ValueError):
        load_split("train")


def test_loader_rejects_an_incomplete_case(tmp_path: Path) -> None:
    (tmp_path / "tuning" / "x__y").mkdir(parents=True)
    (tmp_path / "tuning" / "x__y" / "failure.txt").write_text("boom\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected.yaml"):
        load_split("tuning", tmp_path)


def test_scoring_counts_also_for_top3_only() -> None:
    """The bench's arithmetic on plain outcomes whose answers are known."""

    def outcome(expected: str, got: str, top3: list[str], also: list[str]) -> CaseOutcome:
        return CaseOutcome(name="x", system="s", expected=expected, also=also, got=got, top3=top3)

    res = SplitResult(
        split="tuning",
        outcomes=[
            outcome("timeout", "timeout", ["timeout"], []),
            outcome(
                "timeout",
                "dependency_unavailable",
                ["dependency_unavailable"],
                ["dependency_unavailable"],
            ),
            outcome("config_error", "unknown", ["unknown"], []),
            outcome("concurrency", "code_error", ["code_error", "environment", "concurrency"], []),
        ],
    )
    assert res.n == 4 and res.systems == ["s"]
    assert res.top1 == 0.25
    assert res.top3 == 0.75
    assert res.abstentions == 1
    assert [o.got for o in res.misses()] == ["dependency_unavailable", "unknown", "code_error"]
    assert "overall" in res.table()


def test_evaluate_split_runs_the_brain_on_a_corpus(tmp_path: Path) -> None:
    d = tmp_path / "heldout" / "demo__refused"
    d.mkdir(parents=True)
    (d / "failure.txt").write_text(
        'psql: error: connection to server at "127.0.0.1", port 5432 failed: Connection refused\n',
        encoding="utf-8",
    )
    meta = {
        "category": "dependency_unavailable",
        "system": "demo",
        "source": "generated: test",
        "why": "test",
        "has_traceback": False,
    }
    (d / "expected.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    res = evaluate_split("both", tmp_path)
    assert res.n == 1 and res.systems == ["demo"]
    (out,) = res.outcomes
    assert out.got in CATEGORIES
    assert out.top3 and out.top3[0] == out.got and len(out.top3) <= 3
    assert evaluate_split("tuning", tmp_path).n == 0
