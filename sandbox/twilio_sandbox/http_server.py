"""The HTTP side of the sandbox: the threaded server, its handler, the request log's
records and the malformed responses faults send.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from twilio_sandbox.wire import Response, error_body

# Keys of the 2010 flat envelope (as in the Twilio SDK's page loader).
FLAT_META_KEYS = {
    "end",
    "first_page_uri",
    "next_page_uri",
    "last_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "total",
    "num_pages",
    "start",
    "uri",
}

HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
NON_JSON = b"<html><body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>"


@dataclass
class RequestRecord:
    """One request as seen by the sandbox (``sandbox.requests``).

    Attributes:
        method: HTTP method.
        product: Product addressed (api, monitor, ...), or None if unroutable.
        path: Twilio path without the ``/{product}`` prefix.
        query: Decoded query (``{"DateSent>": ["2024-01-01"]}``).
        status: Status sent; 0 when the connection was dropped without a response.
        username: Basic-auth username (account or API key SID), None if absent.
        fault: Fault applied (``"429"``, ``"drop"``, ...) or None.
        form: Decoded form body of POSTs.
        started: When the sandbox began serving it (``time.time()``, seconds).
        ended: When it was logged, just before the answer was sent.
    """

    method: str
    product: str | None
    path: str
    query: dict[str, list[str]]
    status: int
    username: str | None
    fault: str | None = None
    form: dict[str, list[str]] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0


def multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, addr: tuple[str, int], handler: type[BaseHTTPRequestHandler], sandbox: Serving
    ):
        self.sandbox = sandbox
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        #: Connections accepted so far (a client that keeps them alive opens few).
        self.connections = 0
        super().__init__(addr, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, killed taps) or refused the sandbox's certificate
        (a TLS alert) is normal here, not a traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
            self.connections += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.sockets_lock:
                self.open_sockets.discard(request)

    def close_all(self) -> None:
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK stalls
    server_version = "TwilioSandbox/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    def version_string(self) -> str:
        """Value of the Server header."""
        return self.server_version

    def do_GET(self) -> None:
        """Handle GET."""
        self.server.sandbox._serve(self)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET
    do_PATCH = do_GET
    do_HEAD = do_GET


class Serving(Protocol):
    """What the HTTP server hands every request to (``twilio_sandbox.server.Sandbox``)."""

    def _serve(self, handler: Handler) -> None: ...


def unauthorized() -> Response:
    return Response(
        401,
        error_body(401, 20003, "Authenticate"),
        headers=[("WWW-Authenticate", 'Basic realm="Twilio API"')],
    )


def mangle(response: Response, kind: str) -> Response:
    """Turn a good list response into a malformed one."""
    try:
        obj = json.loads(response.body)
    except ValueError:
        return response
    if not isinstance(obj, dict):
        return response
    if "meta" in obj and isinstance(obj["meta"], dict):
        key = obj["meta"].get("key")
    else:
        keys = [k for k in obj if k not in FLAT_META_KEYS]
        key = keys[0] if len(keys) == 1 else None
    items = obj.get(key, []) if key else []
    if kind == "missing_key":
        if key:
            obj.pop(key, None)
        new: Any = obj
    else:
        new = {"data": items, "pagination": {"cursor": None, "has_more": False}}
    return Response(200, json.dumps(new, ensure_ascii=False).encode(), response.content_type)
