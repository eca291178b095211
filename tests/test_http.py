"""HTTP behaviour: retries on 429/5xx/drops/truncation, one-line errors, no secret leaks."""

from __future__ import annotations

import base64
import json

import pytest

from tap_twilio.api.settings import product_url
from tests.conftest import run_cli, run_tap, write_config
from tests.expect import expected_keys

MESSAGES = "/Messages.json"


def first_account_messages(sb) -> str:
    return f"/2010-04-01/Accounts/{sb.accounts[0]['sid']}/Messages.json"


@pytest.mark.parametrize(
    ("kind", "opts"),
    [
        ("429", {"retry_after": 7}),
        ("429", {}),
        ("500", {}),
        ("503", {}),
        ("drop", {}),
        ("truncate", {}),
    ],
)
def test_transient_failures_are_retried(fresh_sandbox, no_sleep, kind, opts):
    sb = fresh_sandbox
    path = first_account_messages(sb)
    sb.inject(path, kind, times=2, **opts)
    result = run_tap(sb.tap_config(), streams=["messages"])
    assert {(r["sid"],) for r in result.records["messages"]} == expected_keys(sb, "messages")
    attempts = [r for r in sb.requests if r.path == path and "PageToken" not in r.query]
    assert len(attempts) == 3  # two failures, then the page
    assert len(no_sleep) >= 2
    if opts.get("retry_after"):
        assert no_sleep[:2] == [7.0, 7.0]
    else:
        assert all(0 < w <= 60 for w in no_sleep[:2])


def test_retries_are_bounded(fresh_sandbox, no_sleep, tmp_path):
    sb = fresh_sandbox
    sb.inject(first_account_messages(sb), "503", times=50)
    with pytest.raises(Exception, match="HTTP 503"):
        run_tap(sb.tap_config(max_retries=3), streams=["messages"])
    attempts = [r for r in sb.requests if r.path == first_account_messages(sb)]
    assert len(attempts) == 4


def test_bad_credentials_one_line_and_exit_code(sandbox, tmp_path):
    config = sandbox.tap_config()
    config["auth_token"] = "0" * 32
    proc = run_cli(["--config", str(write_config(tmp_path, config))])
    assert proc.returncode == 1
    assert proc.stdout.count('"type":"RECORD"') == 0
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-twilio: error: ")
    assert "HTTP 401 code 20003" in last
    assert "/2010-04-01/Accounts.json" in last
    assert "0" * 32 not in proc.stderr + proc.stdout


def test_unknown_account_in_account_sids_is_one_line(sandbox, tmp_path):
    config = sandbox.tap_config(account_sids=["AC" + "f" * 32])
    proc = run_cli(["--config", str(write_config(tmp_path, config))])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (
        "tap-twilio: error: account_sids: AC" + "f" * 32 + " is not an account these "
        "credentials can read (Accounts.json does not list it)"
    )


def test_unexpected_404_is_fatal_with_one_line(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    sb.inject("/Calls.json", "404", times=1)
    config = write_config(tmp_path, sb.tap_config())
    proc = run_cli(["--config", str(config)])
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "HTTP 404 code 20404" in last and "/Calls.json" in last


@pytest.mark.parametrize("auth", ["token", "api_key"])
def test_secrets_never_logged_at_debug(sandbox, tmp_path, auth):
    config = sandbox.tap_config(auth=auth)
    secret = config.get("auth_token") or config["api_key_secret"]
    user = config.get("api_key_sid") or config["account_sid"]
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    catalog = tmp_path / "catalog.json"
    from tests.conftest import catalog_for

    catalog.write_text(json.dumps(catalog_for(config, ["accounts", "keys", "usage_triggers"])))
    proc = run_cli(
        ["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)],
        env={"LOGLEVEL": "DEBUG", "TAP_TWILIO_LOGLEVEL": "DEBUG"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "DEBUG" in proc.stderr
    for text in (proc.stdout, proc.stderr):
        assert secret not in text
        assert basic not in text
    for account in sandbox.active_accounts:
        assert account["auth_token"] not in proc.stdout + proc.stderr


def test_api_key_auth_reads_the_same_data(sandbox):
    token = run_tap(sandbox.tap_config(auth="token"), streams=["accounts", "keys"])
    key = run_tap(sandbox.tap_config(auth="api_key"), streams=["accounts", "keys"])
    assert token.records == key.records
    assert any(r.username.startswith("SK") for r in sandbox.requests)


@pytest.mark.parametrize(
    ("config", "url"),
    [
        ({}, "https://api.twilio.com"),
        ({"region": "ie1"}, "https://api.ie1.twilio.com"),
        ({"edge": "dublin"}, "https://api.dublin.us1.twilio.com"),
        ({"edge": "sydney", "region": "au1"}, "https://api.sydney.au1.twilio.com"),
        ({"base_url": "http://127.0.0.1:9/{product}/"}, "http://127.0.0.1:9/api"),
    ],
)
def test_product_hosts(config, url):
    assert product_url(config, "api") == url
    assert product_url(config, "monitor") == url.replace("api", "monitor")
