"""Header formats, JSON lines, logfmt, auto-detection."""

from __future__ import annotations

import pandas as pd
import pytest

from sentinel_brain.logs.formats import (
    LogFormatError,
    compile_header_format,
    detect_format,
    make_parser,
    normalize_level,
    parse_json_line,
    parse_logfmt_line,
)
from sentinel_brain.logs.loghub import DATASETS


def test_header_format_fields_and_parse():
    hf = compile_header_format("<Date> <Time> <Level> <Component>: <Content>")
    assert hf.fields == ("Date", "Time", "Level", "Component", "Content")
    rec = hf.parse("2024-01-02 10:11:12,345 ERROR app.db: connection lost: retrying")
    assert rec == {
        "Date": "2024-01-02",
        "Time": "10:11:12,345",
        "Level": "ERROR",
        "Component": "app.db",
        "Content": "connection lost: retrying",
    }
    assert hf.parse("garbage") is None


def test_escaped_brackets_and_presets():
    hf = compile_header_format(r"\[<Time>\] \[<Level>\] <Content>")
    rec = hf.parse("[Sun Dec 04 04:47:44 2005] [error] mod_jk child in error state 6")
    assert rec["Time"] == "Sun Dec 04 04:47:44 2005"
    assert rec["Level"] == "error"
    assert compile_header_format("HDFS").fields[2] == "Pid"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "<Date> <Time>",
        "<Date <Content>",
        "<Date> <Date> <Content>",
        "<Da te> <Content>",
        "<Date><Content>",
    ],
)
def test_malformed_formats_raise(bad):
    with pytest.raises(LogFormatError):
        compile_header_format(bad)


def test_json_and_logfmt_lines():
    rec = parse_json_line('{"ts": "2024-01-02T03:04:05Z", "level": "warn", "msg": "disk 91% full"}')
    assert rec == {
        "Timestamp": "2024-01-02T03:04:05Z",
        "Level": "warn",
        "Component": "",
        "Content": "disk 91% full",
    }
    assert parse_json_line('{"msg": "unterminated') is None
    assert parse_json_line("[1, 2]") is None
    rec = parse_logfmt_line('time=2024-01-02T03:04:05Z level=error msg="db down" retries=3')
    assert rec is not None
    assert rec["Level"] == "error" and rec["Content"] == "db down"
    assert parse_logfmt_line("just some words") is None


def test_levels():
    assert normalize_level("warn") == "WARNING"
    assert normalize_level("FATAL") == "CRITICAL"
    assert normalize_level(40) == "ERROR"
    assert normalize_level("") is None


@pytest.mark.parametrize("name", DATASETS)
def test_detects_each_loghub_format(loghub, name):
    """Auto-detection finds a format whose fields equal Loghub's structured CSV."""
    log = loghub / name / f"{name}_2k.log"
    truth = pd.read_csv(
        loghub / name / f"{name}_2k.log_structured.csv", dtype=str, keep_default_na=False
    )
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    parser = detect_format(lines[:200])
    assert parser.kind == "header"
    expected_fields = [c for c in truth.columns if c not in ("LineId", "EventId", "EventTemplate")]
    assert list(parser.fields) == expected_fields
    for i, line in enumerate(lines[:300]):
        rec = parser.parse(line)
        assert rec is not None, line
        for f in expected_fields:
            assert rec[f].strip() == truth[f][i].strip(), (f, line)


def test_detect_json_logfmt_and_raw():
    assert detect_format(['{"msg": "a", "level": "info"}'] * 5).kind == "json"
    assert detect_format(["level=info msg=hello id=1"] * 5).kind == "logfmt"
    assert detect_format(["no structure here at all"] * 5).kind == "raw"
    assert make_parser("raw").parse("x") == {"Content": "x"}
