"""The one store every Dagster process shares: incidents, occurrences, the Slack outbox.

SQLite under `$DAGSTER_HOME/sentinel/` by default; PostgreSQL (the same server Dagster
uses) through `SENTINEL_DATABASE_URL`. Writers serialise per transaction (SQLite:
`BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock per key), so several
failing runs, the hook and the sensor racing still open exactly one incident.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from dagster_sentinel.errors import StoreError

metadata = sa.MetaData()

incidents = sa.Table(
    "sentinel_incidents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
    # Equal to the fingerprint while the incident is open, NULL afterwards: at most one
    # open incident per fingerprint, enforced by the database.
    sa.Column("open_key", sa.String(64), unique=True, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False, default="failure"),
    sa.Column("target", sa.String(512)),
    sa.Column("job", sa.String(512)),
    sa.Column("step", sa.String(512)),
    sa.Column("location", sa.String(512)),
    sa.Column("asset", sa.String(512)),
    sa.Column("group", sa.String(512)),
    sa.Column("owners", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("category", sa.String(32)),
    sa.Column("severity", sa.String(16)),
    sa.Column("error_type", sa.String(512)),
    sa.Column("first_run_id", sa.String(64)),
    sa.Column("last_run_id", sa.String(64)),
    sa.Column("first_seen", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("occurrences", sa.Integer, nullable=False, default=1),
    sa.Column("resolved_at", sa.Float),
    sa.Column("resolved_by_run_id", sa.String(64)),
    sa.Column("brain", sa.String(16)),
    sa.Column("report_json", sa.Text),
    sa.Column("evidence_json", sa.Text),
    sa.Column("source", sa.String(16)),
)

occurrences = sa.Table(
    "sentinel_occurrences",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    # "" for a run-level failure; the step key for a step failure seen by the hook.
    sa.Column("step", sa.String(512), primary_key=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

outbox = sa.Table(
    "sentinel_outbox",
    metadata,
    # Idempotency key: one row per message Sentinel means to send, ever.
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("incident_id", sa.String(64), index=True),
    sa.Column("channel", sa.String(255), nullable=False),
    # post: a top-level message; reply: in the thread of `parent_key`;
    # update: chat.update of `parent_key`'s message.
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("parent_key", sa.String(255)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | dead
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("lease_until", sa.Float),
    # Fencing token of the sender holding the lease: every state change of a leased row
    # names it, so a sender whose lease expired (and was taken over) changes nothing.
    sa.Column("lease_owner", sa.String(64)),
    # Version of the state the payload carries (e.g. the occurrence count): a pending row
    # is only ever rewritten with a newer one.
    sa.Column("seq", sa.Integer),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    # Where Slack put it: the channel id and message ts (needed for threads and updates).
    sa.Column("channel_id", sa.String(64)),
    sa.Column("ts", sa.String(64)),
    sa.Column("last_error", sa.Text),
)

# Per-channel pacing shared by every process: the earliest time the next message may go.
pace = sa.Table(
    "sentinel_pace",
    metadata,
    sa.Column("channel", sa.String(255), primary_key=True),
    sa.Column("next_at", sa.Float, nullable=False),
)

# Sentinel's own metrics (dagster_sentinel.telemetry): counters every process adds to, so the
# numbers of hooks in run workers and sensors in the daemon reach `/metrics` on any host.
counters = sa.Table(
    "sentinel_counters",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("labels", sa.String(512), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Slack channel ids learnt from chat.postMessage (whose `channel` answer is the id), so
# crash recovery can read history: conversations.history takes ids, never names.
channels = sa.Table(
    "sentinel_channels",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("channel_id", sa.String(64), nullable=False),
)

# Columns added after the first release: added in place to stores created before them.
_ADDED_COLUMNS = {outbox.name: ("lease_owner", "seq")}

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _sqlite_immediate(engine: Engine) -> None:
    """Make pysqlite leave transactions to us and start them with BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine_for(url: str) -> Engine:
    """One engine per URL per process, with the schema created on first use."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            return engine
        try:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[-1]
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(url, connect_args={"timeout": 30})
                _sqlite_immediate(engine)
            else:
                engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
            try:
                metadata.create_all(engine, checkfirst=True)
            except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
                # Another process created the schema at the same moment.
                metadata.create_all(engine, checkfirst=True)
            _add_missing_columns(engine)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot open the Sentinel store at {_safe_url(url)}: {e}") from e
        _ENGINES[url] = engine
        return engine


def _add_missing_columns(engine: Engine) -> None:
    """`create_all` never alters an existing table: add the newer nullable columns."""
    inspector = sa.inspect(engine)
    for table_name, names in _ADDED_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table_name)}
        table = metadata.tables[table_name]
        for name in names:
            if name in present:
                continue
            column = table.c[name]
            ddl = column.type.compile(dialect=engine.dialect)
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f'ALTER TABLE {table_name} ADD COLUMN "{name}" {ddl}')
            except (sa.exc.OperationalError, sa.exc.ProgrammingError):
                # Another process added it at the same moment.
                pass


def dispose_engines() -> None:
    """Close every pooled connection (tests dropping databases; forked processes)."""
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def _safe_url(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def lock(conn: Connection, key: str) -> None:
    """Serialise this transaction against every other one locking `key` (PostgreSQL:
    a transaction-scoped advisory lock; SQLite's BEGIN IMMEDIATE already serialises all
    writers). Take several in sorted order, so two transactions never deadlock."""
    if conn.dialect.name == "postgresql":
        digest = hashlib.sha256(key.encode()).digest()
        lock_id = int.from_bytes(digest[:8], "big", signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id})


@contextmanager
def transaction(engine: Engine, lock_key: str | None = None) -> Iterator[Connection]:
    """A write transaction, serialised against other writers of the same `lock_key`."""
    try:
        with engine.begin() as conn:
            if lock_key is not None:
                lock(conn, lock_key)
            yield conn
    except SQLAlchemyError as e:
        raise StoreError(f"Sentinel store transaction failed: {e}") from e
