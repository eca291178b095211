"""``api.wire`` against its oracle, the standard library's ``http.client``.

``wire`` reads answers itself instead of through ``http.client`` (which urllib3 used before),
so every raw answer below is parsed both ways and the results must agree:

* a good answer: the same status, reason, header pairs (``HTTPMessage.items()``), body
  (decoded as urllib3's ``HTTPResponse(decode_content=True)`` decodes it over
  ``http.client``) and reuse (``keep_alive == not will_close``, as urllib3 decides it);
* a bad one: both fail, with the same ``http.client`` exception, wrapped by ``wire`` as
  urllib3 does (the mapping is ``FAILURES`` below).

Each answer goes through ``wire.Connection.exchange`` on a real socket pair (the production
path) and, for the header pairs in their order, through ``wire._read_head``.
``wire`` means to differ in one way, which these answers cannot show (the server closes
after each): ``Content-Length: 5, 5`` on a connection kept open is answered at once, where
``http.client`` would wait for the server to close (see the test of it).
"""

from __future__ import annotations

import gzip
import http.client as http_client
import io
import socket
import threading
import typing as t
import zlib

import pytest
import urllib3
import urllib3.connection
from urllib3.exceptions import DecodeError, ProtocolError

from tap_twilio.api import http, wire

#: How ``wire`` reports what ``http.client`` raises (its exception is the ``ProtocolError``'s
#: second argument, as urllib3 wraps it):
#:
#: * in the status line or headers (``RemoteDisconnected``, ``BadStatusLine``,
#:   ``UnknownProtocol``, ``LineTooLong``, "got more than 100 headers"): ``ProtocolError``
#:   ("Connection aborted.", exc), not a ``BrokenBody``;
#: * in the body (``IncompleteRead``, ``LineTooLong`` of a chunk): ``wire.BrokenBody``
#:   ("Connection broken: …", exc), which ``requests`` raises as ``ChunkedEncodingError``;
#: * a compressed body that does not decode: urllib3's ``DecodeError`` on both sides.
FAILURES: dict[str, type[ProtocolError]] = {"head": ProtocolError, "body": wire.BrokenBody}

LONG = 65_537  # one byte over http.client's line limit


class Case(t.NamedTuple):
    """A raw answer, and the ``http.client`` exception it must fail with (None: it parses)."""

    raw: bytes
    fails: type[Exception] | None = None


def answer(status: str, *headers: str, body: bytes = b"", length: bool = True) -> bytes:
    """An HTTP/1.1 answer (``length``: with the body's Content-Length)."""
    lines = [f"HTTP/1.1 {status}", *headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*parts: bytes, trailer: bytes = b"") -> bytes:
    """A chunked body of ``parts`` (lower-case hex sizes), then ``trailer`` lines."""
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
    return body + b"0\r\n" + trailer + b"\r\n"


JSON = b'{"messages": [], "meta": {"page": 0}}'
GZIP = gzip.compress(JSON * 20)
ZLIB = zlib.compress(JSON * 20)
_raw = zlib.compressobj(wbits=-15)
RAW_DEFLATE = _raw.compress(JSON) + _raw.flush()
TE = "Transfer-Encoding: chunked"

CASES: dict[str, Case] = {
    # Bodies: by length, chunks, or until the server closes.
    "content-length": Case(answer("200 OK", "Content-Type: application/json", body=JSON)),
    "empty body": Case(answer("200 OK")),
    "chunked": Case(answer("200 OK", TE, length=False) + chunked(b"hello ", b"world")),
    "chunk extensions": Case(
        answer("200 OK", TE, length=False)
        + b'5;name=value;q="a b"\r\nhello\r\n6 ; ext\r\n world\r\n0;last\r\n\r\n'
    ),
    "chunk trailers": Case(
        answer("200 OK", TE, "Trailer: X-Sum", length=False)
        + chunked(b"abc", trailer=b"X-Sum: 3\r\nExpires: never\r\n")
    ),
    "uppercase hex sizes": Case(
        answer("200 OK", TE, length=False) + b"1A\r\n" + b"z" * 26 + b"\r\n00\r\n\r\n"
    ),
    "chunked, server closes after the last chunk": Case(
        answer("200 OK", TE, length=False) + b"2\r\nok\r\n0\r\n"
    ),
    "chunked beats content-length": Case(
        answer("200 OK", TE, "Content-Length: 99", length=False) + chunked(b"abc")
    ),
    "no length, connection close": Case(
        answer("200 OK", "Connection: close", length=False) + b"to the end"
    ),
    "no length, kept alive": Case(answer("200 OK", length=False) + b"read until EOF"),
    "connection close on 1.1": Case(answer("200 OK", "Connection: Close", body=b"x")),
    "two connection headers (first counts)": Case(
        answer("200 OK", "Connection: keep-alive", "Connection: close", body=b"x")
    ),
    "http/1.0": Case(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "http/1.0 keep-alive": Case(
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"
    ),
    "http/1.0 keep-alive header": Case(
        b"HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok"
    ),
    "http/1.0 proxy-connection": Case(
        b"HTTP/1.0 200 OK\r\nProxy-Connection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
    ),
    "http/1.0 no length": Case(b"HTTP/1.0 200 OK\r\n\r\nuntil close"),
    "http/0.9 as 1.0": Case(b"HTTP/0.9 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "http/1.2 as 1.1": Case(b"HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "204 with a stray length": Case(answer("204 No Content", "Content-Length: 5")),
    "304 with a stray length": Case(answer("304 Not Modified", "Content-Length: 17")),
    "100 continue first": Case(b"HTTP/1.1 100 Continue\r\n\r\n" + answer("200 OK", body=b"ok")),
    "100 continue with headers": Case(
        b"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
        b"HTTP/1.1 100 Continue\r\n\r\n" + answer("201 Created", body=b"made")
    ),
    "103 early hints is the answer": Case(answer("103 Early Hints", "Link: </a>", length=False)),
    "bare LF line ends": Case(b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok"),
    # Header lines.
    "repeated set-cookie": Case(
        answer("200 OK", "Set-Cookie: a=1", "X-Between: y", "set-cookie: b=2", body=b"ok")
    ),
    "odd token names": Case(answer("200 OK", "X-Odd!#$%&'*+.^_`|~: v", "x-lower_1: w", body=b"")),
    "obs-fold": Case(
        b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\n\tthree\r\nContent-Length: 2\r\n\r\nok"
    ),
    "tabs and trailing spaces": Case(
        answer("200 OK", "X-Tab:\tvalue\t ", "X-Trail: v   ", "X-Colons:  a: b ", body=b"ok")
    ),
    "a line without a colon": Case(
        answer("200 OK", "X-Before: 1", "NoColonHere", "X-After: 2", body=b"ok")
    ),
    "a name with a space": Case(answer("200 OK", "Bad Name: x", "X-After: 2", body=b"ok")),
    "empty values": Case(answer("200 OK", "X-Empty:", "X-Blank: ", body=b"ok")),
    "latin-1 value": Case(answer("200 OK", "X-Name: caf\xe9 \xff", body=b"ok")),
    "latin-1 name": Case(answer("200 OK", "X-Caf\xe9: 1", body=b"ok")),
    "a bare CR in a value": Case(answer("200 OK", "X-A: a\rb", "X-B: c", body=b"ok")),
    "99 headers": Case(answer("200 OK", *(f"X-H{i}: {i}" for i in range(98)), body=b"ok")),
    # Status lines.
    "no reason phrase": Case(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"),
    "reason then a space": Case(b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok"),
    "multi-word reason": Case(answer("404 Not Found At  All ", body=b'{"code": 20404}')),
    # Content codings (decoded by urllib3 on both sides).
    "gzip": Case(answer("200 OK", "Content-Encoding: gzip", body=GZIP)),
    "gzip, chunked": Case(
        answer("200 OK", "Content-Encoding: GZIP", TE, length=False) + chunked(GZIP[:9], GZIP[9:])
    ),
    "deflate (zlib)": Case(answer("200 OK", "Content-Encoding: deflate", body=ZLIB)),
    "deflate (raw)": Case(answer("200 OK", "Content-Encoding: deflate", body=RAW_DEFLATE)),
    "identity": Case(answer("200 OK", "Content-Encoding: identity", body=b"plain")),
    "gzip, empty body": Case(answer("204 No Content", "Content-Encoding: gzip")),
    # Content-Length oddities.
    "two equal content-lengths": Case(
        answer("200 OK", "Content-Length: 5", "Content-Length: 5", body=b"hello", length=False)
    ),
    # http.client reads it to the end, wire 5 bytes: the same here (see the test below).
    "content-length 5, 5": Case(answer("200 OK", "Content-Length: 5, 5", length=False) + b"hello"),
    "content-length 5, 6": Case(answer("200 OK", "Content-Length: 5, 6", length=False) + b"hello!"),
    "negative content-length": Case(
        answer("200 OK", "Content-Length: -1", length=False) + b"until close"
    ),
    "content-length not a number": Case(
        answer("200 OK", "Content-Length: ten", length=False) + b"until close"
    ),
    # Failures.
    "empty response": Case(b"", http_client.RemoteDisconnected),
    "closed after 100 continue": Case(
        b"HTTP/1.1 100 Continue\r\n\r\n", http_client.RemoteDisconnected
    ),
    "bad status line": Case(b"garbage\r\n\r\n", http_client.BadStatusLine),
    "status not a number": Case(b"HTTP/1.1 2xx OK\r\n\r\n", http_client.BadStatusLine),
    "status out of range": Case(b"HTTP/1.1 1000 OK\r\n\r\n", http_client.BadStatusLine),
    "not HTTP/1": Case(
        b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", http_client.UnknownProtocol
    ),
    "status line too long": Case(
        b"HTTP/1.1 200 " + b"O" * LONG + b"\r\n\r\n", http_client.LineTooLong
    ),
    "header line too long": Case(
        answer("200 OK", "X-Long: " + "a" * LONG, body=b"ok"), http_client.LineTooLong
    ),
    "100 headers": Case(
        answer("200 OK", *(f"X-H{i}: {i}" for i in range(99)), body=b"ok"),
        http_client.HTTPException,
    ),
    "more than 100 headers": Case(
        answer("200 OK", *(f"X-H{i}: {i}" for i in range(150)), body=b"ok"),
        http_client.HTTPException,
    ),
    "truncated body": Case(
        answer("200 OK", "Content-Length: 100", length=False) + b"short",
        http_client.IncompleteRead,
    ),
    "closed within the headers": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", http_client.IncompleteRead
    ),
    "truncated chunk": Case(
        answer("200 OK", TE, length=False) + b"a\r\nonly5", http_client.IncompleteRead
    ),
    "chunk without its CRLF": Case(
        answer("200 OK", TE, length=False) + b"5\r\nhello", http_client.IncompleteRead
    ),
    "no last chunk": Case(
        answer("200 OK", TE, length=False) + b"5\r\nhello\r\n", http_client.IncompleteRead
    ),
    "bad chunk size": Case(
        answer("200 OK", TE, length=False) + b"zz\r\nhello\r\n0\r\n\r\n",
        http_client.IncompleteRead,
    ),
    "chunk ended by a bare LF": Case(
        answer("200 OK", TE, length=False) + b"5\r\nhello\n5\r\nworld\r\n0\r\n\r\n",
        http_client.IncompleteRead,
    ),
    "chunk size line too long": Case(
        answer("200 OK", TE, length=False) + b"5;" + b"x" * LONG + b"\r\nhello\r\n0\r\n\r\n",
        http_client.LineTooLong,
    ),
    "gzip that is not": Case(
        answer("200 OK", "Content-Encoding: gzip", body=b"not gzip at all"), DecodeError
    ),
}


class Parsed(t.NamedTuple):
    """One side's reading of an answer."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool


class _Failed(Exception):
    """Where (``head`` or ``body``) an answer failed, and with what."""

    def __init__(self, where: str, exc: Exception) -> None:
        super().__init__(where, exc)
        self.where, self.exc = where, exc


class _FileSocket:
    """What ``http.client.HTTPResponse`` needs of a socket: a file of the raw answer."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def makefile(self, mode: str, *args: object, **kwargs: object) -> io.BytesIO:
        return io.BytesIO(self.raw)


def stdlib(raw: bytes) -> Parsed:
    """The answer as ``http.client`` reads it (a compressed body decoded by urllib3)."""
    response = http_client.HTTPResponse(t.cast("socket.socket", _FileSocket(raw)), method="GET")
    try:
        response.begin()
    except http_client.HTTPException as exc:
        raise _Failed("head", exc) from exc
    items = response.msg.items()
    keep_alive = not response.will_close
    try:
        if response.msg.get("content-encoding"):
            decoding = urllib3.HTTPResponse(
                body=response,
                headers=urllib3.HTTPHeaderDict(items),
                status=response.status,
                preload_content=False,
                decode_content=True,
                original_response=response,
            )
            body = decoding.read()
        else:
            body = response.read()
    except (http_client.HTTPException, DecodeError) as exc:
        raise _Failed("body", exc) from exc
    return Parsed(response.status, response.reason, items, body, keep_alive)


class _Made:
    """A connection as urllib3 hands it over: already connected (one end of a socket pair)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def connect(self) -> None:
        """Connected already."""

    def close(self) -> None:
        self.sock.close()


def exchange(raw: bytes, head: bytes = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") -> wire.Answer:
    """``wire.Connection.exchange`` against a peer that answers ``raw`` and closes."""
    ours, peer = socket.socketpair()
    sent: list[bytes] = []

    def serve() -> None:
        sent.append(peer.recv(65536))
        peer.sendall(raw)
        peer.shutdown(socket.SHUT_WR)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    conn = wire.Connection(t.cast("urllib3.connection.HTTPConnection", _Made(ours)), 5.0)
    try:
        return conn.exchange(head, 5.0, "pool", "/")
    finally:
        server.join(5)
        conn.close()
        peer.close()
        assert sent == [head]


def buffered(raw: bytes) -> io.BufferedReader:
    """``raw`` as the reader ``wire`` reads a socket from (what it calls of one)."""
    return t.cast("io.BufferedReader", io.BytesIO(raw))


def wire_head_fields(raw: bytes) -> list[tuple[str, str]]:
    """The header pairs in their order, as ``wire._read_head`` reads them (1xx skipped)."""
    reader = buffered(raw)
    status, _, _, fields = wire._read_head(reader)
    while status == 100:
        status, _, _, fields = wire._read_head(reader)
    return fields


def ours(raw: bytes) -> Parsed:
    """The answer as ``wire`` reads it on a socket; failures unwrapped as urllib3 wraps them."""
    try:
        got = exchange(raw)
    except DecodeError as exc:
        raise _Failed("body", exc) from exc
    except ProtocolError as exc:
        where = "body" if isinstance(exc, wire.BrokenBody) else "head"
        assert type(exc) is FAILURES[where]
        message = "Connection broken: " if where == "body" else "Connection aborted."
        assert str(exc.args[0]).startswith(message), exc.args
        raise _Failed(where, exc.args[1]) from exc
    fields = wire_head_fields(raw)
    # The answer's headers are the pairs, grouped by name as urllib3 groups them.
    assert list(got.headers.items()) == list(urllib3.HTTPHeaderDict(fields).items())
    return Parsed(got.status, got.reason, fields, got.body, got.keep_alive)


def outcome(read: t.Callable[[bytes], Parsed], raw: bytes) -> Parsed | _Failed:
    """What one side makes of ``raw``: its reading, or where and how it failed."""
    try:
        return read(raw)
    except _Failed as failed:
        return failed


@pytest.mark.parametrize("name", list(CASES))
def test_wire_reads_what_http_client_reads(name: str) -> None:
    """Each answer: the same reading on both sides, or the same failure at the same place."""
    case = CASES[name]
    theirs, mine = outcome(stdlib, case.raw), outcome(ours, case.raw)
    if case.fails is None:
        assert not isinstance(theirs, _Failed), theirs.exc
        assert not isinstance(mine, _Failed), repr(mine.exc)
        assert mine == theirs
        return
    assert isinstance(theirs, _Failed), f"http.client read {theirs}"
    assert isinstance(mine, _Failed), f"wire read {mine}"
    assert type(theirs.exc) is case.fails, repr(theirs.exc)
    assert type(mine.exc) is case.fails, repr(mine.exc)
    assert mine.where == theirs.where
    if isinstance(theirs.exc, http_client.LineTooLong):
        assert mine.exc.args == theirs.exc.args  # which line was too long


def test_a_kept_alive_answer_leaves_the_next_one_unread() -> None:
    """Two answers in a row on one connection: each read whole, nothing of the next."""
    first = answer("200 OK", TE, length=False) + chunked(b"one", trailer=b"X-T: 1\r\n")
    second = answer("200 OK", body=b"two")
    reader = buffered(first + second)
    for body in (b"one", b"two"):
        status, _, _, fields = wire._read_head(reader)
        assert wire._read_body(reader, status, urllib3.HTTPHeaderDict(fields))[0] == body
    assert reader.read() == b""


def test_the_same_content_length_5_5_kept_alive_does_not_wait_for_the_end() -> None:
    """The deliberate difference: ``http.client`` reads ``5, 5`` (not a number) until the
    server closes, so a kept-alive answer would end at the timeout; wire reads the 5 bytes
    (urllib3's length, RFC 9110 8.6) and, as ``http.client``, does not reuse the connection."""
    raw = answer("200 OK", "Content-Length: 5, 5", length=False) + b"hello"
    ours, peer = socket.socketpair()
    peer.sendall(raw)  # and the connection stays open
    conn = wire.Connection(t.cast("urllib3.connection.HTTPConnection", _Made(ours)), 2.0)
    try:
        got = conn.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2.0, "pool", "/")
    finally:
        conn.close()
        peer.close()
    assert (got.body, got.keep_alive) == (b"hello", False)


class _Recorder:
    """A socket that keeps what ``http.client`` sends."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


AUTH = "Basic QUNzdWI6dG9rZW4="  # a subaccount's SID and token
HEADER_SETS: list[dict[str, str]] = [
    {},
    {"Authorization": AUTH},
    {
        "User-Agent": "tap-twilio/1.0",
        "Accept-Encoding": "gzip, deflate",
        "Accept": "*/*",
        "Connection": "keep-alive",
        "Authorization": AUTH,
    },
    {"X-Twilio-Note": "caf\xe9", "accept": "application/json", "X-Empty": ""},
]


@pytest.mark.parametrize("headers", HEADER_SETS, ids=lambda h: ",".join(h) or "none")
@pytest.mark.parametrize(
    ("scheme", "host", "port", "target"),
    [
        ("https", "api.twilio.com", 443, "/2010-04-01/Accounts/AC1/Messages.json?PageSize=50"),
        ("http", "127.0.0.1", 8080, "/v1/Alerts?StartDate=2024-01-02T03%3A04%3A05Z"),
        ("http", "::1", 9, "/"),
        ("https", "monitor.twilio.com", 8443, "/v1/Alerts?PageToken=PA%3D&Page=1"),
    ],
)
def test_request_heads_are_what_http_client_writes(
    scheme: str, host: str, port: int, target: str, headers: dict[str, str]
) -> None:
    """``wire.request_head`` with a pool's Host: ``http.client``'s bytes for the same GET."""
    cls = http_client.HTTPSConnection if scheme == "https" else http_client.HTTPConnection
    conn = cls(host, port)
    recorder = _Recorder()
    conn.sock = t.cast("socket.socket", recorder)
    # As urllib3 calls it: no Accept-Encoding of http.client's own (requests sends one).
    conn.putrequest("GET", target, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    host_header = http.Pool(scheme, host, port, 1, "").host_header
    assert wire.request_head("GET", target, host_header, headers) == recorder.sent

    if "Accept-Encoding" in headers:  # then ``request`` itself skips its own, as urllib3
        again = cls(host, port)
        again.sock = t.cast("socket.socket", _Recorder())
        again.request("GET", target, headers=headers)
        assert t.cast("_Recorder", again.sock).sent == recorder.sent
