"""The ``Sandbox`` facade: the organisation, its API and faults served over HTTP.

The transport (ThreadingHTTPServer, HTTP/1.1 keep-alive) is in ``http_server``.
"""

from __future__ import annotations

import base64
import binascii
import json
import ssl
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from twilio_sandbox.faults import Action, FaultEngine, Faults, Injection
from twilio_sandbox.formats import to_datetime
from twilio_sandbox.http_server import (
    HTML_502,
    NON_JSON,
    Handler,
    RequestRecord,
    Server,
    mangle,
    multi,
    unauthorized,
)
from twilio_sandbox.org import Org
from twilio_sandbox.registry import PRODUCTS
from twilio_sandbox.routes import Api
from twilio_sandbox.wire import JSON_TYPE, Principal, Request, Response, error_body, not_found

# Bound at import: tests that stub time.sleep for the tap's retries keep real latency here.
_sleep = time.sleep


#: Twilio serves its REST API over HTTPS: every host of its OpenAPI specs' ``servers`` is
#: ``https://`` (e.g. ``https://api.twilio.com`` in twilio_api_v2010.json; Twilio's security
#: docs, https://www.twilio.com/docs/usage/security). The sandbox's certificate
#: (``Sandbox(tls=True)``): self-signed for ``localhost``, ``127.0.0.1`` and ``::1``, valid
#: until 2126; trusted by a client that is given it as its CA bundle (the tap:
#: ``REQUESTS_CA_BUNDLE``). Its key is public: for tests only.
TLS_CERT = str(resources.files("twilio_sandbox").joinpath("tls", "localhost.pem"))
TLS_KEY = str(resources.files("twilio_sandbox").joinpath("tls", "localhost.key"))


def tls_context() -> ssl.SSLContext:
    """The server side of the sandbox's TLS (TLS 1.2 or 1.3, as Twilio's API offers)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(TLS_CERT, TLS_KEY)
    return context


class Sandbox:
    """A deterministic synthetic Twilio organisation served over real HTTP on localhost.

    Example:
        >>> with Sandbox(seed=0) as sb:  # doctest: +SKIP
        ...     config = sb.tap_config()

    Args:
        seed: Seed of all generated data (same seed + same ``now`` = same data).
        scale: Multiplier of the big lists (messages, calls, recordings).
        now: Reference time of the data (default: current UTC time truncated to
            the minute). Naive datetimes are taken as UTC.
        latency: Seconds added to every response (``faults.latency``).
        subaccounts: Number of extra small "fleet" subaccounts (deterministic SIDs and
            tokens, owned by the main account, status active; most hold no data, every
            10th a handful of messages and calls). Listed by /Accounts.json after the
            default accounts; see ``fleet_sids``.
        undated_order: Where Messages without ``date_sent`` and Calls without
            ``start_time`` sort in their unfiltered list: ``"first"`` (default) or
            ``"last"``. Twilio does not document it; dated records are newest first.
        conversation_history: Number of extra old ``closed`` conversations (1-3
            messages, 1-2 participants each) spread over the main account's
            Conversation Services, created 180 to 14 days ago.
    """

    def __init__(
        self,
        seed: int = 0,
        scale: float = 1.0,
        now: datetime | None = None,
        latency: float = 0.0,
        subaccounts: int = 0,
        undated_order: str = "first",
        conversation_history: int = 0,
        tls: bool = False,
    ) -> None:
        #: Serve HTTPS (``TLS_CERT``), as Twilio does, instead of plain HTTP.
        self.tls = tls
        self.org = Org(
            seed=seed,
            scale=scale,
            now=now,
            subaccounts=subaccounts,
            undated_order=undated_order,
            conversation_history=conversation_history,
        )
        self.api = Api(self.org)
        self.faults = Faults(latency=latency, seed=seed)
        self._engine = FaultEngine(self.faults)
        self._requests: list[RequestRecord] = []
        self._requests_lock = threading.Lock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        creds = self.org.creds
        self._auth: dict[str, tuple[str, str]] = {
            creds.account_sid: (creds.auth_token, creds.account_sid)
        }
        self._auth[creds.api_key_sid] = (creds.api_key_secret, creds.account_sid)
        for ctx in self.org.gen.accounts.values():  # every subaccount's own SID + token
            self._auth.setdefault(ctx.sid, (ctx.auth_token, ctx.sid))

    # ------------------------------------------------------------------ lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        """Start serving on ``host:port`` (port 0 = a free port) in a background thread."""
        if self._server is not None:
            return self
        server = Server((host, port), Handler, self)
        if self.tls:
            # The handshake is made by the connection's own thread, at its first read.
            server.socket = tls_context().wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server = server
        bound_port = server.server_address[1]
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self._url = f"{self.scheme}://{shown}:{bound_port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="twilio-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while serving."""
        return self._server is not None

    # ------------------------------------------------------------------ addresses & credentials

    @property
    def scheme(self) -> str:
        """``https`` when serving TLS, else ``http``."""
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https://`` with ``tls``; after ``start``)."""
        if self._url is None:
            raise RuntimeError("sandbox not started")
        return self._url

    @property
    def port(self) -> int:
        """Bound port."""
        return int(self.url.rsplit(":", 1)[1])

    @property
    def base_url(self) -> str:
        """Base URL template for the tap: ``http://127.0.0.1:PORT/{product}``."""
        return self.url + "/{product}"

    def product_url(self, product: str) -> str:
        """Absolute base of one product, e.g. ``http://127.0.0.1:PORT/api``."""
        return f"{self.url}/{product}"

    @property
    def account_sid(self) -> str:
        """Main account SID."""
        return self.org.creds.account_sid

    @property
    def auth_token(self) -> str:
        """Main account auth token."""
        return self.org.creds.auth_token

    @property
    def api_key_sid(self) -> str:
        """API key SID (SK...) of the main account."""
        return self.org.creds.api_key_sid

    @property
    def api_key_secret(self) -> str:
        """API key secret."""
        return self.org.creds.api_key_secret

    @property
    def subaccount_sids(self) -> list[str]:
        """Subaccount SIDs: [Sub A (recent activity), Sub B (old activity only)]."""
        return [sid for sid, _ in self.org.creds.subaccounts]

    @property
    def fleet_sids(self) -> list[str]:
        """SIDs of the extra subaccounts of ``Sandbox(subaccounts=N)``, in creation order."""
        return [ctx.sid for ctx in self.org.gen.accounts.values() if ctx.is_fleet]

    def auth_for(self, account_sid: str | None = None) -> tuple[str, str]:
        """``(username, password)`` Basic-auth pair of an account (default: main)."""
        sid = account_sid or self.account_sid
        if sid not in self._auth or sid.startswith("SK"):
            raise KeyError(f"unknown account {sid!r}")
        return sid, self._auth[sid][0]

    def tap_config(self, auth: str = "token", **extra: Any) -> dict[str, Any]:
        """A tap config pointing at this sandbox.

        Args:
            auth: ``"token"`` (account_sid + auth_token) or ``"api_key"``
                (account_sid + api_key_sid + api_key_secret).
            **extra: Merged into the config (e.g. ``start_date``).

        Returns:
            The config dict.
        """
        config: dict[str, Any] = {"account_sid": self.account_sid}
        if auth == "token":
            config["auth_token"] = self.auth_token
        elif auth == "api_key":
            config["api_key_sid"] = self.api_key_sid
            config["api_key_secret"] = self.api_key_secret
        else:
            raise ValueError("auth must be 'token' or 'api_key'")
        config["base_url"] = self.base_url
        config.update(extra)
        return config

    # ------------------------------------------------------------------ data

    @property
    def now(self) -> datetime:
        """Reference time of the generated data."""
        return self.org.now

    def clock(self) -> datetime:
        """Current sandbox time (``now`` + real time elapsed since generation + advances)."""
        return to_datetime(self.org.clock())

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the sandbox clock forward and return the new sandbox time.

        Later adds/updates get later timestamps; windows such as TaskRouter's 15 minutes
        and the alerts' 30 days move too.
        """
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        self.org.advance(seconds)
        return self.clock()

    @property
    def accounts(self) -> list[dict[str, Any]]:
        """Account records (raw Twilio JSON with auth_token), main first."""
        return self.org.accounts()

    @property
    def active_accounts(self) -> list[dict[str, Any]]:
        """Account records whose ``status`` is active (main first).

        An account refused with ``refuse_account`` is still listed here: its status
        does not announce the refusal.
        """
        return self.org.active_accounts()

    @property
    def inactive_subaccount_sids(self) -> list[str]:
        """SIDs of the default organisation's [suspended, closed] subaccounts."""
        return [ctx.sid for ctx in self.org.gen.accounts.values() if ctx.status != "active"]

    def default_conversation_service(self, account_sid: str | None = None) -> str | None:
        """SID of an account's default Conversation Service, None when it has none.

        ``/v1/Conversations``, ``/v1/Users`` and their children show only its records.
        """
        ctx = self.org.account(account_sid or self.account_sid)
        if ctx is None:
            raise KeyError(f"unknown account {account_sid!r}")
        return ctx.conversation_service_sid or None

    def refuse_account(self, account_sid: str) -> None:
        """Make an account answer every request with 401 / 20005 "Account not active".

        Its record stays ``status: active``: an account-level refusal the status does not
        announce. Requests for it (2010 paths under ``/Accounts/{sid}/`` with the main
        credentials, or anything with its own credentials) are refused, and
        ``expected(resource, sid)`` becomes [] except for ``accounts``.
        """
        self.org.refuse(account_sid)

    def _rewrite(self, obj: Any) -> Any:
        if self._url is None:
            return obj
        text = json.dumps(obj, ensure_ascii=False)
        for product in PRODUCTS:
            text = text.replace(f"https://{product}.twilio.com", self.product_url(product))
        return json.loads(text)

    def expected(self, resource: str, account_sid: str | None = None) -> list[dict[str, Any]]:
        """Raw records of a resource (stream name) across accounts, or of one account.

        What a correct full extraction returns, in list order (scopes in generation
        order, e.g. media grouped by message). Notes: ``usage_records`` are the
        ``IncludeSubaccounts=false`` rows of the whole history; ``alerts`` are those
        of the queryable last 30 days; ``taskrouter_events`` are all events (an
        unfiltered request only returns the last 15 minutes); ``account_balance``
        is the main account's balance object. Conversations resources hold the records
        of every Conversation Service of the account (``/v1/Conversations`` serves only
        the default one; see ``default_conversation_service``). Suspended, closed and
        refused (``refuse_account``) accounts have no records but their ``accounts`` one.
        """
        return self._rewrite(self.org.expected(resource, account_sid))

    def add(self, resource: str, account_sid: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create a record now (``date_created = date_updated = now``).

        Parent keys go in ``fields`` (``message_sid=``, ``conference_sid=``,
        ``conversation_sid=``, ...). Other fields override generated values;
        datetimes are formatted in the resource's wire format. Returns the record.
        Curated lists (video rooms, transcripts, Voice Insights summaries …) get the
        status Twilio creates them with, and ``update`` moves them on the way Twilio does
        (see ``twilio_sandbox.generators.curated_changes``: BORN, LIFECYCLE_DATES, and
        ``twilio_sandbox.effects.after_change``).
        """
        return self._rewrite(self.org.add(resource, account_sid, **fields))

    def update(self, resource: str, key: Any, **fields: Any) -> dict[str, Any]:
        """Change a record (``key`` = sid or the PK tuple) and bump its date_updated."""
        return self._rewrite(self.org.update(resource, key, **fields))

    # ------------------------------------------------------------------ faults & log

    def inject(self, match: str, kind: str, times: int = 1, **opts: Any) -> None:
        """Script a fault for the next ``times`` requests whose path contains ``match``.

        ``match`` is tested against the Twilio path + ``?`` + raw query. Kinds:
        429 (opts: ``retry_after`` seconds -> Retry-After header), 500, 503, drop,
        truncate, html502, non_json, missing_key, unknown_envelope, 401, 403, 404,
        delay (opts: ``seconds``; then a normal response).
        """
        self._engine.inject(match, kind, times, **opts)

    @property
    def pending_faults(self) -> list[Injection]:
        """Scripted faults not yet consumed."""
        return self._engine.pending

    def deny_product(self, product: str, status: int = 403) -> None:
        """Answer every request to ``product`` with 403 (code 20403) or 404."""
        if product not in PRODUCTS:
            raise ValueError(f"unknown product {product!r}")
        if status not in (403, 404):
            raise ValueError("status must be 403 or 404")
        self._engine.denied[product] = status

    def allow_all(self) -> None:
        """Remove product denials and pending scripted faults."""
        self._engine.clear()

    @property
    def requests(self) -> list[RequestRecord]:
        """Snapshot of the request log."""
        with self._requests_lock:
            return list(self._requests)

    @property
    def connections(self) -> int:
        """TCP connections accepted since the server started."""
        return self._server.connections if self._server is not None else 0

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._requests_lock:
            self._requests.clear()

    # ------------------------------------------------------------------ serving

    def _split(self, handler: Handler, raw_path: str) -> tuple[str | None, str, Any]:
        host = handler.headers.get("Host") or f"127.0.0.1:{self.port}"
        hostname = host.split(":")[0]
        first, _, rest = hostname.partition(".")
        if first.lower() in PRODUCTS and rest:
            suffix = host[len(first) :]

            def base_for_host(product: str) -> str:
                return f"{self.scheme}://{product}{suffix}"

            return first.lower(), raw_path, base_for_host

        def base_for_prefix(product: str) -> str:
            return f"{self.scheme}://{host}/{product}"

        segs = raw_path.split("/", 2)
        if len(segs) >= 2 and segs[1] in PRODUCTS:
            return segs[1], "/" + (segs[2] if len(segs) > 2 else ""), base_for_prefix
        if raw_path.startswith("/2010-04-01"):
            return "api", raw_path, base_for_prefix
        return None, raw_path, base_for_prefix

    def _principal(self, handler: Handler) -> tuple[Principal | None, str | None]:
        header = handler.headers.get("Authorization") or ""
        if not header.lower().startswith("basic "):
            return None, None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        user, _, password = decoded.partition(":")
        entry = self._auth.get(user)
        if entry is None or entry[0] != password:
            return None, user
        account = entry[1]
        return Principal(account, account == self.account_sid, user), user

    def _serve(self, handler: Handler) -> None:
        split = urlsplit(handler.path)
        raw_path, raw_query = split.path, split.query
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        query = parse_qsl(raw_query, keep_blank_values=True)
        form: list[tuple[str, str]] = []
        ctype = handler.headers.get("Content-Type") or ""
        if body and "application/x-www-form-urlencoded" in ctype:
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        product, path, base_for = self._split(handler, raw_path)
        principal, username = self._principal(handler)
        record = RequestRecord(
            method=handler.command,
            product=product,
            path=path,
            query=multi(query),
            status=0,
            username=username,
            form=multi(form),
            started=time.time(),
        )
        in_flight = self._engine.enter()
        logged = False
        counted = True
        try:
            target = path + ("?" + raw_query if raw_query else "")
            action = self._engine.scripted(target) or self._engine.random_fault(in_flight)
            if action is not None and action.kind == "delay":
                _sleep(float(action.opts.get("seconds", 1.0)))
                action = None
            if action is not None and action.source == "concurrency":
                # Refused at the door: it takes no place from the requests being served
                # (else each 429 would cause more, and shards sharing the cap starve).
                counted = False
                self._engine.leave()
            record.fault = action.kind if action is not None else None
            response = self._respond(
                action, handler, product, path, query, form, principal, base_for
            )
            if self.faults.latency > 0:
                _sleep(self.faults.latency)
            record.status = response.status
            # Log before answering, so a client sees its request in the log once answered.
            self._log(record)
            logged = True
            if counted:
                self._engine.leave()  # before answering: sequential clients never overlap
                counted = False
            if action is not None and action.kind == "drop":
                handler.close_connection = True
                return
            self._send(handler, response, truncate=action is not None and action.kind == "truncate")
        finally:
            if counted:
                self._engine.leave()
            if not logged:
                self._log(record)

    def _log(self, record: RequestRecord) -> None:
        record.ended = time.time()
        with self._requests_lock:
            self._requests.append(record)

    def _respond(
        self,
        action: Action | None,
        handler: Handler,
        product: str | None,
        path: str,
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
        principal: Principal | None,
        base_for: Any,
    ) -> Response:
        kind = action.kind if action is not None else None
        if kind == "drop":
            return Response(0, b"")
        if kind == "429":
            headers = []
            if action is not None and action.opts.get("retry_after") is not None:
                ra = action.opts["retry_after"]
                headers.append(("Retry-After", str(int(ra)) if float(ra).is_integer() else str(ra)))
            message = "Too Many Requests"
            return Response(429, error_body(429, 20429, message), headers=headers)
        if kind in ("500", "503"):
            status = int(kind)
            message = "Internal Server Error" if status == 500 else "Service Unavailable"
            headers = []
            if action is not None and action.opts.get("retry_after") is not None:
                headers.append(("Retry-After", str(action.opts["retry_after"])))
            return Response(status, error_body(status, 20000 + status, message), headers=headers)
        if kind == "html502":
            return Response(502, HTML_502, content_type="text/html")
        if kind == "non_json":
            return Response(200, NON_JSON, content_type=JSON_TYPE)
        if kind == "401":
            return unauthorized()
        if kind == "403":
            return Response(403, error_body(403, 20403, "403 Forbidden"))
        if kind == "404":
            return Response(
                404, error_body(404, 20404, f"The requested resource {path} was not found")
            )
        # Normal processing (also for truncate / missing_key / unknown_envelope).
        if principal is None:
            return unauthorized()
        if product is None:
            err = not_found("api", path)
            return Response(404, error_body(404, 20404, err.message))
        denied = self._engine.denied.get(product)
        if denied == 403:
            return Response(403, error_body(403, 20403, "403 Forbidden"))
        if denied == 404:
            err = not_found(product, path)
            return Response(404, error_body(404, 20404, err.message))
        req = Request(handler.command, product, path, query, form, principal, base_for)
        try:
            response = self.api.handle(req)
        except Exception as exc:  # a sandbox bug: answer like Twilio would, keep serving
            traceback.print_exc(file=sys.stderr)
            message = f"Internal Server Error (sandbox: {type(exc).__name__}: {exc})"
            return Response(500, error_body(500, 20500, message))
        if kind in ("missing_key", "unknown_envelope") and response.status == 200:
            response = mangle(response, kind)
        return response

    @staticmethod
    def _send(handler: Handler, response: Response, truncate: bool = False) -> None:
        body = response.body
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
        for name, value in response.headers:
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command == "HEAD":
            return
        if truncate:
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(body)
