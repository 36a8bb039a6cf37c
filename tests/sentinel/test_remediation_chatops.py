"""Remediation in the ChatOps app over real HTTP (signed Slack requests to the real server,
loopback Slack, real store) and in the CLI. Dagster is a closed loopback port here; the
launches themselves are covered in tests/e2e/test_selfheal.py."""

from __future__ import annotations

import json

import pytest

from dagster_sentinel import selfheal
from dagster_sentinel.actions import ACTION_ID
from dagster_sentinel.cli import main
from dagster_sentinel.incidents import Incident
from dagster_sentinel.remediation_chatops import APPROVE_ACTION
from dagster_sentinel.remediation_store import RemediationStore
from dagster_sentinel.serve import ChatOps
from dagster_sentinel.timeline import TimelineStore
from sentinel_brain.models import Evidence, Report
from tests.fakes.slack_app import SlackSigner, block_action
from tests.fakes.slack_server import FakeSlack
from tests.sentinel.test_serve import (  # noqa: F401 - fixtures
    APPROVER,
    VIEWER,
    incident,
    ops,
    signer,
    wait_until,
)


def _ephemerals(slack: FakeSlack, user: str) -> list[str]:
    return [c.body["text"] for c in slack.messages("chat.postEphemeral") if c.body["user"] == user]


def _schedule(ops: ChatOps, incident: Incident) -> str:  # noqa: F811
    report = Report.model_validate_json(incident.report_json or "")
    evidence = Evidence.model_validate_json(incident.evidence_json or "")
    decision = selfheal.after_report(
        ops.sentinel,
        None,
        incident,
        report,
        evidence,
        incident.last_run_id,
        {"sentinel/auto_retry": "true"},
    )
    assert decision is not None and decision.outcome == "schedule"
    rows = RemediationStore(ops.settings.database_url).chain(incident.last_run_id or "")
    return rows[0].key


def test_the_report_offers_the_catalog_actions_that_fit(
    incident: Incident,  # noqa: F811
    slack_env: FakeSlack,
) -> None:
    top = slack_env.top_level()[0].body
    blocks = [b for b in top["blocks"] if b.get("block_id") == "sentinel_remediation_actions"]
    assert len(blocks) == 1
    buttons = {e["action_id"]: e["value"] for e in blocks[0]["elements"]}
    assert buttons == {f"{ACTION_ID}:reexecute_all_steps": f"{incident.id}|reexecute_all_steps"}
    legend = json.dumps(top["blocks"])
    assert "Re-execute all steps: medium risk, approve" in legend


def test_cancel_button_cancels_the_scheduled_retry(
    ops: ChatOps,  # noqa: F811
    incident: Incident,  # noqa: F811
    signer: SlackSigner,  # noqa: F811
    slack_env: FakeSlack,
) -> None:
    key = _schedule(ops, incident)
    plan = [c.body for c in slack_env.replies() if "re-executing from failure" in c.body["text"]]
    assert plan and plan[0]["blocks"][1]["elements"][0]["value"] == key

    assert signer.interactive(block_action(selfheal.CANCEL, VIEWER, value=key)).status_code == 200
    wait_until(lambda: _ephemerals(slack_env, VIEWER))
    assert _ephemerals(slack_env, VIEWER) == ["Canceled automatic retry attempt 1."]
    store = RemediationStore(ops.settings.database_url)
    assert store.get(key).status == "canceled"  # type: ignore[union-attr]
    edited = wait_until(
        lambda: [
            c.body for c in slack_env.messages("chat.update") if "canceled" in json.dumps(c.body)
        ]
    )
    assert "Cancel" not in json.dumps(edited[-1]["blocks"])  # no button once canceled
    entries = TimelineStore(ops.settings.database_url).entries(incident.id)
    assert (VIEWER, "auto_retry", "canceled") in [(e.actor, e.action, e.result) for e in entries]

    # A second click is "too late"; a forged value is refused and changes nothing.
    signer.interactive(block_action(selfheal.CANCEL, VIEWER, value=key))
    signer.interactive(block_action(selfheal.CANCEL, VIEWER, value="retry:../../x:1 OR 1=1"))
    wait_until(lambda: len(_ephemerals(slack_env, VIEWER)) == 3)
    answers = _ephemerals(slack_env, VIEWER)
    assert answers[1].startswith("Too late to cancel") and "not an automatic retry" in answers[2]


def test_catalog_action_asks_the_approvers_and_reports_dagster_down(
    ops: ChatOps,  # noqa: F811
    incident: Incident,  # noqa: F811
    signer: SlackSigner,  # noqa: F811
    slack_env: FakeSlack,
) -> None:
    value = f"{incident.id}|reexecute_all_steps"
    signer.interactive(block_action(f"{ACTION_ID}:reexecute_all_steps", VIEWER, value=value))
    wait_until(lambda: _ephemerals(slack_env, VIEWER))
    assert "needs an approver; I asked them in the thread" in _ephemerals(slack_env, VIEWER)[0]
    request = wait_until(
        lambda: [c.body for c in slack_env.replies() if "Approval requested" in c.body["text"]]
    )[0]
    button = request["blocks"][1]["elements"][0]
    assert button["action_id"] == APPROVE_ACTION
    assert button["value"] == f"{incident.id}|reexecute_all_steps|{VIEWER}"
    assert f"<@{APPROVER}>" in request["blocks"][0]["text"]["text"]
    # Only an approver's click counts; the viewer's own is refused and recorded.
    signer.interactive(block_action(APPROVE_ACTION, VIEWER, value=button["value"]))
    wait_until(lambda: len(_ephemerals(slack_env, VIEWER)) == 2)
    assert _ephemerals(slack_env, VIEWER)[1] == "Only approvers can approve a remediation action."
    signer.interactive(block_action(APPROVE_ACTION, APPROVER, value=button["value"]))
    wait_until(lambda: _ephemerals(slack_env, APPROVER))
    assert "Dagster" in _ephemerals(slack_env, APPROVER)[0]
    # Nothing ran, so nothing is claimed: the action can be tried again later.
    assert TimelineStore(ops.settings.database_url).reexecution(incident.last_run_id or "") is None
    results = [
        (e.actor, e.action, e.result)
        for e in TimelineStore(ops.settings.database_url).entries(incident.id)
    ]
    assert (VIEWER, "reexecute_all_steps", "approval_requested") in results
    assert (VIEWER, "reexecute_all_steps", "forbidden") in results
    assert (APPROVER, "reexecute_all_steps", "error") in results
    # A forged approval value is refused before anything is looked up.
    signer.interactive(block_action(APPROVE_ACTION, APPROVER, value=f"{incident.id}|rm -rf|U1"))
    wait_until(lambda: len(_ephemerals(slack_env, APPROVER)) == 2)
    assert "not an action" in _ephemerals(slack_env, APPROVER)[1]


def test_cli_lists_and_runs_actions(
    ops: ChatOps,  # noqa: F811
    incident: Incident,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["actions", "list", incident.id]) == 0
    listed = capsys.readouterr().out
    assert "reexecute_from_failure" in listed and "reexecute_all_steps" in listed
    assert "low" in listed and "approve" in listed
    assert main(["actions", "run", incident.id, "nonsense"]) == 2
    assert "unknown action" in capsys.readouterr().err
    # The CLI operator's command is the approval; Dagster is down here: exit 1, said so.
    assert main(["actions", "run", incident.id, "reexecute_from_failure", "--user", "ops1"]) == 1
    assert "Dagster" in capsys.readouterr().out
    entries = TimelineStore(ops.settings.database_url).entries(incident.id)
    assert ("cli:ops1", "reexecute_from_failure", "error") in [
        (e.actor, e.action, e.result) for e in entries
    ]
    assert main(["actions", "list", "20990101-000000-deadbeef-0000"]) == 2
