"""Inactive and refusing subaccounts: skipped with one warning each, the run goes on.

Twilio answers every request for a suspended or closed account with HTTP 401, code 20005
"Account not active". An ISV's fleet always holds some; one of them must not cost the
other accounts their sync.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import catalog_for, run_cli, run_tap, write_config
from tests.expect import expected_keys

STREAMS = ["accounts", "messages", "calls", "conversation_services", "studio_flows"]


def requests_for(sb, sid: str) -> list:
    """Requests about an account: under its 2010 path, or made with its own credentials."""
    return [r for r in sb.requests if f"/Accounts/{sid}/" in r.path or r.username == sid]


def warnings_naming(tap_log: list[str], sid: str) -> list[str]:
    return [line for line in tap_log if line.startswith("WARNING") and sid in line]


def test_inactive_subaccounts_are_skipped_with_one_warning(fresh_sandbox, tap_log):
    sb = fresh_sandbox
    inactive = [a for a in sb.accounts if a["status"] != "active"]
    assert sorted(a["status"] for a in inactive) == ["closed", "suspended"]
    result = run_tap(sb.tap_config())
    # Their accounts records are emitted; nothing else of theirs is asked for.
    assert {a["sid"] for a in inactive} <= {r["sid"] for r in result.records["accounts"]}
    for account in inactive:
        assert requests_for(sb, account["sid"]) == []
        warnings = warnings_naming(tap_log, account["sid"])
        assert len(warnings) == 1, warnings
        assert account["status"] in warnings[0]
    # Every active account is synced as usual.
    got = {(r["sid"],) for r in result.records["messages"]}
    assert got == expected_keys(sb, "messages")


def test_inactive_subaccounts_leave_exit_code_zero(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    config = sb.tap_config()
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(config, STREAMS)))
    done = run_cli(["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    for sid in sb.inactive_subaccount_sids:
        assert sid in done.stderr  # the warning names it


def test_a_subaccount_that_refuses_is_skipped_after_one_request(fresh_sandbox, tap_log):
    """An active-looking subaccount that answers 401/20005: one request, one warning."""
    sb = fresh_sandbox
    refusing = sb.active_accounts[1]["sid"]
    sb.refuse_account(refusing)
    config = sb.tap_config(max_concurrent_requests=1)
    result = run_tap(config, streams=STREAMS)
    assert len(requests_for(sb, refusing)) == 1
    warnings = warnings_naming(tap_log, refusing)
    assert len(warnings) == 1 and "20005" in warnings[0], warnings
    assert refusing in {r["sid"] for r in result.records["accounts"]}
    for stream in ("messages", "calls"):
        got = {(r["sid"],) for r in result.records[stream]}
        assert got == expected_keys(sb, stream), stream
        assert refusing not in {r["account_sid"] for r in result.records[stream]}


@pytest.mark.parametrize("in_flight", [4, 8])
def test_a_refusing_subaccount_in_parallel_costs_at_most_the_requests_in_flight(
    fresh_sandbox, tap_log, in_flight
):
    """Every list of every account is read ahead; the first refusal stops the rest of the
    subaccount's lists (50 with the default catalog) before they are asked for."""
    sb = fresh_sandbox
    refusing = sb.active_accounts[2]["sid"]
    sb.refuse_account(refusing)
    result = run_tap(sb.tap_config(max_concurrent_requests=in_flight))
    assert 1 <= len(requests_for(sb, refusing)) <= in_flight
    assert len(warnings_naming(tap_log, refusing)) == 1
    assert {(r["sid"],) for r in result.records["messages"]} == expected_keys(sb, "messages")
    assert refusing not in {r.get("account_sid") for r in result.records["messages"]}


def test_the_main_account_refused_ends_the_run_with_one_line(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    sb.refuse_account(sb.account_sid)
    config = sb.tap_config()
    done = run_cli(["--config", str(write_config(tmp_path, config))])
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-twilio: error: ") and "HTTP 401 code 20005" in last, last
    assert "Traceback" not in done.stderr
    assert config["auth_token"] not in done.stderr + done.stdout
