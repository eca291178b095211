"""Shared by the webhook tests: the test key, sample events, a live receiver and requests."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import secrets
import threading
from pathlib import Path
from urllib.parse import urlencode

import jsonschema
from twilio.request_validator import RequestValidator  # test-only oracle

from tap_twilio.webhooks import (
    RECORD_SCHEMA,
    SingerEmitter,
    make_server,
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


def _group(pairs):
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


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
