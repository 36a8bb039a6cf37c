"""Score the offline brain on the frozen real-world failure corpus.

    .venv/bin/python -m bench.brain_realworld [--split tuning|heldout|both] [--verbose]
        [--systems oracle,slurm,...]

The corpus (tests/brain/realworld/<split>/<system>__<slug>/) holds failure texts that
nobody on this project wrote, each with the root-cause category its public source
established. It is split by system, so the held-out split measures the brain on systems
it was never tuned on. The brain runs exactly as in bench.brain_eval:
`analyze(from_text(text))`. Only those two entry points are used, so this bench keeps
working while the brain's internals change.

Top-1 counts only the case's `category`; top-3 also accepts any category listed under
`also` (where the source leaves two causes defensible). An abstention is a report whose
category is `unknown`.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from sentinel_brain.analyzers import analyze
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Category

REALWORLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "brain" / "realworld"
SPLITS: tuple[str, ...] = ("tuning", "heldout")


class RealCase(BaseModel):
    """One corpus case as stored: the failure text and what its source established."""

    name: str
    split: str
    text: str
    category: str
    also: list[str] = Field(default_factory=list)
    system: str
    source: str
    why: str = ""
    has_traceback: bool = False


class CaseOutcome(BaseModel):
    """How the brain did on one case."""

    name: str
    system: str
    expected: str
    also: list[str] = Field(default_factory=list)
    got: str
    top3: list[str] = Field(default_factory=list)
    summary: str = ""
    has_traceback: bool = False

    @property
    def top1_hit(self) -> bool:
        return self.got == self.expected

    @property
    def top3_hit(self) -> bool:
        accepted = {self.expected, *self.also}
        return any(c in accepted for c in self.top3)

    @property
    def abstained(self) -> bool:
        return self.got == Category.UNKNOWN.value


class SplitResult(BaseModel):
    """Scores for one split (or for several, merged)."""

    split: str
    outcomes: list[CaseOutcome] = Field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    @property
    def systems(self) -> list[str]:
        return sorted({o.system for o in self.outcomes})

    @property
    def top1(self) -> float:
        return _rate(o.top1_hit for o in self.outcomes)

    @property
    def top3(self) -> float:
        return _rate(o.top3_hit for o in self.outcomes)

    @property
    def abstentions(self) -> int:
        return sum(o.abstained for o in self.outcomes)

    def misses(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.top1_hit]

    def table(self) -> str:
        """Per-category table, the expected category deciding the row."""
        rows = ["category                 n  top1    top3    unknown", "-" * 52]
        for cat in Category:
            rs = [o for o in self.outcomes if o.expected == cat.value]
            if not rs:
                continue
            rows.append(
                f"{cat.value:<22} {len(rs):>3}  {_rate(o.top1_hit for o in rs):6.1%}  "
                f"{_rate(o.top3_hit for o in rs):6.1%}  {sum(o.abstained for o in rs):>4}"
            )
        rows.append("-" * 52)
        rows.append(
            f"{'overall':<22} {self.n:>3}  {self.top1:6.1%}  {self.top3:6.1%}  "
            f"{self.abstentions:>4}"
        )
        return "\n".join(rows)

    def header(self) -> str:
        no_tb = [o for o in self.outcomes if not o.has_traceback]
        return (
            f"split {self.split}: n={self.n}  systems={len(self.systems)}  "
            f"top-1 {self.top1:.1%}  top-3 {self.top3:.1%}  abstentions {self.abstentions}  "
            f"(no traceback: n={len(no_tb)} top-1 {_rate(o.top1_hit for o in no_tb):.1%})"
        )


def _rate(hits: Iterable[bool]) -> float:
    hs = list(hits)
    return sum(hs) / len(hs) if hs else 0.0


def load_split(split: str, root: Path = REALWORLD_DIR) -> list[RealCase]:
    """Every case of one split, sorted by folder name. Raises ValueError on a bad case."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    base = root / split
    if not base.is_dir():
        return []
    cases = []
    for d in sorted(p for p in base.iterdir() if p.is_dir()):
        failure, expected = d / "failure.txt", d / "expected.yaml"
        if not failure.is_file() or not expected.is_file():
            raise ValueError(f"{d}: needs failure.txt and expected.yaml")
        meta = yaml.safe_load(expected.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError(f"{expected}: not a mapping")
        cases.append(
            RealCase(
                name=d.name,
                split=split,
                text=failure.read_text(encoding="utf-8"),
                **meta,
            )
        )
    return cases


def run_case(case: RealCase) -> CaseOutcome:
    """Diagnose one case with the offline brain, exactly as bench.brain_eval does."""
    report = analyze(from_text(case.text))
    ranked = [report.category.value] + [c.category.value for c in report.candidates]
    top3: list[str] = []
    for c in ranked:
        if c not in top3:
            top3.append(c)
    return CaseOutcome(
        name=case.name,
        system=case.system,
        expected=case.category,
        also=list(case.also),
        got=report.category.value,
        top3=top3[:3],
        summary=report.summary,
        has_traceback=case.has_traceback,
    )


def evaluate_split(
    split: str, root: Path = REALWORLD_DIR, systems: frozenset[str] | None = None
) -> SplitResult:
    """Score the brain on one split ('tuning' or 'heldout'), or on 'both' merged.

    `systems`, when given, keeps only those systems' cases: a batch of cases added
    together can be scored on its own (before any tuning, that is its fresh score).
    """
    names = list(SPLITS) if split == "both" else [split]
    outcomes = [
        run_case(c)
        for s in names
        for c in load_split(s, root)
        if systems is None or c.system in systems
    ]
    return SplitResult(split=split, outcomes=outcomes)


def main() -> None:
    # `… | head` closes the pipe early: end quietly, as a command-line filter does.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=[*SPLITS, "both"], default="both")
    ap.add_argument("--verbose", "-v", action="store_true", help="list the misses")
    ap.add_argument(
        "--systems", default="", help="comma-separated system ids: score only their cases"
    )
    args = ap.parse_args()
    systems = frozenset(x.strip() for x in args.systems.split(",") if x.strip()) or None
    splits = list(SPLITS) if args.split == "both" else [args.split]
    results = [evaluate_split(s, systems=systems) for s in splits]
    if len(results) > 1:
        results.append(SplitResult(split="all", outcomes=[o for r in results for o in r.outcomes]))
    for res in results:
        print(res.header())
        print(res.table())
        if args.verbose and res.split != "all":
            for o in res.misses():
                also = f" (also {', '.join(o.also)})" if o.also else ""
                print(f"  miss {o.name}: expected {o.expected}{also}, got {o.got} {o.top3}")
                print(f"      {o.summary}")
        print()


if __name__ == "__main__":
    main()
