"""Curated streams of every product (issue 12): exact records against the sandbox's own data."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from tap_twilio.engine.client import parse_datetime
from tap_twilio.streams.curated import CURATED_STREAMS
from tests.conftest import run_tap

CURATED = [cls.name for cls in CURATED_STREAMS]
# Written out independently of the stream classes: what really identifies a row.
KEYS_SPEC = dict.fromkeys(CURATED, ("sid",)) | {
    "call_events": ("call_sid", "event_index"),
    "queue_members": ("queue_sid", "call_sid"),
    "authorized_connect_apps": ("account_sid", "connect_app_sid"),
    "voice_insights_call_summaries": ("call_sid",),
    "voice_insights_conference_summaries": ("conference_sid",),
    "voice_insights_conference_participant_summaries": ("participant_sid",),
    "intelligence_operator_results": ("transcript_sid", "operator_sid"),
    "pricing_voice_countries": ("iso_country",),
    "pricing_messaging_countries": ("iso_country",),
    "supersim_usage_records": ("sim_sid", "period_start"),
    "wireless_sim_usage_records": ("sim_sid", "period_start"),
}
NOT_SELECTED = {"call_events", "pricing_voice_countries", "pricing_messaging_countries"}


def expected_keys(sb, stream: str) -> set[tuple]:
    """Keys a correct sync emits, from the sandbox's rows (every active account)."""
    if stream == "call_events":
        return {
            (scope[-1], index)
            for scope, table in sb.org.store.scopes(stream)
            for index in range(len(table.rows))
        }
    rows = sb.expected(stream)
    if stream.endswith("usage_records"):
        rows = [
            {**r, "period_start": r["period"].get("start_time") or r["period"].get("start")}
            for r in rows
        ]
    return {tuple(r.get(k) for k in KEYS_SPEC[stream]) for r in rows}


@pytest.fixture(scope="module")
def curated_sync(sandbox):
    sandbox.clear_requests()
    result = run_tap(sandbox.tap_config(), streams=CURATED)
    return result, list(sandbox.requests)


def test_primary_keys_are_the_real_ones():
    assert {cls.name: tuple(cls.primary_keys) for cls in CURATED_STREAMS} == KEYS_SPEC


def test_account_data_is_selected_by_default():
    unselected = {cls.name for cls in CURATED_STREAMS if not cls.selected_by_default}
    assert unselected == NOT_SELECTED


@pytest.mark.parametrize("stream", CURATED)
def test_curated_stream_emits_exactly_the_sandbox_records(curated_sync, sandbox, stream):
    result, _ = curated_sync
    got = result.keys(stream, KEYS_SPEC[stream])
    want = expected_keys(sandbox, stream)
    assert want, f"sandbox has no {stream} rows"
    assert [k for k, n in Counter(got).items() if n > 1] == []
    assert set(got) == want


@pytest.mark.parametrize("stream", CURATED)
def test_records_carry_their_parents_sids(curated_sync, stream):
    result, _ = curated_sync
    cls = next(c for c in CURATED_STREAMS if c.name == stream)
    fields = [f for f in cls.context_fields if f != "account_sid"]
    for record in result.records[stream]:
        assert all(record.get(f) for f in fields), (stream, fields)
        assert set(record) <= set(result.schemas[stream]["schema"]["properties"])


def test_page_sizes_are_each_lists_maximum(curated_sync):
    _, requests = curated_sync
    sizes: dict[tuple[str, str], set[str]] = {}
    for r in requests:
        if "PageSize" in r.query:
            path = re.sub(r"[A-Z]{2}[0-9a-f]{32}", "{sid}", r.path)
            sizes.setdefault((r.product, path), set()).add(r.query["PageSize"][0])
    assert sizes[("video", "/v1/Compositions")] == {"100"}
    assert sizes[("sync", "/v1/Services/{sid}/Documents")] == {"100"}
    assert sizes[("insights", "/v1/Voice/Summaries")] == {"1000"}
    assert sizes[("api", "/2010-04-01/Accounts/{sid}/SIP/Domains.json")] == {"1000"}


def test_children_only_for_parents_that_have_them(curated_sync, sandbox):
    _, requests = curated_sync

    def parents_read(pattern: str) -> set[str]:
        return {m.group(1) for r in requests if (m := re.search(pattern, r.path))}

    started = {c["sid"] for c in sandbox.expected("calls") if c["start_time"]}
    assert parents_read(r"/Calls/(CA\w+)/Events") == started
    busy = {q["sid"] for q in sandbox.expected("queues") if int(q["current_size"]) > 0}
    assert parents_read(r"/Queues/(QU\w+)/Members") == busy
    done = {
        t["sid"] for t in sandbox.expected("intelligence_transcripts") if t["status"] == "completed"
    }
    assert parents_read(r"/Transcripts/(\w+)/OperatorResults") == done


def test_windows_and_defaults_twilio_needs(curated_sync):
    _, requests = curated_sync
    summaries = [r for r in requests if r.path == "/v1/Voice/Summaries"]
    now = dt.datetime.now(dt.timezone.utc)
    for r in summaries:  # Twilio returns 4 hours without StartTime; it keeps 30 days
        start = parse_datetime(r.query["StartTime"][0])
        assert now - dt.timedelta(days=30) < start < now - dt.timedelta(days=29)
        assert "EndTime" in r.query
    rooms = Counter((r.username, r.query["Status"][0]) for r in requests if r.path == "/v1/Rooms")
    # Twilio lists in-progress rooms by default: each status is one read per account.
    assert rooms and {status for _, status in rooms} == {"completed", "failed", "in-progress"}
    assert set(rooms.values()) == {1}
    pricing = [r for r in requests if r.product == "pricing"]
    assert len(pricing) == 2  # reference data: read once, not per account


def test_incremental_run_reads_from_the_bookmark(fresh_sandbox):
    sb = fresh_sandbox
    streams = ["verify_attempts", "video_rooms", "intelligence_transcripts"]
    first = run_tap(sb.tap_config(include_subaccounts=False), streams=streams)
    sb.clear_requests()
    again = run_tap(sb.tap_config(include_subaccounts=False), streams=streams, state=first.state)
    sent = {r.path: r.query for r in sb.requests}
    for path, param, stream, key in (
        ("/v2/Attempts", "DateCreatedAfter", "verify_attempts", "date_created"),
        ("/v1/Rooms", "DateCreatedAfter", "video_rooms", "date_created"),
        ("/v2/Transcripts", "AfterDateCreated", "intelligence_transcripts", "date_created"),
    ):
        newest = max(parse_datetime(r[key]) for r in first.records[stream])
        assert parse_datetime(sent[path][param][0]) == newest - dt.timedelta(days=1)
        assert {r["sid"] for r in again.records[stream]} <= {
            r["sid"] for r in first.records[stream]
        }


def test_a_product_the_account_may_not_use_is_skipped(fresh_sandbox, tap_log):
    sb = fresh_sandbox
    sb.deny_product("video", 403)
    result = run_tap(
        sb.tap_config(include_subaccounts=False), streams=["video_rooms", "sync_services"]
    )
    assert "video_rooms" not in result.records
    assert result.records["sync_services"]
    warnings = [line for line in tap_log if "Skipping Twilio product 'video'" in line]
    assert len(warnings) == 1


def test_sandbox_applies_twilios_defaults(sandbox):
    """Rooms: in-progress unless Status says otherwise; call summaries: the last 4 hours."""
    import requests

    auth = sandbox.auth_for(None)
    rooms = requests.get(f"{sandbox.url}/video/v1/Rooms", auth=auth, timeout=30).json()["rooms"]
    assert rooms and {r["status"] for r in rooms} == {"in-progress"}
    url = f"{sandbox.url}/insights/v1/Voice/Summaries"
    recent = requests.get(url, auth=auth, timeout=30).json()["call_summaries"]
    now = dt.datetime.now(dt.timezone.utc)
    assert all(
        parse_datetime(s["start_time"]) >= now - dt.timedelta(hours=4, minutes=5) for s in recent
    )
    month = requests.get(
        url,
        params={"StartTime": (now - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        auth=auth,
        timeout=30,
    ).json()["call_summaries"]
    assert len(month) > len(recent)


def test_each_final_room_status_is_a_read_and_deletions_are_read_once_bookmarked(fresh_sandbox):
    """Rooms: Twilio lists one status a read (completed, failed, in-progress). Compositions:
    the list shows every status; those deleted after the lookback are read whole once a bookmark
    exists (https://www.twilio.com/docs/video/api/compositions-resource)."""
    sb = fresh_sandbox
    config = sb.tap_config(include_subaccounts=False)
    streams = ["video_rooms", "video_compositions"]

    def reads(path: str) -> list[tuple[str, bool]]:
        return sorted(
            (r.query.get("Status", ["-"])[0], "DateCreatedAfter" in r.query)
            for r in sb.requests
            if r.path == path and "PageToken" not in r.query
        )

    sb.clear_requests()
    first = run_tap(config, streams=streams)
    assert reads("/v1/Rooms") == [("completed", False), ("failed", False), ("in-progress", False)]
    assert reads("/v1/Compositions") == [("-", False)]
    sb.clear_requests()
    run_tap(config, streams=streams, state=first.state)
    assert reads("/v1/Rooms") == [("completed", True), ("failed", True), ("in-progress", True)]
    assert reads("/v1/Compositions") == [("-", True), ("deleted", False)]


@pytest.mark.parametrize("attempt", range(3))
def test_strictly_sequential_reads_every_further_read_of_a_list(fresh_sandbox, attempt):
    """max_concurrent_requests 1: no read-ahead thread, and each status read of the rooms
    list is emitted (a worker once fetched a further read the SDK's thread then skipped)."""
    sb = fresh_sandbox
    config = sb.tap_config(include_subaccounts=False, max_concurrent_requests=1)
    result = run_tap(config, streams=["video_rooms"])
    main = sb.account_sid
    want = {(r["sid"],) for r in sb.expected("video_rooms", main)}
    assert {(r["sid"],) for r in result.records["video_rooms"]} == want
    assert {r["status"] for r in result.records["video_rooms"]} >= {"completed", "in-progress"}
