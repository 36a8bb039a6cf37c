"""The fakes' loopback server: quiet when a client hangs up, loud on anything else."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fakes.loopback import LoopbackHTTPServer


class _Raises(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/reset":
            raise ConnectionResetError("the client hung up")
        raise ValueError("a bug in the fake")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(("path", "printed"), [("/reset", False), ("/bug", True)])
def test_only_a_client_hanging_up_is_silent(path: str, printed: bool, capsys) -> None:
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Raises)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}{path}", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert ("Exception occurred during processing of request" in err) is printed
