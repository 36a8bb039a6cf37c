"""`sentinel serve` over real HTTP: signed Slack requests to the real uvicorn server, a
loopback Slack, the real store. Dagster is a closed loopback port here (unreachable); the
runs it launches are covered end to end in tests/e2e/test_chatops.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dagster_sentinel.chatops import ACK, MUTE, REEXECUTE, RESOLVE
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.incidents import Failure, Incident
from dagster_sentinel.reporting import post_key
from dagster_sentinel.serve import ChatOps
from dagster_sentinel.timeline import TimelineStore
from sentinel_brain.diagnose import diagnose
from sentinel_brain.evidence import from_text
from tests.fakes.slack_app import (
    SIGNING_SECRET,
    SlackSigner,
    block_action,
    free_port,
    running_server,
    view_submission,
)
from tests.fakes.slack_server import FakeSlack

APPROVER = "UAPPROVER1"
GROUP_MEMBER = "UGROUPMEM1"
VIEWER = "UVIEWER001"

TRACEBACK = """Traceback (most recent call last):
  File "/app/pipelines/rates.py", line 12, in fetch_rates
    with urlopen(url) as resp:
ConnectionRefusedError: [Errno 111] Connection refused
"""


def wait_until(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def ops(slack_env: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatOps]:
    slack_env.usergroups = {"SAPPROVERS": [GROUP_MEMBER]}
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SENTINEL_SLACK_APPROVERS", f"{APPROVER},SAPPROVERS")
    # Nothing listens there: Dagster is down.
    monkeypatch.setenv("SENTINEL_DAGSTER_URL", f"http://127.0.0.1:{free_port()}")
    chat = ChatOps(SentinelConfig.from_env(), watch_interval_s=0.2)
    yield chat
    chat.dagster.close()


@pytest.fixture
def incident(ops: ChatOps) -> Incident:
    """A failure reported to Slack as Sentinel reports it (message sent, ts stored)."""
    reg = ops.sentinel.store.register(
        Failure(
            fingerprint="f" * 16,
            target="rates_job",
            job="rates_job",
            step="fetch_rates",
            title="ConnectionRefusedError in fetch_rates",
            run_id="a" * 36,
        )
    )
    evidence = from_text(TRACEBACK)
    ops.sentinel.record(None, reg.incident, evidence, diagnose(evidence), runless=False)
    assert ops.message_location(reg.incident.id) is not None
    found = ops.sentinel.store.get(reg.incident.id)
    assert found is not None
    return found


@pytest.fixture
def signer(ops: ChatOps) -> Iterator[SlackSigner]:
    with running_server(ops) as base:
        yield SlackSigner(base)


def _updates(slack: FakeSlack) -> list[dict[str, Any]]:
    return [c.body for c in slack.messages("chat.update")]


def _ephemerals(slack: FakeSlack, user: str) -> list[str]:
    return [c.body["text"] for c in slack.messages("chat.postEphemeral") if c.body["user"] == user]


def test_the_report_carries_the_incident_buttons(incident: Incident, slack_env: FakeSlack) -> None:
    top = slack_env.top_level()[0].body
    actions = [b for b in top["blocks"] if b["type"] == "actions"][0]["elements"]
    by_id = {e["action_id"]: e for e in actions}
    assert set(by_id) == {ACK, REEXECUTE, MUTE, RESOLVE, "sentinel_open_run"}
    assert by_id[ACK]["value"] == incident.id == by_id[REEXECUTE]["value"]
    assert [o["value"] for o in by_id[MUTE]["options"]] == [
        f"{incident.id}|3600",
        f"{incident.id}|86400",
        f"{incident.id}|604800",
    ]
    assert by_id["sentinel_open_run"]["url"].endswith(f"/runs/{'a' * 36}")


def test_healthz(signer: SlackSigner) -> None:
    import requests

    resp = requests.get(signer.url.replace("/slack/events", "/healthz"), timeout=5)
    assert resp.status_code == 200 and resp.json()["ok"] is True


@pytest.mark.parametrize("case", ["forged", "missing", "stale"])
def test_bad_signatures_get_401_and_have_no_effect(
    case: str, ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    payload = block_action(ACK, VIEWER, value=incident.id)
    if case == "forged":
        resp = SlackSigner(signer.url.rsplit("/slack", 1)[0], "not-the-secret").interactive(payload)
    elif case == "missing":
        resp = signer.interactive(payload, signed=False)
    else:
        resp = signer.interactive(payload, timestamp=int(time.time()) - 6 * 60)
    assert resp.status_code == 401
    time.sleep(0.5)
    assert ops.timeline.entries(incident.id) == []
    assert ops.timeline.state(incident.id).acked_by is None
    assert _updates(slack_env) == []


def test_acknowledge_updates_the_message_and_records_mtta(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    assert signer.interactive(block_action(ACK, VIEWER, value=incident.id)).status_code == 200
    update = wait_until(lambda: _updates(slack_env))[-1]
    where = ops.message_location(incident.id)
    assert (update["channel"], update["ts"]) == where
    assert f"Acknowledged by <@{VIEWER}>" in json.dumps(update["blocks"])
    entries = ops.timeline.entries(incident.id)
    assert [(e.actor, e.action, e.result) for e in entries] == [(VIEWER, "acknowledge", "done")]
    assert entries[0].detail and entries[0].detail.startswith("mtta_s=")
    # A second click by someone else keeps the first owner.
    signer.interactive(block_action(ACK, APPROVER, value=incident.id))
    wait_until(lambda: len(ops.timeline.entries(incident.id)) == 2)
    assert ops.timeline.state(incident.id).acked_by == VIEWER
    assert "Already acknowledged" in wait_until(lambda: _ephemerals(slack_env, APPROVER))[0]


def test_a_button_value_that_is_not_an_incident_id_is_refused(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    signer.interactive(block_action(ACK, VIEWER, value="../../etc/passwd"))
    assert "not an incident id" in wait_until(lambda: _ephemerals(slack_env, VIEWER))[0]
    assert ops.timeline.entries(incident.id) == []


def test_mute_holds_repeats_back_until_it_ends(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    signer.interactive(block_action(MUTE, VIEWER, selected=f"{incident.id}|3600"))
    wait_until(lambda: ops.timeline.entries(incident.id))
    mute = ops.timeline.active_mute([f"fingerprint:{incident.fingerprint}"])
    assert mute is not None and 3590 < mute.until - time.time() <= 3600
    assert "Muted by" in json.dumps(wait_until(lambda: _updates(slack_env))[-1]["blocks"])

    replies_before = len(slack_env.replies())
    reg = ops.sentinel.store.register(
        Failure(
            fingerprint=incident.fingerprint, target="rates_job", job="rates_job", run_id="b" * 36
        )
    )
    assert reg.outcome == "repeat" and reg.incident.occurrences == 2
    delivery = ops.sentinel.notify_repeat(reg)
    assert delivery.status == "muted"
    ops.sentinel.outbox.drain(ops.sentinel.transport)
    assert len(slack_env.replies()) == replies_before
    assert ops.timeline.active_mute([f"fingerprint:{incident.fingerprint}"]).suppressed == 1

    # The mute ends: the next repeat is posted again, with the full count.
    ops.timeline.mute(f"fingerprint:{incident.fingerprint}", time.time() - 1, VIEWER)
    reg = ops.sentinel.store.register(
        Failure(
            fingerprint=incident.fingerprint, target="rates_job", job="rates_job", run_id="c" * 36
        )
    )
    assert ops.sentinel.notify_repeat(reg).status != "muted"
    ops.sentinel.outbox.drain(ops.sentinel.transport)
    assert "Seen again (3" in slack_env.replies()[-1].body["text"]


def test_a_muted_job_holds_back_new_incidents_until_the_mute_ends(
    ops: ChatOps, slack_env: FakeSlack
) -> None:
    ops.timeline.mute("job:nightly_export", time.time() + 3600, VIEWER)
    reg = ops.sentinel.store.register(
        Failure(
            fingerprint="e" * 16,
            target="nightly_export",
            job="nightly_export",
            step="export",
            title="KeyError in export",
            run_id="d" * 36,
        )
    )
    evidence = from_text(TRACEBACK)
    meta = ops.sentinel.record(None, reg.incident, evidence, diagnose(evidence), runless=False)
    ops.sentinel.outbox.drain(ops.sentinel.transport)
    posted = [c for c in slack_env.top_level() if "nightly_export" in json.dumps(c.body)]
    assert posted == [] and meta  # stored and materializable, not posted
    assert ops.timeline.active_mute(["job:nightly_export"]).suppressed == 1

    # The mute ends: a re-diagnosis (materializing its rca_report partition) posts it.
    ops.timeline.mute("job:nightly_export", time.time() - 1, VIEWER)
    ops.sentinel.record(None, reg.incident, evidence, diagnose(evidence), runless=False)
    ops.sentinel.outbox.drain(ops.sentinel.transport)
    posted = [c for c in slack_env.top_level() if "nightly_export" in json.dumps(c.body)]
    assert len(posted) == 1


def test_a_forged_mute_choice_is_refused(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    signer.interactive(block_action(MUTE, VIEWER, selected=f"{incident.id}|99999999"))
    assert "not a mute choice" in wait_until(lambda: _ephemerals(slack_env, VIEWER))[0]
    assert ops.timeline.active_mute([f"fingerprint:{incident.fingerprint}"]) is None


def test_resolve_opens_a_modal_and_stores_the_note(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    signer.interactive(block_action(RESOLVE, VIEWER, value=incident.id))
    opened = wait_until(lambda: slack_env.messages("views.open"))[0].body
    assert opened["view"]["private_metadata"] == incident.id

    # An empty note is refused in the modal itself.
    resp = signer.interactive(view_submission(incident.id, "  ", VIEWER))
    assert resp.json()["response_action"] == "errors"

    note = "Restarted the rates service; token xoxb-123456789012-abcdefghijkl rotated"
    assert signer.interactive(view_submission(incident.id, note, VIEWER)).status_code == 200
    wait_until(lambda: ops.sentinel.store.get(incident.id).status == "resolved")
    state = ops.timeline.state(incident.id)
    assert state.note_by == VIEWER and "Restarted the rates service" in state.resolution_note
    assert "xoxb-123456789012" not in state.resolution_note  # redacted before storing
    last = wait_until(lambda: _updates(slack_env))[-1]
    assert "Resolved" in json.dumps(last["blocks"]) and "Resolution note" in json.dumps(
        last["blocks"]
    )
    assert ("resolve", "done") in [(e.action, e.result) for e in ops.timeline.entries(incident.id)]


def test_non_approver_click_asks_the_approvers_and_launches_nothing(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    signer.interactive(block_action(REEXECUTE, VIEWER, value=incident.id))
    request = wait_until(
        lambda: [
            c
            for c in slack_env.replies()
            if "asks to" in c.body["text"] + json.dumps(c.body["blocks"])
        ]
    )[0].body
    buttons = [b for b in request["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [b["action_id"] for b in buttons] == ["sentinel_approve", "sentinel_deny"]
    assert ops.timeline.reexecution(incident.last_run_id) is None
    # A non-approver cannot approve their own request either.
    signer.interactive(block_action("sentinel_approve", VIEWER, value=buttons[0]["value"]))
    assert "Only approvers" in wait_until(lambda: _ephemerals(slack_env, VIEWER)[1:])[0]
    assert ops.timeline.approval(buttons[0]["value"]).status == "pending"


def test_dagster_unreachable_is_an_ephemeral_error_and_nothing_is_recorded_as_done(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    # A member of the approver user group (resolved with usergroups.users.list).
    signer.interactive(block_action(REEXECUTE, GROUP_MEMBER, value=incident.id))
    text = wait_until(lambda: _ephemerals(slack_env, GROUP_MEMBER))[0]
    assert "Dagster unreachable" in text and "nothing was re-executed" in text
    assert ops.timeline.reexecution(incident.last_run_id) is None  # the claim was released
    results = [(e.action, e.result) for e in ops.timeline.entries(incident.id)]
    assert results == [("reexecute", "error")]
    assert slack_env.messages("usergroups.users.list")


def test_slash_commands(ops: ChatOps, incident: Incident, signer: SlackSigner) -> None:
    status = signer.command("status", VIEWER).text
    assert "1 open incident" in status and "rates_job" in status and "unowned" in status
    why = signer.command(f"why {'a' * 36}", VIEWER).text
    assert incident.id in why and "dependency_unavailable" in why
    assert "rates_job" in signer.command("history rates_job", VIEWER).text
    assert "/sentinel status" in signer.command("help", VIEWER).text
    assert "cannot tell" in signer.command("why no_such_job", VIEWER).text
    assert "unknown command" in signer.command("reboot everything", VIEWER).text
    muted = signer.command("mute job:rates_job 2h", VIEWER).text
    assert "Muted `job:rates_job`" in muted
    mute = ops.timeline.active_mute(["job:rates_job"])
    assert mute is not None and 7190 < mute.until - time.time() <= 7200
    assert "not a duration" in signer.command("mute job:rates_job forever", VIEWER).text


def test_mention_in_a_report_thread_is_answered_there_once(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    channel, ts = ops.message_location(incident.id)
    event = {
        "type": "app_mention",
        "user": VIEWER,
        "text": "<@UBOT> why did this fail, and was it the upstream?",
        "channel": channel,
        "ts": f"{time.time():.6f}",
        "thread_ts": ts,
    }
    assert signer.event(event, "Ev0001").status_code == 200
    # Slack retrying the same event (X-Slack-Retry-Num) is not answered twice.
    signer.event(event, "Ev0001", headers={"X-Slack-Retry-Num": "1"})

    def answers() -> list[Any]:
        return [
            c
            for c in slack_env.replies()
            if c.body.get("thread_ts") == ts and "stored report" in c.body["text"]
        ]

    answer = wait_until(answers)[0].body["text"]
    assert "Upstream:" in answer and "dependency_unavailable" in answer
    time.sleep(0.5)
    assert len(answers()) == 1
    assert [e.action for e in ops.timeline.entries(incident.id)] == ["ask"]


def test_app_home_lists_open_incidents(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    signer.event({"type": "app_home_opened", "user": VIEWER, "tab": "home"}, "Ev0002")
    view = wait_until(lambda: slack_env.messages("views.publish"))[0].body
    assert view["user_id"] == VIEWER
    assert "rates_job" in json.dumps(view["view"])


def test_timeline_tables_live_next_to_the_incidents(ops: ChatOps, tmp_path: Path) -> None:
    # A second store object on the same URL sees the same state (no process-local cache).
    other = TimelineStore(ops.settings.database_url)
    ops.timeline.record("x", actor="U1", action="acknowledge", result="done")
    assert [e.actor for e in other.entries("x")] == ["U1"]
    assert post_key("x") == "x:post"


def test_approvals_deny_closes_the_request_and_a_failed_launch_can_be_approved_again(
    ops: ChatOps, incident: Incident, signer: SlackSigner, slack_env: FakeSlack
) -> None:
    def approval_ids() -> list[str]:
        out = []
        for c in slack_env.replies():
            for b in c.body.get("blocks") or []:
                if b.get("type") == "actions":
                    out += [
                        e["value"] for e in b["elements"] if e["action_id"] == "sentinel_approve"
                    ]
        return out

    signer.interactive(block_action(REEXECUTE, VIEWER, value=incident.id))
    approval_id = wait_until(approval_ids)[0]

    # An approver approves while Dagster is down: nothing ran, the request stays open.
    signer.interactive(block_action("sentinel_approve", APPROVER, value=approval_id))
    assert "Dagster unreachable" in wait_until(lambda: _ephemerals(slack_env, APPROVER))[0]
    assert ops.timeline.approval(approval_id).status == "pending"
    assert ops.timeline.reexecution(incident.last_run_id) is None

    # Then denies it: the request's buttons are replaced by the decision.
    signer.interactive(block_action("sentinel_deny", APPROVER, value=approval_id))
    wait_until(lambda: ops.timeline.approval(approval_id).status == "denied")
    request = ops.sentinel.outbox.get(f"{incident.id}:chatops:approval:{approval_id}")
    edit = wait_until(
        lambda: [c.body for c in slack_env.messages("chat.update") if c.body["ts"] == request.ts]
    )[-1]
    assert "denied" in edit["text"] and "sentinel_approve" not in json.dumps(edit["blocks"])
    # A second decision is refused.
    signer.interactive(block_action("sentinel_approve", APPROVER, value=approval_id))
    assert "already denied" in wait_until(lambda: _ephemerals(slack_env, APPROVER)[2:])[0]
    results = [(e.actor, e.action, e.result) for e in ops.timeline.entries(incident.id)]
    assert (APPROVER, "deny", "done") in results and (APPROVER, "reexecute", "error") in results


def test_alertmanager_route_stores_alerts_behind_its_token(
    ops: ChatOps, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import requests

    from dagster_sentinel.alerts import AlertStore

    monkeypatch.setenv("SENTINEL_ALERTMANAGER_TOKEN", "am-secret")
    chat = ChatOps(SentinelConfig.from_env(), watch_interval_s=0.2)
    payload = {
        "version": "4",
        "status": "firing",
        "receiver": "sentinel",
        "groupKey": '{}:{alertname="WarehouseDown"}',
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "WarehouseDown", "instance": "wh-1:5432"},
                "annotations": {"summary": "warehouse is down"},
                "startsAt": "2026-12-04T03:10:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "abc123",
            }
        ],
    }
    try:
        with running_server(chat) as base:
            url = f"{base}/alertmanager"
            body = json.dumps(payload)
            assert requests.post(url, data=body, timeout=5).status_code == 401
            bad = requests.post(
                url, data="{", headers={"Authorization": "Bearer am-secret"}, timeout=5
            )
            assert bad.status_code == 400
            ok = requests.post(
                url, data=body, headers={"Authorization": "Bearer am-secret"}, timeout=5
            )
            assert ok.status_code == 200 and ok.json()["firing"] == 1
            huge = requests.post(
                url,
                data=b"x" * (5 * 1024 * 1024),
                headers={"Authorization": "Bearer am-secret"},
                timeout=10,
            )
            assert huge.status_code == 413
    finally:
        chat.dagster.close()
    stored = AlertStore(chat.settings.database_url).active_between(0, 4e9)
    assert [a.labels["alertname"] for a in stored] == ["WarehouseDown"]
