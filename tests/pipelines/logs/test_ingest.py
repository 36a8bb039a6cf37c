"""Incremental reading, rotation and bad input: ingestion never crashes."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

import pipelines.logs.ingest as ingest
from pipelines.logs.collect import collect_files
from pipelines.logs.ingest import expand_sources, read_new_lines

LINE = "2024-01-02 10:00:{:02d},000 INFO app.web: request {} served in {}ms\n"


def _write(p: Path, n: int, start: int = 0, mode: str = "w") -> None:
    with open(p, mode, encoding="utf-8") as fh:
        for i in range(start, start + n):
            fh.write(LINE.format(i % 60, i, i * 3))


def test_cursor_reads_only_new_lines(tmp_path):
    p = tmp_path / "app.log"
    _write(p, 5)
    b1 = read_new_lines(str(p), None)
    assert len(b1.lines) == 5 and b1.reset
    assert read_new_lines(str(p), b1.cursor).lines == []
    _write(p, 3, start=5, mode="a")
    b2 = read_new_lines(str(p), b1.cursor)
    assert [ln.split("request ")[1].split()[0] for ln in b2.lines] == ["5", "6", "7"]
    assert not b2.reset


def test_partial_trailing_line_waits_for_writer(tmp_path):
    p = tmp_path / "app.log"
    p.write_text("first line\nsecond li")
    b1 = read_new_lines(str(p), None)
    assert b1.lines == ["first line"]
    with open(p, "a") as fh:
        fh.write("ne\n")
    assert read_new_lines(str(p), b1.cursor).lines == ["second line"]


def test_rotation_and_truncation_restart_from_beginning(tmp_path):
    p = tmp_path / "app.log"
    _write(p, 10)
    b1 = read_new_lines(str(p), None)
    # rotated: a new file (new inode) under the same name
    os.rename(p, tmp_path / "app.log.1")
    _write(p, 2, start=100)
    b2 = read_new_lines(str(p), b1.cursor)
    assert b2.reset and len(b2.lines) == 2 and "request 100" in b2.lines[0]
    # truncated in place (copytruncate): the file shrank below the offset
    _write(p, 1, start=200)  # mode "w" truncates; same inode
    b3 = read_new_lines(str(p), b2.cursor)
    assert b3.reset and len(b3.lines) == 1 and "request 200" in b3.lines[0]


def test_invalid_utf8_is_quarantined_good_lines_land(tmp_path):
    p = tmp_path / "mixed.log"
    p.write_bytes(b"good one\nbad \xff\xfe bytes\ngood two\r\n")
    b = read_new_lines(str(p), None)
    assert b.lines == ["good one", "good two"]
    assert len(b.quarantined) == 1 and "utf-8" in b.quarantined[0].reason
    assert b.quarantined[0].line_no == 2


def test_binary_file_is_quarantined(tmp_path):
    p = tmp_path / "blob.log"
    p.write_bytes(bytes(range(256)) * 64)
    b = read_new_lines(str(p), None)
    assert b.lines == [] and b.quarantined and b.quarantined[0].reason == "binary file"
    assert read_new_lines(str(p), b.cursor).quarantined == []  # not re-reported


def test_nul_bytes_in_a_line(tmp_path):
    p = tmp_path / "nul.log"
    p.write_bytes(b"ok\nhas\x00nul\nok2\n")
    b = read_new_lines(str(p), None)
    assert b.lines == ["ok", "ok2"] and "binary" in b.quarantined[0].reason


def test_50mb_single_line_is_quarantined_with_bounded_memory(tmp_path):
    p = tmp_path / "huge.log"
    with open(p, "wb") as fh:
        fh.write(b"before\n")
        chunk = b"x" * (1024 * 1024)
        for _ in range(50):
            fh.write(chunk)
        fh.write(b"\nafter\n")
    b = read_new_lines(str(p), None, max_line_bytes=1024 * 1024)
    assert b.lines == ["before", "after"]
    (q,) = b.quarantined
    assert q.size == 50 * 1024 * 1024 and "too long" in q.reason
    assert len(q.sample) <= 200


def test_truncated_gzip_keeps_good_lines(tmp_path):
    p = tmp_path / "old.log.gz"
    payload = "".join(LINE.format(i % 60, i, i) for i in range(5000)).encode()
    data = gzip.compress(payload)
    p.write_bytes(data[: len(data) // 2])
    b = read_new_lines(str(p), None)
    assert b.errors and "gzip" in b.errors[0]
    assert 0 < len(b.lines) < 5000
    assert b.lines[0].startswith("2024-01-02")


def test_gzip_read_once(tmp_path):
    p = tmp_path / "ok.log.gz"
    p.write_bytes(gzip.compress(b"a\nb\n"))
    b = read_new_lines(str(p), None)
    assert b.lines == ["a", "b"]
    assert read_new_lines(str(p), b.cursor).lines == []


def test_not_gzip_but_named_gz(tmp_path):
    p = tmp_path / "fake.log.gz"
    p.write_bytes(b"plain text\n")
    b = read_new_lines(str(p), None)
    assert b.errors and b.lines == []


def test_empty_file(tmp_path):
    p = tmp_path / "empty.log"
    p.write_bytes(b"")
    b = read_new_lines(str(p), None)
    assert b.lines == [] and b.quarantined == [] and b.errors == []
    assert b.cursor is not None and b.cursor["offset"] == 0


def test_file_deleted_before_open(tmp_path, monkeypatch):
    p = tmp_path / "gone.log"
    _write(p, 3)
    real_open = ingest._open_binary

    def vanish(path):
        os.unlink(path)
        return real_open(path)

    monkeypatch.setattr(ingest, "_open_binary", vanish)
    b = read_new_lines(str(p), None)
    assert b.lines == [] and b.errors and "cannot open" in b.errors[0]


def test_file_deleted_while_reading(tmp_path, monkeypatch):
    p = tmp_path / "going.log"
    _write(p, 50)
    real_open = ingest._open_binary

    def open_then_delete(path):
        fh = real_open(path)
        os.unlink(path)
        return fh

    monkeypatch.setattr(ingest, "_open_binary", open_then_delete)
    b = read_new_lines(str(p), None)
    assert len(b.lines) == 50 and not p.exists()


def test_missing_file_and_glob(tmp_path):
    b = read_new_lines(str(tmp_path / "nope.log"), None)
    assert b.errors and b.cursor is None
    (tmp_path / "a.log").write_text("x\n")
    (tmp_path / "sub").mkdir()
    assert expand_sources([str(tmp_path / "*")]) == [str(tmp_path / "a.log")]


def test_malformed_json_lines_quarantined(tmp_path):
    p = tmp_path / "svc.jsonl"
    p.write_text(
        '{"ts": "2024-01-02T10:00:00Z", "level": "info", "msg": "started"}\n'
        '{"ts": "2024-01-02T10:00:01Z", "level": "error", "msg": "broken\n'
        "not json at all\n"
        '{"ts": "2024-01-02T10:00:02Z", "level": "error", "msg": "db down"}\n'
    )
    col, cursors = collect_files([(str(p), "json")], "auto", {}, 1 << 20, 1 << 28)
    df = col.frame()
    assert df["content"].tolist() == ["started", "db down"]
    assert df["level"].tolist() == ["INFO", "ERROR"]
    assert len(col.quarantined) == 2
    assert all("malformed json" in q.reason for q in col.quarantined)
    assert cursors[str(p)]["format"] == "json"


@pytest.mark.parametrize("fmt", [None, "logfmt"])
def test_logfmt_source(tmp_path, fmt):
    p = tmp_path / "svc.log"
    p.write_text(
        'ts=2024-01-02T10:00:00Z level=info msg="user login" user=7\n'
        'ts=2024-01-02T10:00:05Z level=error msg="payment failed" code=502\n'
    )
    col, _ = collect_files([(str(p), fmt)], "auto", {}, 1 << 20, 1 << 28)
    df = col.frame()
    assert df["content"].tolist() == ["user login", "payment failed"]
    assert str(df["timestamp"].iloc[1]) == "2024-01-02 10:00:05+00:00"


def test_quarantined_samples_are_redacted(tmp_path):
    """A malformed line holding a DSN password: neither the sample nor the file keeps it."""
    from pipelines.logs.ingest import write_quarantine

    p = tmp_path / "svc.jsonl"
    p.write_text(
        '{"level": "info", "msg": "ok"}\n'
        '{"msg": "connect postgresql://etl:S3cretPw99@db:5432/prod", broken\n'
    )
    col, _ = collect_files([(str(p), "json")], "auto", {}, 1 << 20, 1 << 28)
    (q,) = col.quarantined
    assert "S3cretPw99" not in q.sample and "[REDACTED" in q.sample
    qfile = write_quarantine(tmp_path / "q", col.quarantined, "run-1")
    assert qfile is not None
    text = qfile.read_text()
    assert "S3cretPw99" not in text and "REDACTED" in text


def test_captured_output_lines_are_capped_and_counted():
    from pipelines.logs.collect import capped_lines

    raw = b"short\n" + b"z" * 5_000_000 + b"\n\n  \nlast\r\n"
    lines, cut = capped_lines(raw, 1000)
    assert lines == ["short", "z" * 1000, "last"] and cut == 1
