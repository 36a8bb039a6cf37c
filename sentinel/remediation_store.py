"""Scheduled and running remediations, durable in the shared store.

One table next to the incidents (same engine and metadata as `dagster_sentinel.store`, created the
same way), one row per remediation ever decided: an automatic retry (`auto_retry`, keyed
by the original failed run and the attempt number) or an action someone asked for (keyed by
incident, action and run). The key is the primary key, so deciding twice (the hook racing
the RCA asset, a replayed click) stores one row; a sensor tick claims a due row in one
transaction, so two ticks never both launch it.

Statuses: `scheduled` → `launching` → `launched` (→ `stage2` for two-step actions) →
`succeeded` | `failed` | `canceled`; `scheduled` → `canceled` (Cancel button); `error`
when Dagster refused the launch.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dagster_sentinel.errors import StoreError
from dagster_sentinel.store import engine_for, metadata, transaction

remediations = sa.Table(
    "sentinel_remediations",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # auto_retry | action
    sa.Column("action", sa.String(48), nullable=False),
    # The failed run the chain started from (tag sentinel/remediation_of) and the attempt.
    sa.Column("remediation_of", sa.String(64), nullable=False, index=True),
    sa.Column("attempt", sa.Integer, nullable=False),
    # The run to re-execute (the latest failed run of the chain) or to act on.
    sa.Column("target_run_id", sa.String(64)),
    # Extra data of an action (asset key and partition, schedule or sensor name…), as JSON.
    sa.Column("params", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("due_at", sa.Float, nullable=False),
    sa.Column("run_id", sa.String(64)),
    sa.Column("stage_run_id", sa.String(64)),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("approved_by", sa.String(64)),
    sa.Column("category", sa.String(32)),
    sa.Column("confidence", sa.Float),
    sa.Column("detail", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("launched_at", sa.Float),
    sa.Column("finished_at", sa.Float),
)

ACTIVE = ("scheduled", "launching", "launched", "stage2")
FINAL = ("succeeded", "failed", "canceled", "error", "done")


class Remediation(BaseModel):
    key: str
    incident_id: str
    kind: str
    action: str
    remediation_of: str
    attempt: int
    target_run_id: str | None = None
    params: str | None = None
    status: str
    due_at: float
    run_id: str | None = None
    stage_run_id: str | None = None
    requested_by: str
    approved_by: str | None = None
    category: str | None = None
    confidence: float | None = None
    detail: str | None = None
    created_at: float
    updated_at: float
    launched_at: float | None = None
    finished_at: float | None = None


def retry_key(remediation_of: str, attempt: int) -> str:
    return f"retry:{remediation_of}:{attempt}"


class RemediationStore:
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        try:
            # The engine may have been created before this module was imported.
            metadata.create_all(self.engine, tables=[remediations], checkfirst=True)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            metadata.create_all(self.engine, tables=[remediations], checkfirst=True)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot create the remediation table: {e}") from e

    def _read(self, query: Any) -> list[Remediation]:
        try:
            with self.engine.connect() as conn:
                return [Remediation.model_validate(dict(r._mapping)) for r in conn.execute(query)]
        except SQLAlchemyError as e:
            raise StoreError(f"Sentinel store read failed: {e}") from e

    def add(self, **values: Any) -> tuple[Remediation, bool]:
        """Insert a remediation; (the stored row, True) or (the existing row, False)."""
        now = time.time()
        values.setdefault("created_at", now)
        values.setdefault("updated_at", now)
        key = values["key"]
        try:
            with transaction(self.engine, lock_key=f"remediation:{key}") as conn:
                conn.execute(remediations.insert().values(**values))
        except StoreError as e:
            if not isinstance(e.__cause__, IntegrityError):
                raise
            existing = self.get(key)
            assert existing is not None
            return existing, False
        row = self.get(key)
        assert row is not None
        return row, True

    def get(self, key: str) -> Remediation | None:
        rows = self._read(sa.select(remediations).where(remediations.c.key == key))
        return rows[0] if rows else None

    def for_incident(self, incident_id: str) -> list[Remediation]:
        return self._read(
            sa.select(remediations)
            .where(remediations.c.incident_id == incident_id)
            .order_by(remediations.c.created_at, remediations.c.key)
        )

    def chain(self, remediation_of: str) -> list[Remediation]:
        return self._read(
            sa.select(remediations)
            .where(
                remediations.c.remediation_of == remediation_of,
                remediations.c.kind == "auto_retry",
            )
            .order_by(remediations.c.attempt)
        )

    def automatic_since(self, since: float) -> int:
        """Automatic retries decided (scheduled or launched) since `since`: the budget."""
        try:
            with self.engine.connect() as conn:
                return int(
                    conn.execute(
                        sa.select(sa.func.count())
                        .select_from(remediations)
                        .where(
                            remediations.c.kind == "auto_retry",
                            remediations.c.created_at >= since,
                            remediations.c.status.not_in(("canceled", "error")),
                        )
                    ).scalar_one()
                )
        except SQLAlchemyError as e:
            raise StoreError(f"Sentinel store read failed: {e}") from e

    def due(
        self, now: float, stale_launching_s: float = 60.0, limit: int = 20
    ) -> list[Remediation]:
        """Scheduled rows whose time has come, and launches a dead process left half done."""
        return self._read(
            sa.select(remediations)
            .where(
                sa.or_(
                    sa.and_(remediations.c.status == "scheduled", remediations.c.due_at <= now),
                    sa.and_(
                        remediations.c.status == "launching",
                        remediations.c.updated_at <= now - stale_launching_s,
                    ),
                )
            )
            .order_by(remediations.c.due_at)
            .limit(limit)
        )

    def running(self, limit: int = 50) -> list[Remediation]:
        return self._read(
            sa.select(remediations)
            .where(remediations.c.status.in_(("launched", "stage2")))
            .order_by(remediations.c.launched_at)
            .limit(limit)
        )

    def transition(self, key: str, from_: tuple[str, ...], to: str, **values: Any) -> bool:
        """Move a row from one of `from_` to `to`; True for the one caller that did it."""
        values = {"status": to, "updated_at": time.time(), **values}
        with transaction(self.engine, lock_key=f"remediation:{key}") as conn:
            res = conn.execute(
                remediations.update()
                .where(remediations.c.key == key, remediations.c.status.in_(from_))
                .values(**values)
            )
            return res.rowcount == 1

    def claim(self, row: Remediation, now: float | None = None) -> bool:
        """Claim a due row for launching (scheduled, or a stale launching left by a crash)."""
        now = time.time() if now is None else now
        with transaction(self.engine, lock_key=f"remediation:{row.key}") as conn:
            res = conn.execute(
                remediations.update()
                .where(
                    remediations.c.key == row.key,
                    remediations.c.status == row.status,
                    remediations.c.updated_at == row.updated_at,
                )
                .values(status="launching", updated_at=now)
            )
            return res.rowcount == 1
