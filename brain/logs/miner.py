"""The template engine: named masking + drain3 + post-merge, with persisted state.

* Messages are masked and tokenised (`masking.mask`), each DISTINCT masked message is mined
  once by drain3 (``Drain.add_log_message``), and the result is joined back to every line.
* After a batch, clusters whose templates differ only in variable-looking tokens are merged
  into one *event* (the lowest cluster id wins, so ids stay stable across runs).
* State (the drain3 template tree as plain JSON, ``sentinel_brain.logs.drain_state``, plus the merge
  map) lives in a directory, so templates keep their ids across runs. A legacy jsonpickle
  snapshot (drain3's own persistence) is never loaded: unpickling it could run code. It is
  ignored, and so is an invalid state file, with the reason in ``state_issues``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from sentinel_brain.logs.drain_state import StateFormatError, dump_drain, load_drain
from sentinel_brain.logs.masking import (
    MASK_PREFIX,
    MASK_SUFFIX,
    WILDCARD,
    display_template,
    is_variable_token,
    mask,
)

# One generic configuration for every source (measured on Loghub, see bench/logs_ga.py).
SIM_TH = 0.75
DEPTH = 4
MAX_CHILDREN = 100
# Bound on the distinct-message caches (memory stays flat however long the input is).
CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class MinerConfig:
    sim_th: float = SIM_TH
    depth: int = DEPTH
    max_children: int = MAX_CHILDREN
    max_clusters: int | None = None
    merge: bool = True


def _drain3_config(cfg: MinerConfig) -> TemplateMinerConfig:
    c = TemplateMinerConfig()
    c.drain_sim_th = cfg.sim_th
    c.drain_depth = cfg.depth
    c.drain_max_children = cfg.max_children
    c.drain_max_clusters = cfg.max_clusters
    c.mask_prefix = MASK_PREFIX
    c.mask_suffix = MASK_SUFFIX
    c.masking_instructions = []  # we mask ourselves, vectorised over distinct messages
    c.snapshot_compress_state = True
    c.parametrize_numeric_tokens = True
    return c


def _signature(tokens: Sequence[str]) -> tuple[str | None, ...]:
    # None marks a variable position: no string (a NUL byte included) can collide with it
    return tuple(None if is_variable_token(t) else t for t in tokens)


def _merge_tokens(a: Sequence[str], b: Sequence[str]) -> tuple[str, ...]:
    out = []
    for x, y in zip(a, b, strict=True):
        if x == y:
            out.append(x)
        else:
            out.append(WILDCARD)
    return tuple(out)


class TemplateEngine:
    """drain3 behind named masks, a distinct-message cache and a post-merge step."""

    SNAPSHOT = "drain_state.json"
    LEGACY_SNAPSHOT = "drain3_state.bin"  # drain3's jsonpickle format: never loaded
    META = "engine_meta.json"

    def __init__(
        self, state_dir: str | os.PathLike[str] | None = None, config: MinerConfig | None = None
    ):
        self.config = config or MinerConfig()
        self.state_dir = Path(state_dir) if state_dir is not None else None
        # why saved state was not used (a legacy pickle, an invalid file): shown by callers
        self.state_issues: list[str] = []
        self.miner = TemplateMiner(persistence_handler=None, config=_drain3_config(self.config))
        self.drain = self.miner.drain
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self._load_snapshot()
        self._mask_cache: dict[str, str] = {}
        self._cluster_cache: dict[str, int] = {}
        # cluster id -> event id (after merging); event id -> template tokens
        self.event_of: dict[int, int] = {}
        self.event_tokens: dict[int, tuple[str, ...]] = {}
        self._load_meta()
        self._dirty = True

    # --- mining -----------------------------------------------------------------------
    def mask_many(self, contents: Iterable[str]) -> list[str]:
        cache = self._mask_cache
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        out = []
        for c in contents:
            m = cache.get(c)
            if m is None:
                m = mask(c)
                cache[c] = m
            out.append(m)
        return out

    def add_masked(self, masked: Iterable[str]) -> list[int]:
        """Mine masked messages; returns the drain cluster id of each (distinct ones mined once)."""
        cache = self._cluster_cache
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        add = self.drain.add_log_message
        out = []
        for m in masked:
            cid = cache.get(m)
            if cid is None:
                cluster, _ = add(m)
                cid = cluster.cluster_id
                cache[m] = cid
            out.append(cid)
        self._dirty = True
        return out

    def add(self, contents: Iterable[str]) -> list[int]:
        return self.add_masked(self.mask_many(contents))

    # --- events (merged clusters) -------------------------------------------------------
    def finalize(self) -> None:
        """Merge clusters that differ only in variable-looking tokens; stable event ids."""
        if not self._dirty:
            return
        by_sig: dict[tuple[str | None, ...], int] = {}
        event_of: dict[int, int] = {}
        tokens_of: dict[int, tuple[str, ...]] = {}
        clusters = sorted(self.drain.id_to_cluster.values(), key=lambda c: c.cluster_id)
        # keep earlier merges (ids must not move once assigned)
        for c in clusters:
            toks = tuple(c.log_template_tokens)
            ev = self.event_of.get(c.cluster_id)
            if ev is None and self.config.merge:
                ev = by_sig.get(_signature(toks))
            if ev is None:
                ev = c.cluster_id
            event_of[c.cluster_id] = ev
            if self.config.merge:
                by_sig.setdefault(_signature(toks), ev)
            prev = tokens_of.get(ev)
            tokens_of[ev] = (
                toks if prev is None or len(prev) != len(toks) else _merge_tokens(prev, toks)
            )
        self.event_of = event_of
        self.event_tokens = tokens_of
        self._dirty = False

    def event_id(self, cluster_id: int) -> int:
        if self._dirty:
            self.finalize()
        return self.event_of.get(cluster_id, cluster_id)

    def template(self, event_id: int) -> str:
        if self._dirty:
            self.finalize()
        toks = self.event_tokens.get(event_id)
        if toks is None:
            c = self.drain.id_to_cluster.get(event_id)
            toks = tuple(c.log_template_tokens) if c is not None else ()
        return display_template(" ".join(toks))

    def templates(self) -> dict[int, str]:
        self.finalize()
        return {ev: display_template(" ".join(t)) for ev, t in self.event_tokens.items()}

    # --- persistence ----------------------------------------------------------------------
    def _meta_path(self) -> Path | None:
        return None if self.state_dir is None else self.state_dir / self.META

    def _load_snapshot(self) -> None:
        assert self.state_dir is not None
        legacy = self.state_dir / self.LEGACY_SNAPSHOT
        if legacy.exists():
            self.state_issues.append(
                f"ignored legacy jsonpickle snapshot {legacy} (unsafe to load; templates "
                "restart from the safe snapshot or from scratch)"
            )
        p = self.state_dir / self.SNAPSHOT
        if not p.exists():
            return
        try:
            load_drain(self.drain, json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError, RecursionError) as e:  # StateFormatError, bad JSON
            kind = "invalid" if isinstance(e, StateFormatError) else "unreadable"
            self.state_issues.append(f"ignored {kind} template state {p}: {e}")
            self.miner = TemplateMiner(persistence_handler=None, config=_drain3_config(self.config))
            self.drain = self.miner.drain
            self._ignore_meta = True

    _ignore_meta = False

    def _load_meta(self) -> None:
        if self._ignore_meta:  # the merge map belongs to the state that was refused
            return
        p = self._meta_path()
        if p is None or not p.exists():
            return
        try:
            meta = json.loads(p.read_text())
            self.event_of = {int(k): int(v) for k, v in meta.get("event_of", {}).items()}
        except (OSError, ValueError):
            self.event_of = {}

    def save(self) -> None:
        """Persist the drain3 snapshot and the merge map (atomic replace)."""
        if self.state_dir is None:
            return
        self.finalize()
        self._write_json(self.state_dir / self.SNAPSHOT, dump_drain(self.drain))
        p = self._meta_path()
        assert p is not None
        self._write_json(p, {"event_of": {str(k): v for k, v in self.event_of.items()}})

    def _write_json(self, path: Path, data: object) -> None:
        assert self.state_dir is not None
        fd, tmp = tempfile.mkstemp(dir=str(self.state_dir), prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @property
    def cluster_count(self) -> int:
        return len(self.drain.id_to_cluster)
