"""A loopback Gemini API server for tests, spoken to by the real google-genai client.

    from tests.fakes.gemini_server import FakeGemini, Reply

    with FakeGemini() as server:                  # 127.0.0.1, random free port
        env = {**os.environ, **server.env()}      # SENTINEL_BRAIN, GEMINI_API_KEY/_BASE_URL
        server.enqueue(Reply.error(503), Reply.error(429, retry_after=1))  # then default
        server.enqueue(Reply.hang(30))            # sleep before answering (or until stop)
        server.enqueue(Reply.close())             # drop the connection, no response
        server.enqueue(Reply.answer({...}))       # a model answer (dict -> JSON text)
        server.enqueue(Reply.answer({...}, finish_reason="MAX_TOKENS"))
        server.enqueue(Reply.text("not json"))    # raw model text
        ...
        server.requests        # every request received: RecordedRequest(path, headers, body)
        server.bodies()        # request bodies as text (for secret-leak assertions)
        server.request_count
        server.wait_for_requests(1, timeout=30)   # for requests made by other processes
        server.default = lambda req: Reply.error(503)   # or an answer dict per request

It answers `POST /{v1beta|v1|v1alpha}/models/{model}:generateContent` (the installed
google-genai uses `/v1/` by default with a custom base URL; API key in the
`x-goog-api-key` header; a wrong key gets 403 when `api_key` is given) with
`{"candidates": [{"content": {"role": "model", "parts": [{"text": ...}]},
"finishReason": ...}], "usageMetadata": {...}}`. Queued replies are used first, in order;
when the queue is empty the `default` callback decides: it gets the request JSON and
returns a `Reply` or an answer dict. The built-in default (`valid_answer_for`) returns a
valid answer quoting a line from the prompt's untrusted evidence block.
"""

from __future__ import annotations

import collections
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackHTTPServer

_PATH_RE = re.compile(r"^/(?P<version>v1beta|v1|v1alpha)/models/(?P<model>[^/:]+):generateContent$")
_BLOCK_RE = re.compile(
    r"<<<UNTRUSTED_EVIDENCE (?P<nonce>\w+)>>>\n(?P<body>.*?)\n"
    r"<<<END_UNTRUSTED_EVIDENCE (?P=nonce)>>>",
    re.DOTALL,
)


@dataclass
class Reply:
    """One scripted response. Build with the class methods."""

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0
    drop: bool = False

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(status=status, body=json.dumps(obj).encode(), headers=dict(headers or {}))

    @classmethod
    def answer(
        cls, answer: dict[str, Any], finish_reason: str = "STOP", hang_s: float = 0.0
    ) -> Reply:
        """A model answer: `answer` serialised as the candidate's JSON text."""
        reply = cls.json(gemini_response(json.dumps(answer), finish_reason))
        reply.hang_s = hang_s
        return reply

    @classmethod
    def text(cls, text: str, finish_reason: str = "STOP") -> Reply:
        """A model answer with raw candidate text (e.g. unparsable JSON)."""
        return cls.json(gemini_response(text, finish_reason))

    @classmethod
    def error(
        cls, status: int, message: str | None = None, retry_after: float | None = None
    ) -> Reply:
        """A Google-style API error body, optionally with a Retry-After header."""
        names = {
            400: "INVALID_ARGUMENT",
            403: "PERMISSION_DENIED",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            503: "UNAVAILABLE",
            504: "DEADLINE_EXCEEDED",
        }
        body = {
            "error": {
                "code": status,
                "message": message or f"fake error {status}",
                "status": names.get(status, "UNKNOWN"),
            }
        }
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return cls.json(body, status=status, headers=headers)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Sleep `seconds` (or until the server stops), then answer 503."""
        reply = cls.error(503, "hung")
        reply.hang_s = seconds
        return reply

    @classmethod
    def close(cls) -> Reply:
        """Close the connection without sending any response."""
        return cls(drop=True)


def gemini_response(text: str, finish_reason: str = "STOP") -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": finish_reason,
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 100,
            "candidatesTokenCount": 50,
            "totalTokenCount": 150,
        },
        "modelVersion": "fake-gemini",
    }


def prompt_text(request_json: dict[str, Any]) -> str:
    """All text parts of the request's `contents` (the user turn)."""
    out: list[str] = []
    for content in request_json.get("contents", []) or []:
        for part in content.get("parts", []) or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
    return "\n".join(out)


def evidence_block(request_json: dict[str, Any]) -> str:
    """The untrusted evidence block of the prompt ('' when absent)."""
    m = _BLOCK_RE.search(prompt_text(request_json))
    return m.group("body") if m else ""


def valid_answer_for(request_json: dict[str, Any], category: str = "code_error") -> dict[str, Any]:
    """A valid answer quoting the last non-empty line of the evidence block."""
    lines = [ln for ln in evidence_block(request_json).splitlines() if ln.strip()]
    quoted = lines[-1].strip() if lines else ""
    return {
        "category": category,
        "cause": "The pipeline code raised on the quoted line.",
        "summary": "Fake Gemini diagnosis: the asset code failed.",
        "confidence": 0.8,
        "evidence": [quoted] if quoted else [],
        "remediation": ["Fix the code on the failing line."],
        "fix_suggestion": "",
    }


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: str
    at: float

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        m = _PATH_RE.match(self.path.split("?", 1)[0])
        return m.group("model") if m else None


DefaultFn = Callable[[dict[str, Any]], "Reply | dict[str, Any]"]


class FakeGemini:
    """Threaded loopback server speaking the Gemini `generateContent` REST API."""

    def __init__(
        self,
        default: DefaultFn | None = None,
        *,
        api_key: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.default: DefaultFn = default or valid_answer_for
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._queue: collections.deque[Reply] = collections.deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = LoopbackHTTPServer((host, 0), self._handler_class())
        self._server.block_on_close = False
        self._thread: threading.Thread | None = None

    # -- public API ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def env(self, api_key: str | None = None, *, mode: str = "gemini") -> dict[str, str]:
        """Environment variables pointing Sentinel's brain at this server."""
        return {
            "SENTINEL_BRAIN": mode,
            "GEMINI_API_KEY": api_key or self.api_key or "fake-gemini-key",
            "GEMINI_BASE_URL": self.url,
        }

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> list[RecordedRequest]:
        """Block until at least `count` requests arrived (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} Gemini requests, got {self.request_count}")

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    def bodies(self) -> list[str]:
        with self._lock:
            return [r.body for r in self.requests]

    def start(self) -> FakeGemini:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeGemini:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------------------
    def _next_reply(self, request_json: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        result = self.default(request_json)
        return result if isinstance(result, Reply) else Reply.answer(result)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _send(self, reply: Reply) -> None:
                body = reply.body or b""
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                rec = RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=raw,
                    at=time.time(),
                )
                with fake._lock:
                    fake.requests.append(rec)
                if not _PATH_RE.match(self.path.split("?", 1)[0]):
                    self._send(Reply.error(404, f"no route for {self.path}"))
                    return
                if fake.api_key is not None and rec.headers.get("x-goog-api-key") != fake.api_key:
                    self._send(Reply.error(403, "API key not valid"))
                    return
                request_json = rec.json if isinstance(rec.json, dict) else {}
                reply = fake._next_reply(request_json)
                if reply.hang_s > 0:
                    fake._stop.wait(reply.hang_s)
                if reply.drop:
                    self.close_connection = True
                    return
                try:
                    self._send(reply)
                except OSError:  # the client gave up (deadline): nothing to do
                    self.close_connection = True

            def do_GET(self) -> None:  # noqa: N802
                self._send(Reply.error(404, "only generateContent is faked"))

        return Handler


__all__ = [
    "FakeGemini",
    "RecordedRequest",
    "Reply",
    "evidence_block",
    "gemini_response",
    "prompt_text",
    "valid_answer_for",
]
