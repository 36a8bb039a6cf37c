# ruff: noqa: E501  (embedded S3 error documents)
"""The loopback HTTP server the network cases talk to (127.0.0.1 only).

Routes answer like the services the cases imitate: a REST API (`/api/<status>/...`, slow,
dropped connections, non-JSON bodies) and an S3 endpoint (`NoSuchKey`, `AccessDenied`,
`InvalidAccessKeyId`, `SlowDown`). `serve()` starts it for the length of a `with` block and
stops it afterwards; nothing runs at import.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_S3_ERROR = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{c}</Code><Message>{m}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>'


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self,
        code: int,
        body: str,
        ctype: str = "application/json",
        extra: dict[str, str] | None = None,
    ) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._route()

    def do_HEAD(self) -> None:  # noqa: N802
        self._route()

    def do_PUT(self) -> None:  # noqa: N802
        self._drain_body()
        self._route()

    def do_POST(self) -> None:  # noqa: N802
        self._drain_body()
        self._route()

    def _drain_body(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def _route(self) -> None:
        p = self.path
        if p.startswith("/api/401"):
            self._send(401, '{"detail": "Invalid token."}')
        elif p.startswith("/api/403"):
            self._send(403, '{"detail": "You do not have permission to perform this action."}')
        elif p.startswith("/api/429"):
            self._send(429, '{"error": "rate limit exceeded"}', extra={"Retry-After": "30"})
        elif p.startswith("/api/503"):
            self._send(503, "<html><body>Service Unavailable</body></html>", "text/html")
        elif p.startswith("/api/502"):
            self._send(502, "<html><body>Bad Gateway</body></html>", "text/html")
        elif p.startswith("/api/500"):
            self._send(500, '{"error": "internal"}')
        elif p.startswith("/api/404"):
            self._send(404, '{"detail": "Not found."}')
        elif p.startswith("/api/slow"):
            time.sleep(1.5)
            self._send(200, "[]")
        elif p.startswith("/api/html"):
            self._send(200, "<html><body>Maintenance</body></html>", "text/html")
        elif p.startswith("/api/empty"):
            self._send(200, '{"data": null, "count": 0}')
        elif p.startswith("/api/orders"):
            self._send(
                200, json.dumps({"data": [{"id": 1, "total": "12.50"}, {"id": 2, "total": "n/a"}]})
            )
        elif p.startswith("/api/drop"):
            # The peer closes without answering: http.client reports RemoteDisconnected.
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif "/s3/" in p or p.startswith(("/raw-bucket", "/landing")):
            self._route_s3(p)
        else:
            self._send(200, "{}")

    def _route_s3(self, p: str) -> None:
        if "missing" in p:
            code, err = 404, ("NoSuchKey", "The specified key does not exist.")
        elif "denied" in p:
            code, err = 403, ("AccessDenied", "Access Denied")
        elif "badkey" in p:
            code, err = (
                403,
                (
                    "InvalidAccessKeyId",
                    "The AWS Access Key Id you provided does not exist in our records.",
                ),
            )
        elif "slow" in p:
            code, err = 503, ("SlowDown", "Please reduce your request rate.")
        else:
            self._send(404, "", "application/xml")
            return
        self._send(code, _S3_ERROR.format(c=err[0], m=err[1]), "application/xml")


@contextmanager
def serve() -> Iterator[int]:
    """Serve on an ephemeral loopback port; yield the port; stop and close on exit."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, name="gen-cases-loopback", daemon=True)
    thread.start()
    try:
        yield int(srv.server_address[1])
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)
