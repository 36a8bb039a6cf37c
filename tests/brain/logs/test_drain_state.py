"""The miner's state is plain JSON; a legacy jsonpickle snapshot is never loaded."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import pytest

from sentinel_brain.logs.drain_state import StateFormatError, dump_drain, load_drain
from sentinel_brain.logs.miner import TemplateEngine

MESSAGES = ["disk /dev/sda1 is 91% full", "cache miss for key 17", "user bob logged in"]


def _engine_with_state(tmp_path: Path) -> tuple[TemplateEngine, list[int]]:
    eng = TemplateEngine(tmp_path / "miner")
    cids = eng.add(MESSAGES)
    eng.finalize()
    eng.save()
    return eng, [eng.event_id(c) for c in cids]


def test_round_trip_keeps_tree_ids_and_sizes(tmp_path: Path) -> None:
    eng, ids = _engine_with_state(tmp_path)
    data = json.loads((tmp_path / "miner" / TemplateEngine.SNAPSHOT).read_text())
    assert data == dump_drain(eng.drain)
    eng2 = TemplateEngine(tmp_path / "miner")
    assert eng2.state_issues == []
    assert dump_drain(eng2.drain) == dump_drain(eng.drain)
    again = eng2.add(["user alice logged in", "disk /dev/sdb2 is 12% full"])
    assert [eng2.event_id(c) for c in again] == [ids[2], ids[0]]


def test_legacy_jsonpickle_snapshot_is_never_loaded(tmp_path: Path) -> None:
    """A jsonpickle payload that would run code on load: it must stay inert."""
    marker = tmp_path / "pwned"
    payload = json.dumps(
        {"py/reduce": [{"py/function": "os.system"}, {"py/tuple": [f"touch {marker}"]}]}
    ).encode()
    state = tmp_path / "miner"
    state.mkdir()
    (state / TemplateEngine.LEGACY_SNAPSHOT).write_bytes(base64.b64encode(zlib.compress(payload)))
    eng = TemplateEngine(state)
    eng.add(MESSAGES)
    eng.save()
    assert not marker.exists()
    assert len(eng.state_issues) == 1 and "legacy jsonpickle" in eng.state_issues[0]
    assert eng.cluster_count == 3  # started fresh, and works


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        json.dumps({"format": "other"}),
        json.dumps({"py/object": "os.system"}),
        json.dumps(
            {
                "format": "sentinel-drain-state",
                "version": 1,
                "clusters_counter": 1,
                "clusters": [[1, ["a"], 1]],
                "tree": {"ids": [7], "children": {}},  # unknown cluster
            }
        ),
        json.dumps(
            {
                "format": "sentinel-drain-state",
                "version": 1,
                "clusters_counter": 1,
                "clusters": [[1, [{"py/object": "x"}], 1]],  # a token that is not a string
                "tree": {"ids": [], "children": {}},
            }
        ),
    ],
)
def test_invalid_state_is_refused_with_a_reason(tmp_path: Path, bad: str) -> None:
    _, ids = _engine_with_state(tmp_path)
    (tmp_path / "miner" / TemplateEngine.SNAPSHOT).write_text(bad)
    eng = TemplateEngine(tmp_path / "miner")
    assert len(eng.state_issues) == 1 and "ignored" in eng.state_issues[0]
    assert eng.cluster_count == 0 and eng.event_of == {}
    cids = eng.add(MESSAGES)
    assert len({eng.event_id(c) for c in cids}) == 3


def test_load_is_all_or_nothing() -> None:
    eng = TemplateEngine()
    eng.add(MESSAGES)
    before = dump_drain(eng.drain)
    bad = dict(before, clusters=[*before["clusters"], [99, ["x"], 1]])  # id above the counter
    with pytest.raises(StateFormatError):
        load_drain(eng.drain, bad)
    assert dump_drain(eng.drain) == before
