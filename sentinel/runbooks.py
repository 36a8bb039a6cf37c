"""Runbooks: Markdown split by heading, indexed incrementally, searched by a real engine.

Sources are folders or globs of Markdown files (`SENTINEL_RUNBOOKS`). Each file is split
into sections at its headings (markdown-it, so a `#` inside a code fence is not a heading).
`RunbookIndex.sync` indexes only files whose size, mtime and content changed; files that
disappeared drop out; a file that is not UTF-8 or is larger than the limit is skipped and
counted with its reason.

The search engine lives in Sentinel's store: SQLite FTS5 (BM25, Porter stemming) by
default, PostgreSQL full-text search (`tsvector`, GIN index, `ts_rank` over a candidate set
drawn from the index, see `RunbookIndex._ranked`) when the store is PostgreSQL. The engines
rank; Sentinel only chooses the query and applies a relevance floor: a section is shown when
it contains at least `min_terms` distinct *distinctive* query terms (terms found in at most
a quarter of the sections), so generic words such as "error" never make a section relevant,
and an incident with nothing relevant gets nothing (no filler).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa
from markdown_it import MarkdownIt
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine

from dagster_sentinel.store import engine_for, transaction
from sentinel_brain.context import EXCERPT_CHARS, RunbookSection
from sentinel_brain.models import Category, Evidence, Report
from sentinel_brain.redact import redact

MARKDOWN_SUFFIXES = (".md", ".markdown")
# A term found in more than this share of the sections does not distinguish any of them.
MAX_DF_SHARE = 0.25
# …but in a tiny index every term found in this few sections still counts.
MIN_DF_CAP = 5
CANDIDATES = 25
MAX_TERMS = 40
# PostgreSQL ranks (ts_rank) every section its query matches, at ~10 µs a section: with
# 10,000 sections an OR of 15 terms matched ~7,000 of them (~70 ms a report). So only
# sections whose heading has a query term, or that contain one of the rarest query terms
# (about this many sections, `candidate_terms`), are ranked; on every term. With a small
# index the rarest terms are all of them: every match is ranked, as before.
CANDIDATE_ROWS = 1000

_meta = sa.MetaData()
_READY: weakref.WeakSet[Engine] = weakref.WeakSet()

files_table = sa.Table(
    "sentinel_runbook_files",
    _meta,
    sa.Column("path", sa.String(1024), primary_key=True),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),  # indexed | skipped
    sa.Column("reason", sa.Text),
    sa.Column("sections", sa.Integer, nullable=False, default=0),
    sa.Column("indexed_at", sa.Float, nullable=False),
)

sections_table = sa.Table(
    "sentinel_runbook_sections",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("path", sa.String(1024), nullable=False, index=True),
    sa.Column("heading", sa.Text, nullable=False),
    sa.Column("anchor", sa.String(512), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

_FTS = "sentinel_runbook_fts"


# --- splitting (pure) ---------------------------------------------------------------------


class Section(BaseModel):
    heading: str  # breadcrumb: "Warehouse > Connection refused"
    anchor: str  # GitHub-style slug of the section's own heading
    body: str


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def split_markdown(text: str, title: str) -> list[Section]:
    """Sections at every heading (any level); text before the first heading is `title`."""
    tokens = MarkdownIt("commonmark").parse(text)
    lines = text.splitlines()
    heads: list[tuple[int, int, int, str]] = []  # (start line, body start, level, text)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map is not None:
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            content = " ".join((inline.content if inline is not None else "").split())
            heads.append((tok.map[0], tok.map[1], int(tok.tag[1:]), content))
    out: list[Section] = []
    first = heads[0][0] if heads else len(lines)
    preamble = "\n".join(lines[:first]).strip()
    if preamble:
        out.append(Section(heading=title, anchor="", body=preamble))
    trail: list[tuple[int, str]] = []
    for n, (_, body_start, level, content) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        trail = [(lvl, t) for lvl, t in trail if lvl < level] + [(level, content)]
        body = "\n".join(lines[body_start:end]).strip()
        if body:
            crumb = " > ".join(t for _, t in trail if t)
            out.append(Section(heading=crumb or title, anchor=slug(content), body=body))
    return out


# --- sources ---------------------------------------------------------------------------------


def expand_sources(sources: Iterable[str]) -> tuple[list[Path], list[str]]:
    """Markdown files of folders, globs and files; and the sources that matched nothing."""
    found: dict[Path, None] = {}
    missing: list[str] = []
    for source in sources:
        path = Path(os.path.expanduser(source))
        if path.is_dir():
            matches = [p for p in sorted(path.rglob("*")) if p.suffix.lower() in MARKDOWN_SUFFIXES]
        elif any(ch in source for ch in "*?["):
            matches = [
                Path(p) for p in sorted(glob.glob(os.path.expanduser(source), recursive=True))
            ]
        else:
            matches = [path] if path.is_file() else []
        matches = [p.resolve() for p in matches if p.is_file()]
        if not matches:
            missing.append(source)
        for p in matches:
            found[p] = None
    return list(found), missing


# --- query (pure) ------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]+|\d{3,}")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Run-specific values that never help a search: ids, long hex, IP addresses, timestamps.
# (Unlike the fingerprint's template, quoted values and numbers stay: a column name or a
# status code such as 429 is what a runbook is written about.)
_VOLATILE = [
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I),
    re.compile(r"\b(?:0x)?[0-9a-f]{12,}\b", re.I),
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"),
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
]


def mask_volatile(text: str) -> str:
    for pattern in _VOLATILE:
        text = pattern.sub(" ", text)
    return text


def terms_of(*texts: str | None, limit: int = MAX_TERMS) -> list[str]:
    """Distinct lower-case search terms (words and CamelCase parts), in order of appearance."""
    out: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for word in _WORD_RE.findall(mask_volatile(text)):
            for part in [word, *_CAMEL_RE.split(word)]:
                part = part.lower()
                if len(part) >= 3:
                    out[part] = None
    return list(out)[:limit]


def _first_line(text: str | None) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[0][:500] if lines else ""


def incident_query(
    *,
    error_type: str | None,
    message: str | None,
    category: str | None,
    names: Sequence[str | None] = (),
    systems: Sequence[str] = (),
    lines: Sequence[str] = (),
) -> list[str]:
    """The search terms of an incident, most telling first: the error class and wording
    (volatile values masked), the lines the analyzers found telling, the category, the
    job/asset/step names and the external systems named in the evidence."""
    cls = (error_type or "").rsplit(".", 1)[-1]
    return terms_of(
        cls,
        _first_line(message),
        *(ln[:500] for ln in lines),
        (category or "").replace("_", " "),
        " ".join(n.replace("_", " ").replace("/", " ") for n in names if n),
        " ".join(s.split(":", 1)[-1].replace(".", " ").replace("-", " ") for s in systems),
    )


def evidence_query(evidence: Evidence, report: Report, systems: Sequence[str] = ()) -> list[str]:
    """`incident_query` for a failure's evidence and its offline analysis."""
    root, surface = evidence.root, evidence.surface
    top = report.top
    lines = list(top.evidence[:2]) if top is not None and top.category != Category.UNKNOWN else []
    if surface is not None and surface is not root:
        lines.append(f"{surface.type.rsplit('.', 1)[-1]} {_first_line(surface.message)}")
    message = root.message if root is not None else None
    if root is None and not lines:
        tail = [ln for ln in evidence.text.strip().splitlines() if ln.strip()]
        message = tail[-1] if tail else ""
    return incident_query(
        error_type=root.type if root is not None else None,
        message=message,
        category=report.category.value,
        names=[evidence.job, evidence.asset, evidence.step],
        systems=systems,
        lines=lines,
    )


def candidate_terms(terms: Sequence[str], dfs: Mapping[str, int], budget: int) -> list[str]:
    """The rarest terms (fewest sections) that together occur in at most `budget` sections,
    and at least the rarest one, in query order. On PostgreSQL a section is ranked when it
    contains one of them or has a query term in its heading: the rarer a term, the more it
    says about a section (the idea behind IDF, which ts_rank lacks)."""
    order = sorted(range(len(terms)), key=lambda n: (dfs.get(terms[n], 0), n))
    chosen: list[int] = []
    rows = 0
    for n in order:
        df = dfs.get(terms[n], 0)
        if chosen and rows + df > budget:
            break
        chosen.append(n)
        rows += df
    return [terms[n] for n in sorted(chosen)]


# --- the index ---------------------------------------------------------------------------------


class SkippedFile(BaseModel):
    path: str
    reason: str


class SyncStats(BaseModel):
    engine: str
    files: int = 0  # indexed files now in the index
    sections: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[SkippedFile] = Field(default_factory=list)
    missing_sources: list[str] = Field(default_factory=list)
    # Files whose rows were rewritten (changed, or newly skipped): the index changed.
    rewritten: int = 0


class RunbookIndex:
    """The runbook index in Sentinel's store (SQLite FTS5 or PostgreSQL full-text search)."""

    def __init__(self, url: str, *, base_url: str | None = None) -> None:
        self.engine: Engine = engine_for(url)
        self.dialect = self.engine.dialect.name
        self.base_url = base_url
        if self.engine not in _READY:  # once per engine and process, not per report
            self._create_schema()
            _READY.add(self.engine)

    def _create_schema(self) -> None:
        with transaction(self.engine, lock_key="sentinel-runbook-schema") as conn:
            _meta.create_all(conn, checkfirst=True)
            if self.dialect == "postgresql":
                conn.execute(
                    sa.text(
                        "ALTER TABLE sentinel_runbook_sections ADD COLUMN IF NOT EXISTS tsv "
                        "tsvector GENERATED ALWAYS AS ("
                        "setweight(to_tsvector('english', heading), 'A') || "
                        "setweight(to_tsvector('english', body), 'B')) STORED"
                    )
                )
                conn.execute(
                    sa.text(
                        "CREATE INDEX IF NOT EXISTS sentinel_runbook_sections_tsv "
                        "ON sentinel_runbook_sections USING GIN (tsv)"
                    )
                )
                # The heading alone, to draw the candidates whose heading has a query term.
                conn.execute(
                    sa.text(
                        "ALTER TABLE sentinel_runbook_sections ADD COLUMN IF NOT EXISTS htsv "
                        "tsvector GENERATED ALWAYS AS (to_tsvector('english', heading)) STORED"
                    )
                )
                conn.execute(
                    sa.text(
                        "CREATE INDEX IF NOT EXISTS sentinel_runbook_sections_htsv "
                        "ON sentinel_runbook_sections USING GIN (htsv)"
                    )
                )
                # Document frequency per lexeme, refreshed by `sync` (ts_stat is a full scan).
                conn.execute(
                    sa.text(
                        "CREATE TABLE IF NOT EXISTS sentinel_runbook_terms "
                        "(word text PRIMARY KEY, ndoc integer NOT NULL)"
                    )
                )
            else:
                conn.execute(
                    sa.text(
                        f"CREATE VIRTUAL TABLE IF NOT EXISTS {_FTS} USING fts5("
                        "heading, body, tokenize='porter unicode61')"
                    )
                )

    @property
    def engine_name(self) -> str:
        return "postgresql-fts" if self.dialect == "postgresql" else "sqlite-fts5"

    # -- indexing -----------------------------------------------------------------------
    def sync(
        self, sources: Iterable[str], *, max_bytes: int, now: float | None = None
    ) -> SyncStats:
        """Bring the index in line with the sources: changed files only; deleted drop out."""
        now = time.time() if now is None else now
        paths, missing = expand_sources(sources)
        stats = SyncStats(engine=self.engine_name, missing_sources=missing)
        with self.engine.connect() as conn:
            stored = {
                r.path: r
                for r in conn.execute(
                    sa.select(
                        files_table.c.path,
                        files_table.c.mtime_ns,
                        files_table.c.size,
                        files_table.c.sha256,
                        files_table.c.status,
                        files_table.c.reason,
                    )
                )
            }
        seen: set[str] = set()
        for path in paths:
            key = str(path)
            seen.add(key)
            try:
                st = path.stat()
            except OSError as e:
                stats.skipped.append(SkippedFile(path=key, reason=f"unreadable: {e.strerror}"))
                continue
            old = stored.get(key)
            if old is not None and old.mtime_ns == st.st_mtime_ns and old.size == st.st_size:
                if old.status == "skipped":
                    stats.skipped.append(SkippedFile(path=key, reason=old.reason or "skipped"))
                else:
                    stats.unchanged += 1
                continue
            self._index_file(path, st, old, max_bytes, now, stats)
        gone = [p for p in stored if p not in seen]
        if gone:
            with transaction(self.engine, lock_key="sentinel-runbooks") as conn:
                for p in gone:
                    self._drop_sections(conn, p)
                    conn.execute(files_table.delete().where(files_table.c.path == p))
            stats.deleted = len(gone)
        if self.dialect == "postgresql" and (stats.rewritten or stats.deleted):
            with transaction(self.engine, lock_key="sentinel-runbooks") as conn:
                conn.execute(sa.text("DELETE FROM sentinel_runbook_terms"))
                conn.execute(
                    sa.text(
                        "INSERT INTO sentinel_runbook_terms (word, ndoc) SELECT word, ndoc "
                        "FROM ts_stat('SELECT tsv FROM sentinel_runbook_sections')"
                    )
                )
        with self.engine.connect() as conn:
            stats.files = int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(files_table)
                    .where(files_table.c.status == "indexed")
                ).scalar_one()
            )
            stats.sections = self.count(conn)
        return stats

    def _index_file(
        self,
        path: Path,
        st: os.stat_result,
        old: sa.Row | None,  # type: ignore[type-arg]
        max_bytes: int,
        now: float,
        stats: SyncStats,
    ) -> None:
        key = str(path)
        reason: str | None = None
        sections: list[Section] = []
        digest: str | None = None
        if st.st_size > max_bytes:
            reason = f"too large: {st.st_size} bytes > {max_bytes}"
        else:
            try:
                data = path.read_bytes()
            except OSError as e:
                stats.skipped.append(SkippedFile(path=key, reason=f"unreadable: {e.strerror}"))
                return
            digest = hashlib.sha256(data).hexdigest()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                reason = f"not UTF-8 (invalid byte at offset {e.start})"
            else:
                if old is not None and old.sha256 == digest and old.status == "indexed":
                    # Touched, not changed: remember the new mtime, keep the sections.
                    with transaction(self.engine, lock_key="sentinel-runbooks") as conn:
                        conn.execute(
                            files_table.update()
                            .where(files_table.c.path == key)
                            .values(mtime_ns=st.st_mtime_ns, size=st.st_size)
                        )
                    stats.unchanged += 1
                    return
                # Runbooks are stored, shown in Slack and sent to Gemini: redact them once here.
                sections = [
                    sec.model_copy(
                        update={"heading": redact(sec.heading), "body": redact(sec.body)}
                    )
                    for sec in split_markdown(text, path.stem.replace("_", " ").replace("-", " "))
                ]
        with transaction(self.engine, lock_key="sentinel-runbooks") as conn:
            self._drop_sections(conn, key)
            conn.execute(files_table.delete().where(files_table.c.path == key))
            conn.execute(
                files_table.insert().values(
                    path=key,
                    mtime_ns=st.st_mtime_ns,
                    size=st.st_size,
                    sha256=digest,
                    status="skipped" if reason else "indexed",
                    reason=reason,
                    sections=len(sections),
                    indexed_at=now,
                )
            )
            for sec in sections:
                new_id = conn.execute(
                    sections_table.insert().values(
                        path=key, heading=sec.heading, anchor=sec.anchor, body=sec.body
                    )
                ).inserted_primary_key
                if self.dialect != "postgresql" and new_id is not None:
                    conn.execute(
                        sa.text(f"INSERT INTO {_FTS}(rowid, heading, body) VALUES (:i, :h, :b)"),
                        {"i": new_id[0], "h": sec.heading, "b": sec.body},
                    )
        stats.rewritten += 1
        if reason:
            stats.skipped.append(SkippedFile(path=key, reason=reason))
        else:
            stats.changed += 1

    def _drop_sections(self, conn: Connection, path: str) -> None:
        if self.dialect != "postgresql":
            conn.execute(
                sa.text(
                    f"DELETE FROM {_FTS} WHERE rowid IN "
                    "(SELECT id FROM sentinel_runbook_sections WHERE path = :p)"
                ),
                {"p": path},
            )
        conn.execute(sections_table.delete().where(sections_table.c.path == path))

    def count(self, conn: Connection | None = None) -> int:
        # Each file row keeps its section count: summing ~200 rows, not counting 10,000.
        query = sa.select(sa.func.coalesce(sa.func.sum(files_table.c.sections), 0)).where(
            files_table.c.status == "indexed"
        )
        if conn is not None:
            return int(conn.execute(query).scalar_one())
        with self.engine.connect() as c:
            return int(c.execute(query).scalar_one())

    # -- search ---------------------------------------------------------------------------------
    def search(
        self, terms: Sequence[str], *, limit: int = 3, min_terms: int = 2
    ) -> list[RunbookSection]:
        """The best sections for these terms, best first, above the relevance floor."""
        terms = [
            t for t in dict.fromkeys(t.lower() for t in terms) if re.fullmatch(r"[a-z0-9]+", t)
        ]
        if not terms:
            return []
        with self.engine.connect() as conn:
            total = self.count(conn)
            if total == 0:
                return []
            cap = max(total * MAX_DF_SHARE, MIN_DF_CAP)
            dfs = self._dfs(conn, terms)
            distinctive = [t for t in terms if 0 < dfs.get(t, 0) <= cap]
            if len(distinctive) < min_terms:
                return []
            ranked = self._ranked(conn, distinctive, dfs)
            matched = {i: terms_in for i, _, terms_in in ranked}
            kept = [(i, score) for i, score, m in ranked if len(m) >= min_terms][:limit]
            if not kept:
                return []
            excerpts = self._excerpts(conn, [i for i, _ in kept], distinctive)
            rows = {
                r.id: r
                for r in conn.execute(
                    sa.select(
                        sections_table.c.id,
                        sections_table.c.path,
                        sections_table.c.heading,
                        sections_table.c.anchor,
                    ).where(sections_table.c.id.in_([i for i, _ in kept]))
                )
            }
        out = []
        for i, score in kept:
            row = rows[i]
            out.append(
                RunbookSection(
                    path=row.path,
                    heading=row.heading,
                    link=self.link(row.path, row.anchor),
                    excerpt=excerpts.get(i, "")[:EXCERPT_CHARS],
                    score=round(float(score), 4),
                    matched=matched[i],
                )
            )
        return out

    def link(self, path: str, anchor: str) -> str | None:
        if not self.base_url:
            return None
        return f"{self.base_url.rstrip('/')}/{Path(path).name}" + (f"#{anchor}" if anchor else "")

    def _dfs(self, conn: Connection, terms: list[str]) -> dict[str, int]:
        """How many sections contain each term (after the engine's stemming)."""
        if self.dialect == "postgresql":
            # From the term statistics kept at sync time (ts_stat), in one round trip.
            sql = (
                "SELECT q.t, coalesce(max(w.ndoc), 0) FROM unnest(CAST(:terms AS text[])) q(t) "
                "LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', q.t))) l(lex) "
                "ON true LEFT JOIN sentinel_runbook_terms w ON w.word = l.lex GROUP BY q.t"
            )
            return {str(r[0]): int(r[1]) for r in conn.execute(sa.text(sql), {"terms": terms})}
        # One statement for all terms (one round trip); each part is an FTS5 doclist count.
        parts = " UNION ALL ".join(
            f"SELECT {n}, count(*) FROM {_FTS} WHERE {_FTS} MATCH :t{n}" for n in range(len(terms))
        )
        params = {f"t{n}": f'"{t}"' for n, t in enumerate(terms)}
        return {terms[int(r[0])]: int(r[1]) for r in conn.execute(sa.text(parts), params)}

    def _ranked(
        self, conn: Connection, terms: list[str], dfs: Mapping[str, int]
    ) -> list[tuple[int, float, list[str]]]:
        """The engine's best candidates for any of the terms, by its own relevance, each with
        the terms it contains (in query order)."""
        if self.dialect == "postgresql":
            # One round trip. Candidates from the GIN indexes: sections whose heading has a
            # query term (the heading weighs most in ts_rank) and sections with one of the
            # rarest terms (`candidate_terms`); ranked on all terms by ts_rank (not
            # ts_rank_cd: cover density costs several times more a section); then which
            # terms each of the best contains.
            sql = (
                "SELECT c.id, c.score, ARRAY(SELECT u.t FROM unnest(CAST(:terms AS text[])) "
                "WITH ORDINALITY u(t, n) WHERE c.tsv @@ to_tsquery('english', u.t) "
                "ORDER BY u.n) FROM (SELECT id, tsv, ts_rank(tsv, to_tsquery('english', :q), 1) "
                "AS score FROM sentinel_runbook_sections "
                "WHERE tsv @@ to_tsquery('english', :pool) OR htsv @@ to_tsquery('english', :q) "
                "ORDER BY score DESC, id LIMIT :k) c "
                "ORDER BY c.score DESC, c.id"
            )
            # The planner prices `@@` as cheap and would scan every section to test it
            # (~25 ms at 10,000 sections) rather than OR the two GIN bitmaps (~5 ms).
            # SET LOCAL: for this read-only transaction only.
            conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            pool = candidate_terms(terms, dfs, CANDIDATE_ROWS)
            params = {
                "terms": terms,
                "q": " | ".join(terms),
                "pool": " | ".join(pool),
                "k": CANDIDATES,
            }
            return [
                (int(r[0]), float(r[1]), [str(t) for t in r[2]])
                for r in conn.execute(sa.text(sql), params)
            ]
        # bm25() is lower-is-better; the heading weighs more than the body. FTS5 scores its
        # whole doclist cheaply, so every matching section is a candidate here.
        sql = (
            f"SELECT rowid, -bm25({_FTS}, 3.0, 1.0) AS score FROM {_FTS} WHERE {_FTS} MATCH :q "
            "ORDER BY score DESC, rowid LIMIT :k"
        )
        q = " OR ".join(f'"{t}"' for t in terms)
        ranked = [
            (int(r[0]), float(r[1])) for r in conn.execute(sa.text(sql), {"q": q, "k": CANDIDATES})
        ]
        if not ranked:
            return []
        matched = self._coverage(conn, terms, [i for i, _ in ranked])
        return [(i, score, matched[i]) for i, score in ranked]

    def _coverage(self, conn: Connection, terms: list[str], ids: list[int]) -> dict[int, list[str]]:
        """For each candidate section (SQLite), the terms it contains (in query order)."""
        out: dict[int, list[str]] = {i: [] for i in ids}
        marks = ",".join(str(int(i)) for i in ids)
        parts = " UNION ALL ".join(
            f"SELECT rowid, {n} FROM {_FTS} WHERE {_FTS} MATCH :t{n} AND rowid IN ({marks})"
            for n in range(len(terms))
        )
        params = {f"t{n}": f'"{t}"' for n, t in enumerate(terms)}
        for r in sorted(conn.execute(sa.text(parts), params), key=lambda r: int(r[1])):
            out[int(r[0])].append(terms[int(r[1])])
        return out

    def _excerpts(self, conn: Connection, ids: list[int], terms: list[str]) -> dict[int, str]:
        """The engine's own excerpt around the matching words."""
        if self.dialect == "postgresql":
            sql = (
                "SELECT id, ts_headline('english', body, to_tsquery('english', :q), "
                '\'StartSel="", StopSel="", MaxWords=45, MinWords=20, ShortWord=2\') '
                "FROM sentinel_runbook_sections WHERE id = ANY(:ids)"
            )
            rows = conn.execute(sa.text(sql), {"q": " | ".join(terms), "ids": ids})
        else:
            marks = ",".join(str(int(i)) for i in ids)
            q = " OR ".join(f'"{t}"' for t in terms)
            sql = (
                f"SELECT rowid, snippet({_FTS}, 1, '', '', '…', 40) FROM {_FTS} "
                f"WHERE {_FTS} MATCH :q AND rowid IN ({marks})"
            )
            rows = conn.execute(sa.text(sql), {"q": q})
        return {int(r[0]): " ".join(str(r[1]).split()) for r in rows}
