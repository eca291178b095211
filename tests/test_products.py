"""Conversations, Studio, Chat, Trunking, Verify, TaskRouter and Monitor events."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from tap_twilio.engine.client import parse_datetime
from tap_twilio.streams import PRODUCT_STREAMS
from tests.conftest import run_tap

PRODUCTS = [cls.name for cls in PRODUCT_STREAMS]
KEYS = {cls.name: tuple(cls.primary_keys) for cls in PRODUCT_STREAMS}
# Written out independently of the stream classes: what really identifies a row.
KEYS_SPEC = dict.fromkeys(PRODUCTS, ("sid",)) | {
    "conversation_user_conversations": ("user_sid", "conversation_sid"),
    "taskrouter_task_queue_statistics": ("workspace_sid", "task_queue_sid", "start_time"),
}
JSON_FIELDS = {
    "conversations": "attributes",
    "conversation_messages": "attributes",
    "chat_channels": "attributes",
    "taskrouter_tasks": "attributes",
    "taskrouter_workers": "attributes",
    "taskrouter_workflows": "configuration",
}


def expected_product_keys(sb, stream: str) -> set[tuple]:
    rows = sb.expected(stream)
    if stream == "taskrouter_events":
        floor = dt.datetime.now(dt.timezone.utc).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) - dt.timedelta(days=29)
        rows = [r for r in rows if parse_datetime(r["event_date"]) >= floor]
    return {tuple(r.get(k) for k in KEYS_SPEC[stream]) for r in rows}


@pytest.fixture(scope="module")
def product_sync(sandbox):
    sandbox.clear_requests()
    result = run_tap(sandbox.tap_config(), streams=PRODUCTS)
    return result, list(sandbox.requests)


def test_primary_keys_are_the_real_ones():
    assert KEYS == KEYS_SPEC


@pytest.mark.parametrize("stream", PRODUCTS)
def test_product_stream_emits_exactly_the_sandbox_records(product_sync, sandbox, stream):
    result, _ = product_sync
    got = result.keys(stream, KEYS_SPEC[stream])
    want = expected_product_keys(sandbox, stream)
    assert want, f"sandbox has no {stream} rows"
    assert [k for k, n in Counter(got).items() if n > 1] == []
    assert set(got) == want


def test_page_sizes_are_each_lists_maximum(product_sync):
    _, requests = product_sync
    sizes = {}
    for r in requests:
        if "PageSize" in r.query:
            sizes.setdefault(
                (r.product, re.sub(r"[A-Z]{2}[0-9a-f]{32}", "{sid}", r.path)), set()
            ).add(r.query["PageSize"][0])
    assert sizes[("conversations", "/v1/Services/{sid}/Conversations")] == {"100"}
    assert sizes[("conversations", "/v1/Services/{sid}/Users")] == {"50"}
    assert sizes[("chat", "/v2/Services/{sid}/Channels")] == {"100"}
    assert sizes[("studio", "/v2/Flows")] == {"1000"}
    assert sizes[("taskrouter", "/v1/Workspaces/{sid}/Events")] == {"1000"}


@pytest.mark.parametrize(("stream", "field"), sorted(JSON_FIELDS.items()))
def test_json_string_fields_are_emitted_as_json(product_sync, sandbox, stream, field):
    import json

    result, _ = product_sync
    raw = {r["sid"]: r[field] for r in sandbox.expected(stream)}
    for record in result.records[stream]:
        source = raw[record["sid"]]
        try:
            decoded = json.loads(source) if isinstance(source, str) else source
        except ValueError:
            decoded = source  # not JSON: kept as it came
        assert record[field] == decoded
    assert any(isinstance(r[field], dict) for r in result.records[stream])


def test_invalid_json_attributes_are_kept(product_sync, sandbox):
    result, _ = product_sync
    bad = [r for r in sandbox.expected("conversations") if r["attributes"] == "{not json"]
    assert bad, "the sandbox has a conversation with invalid JSON attributes"
    got = {r["sid"]: r for r in result.records["conversations"]}
    assert all(got[r["sid"]]["attributes"] == "{not json" for r in bad)


def test_taskrouter_events_always_send_a_full_iso_window(product_sync, sandbox):
    result, requests = product_sync
    first_pages = [
        r
        for r in requests
        if r.path.endswith("/Events") and r.product == "taskrouter" and "PageToken" not in r.query
    ]
    assert first_pages
    for r in first_pages:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.query["StartDate"][0])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.query["EndDate"][0])
    # More than Twilio's 15-minute default: events from days ago are there.
    now = dt.datetime.now(dt.timezone.utc)
    oldest = min(parse_datetime(r["event_date"]) for r in result.records["taskrouter_events"])
    assert now - oldest > dt.timedelta(days=1)


def test_children_carry_parent_sids(product_sync):
    result, _ = product_sync
    assert all(r["conversation_sid"] for r in result.records["conversation_messages"])
    assert all(r["user_sid"] for r in result.records["conversation_user_conversations"])
    assert all(
        r["flow_sid"] and r["execution_sid"] for r in result.records["studio_execution_steps"]
    )
    assert all(r["worker_sid"] for r in result.records["taskrouter_worker_channels"])
    assert all(r["channel_sid"] for r in result.records["chat_channel_members"])


def test_forbidden_product_is_skipped_with_one_warning(fresh_sandbox, tap_log):
    sb = fresh_sandbox
    sb.deny_product("taskrouter", status=403)
    sb.deny_product("verify", status=404)
    result = run_tap(sb.tap_config(), streams=PRODUCTS)
    assert not any(result.records.get(s) for s in PRODUCTS if s.startswith("taskrouter"))
    assert not result.records.get("verify_services")
    for stream in (
        "conversations",
        "studio_flows",
        "chat_channels",
        "sip_trunks",
        "monitor_events",
    ):
        assert result.records[stream]
    warnings = [line for line in tap_log if "Skipping Twilio product" in line]
    # One warning and one request per denied product and account, not one per stream.
    accounts = [a["sid"] for a in sb.active_accounts]
    assert len(warnings) == 2 * len(accounts)
    for sid in accounts:
        assert any(f"'taskrouter' for account {sid}" in w and "HTTP 403" in w for w in warnings)
        assert any(f"'verify' for account {sid}" in w and "HTTP 404" in w for w in warnings)
    assert sum(1 for r in sb.requests if r.product == "taskrouter") == len(accounts)


def test_other_errors_in_products_stay_fatal(fresh_sandbox):
    sb = fresh_sandbox
    # Only the main account: a 401 there ends the run (a subaccount's would skip it, and
    # which account's list is fetched first depends on the read-ahead).
    sb.inject("/Conversations?", "401", times=1)
    with pytest.raises(Exception, match="HTTP 401"):
        run_tap(sb.tap_config(include_subaccounts=False), streams=["conversations"])


def test_products_incremental(fresh_sandbox):
    sb = fresh_sandbox
    streams = [
        "conversations",
        "studio_flows",
        "studio_executions",
        "monitor_events",
        "taskrouter_workspaces",
        "taskrouter_events",
    ]
    first = run_tap(sb.tap_config(), streams=streams)
    flow = sb.expected("studio_flows")[0]["sid"]
    new_conv = sb.add("conversations", friendly_name="brand new")
    new_exec = sb.add("studio_executions", flow_sid=flow)
    new_event = sb.add("monitor_events")
    workspace = sb.expected("taskrouter_workspaces")[0]["sid"]
    new_tr_event = sb.add("taskrouter_events", workspace_sid=workspace)
    sb.clear_requests()
    second = run_tap(sb.tap_config(), streams=streams, state=first.state)
    for stream, rec in (
        ("conversations", new_conv),
        ("studio_executions", new_exec),
        ("monitor_events", new_event),
        ("taskrouter_events", new_tr_event),
    ):
        sids = {r["sid"] for r in second.records[stream]}
        assert rec["sid"] in sids, stream
        assert len(sids) < len(first.records[stream]), f"{stream} re-read everything"
    # Studio executions and TaskRouter events keep state per flow / workspace.
    parts = second.state["bookmarks"]["studio_executions"]["partitions"]
    assert {p["context"]["flow_sid"] for p in parts} == {
        f["sid"] for f in sb.expected("studio_flows")
    }
    # (a workspace without events in the window has no bookmark, so no partition)
    parts = second.state["bookmarks"]["taskrouter_events"]["partitions"]
    emitted = first.records["taskrouter_events"] + second.records["taskrouter_events"]
    assert {p["context"]["workspace_sid"] for p in parts} == {e["workspace_sid"] for e in emitted}


def test_workspace_filter(sandbox):
    wanted = sandbox.expected("taskrouter_workspaces")[0]["sid"]
    result = run_tap(
        sandbox.tap_config(taskrouter_workspace_sids=[wanted]),
        streams=["taskrouter_workspaces", "taskrouter_workers"],
    )
    assert [r["sid"] for r in result.records["taskrouter_workspaces"]] == [wanted]
    assert {r["workspace_sid"] for r in result.records["taskrouter_workers"]} == {wanted}
