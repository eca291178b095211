"""Webhook receiver: signature validation (vs. twilio's RequestValidator) and the server."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import jsonschema
import pytest
from twilio.request_validator import RequestValidator  # test-only oracle

from tap_twilio import webhooks
from tap_twilio.cli import webhook_mode_args
from tap_twilio.webhooks import (
    RECORD_SCHEMA,
    SingerEmitter,
    WebhookSettings,
    build_record,
    classify_event,
    compute_body_hash,
    compute_signature,
    make_server,
    settings_from_config,
    signature_algorithm,
    url_variants,
    validate_signature,
)
from tests import webhook_vectors as v

REPO = Path(__file__).resolve().parents[1]
TOKEN = secrets.token_hex(16)  # a fresh, obviously-test key per run; nothing real committed
RECORD_VALIDATOR = jsonschema.Draft7Validator(
    RECORD_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
)


# ---------------------------------------------------------------------------------------
# Signature validation
# ---------------------------------------------------------------------------------------


def test_documented_form_vector():
    assert compute_signature(v.DOC_TOKEN, v.DOC_FORM_URL, v.DOC_FORM_PARAMS) == (
        v.DOC_FORM_SIGNATURE
    )
    assert validate_signature(v.DOC_TOKEN, v.DOC_FORM_URL, v.DOC_FORM_PARAMS, v.DOC_FORM_SIGNATURE)
    pairs = list(v.DOC_FORM_PARAMS.items())[::-1]  # order of arrival does not matter
    assert validate_signature(v.DOC_TOKEN, v.DOC_FORM_URL, pairs, v.DOC_FORM_SIGNATURE)
    assert not validate_signature("54321", v.DOC_FORM_URL, v.DOC_FORM_PARAMS, v.DOC_FORM_SIGNATURE)
    assert not validate_signature(
        v.DOC_TOKEN, v.DOC_FORM_URL, {**v.DOC_FORM_PARAMS, "Digits": "1235"}, v.DOC_FORM_SIGNATURE
    )


def test_documented_json_vector():
    assert compute_body_hash(v.DOC_JSON_BODY) == v.DOC_JSON_HASH
    assert compute_body_hash(v.DOC_JSON_BODY.encode()) == v.DOC_JSON_HASH
    assert compute_signature(v.DOC_TOKEN, v.DOC_JSON_URL) == v.DOC_JSON_SIGNATURE
    for body in (v.DOC_JSON_BODY, v.DOC_JSON_BODY.encode()):
        assert validate_signature(v.DOC_TOKEN, v.DOC_JSON_URL, body, v.DOC_JSON_SIGNATURE)
    # the signature covers the URL only, the body is covered by bodySHA256
    tampered = v.DOC_JSON_BODY.replace("true", "false")
    assert not validate_signature(v.DOC_TOKEN, v.DOC_JSON_URL, tampered, v.DOC_JSON_SIGNATURE)
    # a non-form body without bodySHA256 cannot be authenticated
    url = "https://mycompany.com/myapp.php"
    assert not validate_signature(
        v.DOC_TOKEN, url, v.DOC_JSON_BODY, compute_signature(v.DOC_TOKEN, url)
    )


@pytest.mark.parametrize(
    ("signed", "requested"),
    [
        ("https://mycompany.com/myapp.php?foo=1", "https://mycompany.com:443/myapp.php?foo=1"),
        ("https://mycompany.com:443/myapp.php?foo=1", "https://mycompany.com/myapp.php?foo=1"),
        ("http://mycompany.com/a", "http://mycompany.com:80/a"),
        ("http://mycompany.com:80/a", "http://mycompany.com/a"),
        ("https://mycompany.com/a", "https://mycompany.com:8443/a"),  # as twilio-python
    ],
)
def test_port_added_or_removed(signed, requested):
    signature = compute_signature(v.DOC_TOKEN, signed, v.DOC_FORM_PARAMS)
    assert validate_signature(v.DOC_TOKEN, requested, v.DOC_FORM_PARAMS, signature)
    oracle = RequestValidator(v.DOC_TOKEN)
    assert oracle.validate(requested, v.DOC_FORM_PARAMS, signature)


def test_url_variants():
    assert url_variants("https://h/x?y=1") == ["https://h/x?y=1", "https://h:443/x?y=1"]
    assert url_variants("http://h:8080/x") == ["http://h:8080/x", "http://h/x"]
    assert url_variants("https://u:p@[::1]:8443/x") == [
        "https://u:p@[::1]:8443/x",
        "https://u:p@[::1]/x",
    ]
    assert url_variants("https://[::1]") == ["https://[::1]", "https://[::1]:443"]
    assert url_variants("not a url") == ["not a url"]


def test_algorithms():
    assert signature_algorithm(None) == "HMAC_SHA1"
    assert signature_algorithm("key=KS123,algorithm=HMAC_SHA256") == "HMAC_SHA256"
    assert signature_algorithm("key=KS123") == "HMAC_SHA1"
    url, params = v.DOC_FORM_URL, v.DOC_FORM_PARAMS
    sha256 = RequestValidator(TOKEN).compute_signature(url, params, algorithm="HMAC_SHA256")
    assert compute_signature(TOKEN, url, params, algorithm="HMAC_SHA256") == sha256
    assert validate_signature(TOKEN, url, params, sha256, algorithm="HMAC_SHA256")
    assert not validate_signature(TOKEN, url, params, sha256)  # SHA1 expected
    assert not validate_signature(TOKEN, url, params, sha256, algorithm="HMAC_MD5")
    with pytest.raises(ValueError, match="unsupported"):
        compute_signature(TOKEN, url, params, algorithm="HMAC_MD5")
    assert not validate_signature(TOKEN, url, params, None)
    assert not validate_signature(TOKEN, url, params, "")
    assert not validate_signature(TOKEN, url, params, "ünïcode")


CASES = v.generate_cases(seed=20240611, count=400)


def _check(case: v.Case, url: str, token: str, pairs, body, signature: str, expected: bool):
    """Both implementations agree, and agree with the expectation."""
    oracle = RequestValidator(token)
    if case.body is None:
        theirs = oracle.validate(url, v.MultiDict(_group(pairs)), signature, case.algorithm)
        mine_pairs = validate_signature(token, url, pairs, signature, algorithm=case.algorithm)
        mine_dict = validate_signature(
            token, url, _group(pairs), signature, algorithm=case.algorithm
        )
        assert mine_pairs == mine_dict
    else:
        theirs = oracle.validate(url, body, signature, case.algorithm)
        mine_dict = validate_signature(
            token, url, body.encode("utf-8"), signature, algorithm=case.algorithm
        )
    assert (mine_dict, theirs) == (expected, expected), (case, url, signature)


def _group(pairs):
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def test_generated_cases_agree_with_twilio_library():
    kinds = {"json": 0, "form": 0, "repeated": 0, "port-variant": 0, "sha256": 0}
    for case in CASES:
        oracle = RequestValidator(case.token)
        params = {} if case.body is not None else v.MultiDict(_group(case.pairs))
        signature = oracle.compute_signature(case.signed_url, params, case.algorithm)
        assert signature == compute_signature(
            case.token, case.signed_url, case.pairs, algorithm=case.algorithm
        )
        pairs, body = case.pairs, case.body
        # the genuine request
        _check(case, case.request_url, case.token, pairs, body, signature, True)
        # wrong token
        _check(case, case.request_url, case.token[::-1] + "x", pairs, body, signature, False)
        # changed URL (path or query)
        scheme, rest = case.request_url.split("://", 1)
        changed = f"{scheme}://{rest.replace('/', '/z', 1) if '/' in rest else rest + '/z'}"
        _check(case, changed, case.token, pairs, body, signature, False)
        # a flipped signature character
        flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
        _check(case, case.request_url, case.token, pairs, body, flipped, False)
        if body is None:
            # a changed, added or dropped parameter
            extra = [*pairs, ("Extra", "1")]
            _check(case, case.request_url, case.token, extra, body, signature, False)
            if pairs:
                name, value = pairs[0]
                changed_pairs = [(name, value + "x"), *pairs[1:]]
                _check(case, case.request_url, case.token, changed_pairs, body, signature, False)
                dropped = [p for p in pairs if p[0] != name]
                _check(case, case.request_url, case.token, dropped, body, signature, False)
            kinds["form"] += 1
            kinds["repeated"] += len(pairs) != len({n for n, _ in pairs})
        else:
            # a changed body (the URL's bodySHA256 no longer matches)
            _check(case, case.request_url, case.token, pairs, body + " ", signature, False)
            kinds["json"] += 1
        kinds["port-variant"] += case.signed_url != case.request_url
        kinds["sha256"] += case.algorithm == "HMAC_SHA256"
    # the generator covers every kind of case
    assert all(count >= 20 for count in kinds.values()), kinds


# ---------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------

INBOUND_SMS = {
    "MessageSid": "SM" + "a" * 32,
    "SmsSid": "SM" + "a" * 32,
    "SmsMessageSid": "SM" + "a" * 32,
    "AccountSid": "AC" + "b" * 32,
    "MessagingServiceSid": "MG" + "c" * 32,
    "From": "+15005550006",
    "To": "+15005550001",
    "Body": "Hello",
    "NumMedia": "0",
    "SmsStatus": "received",
    "ApiVersion": "2010-04-01",
}
STATUS_CALLBACK = {
    "MessageSid": "SM" + "d" * 32,
    "SmsSid": "SM" + "d" * 32,
    "AccountSid": "AC" + "b" * 32,
    "MessageStatus": "delivered",
    "SmsStatus": "delivered",
    "From": "+15005550006",
    "To": "+15005550001",
    "ApiVersion": "2010-04-01",
}
CALL_STATUS = {
    "CallSid": "CA" + "e" * 32,
    "AccountSid": "AC" + "b" * 32,
    "CallStatus": "completed",
    "Direction": "outbound-api",
    "CallDuration": "12",
}


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        (INBOUND_SMS, "inbound_message"),
        ({k: v_ for k, v_ in INBOUND_SMS.items() if k != "SmsStatus"}, "inbound_message"),
        (STATUS_CALLBACK, "message_status"),
        ({**STATUS_CALLBACK, "Body": "sent text"}, "message_status"),
        ({**INBOUND_SMS, "Direction": "outbound-api"}, "message_status"),
        (CALL_STATUS, "call_status"),
        ({"CallSid": "CA1"}, "other"),
        ({"Foo": "bar"}, "other"),
        ({}, "other"),
    ],
)
def test_classify_event(params, kind):
    assert classify_event(params) == kind


def test_build_record_form_and_json():
    pairs = [*STATUS_CALLBACK.items(), ("MediaUrl", "a"), ("MediaUrl", "b")]
    body = urlencode(pairs).encode()
    record = build_record(
        method="POST",
        target="/hooks/status?tenant=acme&tag=1&tag=2",
        body=body,
        content_type="application/x-www-form-urlencoded",
        form_pairs=pairs,
    )
    RECORD_VALIDATOR.validate(record)
    assert record["event_kind"] == "message_status"
    assert record["params"]["MediaUrl"] == ["a", "b"]
    assert record["params"]["MessageStatus"] == "delivered"
    assert record["query"] == {"tenant": "acme", "tag": ["1", "2"]}
    assert record["path"] == "/hooks/status"
    assert record["message_sid"] == STATUS_CALLBACK["MessageSid"]
    assert record["account_sid"] == STATUS_CALLBACK["AccountSid"]
    assert record["call_sid"] is None
    assert record["sids"] == {
        "MessageSid": STATUS_CALLBACK["MessageSid"],
        "SmsSid": STATUS_CALLBACK["SmsSid"],
        "AccountSid": STATUS_CALLBACK["AccountSid"],
    }
    expected_id = hashlib.sha256(b"POST /hooks/status?tenant=acme&tag=1&tag=2\n" + body).hexdigest()
    assert record["event_id"] == expected_id

    array = build_record(
        method="POST", target="/e", body=b'[{"type": "x"}]', content_type=None, form_pairs=None,
        idempotency_token="tok-1",
    )  # fmt: skip
    RECORD_VALIDATOR.validate(array)
    assert (array["event_kind"], array["params"], array["event_id"]) == (
        "json",
        {"_body": [{"type": "x"}]},
        "tok-1",
    )
    text = build_record(
        method="POST", target="/e", body=b"not json \xff", content_type="text/plain",
        form_pairs=None,
    )  # fmt: skip
    assert (text["event_kind"], text["params"]) == ("other", {"_raw": "not json \ufffd"})


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------


def test_settings_precedence_and_errors():
    config = {
        "auth_token": "main-token",
        "webhook_auth_token": "hook-token",
        "webhook_host": "0.0.0.0",
        "webhook_port": 9000,
        "webhook_public_url": "https://a.example/",
    }
    settings = settings_from_config(config)
    assert (settings.auth_token, settings.host, settings.port, settings.public_url) == (
        "hook-token",
        "0.0.0.0",
        9000,
        "https://a.example",
    )
    assert "hook-token" not in repr(settings)
    settings = settings_from_config(
        config, host="127.0.0.1", port=0, public_url="https://b.example/x"
    )
    assert (settings.host, settings.port, settings.public_url) == (
        "127.0.0.1",
        0,
        "https://b.example/x",
    )
    assert settings_from_config({"auth_token": "t"}).auth_token == "t"
    assert settings_from_config({"auth_token": "t"}).port == 8080
    with pytest.raises(webhooks.ConfigError, match="webhook_auth_token is required with API-key"):
        settings_from_config({"api_key_sid": "SK1", "api_key_secret": "s3cr3t"})
    with pytest.raises(webhooks.ConfigError, match="no webhook signing key"):
        settings_from_config({})
    with pytest.raises(webhooks.ConfigError, match="port"):
        settings_from_config({"auth_token": "t", "webhook_port": 70000})
    with pytest.raises(webhooks.ConfigError, match="public URL"):
        settings_from_config({"auth_token": "t", "webhook_public_url": "ftp://x"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),  # the tap's words (tap_twilio/api/settings.py)
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object, not a list"),
        ('{"account_sid": "AC1"}', "no webhook signing key"),
        (
            '{"account_sid": "AC1", "api_key_sid": "SK1", "api_key_secret": "SUPERSECRET"}',
            "webhook_auth_token is required with API-key auth",
        ),
        ('{"auth_token": "SUPERSECRET", "webhook_port": "eighty"}', "port must be an integer"),
    ],
)
def test_bad_config_in_process(tmp_path, capsys, content, message):
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    assert webhooks.main(["--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and message in err, err
    assert "SUPERSECRET" not in err and "Traceback" not in err


def test_bad_config_subprocess(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tap_twilio.webhooks", "--config", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"tap-twilio webhook-mode: error: config file {tmp_path / 'nope.json'} does not exist"
    ]


def test_config_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("TAP_TWILIO_WEBHOOK_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("TAP_TWILIO_WEBHOOK_PORT", "0")
    path = tmp_path / "c.json"
    path.write_text('{"auth_token": "file", "webhook_port": 1234}')
    config = webhooks.load_config([str(path), "ENV"])
    settings = settings_from_config(config)
    assert (settings.auth_token, settings.port) == ("from-env", 0)


# ---------------------------------------------------------------------------------------
# In-process server
# ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _serving(settings):
    """A receiver on a thread of its own, writing to a StringIO, until the block ends."""
    out = io.StringIO()
    server = make_server(settings, SingerEmitter(out))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server, out
    finally:
        server.request_stop()
        thread.join(5)
        server.server_close()


@pytest.fixture
def live_server():
    with _serving(WebhookSettings(auth_token=TOKEN, port=0)) as served:
        yield served


def _request(port, method, target, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _signed_form(port, target, pairs, token=TOKEN, base=None, extra_headers=None):
    url = (base or f"http://127.0.0.1:{port}") + target
    signature = RequestValidator(token).compute_signature(url, v.MultiDict(_group(pairs)))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        **(extra_headers or {}),
    }
    return signature, urlencode(pairs).encode(), headers


def _records(out_text):
    messages = [json.loads(line) for line in out_text.splitlines()]
    return [m["record"] for m in messages if m["type"] == "RECORD"]


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


class Receiver:
    """A receiver subprocess; stderr is drained by a thread, stdout read without blocking."""

    def __init__(
        self,
        config_path: Path | None,
        *args: str,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        default = [sys.executable, "-m", "tap_twilio.webhooks", "--config", str(config_path)]
        self.proc = subprocess.Popen(
            [*(command or default), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={**os.environ, **(env or {})},
        )
        self.stderr_lines: list[str] = []
        self._ready = threading.Event()
        self.port = 0
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self._stdout = b""
        if not self._ready.wait(20):
            self.proc.kill()
            raise AssertionError(f"receiver did not start: {self.stderr_lines}")

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_lines.append(line)
            match = re.search(r"listening on http://\S+:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                self._ready.set()

    def stdout_now(self) -> str:
        """Everything on stdout that is already written, without waiting."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self._stdout += chunk
        return self._stdout.decode("utf-8")

    def stop(self, signum: int | None = signal.SIGTERM) -> tuple[int, str, str]:
        """Send ``signum`` (None: just wait) and collect the exit code and the output."""
        if signum is not None:
            self.proc.send_signal(signum)
        code = self.proc.wait(10)
        assert self.proc.stdout is not None
        self._stdout += self.proc.stdout.read()
        time.sleep(0.05)
        return code, self._stdout.decode("utf-8"), "\n".join(self.stderr_lines)


def _config(tmp_path, **extra) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"account_sid": "AC" + "b" * 32, "auth_token": TOKEN, **extra}))
    return path


def test_end_to_end(tmp_path):
    receiver = Receiver(_config(tmp_path), "--port", "0")
    port = receiver.port
    try:
        first = [json.loads(line) for line in receiver.stdout_now().splitlines()]
        assert [m["type"] for m in first] == ["SCHEMA"]
        assert first[0]["stream"] == "webhook_events"
        assert first[0]["key_properties"] == ["event_id"]
        assert first[0]["schema"] == RECORD_SCHEMA

        # a signed form webhook, with a repeated name and unicode
        pairs = [*INBOUND_SMS.items(), ("MediaUrl0", "https://x/ü"), ("Tag", "a"), ("Tag", "b")]
        pairs = [(k, "Grüße 👋" if k == "Body" else val) for k, val in pairs]
        form_sig, body, headers = _signed_form(
            port, "/sms/inbound?tenant=acme", pairs,
            extra_headers={"I-Twilio-Idempotency-Token": "idem-123"},
        )  # fmt: skip
        status, resp_headers, resp_body = _request(
            port, "POST", "/sms/inbound?tenant=acme", body, headers
        )
        assert status == 200
        assert resp_headers["Content-Type"].startswith("text/xml")
        assert resp_body.endswith(b"<Response/>")
        # the record was on stdout before the response was sent
        assert receiver.stdout_now().count('"type":"RECORD"') == 1

        # a signed JSON webhook (bodySHA256 in the URL, signature over the URL alone)
        json_body = json.dumps([{"type": "com.twilio.messaging.message.delivered"}]).encode()
        json_target = f"/events?bodySHA256={hashlib.sha256(json_body).hexdigest()}"
        json_sig = RequestValidator(TOKEN).compute_signature(
            f"http://127.0.0.1:{port}{json_target}", {}
        )
        json_headers = {"Content-Type": "application/json", "X-Twilio-Signature": json_sig}
        status, resp_headers, _ = _request(port, "POST", json_target, json_body, json_headers)
        assert (status, resp_headers["Content-Type"]) == (200, "application/json")
        assert receiver.stdout_now().count('"type":"RECORD"') == 2

        # forged (signed with another token), unsigned, tampered JSON body: 403, no record
        _, _, forged_headers = _signed_form(port, "/sms/inbound", pairs, token="0" * 32)
        for target, payload, hdrs in [
            ("/sms/inbound", body, forged_headers),
            ("/sms/inbound", body, {"Content-Type": "application/x-www-form-urlencoded"}),
            (json_target, json_body + b" ", json_headers),
        ]:
            status, resp_headers, resp_body = _request(port, "POST", target, payload, hdrs)
            assert status == 403
            assert resp_headers["Content-Type"].startswith("text/plain")
            assert resp_body.startswith(b"Forbidden")
    finally:
        code, out, err = receiver.stop()

    assert code == 0, err
    messages = [json.loads(line) for line in out.splitlines()]
    assert [m["type"] for m in messages] == ["SCHEMA", "RECORD", "RECORD"]
    form_record, json_record = (m["record"] for m in messages[1:])
    for message in messages[1:]:
        assert message["stream"] == "webhook_events"
        RECORD_VALIDATOR.validate(message["record"])
        assert message["time_extracted"].startswith(message["record"]["received_at"][:19])

    assert form_record["event_id"] == "idem-123"
    assert form_record["method"] == "POST"
    assert form_record["path"] == "/sms/inbound"
    assert form_record["query"] == {"tenant": "acme"}
    assert form_record["event_kind"] == "inbound_message"
    assert form_record["params"]["Body"] == "Grüße 👋"
    assert form_record["params"]["Tag"] == ["a", "b"]
    assert form_record["message_sid"] == INBOUND_SMS["MessageSid"]
    assert form_record["account_sid"] == INBOUND_SMS["AccountSid"]
    assert form_record["sids"]["MessagingServiceSid"] == INBOUND_SMS["MessagingServiceSid"]
    assert form_record["signature_valid"] is True

    assert json_record["event_kind"] == "json"
    assert json_record["params"] == {"_body": [{"type": "com.twilio.messaging.message.delivered"}]}
    assert (
        json_record["event_id"]
        == hashlib.sha256(f"POST {json_target}\n".encode() + json_body).hexdigest()
    )

    assert "Traceback" not in err
    assert err.count("rejected POST") == 3
    for secret in (TOKEN, form_sig, json_sig):
        assert secret not in out and secret not in err


def test_behind_a_proxy(tmp_path):
    public = "https://example.ngrok.app"
    receiver = Receiver(_config(tmp_path), "--port", "0", "--public-url", public)
    port = receiver.port
    target = "/twilio/status?x=1"
    try:
        pairs = list(STATUS_CALLBACK.items())
        _, body, headers = _signed_form(port, target, pairs, base=public)
        assert _request(port, "POST", target, body, headers)[0] == 200
        # the default port added by Twilio
        _, body, headers = _signed_form(port, target, pairs, base=public + ":443")
        assert _request(port, "POST", target, body, headers)[0] == 200
        # signed for the local URL: not what Twilio would have signed
        _, body, headers = _signed_form(port, target, pairs)
        assert _request(port, "POST", target, body, headers)[0] == 403
    finally:
        code, out, err = receiver.stop(signal.SIGINT)
    assert code == 0, err
    records = _records(out)
    assert len(records) == 2
    assert {r["event_kind"] for r in records} == {"message_status"}
    assert "Traceback" not in err and TOKEN not in err


def test_in_flight_request_finishes_on_sigterm(tmp_path):
    receiver = Receiver(_config(tmp_path), "--port", "0")
    _, body, headers = _signed_form(receiver.port, "/late", list(CALL_STATUS.items()))
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    conn.putrequest("POST", "/late")
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(body[:10])
    time.sleep(0.3)  # the handler is now waiting for the rest of the body
    receiver.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert receiver.proc.poll() is None  # still finishing the request
    conn.send(body[10:])
    assert conn.getresponse().status == 200
    conn.close()
    code, out, err = receiver.stop(None)
    assert code == 0, err
    assert [r["event_kind"] for r in _records(out)] == ["call_status"]


def test_closed_stdout_refuses_events_and_exits_1(tmp_path):
    receiver = Receiver(_config(tmp_path), "--port", "0")
    assert receiver.proc.stdout is not None
    receiver.stdout_now()  # the SCHEMA line
    receiver.proc.stdout.close()  # the target went away
    _, body, headers = _signed_form(receiver.port, "/s", list(STATUS_CALLBACK.items()))
    # not acknowledged, so Twilio retries later
    assert _request(receiver.port, "POST", "/s", body, headers)[0] == 503
    code = receiver.proc.wait(10)
    time.sleep(0.05)
    err = "\n".join(receiver.stderr_lines)
    assert code == 1, err
    assert "Singer output closed" in err
    assert "Traceback" not in err and "Exception ignored" not in err


# ---------------------------------------------------------------------------------------
# webhook-mode from the tap's command line, wherever it stands (Meltano's commands)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["webhook-mode", "--config", "c.json"], ["--config", "c.json"]),
        (
            ["--config", "c.json", "webhook-mode", "--port", "0"],
            ["--config", "c.json", "--port", "0"],
        ),
        (["--config", "ENV", "--port", "0", "webhook-mode"], ["--config", "ENV", "--port", "0"]),
        (["--config", "webhook-mode"], None),  # a config file named webhook-mode
        (["--config", "c.json", "--discover"], None),
        ([], None),
    ],
)
def test_webhook_mode_found_anywhere_in_argv(argv, expected):
    assert webhook_mode_args(argv) == expected


def _assert_serves_and_stops(receiver: Receiver) -> None:
    try:
        pairs = list(STATUS_CALLBACK.items())
        _, body, headers = _signed_form(receiver.port, "/status", pairs)
        assert _request(receiver.port, "POST", "/status", body, headers)[0] == 200
    finally:
        code, out, err = receiver.stop()
    assert code == 0, err
    assert [m["type"] for m in map(json.loads, out.splitlines())] == ["SCHEMA", "RECORD"]
    assert "Traceback" not in err and TOKEN not in err


def test_tap_command_line_with_webhook_mode_after_config(tmp_path):
    command = [sys.executable, "-m", "tap_twilio", "--config", str(_config(tmp_path))]
    _assert_serves_and_stops(Receiver(None, "webhook-mode", "--port", "0", command=command))


def test_meltano_command_runs_the_receiver():
    """``meltano invoke tap-twilio:webhook-mode`` runs the executable with the command's
    args (and the settings as TAP_TWILIO_* variables, read by ``--config ENV``)."""
    import yaml

    project = yaml.safe_load((REPO / "meltano.yml").read_text())
    (plugin,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-twilio"]
    command = plugin["commands"]["webhook-mode"]
    assert command.get("executable", plugin["executable"]) == "tap-twilio"
    argv = command["args"].split()
    assert webhook_mode_args(argv) is not None
    actions = plugin["commands"]["actions"]
    assert actions["executable"] == "tap-twilio-actions"
    assert actions["args"].split() == ["--config", "ENV"]
    env = {"TAP_TWILIO_AUTH_TOKEN": TOKEN, "TAP_TWILIO_WEBHOOK_PORT": "0"}
    receiver = Receiver(None, command=[sys.executable, "-m", "tap_twilio", *argv], env=env)
    _assert_serves_and_stops(receiver)
