"""drain3's template tree as plain JSON (never jsonpickle).

drain3's own persistence pickles the whole ``Drain`` object with jsonpickle, which rebuilds
arbitrary Python objects on load: whoever can write the state folder could run code in the
ingestion job. Here the state is data only: the clusters (id, template tokens, size) in their
cache order, the prefix tree (token keys and cluster ids per node) and the id counter. Loading
validates every value's type and every reference before touching the miner, and raises
``StateFormatError`` for anything else, so a bad file is refused whole.
"""

from __future__ import annotations

from typing import Any

from drain3.drain import Drain, LogCluster, Node

FORMAT = "sentinel-drain-state"
VERSION = 1
# Nesting of the prefix tree is bounded by drain3's depth (a few levels); this bounds a
# hostile file's recursion too.
MAX_TREE_DEPTH = 64


class StateFormatError(ValueError):
    """A drain state file that is not a valid snapshot of this format."""


def dump_drain(drain: Drain) -> dict[str, Any]:
    """The miner's state as JSON-ready data."""

    def node(n: Node) -> dict[str, Any]:
        return {
            "ids": list(n.cluster_ids),
            "children": {k: node(c) for k, c in n.key_to_child_node.items()},
        }

    clusters = [
        [c.cluster_id, list(c.log_template_tokens), c.size]
        for c in drain.id_to_cluster.values()  # cache order (LRU order when bounded)
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "clusters_counter": drain.clusters_counter,
        "clusters": clusters,
        "tree": node(drain.root_node),
    }


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise StateFormatError(f"{what}: expected a non-negative integer")
    return value


def _node(data: object, depth: int, known: set[int]) -> Node:
    if depth > MAX_TREE_DEPTH:
        raise StateFormatError("prefix tree too deep")
    if not isinstance(data, dict) or set(data) != {"ids", "children"}:
        raise StateFormatError("tree node: expected {'ids', 'children'}")
    ids, children = data["ids"], data["children"]
    if not isinstance(ids, list) or not isinstance(children, dict):
        raise StateFormatError("tree node: bad types")
    n = Node()
    for cid in ids:
        if _int(cid, "tree cluster id") not in known:
            raise StateFormatError(f"tree refers to unknown cluster {cid}")
        n.cluster_ids.append(cid)
    for key, child in children.items():
        if not isinstance(key, str):  # pragma: no cover - JSON keys are strings
            raise StateFormatError("tree key: expected a string")
        n.key_to_child_node[key] = _node(child, depth + 1, known)
    return n


def load_drain(drain: Drain, data: object) -> None:
    """Replace ``drain``'s clusters and tree with a validated snapshot (all or nothing)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateFormatError("not a sentinel drain state")
    if data.get("version") != VERSION:
        raise StateFormatError(f"unsupported version {data.get('version')!r}")
    counter = _int(data.get("clusters_counter"), "clusters_counter")
    raw_clusters = data.get("clusters")
    if not isinstance(raw_clusters, list):
        raise StateFormatError("clusters: expected a list")
    clusters: list[LogCluster] = []
    for item in raw_clusters:
        if not isinstance(item, list) or len(item) != 3:
            raise StateFormatError("cluster: expected [id, tokens, size]")
        cid = _int(item[0], "cluster id")
        tokens = item[1]
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise StateFormatError(f"cluster {cid}: tokens must be strings")
        if cid > counter:
            raise StateFormatError(f"cluster {cid} above clusters_counter {counter}")
        c = LogCluster(tokens, cid)
        c.size = _int(item[2], "cluster size")
        clusters.append(c)
    known = {c.cluster_id for c in clusters}
    if len(known) != len(clusters):
        raise StateFormatError("duplicate cluster ids")
    root = _node(data.get("tree"), 0, known)
    # validated: now swap it in
    drain.id_to_cluster.clear()
    for c in clusters:
        drain.id_to_cluster[c.cluster_id] = c
    drain.root_node = root
    drain.clusters_counter = counter
