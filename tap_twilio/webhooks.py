"""Webhook receiver ("trigger") for tap-twilio: validated Twilio webhooks as Singer records.

``tap-twilio webhook-mode --config config.json [--host H] [--port P] [--public-url URL]``
runs a small HTTP server.  Every request (GET or POST, any path) must carry a valid
``X-Twilio-Signature``; a valid request becomes one RECORD of the ``webhook_events`` stream
on stdout (written and flushed *before* the 2xx response goes out, so an acknowledged event
is never lost), an invalid or unsigned one gets a 403 and no record.

Signature validation follows Twilio's own libraries (``twilio.request_validator`` in
Python, ``lib/webhooks/webhooks.js`` in Node) and uses the standard library only:

* form bodies (and GET requests, whose parameters live in the URL): the signed string is
  the full URL followed by, for each parameter name in sorted order and each of its distinct
  values in sorted order, ``name + value``;
* any other body (JSON): Twilio adds ``bodySHA256=<hex sha256 of the raw body>`` to the URL
  query, signs the URL alone, and the body must hash to that value;
* the signature is ``base64(HMAC-SHA1(auth token, signed string))`` (HMAC-SHA256 when the
  request's ``X-Twilio-Webhooks-Signature-Settings`` header says so), compared in constant
  time against the URL as received, the URL with its port removed and the URL with the
  default port added (``:443`` for https, ``:80`` for http), as Twilio may sign either.

The URL used for validation is the URL Twilio requested.  Behind a proxy or a tunnel that is
not the URL this server sees, so set ``webhook_public_url`` / ``--public-url`` (for example
``https://example.ngrok.app``): the validation URL is then that base plus the request's path
and query as received.  Without it, the URL is ``http://`` + the ``Host`` header + the path and
query (``X-Forwarded-*`` headers are deliberately not consulted).

Config keys read (the tap's own config file; CLI flags override them):

* ``webhook_auth_token`` (secret): the key Twilio signs webhooks with, i.e. the account's
  primary auth token (or a SharedKey secret if the account signs webhooks with one);
* ``auth_token``: used when ``webhook_auth_token`` is not set.  With API-key auth
  (``api_key_sid``/``api_key_secret``) ``webhook_auth_token`` is required: Twilio never signs
  with an API key secret;
* ``webhook_public_url``, ``webhook_host`` (default ``127.0.0.1``), ``webhook_port``
  (default ``8080``; ``0`` picks a free port, reported on stderr).

Webhooks for a subaccount's resources are signed with the subaccount's auth token.

Singer output (stdout): one SCHEMA message for ``webhook_events`` (key ``event_id``), then
one RECORD per accepted request.  No STATE message is written: a receiver has no position to
resume from, and a STATE could replace the bookmarks of the tap's normal syncs where both
share a state ID.  Logs go to stderr and never contain the token or a signature.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import logging
import os
import signal
import sys
import threading
import typing as t
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

from singer_sdk.singerlib import RecordMessage, SchemaMessage, format_message

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "HMAC_SHA1",
    "HMAC_SHA256",
    "RECORD_SCHEMA",
    "SIGNATURE_HEADER",
    "SIGNATURE_SETTINGS_HEADER",
    "STREAM_NAME",
    "ConfigError",
    "SingerEmitter",
    "WebhookServer",
    "WebhookSettings",
    "build_record",
    "classify_event",
    "compute_body_hash",
    "compute_signature",
    "load_config",
    "main",
    "make_server",
    "settings_from_config",
    "signature_algorithm",
    "url_variants",
    "validate_signature",
]

LOGGER = logging.getLogger(__name__)
PROG = "tap-twilio webhook-mode"

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"
_HASHES: dict[str, t.Callable[..., t.Any]] = {HMAC_SHA1: hashlib.sha1, HMAC_SHA256: hashlib.sha256}

STREAM_NAME = "webhook_events"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
MAX_BODY_BYTES = 10 * 1024 * 1024
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
ENV_PREFIX = "TAP_TWILIO_"

FormParams = Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]]
"""Form parameters: a mapping name -> value(s), or (name, value) pairs (repeats allowed)."""

# --------------------------------------------------------------------------------------
# Signature validation
# --------------------------------------------------------------------------------------


def _param_values(params: FormParams | None) -> dict[str, list[str]]:
    """Normalize form parameters to ``name -> [values]``.

    Args:
        params: A mapping (values a string or an iterable of strings) or (name, value) pairs.

    Returns:
        A dict of every parameter name to the list of its values.
    """
    result: dict[str, list[str]] = {}
    if params is None:
        return result
    if isinstance(params, Mapping):
        for name, value in params.items():
            values = [value] if isinstance(value, str) else list(value)
            result.setdefault(name, []).extend(values)
        return result
    for name, value in params:
        result.setdefault(name, []).append(value)
    return result


def compute_signature(
    auth_token: str,
    url: str,
    params: FormParams | None = None,
    *,
    algorithm: str = HMAC_SHA1,
) -> str:
    """Compute the ``X-Twilio-Signature`` Twilio sends for a request.

    Args:
        auth_token: The signing key (the account's auth token).
        url: The full URL exactly as signed (scheme, host, optional port, path and query).
        params: Form parameters (none for GET requests and JSON bodies).
        algorithm: ``HMAC_SHA1`` (Twilio's default) or ``HMAC_SHA256``.

    Returns:
        The base64 signature.

    Raises:
        ValueError: If the algorithm is not supported.
    """
    digest = _HASHES.get(algorithm.upper())
    if digest is None:
        msg = f"unsupported webhook signature algorithm: {algorithm!r}"
        raise ValueError(msg)
    parts = [url]
    for name, values in sorted(_param_values(params).items()):
        parts.extend(name + value for value in sorted(set(values)))
    mac = hmac.new(auth_token.encode("utf-8"), "".join(parts).encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def compute_body_hash(body: bytes | str) -> str:
    """Return the ``bodySHA256`` value Twilio puts in the URL of a non-form webhook.

    Args:
        body: The raw request body (a string is encoded as UTF-8).

    Returns:
        The lowercase hex SHA-256 of the body.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return hashlib.sha256(raw).hexdigest()


def _split_netloc(url: str) -> tuple[str, str, str, str | None, str] | None:
    """Split ``url`` into prefix (``scheme://userinfo@``), host, port and the rest, verbatim.

    Args:
        url: An absolute URL.

    Returns:
        ``(scheme, prefix, host, port or None, rest)``, or None if the URL has no authority.
    """
    scheme, sep, after = url.partition("://")
    if not sep or not scheme:
        return None
    end = len(after)
    for delimiter in "/?#":
        index = after.find(delimiter)
        if index != -1:
            end = min(end, index)
    netloc, rest = after[:end], after[end:]
    userinfo, at, hostport = netloc.rpartition("@")
    prefix = f"{scheme}://{userinfo}{at}"
    if hostport.startswith("["):  # IPv6 literal
        close = hostport.find("]")
        host, port_part = hostport[: close + 1], hostport[close + 1 :]
        port = port_part[1:] if port_part.startswith(":") else None
    else:
        host, colon, port_text = hostport.partition(":")
        port = port_text if colon else None
    return scheme.lower(), prefix, host, port or None, rest


def url_variants(url: str) -> list[str]:
    """Return the URLs a signature may have been computed over.

    Like Twilio's libraries: the URL with any port removed and the URL with the scheme's
    default port added when it has none (``:443`` for https, ``:80`` otherwise), plus the
    URL exactly as given.

    Args:
        url: The full request URL.

    Returns:
        The distinct candidate URLs, the given one first.
    """
    variants = [url]
    parts = _split_netloc(url)
    if parts is not None:
        scheme, prefix, host, port, rest = parts
        if port is None:
            default = "443" if scheme == "https" else "80"
            variants.append(f"{prefix}{host}:{default}{rest}")
        else:
            variants.append(f"{prefix}{host}{rest}")
    return list(dict.fromkeys(variants))


def _equal(expected: str, actual: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), actual.encode("utf-8"))


def validate_signature(
    auth_token: str,
    url: str,
    params: FormParams | bytes | str | None,
    signature: str | None,
    *,
    algorithm: str | None = None,
) -> bool:
    """Check a request's ``X-Twilio-Signature``.

    Args:
        auth_token: The signing key (the account's auth token).
        url: The full URL Twilio requested (scheme, host, optional port, path and query).
        params: For form-encoded requests the form parameters (a mapping or (name, value)
            pairs; None or empty for GET requests).  For any other body, the raw body
            (``bytes`` or ``str``): the URL must then carry ``bodySHA256`` and the body must
            hash to it; the signature covers the URL alone.
        signature: The ``X-Twilio-Signature`` header value (None when missing).
        algorithm: ``HMAC_SHA1`` (default) or ``HMAC_SHA256``, see
            :func:`signature_algorithm`.  Any other value fails validation.

    Returns:
        True if the signature is valid for this URL, parameters or body, and key.
    """
    algorithm = (algorithm or HMAC_SHA1).upper()
    if not signature or algorithm not in _HASHES:
        return False
    form: FormParams | None
    if isinstance(params, (bytes, str)):
        expected_hashes = parse_qs(urlsplit(url).query).get("bodySHA256")
        if expected_hashes:
            if not _equal(compute_body_hash(params), expected_hashes[0]):
                return False
        elif params:
            return False  # a non-form body without bodySHA256 cannot be authenticated
        form = None
    else:
        form = params
    valid = False
    for candidate in url_variants(url):
        # no short-circuit: every candidate costs the same
        valid |= _equal(
            compute_signature(auth_token, candidate, form, algorithm=algorithm), signature
        )
    return valid


def signature_algorithm(settings_header: str | None) -> str:
    """Read the algorithm named in an ``X-Twilio-Webhooks-Signature-Settings`` header.

    Args:
        settings_header: The header value, e.g. ``key=...,algorithm=HMAC_SHA256``.

    Returns:
        The algorithm name; ``HMAC_SHA1`` when the header or its ``algorithm`` is absent.
    """
    for part in (settings_header or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return HMAC_SHA1


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------

_NULLABLE_STRING = {"type": ["string", "null"]}

RECORD_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "event_id": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time"},
        "method": {"type": "string"},
        "path": {"type": "string"},
        "query": {"type": "object", "additionalProperties": True},
        "content_type": _NULLABLE_STRING,
        "event_kind": {
            "type": "string",
            "enum": ["message_status", "inbound_message", "call_status", "json", "other"],
        },
        "params": {"type": "object", "additionalProperties": True},
        "account_sid": _NULLABLE_STRING,
        "message_sid": _NULLABLE_STRING,
        "call_sid": _NULLABLE_STRING,
        "sids": {"type": "object", "additionalProperties": {"type": "string"}},
        "signature_valid": {"type": "boolean"},
    },
    "required": ["event_id", "received_at", "method", "path", "event_kind", "params"],
}
"""JSON schema of a ``webhook_events`` record."""


def _collapse(pairs: Iterable[tuple[str, str]]) -> dict[str, t.Any]:
    """Turn (name, value) pairs into ``name -> value`` (``name -> [values]`` when repeated).

    Args:
        pairs: The parameters in request order.

    Returns:
        A dict with a string for single-valued and a list for repeated names.
    """
    result: dict[str, t.Any] = {}
    for name, value in pairs:
        if name not in result:
            result[name] = value
        elif isinstance(result[name], list):
            result[name].append(value)
        else:
            result[name] = [result[name], value]
    return result


def _first(params: Mapping[str, t.Any], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value:
            return value
    return None


def classify_event(params: Mapping[str, t.Any]) -> str:
    """Derive the ``event_kind`` of a form-encoded (or GET) webhook.

    Rule, first match wins (JSON bodies are ``json`` without calling this, see
    :func:`build_record`):

    1. ``inbound_message``: a message SID (``MessageSid``/``SmsSid``/``SmsMessageSid``) and
       a ``Body``, no ``Direction`` starting with ``outbound``, and no status other than
       ``received`` in ``MessageStatus``/``SmsStatus`` (Twilio's incoming-message webhook
       sends ``SmsStatus=received``; status callbacks send ``queued``, ``sent``,
       ``delivered``, ...);
    2. ``message_status``: a message SID and ``MessageStatus`` or ``SmsStatus``;
    3. ``call_status``: ``CallSid`` and ``CallStatus``;
    4. ``other``.

    Args:
        params: The form parameters (single value -> string, repeated -> list).

    Returns:
        One of ``inbound_message``, ``message_status``, ``call_status``, ``other``.
    """
    message_sid = _first(params, "MessageSid", "SmsSid", "SmsMessageSid")
    if message_sid:
        status = _first(params, "MessageStatus", "SmsStatus")
        direction = _first(params, "Direction") or ""
        if (
            "Body" in params
            and not direction.lower().startswith("outbound")
            and status in (None, "received")
        ):
            return "inbound_message"
        if status:
            return "message_status"
    if _first(params, "CallSid") and _first(params, "CallStatus"):
        return "call_status"
    return "other"


def _event_id(method: str, target: str, body: bytes, idempotency_token: str | None) -> str:
    if idempotency_token:
        return idempotency_token
    digest = hashlib.sha256(f"{method} {target}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def build_record(
    *,
    method: str,
    target: str,
    body: bytes,
    content_type: str | None,
    form_pairs: list[tuple[str, str]] | None,
    idempotency_token: str | None = None,
    received_at: datetime | None = None,
) -> dict[str, t.Any]:
    """Build the ``webhook_events`` record for an accepted request.

    Args:
        method: The HTTP method.
        target: The request target (path and query) as received.
        body: The raw body.
        content_type: The ``Content-Type`` header, if any.
        form_pairs: The form parameters for form-encoded and GET requests (for GET, the
            query parameters); None when the body is not a form.
        idempotency_token: The ``I-Twilio-Idempotency-Token`` header, if any.
        received_at: When the request arrived (default: now).

    Returns:
        The record. ``params`` is the form (single value -> string, repeated -> list) or the
        parsed JSON body; a JSON body that is not an object is put under ``_body``, a body
        that is not JSON under ``_raw`` (text) and classified ``other``.
    """
    received_at = received_at or datetime.now(timezone.utc)
    split = urlsplit(target)
    params: dict[str, t.Any]
    if form_pairs is not None:
        params = _collapse(form_pairs)
        kind = classify_event(params)
    else:
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            params = {"_raw": body.decode("utf-8", errors="replace")}
            kind = "other"
        else:
            params = parsed if isinstance(parsed, dict) else {"_body": parsed}
            kind = "json"
    sids = {name: _first(params, name) for name in params if name.endswith(("Sid", "_sid"))}
    return {
        "event_id": _event_id(method, target, body, idempotency_token),
        "received_at": received_at.astimezone(timezone.utc).isoformat(),
        "method": method,
        "path": split.path,
        "query": _collapse(parse_qsl(split.query, keep_blank_values=True)),
        "content_type": content_type,
        "event_kind": kind,
        "params": params,
        "account_sid": _first(params, "AccountSid", "accountSid", "account_sid"),
        "message_sid": _first(
            params, "MessageSid", "SmsSid", "SmsMessageSid", "messageSid", "message_sid"
        ),
        "call_sid": _first(params, "CallSid", "callSid", "call_sid"),
        "sids": {name: value for name, value in sids.items() if value is not None},
        "signature_valid": True,
    }


class SingerEmitter:
    """Writes Singer messages as lines to a text stream, one writer at a time, flushed."""

    def __init__(self, out: t.TextIO | None = None) -> None:
        """Create an emitter.

        Args:
            out: The stream to write to (default: ``sys.stdout`` at write time).
        """
        self._out = out
        self._lock = threading.Lock()
        self.records_written = 0
        self.broken = False

    def _write(self, line: str) -> None:
        out = self._out if self._out is not None else sys.stdout
        with self._lock:
            if self.broken:
                raise BrokenPipeError("Singer output is closed")
            try:
                out.write(line + "\n")
                out.flush()
            except (OSError, ValueError):
                self.broken = True
                raise

    def write_schema(self) -> None:
        """Write the SCHEMA message of the ``webhook_events`` stream."""
        message = SchemaMessage(
            stream=STREAM_NAME, schema=RECORD_SCHEMA, key_properties=["event_id"]
        )
        self._write(format_message(message))

    def write_record(self, record: dict[str, t.Any]) -> None:
        """Write one RECORD message and flush it.

        Args:
            record: A record built by :func:`build_record`.
        """
        time_extracted = datetime.fromisoformat(record["received_at"])
        message = RecordMessage(stream=STREAM_NAME, record=record, time_extracted=time_extracted)
        self._write(format_message(message))
        with self._lock:
            self.records_written += 1


# --------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------


class ConfigError(Exception):
    """A problem with the webhook configuration, described in one line without secrets."""


@dataclass(frozen=True)
class WebhookSettings:
    """Resolved settings of the webhook receiver."""

    auth_token: str = field(repr=False)
    """The signing key (never logged)."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str | None = None
    """Public base URL (``scheme://host[:port][/prefix]``, no trailing slash), if any."""


def _public_url(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("webhook public URL must be a string")
    split = urlsplit(value)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise ConfigError("webhook public URL must be an http(s) URL with a host")
    if split.query or split.fragment or "@" in split.netloc:
        raise ConfigError(
            "webhook public URL must be scheme://host[:port][/prefix] "
            "(no query, fragment or credentials)"
        )
    return value.rstrip("/")


def _port(value: object) -> int:
    try:
        port = int(t.cast("t.Any", value))
    except (TypeError, ValueError):
        raise ConfigError(f"webhook port must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not 0 <= port <= 65535:
        raise ConfigError(f"webhook port must be between 0 and 65535, got {value!r}")
    return port


def settings_from_config(
    config: Mapping[str, t.Any],
    *,
    host: str | None = None,
    port: int | None = None,
    public_url: str | None = None,
) -> WebhookSettings:
    """Resolve the receiver's settings from the tap config and command-line overrides.

    Args:
        config: The tap config.
        host: ``--host`` (overrides ``webhook_host``).
        port: ``--port`` (overrides ``webhook_port``).
        public_url: ``--public-url`` (overrides ``webhook_public_url``).

    Returns:
        The settings.

    Raises:
        ConfigError: If no signing key is configured or a value is invalid.
    """
    token = config.get("webhook_auth_token") or config.get("auth_token")
    if not token:
        if config.get("api_key_sid") or config.get("api_key_secret"):
            raise ConfigError(
                "webhook_auth_token is required with API-key auth: Twilio signs webhooks "
                "with the account's primary auth token, not with an API key secret"
            )
        raise ConfigError(
            "no webhook signing key: set webhook_auth_token (or auth_token) in the config"
        )
    if not isinstance(token, str):
        raise ConfigError("webhook_auth_token / auth_token must be a string")
    host_value = host if host is not None else config.get("webhook_host") or DEFAULT_HOST
    if not isinstance(host_value, str):
        raise ConfigError("webhook_host must be a string")
    port_value = port if port is not None else config.get("webhook_port", DEFAULT_PORT)
    if port_value is None:
        port_value = DEFAULT_PORT
    return WebhookSettings(
        auth_token=token,
        host=host_value,
        port=_port(port_value),
        public_url=_public_url(public_url or config.get("webhook_public_url")),
    )


_ENV_KEYS = (
    "auth_token",
    "api_key_sid",
    "api_key_secret",
    "webhook_auth_token",
    "webhook_public_url",
    "webhook_host",
    "webhook_port",
)


def load_config(paths: Iterable[str]) -> dict[str, t.Any]:
    """Load and merge config files (later ones win), like the tap's ``--config``.

    ``ENV`` instead of a path reads ``TAP_TWILIO_<KEY>`` environment variables for the
    keys this module uses.

    Args:
        paths: Config file paths, or ``ENV``.

    Returns:
        The merged config.

    Raises:
        ConfigError: If a file is missing, unreadable, not JSON or not a JSON object.
    """
    config: dict[str, t.Any] = {}
    for path in paths:
        if path == "ENV":
            for key in _ENV_KEYS:
                if ENV_PREFIX + key.upper() in os.environ:
                    config[key] = os.environ[ENV_PREFIX + key.upper()]
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"config file {path} is not valid JSON ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno})"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(f"config file {path} is not UTF-8 text") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {path} must contain a JSON object")
        config.update(loaded)
    return config


# --------------------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------------------


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
        super().__init__((settings.host, settings.port), _WebhookHandler)

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
    timeout = 30  # seconds a slow client may hold a handler thread (and shutdown)
    server_version = "tap-twilio-webhooks"
    sys_version = ""

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
            host = f"{self.server.server_address[0]}:{self.server.port}"
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
        if length > MAX_BODY_BYTES:
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


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Receive Twilio webhooks, validate X-Twilio-Signature and write each accepted "
            f"event as a Singer RECORD of stream {STREAM_NAME!r} to stdout."
        ),
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="PATH",
        help="tap config JSON file (repeatable; 'ENV' reads TAP_TWILIO_* variables)",
    )
    parser.add_argument("--host", help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free port)"
    )
    parser.add_argument(
        "--public-url",
        help="public base URL Twilio calls (e.g. https://example.ngrok.app) when behind a proxy",
    )
    return parser


def _configure_logging() -> None:
    if any(getattr(h, "_tap_twilio_webhooks", False) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {PROG}: %(message)s"))
    handler._tap_twilio_webhooks = True  # type: ignore[attr-defined]
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


def _silence_stdout() -> None:
    """After the reader of stdout went away, avoid a BrokenPipeError at interpreter exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the webhook receiver until SIGTERM/SIGINT.

    Args:
        argv: The arguments after ``webhook-mode`` (default: ``sys.argv[1:]``).

    Returns:
        0 after a clean shutdown, 2 for a configuration or startup problem (one line on
        stderr), 1 if stdout was closed under the receiver.
    """
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = settings_from_config(
            load_config(args.config), host=args.host, port=args.port, public_url=args.public_url
        )
    except ConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr, flush=True)
        return 2

    emitter = SingerEmitter()
    try:
        server = make_server(settings, emitter)
    except OSError as exc:
        print(
            f"{PROG}: error: cannot listen on {settings.host}:{settings.port}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
            flush=True,
        )
        return 2

    _configure_logging()
    # Left installed after main() returns, so a repeated signal during exit is harmless.
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: server.request_stop())
    except ValueError:  # not the main thread: the caller stops the server
        pass

    try:
        emitter.write_schema()
        host, port = server.server_address[:2]
        public = f", public URL {settings.public_url}" if settings.public_url else ""
        LOGGER.info("listening on http://%s:%s%s", host, port, public)
        server.serve_forever(poll_interval=0.2)
    except (OSError, ValueError):
        emitter.broken = True
    finally:
        server.server_close()  # joins in-flight request threads

    if emitter.broken:
        LOGGER.error("Singer output closed; %d records written", emitter.records_written)
        _silence_stdout()
        return 1
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()
        return 1
    LOGGER.info("stopped; %d records written", emitter.records_written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
