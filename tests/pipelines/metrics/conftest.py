"""Shared fixtures: a fake Prometheus HTTP API on 127.0.0.1 (ephemeral port)."""

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fakes.loopback import LoopbackHTTPServer


class _PromHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802
        url = urllib.parse.urlparse(self.path)
        qs = urllib.parse.parse_qs(url.query)
        self.server.seen.append(qs)  # type: ignore[attr-defined]
        if url.path != "/api/v1/query_range":
            return self._send(404, {"status": "error", "errorType": "not_found", "error": "x"})
        query = qs["query"][0]
        if query == "slow":
            time.sleep(2)
            return self._send(200, {"status": "success", "data": {"resultType": "matrix"}})
        if query.startswith("bad("):
            return self._send(
                400,
                {"status": "error", "errorType": "bad_data", "error": "parse error at char 5"},
            )
        start, step = float(qs["start"][0]), 60.0
        body = {
            "status": "success",
            "data": {
                "resultType": "matrix",
                "result": [
                    {
                        "metric": {"__name__": "up", "job": "api", "instance": "a:9100"},
                        "values": [[start + i * step, str(1 + i)] for i in range(3)],
                    },
                    {
                        "metric": {"job": "db"},
                        "values": [[start, "2.5"], [start + step, "NaN"], [start + 2 * step, "x"]],
                    },
                ],
            },
        }
        return self._send(200, body)

    def _send(self, code, payload):
        data = json.dumps(payload).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)


@pytest.fixture
def prom_server() -> Iterator[LoopbackHTTPServer]:
    server = LoopbackHTTPServer(("127.0.0.1", 0), _PromHandler)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
