"""The webhook receiver's server: concurrency, rejections, limits."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from twilio.request_validator import RequestValidator  # test-only oracle

from tap_twilio import webhooks
from tap_twilio.webhooks import (
    WebhookSettings,
    compute_signature,
)
from tests.webhook_support import (
    INBOUND_SMS,
    STATUS_CALLBACK,
    TOKEN,
    _records,
    _request,
    _serving,
    _signed_form,
)


@pytest.fixture
def live_server():
    with _serving(WebhookSettings(auth_token=TOKEN, port=0)) as served:
        yield served


def test_concurrent_requests_never_interleave(live_server):
    server, out = live_server

    def send(i):
        pairs = [*INBOUND_SMS.items(), ("Body", f"message {i} " + "x" * 2000)]
        pairs = [p for p in pairs if p != ("Body", "Hello")]
        _, body, headers = _signed_form(server.port, f"/sms?n={i}", pairs)
        return _request(server.port, "POST", f"/sms?n={i}", body, headers)[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(send, range(60)))
    assert statuses == [200] * 60
    records = _records(out.getvalue())
    assert len(records) == 60
    assert len({r["event_id"] for r in records}) == 60
    assert {r["event_kind"] for r in records} == {"inbound_message"}


def test_get_webhook_and_sha256_settings_header(live_server):
    server, out = live_server
    target = "/voice?CallSid=CA123&CallStatus=ringing&AccountSid=AC9"
    url = f"http://127.0.0.1:{server.port}{target}"
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    status, headers, body = _request(
        server.port, "GET", target, headers={"X-Twilio-Signature": signature}
    )
    assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/xml")
    assert body == b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
    sha256 = RequestValidator(TOKEN).compute_signature(url, {}, "HMAC_SHA256")
    settings_header = {
        "X-Twilio-Signature": sha256,
        "X-Twilio-Webhooks-Signature-Settings": "key=KS1,algorithm=HMAC_SHA256",
    }
    assert _request(server.port, "GET", target, headers=settings_header)[0] == 200
    # the same SHA-256 signature without the settings header is checked as SHA-1
    assert _request(server.port, "GET", target, headers={"X-Twilio-Signature": sha256})[0] == 403
    records = _records(out.getvalue())
    assert len(records) == 2
    assert records[0]["event_kind"] == "call_status"
    assert records[0]["call_sid"] == "CA123"
    assert records[0]["params"] == records[0]["query"]


def test_rejections(live_server):
    server, out = live_server
    assert _request(server.port, "POST", "/x", b"a=1", {"Content-Length": "x"})[0] == 400
    big = {"Content-Length": str(webhooks.MAX_BODY_BYTES + 1)}
    assert _request(server.port, "POST", "/x", b"", big)[0] == 413
    # a JSON body whose URL has no bodySHA256 cannot be authenticated
    target = "/json"
    signature = compute_signature(TOKEN, f"http://127.0.0.1:{server.port}{target}")
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": signature}
    assert _request(server.port, "POST", target, b'{"a": 1}', headers)[0] == 403
    chunked = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    assert _request(server.port, "POST", "/x", iter([b"{}"]), chunked)[0] == 411
    # the client sends less than Content-Length and stops sending
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
        sock.shutdown(socket.SHUT_WR)
        assert sock.makefile("rb").readline().startswith(b"HTTP/1.0 400")
    assert _records(out.getvalue()) == []


# ---------------------------------------------------------------------------------------
# Limits the receiver enforces (it must run behind a reverse proxy; these still hold)
# ---------------------------------------------------------------------------------------


@pytest.fixture
def limited_server():
    """A server with small limits: 1 KiB bodies, 0.5 s per read, 2 connections."""
    settings = WebhookSettings(
        auth_token=TOKEN, port=0, timeout=0.5, max_body_bytes=1024, max_connections=2
    )
    with _serving(settings) as served:
        yield served


def _padded_form(port, size, target="/limit"):
    """A signed form request whose body is exactly ``size`` bytes."""
    pairs = [*STATUS_CALLBACK.items(), ("Pad", "")]
    _, body, _ = _signed_form(port, target, pairs)
    pairs[-1] = ("Pad", "x" * (size - len(body)))
    _, body, headers = _signed_form(port, target, pairs)
    assert len(body) == size
    return body, headers


def test_default_limits():
    settings = WebhookSettings(auth_token=TOKEN)
    assert (settings.max_body_bytes, settings.timeout, settings.max_connections) == (
        webhooks.MAX_BODY_BYTES,
        webhooks.DEFAULT_TIMEOUT,
        webhooks.MAX_CONNECTIONS,
    )
    assert (webhooks.MAX_BODY_BYTES, webhooks.DEFAULT_TIMEOUT) == (10 * 1024 * 1024, 30.0)


def test_body_size_limit(limited_server):
    server, out = limited_server
    body, headers = _padded_form(server.port, 1024)
    assert _request(server.port, "POST", "/limit", body, headers)[0] == 200
    body, headers = _padded_form(server.port, 1025)
    status, _, text = _request(server.port, "POST", "/limit", body, headers)
    assert (status, text) == (413, b"Payload Too Large\n")
    assert len(_records(out.getvalue())) == 1


def _closed_within(sock, seconds):
    """Seconds until the server closed ``sock`` (whatever it sent first), or None."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return None
    return time.monotonic() - start


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connects and says nothing
        b"POST /slow HTTP/1.1\r\nHost: a\r\n",  # headers never finished
        b"POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc",  # body cut
    ],
    ids=["idle", "slow-headers", "slow-body"],
)
def test_slow_clients_are_disconnected_after_the_timeout(limited_server, sent):
    server, out = limited_server
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(sent)
        waited = _closed_within(sock, 5)
    assert waited is not None, "the server kept a stalled connection open"
    assert 0.3 <= waited < 3
    assert _records(out.getvalue()) == []


def test_one_request_per_connection(live_server):
    """HTTP/1.0 answers: the connection closes after each response, keep-alive or not, so an
    idle client cannot hold a handler thread between requests (the timeout is 30 s here)."""
    server, out = live_server
    body, headers = _padded_form(server.port, 600)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"POST /limit HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: keep-alive\r\n"
        f"Content-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        assert sock.makefile("rb").readline().startswith(b"HTTP/1.0 200")
        assert _closed_within(sock, 2) is not None
    assert len(_records(out.getvalue())) == 1


def test_connection_limit(limited_server):
    server, out = limited_server
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
    try:
        time.sleep(0.1)  # both are being served (waiting for their request lines)
        status, _, text = _request(server.port, "GET", "/busy")
        assert (status, text) == (503, b"Service Unavailable\n")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)  # their handler threads see the closed sockets and free the places
    body, headers = _padded_form(server.port, 600)
    assert _request(server.port, "POST", "/limit", body, headers)[0] == 200
    assert len(_records(out.getvalue())) == 1


def test_request_line_and_header_limits(live_server):
    server, out = live_server
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
        assert sock.makefile("rb").readline().split()[1] == b"414"
    many = "".join(f"X-H{i}: v\r\n" for i in range(101)).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n" + many + b"\r\n")
        assert sock.makefile("rb").readline().split()[1] == b"431"
    assert _records(out.getvalue()) == []


# ---------------------------------------------------------------------------------------
# End to end: python -m tap_twilio.webhooks in a subprocess
# ---------------------------------------------------------------------------------------
