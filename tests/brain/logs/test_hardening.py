"""Hostile input for the log parser: huge lines, regex-bait, bad paths, special outputs."""

from __future__ import annotations

import gzip
import io
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sentinel_brain.logs.formats import (
    LogInputError,
    detect_format,
    make_parser,
    parse_json_line,
    parse_logfmt_line,
)
from sentinel_brain.logs.parse import ParseSettings, parse_to_csv

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SENTINEL, "logs", "parse", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


# --- linear time on adversarial lines, one test per pattern family ----------------------------

MB = 1_000_000
HOSTILE = {
    "kv": "a=" * (MB // 2),
    "token": "a" * MB,
    "dotted": "a." * (MB // 2),
    "quotes": 'k="' * (MB // 3),
    "backslashes": 'k="' + "\\" * MB,
    "spaces": " " * MB + "x",
    "brackets": "[" * MB,
    "digits": "1" * MB,
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_logfmt_and_json_are_linear(shape: str) -> None:
    line = HOSTILE[shape]
    _, t = _timed(parse_logfmt_line, line)
    assert t < 3.0, f"logfmt on {shape}: {t:.1f}s"
    _, t = _timed(parse_json_line, "{" + line)
    assert t < 3.0, f"json on {shape}: {t:.1f}s"


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_header_formats_are_linear(shape: str) -> None:
    """Explicit formats (many lazy fields) and presets run on RE2: no backtracking blow-up."""
    line = HOSTILE[shape]
    lazy = make_parser(r"<A> <B> <C> <D> <E>(\[<F>\])?: <Content>")
    _, t = _timed(lazy.parse_many, [line, "x " + line])
    assert t < 3.0, f"lazy format on {shape}: {t:.1f}s"
    _, t = _timed(detect_format, [line] * 3)
    assert t < 10.0, f"detection on {shape}: {t:.1f}s"


def test_a_20mb_line_parses_in_seconds_and_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    with open(path, "w") as fh:
        fh.write("2024-01-02 10:00:00 INFO app: start\n")
        fh.write("a=" * (10 * MB) + "\n")
        fh.write("b" * (20 * MB) + "\n")
        fh.write("2024-01-02 10:00:01 INFO app: done\n")
    for use_arrow in (True, False):
        buf = io.BytesIO()
        settings = ParseSettings(use_arrow=use_arrow, max_line_bytes=64 * 1024)
        stats, t = _timed(parse_to_csv, str(path), None, buf, 100_000, None, settings)
        assert t < 20.0, f"arrow={use_arrow}: {t:.1f}s"
        assert stats.lines == 4 and stats.truncated_lines == 2
        df = pd.read_csv(io.BytesIO(buf.getvalue()), dtype=str, keep_default_na=False)
        assert len(df) == 4
        assert max(len(c) for c in df["Content"]) <= 64 * 1024
        assert df["Content"][3] == "done"


def test_cut_lines_are_reported_by_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    path.write_text("x" * 5000 + "\nshort line\n")
    proc = run(str(path), "--log-format", "raw", env={"SENTINEL_LOGS_MAX_LINE_BYTES": "1000"})
    assert proc.returncode == 0, proc.stderr
    assert "1 lines longer than 1000 bytes were cut" in proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout), dtype=str, keep_default_na=False)
    assert len(df["Content"][0]) == 1000 and df["Content"][1] == "short line"


def test_nul_bytes_survive_into_templates(tmp_path: Path) -> None:
    path = tmp_path / "nul.log"
    path.write_bytes(b"job a\x00b failed: code 7\njob a\x00b failed: code 9\n")
    buf = io.BytesIO()
    parse_to_csv(str(path), "raw", buf)
    df = pd.read_csv(io.BytesIO(buf.getvalue()), dtype=str, keep_default_na=False)
    assert df["EventTemplate"][0] == "job a\x00b failed: code <:NUM:>"
    assert df["EventId"][0] == df["EventId"][1]


# --- the CLI's inputs and outputs ---------------------------------------------------------------


def test_directory_input_is_named_as_such(tmp_path: Path) -> None:
    proc = run(str(tmp_path))
    assert proc.returncode == 2
    assert "is a directory" in proc.stderr and "no such file" not in proc.stderr


def test_non_gzip_gz_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "app.log.gz"
    bad.write_text("plain text, not gzip\n")
    proc = run(str(bad))
    assert proc.returncode != 0
    assert "not a readable gzip file" in proc.stderr and "0 lines" not in proc.stderr
    with pytest.raises(LogInputError):
        parse_to_csv(str(bad), "raw", io.BytesIO())


def test_truncated_gzip_keeps_the_good_part(tmp_path: Path) -> None:
    src = tmp_path / "cut.log.gz"
    data = gzip.compress(b"".join(b"line %d ok\n" % i for i in range(5000)))
    src.write_bytes(data[: len(data) // 2])
    proc = run(str(src))
    assert proc.returncode == 0, proc.stderr
    assert "truncated or corrupt" in proc.stderr
    assert len(pd.read_csv(io.StringIO(proc.stdout))) > 0


def test_missing_output_folder_blames_the_output(tmp_path: Path) -> None:
    src = tmp_path / "a.log"
    src.write_text("hello 1\n")
    out = tmp_path / "nope" / "out.csv"
    proc = run(str(src), "--out", str(out))
    assert proc.returncode == 2
    assert "output folder does not exist" in proc.stderr
    assert str(src) not in proc.stderr


def test_output_directory_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "a.log"
    src.write_text("hello 1\n")
    proc = run(str(src), "--out", str(tmp_path))
    assert proc.returncode == 2 and "output is a directory" in proc.stderr
    assert tmp_path.is_dir()


def test_regular_output_is_replaced_atomically(tmp_path: Path) -> None:
    src = tmp_path / "a.log"
    src.write_text("hello 1\nhello 2\n")
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    proc = run(str(src), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith('"LineId"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.log", "out.csv"]  # no .partial
    # a failing parse leaves the old output untouched and no temp file
    out.write_text("old\n")
    proc = run(str(src), "--out", str(out), "--log-format", "<Date> <Time> <Content>")
    assert proc.returncode == 2
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.log", "out.csv"]


def test_fifo_output_is_written_in_place(tmp_path: Path) -> None:
    src = tmp_path / "a.log"
    src.write_text("hello 1\nhello 2\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    proc = run(str(src), "--out", str(fifo))
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not replaced by a file
    assert got and got[0].startswith(b'"LineId"') and b"hello" in got[0]


def test_invalid_utf8_is_replaced(tmp_path: Path) -> None:
    src = tmp_path / "bad.log"
    src.write_bytes(b"caf\xe9 opened\n\xff\xfe\n")
    proc = run(str(src), env={"LC_ALL": "C", "PYTHONIOENCODING": ""})
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout), dtype=str, keep_default_na=False)
    assert df["Content"][0] == "caf\ufffd opened"


def test_symlinked_output_and_permissions_are_kept(tmp_path: Path) -> None:
    src = tmp_path / "a.log"
    src.write_text("hello 1\n")
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    proc = run(str(src), "--out", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and target.read_text().startswith('"LineId"')
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
