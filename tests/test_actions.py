"""tap-twilio-actions: send/get/list SMS and raw requests, over real HTTP to the sandbox."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from twilio_sandbox import Sandbox

from tap_twilio import actions
from tap_twilio.actions import TwilioActionError, main, raw_request, resolve_url, transport
from tap_twilio.engine.client import rfc2822_to_iso

ROOT = Path(__file__).resolve().parent.parent
TO = "+15558675310"
FROM = "+15017122661"
UNKNOWN_SID = "SM" + "0" * 32


@pytest.fixture(scope="module")
def sb() -> t.Iterator[Sandbox]:
    with Sandbox(seed=1) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def config(sb: Sandbox) -> dict:
    return sb.tap_config(auth="token", request_timeout=5, max_retries=2)


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory, config: dict) -> Path:
    path = tmp_path_factory.mktemp("actions") / "config.json"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits the actions asked for, without waiting."""
    waited: list[float] = []
    monkeypatch.setattr(transport, "_sleep", waited.append)
    return waited


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tap_twilio.actions`` as the user would."""
    return subprocess.run(
        [sys.executable, "-m", "tap_twilio.actions", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tap-twilio-actions: error: "), err
    assert "Traceback" not in err
    return lines[0]


def calls(sb: Sandbox, since: int, method: str, fragment: str, expect: int = 1) -> list:
    """Requests logged since ``since``; waits briefly for at least ``expect`` of them.

    The sandbox logs a request after answering it, so the last record can lag behind the
    client's return by a moment (on a loaded machine, by more: the wait ends as soon as the
    requests are there, so a generous deadline costs nothing).
    """
    deadline = time.monotonic() + 30.0
    while True:
        found = [r for r in sb.requests[since:] if r.method == method and fragment in r.path]
        if len(found) >= expect or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    time.sleep(0.05)  # let a late (unexpected) record show up too
    return [r for r in sb.requests[since:] if r.method == method and fragment in r.path]


def message_sids(sb: Sandbox, account_sid: str) -> set[str]:
    return {m["sid"] for m in sb.expected("messages", account_sid)}


def send_args(config_path: Path, body: str = "hello") -> list[str]:
    return [
        "--config",
        str(config_path),
        "send-sms",
        "--to",
        TO,
        "--from",
        FROM,
        "--body",
        body,
    ]


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


# request ----------------------------------------------------------------------------------


def test_request_get_with_params_json(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since = len(sb.requests)
    code, out, err = cli(
        capsys,
        "--config",
        str(config_path),
        "request",
        "--method",
        "GET",
        "--url",
        "/2010-04-01/Accounts/{account_sid}/Messages.json",
        "--param",
        "PageSize=3",
        "--response-type",
        "json",
    )
    assert code == 0, err
    body = json.loads(out)
    assert len(out.strip().splitlines()) == 1
    assert len(body["messages"]) == 3
    assert body["page_size"] == 3
    (get,) = calls(sb, since, "GET", "Messages.json")
    assert "PageSize=3" in str(get.query) or get.query.get("PageSize") in ("3", ["3"])


def test_request_prismatic_style_path_text_and_binary(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = ["--config", str(config_path), "request", "--method", "GET"]
    url = ["--url", "/Accounts/$TWILIO_ACCOUNT_SID/Messages.json", "--param", "PageSize=1"]
    code, out, err = cli(capsys, *base, *url, "--response-type", "text")
    assert code == 0, err
    assert json.loads(out)["page_size"] == 1

    target = tmp_path / "page.bin"
    code, out, err = cli(capsys, *base, *url, "--response-type", "binary", "--output", str(target))
    assert code == 0, err
    assert out == ""
    assert json.loads(target.read_bytes())["page_size"] == 1

    code, _, err = cli(capsys, *base, *url, "--response-type", "binary")
    assert code == 2
    assert "--output" in one_error_line(err)


def test_request_product_path(sb: Sandbox, config: dict) -> None:
    body = raw_request(config, "GET", "/v1/Alerts", product="monitor")
    assert isinstance(body, dict)
    assert "alerts" in body


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/2010-04-01/Accounts.json",
        "https://api.twilio.com.evil.example.com/x",
        "https://api.twilio.com@evil.example.com/x",
        "http://api.twilio.com/2010-04-01/Accounts.json",
        "ftp://api.twilio.com/x",
    ],
)
def test_request_refuses_foreign_hosts(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    since = len(sb.requests)
    code, out, err = cli(
        capsys, "--config", str(config_path), "request", "--method", "GET", "--url", url
    )
    assert code == 2
    assert out == ""
    one_error_line(err)
    assert sb.requests[since:] == []


def test_resolve_url(config: dict) -> None:
    base = config["base_url"].replace("{product}", "api")
    sid = config["account_sid"]
    assert resolve_url(config, "/Accounts/{account_sid}/Calls.json") == (
        f"{base}/2010-04-01/Accounts/{sid}/Calls.json"
    )
    assert resolve_url(config, "/2010-04-01/Accounts.json") == f"{base}/2010-04-01/Accounts.json"
    assert resolve_url(config, "/v1/Alerts", "monitor") == (
        config["base_url"].replace("{product}", "monitor") + "/v1/Alerts"
    )
    full = f"{base}/2010-04-01/Accounts.json?PageSize=1"
    assert resolve_url(config, full) == full
    twilio = "https://monitor.twilio.com/v1/Alerts"
    assert resolve_url(config, twilio, "monitor") == twilio
    real = {"account_sid": sid, "auth_token": "x" * 32, "region": "ie1", "edge": "dublin"}
    assert resolve_url(real, "/Accounts.json") == (
        "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json"
    )


def test_request_post_not_retried_on_503_without_retry_all_errors(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    since = len(sb.requests)
    sb.inject("Messages.json", "503", times=1)
    code, out, err = cli(
        capsys,
        "--config",
        str(config_path),
        "request",
        "--method",
        "POST",
        "--url",
        "/2010-04-01/Accounts/{account_sid}/Messages.json",
        "--data",
        f"To={TO}",
        "--data",
        f"From={FROM}",
        "--data",
        "Body=raw post",
        "--retries",
        "3",
    )
    assert code == 3
    assert out == ""
    line = one_error_line(err)
    assert "MAY have been processed" in line
    assert "503" in line
    assert len(calls(sb, since, "POST", "Messages.json")) == 1
    assert sleeps == []


def test_request_post_retried_on_503_with_retry_all_errors(
    sb: Sandbox, config_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    main_sid = sb.account_sid
    before = message_sids(sb, main_sid)
    since = len(sb.requests)
    sb.inject("Messages.json", "503", times=1)
    code, out, err = cli(
        capsys,
        "--config",
        str(config_path),
        "request",
        "--method",
        "POST",
        "--url",
        "/2010-04-01/Accounts/{account_sid}/Messages.json",
        "--data",
        f"To={TO}",
        "--data",
        f"From={FROM}",
        "--data",
        "Body=raw post retried",
        "--retries",
        "3",
        "--retry-delay",
        "0.5",
        "--retry-all-errors",
    )
    assert code == 0, err
    created = json.loads(out)
    posts = calls(sb, since, "POST", "Messages.json", expect=2)
    assert [r.status for r in posts] == [503, 201]
    assert sleeps == [0.5]
    assert message_sids(sb, main_sid) - before == {created["sid"]}


def test_request_get_retried_on_5xx_and_drop_with_backoff(
    sb: Sandbox, config: dict, sleeps: list[float]
) -> None:
    since = len(sb.requests)
    sb.inject("Messages.json", "500", times=1)
    sb.inject("Messages.json", "drop", times=1)
    body = raw_request(
        config,
        "GET",
        "/2010-04-01/Accounts/{account_sid}/Messages.json",
        params={"PageSize": 1},
        retries=3,
        backoff="exponential",
    )
    assert len(body["messages"]) == 1
    assert len(calls(sb, since, "GET", "Messages.json", expect=3)) == 3
    assert len(sleeps) == 2
    assert 1.0 <= sleeps[0] <= 2.0
    assert 2.0 <= sleeps[1] <= 4.0


def test_request_api_error_is_one_line_exit_1(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        capsys,
        "--config",
        str(config_path),
        "request",
        "--method",
        "GET",
        "--url",
        f"/2010-04-01/Accounts/{{account_sid}}/Messages/{UNKNOWN_SID}.json",
    )
    assert code == 1
    assert out == ""
    assert "20404" in one_error_line(err)


# config and secrets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "JSON object"),
        ('{"auth_token": "abcdef0123456789"}', "setting account_sid is required"),
        ('{"account_sid": "AC' + "1" * 32 + '"}', "no credentials"),
        ('{"account_sid": "AC' + "1" * 32 + '", "api_key_sid": "SK' + "2" * 32 + '"}', "api_key"),
        ('{"account_sid": "nope", "auth_token": "abcdef0123456789"}', "account_sid"),
    ],
)
def test_bad_config_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    path = tmp_path / "config.json"
    path.write_text(content)
    code, out, err = cli(capsys, "--config", str(path), "get-sms", UNKNOWN_SID)
    assert code == 2
    assert out == ""
    assert fragment in one_error_line(err)
    assert "abcdef0123456789" not in err


def test_missing_config_file_subprocess(tmp_path: Path) -> None:
    result = subprocess_cli("--config", str(tmp_path / "missing.json"), "list-sms")
    assert result.returncode == 2
    assert "does not exist" in one_error_line(result.stderr)  # the tap's words


@pytest.mark.parametrize("auth", ["token", "api_key"])
def test_secrets_never_printed(sb: Sandbox, tmp_path: Path, auth: str) -> None:
    config = sb.tap_config(auth=auth, request_timeout=5, max_retries=0)
    secrets = [config[k] for k in ("auth_token", "api_key_secret") if config.get(k)]
    assert secrets
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    sb.inject("Messages.json", "401", times=1)
    runs = [
        ["send-sms", "--to", TO, "--from", FROM, "--body", "secret check"],
        ["send-sms", "--to", TO, "--from", FROM, "--body", "secret check"],
        ["get-sms", UNKNOWN_SID],
        ["list-sms", "--limit", "2"],
        ["request", "--method", "GET", "--url", "/2010-04-01/Accounts/{account_sid}.json"],
    ]
    outputs = []
    for argv in runs:
        result = subprocess_cli("--config", str(path), *argv)
        outputs.append(result.stdout + result.stderr)
        assert "Traceback" not in result.stderr
    assert [o for o in outputs if any(s in o for s in secrets)] == []
    account = json.loads(outputs[-1])
    if "auth_token" in account:
        assert account["auth_token"] == "[REDACTED]"


def test_python_api_errors_carry_exit_codes(config: dict) -> None:
    with pytest.raises(TwilioActionError) as caught:
        raw_request(config, "GET", "https://example.com/")
    assert caught.value.exit_code == 2
    with pytest.raises(TwilioActionError) as caught:
        actions.get_sms(config, UNKNOWN_SID)
    assert caught.value.exit_code == 1
    assert "\n" not in str(caught.value)
    with pytest.raises(TwilioActionError) as caught:
        list(actions.list_sms(config, date_sent_after="yesterday"))
    assert caught.value.exit_code == 2


def test_send_sms_connection_refused_is_retried_and_not_ambiguous(
    config: dict, sleeps: list[float]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = {**config, "base_url": f"http://127.0.0.1:{port}/{{product}}", "max_retries": 1}
    with pytest.raises(TwilioActionError) as caught:
        actions.send_sms(closed, to=TO, from_=FROM, body="nobody listens")
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith("message not sent")
    assert "after 2 attempt(s)" in str(caught.value)
    assert len(sleeps) == 1


def test_session_adapters_never_retry_on_their_own(config: dict) -> None:
    client = transport.twilio_client(config, transport.send_policy(config))
    assert isinstance(client.http_client, transport.ActionsHttpClient)
    for adapter in client.http_client.session.adapters.values():
        assert adapter.max_retries.total == 0


# the official twilio package underneath ---------------------------------------------------


@pytest.mark.parametrize("kind", ["drop", "truncate", "503"])
def test_twilio_package_create_is_sent_once(sb: Sandbox, config: dict, kind: str) -> None:
    """``client.messages.create`` of the twilio package, on the actions' HTTP client, sends
    the POST once whatever happens after it left (no retry in twilio, requests or urllib3)."""
    from twilio.base.exceptions import TwilioRestException

    client = transport.twilio_client({**config, "max_retries": 5}, transport.send_policy(config))
    since = len(sb.requests)
    sb.inject("Messages.json", kind, times=1)
    expected = TwilioRestException if kind == "503" else transport.TransportError
    with pytest.raises(expected) as caught:
        client.api.v2010.accounts(sb.account_sid).messages.create(to=TO, from_=FROM, body=kind)
    if kind != "503":
        assert caught.value.connect is False
    assert len(calls(sb, since, "POST", "Messages.json")) == 1


def test_twilio_package_429_is_retried_by_the_policy(
    sb: Sandbox, config: dict, sleeps: list[float]
) -> None:
    client = transport.twilio_client(config, transport.send_policy(config))
    since = len(sb.requests)
    sb.inject("Messages.json", "429", times=1, retry_after=1)
    message = client.api.v2010.accounts(sb.account_sid).messages.create(
        to=TO, from_=FROM, body="after a 429"
    )
    assert message.sid in message_sids(sb, sb.account_sid)
    assert [r.status for r in calls(sb, since, "POST", "Messages.json", expect=2)] == [429, 201]
    assert sleeps == [1.0]


def test_regions_edges_and_base_url_reach_the_right_host(config: dict) -> None:
    sid = config["account_sid"]
    real = {"account_sid": sid, "auth_token": "x" * 32, "region": "ie1", "edge": "dublin"}
    client = transport.twilio_client(real, transport.read_policy(real))
    url = "https://api.twilio.com/2010-04-01/Accounts.json?PageSize=1"
    assert client.get_hostname(url) == (
        "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json?PageSize=1"
    )
    edge_only = {**real, "region": None}
    assert transport.twilio_client(edge_only, transport.read_policy(real)).get_hostname(url) == (
        "https://api.dublin.us1.twilio.com/2010-04-01/Accounts.json?PageSize=1"
    )
    local = transport.twilio_client({**config, "region": "ie1"}, transport.read_policy(config))
    assert local.get_hostname(url) == url  # base_url wins over region and edge
    http = t.cast("transport.ActionsHttpClient", local.http_client)
    assert http.resolve(url) == (
        config["base_url"].replace("{product}", "api") + "/2010-04-01/Accounts.json?PageSize=1"
    )
    assert http.resolve("https://monitor.twilio.com/v1/Alerts") == (
        config["base_url"].replace("{product}", "monitor") + "/v1/Alerts"
    )


def test_actions_without_the_twilio_package(tmp_path: Path) -> None:
    """The tap installs without the ``actions`` extra; the actions then say what is missing."""
    blocker = tmp_path / "twilio"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ModuleNotFoundError('no twilio', name='twilio')\n")
    result = subprocess.run(
        [sys.executable, "-c", "from tap_twilio.cli import actions_main; actions_main()"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 2
    assert re.search(r"pip install '[\w.-]+\[actions\]'$", one_error_line(result.stderr))
