"""Incidents: pure decisions, and the store under concurrent writers (SQLite, PostgreSQL)."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_sentinel.incidents import Failure, IncidentStore, is_retried, still_open
from tests.sentinel.conftest import fresh_postgres_database


def test_pure_decisions() -> None:
    assert is_retried({"dagster/will_retry": "true"})
    assert not is_retried({"dagster/will_retry": "false"}) and not is_retried({})
    assert still_open(last_seen=0, now=3600, window_s=3600)
    assert not still_open(last_seen=0, now=3601, window_s=3600)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sentinel.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def _failure(run_id: str | None, fp: str = "f" * 16, step: str = "s") -> Failure:
    return Failure(fingerprint=fp, target="job", job="job", step=step, run_id=run_id)


def test_repeat_within_window_updates_then_expires(store_url: str) -> None:
    store = IncidentStore(store_url)
    first = store.register(_failure("r1"), now=1000.0)
    again = store.register(_failure("r2"), now=2000.0)
    dup = store.register(_failure("r2"), now=2001.0)
    later = store.register(_failure("r3"), window_s=3600, now=2000.0 + 3601)
    assert (first.outcome, again.outcome, dup.outcome, later.outcome) == (
        "new",
        "repeat",
        "duplicate",
        "new",
    )
    assert again.incident.id == first.incident.id and again.incident.occurrences == 2
    assert later.incident.id != first.incident.id
    assert store.get(first.incident.id).status == "expired"


def test_success_resolves_with_mttr(store_url: str) -> None:
    store = IncidentStore(store_url)
    reg = store.register(_failure("r1"), now=100.0)
    resolved = store.resolve(target="job", run_id="ok1", now=400.0)
    assert [i.id for i in resolved] == [reg.incident.id]
    assert resolved[0].mttr_s == 300.0
    # After resolution the same failure opens a new incident.
    assert store.register(_failure("r9"), now=500.0).outcome == "new"


def _register_many(url: str, run_ids: list[str], barrier, out) -> None:  # runs in a child process
    from dagster_sentinel.store import dispose_engines

    dispose_engines()
    store = IncidentStore(url)
    barrier.wait()
    out.put([store.register(_failure(r)).outcome for r in run_ids])


def test_concurrent_writers_open_exactly_one_incident(store_url: str) -> None:
    """Eight processes register 5 failures each of one fingerprint at the same moment; the
    hook and the sensor race on the same runs (runs r0..r4 are registered by every process)."""
    ctx = mp.get_context("spawn")
    procs, n = [], 8
    barrier, out = ctx.Barrier(n), ctx.Queue()
    for i in range(n):
        runs = [f"r{j}" for j in range(5)] if i % 2 == 0 else [f"p{i}-{j}" for j in range(5)]
        procs.append(ctx.Process(target=_register_many, args=(store_url, runs, barrier, out)))
    for p in procs:
        p.start()
    outcomes = [o for _ in procs for o in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    store = IncidentStore(store_url)
    incidents = store.all()
    assert len(incidents) == 1
    distinct_runs = 5 + 4 * 5
    assert incidents[0].occurrences == distinct_runs
    assert outcomes.count("new") == 1
    assert outcomes.count("repeat") == distinct_runs - 1
    assert outcomes.count("duplicate") == n * 5 - distinct_runs


def _waiting_on_locks(url: str) -> int:
    import sqlalchemy as sa

    from dagster_sentinel.store import engine_for

    with engine_for(url).connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def _until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the expected lock wait never happened"
        time.sleep(0.05)


@pytest.mark.postgres
def test_a_failure_landing_during_a_resolve_opens_a_new_incident() -> None:
    """Deterministic interleaving on PostgreSQL: the resolve is inside its transaction
    (held on the incident's row by the test) when a failure of the same fingerprint
    registers. The failure must not be counted on the incident being resolved (it used
    to be: different locks, an unconditional UPDATE, a "repeat" of a resolved incident,
    and no alert); it opens a new incident."""
    import threading

    import sqlalchemy as sa

    from dagster_sentinel.store import incidents

    with fresh_postgres_database() as url:
        store = IncidentStore(url)
        first = store.register(_failure("r1")).incident
        results: dict[str, object] = {}
        holder = store.engine.connect()
        tx = holder.begin()
        holder.execute(
            sa.select(incidents.c.id).where(incidents.c.id == first.id).with_for_update()
        )
        resolver = threading.Thread(
            target=lambda: results.update(resolved=store.resolve(target="job", run_id="ok"))
        )
        resolver.start()
        _until(lambda: _waiting_on_locks(url) == 1)
        registrar = threading.Thread(
            target=lambda: results.update(reg=store.register(_failure("r2")))
        )
        registrar.start()
        _until(lambda: _waiting_on_locks(url) == 2)
        tx.rollback()
        holder.close()
        resolver.join(30)
        registrar.join(30)
        resolved = results["resolved"]
        reg = results["reg"]
        assert [i.id for i in resolved] == [first.id]  # type: ignore[attr-defined]
        assert reg.outcome == "new" and reg.incident.status == "open"  # type: ignore[attr-defined]
        assert reg.incident.id != first.id  # type: ignore[attr-defined]
        assert store.get(first.id).occurrences == 1 and store.get(first.id).status == "resolved"
