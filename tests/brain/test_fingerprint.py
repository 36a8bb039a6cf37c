"""One fingerprint for brain, store and reports."""

from __future__ import annotations

from sentinel_brain.analyzers import analyze
from sentinel_brain.diagnose import diagnose
from sentinel_brain.fingerprint import fingerprint
from sentinel_brain.models import Evidence, ExceptionInfo, Kind


def test_evidence_form_equals_the_parts_the_store_hashed() -> None:
    # The incident store hashed (target, step, root type or kind, root message or text).
    health = Evidence(kind=Kind.STALE_ASSET, asset="orders", text="Asset orders is stale\n\nx")
    assert fingerprint(health) == fingerprint(
        target="orders", step=None, error_type="stale_asset", message=health.text[:300]
    )
    failure = Evidence(
        job="etl", step="load", exceptions=[ExceptionInfo(type="KeyError", message="'a'")]
    )
    assert fingerprint(failure) == fingerprint(
        target="etl", step="load", error_type="KeyError", message="'a'"
    )


def test_report_and_incident_share_the_fingerprint() -> None:
    ev = Evidence(
        kind=Kind.STEP_FAILURE,
        job="etl",
        step="load",
        text='Traceback (most recent call last):\n  File "/app/a.py", line 1, in f\n'
        "    x()\nValueError: password=hunter2 rejected by run 1234",
    )
    from sentinel_brain.evidence import from_text

    parsed = from_text(ev.text).model_copy(update={"job": "etl", "step": "load"})
    assert analyze(parsed).fingerprint == fingerprint(parsed)
    # diagnose redacts before analysing, but the fingerprint is the evidence's own.
    assert diagnose(parsed).fingerprint == fingerprint(parsed)


def test_variable_parts_do_not_split_and_odd_text_does_not_crash() -> None:
    a = Evidence(job="j", exceptions=[ExceptionInfo(type="E", message="row 12 at 10.0.0.1")])
    b = Evidence(job="j", exceptions=[ExceptionInfo(type="E", message="row 99 at 10.0.0.7")])
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(Evidence(text="bad \udcff bytes"))
