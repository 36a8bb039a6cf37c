"""Runbook index: splitting, incremental sync, bad files, search with a relevance floor,
on SQLite FTS5 and on PostgreSQL full-text search; and the `sentinel/runbook_index` asset."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel import runbooks
from dagster_sentinel.config import ContextConfig, SentinelConfig
from dagster_sentinel.context_assets import (
    RUNBOOK_INDEX_KEY,
    runbook_index,
    sentinel_runbook_index_sensor,
)
from dagster_sentinel.runbooks import (
    RunbookIndex,
    candidate_terms,
    incident_query,
    split_markdown,
)
from tests.sentinel.conftest import fresh_postgres_database

CORPUS = Path(__file__).parent / "runbooks"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


def test_split_by_heading_ignores_hashes_in_code_fences() -> None:
    text = (
        "Intro line.\n\n# Warehouse\n\n## Disk full\n\nFree space.\n\n```sh\n# not a heading\n"
        "df -h\n```\n\n## Empty\n\n## Locks\n\nFind the blocker.\n"
    )
    sections = split_markdown(text, "wh")
    assert [(s.heading, s.anchor) for s in sections] == [
        ("wh", ""),
        ("Warehouse > Disk full", "disk-full"),
        ("Warehouse > Locks", "locks"),
    ]
    assert "# not a heading" in sections[1].body


def _copy_corpus(dest: Path) -> Path:
    dest.mkdir()
    for p in CORPUS.glob("*.md"):
        shutil.copy(p, dest / p.name)
    return dest


def test_sync_is_incremental_and_counts_bad_files(store_url: str, tmp_path: Path) -> None:
    folder = _copy_corpus(tmp_path / "rb")
    index = RunbookIndex(store_url)
    first = index.sync([str(folder)], max_bytes=100_000)
    assert first.changed == 9 and first.unchanged == 0 and first.files == 9
    assert first.sections == 67 and not first.skipped

    again = index.sync([str(folder)], max_bytes=100_000)
    assert again.changed == 0 and again.unchanged == 9 and again.sections == 67

    # One changed file, one deleted, one not UTF-8, one too large.
    wh = folder / "warehouse-postgres.md"
    wh.write_text(wh.read_text() + "\n## Replica lag\n\nCheck pg_stat_replication.\n")
    (folder / "code-bugs.md").unlink()
    (folder / "latin1.md").write_bytes("# Caf\xe9\n\nd\xe9j\xe0 vu\n".encode("latin-1"))
    (folder / "huge.md").write_text("# Huge\n\n" + "x" * 200_000)
    stats = index.sync([str(folder)], max_bytes=100_000)
    assert stats.changed == 1 and stats.deleted == 1 and stats.unchanged == 7
    reasons = {Path(s.path).name: s.reason for s in stats.skipped}
    assert reasons["latin1.md"].startswith("not UTF-8")
    assert reasons["huge.md"].startswith("too large")
    assert stats.sections == 67 - 6 + 1
    hits = index.search(
        incident_query(error_type=None, message="replica lag pg_stat_replication", category=None)
    )
    assert hits and hits[0].heading.endswith("Replica lag")
    assert index.search(["recursion", "depth", "maximum"]) == []  # code-bugs.md dropped out

    # A touched but unchanged file is not re-indexed.
    os.utime(folder / "object-storage.md", None)
    touched = index.sync([str(folder)], max_bytes=100_000)
    assert touched.changed == 0 and len(touched.skipped) == 2


def test_search_finds_the_answering_section_with_an_excerpt(store_url: str) -> None:
    index = RunbookIndex(store_url, base_url="https://git.example/runbooks/")
    index.sync([str(CORPUS)], max_bytes=1_000_000)
    terms = incident_query(
        error_type="psycopg2.errors.DeadlockDetected",
        message="deadlock detected\nDETAIL: Process 11510 waits for ShareLock on transaction 14322",
        category="concurrency",
        names=["balances_update"],
    )
    hits = index.search(terms, limit=3)
    assert hits[0].heading == "Warehouse (PostgreSQL) runbook > Deadlock detected"
    assert hits[0].link == "https://git.example/runbooks/warehouse-postgres.md#deadlock-detected"
    assert "deadlock" in hits[0].excerpt.lower() and len(hits[0].excerpt) <= 280
    assert {"deadlock", "detected"} <= set(hits[0].matched)
    assert hits[0].score > 0


def test_candidate_terms_are_the_rarest_within_the_budget_in_query_order() -> None:
    dfs = {"deadlock": 3, "lock": 40, "transaction": 25, "detected": 8, "share": 90}
    terms = list(dfs)
    assert candidate_terms(terms, dfs, budget=40) == ["deadlock", "transaction", "detected"]
    assert candidate_terms(terms, dfs, budget=1) == ["deadlock"]  # at least the rarest
    assert candidate_terms(terms, dfs, budget=10_000) == terms


def test_a_bounded_candidate_set_still_finds_heading_and_rare_term_sections(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL only sections with a rare query term or a query term in their heading
    are ranked: with the smallest budget (the rarest term only) the best section is still
    the one an exhaustive ranking puts first."""
    index = RunbookIndex(store_url)
    index.sync([str(CORPUS)], max_bytes=1_000_000)
    queries = [
        ["deadlock", "detected", "sharelock", "transaction", "concurrency", "balances"],
        ["connection", "refused", "server", "running", "host", "port", "5432"],
        ["nosuchkey", "bucket", "key", "does", "not", "exist", "s3"],
    ]
    exhaustive = [[(h.path, h.heading) for h in index.search(q)] for q in queries]
    monkeypatch.setattr(runbooks, "CANDIDATE_ROWS", 1)
    bounded = [[(h.path, h.heading) for h in index.search(q)] for q in queries]
    assert all(exhaustive) and [b[:1] for b in bounded] == [e[:1] for e in exhaustive]


def test_nothing_relevant_means_nothing_shown(store_url: str) -> None:
    index = RunbookIndex(store_url)
    index.sync([str(CORPUS)], max_bytes=1_000_000)
    # Generic words only (they are in many sections): below the floor.
    assert index.search(["error", "the", "failed", "check"]) == []
    # One distinctive word is not enough with the default floor of two.
    assert index.search(["kubernetes", "zzzunknownword"]) == []
    assert index.search([]) == []


def test_runbook_index_asset_reports_counts(tmp_path: Path, dagster_home: Path) -> None:
    folder = _copy_corpus(tmp_path / "rb")
    (folder / "bad.md").write_bytes(b"# Bad\n\n\xff\xfe\n")
    config = SentinelConfig(
        state_dir=str(tmp_path / "state"), context=ContextConfig(runbooks=[str(folder)])
    )
    with dg.instance_for_test(temp_dir=str(dagster_home)) as instance:
        result = dg.materialize([runbook_index], instance=instance, resources={"sentinel": config})
        assert result.success
        meta = instance.get_latest_materialization_event(
            RUNBOOK_INDEX_KEY
        ).asset_materialization.metadata
    assert meta["files"].value == 9 and meta["sections"].value == 67
    assert meta["skipped"].value == 1 and meta["engine"].value == "sqlite-fts5"
    assert meta["skipped_files"].value[0]["reason"].startswith("not UTF-8")


def test_runbook_secrets_are_redacted_before_indexing(tmp_path: Path) -> None:
    folder = tmp_path / "rb"
    folder.mkdir()
    (folder / "vault.md").write_text(
        "# Vault\n\n## Rotate the warehouse password\n\n"
        "Login with password=hunter2 then rotate the warehouse credentials in vault.\n"
    )
    index = RunbookIndex(f"sqlite:///{tmp_path / 'store.db'}")
    index.sync([str(folder)], max_bytes=100_000)
    [hit] = index.search(["rotate", "warehouse", "credentials"])
    assert "hunter2" not in hit.excerpt and "REDACTED" in hit.excerpt


def test_index_sensor_launches_only_when_runbooks_are_configured(
    tmp_path: Path, dagster_home: Path
) -> None:
    with dg.instance_for_test(temp_dir=str(dagster_home)) as instance:
        for runbooks, expected in (([], dg.SkipReason), ([str(CORPUS)], dg.RunRequest)):
            config = SentinelConfig(
                state_dir=str(tmp_path / "state"), context=ContextConfig(runbooks=runbooks)
            )
            ctx = dg.build_sensor_context(instance=instance, resources={"sentinel": config})
            assert isinstance(sentinel_runbook_index_sensor(ctx), expected)
