"""Similar past incidents, beyond the same fingerprint, and their resolution notes.

Each incident's *keys* are stored when its context is gathered: the masked error template
(error class + message with numbers, ids, paths masked, whatever the job), the external
systems its evidence names (host, bucket, table, API) and its upstream assets. Incidents
sharing a key (or the fingerprint) are similar; the strongest link ranks first, then the
ones with a resolution note, then the most recent. Incidents recorded before keys existed
are backfilled from their stored evidence.

Resolution notes live in `sentinel_incident_notes(id, incident_id, note, author, at)`: one
row per note, the latest wins. Anything may write there: `sentinel incidents resolve ID
--note TEXT`, or the Slack Resolve modal (`add_note`). Notes are redacted before storage.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from dagster_sentinel.incidents import Incident, IncidentStore
from dagster_sentinel.store import engine_for, incidents, transaction
from sentinel_brain.context import SimilarIncident, systems
from sentinel_brain.fingerprint import message_template
from sentinel_brain.models import Evidence
from sentinel_brain.redact import redact

_meta = sa.MetaData()

notes_table = sa.Table(
    "sentinel_incident_notes",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("author", sa.String(255)),
    sa.Column("at", sa.Float, nullable=False),
)

keys_table = sa.Table(
    "sentinel_incident_keys",
    _meta,
    sa.Column("incident_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(600), primary_key=True, index=True),
)

# Strongest first: the same failure; the same error in another job; the same system; the
# same upstream asset.
_LINKS = ("fingerprint", "template", "system", "upstream")
_NO_KEYS = "none:"
BACKFILL = 200


_READY: weakref.WeakSet[Engine] = weakref.WeakSet()


def _schema(engine: Engine) -> None:
    """Create the tables once per engine and process (not on every report)."""
    if engine in _READY:
        return
    with transaction(engine, lock_key="sentinel-context-schema") as conn:
        _meta.create_all(conn, checkfirst=True)
    _READY.add(engine)


# --- keys (pure) --------------------------------------------------------------------------


def template_key(error_type: str | None, message: str | None) -> str | None:
    """The masked error template, whatever the job: `template:<hash>`."""
    if not error_type and not message:
        return None
    cls = (error_type or "-").rsplit(".", 1)[-1]
    digest = hashlib.sha256(f"{cls}\x1f{message_template(message or '')}".encode()).hexdigest()
    return f"template:{digest[:16]}"


def incident_keys(evidence: Evidence) -> list[str]:
    """What makes another incident similar to this one (see the module docstring)."""
    keys: list[str] = []
    root = evidence.root
    tpl = template_key(root.type if root else None, root.message if root else None)
    if tpl:
        keys.append(tpl)
    text = "\n".join(
        [evidence.text[-20_000:], *(f"{e.type}: {e.message}" for e in evidence.exceptions)]
    )
    keys += [f"system:{s}" for s in systems(text)]
    keys += [f"upstream:{u.asset_key}" for u in evidence.upstream[:20]]
    return [k[:600] for k in dict.fromkeys(keys)]


def link_of(key: str) -> str:
    return key.split(":", 1)[0]


def describe(key: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "template":
        return "same error template"
    if kind == "system":
        what, _, name = value.partition(":")
        return f"same {what} `{name}`"
    if kind == "upstream":
        return f"same upstream asset `{value}`"
    return kind


# --- the store ------------------------------------------------------------------------------


class NoteStore:
    """Resolution notes (any writer: the CLI, the Slack modal)."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        _schema(self.engine)

    def add_note(
        self, incident_id: str, note: str, author: str | None, at: float | None = None
    ) -> None:
        text = redact(note.strip())
        if not text:
            raise ValueError("a resolution note cannot be empty")
        with transaction(self.engine) as conn:
            conn.execute(
                notes_table.insert().values(
                    incident_id=incident_id,
                    note=text[:4000],
                    author=redact(author)[:255] if author else None,
                    at=time.time() if at is None else at,
                )
            )

    def latest(self, incident_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """incident id → (latest note, its author)."""
        ids = list(incident_ids)
        if not ids:
            return {}
        out: dict[str, tuple[str, str | None]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(notes_table.c.incident_id, notes_table.c.note, notes_table.c.author)
                .where(notes_table.c.incident_id.in_(ids))
                .order_by(notes_table.c.at, notes_table.c.id)
            )
            for r in rows:
                out[r.incident_id] = (r.note, r.author)
        return out


def resolve_with_note(
    url: str, incident_id: str, note: str, author: str | None, now: float | None = None
) -> tuple[Incident, bool]:
    """Store the note and resolve the incident if it is open; (incident, newly resolved).

    Raises:
        KeyError: no incident has this id.
        ValueError: the note is empty.
    """
    store = IncidentStore(url)
    incident = store.get(incident_id)
    if incident is None:
        raise KeyError(incident_id)
    NoteStore(url).add_note(incident_id, note, author, now)
    if incident.status != "open":
        return incident, False
    resolved = store.resolve_one(incident, run_id=None, now=now)
    return (resolved or incident), resolved is not None


class SimilarIncidents:
    """Finds past incidents like a new one (shared keys, or the same fingerprint)."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        _schema(self.engine)
        self.notes = NoteStore(url)

    def remember(self, incident_id: str, keys: Sequence[str]) -> None:
        with transaction(self.engine, lock_key=f"keys:{incident_id}") as conn:
            have = {
                r.key
                for r in conn.execute(
                    sa.select(keys_table.c.key).where(keys_table.c.incident_id == incident_id)
                )
            }
            for key in [*keys] or [_NO_KEYS]:
                if key not in have:
                    conn.execute(keys_table.insert().values(incident_id=incident_id, key=key))

    def backfill(self, limit: int = BACKFILL) -> int:
        """Keys for incidents stored before keys existed (from their stored evidence)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(incidents.c.id, incidents.c.evidence_json)
                .where(
                    incidents.c.evidence_json.is_not(None),
                    ~incidents.c.id.in_(sa.select(keys_table.c.incident_id).distinct()),
                )
                .order_by(incidents.c.first_seen.desc())
                .limit(limit)
            ).all()
        for row in rows:
            try:
                evidence = Evidence.model_validate_json(row.evidence_json)
            except ValidationError:
                self.remember(row.id, [])
                continue
            self.remember(row.id, incident_keys(evidence))
        return len(rows)

    def find(
        self,
        incident: Incident,
        evidence: Evidence,
        *,
        lookback_s: float,
        limit: int = 3,
        now: float | None = None,
    ) -> list[SimilarIncident]:
        now = time.time() if now is None else now
        keys = incident_keys(evidence)
        self.remember(incident.id, keys)
        self.backfill()
        since = now - lookback_s
        links: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            if keys:
                for row in conn.execute(
                    sa.select(keys_table.c.incident_id, keys_table.c.key).where(
                        keys_table.c.key.in_(keys), keys_table.c.incident_id != incident.id
                    )
                ):
                    links.setdefault(row.incident_id, []).append(row.key)
            for row in conn.execute(
                sa.select(incidents.c.id).where(
                    incidents.c.fingerprint == incident.fingerprint,
                    incidents.c.id != incident.id,
                )
            ):
                links.setdefault(row.id, []).insert(0, "fingerprint:")
            if not links:
                return []
            rows = conn.execute(
                sa.select(incidents).where(
                    incidents.c.id.in_(list(links)), incidents.c.first_seen >= since
                )
            ).all()
        past = [Incident.model_validate(dict(r._mapping)) for r in rows]
        notes = self.notes.latest(p.id for p in past)
        found: list[SimilarIncident] = []
        for p in past:
            shared = sorted(set(links[p.id]), key=lambda k: _LINKS.index(link_of(k)))
            strongest = link_of(shared[0])
            reasons = [
                "same failure (fingerprint)" if k == "fingerprint:" else describe(k) for k in shared
            ]
            note, author = notes.get(p.id, (None, None))
            resolved_by = author or (
                f"run {p.resolved_by_run_id[:8]}" if p.resolved_by_run_id else None
            )
            found.append(
                SimilarIncident(
                    incident_id=p.id,
                    title=p.title,
                    job=p.job or p.target,
                    status=p.status,
                    category=p.category,
                    first_seen=p.first_seen,
                    duration_s=p.mttr_s,
                    note=note,
                    resolved_by=resolved_by if p.status == "resolved" or note else None,
                    reasons=reasons[:4],
                    link=strongest,
                )
            )
        found.sort(key=lambda s: (_LINKS.index(s.link), s.note is None, -s.first_seen))
        return found[:limit]
