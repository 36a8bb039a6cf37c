"""Named masking and the template engine (drain3 + post-merge, persisted)."""

from __future__ import annotations

from sentinel_brain.logs.masking import WILDCARD, display_template, mask
from sentinel_brain.logs.miner import TemplateEngine


def test_named_masks():
    m = mask(
        "Connect 10.0.0.1:5432 from /var/lib/app/data.db at 0xdeadBEEF took 15ms, "
        "blk_-123456 size=42 https://example.com/x?y=1"
    )
    for name in ("IP", "PATH", "HEX", "NUM", "ID", "URL"):
        assert f"<:{name}:>" in m, (name, m)
    assert "<*>" not in m
    assert "size = <:NUM:>" in m


def test_display_template():
    assert display_template("a = <:NUM:> , b ( c )") == "a=<:NUM:>, b (c)"


def test_same_shape_one_template_and_bounded_clusters():
    eng = TemplateEngine()
    msgs = [f"user {i} logged in from 10.1.{i % 250}.{i % 7} after {i * 3} ms" for i in range(5000)]
    msgs += [f"job {i:08x}deadbeef failed with code {i % 5}" for i in range(5000)]
    cids = eng.add(msgs)
    eng.finalize()
    events = {eng.event_id(c) for c in cids}
    assert len(events) == 2
    assert eng.cluster_count <= 4  # named masks keep drain3 from opening clusters per value
    assert all(WILDCARD not in eng.template(e) or "<:" in eng.template(e) for e in events)


def test_state_persists_template_ids(tmp_path):
    eng = TemplateEngine(tmp_path / "miner")
    a = eng.add(["disk /dev/sda1 is 91% full", "cache miss for key 17"])
    eng.finalize()
    ids = [eng.event_id(c) for c in a]
    eng.save()
    eng2 = TemplateEngine(tmp_path / "miner")
    b = eng2.add(["cache miss for key 99", "disk /dev/sdb2 is 12% full", "brand new message"])
    eng2.finalize()
    assert [eng2.event_id(c) for c in b[:2]] == [ids[1], ids[0]]
    assert eng2.event_id(b[2]) not in ids
