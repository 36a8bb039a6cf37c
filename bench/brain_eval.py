"""Evaluate the offline brain on the generated cases.

    .venv/bin/python -m bench.brain_eval [--cases DIR] [--verbose] [--realworld SPLITS]

Prints per-category top-1/top-3 accuracy, overall figures, mean/p95 time per diagnosis
and the time for a 1 MB input; then the real-world corpus figures (bench.brain_realworld),
the tuning and the held-out split each on its own line (`--realworld tuning` or `none` to
leave the held-out split alone while tuning).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sentinel_brain.analyzers import analyze
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Category, Report
from sentinel_brain.signatures import SIGNATURES

CASES_DIR = Path(__file__).resolve().parents[1] / "tests" / "brain" / "cases"


@dataclass
class CaseResult:
    name: str
    expected: str
    got: str
    top3: list[str]
    mentions_ok: bool
    missing_mentions: list[str]
    seconds: float
    summary: str
    # Other defensible categories from the case's `also`: they earn top-3 credit only.
    also: list[str] = field(default_factory=list)

    @property
    def in_top3(self) -> bool:
        return bool({self.expected, *self.also} & set(self.top3))


@dataclass
class EvalResult:
    results: list[CaseResult] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return sum(r.expected == r.got for r in self.results) / max(1, len(self.results))

    @property
    def top3(self) -> float:
        return sum(r.in_top3 for r in self.results) / max(1, len(self.results))

    @property
    def mentions(self) -> float:
        return sum(r.mentions_ok for r in self.results) / max(1, len(self.results))

    def table(self) -> str:
        rows = ["category                 n  top1    top3", "-" * 42]
        for cat in Category:
            rs = [r for r in self.results if r.expected == cat.value]
            if not rs:
                continue
            t1 = sum(r.expected == r.got for r in rs) / len(rs)
            t3 = sum(r.in_top3 for r in rs) / len(rs)
            rows.append(f"{cat.value:<22} {len(rs):>3}  {t1:6.1%}  {t3:6.1%}")
        rows.append("-" * 42)
        rows.append(f"{'overall':<22} {len(self.results):>3}  {self.top1:6.1%}  {self.top3:6.1%}")
        rows.append(f"mentions satisfied: {self.mentions:.1%}")
        return "\n".join(rows)

    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.expected != r.got or not r.mentions_ok]


def load_cases(cases_dir: Path = CASES_DIR) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for d in sorted(p for p in cases_dir.iterdir() if p.is_dir()):
        f, e = d / "failure.txt", d / "expected.yaml"
        if f.exists() and e.exists():
            out.append((d.name, f.read_text(), yaml.safe_load(e.read_text()) or {}))
    return out


def mentions_missing(report: Report, mentions: list[str]) -> list[str]:
    top = report.top
    hay = " ".join([report.summary, top.cause if top else "", report.error_message or ""]).lower()
    return [m for m in mentions if m.lower() not in hay]


def evaluate(cases_dir: Path = CASES_DIR) -> EvalResult:
    res = EvalResult()
    for name, text, exp in load_cases(cases_dir):
        t0 = time.perf_counter()
        report = analyze(from_text(text))
        dt = time.perf_counter() - t0
        missing = mentions_missing(report, list(exp.get("mentions") or []))
        res.results.append(
            CaseResult(
                name=name,
                expected=str(exp.get("category")),
                got=report.category.value,
                top3=[c.category.value for c in report.candidates[:3]],
                mentions_ok=not missing,
                missing_mentions=missing,
                seconds=dt,
                summary=report.summary,
                also=[str(a) for a in exp.get("also") or []],
            )
        )
    return res


def one_mb_input() -> str:
    log = "2024-03-01 12:00:00,000 INFO orders_etl - processed batch 1234 of 9999 rows=500\n"
    tb = CASES_DIR / "dep_requests_refused" / "failure.txt"
    tail = (
        tb.read_text()
        if tb.exists()
        else "ConnectionRefusedError: [Errno 111] Connection refused\n"
    )
    body = log * ((1_000_000 - len(tail)) // len(log))
    return body + tail


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=Path, default=CASES_DIR)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument(
        "--realworld",
        choices=["both", "tuning", "heldout", "none"],
        default="both",
        help="real-world corpus splits to score (aggregate figures only)",
    )
    args = ap.parse_args()
    res = evaluate(args.cases)
    print(f"signatures: {len(SIGNATURES)}   cases: {len(res.results)}")
    print(res.table())
    times = sorted(r.seconds for r in res.results)
    if times:
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(
            f"time per diagnosis: mean {statistics.mean(times) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms"
        )
    big = one_mb_input()
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        rep = analyze(from_text(big))
        runs.append(time.perf_counter() - t0)
    print(
        f"1 MB input ({len(big)} chars): median {statistics.median(runs) * 1000:.1f} ms "
        f"(parse + analyze) -> {rep.category.value}"
    )
    bad = res.failures()
    if bad:
        print("\nmisses:")
        for r in bad:
            extra = f" missing mentions {r.missing_mentions}" if r.missing_mentions else ""
            print(f"  {r.name}: expected {r.expected}, got {r.got} {r.top3}{extra}")
            if args.verbose:
                print(f"      {r.summary}")
    print_realworld(args.realworld)


def print_realworld(which: str) -> None:
    """The real-world corpus figures, one line per split (tuning, held-out), aggregate only."""
    if which == "none":
        return
    try:
        from bench.brain_realworld import evaluate_split
    except ImportError:  # the corpus bench is not in this checkout
        print("\nreal-world corpus: bench.brain_realworld not available")
        return
    print()
    for split in ("tuning", "heldout") if which == "both" else (which,):
        res = evaluate_split(split)
        print(f"real-world {res.header()}")


if __name__ == "__main__":
    main()
