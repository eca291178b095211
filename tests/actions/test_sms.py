"""tap-twilio-actions send/get/list SMS over real HTTP to the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from twilio_sandbox import Sandbox

from tap_twilio import actions
from tap_twilio.actions import TwilioActionError, main
from tap_twilio.api.transforms import rfc2822_to_iso
from tests.actions.conftest import (
    FROM,
    TO,
    UNKNOWN_SID,
    calls,
    cli,
    message_sids,
    one_error_line,
    send_args,
    subprocess_cli,
)

# send-sms ---------------------------------------------------------------------------------


def test_send_sms_creates_exactly_one_message(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main_sid = sb.account_sid
    before = message_sids(sb, main_sid)
    since = len(sb.requests)

    code, out, err = cli(capsys, *send_args(config_path, "hello from the tests"))

    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    message = json.loads(lines[0])
    assert message["sid"].startswith(("SM", "MM"))
    assert message["to"] == TO
    assert message["body"] == "hello from the tests"
    assert message["date_created"][:4].isdigit()
    assert message["date_created"].endswith("+00:00")
    assert message_sids(sb, main_sid) - before == {message["sid"]}
    assert len(calls(sb, since, "POST", "Messages.json")) == 1

    fetched = subprocess_cli("--config", str(config_path), "get-sms", message["sid"])
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["sid"] == message["sid"]
    assert len(fetched.stdout.splitlines()) == 1


def test_send_sms_form_fields(sb: Sandbox, config: dict) -> None:
    message = actions.send_sms(
        config,
        to=TO,
        messaging_service_sid="MG" + "1" * 32,
        body="with media",
        media_urls=["https://example.com/a.png", "https://example.com/b.png"],
        status_callback="https://example.com/status",
    )
    assert message["sid"] in message_sids(sb, sb.account_sid)
    assert message["body"] == "with media"


@pytest.mark.parametrize("kind", ["drop", "truncate", "500", "503"])
def test_send_sms_ambiguous_failure_is_never_retried(
    sb: Sandbox,
    config_path: Path,
    capsys: pytest.CaptureFixture[str],
    sleeps: list[float],
    kind: str,
) -> None:
    before = message_sids(sb, sb.account_sid)
    since = len(sb.requests)
    sb.inject("Messages.json", kind, times=1)

    code, out, err = cli(capsys, *send_args(config_path, f"ambiguous {kind}"))

    assert code == 3
    assert out == ""
    line = one_error_line(err)
    assert "MAY have been sent" in line
    assert "not retried" in line
    assert sleeps == []
    assert len(calls(sb, since, "POST", "Messages.json")) == 1
    if kind == "truncate":  # Twilio created it but the answer was cut: why it is not resent
        assert len(message_sids(sb, sb.account_sid) - before) == 1


def test_send_sms_429_is_retried_after_retry_after(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    main_sid = sb.account_sid
    before = message_sids(sb, main_sid)
    since = len(sb.requests)
    sb.inject("Messages.json", "429", times=1, retry_after=2)

    code, out, err = cli(capsys, *send_args(config_path, "rate limited once"))

    assert code == 0, err
    message = json.loads(out)
    posts = calls(sb, since, "POST", "Messages.json", expect=2)
    assert [r.status for r in posts] == [429, 201]
    assert sleeps == [2.0]
    assert message_sids(sb, main_sid) - before == {message["sid"]}


def test_send_sms_429_gives_up_after_max_retries(
    sb: Sandbox, config: dict, sleeps: list[float]
) -> None:
    since = len(sb.requests)
    sb.inject("Messages.json", "429", times=3, retry_after=1)
    with pytest.raises(TwilioActionError) as caught:
        actions.send_sms(config, to=TO, from_=FROM, body="never sent")
    assert caught.value.exit_code == 1
    assert "not sent" in str(caught.value)
    assert len(calls(sb, since, "POST", "Messages.json", expect=3)) == 3  # max_retries=2
    assert len(sleeps) == 2


def test_send_sms_rejected_by_twilio_is_exit_1(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sb.inject("Messages.json", "401", times=1)
    code, out, err = cli(capsys, *send_args(config_path))
    assert code == 1
    assert out == ""
    line = one_error_line(err)
    assert "not sent" in line
    assert "20003" in line


def test_send_sms_needs_a_sender(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--config", str(config_path), "send-sms", "--to", TO, "--body", "x"])
    assert caught.value.code == 2
    capsys.readouterr()


# get-sms / list-sms -----------------------------------------------------------------------


def test_get_sms_unknown_sid(config_path: Path) -> None:
    result = subprocess_cli("--config", str(config_path), "get-sms", UNKNOWN_SID)
    assert result.returncode == 1
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert "20404" in line
    assert "404" in line


def test_get_sms_returns_iso_dates(sb: Sandbox, config: dict) -> None:
    raw = sb.expected("messages", sb.account_sid)[0]
    message = actions.get_sms(config, raw["sid"])
    assert message["sid"] == raw["sid"]
    for key in ("date_created", "date_updated", "date_sent"):
        if raw.get(key):
            assert message[key] == rfc2822_to_iso(raw[key])


def test_get_sms_rejects_malformed_sid(config: dict) -> None:
    with pytest.raises(TwilioActionError) as caught:
        actions.get_sms(config, "../Calls")
    assert caught.value.exit_code == 2


def _sent_day(message: dict) -> str | None:
    value = message.get("date_sent")
    return rfc2822_to_iso(value)[:10] if value else None


def test_list_sms_date_sent_after_and_limit(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = sb.expected("messages", sb.account_sid)
    days = sorted(d for d in map(_sent_day, records) if d)
    assert len(days) >= 6, "the sandbox should hold a few sent messages"
    after = days[len(days) // 2]
    wanted = {m["sid"] for m in records if (_sent_day(m) or "") >= after}
    since = len(sb.requests)

    code, out, err = cli(
        capsys,
        "--config",
        str(config_path),
        "list-sms",
        "--date-sent-after",
        after,
        "--page-size",
        "2",
        "--limit",
        "5",
    )

    assert code == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    assert len(got) == min(5, len(wanted))
    assert {m["sid"] for m in got} <= wanted
    assert all(m["date_sent"][:10] >= after for m in got)
    gets = calls(sb, since, "GET", "Messages.json", expect=3)
    assert len(gets) == 3  # pages of 2: stops as soon as 5 are out
    assert "DateSent>" in str(gets[0].query) or "DateSent%3E" in str(gets[0].query)

    everything = list(actions.list_sms(sb.tap_config(), date_sent_after=after))
    assert {m["sid"] for m in everything} == wanted


def test_list_sms_to_filter(sb: Sandbox, config: dict) -> None:
    records = [m for m in sb.expected("messages", sb.account_sid) if m.get("to")]
    target = records[0]["to"]
    wanted = {m["sid"] for m in records if m["to"] == target}
    got = list(actions.list_sms(config, to=target, page_size=50))
    assert {m["sid"] for m in got} == wanted
