"""End to end, the ChatOps loop: a real `dagster dev`, the real `sentinel serve` HTTP server,
a loopback Slack and a local dependency that is down, then back.

`demo_dependency` fails while the rates service refuses connections; Sentinel reports it
with buttons; a non-approver's click launches nothing; the service comes back; an
approver's double click and a replay of the same signed request launch exactly one
re-execution FROM_FAILURE, tagged; it succeeds, the outcome is posted in the thread, the
incident is resolved and its message edited with the time to recovery.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.dagster_api import DagsterClient
from dagster_sentinel.serve import ChatOps
from tests.fakes.dagster_dev import Deployment, dagster_dev
from tests.fakes.rates_service import RatesService
from tests.fakes.slack_app import SIGNING_SECRET, SlackSigner, block_action, running_server
from tests.fakes.slack_server import FakeSlack

pytestmark = pytest.mark.e2e

APPROVER = "UAPPROVER1"
VIEWER = "UVIEWER001"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def deployment(home: Path, slack: FakeSlack) -> Iterator[Deployment]:
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SLACK_CHANNEL": "#data-alerts",
        "SENTINEL_BRAIN": "rules",
    }
    with dagster_dev(home, env) as dep:
        yield dep


def serve_env(home: Path, slack: FakeSlack, deployment: Deployment) -> dict[str, str]:
    return {
        "DAGSTER_HOME": str(home),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SLACK_CHANNEL": "#data-alerts",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SENTINEL_SLACK_APPROVERS": APPROVER,
        "SENTINEL_DAGSTER_URL": f"http://127.0.0.1:{deployment.port}",
        "SENTINEL_UI_URL": f"http://127.0.0.1:{deployment.port}",
        "SENTINEL_BRAIN": "rules",
    }


@pytest.fixture(scope="module")
def ops(home: Path, slack: FakeSlack, deployment: Deployment) -> Iterator[ChatOps]:
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)  # the instance `sentinel serve` shares a store with
    try:
        chat = ChatOps(
            SentinelConfig.from_env(serve_env(home, slack, deployment)), watch_interval_s=0.5
        )
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous
    stop = threading.Event()
    watcher = threading.Thread(target=chat.watch_forever, args=(stop,), daemon=True)
    watcher.start()
    yield chat
    stop.set()
    chat.dagster.close()


def wait_until(predicate: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what} not met within {timeout}s")


def test_reexecute_from_slack_recovers_the_incident(
    deployment: Deployment, ops: ChatOps, slack: FakeSlack
) -> None:
    rates = RatesService()
    config = {"ops": {"fetch_rates": {"config": {"url": rates.url, "timeout_s": 2.0}}}}
    run_id = deployment.launch("demo_dependency", config)
    top = wait_until(
        lambda: [c for c in slack.top_level() if run_id in json.dumps(c.body)],
        120,
        "the report in Slack",
    )[0].body
    wait_until(lambda: deployment.run_status(run_id) == "FAILURE", 60, "the run to fail")
    actions = [b for b in top["blocks"] if b["type"] == "actions"][0]["elements"]
    incident_id = {e["action_id"]: e for e in actions}["sentinel_reexecute"]["value"]
    incident = ops.sentinel.store.get(incident_id)
    assert incident is not None and incident.last_run_id == run_id
    assert "dependency_unavailable" in json.dumps(top["blocks"])

    dagster = DagsterClient(ops.dagster.url)
    with running_server(ops) as base:
        signer = SlackSigner(base)
        # A non-approver's click asks for approval and launches nothing.
        signer.interactive(block_action("sentinel_reexecute", VIEWER, value=incident_id))
        wait_until(lambda: ops.timeline.entries(incident_id), 10, "the approval request")
        time.sleep(1.0)
        assert dagster.runs_with_tag("sentinel/reexecution_of", run_id) == []

        # The dependency is back; an approver double-clicks, and the request is replayed.
        rates.up()
        try:
            click = block_action("sentinel_reexecute", APPROVER, value=incident_id)
            from urllib.parse import urlencode

            body = urlencode({"payload": json.dumps(click)})
            headers = signer.headers(body)
            threads = [
                threading.Thread(target=signer.post, args=(body,), kwargs={"headers": headers})
                for _ in range(2)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            replay = signer.post(body, headers=headers)
            assert replay.status_code == 200
            launched = wait_until(
                lambda: dagster.runs_with_tag("sentinel/reexecution_of", run_id),
                30,
                "the re-execution run",
            )
            outcome = wait_until(
                lambda: [
                    c
                    for c in slack.replies()
                    if "succeeded: incident resolved" in json.dumps(c.body)
                ],
                120,
                "the outcome in the thread",
            )[0].body
        finally:
            rates.down()

    time.sleep(1.0)
    runs = dagster.runs_with_tag("sentinel/reexecution_of", run_id)
    assert len(runs) == 1 == len(launched)
    run = runs[0]
    assert run.tags["sentinel/requested_by"] == APPROVER
    assert run.tags["sentinel/approved_by"] == APPROVER
    assert run.status == "SUCCESS" and rates.hits >= 1
    assert "time to recovery" in json.dumps(outcome)

    ephemerals = [c.body["text"] for c in slack.messages("chat.postEphemeral")]
    assert sum("Re-executing from failure" in t for t in ephemerals) == 1
    assert sum("Already running" in t or "already re-executed" in t for t in ephemerals) == 2

    resolved = ops.sentinel.store.get(incident_id)
    assert resolved is not None and resolved.status == "resolved"
    edits = [
        c.body
        for c in slack.messages("chat.update")
        if c.body.get("ts") == top_ts(ops, incident_id)
    ]
    assert any("Resolved" in json.dumps(e["blocks"]) for e in edits)
    results = [(e.action, e.result) for e in ops.timeline.entries(incident_id)]
    assert ("reexecute", "approval_requested") in results
    assert ("reexecute", "launched") in results
    assert ("reexecution_outcome", "success") in results


def top_ts(ops: ChatOps, incident_id: str) -> str | None:
    where = ops.message_location(incident_id)
    return where[1] if where else None


def test_command_mention_and_resolution_note_against_dagster(
    deployment: Deployment, ops: ChatOps, slack: FakeSlack
) -> None:
    from tests.fakes.slack_app import view_submission

    run_id = deployment.launch("demo_etl")  # the ZeroDivisionError bug
    top = wait_until(
        lambda: [c for c in slack.top_level() if run_id in json.dumps(c.body)],
        120,
        "the report in Slack",
    )[0]
    incident = wait_until(lambda: ops.incident_for(run_id), 30, "the incident")
    channel, ts = top.response["channel"], top.response["ts"]
    with running_server(ops) as base:
        signer = SlackSigner(base)
        why = signer.command(f"why {run_id}", VIEWER).text
        assert incident.id in why and "code_error" in why

        event = {
            "type": "app_mention",
            "user": VIEWER,
            "text": "<@UBOT> why did this fail?",
            "channel": channel,
            "ts": f"{time.time():.6f}",
            "thread_ts": ts,
        }
        assert signer.event(event, f"Ev-{run_id[:8]}").status_code == 200
        wait_until(
            lambda: [
                c
                for c in slack.replies()
                if c.body.get("thread_ts") == ts and "stored report" in c.body["text"]
            ],
            20,
            "the answer in the thread",
        )

        note = "Skipped regions with no orders in transform_data"
        signer.interactive(view_submission(incident.id, note, VIEWER))
        wait_until(
            lambda: ops.sentinel.store.get(incident.id).status == "resolved", 20, "resolution"
        )

    # The same failure comes back: the brain gets last time's note as evidence.
    again = deployment.launch("demo_etl")
    wait_until(
        lambda: [c for c in slack.top_level() if again in json.dumps(c.body)], 120, "the repeat"
    )
    second = wait_until(lambda: ops.incident_for(again), 30, "the new incident")
    assert second.id != incident.id
    evidence = json.loads(wait_until(lambda: ops.sentinel.store.get(second.id).evidence_json, 30))
    assert any(note in e and e.startswith("Last time") for e in evidence["events"])
