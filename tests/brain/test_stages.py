"""Each stage of the offline analyzers on its own, on plain data."""

from __future__ import annotations

from sentinel_brain.analyzers import (
    _Hit,
    add_alternatives,
    analyze,
    apply_root_cause_rules,
    build_candidates,
    build_report,
    examined_of,
    locate_error,
    match_exceptions,
    match_text,
    prefer_specific,
    rank,
)
from sentinel_brain.fingerprint import fingerprint
from sentinel_brain.models import (
    Category,
    ConfigChange,
    Evidence,
    ExceptionInfo,
    Frame,
    Kind,
    PreviousSuccess,
)
from sentinel_brain.signatures import SIGNATURES

ENV_TB = """\
Traceback (most recent call last):
  File "/app/pipelines/assets.py", line 12, in load
    url = os.environ["WAREHOUSE_URL"]
  File "<frozen os>", line 679, in __getitem__
KeyError: 'WAREHOUSE_URL'
"""


def test_locate_error_parses_the_chain_and_skips_wrappers() -> None:
    ev = Evidence(
        exceptions=[
            ExceptionInfo(type="KeyError", message="'x'"),
            ExceptionInfo(type="dagster.DagsterExecutionStepExecutionError", link="cause"),
        ]
    )
    loc = locate_error(ev)
    assert [e.type for e in loc.judged] == ["KeyError"]
    assert loc.root is not None and loc.root.type == "KeyError"
    text = locate_error(Evidence(text=ENV_TB))
    assert text.root is not None and text.root.message == "'WAREHOUSE_URL'"
    assert text.user_frame is not None and text.user_frame.line == 12


def test_locate_error_reads_error_types_from_log_lines() -> None:
    line = "2026-12-01 12:00:01 ERROR worker: botocore.exceptions.NoCredentialsError: no creds"
    loc = locate_error(Evidence(text=f"step started\n{line}"))
    assert loc.pseudo and loc.root is not None
    assert loc.root.type == "botocore.exceptions.NoCredentialsError"


def test_match_exceptions_and_text() -> None:
    ev = Evidence(text=ENV_TB)
    loc = locate_error(ev)
    hits = match_exceptions(loc, ev)
    assert hits and max(hits, key=lambda h: h.score).category is Category.CONFIG_ERROR
    ev2 = Evidence(text='psql: FATAL:  password authentication failed for user "etl"')
    text_hits = match_text(locate_error(ev2), ev2)
    assert any(h.category is Category.AUTH_FAILURE for h in text_hits)
    assert all(q in ev2.text for h in text_hits for q in h.evidence)


def test_a_failure_line_is_read_with_the_message_wordings() -> None:
    # `pg_bad_dsn` is written for exception messages; a bare error line says the same thing.
    bad = Evidence(text='2026-12-01 10:00:00 ERROR loader: invalid sslmode value: "requird"')
    hits = match_text(locate_error(bad), bad)
    assert any(h.sig is not None and h.sig.id == "pg_bad_dsn" for h in hits)
    assert all(q in bad.text for h in hits for q in h.evidence)
    # A routine line carrying the same words is not a failure line and is not read so.
    ok = Evidence(text="2026-12-01 10:00:00 INFO docs: invalid sslmode value is rejected early")
    assert not any(
        h.sig is not None and h.sig.id == "pg_bad_dsn" for h in match_text(locate_error(ok), ok)
    )


def test_a_wording_inside_a_longer_surer_wording_is_lowered() -> None:
    ev = Evidence(text="/opt/run.sh: /bin/bash^M: bad interpreter: No such file or directory")
    hits = match_text(locate_error(ev), ev)
    before = {id(h): h.score for h in hits}
    prefer_specific(hits)
    lowered = {h.category for h in hits if h.score < before[id(h)]}
    assert lowered == {Category.MISSING_INPUT}
    # A broad pattern that happens to span more of the line is not more specific: the
    # credentials code inside "...does not exist in our records" keeps its score.
    line = (
        "botocore.exceptions.ClientError: An error occurred (InvalidAccessKeyId) when calling "
        "the GetObject operation: The AWS Access Key Id you provided does not exist in our records."
    )
    ev2 = Evidence(text=line)
    loc2 = locate_error(ev2)
    hits2 = match_exceptions(loc2, ev2) + match_text(loc2, ev2)
    auth = {id(h): h.score for h in hits2 if h.category is Category.AUTH_FAILURE}
    prefer_specific(hits2)
    assert auth and all(h.score == auth[id(h)] for h in hits2 if id(h) in auth)


def _sig(sig_id: str) -> object:
    return next(s for s in SIGNATURES if s.id == sig_id)


def test_root_cause_rule_turns_weak_code_error_on_empty_input_into_missing_input() -> None:
    ev = Evidence(text="loaded 0 rows from source\nZeroDivisionError: division by zero")
    loc = locate_error(ev)
    exc = loc.root
    weak = _Hit(_sig("zero_division"), Category.CODE_ERROR, 0.7, "div", ["x"], exc=exc)  # type: ignore[arg-type]
    out = apply_root_cause_rules([weak], [], loc, ev)
    added = [h for h in out if h.category is Category.MISSING_INPUT]
    assert added and added[0].score > weak.score
    assert "0 rows" in added[0].cause


def test_alternatives_and_rank() -> None:
    sig = next(s for s in SIGNATURES if s.also)
    hit = _Hit(sig, sig.category, 0.8, "c", ["line"])
    hits = add_alternatives([hit])
    assert len(hits) == 1 + len(sig.also)
    ranked = rank(hits)
    assert ranked[0].category is sig.category and ranked[0].score == 0.8
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_build_candidates_says_unknown_when_nothing_convinces() -> None:
    ev = Evidence(text="all good\nfinished")
    loc = locate_error(ev)
    cands = build_candidates([], loc, ev)
    assert cands[0].category is Category.UNKNOWN and cands[0].evidence == ["finished"]


def test_build_report_uses_the_one_fingerprint() -> None:
    ev = Evidence(
        kind=Kind.STEP_FAILURE,
        job="j",
        step="s",
        exceptions=[
            ExceptionInfo(
                type="KeyError",
                message="'A'",
                frames=[Frame(file="/app/x.py", line=3, code="os.environ['A']", is_user=True)],
            )
        ],
    )
    loc = locate_error(ev)
    hits = match_exceptions(loc, ev)
    ranked = rank(hits)
    rep = build_report(ev, loc, ranked, build_candidates(ranked, loc, ev), ev.kind, [])
    assert rep.fingerprint == fingerprint(ev)
    assert rep.failing_location is not None and rep.failing_location.line == 3
    assert rep.category is Category.CONFIG_ERROR
    assert any(e.startswith("exception chain (1)") for e in examined_of(ev, loc))


def test_the_deepest_jvm_cause_is_the_root() -> None:
    text = (
        "org.apache.spark.SparkException: Job aborted due to stage failure\n"
        "\tat org.apache.spark.scheduler.DAGScheduler.abortStage(DAGScheduler.scala:2608)\n"
        "Caused by: java.sql.SQLException: wrapped\n"
        "Caused by: org.postgresql.util.PSQLException: ERROR: permission denied for table t\n"
        "\t... 12 more\n"
    )
    loc = locate_error(Evidence(text=text))
    assert loc.root is not None and loc.root.type == "org.postgresql.util.PSQLException"
    assert [e.type.rsplit(".", 1)[-1] for e in loc.judged] == [
        "PSQLException",
        "SQLException",
        "SparkException",
    ]


def test_the_deepest_jvm_cause_leads_under_a_per_line_prefix() -> None:
    ts = "2026-12-01T10:00:01.1Z "
    text = (
        f"{ts}org.apache.spark.SparkException: Job aborted due to stage failure\n"
        f"{ts}\tat org.apache.spark.scheduler.DAGScheduler.abortStage(DAGScheduler.scala:2608)\n"
        f"{ts}Caused by: java.io.FileNotFoundException: File does not exist: /raw/p.parquet\n"
    )
    loc = locate_error(Evidence(text=text))
    assert loc.root is not None and loc.root.type == "java.io.FileNotFoundException"


def test_a_reread_line_does_not_corroborate_its_own_wordings() -> None:
    first = _Hit(_sig("auth_msg"), Category.AUTH_FAILURE, 0.9, "a", ["x"])  # type: ignore[arg-type]
    second = _Hit(_sig("db_login_failed"), Category.AUTH_FAILURE, 0.7, "b", ["x"])  # type: ignore[arg-type]
    reread = _Hit(_sig("http_401"), Category.AUTH_FAILURE, 0.7, "c", ["x"], reread=True)  # type: ignore[arg-type]
    assert rank([first, reread])[0].score == 0.9
    assert rank([first, second])[0].score > 0.9


REFUSED = (
    "requests.exceptions.ConnectionError: HTTPConnectionPool(host='10.0.0.7', port=5433): Max "
    "retries exceeded with url: /health (Caused by NewConnectionError('Failed to establish a new "
    "connection: [Errno 111] Connection refused'))"
)


TRACED_REFUSED = f"""Traceback (most recent call last):
  File "/app/pipelines/resources.py", line 22, in setup_for_execution
    requests.get(f"{{self.url}}/health", timeout=5).raise_for_status()
{REFUSED}
"""


def _since_success(*changes: ConfigChange) -> PreviousSuccess:
    return PreviousSuccess(run_id="a1b2c3d4e5f6", end_time=1_764_000_000.0, config_changes=changes)


def test_a_changed_value_named_by_the_failure_leads() -> None:
    change = ConfigChange(path="resources.api.config.port", before="5432", after="5433")
    rep = analyze(Evidence(text=REFUSED, previous_success=_since_success(change)))
    assert rep.category is Category.CONFIG_ERROR
    assert rep.top is not None and rep.top.confidence >= 0.75
    assert rep.top.evidence[0] in REFUSED and "port=5433" in rep.top.evidence[0]
    assert "resources.api.config.port: 5432 -> 5433" in rep.top.evidence[1]
    assert [c.category for c in rep.candidates][1] is Category.DEPENDENCY_UNAVAILABLE
    assert any("run config changed since in 1 place" in n for n in rep.notes)
    # The fix points at the value, not at the code that read it.
    traced = analyze(Evidence(text=TRACED_REFUSED, previous_success=_since_success(change)))
    assert traced.fix_suggestion is not None
    assert "check resources.api.config.port: it changed" in traced.fix_suggestion


def test_a_change_the_failure_does_not_name_is_only_an_alternative() -> None:
    change = ConfigChange(path="ops.load.config.batch_size", before="500", after="1000")
    rep = analyze(Evidence(text=REFUSED, previous_success=_since_success(change)))
    assert rep.category is Category.DEPENDENCY_UNAVAILABLE
    alt = next(c for c in rep.candidates if c.category is Category.CONFIG_ERROR)
    assert "ops.load.config.batch_size" in alt.cause
    assert alt.confidence < rep.candidates[0].confidence
    # The evidence shows what changed, not only where.
    assert alt.evidence == [
        "run config ops.load.config.batch_size: 500 -> 1000 since the last success (run a1b2c3d4)"
    ]


def test_no_change_or_no_config_surface_leaves_the_diagnosis_alone() -> None:
    plain = analyze(Evidence(text=REFUSED))
    same = analyze(Evidence(text=REFUSED, previous_success=_since_success()))
    assert plain.category is same.category is Category.DEPENDENCY_UNAVAILABLE
    assert [c.category for c in plain.candidates] == [c.category for c in same.candidates]
    assert any("same run config" in n for n in same.notes)
    # A programming error is not a configuration question, whatever changed.
    change = ConfigChange(path="ops.load.config.divisor", before="2", after="1000")
    code = "Traceback (most recent call last):\nZeroDivisionError: division by zero (1000)"
    rep = analyze(Evidence(text=code, previous_success=_since_success(change)))
    assert rep.category is Category.CODE_ERROR
