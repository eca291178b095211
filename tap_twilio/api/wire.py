"""One HTTP/1.1 exchange on a kept-alive connection: the request written at once, the answer read.

``api.http.Transport`` sends every list page through here. Through urllib3's ``urlopen``
and ``http.client`` a small Twilio page cost ``Transport.send`` about 155 µs of CPU (a
``putheader`` call per header, a response object of each library, the email parser for
the headers, a retry object, the socket's timeout set twice); written in one ``sendall``
and read from a buffered reader here, about 85 µs. Connections are still made by urllib3
(``urllib3.connection``: DNS, TCP options, TLS with the CA bundle, SNI and hostname
checks); what is read and raised is what urllib3 reads and raises:

* the status line, header lines (``http.client``'s limits: 65,536 bytes a line, 100
  headers; anything but plain ``Name: value`` lines is read by the email parser, as
  ``http.client`` does) and the body by ``Content-Length``, chunks, or until the server
  closes; a body is decoded by urllib3's decoders when it has a ``Content-Encoding``;
* a failure is urllib3's exception for it: ``ReadTimeoutError`` when no answer comes
  within the timeout, ``ProtocolError`` ("Connection aborted.") when the connection
  fails before the answer, ("Connection broken: …") when it fails within the body.

``tests/test_wire_oracle.py`` holds this to ``http.client`` answer by answer. One difference
is meant: a ``Content-Length`` that repeats one number (``5, 5``) is read as that number,
where ``http.client`` reads until the server closes (neither reuses the connection).
"""

from __future__ import annotations

import email.parser
import http.client
import io
import re
import socket
import typing as t

import urllib3
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
from urllib3.util.wait import wait_for_read

#: http.client's limits on a response's header lines.
MAXLINE = 65536
MAXHEADERS = 100
#: A header name the email parser takes (printable ASCII but the colon).
_FIELD_NAME = re.compile(r"[\041-\071\073-\176]+")
#: A header name http.client sends (an RFC 7230 token).
_TOKEN = re.compile(rb"[^:\s][^:\r\n]*")
#: Characters http.client refuses in a request target (controls and space).
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
#: Statuses whose answer has no body whatever the headers say.
_NO_BODY = frozenset((204, 304))


class BrokenBody(ProtocolError):
    """The connection failed within the body (urllib3's "Connection broken: …")."""


class Answer(t.NamedTuple):
    """What was read of one response."""

    status: int
    reason: str
    headers: urllib3.HTTPHeaderDict
    body: bytes
    keep_alive: bool


class Connection:
    """A connection made by urllib3, used for whole exchanges one after the other."""

    __slots__ = ("conn", "idle_since", "sock", "timeout")

    def __init__(self, conn: urllib3.connection.HTTPConnection, timeout: float | None) -> None:
        conn.connect()  # urllib3's: NewConnectionError, ConnectTimeoutError, SSL errors
        self.conn = conn
        self.sock: socket.socket = t.cast("socket.socket", conn.sock)
        self.timeout = timeout
        #: ``time.monotonic()`` when its last answer was read (``api.http.Pool.put``).
        self.idle_since = 0.0

    def dropped(self) -> bool:
        """Whether the server closed the idle connection (or sent what was not asked for)."""
        return wait_for_read(self.sock, timeout=0.0)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def exchange(self, head: bytes, timeout: float | None, pool: t.Any, url: str) -> Answer:
        """Write a request's head (a GET: no body), read the whole answer.

        ``pool`` and ``url`` (the request target) name the request in a timeout's message.
        """
        sock = self.sock
        if timeout != self.timeout:
            sock.settimeout(timeout)
            self.timeout = timeout
        try:
            sock.sendall(head)
        except OSError as exc:
            raise ProtocolError("Connection aborted.", exc) from exc
        reader = sock.makefile("rb")
        try:
            try:
                status, reason, version, fields = _read_head(reader)
                while status == 100:  # http.client skips an interim answer
                    status, reason, version, fields = _read_head(reader)
            except TimeoutError as exc:
                raise _read_timeout(pool, url, timeout) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise ProtocolError("Connection aborted.", exc) from exc
            headers = urllib3.HTTPHeaderDict(fields)
            try:
                body, until_close = _read_body(reader, status, headers)
            except TimeoutError as exc:
                raise _read_timeout(pool, url, timeout) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise BrokenBody(f"Connection broken: {exc!r}", exc) from exc
        finally:
            reader.close()
        encoding = headers.get("content-encoding", "").lower()
        if encoding and encoding != "identity" and body:
            body = _decoded(body, headers, status)
        keep_alive = not until_close and _kept_alive(headers, version)
        return Answer(status, reason, headers, body, keep_alive)


def _first(headers: urllib3.HTTPHeaderDict, name: str) -> str:
    """A header's first value, as ``http.client`` reads it ("" when it is absent)."""
    values = headers.getlist(name)
    return values[0] if values else ""


def _kept_alive(headers: urllib3.HTTPHeaderDict, version: int) -> bool:
    """Whether the server keeps the connection (``http.client``'s ``_check_close``)."""
    if version == 11:
        return "close" not in _first(headers, "connection").lower()
    return bool(
        _first(headers, "keep-alive")
        or "keep-alive" in _first(headers, "connection").lower()
        or "keep-alive" in _first(headers, "proxy-connection").lower()
    )


def _read_timeout(pool: t.Any, url: str, timeout: float | None) -> ReadTimeoutError:
    """urllib3's exception for an answer that did not come in time."""
    return ReadTimeoutError(pool, url, f"Read timed out. (read timeout={timeout})")


def _read_line(reader: io.BufferedReader, what: str) -> bytes:
    line = reader.readline(MAXLINE + 1)
    if len(line) > MAXLINE:
        raise http.client.LineTooLong(what)
    return line


def _read_head(reader: io.BufferedReader) -> tuple[int, str, int, list[tuple[str, str]]]:
    """The status line and header fields, as ``http.client.HTTPResponse.begin`` reads them."""
    line = str(_read_line(reader, "status line"), "iso-8859-1")
    if not line:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    try:
        version, status_text, reason = line.split(None, 2)
    except ValueError:
        try:
            version, status_text = line.split(None, 1)
            reason = ""
        except ValueError:
            raise http.client.BadStatusLine(line) from None
    if not version.startswith("HTTP/"):
        raise http.client.BadStatusLine(line)
    try:
        status = int(status_text)
    except ValueError:
        raise http.client.BadStatusLine(line) from None
    if status < 100 or status > 999:
        raise http.client.BadStatusLine(line)
    lines = []
    while True:
        header = _read_line(reader, "header line")
        lines.append(header)
        if len(lines) > MAXHEADERS:
            raise http.client.HTTPException(f"got more than {MAXHEADERS} headers")
        if header in (b"\r\n", b"\n", b""):
            break
    if version in ("HTTP/1.0", "HTTP/0.9"):
        number = 10
    elif version.startswith("HTTP/1."):
        number = 11
    else:
        raise http.client.UnknownProtocol(version)
    return status, reason.strip(), number, header_fields(lines)


def header_fields(lines: list[bytes]) -> list[tuple[str, str]]:
    """Header lines (the blank one last) as the email parser makes them into fields.

    Plain ``Name: value`` lines are split here (the value without its leading blanks and
    line end); anything else (folded lines, a name the email parser would not take, a CR
    but in the line end: the email parser ends a line there) is read by the email parser,
    as ``http.client`` does.
    """
    fields = []
    for raw in lines[:-1]:
        text = raw.decode("iso-8859-1")
        name, colon, value = text.partition(":")
        cr = text.find("\r")
        if not colon or (cr != -1 and cr != len(text) - 2) or not _FIELD_NAME.fullmatch(name):
            parsed = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(
                b"".join(lines).decode("iso-8859-1")
            )
            return list(parsed.items())
        fields.append((name, value.lstrip(" \t").rstrip("\r\n")))
    return fields


def _read_body(
    reader: io.BufferedReader, status: int, headers: urllib3.HTTPHeaderDict
) -> tuple[bytes, bool]:
    """The body, and whether the connection cannot be reused after it.

    The length is ``http.client``'s: the first ``Content-Length``, read until the server
    closes when it is not a number or negative. But one that repeats a number (``5, 5``)
    is read as that number (urllib3's length, RFC 9110 8.6) rather than until the server
    closes (a kept-alive connection: till the timeout); like ``http.client``'s, that
    connection is not reused.
    """
    if status in _NO_BODY or status < 200:
        return b"", False
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _read_chunks(reader), False
    length = _first(headers, "content-length")
    try:
        expected, reused = int(length), True
    except ValueError:
        try:
            values = {int(value) for value in length.split(",")}
        except ValueError:
            return reader.read(), True
        expected, reused = (values.pop() if len(values) == 1 else -1), False
    if expected < 0:
        return reader.read(), True
    body = reader.read(expected) if expected > 0 else b""
    if len(body) < expected:
        raise http.client.IncompleteRead(body, expected - len(body))
    return body, not reused


def _read_chunks(reader: io.BufferedReader) -> bytes:
    parts: list[bytes] = []
    while True:
        line = _read_line(reader, "chunk size")
        try:
            size = int(line.split(b";", 1)[0], 16)
        except ValueError:
            raise http.client.IncompleteRead(b"".join(parts)) from None
        if size == 0:
            break
        chunk = reader.read(size)
        if len(chunk) < size:
            raise http.client.IncompleteRead(b"".join(parts) + chunk, size - len(chunk))
        parts.append(chunk)
        if len(reader.read(2)) < 2:  # its CRLF: two bytes, whatever they are, as http.client
            raise http.client.IncompleteRead(b"".join(parts))
    while _read_line(reader, "trailer line") not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)


def _decoded(body: bytes, headers: urllib3.HTTPHeaderDict, status: int) -> bytes:
    """A compressed body decoded by urllib3's decoders (``DecodeError`` when it cannot be)."""
    response = urllib3.HTTPResponse(
        body=io.BytesIO(body),
        headers=headers,
        status=status,
        preload_content=False,
        decode_content=True,
    )
    try:
        return response.read(decode_content=True)
    except DecodeError:
        raise
    except Exception as exc:  # pragma: no cover - a decoder failing otherwise
        raise DecodeError(str(exc), exc) from exc


def request_head(method: str, target: str, host: str, headers: t.Mapping[str, str]) -> bytes:
    """A request's head as ``http.client`` writes it (``Host`` first), checked as it checks."""
    if _BAD_TARGET.search(target):
        raise http.client.InvalidURL(f"URL can't contain control characters. {target!r}")
    lines = [f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"]
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name.encode("latin-1")):
            raise ValueError(f"Invalid header name {name!r}")
        if "\r" in value or "\n" in value:
            raise ValueError(f"Invalid header value {value!r}")
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")
