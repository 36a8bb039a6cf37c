"""A loopback Socket Mode endpoint (the `websockets` package): greets with `hello`, sends
envelopes like Slack's, and records the acknowledgements the app sends back."""

from __future__ import annotations

import json
import threading
import time
import uuid
from queue import Empty, Queue
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self.outgoing: Queue[dict[str, Any]] = Queue()
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._server: Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=test"

    def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))

        def reader() -> None:
            try:
                for raw in ws:
                    self.acks.append(json.loads(raw))
            except ConnectionClosed:
                pass

        threading.Thread(target=reader, daemon=True).start()
        while True:
            try:
                envelope = self.outgoing.get(timeout=0.1)
            except Empty:
                if ws.state.name in ("CLOSING", "CLOSED"):
                    return
                continue
            try:
                ws.send(json.dumps(envelope))
            except ConnectionClosed:
                return

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = str(uuid.uuid4())
        self.outgoing.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for ack in self.acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            time.sleep(0.05)
        raise AssertionError(f"no acknowledgement of {envelope_id}; got {self.acks}")

    def start(self) -> FakeSocketMode:
        self._server = serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
