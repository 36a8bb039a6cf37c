"""The vocabulary model: categories read from words when no catalog wording matches."""

from __future__ import annotations

import pytest

from sentinel_brain.analyzers import _UNKNOWN_BELOW, analyze
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Category
from sentinel_brain.signatures import SIGNATURES
from sentinel_brain.vocabulary import (
    FIRST_STEP,
    Vocabulary,
    catalog_vocabulary,
    entry_document,
    features,
    stem,
    tokens,
    words,
)


def test_words_split_camel_case_and_drop_stop_words() -> None:
    assert words("AccessDeniedException: the S3Bucket is HTTPServerError") == [
        "access",
        "denied",
        "exception",
        "bucket",
        "http",
        "server",
        "error",
    ]
    assert "time_limit" in features("job cancelled due to time limit")


def test_tokens_are_stems_so_inflections_are_one_word() -> None:
    assert tokens("refused refusing refuses") == [stem("refused")] * 3
    assert tokens("exceeded exceeds exceeding") == [stem("exceed")] * 3
    assert tokens("AccessDeniedException") == ["access", stem("denied"), stem("exception")]
    assert "time_limit" in features("time limits")


def test_cue_words_are_quoted_as_the_line_spells_them() -> None:
    line = "deadlocks detected between writers"  # the catalog says "deadlock"
    found = catalog_vocabulary(_UNKNOWN_BELOW).match([line])
    assert found is not None and found.ranked[0][0] is Category.CONCURRENCY
    assert "deadlocks" in found.cues  # not the stem "deadlock"
    assert all(c in line for c in found.cues)


def test_paths_urls_and_package_names_are_not_words_of_the_failure() -> None:
    line = (
        "ERR file=/home/runner/work/app/internal/copy.go url=https://example.com/a/b "
        "org.apache.kafka.connect.errors.ConnectException: disk full"
    )
    assert words(line) == ["err", "file", "url", "connect", "exception", "disk", "full"]


def test_entry_documents_spell_every_word_of_a_pattern() -> None:
    sig = next(s for s in SIGNATURES if s.id == "http_read_timeout")
    spelled = set(tokens(entry_document(sig)))
    assert {stem(w) for w in ("read", "timed", "out", "connect", "timeout", "endpoint")} <= spelled


# One word per category, repeated across its entries; "request failed" is in every entry.
_CUE_OF = {
    Category.CODE_ERROR: "attribute",
    Category.SCHEMA_MISMATCH: "column",
    Category.DATA_QUALITY: "null",
    Category.MISSING_INPUT: "absent",
    Category.DEPENDENCY_UNAVAILABLE: "refused",
    Category.TIMEOUT: "deadline",
    Category.RATE_LIMITED: "throttled",
    Category.AUTH_FAILURE: "password",
    Category.PERMISSION_DENIED: "denied",
    Category.RESOURCE_EXHAUSTION: "memory",
    Category.CONFIG_ERROR: "setting",
    Category.ENVIRONMENT: "module",
    Category.CONCURRENCY: "deadlock",
    Category.INFRASTRUCTURE: "node",
}


def _toy() -> Vocabulary:
    docs = [
        (cat, f"{word} request failed, case {i}", None)
        for cat, word in _CUE_OF.items()
        for i in range(5)
    ]
    docs.append((Category.PERMISSION_DENIED, "bucket", None))
    return Vocabulary(docs)


def test_a_cue_word_decides_and_the_line_holding_it_is_quoted() -> None:
    found = _toy().match(["step started", "upload failed: deadline reached", "step ended"])
    assert found is not None
    assert found.ranked[0][0] is Category.TIMEOUT
    assert "deadline" in found.cues
    assert found.line == "upload failed: deadline reached"
    assert _toy().match(["upload failed: deadline reached"], min_cues=2) is None
    assert sum(p for _, p in found.ranked) == pytest.approx(1.0)


def test_words_every_category_shares_decide_nothing() -> None:
    # "failed" and "request" occur under every category: no cue, so no answer.
    assert _toy().match(["request failed"]) is None
    assert _toy().match([]) is None
    assert _toy().match(["   "]) is None


def test_a_word_of_one_entry_only_is_not_a_cue() -> None:
    # "bucket" is in a single entry: a system's word, not the category's.
    assert _toy().match(["bucket"]) is None


def test_the_catalog_vocabulary_reads_its_own_causes_back() -> None:
    """Each entry's cause, read alone, ranks the entry's category in the top three for
    the great majority of entries (a self-consistency check of the model)."""
    vocab = catalog_vocabulary(_UNKNOWN_BELOW)
    entries = [
        s
        for s in SIGNATURES
        if s.category is not Category.UNKNOWN and not s.generic and s.confidence >= _UNKNOWN_BELOW
    ]
    top3 = sum(
        1 for s in entries if s.category in [c for c, _ in vocab.posterior(features(s.cause))[:3]]
    )
    assert len(entries) > 200
    assert top3 / len(entries) >= 0.8
    # Non-diagnostic entries (a bare status) and generic wrappers teach it nothing.
    low = next(s for s in SIGNATURES if s.confidence < _UNKNOWN_BELOW)
    assert entry_document(low)
    assert all(c is not Category.UNKNOWN for c in vocab.categories)


def test_analyze_reads_an_unmatched_failure_line_by_its_words() -> None:
    text = "ERROR: render worker ran past its time limit and was cancelled"
    report = analyze(from_text(text))
    assert report.category is Category.TIMEOUT
    assert not report.degraded
    top = report.candidates[0]
    assert top.confidence <= 0.45
    assert top.evidence == [text]
    assert "time limit" in top.cause
    assert top.remediation[0] == FIRST_STEP[Category.TIMEOUT]
    assert top.remediation[1].startswith("If it is that case: ")
    assert len({c.category for c in report.candidates[:3]}) == 3
    assert report.candidates[-1].category is Category.UNKNOWN
    assert any("inferred from the words" in n for n in report.notes)


def test_a_short_text_handed_over_as_the_failure_is_read_on_two_cues() -> None:
    # No level, no failure word: a failure event's one-line message.
    text = "export of batch 7 gave up: heap usage above the configured memory limit"
    report = analyze(from_text(text))
    assert report.category is Category.RESOURCE_EXHAUSTION
    assert report.candidates[0].evidence == [text]


def test_a_generic_exception_class_does_not_stop_its_message_being_read() -> None:
    # `RuntimeError`/`Exception` match only the catalog's class-only fallback
    # (runtime_error_plain, generic): that is no judgement of the text, so the message's
    # words still decide, and the fallback's guess stays among the candidates.
    text = "RuntimeError: deadline passed while waiting on the widget store"
    report = analyze(from_text(text))
    assert report.category is Category.TIMEOUT
    assert any("inferred from the words" in n for n in report.notes)
    assert analyze(from_text("RuntimeError: something went wrong")).category is Category.UNKNOWN


def test_a_line_that_names_no_cause_does_not_outvote_the_one_that_does() -> None:
    # The trailer's words ("terminating", "status") are not cue words of any category:
    # they do not vote, so the lock line decides.
    text = "could not get the lock for widget store (timeout)\nterminating with error status, rc 2"
    report = analyze(from_text(text))
    assert report.category is Category.CONCURRENCY
    assert report.candidates[0].evidence == [text.splitlines()[0]]


def test_weak_cue_words_decide_only_two_at_a_time() -> None:
    # "heap" and "spill": each in two entries of one category and none elsewhere, too
    # few for a cue under full smoothing, enough under the weak rule's lighter one.
    docs = [
        (c, f"{w} request failed, case {i}", None) for c, w in _CUE_OF.items() for i in range(5)
    ]
    docs += [(Category.RESOURCE_EXHAUSTION, "heap spill", None)] * 2
    vocab = Vocabulary(docs)
    assert not vocab.is_cue("heap", Category.RESOURCE_EXHAUSTION)
    assert vocab.is_weak_cue("heap", Category.RESOURCE_EXHAUSTION)
    found = vocab.match(["worker heap spill"])
    assert found is not None and found.ranked[0][0] is Category.RESOURCE_EXHAUSTION
    assert set(found.cues) >= {"heap", "spill"}
    assert vocab.match(["worker heap grew"]) is None  # one weak cue decides nothing
    assert vocab.match(["worker heap spill"], weak=False) is None
    # The same through the analyzers, on the packaged catalog.
    report = analyze(from_text("ERROR widget cache: heap usage above the free pool"))
    assert report.category is Category.RESOURCE_EXHAUSTION


def test_words_that_report_a_run_ending_are_never_cues() -> None:
    vocab = catalog_vocabulary(_UNKNOWN_BELOW)
    for word in ("exit", "exited", "status", "process", "task", "job", "step", "command", "worker"):
        assert not any(
            vocab.is_cue(word, c) or vocab.is_weak_cue(word, c) for c in vocab.categories
        )


def test_code_is_not_a_word_of_the_failure() -> None:
    # An exit, status or error code, not source code.
    assert "code" not in tokens("npm ERR! code ELIFECYCLE")
    assert analyze(from_text("npm ERR! code ELIFECYCLE")).category is Category.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "pipeline finished",  # one cue word ("pipeline") is not enough without a failure
        "backfill complete for 2024-01-01",
        "INFO heap usage above the configured memory limit",  # routine level: not a failure
        "job 17 failed with exit status 1",
        'Error occurred while executing op "reconcile"',
        "Container grafana is waiting: CrashLoopBackOff",  # judged non-diagnostic by the catalog
        "2026-11-25 03:56:52,755 INFO orders_etl - run complete",
    ],
)
def test_text_without_a_cause_stays_unknown(text: str) -> None:
    report = analyze(from_text(text))
    assert report.category is Category.UNKNOWN
    assert not any("inferred from the words" in n for n in report.notes)


def test_a_catalog_wording_still_outranks_the_vocabulary() -> None:
    report = analyze(from_text("psycopg2.OperationalError: FATAL:  password authentication failed"))
    assert report.category is Category.AUTH_FAILURE
    assert report.candidates[0].confidence > 0.45
    assert not any("inferred from the words" in n for n in report.notes)


def test_every_category_has_a_first_step() -> None:
    assert set(FIRST_STEP) == {c for c in Category if c is not Category.UNKNOWN}


def test_a_weak_wording_yields_to_two_cue_words_of_another_category() -> None:
    text = "ERROR batch 9: heap usage of the sort buffer exceeds the limit (memory 12 GB of 8 GB)"
    report = analyze(from_text(text))
    # The broad data-quality keyword ("exceeds the limit") matched; the words say memory.
    assert [c.category for c in report.candidates[:2]] == [
        Category.RESOURCE_EXHAUSTION,
        Category.DATA_QUALITY,
    ]
    assert report.candidates[0].evidence == [text]
    assert report.candidates[0].confidence < 0.75
    assert any("matched wording is a weak one" in n for n in report.notes)


def test_a_weak_wording_the_words_agree_with_stays() -> None:
    report = analyze(from_text("ERROR: value exceeds the threshold for column amount"))
    assert report.category is Category.DATA_QUALITY
    assert not any("matched wording is a weak one" in n for n in report.notes)


def test_a_strong_wording_is_never_overruled() -> None:
    text = "ERROR: canceling statement due to statement timeout; memory heap limit"
    report = analyze(from_text(text))
    assert report.category is Category.TIMEOUT
    assert report.candidates[0].confidence >= 0.75


# Failure statements that name no cause: a step or job failed, an exit status, a generic
# exception class, a retry. Written for this test, in the shapes CI systems, shells,
# orchestrators and runtimes print them.
_NO_CAUSE = [
    "Step 'load' failed.",
    "Run failed: 1 step failed",
    "Process exited with code 1",
    "Task exited with return code 1",
    "ERROR: Job failed: exit code 1",
    "Error: Process completed with exit code 2.",
    "make: *** [Makefile:12: build] Error 2",
    (
        "npm ERR! code ELIFECYCLE\nnpm ERR! errno 1\nnpm ERR! app@1.0.0 start: `node "
        "index.js`\nnpm ERR! Exit status 1"
    ),
    "The command '/bin/sh -c ./run.sh' returned a non-zero code: 1",
    "subprocess.CalledProcessError: Command '['bash', 'run.sh']' returned non-zero exit status 2.",
    (
        "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while "
        'executing op "load"'
    ),
    "Exception: Something went wrong",
    "RuntimeError: failed",
    "java.lang.RuntimeException: Task failed",
    "FATAL: unexpected error",
    "Error: undefined",
    "ERROR [main] Application run failed",
    "Job aborted.",
    "Pod status: Error",
    "Task instance failed; marking as FAILED",
    "Sync failed",
    (
        'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    '
        "main()\nMyAppError"
    ),
    "Unhandled exception",
    (
        'ERROR: failed to solve: process "/bin/sh -c pip install -r requirements.txt" did '
        "not complete successfully: exit code: 1"
    ),
    "2024-05-01 10:00:00 ERROR worker-3 job 8812 failed after 3 attempts",
    'Execution of step "transform" failed.',
    'level=error msg="reconcile failed" controller=app',
    "E0501 10:00:00.000000       1 controller.go:114] error syncing 'default/app': failed",
    "WARN: retrying request (attempt 2 of 5)",
    (
        "2024-05-01 10:00:00,123 INFO Starting job nightly\n2024-05-01 10:05:00,456 INFO Job "
        "nightly finished in 300s"
    ),
    "Build step 'Execute shell' marked build as failure",
    "##[error]Bash exited with code '1'.",
    "Error: Command failed: ./deploy.sh",
    "panic: something bad happened\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x39",
    (
        "org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage "
        "1.0 failed 4 times"
    ),
]


def test_statements_that_name_no_cause_are_not_given_one() -> None:
    guessed = [
        t
        for t in _NO_CAUSE
        if any(
            "inferred from the words" in n or "weak one" in n for n in analyze(from_text(t)).notes
        )
    ]
    assert not guessed, guessed
    assert all(analyze(from_text(t)).category is Category.UNKNOWN for t in _NO_CAUSE)


def test_base_exception_classes_are_not_words_of_the_failure() -> None:
    assert words("java.lang.RuntimeException: Task failed") == ["task", "failed"]
    assert words("RuntimeError: boom") == ["boom"]
    assert "runtime" in words("the Lambda runtime python3.8 is deprecated")
