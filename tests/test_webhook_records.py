"""Webhook events as records, and webhook-mode settings."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from urllib.parse import urlencode

import pytest

from tap_twilio import webhooks
from tap_twilio.webhooks import (
    build_record,
    classify_event,
    settings_from_config,
)
from tests.webhook_support import (
    CALL_STATUS,
    INBOUND_SMS,
    RECORD_VALIDATOR,
    REPO,
    STATUS_CALLBACK,
)


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
