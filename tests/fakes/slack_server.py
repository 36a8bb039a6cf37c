"""A small Slack Web API on 127.0.0.1 for tests.

chat.postMessage, chat.update, conversations.history / .replies / .list and incoming
webhooks. It checks `Authorization: Bearer`, answers like Slack (a post's `channel` is
the channel id; history takes ids only, newest first, paged by cursor), records every
call, and can be scripted:
- to answer 429 (with Retry-After), 500, or an error such as `invalid_auth`, or to be
  "down" (every call failing) for a while;
- with deterministic faults: stall an answer until the test sets an event, accept a
  message and then answer 500 or drop the connection, or drop the connection before
  accepting anything. A scripted answer can be aimed at one API method, and signals
  (an event) when a call reaches it, so a test knows a sender is stuck exactly there.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs

from tests.fakes.loopback import LoopbackHTTPServer

Fault = Literal["stall", "stall_then_fail", "fail_after_accept", "drop_after_accept", "drop_before"]


@dataclass
class Scripted:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    # Accept the message, then wait this long before answering (a sender may die meanwhile).
    delay_s: float = 0.0
    # Only for calls to this method ("chat.postMessage", ...); None: the next call.
    method: str | None = None
    # stall: accept, then answer only once `release` is set (stall_then_fail: with a 500);
    # fail_after_accept: accept (store) the message, then answer 500;
    # drop_after_accept: accept it, then close the connection without an answer;
    # drop_before: close the connection without accepting anything.
    fault: Fault | None = None
    release: threading.Event = field(default_factory=threading.Event)
    # Set when a call reaches this script entry.
    reached: threading.Event = field(default_factory=threading.Event)


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    answered: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    # Slack stored the message (whatever the sender heard back).
    accepted: bool = False


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    calls: list[Call] = field(default_factory=list)
    script: deque[Scripted] = field(default_factory=deque)
    _server: LoopbackHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last_ts: float = 0.0
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]
    port: int = 0
    # While set, every call is answered like this (an outage: 500s or 429s).
    failing: Scripted | None = None
    # Channel name (without '#') → id; names are given ids on first use.
    channel_ids: dict[str, str] = field(default_factory=dict)
    # When set, the granted scopes: history and list calls without theirs are refused.
    scopes: set[str] | None = None
    # Page size cap for history and list calls (Slack's is larger; small pages test paging).
    max_page: int = 200
    # The latest content of each stored message, by ts (after chat.update calls).
    content: dict[str, dict[str, Any]] = field(default_factory=dict)
    _taken: list[Scripted] = field(default_factory=list)
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

    def accepted(self) -> list[Call]:
        """Every message Slack stored, whether or not its sender heard so."""
        with self._lock:
            return [c for c in self.calls if c.accepted]

    def posted_keys(self) -> Counter[str]:
        """How many stored messages carry each outbox key (their metadata)."""
        keys: Counter[str] = Counter()
        for c in self.accepted():
            meta = c.body.get("metadata") or {}
            key = (meta.get("event_payload") or {}).get("key")
            if key:
                keys[key] += 1
        return keys

    def top_level(self) -> list[Call]:
        return [c for c in self.messages() if not c.body.get("thread_ts")]

    def replies(self) -> list[Call]:
        return [c for c in self.messages() if c.body.get("thread_ts")]

    def fail_next(self, *items: Scripted) -> None:
        self.script.extend(items)

    def channel_id(self, channel: str) -> str:
        """The id of a channel name (or the id itself), as Slack would answer it."""
        with self._lock:
            return self._channel_id(channel)

    def _channel_id(self, channel: str) -> str:
        if channel in self.channel_ids.values():
            return channel
        name = channel.lstrip("#")
        if name not in self.channel_ids:
            n = len(self.channel_ids)
            self.channel_ids[name] = "C0SENTINEL" if n == 0 else f"C0SENT{n:04d}"
        return self.channel_ids[name]

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> list[Call]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [c for c in self.messages() if predicate(c)]
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no matching Slack message within {timeout}s; got {self.calls}")

    def _next_script(self, method: str) -> Scripted | None:
        for i, item in enumerate(self.script):
            if item.method is None or item.method == method:
                del self.script[i]
                self._taken.append(item)
                return item
        return self.failing

    def _new_ts(self) -> str:
        # Real time (history's `oldest` is compared with it), strictly increasing.
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _history(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        needed = {"conversations.history", "conversations.replies"}
        if self.scopes is not None and method in needed and "channels:history" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:history"}
        channel = str(body.get("channel") or "")
        if channel not in self.channel_ids.values():
            return {"ok": False, "error": "channel_not_found"}  # names are not accepted
        thread = body.get("ts") if method == "conversations.replies" else None
        oldest = float(body.get("oldest") or 0)
        found = [
            {
                "ts": c.response["ts"],
                "text": self.content[c.response["ts"]].get("text"),
                "metadata": c.body.get("metadata"),
                "thread_ts": c.body.get("thread_ts"),
            }
            for c in self.calls
            if c.accepted
            and c.response.get("channel") == channel
            and float(c.response["ts"]) > oldest
            and (thread is None or c.body.get("thread_ts") == thread)
            and (thread is not None or not c.body.get("thread_ts"))
        ][::-1]
        return self._page(found, body, "messages")

    def _page(self, items: list[Any], body: dict[str, Any], name: str) -> dict[str, Any]:
        start = int(body.get("cursor") or 0)
        size = min(int(body.get("limit") or 100), self.max_page)
        page = items[start : start + size]
        more = start + size < len(items)
        return {
            "ok": True,
            name: page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + size) if more else ""},
        }

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
                    if method == "chat.postMessage" and body.get("channel"):
                        # The channel exists in the workspace, whatever happens to this post.
                        fake._channel_id(str(body["channel"]))
                    scripted = fake._next_script(method)
                if scripted is not None:
                    scripted.reached.set()
                    if scripted.fault == "drop_before":
                        call.answered = 0
                        return self._drop()
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
                    with fake._lock:
                        channel = fake._channel_id(str(body.get("channel") or ""))
                        ts = fake._new_ts()
                        call.response = {"ok": True, "channel": channel, "ts": ts}
                        fake.content[ts] = {"text": body.get("text"), "blocks": body.get("blocks")}
                        call.accepted = True
                    return self._after_accept(
                        call, scripted, {**call.response, "message": {"ts": ts}}
                    )
                if method in ("conversations.history", "conversations.replies"):
                    with fake._lock:
                        answer = fake._history(method, body)
                    return self._after_accept(call, scripted, answer)
                if method == "conversations.list":
                    if fake.scopes is not None and "channels:read" not in fake.scopes:
                        return self._answer(200, {"ok": False, "error": "missing_scope"})
                    with fake._lock:
                        listed = [{"id": i, "name": n} for n, i in fake.channel_ids.items()]
                    return self._answer(200, fake._page(listed, body, "channels"))
                extra = fake._chatops_answer(method, body)
                if extra is not None:
                    return self._answer(200, extra)
                if method == "chat.update":
                    with fake._lock:
                        ts = str(body.get("ts"))
                        if ts not in fake.content:
                            return self._answer(200, {"ok": False, "error": "message_not_found"})
                        fake.content[ts] = {"text": body.get("text"), "blocks": body.get("blocks")}
                    return self._after_accept(
                        call, scripted, {"ok": True, "channel": body.get("channel"), "ts": ts}
                    )
                return self._answer(200, {"ok": True})

            def _after_accept(
                self, call: Call, scripted: Scripted | None, payload: dict[str, Any]
            ) -> None:
                if scripted is None:
                    return self._answer(200, payload)
                if scripted.delay_s:
                    time.sleep(scripted.delay_s)
                if scripted.fault in ("stall", "stall_then_fail"):
                    scripted.release.wait(120)
                if scripted.fault in ("fail_after_accept", "stall_then_fail"):
                    call.answered = 500
                    return self._answer(500, {"ok": False, "error": "internal_error"})
                elif scripted.fault == "drop_after_accept":
                    call.answered = 0
                    return self._drop()
                return self._answer(200, payload)

            def _drop(self) -> None:
                """Close the connection without a word (a proxy dying, a reset)."""
                self.close_connection = True
                try:
                    self.wfile.flush()
                    self.connection.shutdown(2)
                except OSError:
                    pass

            def _answer(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timed out) while we stalled

        self._server = LoopbackHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            # Release every stalled answer so the handler threads end.
            for item in [*self.script, *self._taken]:
                item.release.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
