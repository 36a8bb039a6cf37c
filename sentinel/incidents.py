"""Incidents: one problem, one fingerprint, one top-level Slack message.

Decisions (is this a retry, does a repeat reopen or update, what resolves what) are
pure functions; `IncidentStore` applies them in one serialised transaction so concurrent
writers agree.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from dagster_sentinel.store import engine_for, incidents, lock, occurrences, transaction


class Facts(BaseModel):
    """What a failure or finding is and where it happened: shared by a registered
    `Failure` and the stored `Incident`."""

    fingerprint: str
    kind: str = "failure"
    target: str | None = None
    job: str | None = None
    step: str | None = None
    location: str | None = None
    asset: str | None = None
    group: str | None = None
    owners: str | None = None  # comma-separated asset owners
    title: str | None = None
    category: str | None = None
    severity: str | None = None
    error_type: str | None = None


class Incident(Facts):
    id: str
    status: str
    first_run_id: str | None = None
    last_run_id: str | None = None
    first_seen: float
    last_seen: float
    occurrences: int = 1
    resolved_at: float | None = None
    resolved_by_run_id: str | None = None
    brain: str | None = None
    report_json: str | None = None
    evidence_json: str | None = None
    source: str | None = None

    @property
    def mttr_s(self) -> float | None:
        return None if self.resolved_at is None else self.resolved_at - self.first_seen


FailureSource = Literal["hook", "sensor", "health", "alert", "manual"]


class Failure(Facts):
    """A failure (or health finding) as registered: what the store needs to dedupe it."""

    run_id: str | None = None
    source: FailureSource = "sensor"


class Registration(BaseModel):
    incident: Incident
    # new: first of its fingerprint in the window; repeat: counted on an open incident;
    # duplicate: this exact run/step was registered before (hook and sensor racing).
    outcome: Literal["new", "repeat", "duplicate"]


# --- pure decisions -----------------------------------------------------------------


def is_retried(tags: Mapping[str, str]) -> bool:
    """A run Dagster will retry does not open an incident; its final attempt will."""
    return str(tags.get("dagster/will_retry", "")).lower() == "true"


def still_open(last_seen: float, now: float, window_s: float) -> bool:
    """A repeat within the window updates the incident; after it, a new one opens."""
    return now - last_seen <= window_s


def new_incident_id(fingerprint: str, now: float) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    return f"{stamp}-{fingerprint[:8]}-{secrets.token_hex(2)}"


# --- the store -----------------------------------------------------------------------


def _row(row: sa.Row | None) -> Incident | None:  # type: ignore[type-arg]
    return None if row is None else Incident.model_validate(dict(row._mapping))


class IncidentStore:
    """Incident state in the shared store (SQLite file or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = engine_for(url)

    def register(
        self, failure: Failure, *, window_s: float = 24 * 3600, now: float | None = None
    ) -> Registration:
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=failure.fingerprint) as conn:
            if failure.run_id is not None:
                seen = conn.execute(
                    sa.select(occurrences.c.incident_id).where(
                        occurrences.c.run_id == failure.run_id,
                        occurrences.c.step == (failure.step or ""),
                    )
                ).first()
                if seen is not None:
                    incident = self._get(conn, seen.incident_id)
                    assert incident is not None
                    return Registration(incident=incident, outcome="duplicate")
            current = _row(
                conn.execute(
                    sa.select(incidents).where(incidents.c.open_key == failure.fingerprint)
                ).first()
            )
            if current is not None and not still_open(current.last_seen, now, window_s):
                conn.execute(
                    incidents.update()
                    .where(incidents.c.id == current.id, incidents.c.status == "open")
                    .values(open_key=None, status="expired")
                )
                current = None
            outcome: Literal["new", "repeat"] = "repeat"
            if current is not None:
                incident_id = current.id
                # Conditional: counts only on an incident still open. Resolve takes the same
                # per-fingerprint lock, so it cannot close the incident under us; if it
                # somehow did, the failure opens a new incident instead of vanishing.
                counted = conn.execute(
                    incidents.update()
                    .where(incidents.c.id == incident_id, incidents.c.status == "open")
                    .values(
                        occurrences=incidents.c.occurrences + 1,
                        last_seen=now,
                        last_run_id=failure.run_id or current.last_run_id,
                    )
                ).rowcount
                if counted != 1:
                    current = None
            if current is None:
                incident_id = new_incident_id(failure.fingerprint, now)
                conn.execute(
                    incidents.insert().values(
                        id=incident_id,
                        open_key=failure.fingerprint,
                        status="open",
                        first_run_id=failure.run_id,
                        last_run_id=failure.run_id,
                        first_seen=now,
                        last_seen=now,
                        occurrences=1,
                        source=failure.source,
                        **failure.model_dump(include=set(Facts.model_fields)),
                    )
                )
                outcome = "new"
            if failure.run_id is not None:
                conn.execute(
                    occurrences.insert().values(
                        run_id=failure.run_id,
                        step=failure.step or "",
                        incident_id=incident_id,
                        source=failure.source,
                        created_at=now,
                    )
                )
            incident = self._get(conn, incident_id)
            assert incident is not None
            return Registration(incident=incident, outcome=outcome)

    @staticmethod
    def _get(conn: Connection, incident_id: str) -> Incident | None:
        return _row(conn.execute(sa.select(incidents).where(incidents.c.id == incident_id)).first())

    def get(self, incident_id: str) -> Incident | None:
        with self.engine.connect() as conn:
            return self._get(conn, incident_id)

    def run_registered(self, run_id: str) -> bool:
        """True when any failure of this run (a step via the hook, or the run) is counted."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(occurrences.c.run_id).where(occurrences.c.run_id == run_id).limit(1)
                ).first()
                is not None
            )

    def save_report(
        self,
        incident_id: str,
        *,
        report_json: str,
        category: str,
        severity: str,
        brain: str,
        title: str | None = None,
        evidence_json: str | None = None,
    ) -> None:
        values: dict[str, object] = {
            "report_json": report_json,
            "category": category,
            "severity": severity,
            "brain": brain,
        }
        if title is not None:
            values["title"] = title
        if evidence_json is not None:
            values["evidence_json"] = evidence_json
        with transaction(self.engine) as conn:
            conn.execute(incidents.update().where(incidents.c.id == incident_id).values(**values))

    def save_evidence(self, incident_id: str, evidence_json: str) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                incidents.update()
                .where(incidents.c.id == incident_id)
                .values(evidence_json=evidence_json)
            )

    def resolve(
        self, *, target: str, run_id: str | None, now: float | None = None
    ) -> list[Incident]:
        """Resolve every open incident of a job or asset after its next success."""
        now = time.time() if now is None else now
        with transaction(self.engine) as conn:
            candidates = conn.execute(
                sa.select(incidents.c.id, incidents.c.fingerprint).where(
                    incidents.c.target == target,
                    incidents.c.status == "open",
                    incidents.c.kind == "failure",
                    incidents.c.last_seen <= now,
                )
            ).all()
            # The same per-fingerprint lock as `register`: a failure registering right now
            # is either counted before the resolve, or opens a new incident after it.
            for fingerprint in sorted({c.fingerprint for c in candidates}):
                lock(conn, fingerprint)
            resolved: list[Incident] = []
            for candidate in candidates:
                # Re-checked under the lock: only what is still open and not seen since.
                changed = conn.execute(
                    incidents.update()
                    .where(
                        incidents.c.id == candidate.id,
                        incidents.c.status == "open",
                        incidents.c.last_seen <= now,
                    )
                    .values(
                        status="resolved", open_key=None, resolved_at=now, resolved_by_run_id=run_id
                    )
                ).rowcount
                if changed == 1:
                    incident = self._get(conn, candidate.id)
                    assert incident is not None
                    resolved.append(incident)
            return resolved

    def earlier_incidents(self, fingerprint: str, before: str) -> int:
        """How many earlier incidents (resolved or expired) had this fingerprint."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(incidents)
                    .where(incidents.c.fingerprint == fingerprint, incidents.c.id != before)
                ).scalar_one()
            )

    def open_incidents(self, kinds: list[str], source: str | None = None) -> list[Incident]:
        query = sa.select(incidents).where(
            incidents.c.status == "open", incidents.c.kind.in_(kinds)
        )
        if source is not None:
            query = query.where(incidents.c.source == source)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [inc for inc in (_row(r) for r in rows) if inc is not None]

    def resolve_one(
        self, incident: Incident, run_id: str | None = None, now: float | None = None
    ) -> Incident | None:
        """Resolve one open incident (a health problem that is gone); None if it was not open."""
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=incident.fingerprint) as conn:
            res = conn.execute(
                incidents.update()
                .where(incidents.c.id == incident.id, incidents.c.status == "open")
                .values(
                    status="resolved", open_key=None, resolved_at=now, resolved_by_run_id=run_id
                )
            )
            if res.rowcount != 1:
                return None
            return self._get(conn, incident.id)

    def opened_between(self, start: float, end: float) -> list[Incident]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(incidents).where(
                    incidents.c.first_seen >= start, incidents.c.first_seen < end
                )
            ).all()
        return [inc for inc in (_row(r) for r in rows) if inc is not None]

    def all(self, limit: int = 10_000) -> list[Incident]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(incidents).order_by(incidents.c.first_seen.desc()).limit(limit)
            ).all()
        return [inc for inc in (_row(r) for r in rows) if inc is not None]
