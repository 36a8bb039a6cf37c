"""Finding the failure in any text: line levels, failure lines, healthy logs, speed."""

from __future__ import annotations

import time

import pytest

from sentinel_brain.analyzers import analyze
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Category
from sentinel_brain.textscan import (
    Level,
    failure_lines,
    is_failure_line,
    jvm_root_cause,
    line_level,
)


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("2026-01-01 10:00:00,123 INFO  scheduler: started", Level.INFO),
        ("[2026-01-01 10:00:00 +0000] [12] [ERROR] Worker (pid:13) was sent SIGKILL", Level.ERROR),
        ("E1204 10:00:00.123456    1 reflector.go:138] failed to list", Level.ERROR),
        ("W1204 10:00:00.123456    1 warnings.go:70] deprecated", Level.WARN),
        ('{"level":"info","msg":"ok"}', Level.INFO),
        ("level=error msg=boom", Level.ERROR),
        ('ERROR:  relation "x" does not exist', Level.ERROR),
        ("Caused by: java.io.IOException: Broken pipe", Level.ERROR),
        ("org.apache.spark.SparkException: Job aborted", Level.ERROR),
        ("HTTP/1.1 503 Service Unavailable", Level.ERROR),
        ("Process exited with code 137", Level.ERROR),
        ("npm ERR! code E401", Level.ERROR),
        ("ERRO[0003] error waiting for container: context canceled", Level.ERROR),
        ("INFO[0000] Starting daemon", Level.INFO),
        ("Msg 547, Level 16, State 0, Line 1", Level.ERROR),
        ("Msg 5701, Level 0, State 1", Level.NONE),
        ("ORA-01017: invalid username/password; logon denied", Level.ERROR),
        ("thread 'main' panicked at src/main.rs:4:5:", Level.ERROR),
        # API error tags and a line naming the error's class count whatever the level
        (
            "2026-01-01 10:00:00.000 info <sync>: download failed. "
            "ApiError('a1b2', DownloadError('path', LookupError('not_found', None)))",
            Level.ERROR,
        ),
        ('{"error_summary": "path/not_found/..", "error": {".tag": "path"}}', Level.ERROR),
        (
            "2026-01-01 10:00:00 +0000 [warn]: #0 emit transaction failed: "
            'error_class=Fluent::Plugin::Buffer::BufferOverflowError error="buffer space full"',
            Level.ERROR,
        ),
        ("2026-01-01 INFO lookup of key 'x' done: found", Level.INFO),
        ("all good", Level.NONE),
    ],
)
def test_line_level(line: str, level: Level) -> None:
    assert line_level(line) is level


def test_plain_lines_with_failure_words_are_failure_lines() -> None:
    assert is_failure_line("psql: could not connect to server: Connection refused")
    assert not is_failure_line("loaded 500 rows into orders")
    assert not is_failure_line("2026-01-01 INFO retry 1 of 3: connection refused")


def test_api_error_tags_are_found_in_a_long_text() -> None:
    text = "sync started\n" * 50 + '{".tag": "path", "path": {".tag": "not_found"}}\nsync ended\n'
    assert [ln for _, ln in failure_lines(text)] == [
        '{".tag": "path", "path": {".tag": "not_found"}}'
    ]
    assert not is_failure_line("2026-01-01 INFO cache: key not_found_total=3 updated")


def test_grpc_status_codes_quoted_in_json_are_failure_lines() -> None:
    text = (
        '{\n  "jsonPayload": {\n    "attemptResponseLog": {\n'
        '      "status": "UNAVAILABLE",\n      "attemptDuration": "10.2s"\n    }\n  }\n}\n'
    )
    assert [ln for _, ln in failure_lines(text)] == ['      "status": "UNAVAILABLE",']
    assert line_level('{"code": 8, "status": "RESOURCE_EXHAUSTED"}') is Level.ERROR
    # the code as a word in prose or lower case, or OK, is no marker
    assert not is_failure_line('  "status": "OK",')
    assert not is_failure_line("2026-01-01 INFO retry policy covers UNAVAILABLE and ABORTED")
    assert not is_failure_line('  "kind": "internal",')


def test_failure_lines_and_jvm_root() -> None:
    text = "ok\nstill ok\nERROR boom\nCaused by: a.B: x\nCaused by: c.D: root\nok"
    assert [ln for _, ln in failure_lines(text)] == [
        "ERROR boom",
        "Caused by: a.B: x",
        "Caused by: c.D: root",
    ]
    assert jvm_root_cause(text.splitlines()) == "Caused by: c.D: root"


@pytest.mark.parametrize(
    "text",
    [
        "x" * 2_000_000,
        "error " * 300_000,
        "ERROR" + " " * 1_000_000 + "x",
        ("HTTP/1.1 " * 100_000),
        ("exit code " * 100_000),
        ("a\n" * 1_000_000),
    ],
)
def test_scans_are_linear_on_adversarial_input(text: str) -> None:
    start = time.perf_counter()
    failure_lines(text)
    analyze(from_text(text))
    assert time.perf_counter() - start < 1.0


def test_a_healthy_log_is_not_diagnosed() -> None:
    lines = [
        f"2026-12-01 10:{i % 60:02d}:00 INFO load: batch {i} wrote 500 rows" for i in range(5000)
    ]
    lines.insert(2500, "2026-12-01 10:00:00 INFO load: partition 2026-11-30 returned 0 rows")
    rep = analyze(from_text("\n".join(lines)))
    assert rep.category is Category.UNKNOWN
    assert not rep.degraded
    assert rep.top is not None and "No failure found" in rep.top.cause


def test_a_failure_in_the_middle_of_a_long_log_is_found() -> None:
    lines = [f"2026-12-01 10:00:00 INFO load: batch {i} wrote 500 rows" for i in range(20000)]
    bad = "2026-12-01 10:00:01 ERROR load: psycopg2.OperationalError: could not connect to server"
    lines.insert(10000, bad)
    rep = analyze(from_text("\n".join(lines)))
    assert rep.category is Category.DEPENDENCY_UNAVAILABLE
    assert rep.top is not None and any("could not connect to server" in e for e in rep.top.evidence)


def test_one_megabyte_stays_fast() -> None:
    body = "\n".join(f"INFO worker {i}: processed chunk {i} in 12 ms" for i in range(25_000))
    text = body + "\nERROR worker 9: Connection refused\n"
    assert len(text) > 900_000
    analyze(from_text(text))
    start = time.perf_counter()
    rep = analyze(from_text(text))
    assert time.perf_counter() - start < 0.25  # ~10-20 ms measured; CI machines are shared
    assert rep.category is Category.DEPENDENCY_UNAVAILABLE
