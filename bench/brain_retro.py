"""Retrospective fresh score of the vocabulary stage on the corpus batches of the past.

    .venv/bin/python -m bench.brain_retro [--commits cfb7281,5afc74c,...]

Each batch of real-world tuning cases was committed, and scored, before any brain change
for it: at that commit the brain had never seen those systems. This bench checks each
such commit out into a temporary git worktree, runs that commit's brain on its batch
(the "before" score), then applies today's `sentinel_brain.vocabulary` module to that
commit's catalog wherever the old brain abstained, as the analyzers' stage 5b does
(`sentinel_brain.analyzers.by_vocabulary`: the failure lines, or the whole window when an
exception was parsed, or a short text with no routine line on two cues; `unknown` kept
when no cue word supports the best category), and where the old brain's top hit was a weak
wording (below 0.75) that two cue words contradict, as stage 5c does
(`sentinel_brain.analyzers.vocabulary_overrules`). The
"after" score is what the vocabulary would have earned on systems nobody had tuned for,
with only the knowledge (the catalog) of the time.

It needs the git history (a full clone).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The commits that added a fresh batch of tuning cases before any brain change for it.
BATCHES = {
    "cfb7281": "batch 1: 55 cases, 30 new systems",
    "5afc74c": "batch 2: 10 cases, 8 new systems",
    "0ff2915": "batch 3: 32 configuration-error cases",
    "18c140c": "batch 4: 7 misconfigurations behind a surface failure",
    "ebaf0c4": "batch 5: 56 cases, 47 new systems",
    "28a68e6": "batch 6: 55 cases, 46 new systems",
    "3301664": "batch 7: 50 cases, 36 new systems",
    "ec9b698": "batch 8 (part 1): 36 cases",
    "8db497d": "batch 8 (part 2): 7 cases",
    "500c09e": "batch 8 (part 3): 7 cases",
}

# Runs inside the old worktree (its brain on sys.path), with today's vocabulary module.
_PROBE = r"""
import json, sys
from pathlib import Path
import yaml
from sentinel_brain.analyzers import _UNKNOWN_BELOW, analyze, locate_error
from sentinel_brain.evidence import from_text
from sentinel_brain.textscan import Level, is_failure_line, line_level
from sentinel_brain.vocabulary import catalog_vocabulary

vocab = catalog_vocabulary(_UNKNOWN_BELOW)
out = {"n": 0, "before1": 0, "before3": 0, "after1": 0, "after3": 0}
for folder in sys.argv[1:]:
    case = Path(folder)
    exp = yaml.safe_load((case / "expected.yaml").read_text())
    accepted = {exp["category"], *(exp.get("also") or [])}
    evidence = from_text((case / "failure.txt").read_text(errors="replace"))
    report = analyze(evidence)
    top = [c.category.value for c in report.candidates[:3]]
    out["n"] += 1
    out["before1"] += top[0] == exp["category"]
    out["before3"] += bool(accepted & set(top))
    if report.category.value != "unknown" and report.candidates[0].confidence < 0.75:
        # stage 5c: a weak wording yields to two cue words of another category
        loc = locate_error(evidence)
        lines = [ln for ln in loc.window if is_failure_line(ln)] or loc.window
        found = vocab.match(lines, 2, weak=False) if lines else None
        if found is not None and found.ranked[0][0].value != top[0]:
            lead = found.ranked[0][0].value
            top = [lead] + [c for c in top if c != lead][:2]
    if report.category.value == "unknown":
        loc = locate_error(evidence)
        failing = [ln for ln in loc.window if is_failure_line(ln)]
        lines, min_cues = failing or (loc.window if loc.judged else []), 1
        short = [ln for ln in loc.window if ln.strip()]
        if not lines and len(short) <= 8 and not any(line_level(ln) is Level.INFO for ln in short):
            lines, min_cues = short, 2
        found = vocab.match(lines, min_cues) if lines else None
        if found is not None:
            top = [c.value for c, _ in found.ranked[:3]]
    out["after1"] += top[0] == exp["category"]
    out["after3"] += bool(accepted & set(top))
print(json.dumps(out))
"""


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout


def score(commit: str, scratch: Path) -> dict[str, int]:
    tree = scratch / commit
    _git("worktree", "add", "--detach", str(tree), commit)
    try:
        shutil.copy(ROOT / "brain" / "vocabulary.py", tree / "brain" / "vocabulary.py")
        added = _git(
            "diff",
            "--name-only",
            "--diff-filter=A",
            f"{commit}^",
            commit,
            "--",
            "tests/brain/realworld/tuning",
        ).split()
        cases = sorted({str(tree / Path(p).parent) for p in added})
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE, *cases],
            check=True,
            capture_output=True,
            text=True,
            cwd=tree,
            env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        )
        result: dict[str, int] = json.loads(probe.stdout.strip().splitlines()[-1])
        return result
    finally:
        _git("worktree", "remove", "--force", str(tree))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--commits", default=",".join(BATCHES))
    args = ap.parse_args()
    totals = {"n": 0, "before1": 0, "before3": 0, "after1": 0, "after3": 0}
    print(f"{'batch':56} {'n':>4}  {'before top-1/top-3':>19}  {'with vocabulary':>16}")
    with tempfile.TemporaryDirectory(prefix="brain-retro-") as tmp:
        for commit in args.commits.split(","):
            r = score(commit, Path(tmp))
            for k in totals:
                totals[k] += r[k]
            label = f"{commit} {BATCHES.get(commit, '')}"
            print(_row(label, r))
    print(_row("all", totals))


def _row(label: str, r: dict[str, int]) -> str:
    n = max(r["n"], 1)
    before = f"{r['before1'] / n:.1%} / {r['before3'] / n:.1%}"
    after = f"{r['after1'] / n:.1%} / {r['after3'] / n:.1%}"
    return f"{label[:56]:56} {r['n']:>4}  {before:>19}  {after:>16}"


if __name__ == "__main__":
    main()
