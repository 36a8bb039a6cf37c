"""`sentinel logs parse` through the real console script (subprocess)."""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sentinel_brain.logs.loghub import DATASETS

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SENTINEL, "logs", "parse", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", DATASETS)
def test_autodetects_each_loghub_sample(loghub, name):
    truth = pd.read_csv(
        loghub / name / f"{name}_2k.log_structured.csv", dtype=str, keep_default_na=False
    )
    proc = run(str(loghub / name / f"{name}_2k.log"))
    assert proc.returncode == 0, proc.stderr
    out = read_csv(proc.stdout)
    header_fields = [c for c in truth.columns if c not in ("LineId", "EventId", "EventTemplate")]
    assert list(out.columns) == ["LineId", *header_fields, "EventId", "EventTemplate"]
    assert len(out) == len(truth)
    assert out["LineId"].tolist() == [str(i) for i in range(1, len(truth) + 1)]
    for f in header_fields:
        assert (out[f].str.strip() == truth[f].str.strip()).all(), f
    assert out["EventId"].str.match(r"^E\d+$").all()
    assert (out["EventTemplate"] != "").all()
    assert "did not match" not in proc.stderr


def test_explicit_format_and_out_file(loghub, tmp_path):
    dst = tmp_path / "hdfs.csv"
    proc = run(
        str(loghub / "HDFS" / "HDFS_2k.log"),
        "--log-format",
        "<Date> <Time> <Pid> <Level> <Component>: <Content>",
        "--out",
        str(dst),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    with open(dst, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2000
    assert rows[0]["LineId"] == "1" and rows[0]["Level"] == "INFO"
    assert rows[0]["EventTemplate"].startswith("PacketResponder <:NUM:> for block")
    # the preset name gives the same result
    proc2 = run(str(loghub / "HDFS" / "HDFS_2k.log"), "--log-format", "hdfs")
    assert read_csv(proc2.stdout)["EventId"].tolist() == [r["EventId"] for r in rows]


def test_wrong_format_is_a_clear_error(loghub, tmp_path):
    proc = run(str(loghub / "HDFS" / "HDFS_2k.log"), "--log-format", r"\[<Time>\] <Content>")
    assert proc.returncode == 2
    assert "matched none of the 2000 lines" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    dst = tmp_path / "x.csv"
    proc = run(
        str(loghub / "HDFS" / "HDFS_2k.log"), "--log-format", "<Date <Content>", "--out", str(dst)
    )
    assert proc.returncode == 2 and "malformed log format" in proc.stderr
    assert "Traceback" not in proc.stderr and not dst.exists()
    proc = run(str(tmp_path / "missing.log"))
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_one_row_per_line_with_unmatched_gz_and_bad_bytes(tmp_path):
    src = tmp_path / "app.log.gz"
    raw = (
        b"2024-01-02 10:00:00,000 INFO app.db: connected to 10.0.0.5:5432\n"
        b"Traceback (most recent call last):\n"
        b"2024-01-02 10:00:01,000 ERROR app.db: lost \xff connection to 10.0.0.6:5432\n"
        b"\n"
        b"2024-01-02 10:00:02,000 INFO app.db: connected to 10.0.0.7:5432"
    )
    src.write_bytes(gzip.compress(raw))
    proc = run(str(src), "--log-format", "python")
    assert proc.returncode == 0, proc.stderr
    out = read_csv(proc.stdout)
    assert len(out) == 5 and out["LineId"].tolist() == ["1", "2", "3", "4", "5"]
    assert out["Content"][1] == "Traceback (most recent call last):" and out["Level"][1] == ""
    assert out["EventId"][0] == out["EventId"][4]
    assert "2 of 5 lines did not match" in proc.stderr


def test_arrow_and_python_paths_agree(loghub):
    for name in ("Zookeeper", "Apache", "BGL"):
        path = str(loghub / name / f"{name}_2k.log")
        fast = read_csv(run(path).stdout)
        slow = read_csv(run(path, env={"SENTINEL_LOGS_NO_ARROW": "1"}).stdout)
        pd.testing.assert_frame_equal(fast, slow)
        # parsed batches spilled to the temp file instead of kept in memory: same output
        spilled = read_csv(run(path, env={"SENTINEL_LOGS_SPOOL_MEMORY": "1"}).stdout)
        pd.testing.assert_frame_equal(fast, spilled)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.log"
    p.write_text("")
    proc = run(str(p))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().replace('"', "") == "LineId,Content,EventId,EventTemplate"


def test_json_lines_and_logfmt_inputs(tmp_path):
    j = tmp_path / "svc.log"
    j.write_text(
        '{"ts": "2024-01-02T10:00:00Z", "level": "info", "logger": "api", "msg": "GET /a 200"}\n'
        '{"ts": "2024-01-02T10:00:01Z", "level": "error", "logger": "api", "msg": "GET /b 500"}\n'
    )
    out = read_csv(run(str(j)).stdout)  # detected as JSON lines
    assert list(out.columns) == [
        "LineId",
        "Timestamp",
        "Level",
        "Component",
        "Content",
        "EventId",
        "EventTemplate",
    ]
    assert out["Content"].tolist() == ["GET /a 200", "GET /b 500"]
    assert out["Level"].tolist() == ["info", "error"]
    lf = tmp_path / "svc2.log"
    lf.write_text(
        'level=warn msg="disk 91% full" dev=sda1\nlevel=warn msg="disk 95% full" dev=sdb\n'
    )
    proc = run(str(lf), "--log-format", "logfmt")
    assert proc.returncode == 0, proc.stderr
    out = read_csv(proc.stdout)
    assert out["Content"].tolist() == ["disk 91% full", "disk 95% full"]
    assert out["EventId"].nunique() == 1
