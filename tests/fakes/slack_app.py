"""Drive `sentinel serve` like Slack does: signed requests to `/slack/events`.

`SlackSigner` signs bodies with the app's signing secret (v0 HMAC-SHA256 over
`v0:<timestamp>:<body>`), payload builders shape `block_actions`, `view_submission`, slash
commands and events like Slack's, and `running_server` starts the real uvicorn server on a
free loopback port in a thread. Shared by the tests and bench/chatops_latency.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import requests
import uvicorn

from dagster_sentinel.serve import ChatOps, asgi_app, build_app
from tests.fakes.loopback import free_port

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


class SlackSigner:
    def __init__(self, base_url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.secret = secret

    def headers(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = f"v0:{ts}:{body}".encode()
        digest = hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def post(
        self,
        body: str,
        *,
        form: bool = True,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> requests.Response:
        h = {"Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}
        if signed:
            h.update(self.headers(body, timestamp))
        h.update(headers or {})
        return requests.post(self.url, data=body.encode(), headers=h, timeout=10)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), **kwargs)

    def command(self, text: str, user: str, channel: str = "C0SENTINEL") -> requests.Response:
        body = urlencode(
            {
                "command": "/sentinel",
                "text": text,
                "user_id": user,
                "channel_id": channel,
                "team_id": "T000",
                "trigger_id": "1.2.3",
                "response_url": "http://127.0.0.1:9/unused",
            }
        )
        return self.post(body)

    def event(self, event: dict[str, Any], event_id: str, **kwargs: Any) -> requests.Response:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T000",
                "api_app_id": "A000",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, form=False, **kwargs)


def block_action(
    action_id: str,
    user: str,
    *,
    value: str | None = None,
    selected: str | None = None,
    channel: str = "C0SENTINEL",
    message_ts: str = "1700000001.000100",
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": "sentinel_incident_actions",
        "type": "button" if selected is None else "static_select",
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    if selected is not None:
        action["selected_option"] = {"value": selected}
    return {
        "type": "block_actions",
        "team": {"id": "T000"},
        "user": {"id": user, "team_id": "T000"},
        "api_app_id": "A000",
        "trigger_id": f"trigger-{time.time():.6f}",
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
        "actions": [action],
    }


def view_submission(incident_id: str, note: str, user: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T000"},
        "user": {"id": user, "team_id": "T000"},
        "api_app_id": "A000",
        "view": {
            "id": "V000",
            "type": "modal",
            "callback_id": "sentinel_resolve_modal",
            "private_metadata": incident_id,
            "state": {
                "values": {"note": {"note_input": {"type": "plain_text_input", "value": note}}}
            },
        },
    }


@contextmanager
def running_server(ops: ChatOps) -> Iterator[str]:
    """The real HTTP server of `sentinel serve` on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            asgi_app(ops, build_app(ops)), host="127.0.0.1", port=port, log_level="error"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("sentinel serve did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
