"""Requests sent on kept-alive connections of the run's own, answered as ``requests.Response``.

A small Twilio page costs the tap more CPU in ``requests`` than in anything else: each
``Session.prepare_request`` merges the session's settings, cookies, hooks and auth, and each
``Session.send`` resolves proxies and the environment, picks an adapter, re-applies TLS
settings and builds a cookie jar for the answer. Twilio lists need none of it: a GET with
four headers, no cookies, no redirects. Here:

* :func:`prepare_get` builds a list's request from its URL, query and headers (the headers
  ``requests`` would send, the same ``Authorization``), without the session merge;
* :class:`Transport` sends a prepared request on connections kept alive and shared by the
  run's threads (made by urllib3, each exchange ``api.wire``'s: about 85 µs of CPU for a
  small page, against 155 µs through urllib3's ``urlopen`` and ``http.client``) and returns
  a ``requests.Response`` with what the tap reads of it (status, headers, body, url,
  request, reason, elapsed);
* transport failures raise the ``requests`` exceptions ``requests``' adapter raises for
  them (``ConnectionError``, ``ConnectTimeout``, ``ReadTimeout``, ``ChunkedEncodingError``
  …), so the SDK's retries, ``api.errors`` and the one-line messages see no difference.

Proxies are not handled here: a run with a proxy in its environment keeps ``requests``
(``RunContext.transport`` is None then). Redirects are not followed here either: a 3xx is
sent again through ``requests``, which follows it (Twilio's list API does not redirect).
"""

from __future__ import annotations

import datetime as dt
import re
import ssl
import threading
import time
import typing as t

import requests
import urllib3
import urllib3.connection
from requests.structures import CaseInsensitiveDict
from requests.utils import DEFAULT_CA_BUNDLE_PATH, default_headers, get_encoding_from_headers
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import ProxyError as _ProxyError
from urllib3.exceptions import SSLError as _SSLError
from urllib3.util.url import _encode_target

from tap_twilio.api import wire

#: Headers every request carries, as a ``requests.Session`` sends them.
SESSION_HEADERS: t.Mapping[str, str] = default_headers()
REDIRECTS = frozenset((301, 302, 303, 307, 308))
#: A kept-alive connection idle for less than this is reused without a check (``Pool.get``).
FRESH_SECONDS = 1.0
#: A URL that ``requests`` would send unchanged (no quoting, no IDNA host to encode).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?")
#: A request target urllib3 would send unchanged (else its ``_encode_target`` quotes it).
_PLAIN_TARGET = re.compile(r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-F]{2})*")


def prepare_get(url: str, query: str, headers: t.Mapping[str, str]) -> requests.PreparedRequest:
    """A GET of ``url?query``, as ``requests.Session().prepare_request`` would prepare it.

    ``headers`` override the session's (``User-Agent``, ``Accept``) and carry the
    ``Authorization``. A URL that ``requests`` would re-quote is prepared by ``requests``.
    """
    request = requests.PreparedRequest()
    request.method = "GET"
    if query:
        url = f"{url}&{query}" if "?" in url else f"{url}?{query}"
    if _PLAIN_URL.fullmatch(url):
        request.url = url
    else:
        request.prepare_url(url, None)
    merged = CaseInsensitiveDict(SESSION_HEADERS)
    merged.update(headers)
    request.headers = merged
    request.body = None
    return request


class Pool:
    """The kept-alive connections to one origin (scheme, host, port), shared by threads."""

    def __init__(self, scheme: str, host: str, port: int, maxsize: int, ca_certs: str) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.maxsize = maxsize
        #: urllib3 verifies the server's certificate against these (https).
        self.cert_reqs = "CERT_REQUIRED"
        self.ca_certs = ca_certs
        name = f"[{host}]" if ":" in host else host
        default = 443 if scheme == "https" else 80
        #: The ``Host`` header, as http.client writes it.
        self.host_header = name if port == default else f"{name}:{port}"
        self._idle: list[wire.Connection] = []

    def __str__(self) -> str:
        """As urllib3 names a pool in its exceptions' messages."""
        kind = "HTTPSConnectionPool" if self.scheme == "https" else "HTTPConnectionPool"
        return f"{kind}(host={self.host!r}, port={self.port!r})"

    def get(self, timeout: float | None) -> wire.Connection:
        """An idle connection still open, else a new one (urllib3 makes it).

        One idle for less than ``FRESH_SECONDS`` is taken without asking the socket (a
        ``poll`` each, a thread switch when other threads wait): servers close idle
        connections after seconds (Twilio's load balancers after about a minute), and one
        that closes it sooner is answered like any dropped connection (retried).
        """
        idle = self._idle
        now = time.monotonic()
        while idle:
            try:
                connection = idle.pop()  # atomic: no lock
            except IndexError:  # pragma: no cover - another thread took the last one
                break
            if now - connection.idle_since < FRESH_SECONDS or not connection.dropped():
                return connection
            connection.close()
        conn: urllib3.connection.HTTPConnection
        if self.scheme == "https":
            conn = urllib3.connection.HTTPSConnection(
                self.host,
                self.port,
                timeout=timeout,
                cert_reqs=self.cert_reqs,
                ca_certs=self.ca_certs,
            )
        else:
            conn = urllib3.connection.HTTPConnection(self.host, self.port, timeout=timeout)
        return wire.Connection(conn, timeout)

    def put(self, connection: wire.Connection) -> None:
        """Keep a connection for the next request (at most ``maxsize`` idle)."""
        if len(self._idle) < self.maxsize:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        """Close the idle connections."""
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class Transport:
    """Sends prepared requests on kept-alive connections (a pool per origin, thread-safe).

    The pools are the transport's own, one per origin (Twilio has one host per product):
    none is closed while the run may still use it, unlike a ``PoolManager``'s, which closes
    the least recently used beyond ``num_pools``. Each exchange is ``api.wire``'s.
    """

    def __init__(self, maxsize: int, ca_bundle: str | None = None) -> None:
        self.maxsize = maxsize
        self.ca_bundle = ca_bundle or DEFAULT_CA_BUNDLE_PATH
        self._by_origin: dict[str, Pool] = {}
        self._lock = threading.Lock()
        #: Sent again through ``requests`` (redirects), for one that wants to know.
        self.fallback: requests.Session | None = None

    def _pool(self, url: str) -> tuple[Pool, str]:
        """The pool of the URL's origin, and the URL's path and query."""
        scheme, _, rest = url.partition("://")
        netloc, slash, path = rest.partition("/")
        origin = f"{scheme}://{netloc}"
        pool = self._by_origin.get(origin)
        if pool is None:
            with self._lock:
                pool = self._by_origin.get(origin) or self._new_pool(scheme, netloc)
                self._by_origin[origin] = pool
        return pool, (slash + path.partition("#")[0]) or "/"

    def _new_pool(self, scheme: str, netloc: str) -> Pool:
        if scheme not in ("http", "https"):
            raise requests.exceptions.InvalidSchema(f"No connection adapters for {scheme!r}")
        host, port = _host_port(netloc, scheme)
        return Pool(scheme, host, port, self.maxsize, self.ca_bundle)

    def close(self) -> None:
        """Close every pool's idle connections."""
        with self._lock:
            pools, self._by_origin = list(self._by_origin.values()), {}
        for pool in pools:
            pool.close()

    def send(self, request: requests.PreparedRequest, timeout: float | None) -> requests.Response:
        """One attempt: the whole answer, or the exception ``requests`` would raise."""
        url = str(request.url)
        pool, path = self._pool(url)
        if request.body is not None or request.method != "GET":  # pragma: no cover - lists only
            raise ValueError("the transport sends GETs without a body")
        started = time.perf_counter()
        try:
            target = path if _PLAIN_TARGET.fullmatch(path) else _encode_target(path)
            head = wire.request_head("GET", target, pool.host_header, request.headers)
            try:
                connection = pool.get(timeout)
            except (ConnectTimeoutError, OSError, _SSLError, ssl.CertificateError) as exc:
                raise _connect_error(exc, pool, target) from exc
            try:
                answer = connection.exchange(head, timeout, pool, target)
            except BaseException:
                connection.close()
                raise
        except Exception as exc:
            mapped = as_requests_error(exc, request)
            if mapped is exc:
                raise
            if isinstance(exc, wire.BrokenBody):  # as read_whole_body: a body cut short
                mapped = requests.exceptions.ChunkedEncodingError(exc, request=request)
            elif isinstance(exc, DecodeError):  # pragma: no cover - a broken compressed body
                mapped = requests.exceptions.ContentDecodingError(exc, request=request)
            raise mapped from exc
        if answer.keep_alive:
            pool.put(connection)
        else:
            connection.close()
        response = TwilioResponse()
        response.status_code = answer.status
        # HTTPHeaderDict: case-insensitive like requests' CaseInsensitiveDict.
        response.headers = t.cast("CaseInsensitiveDict[str]", answer.headers)
        response.raw = None
        response.reason = answer.reason
        response.url = url
        response.request = request
        response.elapsed = dt.timedelta(seconds=time.perf_counter() - started)
        response._content = answer.body
        response._content_consumed = True  # as requests does
        if response.status_code in REDIRECTS and self.fallback is not None:
            again = request.copy()
            again.prepare_cookies(requests.cookies.RequestsCookieJar())  # requests needs a jar
            return self.fallback.send(again, timeout=timeout, allow_redirects=True)
        return response


def _connect_error(exc: Exception, pool: Pool, url: str) -> Exception:
    """What urllib3's ``urlopen`` (no retries) raises when a connection cannot be made."""
    where = t.cast("t.Any", pool)  # named in the message as urllib3 names its pools
    if isinstance(exc, ConnectTimeoutError):  # refused, unresolved, or too slow
        return MaxRetryError(where, url, reason=exc)
    if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
        return MaxRetryError(where, url, reason=_SSLError(exc))
    if isinstance(exc, _SSLError):
        return MaxRetryError(where, url, reason=exc)
    return ProtocolError("Connection aborted.", exc)


class TwilioResponse(requests.Response):
    """A ``requests.Response`` made without what only ``requests.Session`` fills in.

    ``requests.Response()`` builds a cookie jar per response; Twilio sets no cookies, so it
    is made only if asked for. The encoding is read from ``Content-Type`` when ``text``
    needs it (error messages).
    """

    def __init__(self) -> None:
        """The attributes ``requests.Response()`` sets, but the cookie jar."""
        self._content = False  # type: ignore[assignment]  # as requests: not read yet
        self._content_consumed = False
        self._next = None
        self.history = []
        self.connection = None  # type: ignore[assignment]  # no adapter: no redirects here

    @property
    def encoding(self) -> str | None:
        """The body's charset (``Content-Type``), as ``requests`` sets it."""
        if "_encoding" not in self.__dict__:
            self._encoding = get_encoding_from_headers(self.headers)
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def cookies(self) -> requests.cookies.RequestsCookieJar:
        """An empty jar: Twilio's API sets no cookies (and they are not kept)."""
        if "_cookies" not in self.__dict__:
            self._cookies = requests.cookies.cookiejar_from_dict({})
        return self._cookies

    @cookies.setter
    def cookies(self, value: requests.cookies.RequestsCookieJar) -> None:
        self._cookies = value


def _host_port(netloc: str, scheme: str) -> tuple[str, int]:
    netloc = netloc.rpartition("@")[2]
    parsed = urllib3.util.parse_url(f"{scheme}://{netloc}")
    return str(parsed.host), parsed.port or (443 if scheme == "https" else 80)


def as_requests_error(exc: Exception, request: requests.PreparedRequest) -> Exception:
    """The exception ``requests``' ``HTTPAdapter.send`` raises for a urllib3 failure."""
    if isinstance(exc, (ProtocolError, OSError)):
        return requests.ConnectionError(exc, request=request)
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return requests.ConnectTimeout(exc, request=request)
        if isinstance(reason, ResponseError):
            return requests.exceptions.RetryError(exc, request=request)
        if isinstance(reason, _ProxyError):
            return requests.exceptions.ProxyError(exc, request=request)
        if isinstance(reason, _SSLError):
            return requests.exceptions.SSLError(exc, request=request)
        return requests.ConnectionError(exc, request=request)
    if isinstance(exc, ClosedPoolError):
        return requests.ConnectionError(exc, request=request)
    if isinstance(exc, _ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(exc, _SSLError):
        return requests.exceptions.SSLError(exc, request=request)
    if isinstance(exc, ReadTimeoutError):
        return requests.ReadTimeout(exc, request=request)
    if isinstance(exc, InvalidHeader):
        return requests.exceptions.InvalidHeader(exc, request=request)
    return exc  # as requests: any other urllib3 error is raised as it is
