"""``custom_streams``: any Twilio list as an extra stream, synced like the built-in ones.

Each test reads a list the sandbox serves both through a built-in stream and through a
custom entry, so the built-in stream's output (itself checked against the sandbox in
test_core / test_products) is the oracle: same records, same shaping, same state.
"""

from __future__ import annotations

import math
import re
import typing as t
from collections import Counter

import pytest
from twilio_sandbox import Sandbox

from tap_twilio.engine.client import parse_datetime
from tap_twilio.streams import custom
from tests.conftest import iso, run_cli, run_tap, write_config
from tests.expect import expected_keys

CALLS_ENTRY = {
    "name": "calls_copy",
    "path": "/2010-04-01/Accounts/{account_sid}/Calls.json",
    "primary_keys": ["sid"],
    "replication_key": "start_time",
    "start_param": "StartTime>",
}
WORKSPACES_ENTRY = {
    "name": "workspaces_copy",
    "path": "https://taskrouter.twilio.com/v1/Workspaces",
    "primary_keys": ["sid"],
}


def _by_sid(records: list[dict]) -> dict[str, dict]:
    sids = [r["sid"] for r in records]
    duplicates = [sid for sid, n in Counter(sids).items() if n > 1]
    assert duplicates == [], f"duplicate primary keys: {duplicates[:3]}"
    return {r["sid"]: r for r in records}


def _types(schema: t.Any) -> t.Any:
    """A schema without its descriptions."""
    if isinstance(schema, dict):
        return {k: _types(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_types(v) for v in schema]
    return schema


def _bookmarks(state: dict, stream: str) -> dict[str, str]:
    partitions = state["bookmarks"][stream]["partitions"]
    return {p["context"]["account_sid"]: p["replication_key_value"] for p in partitions}


def test_core_custom_stream_equals_the_built_in_stream_in_every_account(fresh_sandbox):
    sb = fresh_sandbox
    page_size = 20
    config = sb.tap_config(page_size=page_size, custom_streams=[CALLS_ENTRY])
    sb.clear_requests()
    result = run_tap(config, streams=["calls_copy"])
    copy = _by_sid(result.records["calls_copy"])
    assert set(copy) == {k[0] for k in expected_keys(sb, "calls")}

    # One request per page of each account's list, and no more.
    calls_requests = [r for r in sb.requests if r.path.endswith("/Calls.json")]
    per_account = Counter(r.path.split("/")[3] for r in calls_requests)
    for account in sb.active_accounts:
        n = len(sb.expected("calls", account["sid"]))
        assert per_account[account["sid"]] == max(1, math.ceil(n / page_size)), account["sid"]
    assert all(r.query.get("PageSize") == [str(page_size)] for r in calls_requests)

    # The same records, shaped the same way, as the built-in calls stream.
    builtin = run_tap(sb.tap_config(page_size=page_size), streams=["calls"])
    assert copy == _by_sid(builtin.records["calls"])
    # Schema from Twilio's spec, as for the built-in stream (types and formats; the custom
    # stream's copy of the spec leaves the field descriptions out).
    assert _types(result.schemas["calls_copy"]["schema"]) == _types(
        builtin.schemas["calls"]["schema"]
    )
    assert result.schemas["calls_copy"]["key_properties"] == ["sid"]

    # A bookmark per account: its latest start_time.
    latest = {}
    for record in copy.values():
        if record["start_time"] is None:  # canceled while queued: never started
            continue
        sid, when = record["account_sid"], parse_datetime(record["start_time"])
        latest[sid] = max(latest.get(sid, when), when)
    marks = _bookmarks(result.state, "calls_copy")
    assert {sid: parse_datetime(v) for sid, v in marks.items()} == latest


def test_core_custom_stream_is_incremental(fresh_sandbox):
    sb = fresh_sandbox
    config = sb.tap_config(custom_streams=[CALLS_ENTRY], lookback_window=0)
    first = run_tap(config, streams=["calls_copy"])
    main = sb.accounts[0]["sid"]
    mark = parse_datetime(_bookmarks(first.state, "calls_copy")[main])
    new = sb.add("calls", main, start_time=sb.clock())

    sb.clear_requests()
    second = run_tap(config, streams=["calls_copy"], state=first.state)
    sids = {r["sid"] for r in second.records["calls_copy"] if r["account_sid"] == main}
    assert new["sid"] in sids
    # Only the window since the bookmark is read again, not the whole history.
    old_after_mark = {
        r["sid"]
        for r in sb.expected("calls", main)
        if r["start_time"] and parse_datetime(iso(r["start_time"])).date() >= mark.date()
    }
    assert sids == old_after_mark | {new["sid"]}
    main_requests = [r for r in sb.requests if f"/Accounts/{main}/Calls.json" in r.path]
    assert [r.query.get("StartTime>") for r in main_requests][:1] == [[mark.date().isoformat()]]
    assert parse_datetime(_bookmarks(second.state, "calls_copy")[main]) == parse_datetime(
        iso(new["start_time"])
    )


def test_product_custom_stream_by_url_reads_the_sandbox_not_twilio(fresh_sandbox):
    sb = fresh_sandbox
    config = sb.tap_config(
        custom_streams=[WORKSPACES_ENTRY], include_subaccounts=False, page_size=1
    )
    sb.clear_requests()
    result = run_tap(config, streams=["workspaces_copy", "taskrouter_workspaces"])
    copy = _by_sid(result.records["workspaces_copy"])
    builtin = _by_sid(result.records["taskrouter_workspaces"])
    assert len(copy) >= 2, "the sandbox's main account has several workspaces"
    assert set(copy) == set(builtin)
    for sid, record in copy.items():
        assert {k: v for k, v in builtin[sid].items() if k in record} == record
    # Paged through the products' meta envelope (PageToken), one workspace a page, on the
    # taskrouter host of the sandbox: one request per page for each of the two streams.
    listed = [r for r in sb.requests if r.path == "/v1/Workspaces"]
    assert all(r.product == "taskrouter" for r in listed)
    assert len(listed) == 2 * len(copy)
    assert sum(1 for r in listed if "PageToken" in r.query) == 2 * (len(copy) - 1)


def test_list_missing_from_the_spec_gets_an_inferred_schema(fresh_sandbox, monkeypatch):
    """A list Twilio's spec does not know: schema inferred from the first page."""
    monkeypatch.setattr(custom, "find_spec_list", lambda product, path: None)
    sb = fresh_sandbox
    entry = {**WORKSPACES_ENTRY, "path": "/v1/Workspaces", "product": "taskrouter"}
    config = sb.tap_config(custom_streams=[entry], include_subaccounts=False)
    result = run_tap(config, streams=["workspaces_copy"])
    schema = result.schemas["workspaces_copy"]["schema"]["properties"]
    assert schema["sid"]["type"] == ["string", "null"]
    assert schema["date_created"] == {"type": ["string", "null"], "format": "date-time"}
    spec_run = run_tap(
        sb.tap_config(custom_streams=[WORKSPACES_ENTRY], include_subaccounts=False),
        streams=["workspaces_copy"],
    )
    assert set(_by_sid(result.records["workspaces_copy"])) == set(
        _by_sid(spec_run.records["workspaces_copy"])
    )


def test_inferred_schema_types():
    rows = [
        {"sid": "WS1", "n": 1, "ratio": 0.5, "ok": True, "when": "2026-01-02T03:04:05Z"},
        {"sid": "WS2", "n": 2.5, "ratio": None, "ok": None, "links": {"a": "b"}},
    ]
    assert custom.infer_schema(rows, "taskrouter")["properties"] == {
        "sid": {"type": ["string", "null"]},
        "n": {"type": ["number", "null"]},
        "ratio": {"type": ["number", "null"]},
        "ok": {"type": ["boolean", "null"]},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "links": {"type": ["object", "null"]},
    }


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"path": "/v1/Workspaces", "primary_keys": ["sid"]}, "name is required"),
        ({**CALLS_ENTRY, "name": "calls"}, "name 'calls' is a built-in stream"),
        ({**CALLS_ENTRY, "primary_keys": []}, "primary_keys is required"),
        ({**CALLS_ENTRY, "start_param": None}, "replication_key needs start_param"),
        (
            {**CALLS_ENTRY, "path": "/2010-04-01/Accounts/{account_sid}/Calls/{call}.json"},
            "path placeholder {call} unknown",
        ),
        ({**CALLS_ENTRY, "path": "https://example.com/Calls.json"}, "is not a Twilio host"),
        ({**CALLS_ENTRY, "product": "nope"}, "unknown Twilio product 'nope'"),
    ],
)
def test_bad_custom_stream_is_one_line_exit_2(tmp_path, entry, problem):
    with Sandbox(seed=3) as sb:
        config = sb.tap_config(custom_streams=[{k: v for k, v in entry.items() if v is not None}])
        proc = run_cli(["--config", str(write_config(tmp_path, config)), "--discover"])
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert lines[-1].startswith("tap-twilio: error: invalid config: custom_streams[0]"), lines
    assert problem in lines[-1]
    assert config["auth_token"] not in proc.stderr


def test_custom_stream_in_discovery_and_about(tmp_path, sandbox):
    config = sandbox.tap_config(custom_streams=[CALLS_ENTRY])
    proc = run_cli(["--config", str(write_config(tmp_path, config)), "--discover"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r'"tap_stream_id": ?"calls_copy"', proc.stdout)
    assert "ERROR" not in proc.stderr
