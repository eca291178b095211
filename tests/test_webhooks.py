"""webhook-mode end to end: the command, a proxy, SIGTERM, a closed stdout."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator  # test-only oracle

from tap_twilio.cli import webhook_mode_args
from tap_twilio.webhooks import (
    RECORD_SCHEMA,
)
from tests.webhook_support import (
    CALL_STATUS,
    INBOUND_SMS,
    RECORD_VALIDATOR,
    REPO,
    STATUS_CALLBACK,
    TOKEN,
    _records,
    _request,
    _signed_form,
)


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
