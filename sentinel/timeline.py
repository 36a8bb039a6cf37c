"""What people did about an incident: the timeline, acks, mutes, approvals, re-executions and
resolution notes, in tables of their own next to the incidents (same engine and metadata as
`dagster_sentinel.store`, so SQLite and PostgreSQL alike).

Every ChatOps action writes one timeline row (who, what, when, result). Re-executions are
claimed per failed run in one transaction, so a double click, a Slack retry or a replayed
request launches at most one run.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dagster_sentinel.errors import StoreError
from dagster_sentinel.incidents import Incident
from dagster_sentinel.store import engine_for, incidents, metadata, transaction

timeline = sa.Table(
    "sentinel_timeline",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),  # Slack user id, or "sentinel"
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("result", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("run_id", sa.String(64)),
)

incident_state = sa.Table(
    "sentinel_incident_state",
    metadata,
    sa.Column("incident_id", sa.String(64), primary_key=True),
    sa.Column("acked_by", sa.String(64)),
    sa.Column("acked_at", sa.Float),
    sa.Column("resolution_note", sa.Text),
    sa.Column("note_by", sa.String(64)),
    sa.Column("note_at", sa.Float),
)

mutes = sa.Table(
    "sentinel_mutes",
    metadata,
    # "fingerprint:<fp>", "job:<name>" or "asset:<key>".
    sa.Column("key", sa.String(600), primary_key=True),
    sa.Column("until", sa.Float, nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("suppressed", sa.Integer, nullable=False, default=0),
)

reexecutions = sa.Table(
    "sentinel_reexecutions",
    metadata,
    # One re-execution per failed run, ever: the primary key is the claim.
    sa.Column("parent_run_id", sa.String(64), primary_key=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),  # launching | launched | SUCCESS | …
    sa.Column("run_id", sa.String(64)),
    sa.Column("strategy", sa.String(16), nullable=False),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("approved_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

approvals = sa.Table(
    "sentinel_approvals",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("parent_run_id", sa.String(64), nullable=False),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | approved | denied
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", sa.Float),
)

_TABLES = [timeline, incident_state, mutes, reexecutions, approvals]
# URLs whose ChatOps tables exist (checked once per process, not on every repeat).
_READY: set[str] = set()


class TimelineEntry(BaseModel):
    incident_id: str
    at: float
    actor: str
    action: str
    result: str
    detail: str | None = None
    run_id: str | None = None


class IncidentState(BaseModel):
    incident_id: str
    acked_by: str | None = None
    acked_at: float | None = None
    resolution_note: str | None = None
    note_by: str | None = None
    note_at: float | None = None


class Mute(BaseModel):
    key: str
    until: float
    by: str
    created_at: float
    suppressed: int = 0


class Reexecution(BaseModel):
    parent_run_id: str
    incident_id: str
    status: str
    run_id: str | None = None
    strategy: str
    requested_by: str
    approved_by: str
    created_at: float
    updated_at: float

    @property
    def in_flight(self) -> bool:
        return self.status in ("launching", "launched")


class Approval(BaseModel):
    id: str
    incident_id: str
    parent_run_id: str
    requested_by: str
    created_at: float
    status: Literal["pending", "approved", "denied"]
    decided_by: str | None = None
    decided_at: float | None = None


class Claim(BaseModel):
    """The outcome of claiming a failed run for re-execution."""

    claimed: bool
    existing: Reexecution | None = None


def mute_keys(incident: Incident) -> list[str]:
    """The mute keys that cover an incident: its fingerprint, its job and its asset."""
    keys = [f"fingerprint:{incident.fingerprint}"]
    if incident.job:
        keys.append(f"job:{incident.job}")
    if incident.asset:
        keys.append(f"asset:{incident.asset}")
    return keys


class TimelineStore:
    """ChatOps state in the shared store."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        if url in _READY:
            return
        try:
            # The engine may have been created before this module was imported.
            metadata.create_all(self.engine, tables=_TABLES, checkfirst=True)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            metadata.create_all(self.engine, tables=_TABLES, checkfirst=True)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot create the ChatOps tables: {e}") from e
        _READY.add(url)

    def _read(self, query: Any) -> list[Any]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(query).all())
        except SQLAlchemyError as e:
            raise StoreError(f"Sentinel store read failed: {e}") from e

    # -- timeline ----------------------------------------------------------------------
    def record(
        self,
        incident_id: str,
        *,
        actor: str,
        action: str,
        result: str,
        detail: str | None = None,
        run_id: str | None = None,
        now: float | None = None,
    ) -> TimelineEntry:
        entry = TimelineEntry(
            incident_id=incident_id,
            at=time.time() if now is None else now,
            actor=actor,
            action=action,
            result=result,
            detail=detail,
            run_id=run_id,
        )
        with transaction(self.engine) as conn:
            conn.execute(timeline.insert().values(**entry.model_dump()))
        return entry

    def entries(self, incident_id: str) -> list[TimelineEntry]:
        rows = self._read(
            sa.select(timeline)
            .where(timeline.c.incident_id == incident_id)
            .order_by(timeline.c.at, timeline.c.id)
        )
        return [TimelineEntry.model_validate(dict(r._mapping)) for r in rows]

    def entries_for(self, incident_ids: Iterable[str]) -> dict[str, list[TimelineEntry]]:
        ids = list(incident_ids)
        out: dict[str, list[TimelineEntry]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = self._read(
            sa.select(timeline)
            .where(timeline.c.incident_id.in_(ids))
            .order_by(timeline.c.at, timeline.c.id)
        )
        for r in rows:
            entry = TimelineEntry.model_validate(dict(r._mapping))
            out[entry.incident_id].append(entry)
        return out

    # -- acknowledgement and resolution notes -----------------------------------------
    def state(self, incident_id: str) -> IncidentState:
        rows = self._read(
            sa.select(incident_state).where(incident_state.c.incident_id == incident_id)
        )
        if not rows:
            return IncidentState(incident_id=incident_id)
        return IncidentState.model_validate(dict(rows[0]._mapping))

    def states(self, incident_ids: Iterable[str]) -> dict[str, IncidentState]:
        ids = list(incident_ids)
        out = {i: IncidentState(incident_id=i) for i in ids}
        if ids:
            for r in self._read(
                sa.select(incident_state).where(incident_state.c.incident_id.in_(ids))
            ):
                state = IncidentState.model_validate(dict(r._mapping))
                out[state.incident_id] = state
        return out

    def _ensure_state(self, conn: sa.Connection, incident_id: str) -> None:
        exists = conn.execute(
            sa.select(incident_state.c.incident_id).where(
                incident_state.c.incident_id == incident_id
            )
        ).first()
        if exists is None:
            conn.execute(incident_state.insert().values(incident_id=incident_id))

    def acknowledge(self, incident_id: str, user: str, now: float | None = None) -> IncidentState:
        """Record the first acknowledgement; later ones leave it as it was (idempotent)."""
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=f"state:{incident_id}") as conn:
            self._ensure_state(conn, incident_id)
            conn.execute(
                incident_state.update()
                .where(
                    incident_state.c.incident_id == incident_id,
                    incident_state.c.acked_by.is_(None),
                )
                .values(acked_by=user, acked_at=now)
            )
        return self.state(incident_id)

    def set_note(
        self, incident_id: str, note: str, user: str, now: float | None = None
    ) -> IncidentState:
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=f"state:{incident_id}") as conn:
            self._ensure_state(conn, incident_id)
            conn.execute(
                incident_state.update()
                .where(incident_state.c.incident_id == incident_id)
                .values(resolution_note=note, note_by=user, note_at=now)
            )
        return self.state(incident_id)

    def note_for_recurrence(self, incident: Incident) -> tuple[str, IncidentState] | None:
        """The newest resolution note of an earlier incident of the same failure (same
        fingerprint), else of a similar one (same target and error type): (its id, state)."""
        same = incidents.c.fingerprint == incident.fingerprint
        similar = sa.and_(
            incidents.c.target == incident.target,
            incidents.c.error_type == incident.error_type,
            incidents.c.target.is_not(None),
            incidents.c.error_type.is_not(None),
        )
        for match in (same, similar):
            rows = self._read(
                sa.select(incident_state, incidents.c.first_seen)
                .join(incidents, incidents.c.id == incident_state.c.incident_id)
                .where(
                    match,
                    incidents.c.id != incident.id,
                    incident_state.c.resolution_note.is_not(None),
                )
                .order_by(incident_state.c.note_at.desc())
                .limit(1)
            )
            if rows:
                mapping = dict(rows[0]._mapping)
                mapping.pop("first_seen", None)
                state = IncidentState.model_validate(mapping)
                return state.incident_id, state
        return None

    # -- mutes -------------------------------------------------------------------------
    def mute(self, key: str, until: float, user: str, now: float | None = None) -> Mute:
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=f"mute:{key}") as conn:
            conn.execute(mutes.delete().where(mutes.c.key == key))
            conn.execute(
                mutes.insert().values(key=key, until=until, by=user, created_at=now, suppressed=0)
            )
        return Mute(key=key, until=until, by=user, created_at=now)

    def active_mute(self, keys: list[str], now: float | None = None) -> Mute | None:
        """The mute (of any of `keys`) that lasts longest, if one is in force."""
        now = time.time() if now is None else now
        rows = self._read(
            sa.select(mutes)
            .where(mutes.c.key.in_(keys), mutes.c.until > now)
            .order_by(mutes.c.until.desc())
            .limit(1)
        )
        return Mute.model_validate(dict(rows[0]._mapping)) if rows else None

    def count_suppressed(self, key: str) -> None:
        with transaction(self.engine, lock_key=f"mute:{key}") as conn:
            conn.execute(
                mutes.update().where(mutes.c.key == key).values(suppressed=mutes.c.suppressed + 1)
            )

    # -- re-executions -----------------------------------------------------------------
    def claim_reexecution(
        self,
        *,
        parent_run_id: str,
        incident_id: str,
        strategy: str,
        requested_by: str,
        approved_by: str,
        now: float | None = None,
    ) -> Claim:
        """Claim a failed run for re-execution: exactly one caller wins, ever."""
        now = time.time() if now is None else now
        try:
            with transaction(self.engine, lock_key=f"reexec:{parent_run_id}") as conn:
                conn.execute(
                    reexecutions.insert().values(
                        parent_run_id=parent_run_id,
                        incident_id=incident_id,
                        status="launching",
                        strategy=strategy,
                        requested_by=requested_by,
                        approved_by=approved_by,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except StoreError as e:
            if not isinstance(e.__cause__, IntegrityError):
                raise
            return Claim(claimed=False, existing=self.reexecution(parent_run_id))
        return Claim(claimed=True)

    def release_reexecution(self, parent_run_id: str) -> None:
        """The launch failed (Dagster unreachable): nothing ran, so a later click may try."""
        with transaction(self.engine, lock_key=f"reexec:{parent_run_id}") as conn:
            conn.execute(
                reexecutions.delete().where(
                    reexecutions.c.parent_run_id == parent_run_id,
                    reexecutions.c.status == "launching",
                )
            )

    def set_reexecution(
        self, parent_run_id: str, *, status: str, run_id: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": time.time()}
        if run_id is not None:
            values["run_id"] = run_id
        with transaction(self.engine, lock_key=f"reexec:{parent_run_id}") as conn:
            conn.execute(
                reexecutions.update()
                .where(reexecutions.c.parent_run_id == parent_run_id)
                .values(**values)
            )

    def reexecution(self, parent_run_id: str) -> Reexecution | None:
        rows = self._read(
            sa.select(reexecutions).where(reexecutions.c.parent_run_id == parent_run_id)
        )
        return Reexecution.model_validate(dict(rows[0]._mapping)) if rows else None

    def in_flight(self) -> list[Reexecution]:
        rows = self._read(sa.select(reexecutions).where(reexecutions.c.status == "launched"))
        return [Reexecution.model_validate(dict(r._mapping)) for r in rows]

    def finish_reexecution(self, parent_run_id: str, status: str) -> bool:
        """Mark a launched re-execution finished; True for the one caller that did it."""
        with transaction(self.engine, lock_key=f"reexec:{parent_run_id}") as conn:
            res = conn.execute(
                reexecutions.update()
                .where(
                    reexecutions.c.parent_run_id == parent_run_id,
                    reexecutions.c.status == "launched",
                )
                .values(status=status, updated_at=time.time())
            )
            return res.rowcount == 1

    # -- approvals ---------------------------------------------------------------------
    def request_approval(
        self, *, incident_id: str, parent_run_id: str, requested_by: str, now: float | None = None
    ) -> Approval:
        """One pending request per failed run: asking twice returns the first."""
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=f"approval:{parent_run_id}") as conn:
            row = conn.execute(
                sa.select(approvals).where(
                    approvals.c.parent_run_id == parent_run_id, approvals.c.status == "pending"
                )
            ).first()
            if row is not None:
                return Approval.model_validate(dict(row._mapping))
            approval = Approval(
                id=secrets.token_hex(8),
                incident_id=incident_id,
                parent_run_id=parent_run_id,
                requested_by=requested_by,
                created_at=now,
                status="pending",
            )
            conn.execute(approvals.insert().values(**approval.model_dump()))
            return approval

    def approval(self, approval_id: str) -> Approval | None:
        rows = self._read(sa.select(approvals).where(approvals.c.id == approval_id))
        return Approval.model_validate(dict(rows[0]._mapping)) if rows else None

    def decide(
        self, approval_id: str, *, decision: Literal["approved", "denied"], user: str
    ) -> Approval | None:
        """Decide a pending request; None when it was already decided (idempotent)."""
        with transaction(self.engine, lock_key=f"approval-id:{approval_id}") as conn:
            res = conn.execute(
                approvals.update()
                .where(approvals.c.id == approval_id, approvals.c.status == "pending")
                .values(status=decision, decided_by=user, decided_at=time.time())
            )
            if res.rowcount != 1:
                return None
        return self.approval(approval_id)

    def reopen_approval(self, approval_id: str) -> None:
        """An approval whose launch failed (Dagster down) can be approved again."""
        with transaction(self.engine, lock_key=f"approval-id:{approval_id}") as conn:
            conn.execute(
                approvals.update()
                .where(approvals.c.id == approval_id)
                .values(status="pending", decided_by=None, decided_at=None)
            )


def timeline_summary(entries: list[TimelineEntry], limit: int = 6) -> str:
    """A compact text form of a timeline (for incident_history and the thread)."""
    parts = [
        f"{time.strftime('%m-%d %H:%M', time.gmtime(e.at))} {e.actor} {e.action} {e.result}"
        for e in entries[-limit:]
    ]
    return "; ".join(parts)


def to_json(entries: list[TimelineEntry]) -> str:
    return json.dumps([e.model_dump() for e in entries])


def last_time_event(incident_id: str, state: IncidentState) -> str:
    """The line handed to the brain (an evidence event) when a resolved failure returns."""
    when = time.strftime("%Y-%m-%d", time.gmtime(state.note_at or 0))
    return (
        f"Last time (incident {incident_id}, resolved {when}), the on-call engineer noted: "
        f"{state.resolution_note}"
    )


def add_last_time(url: str, incident: Incident, events: list[str]) -> None:
    """Append the last resolution note of this (or a similar) failure to `events`."""
    found = TimelineStore(url).note_for_recurrence(incident)
    if found is not None:
        events.append(last_time_event(*found))
