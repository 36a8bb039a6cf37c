"""A local HTTP dependency that can be down (connection refused) or up, for the
`demo_dependency` job: `GET /rates` answers a small JSON object while it runs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import LoopbackHTTPServer, free_port


class RatesService:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server: LoopbackHTTPServer | None = None
        self.hits = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rates"

    def up(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                service.hits += 1
                data = json.dumps({"EUR": 1.08, "GBP": 1.27, "JPY": 0.0067}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = LoopbackHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
