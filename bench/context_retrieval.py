"""Runbook retrieval quality and speed.

Quality: the runbooks of tests/sentinel/runbooks/ are indexed; for every labelled case of
tests/brain/cases/ (labels frozen in tests/sentinel/runbooks/labels.yaml), the query is built
exactly as a report builds it (masked error wording, error class, category from the offline
analyzers, systems named in the text) and the top 3 shown sections are scored:
precision@3, hit@3 (a right section among those shown), MRR, and for the cases no runbook
answers, how often nothing was shown (the relevance floor).

Speed: the same corpus plus synthetic sections (words drawn from the corpus's vocabulary)
up to 10,000 sections; the time of one report's retrieval (query building + search), and
the same quality figures with the labelled sections among those distractors.

    .venv/bin/python -m bench.context_retrieval            # SQLite FTS5
    .venv/bin/python -m bench.context_retrieval --postgres # PostgreSQL on 127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from dagster_sentinel.runbooks import RunbookIndex, evidence_query
from dagster_sentinel.store import dispose_engines
from sentinel_brain.analyzers import analyze
from sentinel_brain.context import systems
from sentinel_brain.evidence import from_text

REPO = Path(__file__).resolve().parents[1]
RUNBOOKS = REPO / "tests" / "sentinel" / "runbooks"
CASES = REPO / "tests" / "brain" / "cases"


def query_for(text: str) -> list[str]:
    evidence = from_text(text)
    return evidence_query(evidence, analyze(evidence), systems(text))


def section_id(path: str, link: str | None, heading: str) -> str:
    return f"{Path(path).name}#{(link or '').rsplit('#', 1)[-1]}" if link else heading


def evaluate(
    index: RunbookIndex, labels: dict[str, list[str]], *, show_misses: bool = True
) -> dict[str, float]:
    p3: list[float] = []
    hits: list[float] = []
    rr: list[float] = []
    quiet: list[float] = []
    misses: list[str] = []
    for case, wanted in sorted(labels.items()):
        text = (CASES / case / "failure.txt").read_text(encoding="utf-8", errors="replace")
        shown = index.search(query_for(text), limit=3)
        ids = [section_id(s.path, s.link, s.heading) for s in shown]
        if not wanted:
            quiet.append(1.0 if not ids else 0.0)
            if ids:
                misses.append(f"  {case}: expected nothing, got {ids}")
            continue
        relevant = [i for i in ids if i in wanted]
        p3.append(len(relevant) / 3)
        hits.append(1.0 if relevant else 0.0)
        rank = next((n for n, i in enumerate(ids, 1) if i in wanted), None)
        rr.append(1 / rank if rank else 0.0)
        if rank != 1:
            misses.append(f"  {case}: want {wanted[0]}, got {ids}")
    if show_misses:
        print("\n".join(misses) or "  (no misses)")
    return {
        "cases": len(p3),
        "no_answer_cases": len(quiet),
        "precision@3": statistics.fmean(p3),
        "hit@3": statistics.fmean(hits),
        "mrr": statistics.fmean(rr),
        "nothing_shown_when_unanswerable": statistics.fmean(quiet) if quiet else float("nan"),
    }


def summary(result: dict[str, float]) -> str:
    return (
        f"cases {result['cases']}: precision@3 {result['precision@3']:.3f} · "
        f"hit@3 {result['hit@3']:.3f} · MRR {result['mrr']:.3f} · "
        f"nothing shown on {result['no_answer_cases']} unanswerable cases: "
        f"{result['nothing_shown_when_unanswerable']:.0%}"
    )


def synthetic(folder: Path, n_sections: int, seed: int = 7) -> None:
    """Markdown files whose sections reuse the real corpus's vocabulary at random."""
    words = re.findall(r"[A-Za-z]{3,}", " ".join(p.read_text() for p in RUNBOOKS.glob("*.md")))
    rng = random.Random(seed)
    per_file = 50
    for f in range(0, n_sections, per_file):
        parts = []
        for s in range(min(per_file, n_sections - f)):
            head = " ".join(rng.choice(words) for _ in range(4))
            body = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120)))
            parts.append(f"## {head} {f + s}\n\n{body}\n")
        (folder / f"synthetic_{f // per_file:04d}.md").write_text("\n".join(parts))


def speed(url: str, n_sections: int, labels: dict[str, list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthetic(folder, n_sections - 67)
        index = RunbookIndex(url, base_url="https://runbooks.example")
        t0 = time.perf_counter()
        stats = index.sync([str(RUNBOOKS), str(folder)], max_bytes=2_000_000)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = index.sync([str(RUNBOOKS), str(folder)], max_bytes=2_000_000)
        resync = time.perf_counter() - t0
        texts = [
            (CASES / c / "failure.txt").read_text(encoding="utf-8", errors="replace")
            for c in sorted(labels)
        ]
        times = []
        cpu = []
        for _ in range(3):
            for text in texts:
                t0, c0 = time.perf_counter(), time.process_time()
                index.search(query_for(text), limit=3)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        load = os.getloadavg()[0]
        print(
            f"{stats.sections} sections in {stats.files} files: index built in {build:.1f} s, "
            f"unchanged re-sync {resync * 1000:.0f} ms ({again.unchanged} files unchanged)"
        )
        # The labelled sections among 9,933 distractors: does the search still find them?
        crowded = evaluate(index, labels, show_misses=False)
        print(f"quality with {stats.sections} sections indexed: {summary(crowded)}")
        print(
            f"retrieval per report: median {statistics.median(times):.1f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.1f} ms, max {times[-1]:.1f} ms "
            f"over {len(times)} queries (goal < 50 ms); this process's CPU per report: median "
            f"{statistics.median(cpu):.1f} ms (SQLite runs in-process; PostgreSQL's share is "
            f"not counted); load average {load:.1f} on {os.cpu_count()} CPUs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL full-text search")
    parser.add_argument("--sections", type=int, default=10_000)
    args = parser.parse_args()
    labels = yaml.safe_load((RUNBOOKS / "labels.yaml").read_text())
    admin = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            import psycopg2

            name = f"sentinel_bench_{uuid.uuid4().hex[:8]}"
            admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
            admin.autocommit = True
            admin.cursor().execute(f'CREATE DATABASE "{name}"')
            quality_url = speed_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        else:
            quality_url = f"sqlite:///{tmp}/quality.db"
            speed_url = f"sqlite:///{tmp}/speed.db"
        try:
            index = RunbookIndex(quality_url, base_url="https://runbooks.example")
            stats = index.sync([str(RUNBOOKS)], max_bytes=2_000_000)
            print(f"engine {stats.engine}: {stats.sections} labelled-corpus sections")
            print(summary(evaluate(index, labels)))
            if args.postgres:
                with index.engine.begin() as conn:
                    conn.exec_driver_sql(
                        "TRUNCATE sentinel_runbook_sections, sentinel_runbook_files"
                    )
            speed(speed_url, args.sections, labels)
        finally:
            dispose_engines()
            if admin is not None:
                admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()


if __name__ == "__main__":
    main()
