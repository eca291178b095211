"""Settings: account selection, page size, and one clear line for every bad config."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli, run_tap, write_config
from tests.expect import expected_keys

SID = "AC" + "a" * 32
TOKEN = "b" * 32


def test_include_subaccounts_false_reads_only_the_main_account(sandbox):
    config = sandbox.tap_config(include_subaccounts=False)
    result = run_tap(config, streams=["accounts", "messages"])
    main = sandbox.accounts[0]["sid"]
    assert [r["sid"] for r in result.records["accounts"]] == [main]
    assert {(r["sid"],) for r in result.records["messages"]} == expected_keys(
        sandbox, "messages", [main]
    )


def test_account_sids_restricts_to_listed_accounts(sandbox):
    sub = sandbox.accounts[2]["sid"]
    result = run_tap(sandbox.tap_config(account_sids=[sub]), streams=["accounts", "calls"])
    assert [r["sid"] for r in result.records["accounts"]] == [sub]
    assert {r["account_sid"] for r in result.records["calls"]} == {sub}


def test_page_size_setting_pages_through_everything(fresh_sandbox):
    sb = fresh_sandbox
    main = sb.accounts[0]["sid"]
    result = run_tap(sb.tap_config(page_size=100, account_sids=[main]), streams=["messages"])
    assert {(r["sid"],) for r in result.records["messages"]} == expected_keys(
        sb, "messages", [main]
    )
    pages = [r for r in sb.requests if r.path.endswith("/Messages.json")]
    assert len(pages) == -(-len(sb.expected("messages", main)) // 100)
    assert all(r.query.get("PageSize", ["100"])[0] == "100" for r in pages)


BAD_CONFIGS = [
    ({}, "setting account_sid is required"),
    ({"account_sid": "AB123", "auth_token": TOKEN}, "setting account_sid"),
    ({"account_sid": SID}, "no credentials"),
    (
        {
            "account_sid": SID,
            "auth_token": TOKEN,
            "api_key_sid": "SK" + "c" * 32,
            "api_key_secret": "d" * 32,
        },
        "either auth_token or api_key_sid",
    ),
    ({"account_sid": SID, "api_key_sid": "SK" + "c" * 32}, "api_key_secret is missing"),
    ({"account_sid": SID, "api_key_secret": "d" * 32}, "api_key_sid is missing"),
    ({"account_sid": SID, "api_key_sid": "XX1", "api_key_secret": "d" * 32}, "setting api_key_sid"),
    ({"account_sid": SID, "auth_token": 12345}, "setting auth_token must be a string"),
    ({"account_sid": SID, "auth_token": TOKEN, "start_date": "last tuesday"}, "setting start_date"),
    (
        {"account_sid": SID, "auth_token": TOKEN, "start_date": "2999-01-01T00:00:00Z"},
        "start_date is in the future",
    ),
    ({"account_sid": SID, "auth_token": TOKEN, "lookback_window": -1}, "setting lookback_window"),
    ({"account_sid": SID, "auth_token": TOKEN, "region": "mars1"}, "setting region"),
    ({"account_sid": SID, "auth_token": TOKEN, "edge": "atlantis"}, "setting edge"),
    ({"account_sid": SID, "auth_token": TOKEN, "account_sids": []}, "account_sids is empty"),
    ({"account_sid": SID, "auth_token": TOKEN, "account_sids": ["nope"]}, "setting account_sids.0"),
    ({"account_sid": SID, "auth_token": TOKEN, "page_size": 0}, "setting page_size"),
    ({"account_sid": SID, "auth_token": TOKEN, "page_size": "big"}, "setting page_size"),
    (
        {"account_sid": SID, "auth_token": TOKEN, "include_subaccounts": "yes"},
        "setting include_subaccounts",
    ),
    ({"account_sid": SID, "auth_token": TOKEN, "base_url": "ftp://x"}, "setting base_url"),
    ({"account_sid": SID, "auth_token": TOKEN, "request_timeout": 0}, "setting request_timeout"),
    ({"account_sid": SID, "auth_token": TOKEN, "max_retries": -2}, "setting max_retries"),
    (
        {
            "account_sid": SID,
            "auth_token": TOKEN,
            "emit_activate_version_messages": True,
            "account_shard": "1/4",
        },
        "emit_activate_version_messages cannot be combined with account_shard",
    ),
    (
        {
            "account_sid": SID,
            "auth_token": TOKEN,
            "emit_activate_version_messages": True,
            "account_sids": [SID],
        },
        "emit_activate_version_messages cannot be combined with account_sids",
    ),
]


@pytest.mark.parametrize(("config", "message"), BAD_CONFIGS)
def test_bad_config_gives_one_line(tmp_path, config, message):
    proc = run_cli(["--config", str(write_config(tmp_path, config))], timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("tap-twilio: error: invalid config: ")
    assert message in lines[-1]
    for secret in (TOKEN, "d" * 32, "12345"):
        assert secret not in proc.stderr


def test_config_file_that_is_not_json(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("{not json")
    proc = run_cli(["--config", str(path)], timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "config" in proc.stderr.strip().splitlines()[-1].lower()


def test_about_marks_secrets_and_discover_needs_no_config():
    about = run_cli(["--about", "--format=json"], timeout=60)
    assert about.returncode == 0
    props = json.loads(about.stdout)["settings"]["properties"]
    assert props["auth_token"]["secret"] is True
    assert props["api_key_secret"]["secret"] is True
    discover = run_cli(["--discover"], timeout=60)
    assert discover.returncode == 0, discover.stderr
    names = {s["tap_stream_id"] for s in json.loads(discover.stdout)["streams"]}
    assert {"messages", "calls", "alerts", "usage_records"} <= names


def test_actions_and_webhooks_check_settings_as_the_tap_does():
    """The schemas the actions and webhook-mode check a config with (tap_twilio/api/settings.py)
    give each setting the type and limits of the tap's own schema."""
    from tap_twilio.api.settings import CONNECTION_SCHEMA, WEBHOOK_SCHEMA
    from tap_twilio.tap import TapTwilio

    def rules(prop: dict) -> dict:
        keep = ("type", "pattern", "enum", "minimum", "maximum")
        return {k: (sorted(v) if k == "type" else v) for k, v in prop.items() if k in keep}

    tap = TapTwilio.config_jsonschema["properties"]
    for schema in (CONNECTION_SCHEMA, WEBHOOK_SCHEMA):
        for name, prop in schema["properties"].items():
            assert rules(prop) == rules(tap[name]), name
    assert set(CONNECTION_SCHEMA["required"]) <= set(TapTwilio.config_jsonschema["required"])


def test_version_is_the_installed_distribution():
    """--version and --about name the installed version, not "[could not be detected]"."""
    from importlib.metadata import version

    installed = version("tap-twilio-complete")
    proc = run_cli(["--version"], timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"tap-twilio v{installed}, Meltano SDK v{version('singer-sdk')}"
    about = run_cli(["--about", "--format=json"], timeout=60)
    assert json.loads(about.stdout)["version"] == installed


#: The SDK's INFO lines written once per stream while the tap sets its streams up.
SETUP_LINES = ("as child stream to", "Skipping deselected stream")


def test_a_default_run_writes_no_per_stream_setup_line(sandbox, tmp_path):
    """A user's stderr holds progress and summary lines, not 600 lines of stream set-up."""
    config = sandbox.tap_config(include_subaccounts=False)
    proc = run_cli(["--config", str(write_config(tmp_path, config))], timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    setup = [line for line in proc.stderr.splitlines() if any(s in line for s in SETUP_LINES)]
    assert setup == []
    assert "v[could not be detected]" not in proc.stderr
    assert "Sync finished" in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) < 200, f"{len(lines)} stderr lines"
    # They are still there for whoever asks for DEBUG.
    debug = run_cli(["--discover"], env={"TAP_TWILIO_LOGLEVEL": "DEBUG"}, timeout=300)
    assert debug.returncode == 0, debug.stderr[-2000:]
    assert "as child stream to" in debug.stderr
