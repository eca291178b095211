"""Requests sent on urllib3's connection pools directly, answered as ``requests.Response``.

A small Twilio page costs the tap more CPU in ``requests`` than in anything else: each
``Session.prepare_request`` merges the session's settings, cookies, hooks and auth, and each
``Session.send`` resolves proxies and the environment, picks an adapter, re-applies TLS
settings and builds a cookie jar for the answer. Twilio lists need none of it: a GET with
four headers, no cookies, no redirects. Here:

* :func:`prepare_get` builds a list's request from its URL, query and headers (the headers
  ``requests`` would send, the same ``Authorization``), without the session merge;
* :class:`Transport` sends a prepared request on urllib3 connection pools (connections
  kept alive and shared by the run's threads) and returns a ``requests.Response`` with what
  the tap reads of it (status, headers, body, url, request, reason, elapsed);
* transport failures raise the ``requests`` exceptions ``requests``' adapter raises for
  them (``ConnectionError``, ``ConnectTimeout``, ``ReadTimeout``, ``ChunkedEncodingError``
  …), so the SDK's retries, ``api.errors`` and the one-line messages see no difference.

Proxies are not handled here: a run with a proxy in its environment keeps ``requests``
(``RunContext.transport`` is None then). Redirects are not followed here either: a 3xx is
sent again through ``requests``, which follows it (Twilio's list API does not redirect).
"""

from __future__ import annotations

import datetime as dt
import email.parser
import http.client
import re
import threading
import time
import types
import typing as t

import requests
import urllib3
import urllib3.connection
from requests.structures import CaseInsensitiveDict
from requests.utils import DEFAULT_CA_BUNDLE_PATH, default_headers, get_encoding_from_headers
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import ProxyError as _ProxyError
from urllib3.exceptions import SSLError as _SSLError
from urllib3.util.retry import Retry

from tap_twilio.api.pagination import read_whole_body

#: What ``requests`` asks urllib3 for: no retries of its own (the SDK retries), except
#: a request on a kept-alive connection the server had closed, sent again at once.
NO_RETRIES = Retry(0, read=False)
#: Headers every request carries, as a ``requests.Session`` sends them.
SESSION_HEADERS: t.Mapping[str, str] = default_headers()
REDIRECTS = frozenset((301, 302, 303, 307, 308))
#: http.client's limits on a response's header lines.
_MAXLINE = 65536
_MAXHEADERS = 100
#: A header name the email parser takes (printable ASCII but the colon).
_FIELD_NAME = re.compile(r"[\041-\071\073-\176]+")
#: A URL that ``requests`` would send unchanged (no quoting, no IDNA host to encode).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?")


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


class Transport:
    """Sends prepared requests on urllib3 pools (one per host, thread-safe, kept alive).

    The pools are the transport's own, one per origin (Twilio has one host per product):
    none is closed while the run may still use it, unlike a ``PoolManager``'s, which closes
    the least recently used beyond ``num_pools``.
    """

    def __init__(self, maxsize: int, ca_bundle: str | None = None) -> None:
        self.maxsize = maxsize
        self.ca_bundle = ca_bundle or DEFAULT_CA_BUNDLE_PATH
        self._by_origin: dict[str, urllib3.HTTPConnectionPool] = {}
        self._timeouts: dict[float | None, urllib3.Timeout] = {}
        self._lock = threading.Lock()
        #: Sent again through ``requests`` (redirects), for one that wants to know.
        self.fallback: requests.Session | None = None

    def _pool(self, url: str) -> tuple[urllib3.HTTPConnectionPool, str]:
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

    def _new_pool(self, scheme: str, netloc: str) -> urllib3.HTTPConnectionPool:
        host, port = _host_port(netloc, scheme)
        if scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                host,
                port,
                maxsize=self.maxsize,
                block=False,
                cert_reqs="CERT_REQUIRED",
                ca_certs=self.ca_bundle,
            )
            pool.ConnectionCls = _HTTPSConnection
        elif scheme == "http":
            pool = urllib3.HTTPConnectionPool(host, port, maxsize=self.maxsize, block=False)
            pool.ConnectionCls = _HTTPConnection
        else:
            raise requests.exceptions.InvalidSchema(f"No connection adapters for {scheme!r}")
        return pool

    def close(self) -> None:
        """Close every pool's idle connections."""
        with self._lock:
            pools, self._by_origin = list(self._by_origin.values()), {}
        for pool in pools:
            pool.close()

    def _timeout(self, seconds: float | None) -> urllib3.Timeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = urllib3.Timeout(connect=seconds, read=seconds)
        return timeout

    def send(self, request: requests.PreparedRequest, timeout: float | None) -> requests.Response:
        """One attempt: the whole answer, or the exception ``requests`` would raise."""
        url = str(request.url)
        pool, path = self._pool(url)
        started = time.perf_counter()
        try:
            raw = pool.urlopen(
                method=str(request.method),
                url=path,
                body=request.body,
                headers=request.headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=NO_RETRIES,
                timeout=self._timeout(timeout),
            )
        except Exception as exc:
            mapped = as_requests_error(exc, request)
            if mapped is exc:
                raise
            raise mapped from exc
        response = TwilioResponse()
        response.status_code = raw.status
        # HTTPHeaderDict: case-insensitive like requests' CaseInsensitiveDict.
        response.headers = t.cast("CaseInsensitiveDict[str]", raw.headers)
        response.raw = raw
        response.reason = raw.reason  # type: ignore[assignment]  # as requests sets it
        response.url = url
        response.request = request
        response.elapsed = dt.timedelta(seconds=time.perf_counter() - started)
        read_whole_body(response)
        if response.status_code in REDIRECTS and self.fallback is not None:
            again = request.copy()
            again.prepare_cookies(requests.cookies.RequestsCookieJar())  # requests needs a jar
            return self.fallback.send(again, timeout=timeout, allow_redirects=True)
        return response


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


def parse_headers(fp: t.BinaryIO, _class: type = http.client.HTTPMessage) -> t.Any:
    """``http.client.parse_headers`` without the email parser for plain ``Name: value`` lines.

    The email parser is a fifth of a small response's CPU. Lines are read with the same
    limits; the fields are the ones the email parser makes of such lines (the value with
    leading blanks and the line end removed). Anything else (folded lines, a name the
    email parser would not take) goes to the email parser, as before.
    """
    lines = []
    while True:
        line = fp.readline(_MAXLINE + 1)
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAXHEADERS:
            raise http.client.HTTPException(f"got more than {_MAXHEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
    fields = []
    for raw in lines[:-1]:
        text = raw.decode("iso-8859-1")
        name, colon, value = text.partition(":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            text = b"".join(lines).decode("iso-8859-1")
            return email.parser.Parser(_class=_class).parsestr(text)
        fields.append((name, value.lstrip(" \t").rstrip("\r\n")))
    message = _class()
    message._headers = fields  # what email.parser fills in (policy compat32)
    message.set_payload("")  # and the empty rest (the body is read later, from fp)
    return message


def _begin_with_fast_headers() -> t.Callable[[http.client.HTTPResponse], None]:
    """``HTTPResponse.begin`` of this Python, with :func:`parse_headers` for its headers.

    The same code (whatever the Python version), given globals where ``parse_headers`` is
    the one above; the stdlib's own when its code does not look as expected.
    """
    begin = http.client.HTTPResponse.begin
    code = begin.__code__
    if code.co_freevars or "parse_headers" not in code.co_names:
        return begin
    env = {**vars(http.client), "parse_headers": parse_headers}
    return types.FunctionType(code, env, begin.__name__, begin.__defaults__)


class _HTTPResponse(http.client.HTTPResponse):
    begin = _begin_with_fast_headers()


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _HTTPResponse


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _HTTPResponse


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
