"""The webhook HTTP server: one thread per connection, on the standard library.

``http.server`` is not a hardened internet-facing server: run the receiver behind a
reverse proxy (nginx, Caddy, a cloud load balancer) or a tunnel that terminates TLS. The
receiver still enforces its own limits (``WebhookSettings``; each one is tested): request
bodies up to ``max_body_bytes`` (413 above; chunked bodies 411), ``timeout`` seconds for
each read of a request and between requests on a kept-alive connection (the connection
is then closed), ``max_connections`` connections at once (503 beyond), and
``http.server``'s own limits on request and header lines (64 KiB) and 100 headers.

Every request (GET or POST, any path) must carry a valid ``X-Twilio-Signature``; a valid
request becomes one RECORD of the ``webhook_events`` stream on stdout (written and flushed
*before* the 2xx response goes out, so an acknowledged event is never lost), an invalid or
unsigned one gets a 403 and no record.

The URL used for validation is the URL Twilio requested.  Behind a proxy or a tunnel that is
not the URL this server sees, so set ``webhook_public_url`` / ``--public-url`` (for example
``https://example.ngrok.app``): the validation URL is then that base plus the request's path
and query as received.  Without it, the URL is ``http://`` + the ``Host`` header + the path and
query (``X-Forwarded-*`` headers are deliberately not consulted).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tap_twilio.webhooks.config import WebhookSettings
from tap_twilio.webhooks.records import SingerEmitter, build_record
from tap_twilio.webhooks.signature import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    FormParams,
    signature_algorithm,
    validate_signature,
)

LOGGER = logging.getLogger("tap_twilio.webhooks")

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 20\r\nConnection: close\r\n\r\nService Unavailable\n"
)


class WebhookServer(ThreadingHTTPServer):
    """Threaded HTTP server that validates Twilio webhooks and emits Singer records.

    Handler threads are not daemons and are joined by ``server_close()``, so in-flight
    requests finish on shutdown.
    """

    daemon_threads = False
    block_on_close = True
    request_queue_size = 128  # listen backlog; socketserver's default of 5 resets bursts

    def __init__(self, settings: WebhookSettings, emitter: SingerEmitter) -> None:
        """Bind the server.

        Args:
            settings: The receiver settings.
            emitter: Where accepted events go.
        """
        self.settings = settings
        self.emitter = emitter
        self.stopping = threading.Event()
        self._slots = threading.BoundedSemaphore(settings.max_connections)
        super().__init__((settings.host, settings.port), _WebhookHandler)

    def process_request(self, request: t.Any, client_address: t.Any) -> None:
        """Serve a connection in a thread of its own, or refuse it (503) when all are busy.

        Args:
            request: The client socket.
            client_address: The client's address.
        """
        if not self._slots.acquire(blocking=False):
            LOGGER.warning(
                "refused a connection from %s: %d connections already open",
                client_address[0] if client_address else "?",
                self.settings.max_connections,
            )
            with contextlib.suppress(OSError):
                request.sendall(BUSY_RESPONSE)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: t.Any, client_address: t.Any) -> None:
        """Serve one connection, then free its place."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        return int(self.server_address[1])

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        """Log an unexpected error in a request handler as one line (traceback at DEBUG).

        Args:
            request: The client socket.
            client_address: The client's address.
        """
        error = sys.exc_info()[1]
        LOGGER.error(
            "error while handling a request from %s: %s: %s",
            client_address[0] if client_address else "?",
            type(error).__name__,
            error,
        )
        LOGGER.debug("traceback", exc_info=True)

    def request_stop(self) -> None:
        """Ask ``serve_forever`` to return; safe from signal handlers and handler threads."""
        if not self.stopping.is_set():
            self.stopping.set()
            threading.Thread(target=self.shutdown, name="webhook-shutdown", daemon=True).start()


class _WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookServer
    server_version = "tap-twilio-webhooks"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Seconds a slow or idle client may hold a handler thread (and delay shutdown):
        # each read of the request line, a header or the body must finish within it.
        self.connection.settimeout(self.server.settings.timeout)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: t.Any) -> None:  # noqa: A002
        LOGGER.debug("%s - %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: t.Any) -> None:  # noqa: A002
        LOGGER.warning("%s - %s", self.address_string(), format % args)

    def _respond(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _reject(self, status: int, text: str, reason: str) -> None:
        LOGGER.warning("rejected %s %s: %s", self.command, self._path_only(), reason)
        self._respond(status, (text + "\n").encode(), "text/plain; charset=utf-8")

    def _target(self) -> str:
        """Return the request target as path and query (origin form)."""
        if self.path.startswith(("http://", "https://")):  # absolute form (via a proxy)
            split = urlsplit(self.path)
            return (split.path or "/") + (f"?{split.query}" if split.query else "")
        return self.path

    def _path_only(self) -> str:
        return urlsplit(self._target()).path

    def _validation_url(self) -> str:
        settings = self.server.settings
        if settings.public_url:
            return settings.public_url + self._target()
        host = self.headers.get("Host")
        if not host:
            host = f"{self.server.server_address[0]!s}:{self.server.port}"
        return f"http://{host}{self._target()}"

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding"):
            self._reject(411, "Length Required", "chunked body not supported")
            return None
        length_header = self.headers.get("Content-Length")
        try:
            length = int(length_header) if length_header else 0
        except ValueError:
            self._reject(400, "Bad Request", "invalid Content-Length")
            return None
        if length < 0:
            self._reject(400, "Bad Request", "invalid Content-Length")
            return None
        if length > self.server.settings.max_body_bytes:
            self.close_connection = True
            self._reject(413, "Payload Too Large", f"body of {length} bytes")
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            self._reject(400, "Bad Request", "body shorter than Content-Length")
            return None
        return body

    def _handle(self) -> None:
        body = self._read_body()
        if body is None:
            return
        method = self.command
        target = self._target()
        content_type = self.headers.get("Content-Type")
        media_type = (content_type or "").split(";", 1)[0].strip().lower()

        form_pairs: list[tuple[str, str]] | None
        signed: FormParams | bytes
        if method == "GET":
            # GET webhooks carry their parameters in the (signed) URL; the form is empty.
            form_pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
            signed = ()
            body = b""
        elif media_type == FORM_CONTENT_TYPE or (not body and not media_type):
            form_pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            signed = form_pairs
        else:
            form_pairs = None
            signed = body

        signature = self.headers.get(SIGNATURE_HEADER)
        if not signature:
            self._reject(403, "Forbidden: missing X-Twilio-Signature", "no X-Twilio-Signature")
            return
        algorithm = signature_algorithm(self.headers.get(SIGNATURE_SETTINGS_HEADER))
        url = self._validation_url()
        if not validate_signature(
            self.server.settings.auth_token, url, signed, signature, algorithm=algorithm
        ):
            checked = urlsplit(url)
            self._reject(
                403,
                "Forbidden: invalid X-Twilio-Signature",
                f"signature mismatch ({algorithm}) for URL "
                f"{checked.scheme}://{checked.netloc}{checked.path}"
                + (
                    "" if self.server.settings.public_url else " (behind a proxy? set --public-url)"
                ),
            )
            return

        record = build_record(
            method=method,
            target=target,
            body=body,
            content_type=content_type,
            form_pairs=form_pairs,
            idempotency_token=self.headers.get(IDEMPOTENCY_HEADER),
        )
        try:
            self.server.emitter.write_record(record)
        except (OSError, ValueError):
            LOGGER.error("cannot write to the Singer output (closed?); stopping")
            self._respond(503, b"Service Unavailable\n", "text/plain; charset=utf-8")
            self.server.request_stop()
            return
        LOGGER.info(
            "accepted %s %s: %s event %s",
            method,
            record["path"],
            record["event_kind"],
            record["event_id"],
        )
        if form_pairs is not None:
            self._respond(200, EMPTY_TWIML, "text/xml; charset=utf-8")
        else:
            self._respond(200, b"{}", "application/json")


def make_server(settings: WebhookSettings, emitter: SingerEmitter | None = None) -> WebhookServer:
    """Create (and bind) a webhook server; call ``serve_forever()`` to run it.

    Args:
        settings: The receiver settings.
        emitter: Where accepted events go (default: stdout).

    Returns:
        The bound server.
    """
    return WebhookServer(settings, emitter or SingerEmitter())
