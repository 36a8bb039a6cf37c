"""The loopback HTTP server the fakes share."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on loopback that stays quiet when a client hangs up.

    Timeout tests make clients give up mid-response; `socketserver` would print each such
    reset as "Exception occurred during processing of request". Any other error is still
    printed.
    """

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
