# ruff: noqa: E501  (verbatim library output)
"""Focused analyzer tests: root cause over surface, verbatim evidence, robustness."""

from __future__ import annotations

import os
import re
import traceback

import pytest

from sentinel_brain.analyzers import analyze
from sentinel_brain.evidence import exceptions_from_live, from_text
from sentinel_brain.models import (
    Category,
    Evidence,
    ExceptionInfo,
    Frame,
    LogTemplate,
    UpstreamAsset,
)
from sentinel_brain.signatures import SIGNATURES


def _tb(fn: object) -> str:
    try:
        fn()  # type: ignore[operator]
    except BaseException:
        return traceback.format_exc()
    raise AssertionError("did not raise")


def _env_lookup() -> str:
    return os.environ["SENTINEL_SURELY_UNSET_VAR"]


def _column_lookup() -> object:
    import pandas as pd

    df = pd.DataFrame({"cust_id": [1]})
    return df["customer_id"]


def _valueerror_from_keyerror() -> None:
    try:
        os.environ["SENTINEL_SURELY_UNSET_VAR"]
    except KeyError as exc:
        raise ValueError("settings incomplete") from exc


def test_catalog_is_large_and_ids_unique() -> None:
    assert len(SIGNATURES) >= 60
    ids = [s.id for s in SIGNATURES]
    assert len(ids) == len(set(ids))
    for s in SIGNATURES:
        assert s.remediation, s.id
        assert 0 < s.confidence <= 1


def test_keyerror_environ_is_config_and_column_is_schema() -> None:
    env = analyze(from_text(_tb(_env_lookup)))
    col = analyze(from_text(_tb(_column_lookup)))
    assert env.category is Category.CONFIG_ERROR
    assert "SENTINEL_SURELY_UNSET_VAR" in env.summary
    assert col.category is Category.SCHEMA_MISMATCH
    assert "customer_id" in col.summary


def test_chain_judged_by_root() -> None:
    rep = analyze(from_text(_tb(_valueerror_from_keyerror)))
    assert rep.category is Category.CONFIG_ERROR
    assert rep.error_type == "KeyError"


def test_dagster_wrapper_is_skipped() -> None:
    text = (
        "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while "
        'executing op "load":\n\nStack Trace:\n  File "/venv/lib/python3.11/site-packages/'
        'dagster/_core/execution/plan/utils.py", line 56, in op_execution_error_boundary\n'
        "    yield\n\nThe above exception was caused by the following exception:\n"
        "ZeroDivisionError: division by zero\n\nStack Trace:\n"
        '  File "/opt/app/pipelines/metrics.py", line 9, in load\n    return a / b\n'
    )
    rep = analyze(from_text(text))
    assert rep.category is Category.CODE_ERROR
    assert rep.error_type == "ZeroDivisionError"
    assert rep.failing_location is not None and rep.failing_location.line == 9
    assert rep.fix_suggestion and "metrics.py:9" in rep.fix_suggestion
    assert "return a / b" in rep.fix_suggestion


@pytest.mark.parametrize(
    ("line", "category"),
    [
        (
            "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: http://x/a",
            "auth_failure",
        ),
        (
            "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: http://x/a",
            "permission_denied",
        ),
        (
            "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: http://x",
            "rate_limited",
        ),
        (
            "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: http://x",
            "dependency_unavailable",
        ),
        ("sqlite3.OperationalError: no such table: stg_orders", "missing_input"),
        ("sqlite3.OperationalError: no such column: email", "schema_mismatch"),
        ("sqlite3.OperationalError: database is locked", "concurrency"),
        ("Killed", "resource_exhaustion"),
        ("OOMKilled", "resource_exhaustion"),
        ("OSError: [Errno 28] No space left on device", "resource_exhaustion"),
        ("could not connect: connection refused", "dependency_unavailable"),
        ("HTTP 503 Service Unavailable", "dependency_unavailable"),
        ("cp: cannot open '/data/x': Permission denied", "permission_denied"),
        ("ModuleNotFoundError: No module named 'duckdb'", "environment"),
        ("psycopg2.errors.DeadlockDetected: deadlock detected", "concurrency"),
        (
            'psycopg2.OperationalError: FATAL:  password authentication failed for user "etl"',
            "auth_failure",
        ),
    ],
)
def test_single_lines(line: str, category: str) -> None:
    rep = analyze(from_text(line + "\n"))
    assert rep.category.value == category, (line, rep.candidates)


def _rendered(ev: Evidence) -> list[str]:
    out = [ev.text, ev.logs, *ev.events]
    for e in ev.exceptions:
        out.append(f"{e.type}: {e.message}")
        out.extend(f.code or "" for f in e.frames)
    return out


@pytest.mark.parametrize(
    "fn", [_env_lookup, _column_lookup, _valueerror_from_keyerror, lambda: 1 / 0]
)
def test_evidence_quotes_are_verbatim(fn: object) -> None:
    ev = from_text(_tb(fn))
    rep = analyze(ev)
    hay = _rendered(ev)
    for cand in rep.candidates:
        for quote in cand.evidence:
            assert any(quote in h for h in hay), quote


def test_evidence_quotes_verbatim_for_live_exception() -> None:
    try:
        _valueerror_from_keyerror()
    except ValueError as exc:
        ev = Evidence(exceptions=exceptions_from_live(exc), text="")
    rep = analyze(ev)
    assert rep.category is Category.CONFIG_ERROR
    hay = _rendered(ev)
    for quote in rep.candidates[0].evidence:
        assert any(quote in h for h in hay), quote


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\xff\xfe" * 1000,
        "Traceback (most recent call last):\n",
        'File "x", line 99999999999999999999, in y\n',
        "x" * 1_000_000,
        ('Traceback (most recent call last):\n  File "/a.py", line 1, in f\n' * 30_000),
        "".join(chr(i) for i in range(1, 5000)),
        "(" * 50_000 + "Error" + ")" * 50_000,
    ],
)
def test_never_raises(text: str) -> None:
    # `analyze` catches its own crashes into a degraded report: a crash must fail here.
    rep = analyze(from_text(text))
    assert not rep.degraded, rep.notes
    assert 0.0 <= rep.candidates[0].confidence <= 1.0
    rep2 = analyze(Evidence(text=text, logs=text[:1000]))
    assert not rep2.degraded, rep2.notes
    assert rep2.candidates


def test_an_analyzer_crash_is_a_degraded_report_naming_the_error() -> None:
    # Evidence built without validation (as a buggy caller could) makes the stages crash.
    broken = Evidence.model_construct(exceptions=None, text="x")
    rep = analyze(broken)
    assert rep.degraded
    assert rep.category is Category.UNKNOWN
    assert "TypeError" in rep.summary and any("TypeError" in n for n in rep.notes)
    assert rep.fingerprint


def test_empty_evidence_is_unknown() -> None:
    rep = analyze(Evidence())
    assert rep.category is Category.UNKNOWN
    assert rep.top is not None and rep.top.confidence < 0.3


def test_fingerprint_stable_across_ids_and_numbers() -> None:
    a = 'psycopg2.errors.UndefinedTable: relation "stg_2024_03_01" does not exist\nLINE 1: select * from stg_2024_03_01\n'
    b = 'psycopg2.errors.UndefinedTable: relation "stg_2024_03_02" does not exist\nLINE 1: select * from stg_2024_03_02\n'
    ra = analyze(Evidence(text=a, job="nightly", step="load", run_id="r1"))
    rb = analyze(Evidence(text=b, job="nightly", step="load", run_id="r2"))
    assert ra.fingerprint == rb.fingerprint and ra.fingerprint
    rc = analyze(Evidence(text=a, job="other", step="load"))
    assert rc.fingerprint != ra.fingerprint


def test_upstream_zero_rows_turns_none_error_into_missing_input() -> None:
    ev = Evidence(
        exceptions=[
            ExceptionInfo(
                type="TypeError",
                message="'NoneType' object is not subscriptable",
                frames=[Frame(file="/opt/app/pipelines/x.py", line=3, code="row[0]", is_user=True)],
            )
        ],
        upstream=[UpstreamAsset(asset_key="raw_orders", metadata={"dagster/row_count": 0})],
    )
    rep = analyze(ev)
    assert rep.category is Category.MISSING_INPUT
    assert "raw_orders" in rep.top.cause if rep.top else False


def test_upstream_columns_confirm_schema_mismatch() -> None:
    ev = Evidence(
        exceptions=[ExceptionInfo(type="KeyError", message="'customer_id'")],
        upstream=[UpstreamAsset(asset_key="customers", metadata={"columns": ["cust_id", "name"]})],
    )
    rep = analyze(ev)
    assert rep.category is Category.SCHEMA_MISMATCH
    assert "customer_id" in rep.summary


def test_recurrence_is_mentioned() -> None:
    rep = analyze(Evidence(text="OSError: [Errno 24] Too many open files\n", recurrence=4))
    assert "4" in rep.summary
    assert any("Recurrence" in n for n in rep.notes)


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        ("stale_asset", Category.MISSING_INPUT),
        ("failed_check", Category.DATA_QUALITY),
        ("stuck_run", Category.INFRASTRUCTURE),
        ("metric_anomaly", Category.DATA_QUALITY),
    ],
)
def test_health_check_kinds(kind: str, category: Category) -> None:
    rep = analyze(Evidence(kind=kind, text=f"{kind} detected for asset orders"))
    assert rep.category is category
    assert rep.top is not None and rep.top.remediation
    assert not rep.degraded


def test_failed_check_with_specific_text_uses_text() -> None:
    rep = analyze(
        Evidence(
            kind="failed_check", text="check orders_not_null failed: 12 null values in column email"
        )
    )
    assert rep.category is Category.DATA_QUALITY


def test_log_templates_are_used() -> None:
    ev = Evidence(
        log_templates=[
            LogTemplate(
                template="ERROR could not connect to server: Connection refused",
                count=40,
                is_new=True,
            )
        ]
    )
    rep = analyze(ev)
    assert rep.category is Category.DEPENDENCY_UNAVAILABLE


def test_confidence_ranked_and_deduplicated() -> None:
    rep = analyze(from_text(_tb(_env_lookup)))
    confs = [c.confidence for c in rep.candidates]
    assert confs == sorted(confs, reverse=True)
    cats = [c.category for c in rep.candidates]
    assert len(cats) == len(set(cats))
    assert rep.candidates[0].confidence >= 0.85


def test_summary_is_a_sentence_about_the_cause() -> None:
    rep = analyze(from_text(_tb(_env_lookup)))
    assert re.search(r"environment variable", rep.summary, re.I)
    assert rep.summary.endswith(".")


def test_literal_gates_never_hide_a_regex_match() -> None:
    """The literal prefilters must be implied by their regexes (checked on real messages)."""
    from bench.brain_eval import load_cases
    from sentinel_brain.analyzers import _MSG_GATES, _TEXT_GATES

    samples: list[str] = []
    for _, text, _ in load_cases():
        samples.extend(text.splitlines())
        samples.extend(e.message for e in from_text(text).exceptions)
    by_id = {s.id: s for s in SIGNATURES}
    for gates, attr in ((_MSG_GATES, "message"), (_TEXT_GATES, "text")):
        for sid, gate in gates.items():
            rx = getattr(by_id[sid], attr)
            if gate is None or rx is None:
                continue
            for sample in samples:
                if rx.search(sample):
                    low = sample.lower()
                    assert any(g in low for g in gate), (sid, sample[:200])


def test_warnings_in_logs_are_not_the_failure() -> None:
    text = (
        "/venv/lib/python3.11/site-packages/pandas/core/frame.py:12: FutureWarning: "
        "Downcasting is deprecated\nOSError: [Errno 28] No space left on device\n"
    )
    rep = analyze(from_text(text))
    assert rep.category is Category.RESOURCE_EXHAUSTION
    assert rep.error_type == "OSError"


def test_dagster_context_chain_judged_by_root_env_keyerror() -> None:
    text = (
        'TypeError: can only concatenate str (not "NoneType") to str\n\nStack Trace:\n'
        '  File "/opt/app/pipelines/cfg.py", line 11, in load\n\n'
        "The above exception occurred during handling of the following exception:\n"
        "KeyError: 'API_TOKEN'\n\nStack Trace:\n"
        '  File "/opt/app/pipelines/cfg.py", line 9, in load\n'
        '  File "<frozen os>", line 679, in __getitem__\n'
    )
    rep = analyze(from_text(text))
    assert rep.category is Category.CONFIG_ERROR
    assert "API_TOKEN" in rep.summary


def test_kind_yields_to_specific_text() -> None:
    rep = analyze(
        Evidence(kind="failed_check", text="Check orders_row_count failed: 0 rows loaded")
    )
    assert rep.category is Category.MISSING_INPUT


def test_text_only_http_statuses() -> None:
    assert (
        analyze(from_text("received 429 from api.vendor.com\n")).category is Category.RATE_LIMITED
    )
    assert (
        analyze(
            from_text("Run timed out due to taking longer than 180 seconds to start.\n")
        ).category
        is Category.INFRASTRUCTURE
    )
    assert (
        analyze(from_text("Run 5f2c has exceeded maximum runtime of 3600 seconds.\n")).category
        is Category.TIMEOUT
    )


def test_config_source_next_to_a_refused_connection_keeps_config_error_in_view() -> None:
    """A refused connection stays the top reading; naming the configured host adds config_error."""
    from sentinel_brain.models import Category as Cat

    failure = (
        'psycopg2.OperationalError: connection to server at "db-primary.internal" '
        "(10.0.0.5), port 5433 failed: Connection refused\n"
    )
    config_line = "2024-05-01 10:00:01 INFO using DATABASE_HOST=db-primary.internal"
    with_source = analyze(from_text(config_line + "\n" + failure))
    assert not with_source.degraded
    assert with_source.category is Cat.DEPENDENCY_UNAVAILABLE
    second = with_source.candidates[1]
    assert second.category is Cat.CONFIG_ERROR
    assert config_line in second.evidence

    bare = analyze(from_text(failure))
    assert bare.category is Cat.DEPENDENCY_UNAVAILABLE
    bare_config = [c for c in bare.candidates if c.category is Cat.CONFIG_ERROR]
    # Without a named source, config_error is at most the generic runner-up of a refusal.
    assert all(c.confidence < second.confidence for c in bare_config)
    assert all(config_line not in c.evidence for c in bare_config)
