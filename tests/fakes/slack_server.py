"""A small Slack Web API on 127.0.0.1 for tests: chat.postMessage and chat.update.

It checks `Authorization: Bearer`, answers `{"ok": true, "ts": ...}` like Slack, records
every call, and can be scripted to answer 429 (with Retry-After), 500 or an error such
as `invalid_auth`, or to be "down" (connections refused) for a while.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Scripted:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    # Accept the message, then wait this long before answering (a sender may die meanwhile).
    delay_s: float = 0.0


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    answered: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    calls: list[Call] = field(default_factory=list)
    script: deque[Scripted] = field(default_factory=deque)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    # While set, every call is answered like this (an outage: 500s or 429s).
    failing: Scripted | None = None
    # Sentinel's Slack app (ChatOps): Socket Mode, user groups, file uploads.
    app_token: str = "xapp-test-token"
    socket_url: str | None = None
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/services/T000/B000/XXXX"

    def messages(self, method: str = "chat.postMessage", answered: int = 200) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and c.answered == answered and not c.body.get("_error")
            ]

    def top_level(self) -> list[Call]:
        return [c for c in self.messages() if not c.body.get("thread_ts")]

    def replies(self) -> list[Call]:
        return [c for c in self.messages() if c.body.get("thread_ts")]

    def fail_next(self, *items: Scripted) -> None:
        self.script.extend(items)

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> list[Call]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [c for c in self.messages() if predicate(c)]
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no matching Slack message within {timeout}s; got {self.calls}")

    def _chatops_answer(self, method: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """Answers for the Web API methods Sentinel's Slack app calls, shaped like Slack's."""
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T000"}
        if method == "usergroups.users.list":
            group = str(body.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            return {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": "V000"}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + next(self._ts)}.000200"}
        return None

    # --- server -------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw_bytes = self.rfile.read(length) if length else b""
                # File uploads (files_upload_v2's second step) are binary.
                raw = raw_bytes.decode("utf-8", errors="replace")
                ctype = self.headers.get("Content-Type", "")
                if self.path.startswith("/upload/"):
                    body: dict[str, Any] = {"bytes": len(raw_bytes)}
                elif "json" in ctype:
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                    for k in ("blocks", "attachments", "metadata", "view"):
                        if isinstance(body.get(k), str):
                            body[k] = json.loads(body[k])
                method = (
                    "webhook"
                    if self.path.startswith("/services/")
                    else self.path.rsplit("/", 1)[-1]
                )
                call = Call(method, body, dict(self.headers.items()), time.time())
                with fake._lock:
                    fake.calls.append(call)
                    scripted = fake.script.popleft() if fake.script else fake.failing
                if scripted is not None and scripted.status != 200:
                    call.answered = scripted.status
                    headers = {}
                    if scripted.retry_after is not None:
                        headers["Retry-After"] = str(scripted.retry_after)
                    error = scripted.error or ("ratelimited" if scripted.status == 429 else "fatal")
                    return self._answer(scripted.status, {"ok": False, "error": error}, headers)
                if self.path.startswith("/services/"):  # an incoming webhook
                    data = b"ok"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(data)
                    return None
                auth = self.headers.get("Authorization", "")
                if self.path.startswith("/upload/"):  # files_upload_v2's second step
                    fake.uploads[self.path.rsplit("/", 1)[-1]] = raw_bytes
                    return self._answer(200, {"ok": True})
                if method == "apps.connections.open" and auth == f"Bearer {fake.app_token}":
                    return self._answer(200, {"ok": True, "url": fake.socket_url})
                if auth != f"Bearer {fake.token}" or (scripted and scripted.error):
                    call.body["_error"] = True
                    err = scripted.error if scripted and scripted.error else "invalid_auth"
                    return self._answer(200, {"ok": False, "error": err})
                if method == "chat.postMessage":
                    ts = f"{1_700_000_000 + next(fake._ts)}.000100"
                    call.response = {"ok": True, "channel": "C0SENTINEL", "ts": ts}
                    if scripted is not None and scripted.delay_s:
                        time.sleep(scripted.delay_s)
                    return self._answer(200, {**call.response, "message": {"ts": ts}})
                if method in ("conversations.history", "conversations.replies"):
                    thread = body.get("ts") if method == "conversations.replies" else None
                    found = [
                        {
                            "ts": c.response["ts"],
                            "text": c.body.get("text"),
                            "metadata": c.body.get("metadata"),
                            "thread_ts": c.body.get("thread_ts"),
                        }
                        for c in fake.messages()
                        if c.response and (thread is None or c.body.get("thread_ts") == thread)
                    ]
                    return self._answer(200, {"ok": True, "messages": found[::-1]})
                extra = fake._chatops_answer(method, body)
                if extra is not None:
                    return self._answer(200, extra)
                if method == "chat.update":
                    return self._answer(
                        200, {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
                    )
                return self._answer(200, {"ok": True})

            def _answer(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
