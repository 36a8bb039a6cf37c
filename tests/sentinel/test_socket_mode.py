"""Socket Mode: the same listeners reached over a loopback WebSocket (no public URL).

`apps.connections.open` (with the app-level token) answers a `ws://127.0.0.1` URL; the fake
sends `interactive` and `slash_commands` envelopes; the app acknowledges each envelope and
its effects land in the store and in Slack.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.incidents import Failure
from dagster_sentinel.serve import ChatOps, build_app, start_socket_mode
from tests.fakes.loopback import free_port
from tests.fakes.slack_app import SIGNING_SECRET, block_action
from tests.fakes.slack_server import FakeSlack
from tests.fakes.socket_mode_server import FakeSocketMode

USER = "UONCALL001"


@pytest.fixture
def socket_mode(slack_env: FakeSlack) -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode().start()
    slack_env.socket_url = fake.url
    yield fake
    fake.stop()


def wait_until(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_socket_mode_runs_the_same_listeners(
    slack_env: FakeSlack, socket_mode: FakeSocketMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", slack_env.app_token)
    monkeypatch.setenv("SENTINEL_DAGSTER_URL", f"http://127.0.0.1:{free_port()}")
    ops = ChatOps(SentinelConfig.from_env())
    incident = ops.sentinel.store.register(
        Failure(fingerprint="e" * 16, target="nightly", job="nightly", run_id="d" * 36)
    ).incident

    handler = start_socket_mode(ops, build_app(ops))
    try:
        wait_until(lambda: socket_mode.connections == 1)
        opened = slack_env.calls[[c.method for c in slack_env.calls].index("apps.connections.open")]
        assert opened.headers["Authorization"] == f"Bearer {slack_env.app_token}"

        envelope = socket_mode.send(
            "interactive", block_action("sentinel_ack", USER, value=incident.id)
        )
        assert socket_mode.ack_for(envelope)["envelope_id"] == envelope
        wait_until(lambda: ops.timeline.state(incident.id).acked_by == USER)
        assert [(e.actor, e.action) for e in ops.timeline.entries(incident.id)] == [
            (USER, "acknowledge")
        ]

        command = {
            "command": "/sentinel",
            "text": "status",
            "user_id": USER,
            "channel_id": "C0SENTINEL",
            "team_id": "T000",
        }
        envelope = socket_mode.send("slash_commands", command)
        ack = socket_mode.ack_for(envelope)
        assert "1 open incident" in str(ack.get("payload")) and "nightly" in str(ack["payload"])
    finally:
        handler.close()
        ops.dagster.close()
