"""End to end on a real Dagster instance through the hook: a failure with a matching runbook
and a correlated Alertmanager alert produces a Slack report (loopback Slack) citing both."""

from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel.alerts import handle_alertmanager
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.reporting import RCA_ASSET_KEY
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.similar import resolve_with_note
from pipelines.demo.etl import demo_etl
from tests.fakes.slack_server import FakeSlack

CORPUS = Path(__file__).parent / "runbooks"

TEAM_RUNBOOK = """\
# FX rates

The FX-rate service answers `GET /v1/rates`; `demo_etl` reads it in `extract_data`.

## FX-rate API refuses connections

Symptoms: `urlopen error [Errno 111] Connection refused` in extract_data. The FX-rate
service is down or being redeployed; check the `FxRatesApiDown` alert, wait for the deploy to
finish, then re-run the failed run from the Dagster UI.

## Stale FX rates

Symptoms: the rates are older than a day. Ask the treasury team to restart the feed.
"""


def _alert(now: float) -> bytes:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 180))
    return json.dumps(
        {
            "version": "4",
            "status": "firing",
            "receiver": "sentinel",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "FxRatesApiDown", "instance": "127.0.0.1:9"},
                    "annotations": {"summary": "FX-rate API is not answering"},
                    "startsAt": started,
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": "fx1",
                },
                {
                    "status": "firing",
                    "labels": {"alertname": "UnrelatedDiskSpace", "instance": "batch-9:9100"},
                    "startsAt": started,
                    "endsAt": "0001-01-01T00:00:00Z",
                },
            ],
        }
    ).encode()


def test_report_cites_the_runbook_and_the_alert(
    instance: dg.DagsterInstance,
    slack_env: FakeSlack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = tmp_path / "team-runbooks"
    team.mkdir()
    (team / "fx-rates.md").write_text(TEAM_RUNBOOK)
    monkeypatch.setenv("SENTINEL_RUNBOOKS", f"{CORPUS},{team}")
    settings = sentinel_for(SentinelConfig(), instance).settings
    status, _ = handle_alertmanager(_alert(time.time()), {}, settings)
    assert status == 200

    result = demo_etl.execute_in_process(
        instance=instance,
        run_config={"ops": {"extract_data": {"config": {"scenario": "api_down"}}}},
        raise_on_error=False,
    )
    assert not result.success

    [top] = slack_env.top_level()
    text = json.dumps(top.body["blocks"])
    assert "fx-rates.md" in text and "FX-rate API refuses connections" in text
    assert "FxRatesApiDown" in text and "the failure names its instance" in text
    assert "UnrelatedDiskSpace" in text.split("FxRatesApiDown", 1)[1]  # ranked below
    # The alert is the top candidate's evidence.
    root_cause = next(b for b in top.body["blocks"] if "*Evidence*" in json.dumps(b))
    assert "alert FxRatesApiDown has been firing since" in root_cause["text"]["text"]

    event = instance.get_latest_materialization_event(RCA_ASSET_KEY)
    report_md = event.asset_materialization.metadata["report"].value
    assert "## Runbooks" in report_md and "FX-rate API refuses connections" in report_md
    assert "## Alerts and anomalies before the failure" in report_md
    assert "## Similar past incidents" not in report_md  # first of its kind: no filler

    # The resolution edit keeps the context.
    s = sentinel_for(SentinelConfig(), instance)
    [resolved] = s.store.resolve(target="demo_etl", run_id="fixrun01")
    s.notify_resolved(resolved, "fixrun01")
    [update] = slack_env.messages("chat.update")
    edited = json.dumps(update.body["blocks"])
    assert "Resolved" in edited and "FX-rate API refuses connections" in edited


def test_green_context_sources_do_not_change_an_unrelated_report(
    instance: dg.DagsterInstance, slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default demo failure (a code bug) gets no alert evidence and no filler sections."""
    monkeypatch.setenv("SENTINEL_RUNBOOKS", str(CORPUS))
    result = demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    [top] = slack_env.top_level()
    text = json.dumps(top.body["blocks"])
    assert "Alerts and anomalies" not in text and "Similar past incidents" not in text
    # The corpus does answer a division by zero in an aggregate.
    assert "Division by zero in aggregates" in text


def test_a_recurring_failure_shows_the_past_incident_and_its_resolution_note(
    instance: dg.DagsterInstance, slack_env: FakeSlack
) -> None:
    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    s = sentinel_for(SentinelConfig(), instance)
    [past] = s.store.all()
    note = (
        "ZeroDivisionError: a region with no orders; guarded the denominator in average_by_region"
    )
    resolve_with_note(s.settings.database_url, past.id, note, "alice")

    demo_etl.execute_in_process(instance=instance, raise_on_error=False)
    top = slack_env.top_level()
    assert len(top) == 2
    text = json.dumps(top[1].body["blocks"])
    assert "Similar past incidents" in text and past.id in text
    assert "resolved by alice" in text and "guarded the denominator" in text
    # The past resolution is cited as evidence of the matching cause.
    thread = json.dumps([c.body for c in slack_env.replies()])
    assert f"incident {past.id}" in thread
