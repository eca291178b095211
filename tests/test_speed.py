"""Speed properties that are behaviour, not timings: request floor, parallel = sequential."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from decimal import Decimal

from singer_sdk.singerlib import RecordMessage, StateMessage

from tap_twilio.streams import STREAMS
from tap_twilio.tap import TapTwilio, TwilioWriter
from tests.conftest import run_tap
from tests.expect import without_reconcile_times


def _list_patterns() -> list[tuple[re.Pattern, type]]:
    """Each stream's list path as a regex whose groups name the parent SIDs in it."""
    patterns = []
    for cls in STREAMS:
        regex = re.escape(cls.path)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        patterns.append((re.compile(f"^{regex}$"), cls))
    return patterns


def test_requests_equal_the_floor(sandbox):
    """Every list read takes max(1, ceil(records / page size)) requests, none twice."""
    sandbox.clear_requests()
    result = run_tap(sandbox.tap_config(max_concurrent_requests=8))
    requests = list(sandbox.requests)
    assert all(r.status == 200 for r in requests)
    # No page is asked for twice.
    pages = Counter(
        (r.username, r.product, r.path, tuple(sorted((k, tuple(v)) for k, v in r.query.items())))
        for r in requests
    )
    assert [p for p, n in pages.items() if n > 1] == []

    patterns = _list_patterns()
    per_list: Counter = Counter()
    lists: dict[tuple, tuple[type, dict]] = {}
    for r in requests:
        for pattern, cls in patterns:
            match = pattern.match(r.path) if cls.product == r.product else None
            if match:
                keys = {"account_sid": r.username, **match.groupdict()}
                # A list Twilio shows one status a read (rooms) is read once per status.
                status = r.query.get("Status", [None])[0] if cls.also_read else None
                instance = (cls.name, tuple(sorted(keys.items())), status)
                per_list[instance] += 1
                lists[instance] = (cls, keys)
                break
        else:
            raise AssertionError(f"request to an unknown list: {r.product} {r.path}")

    tap = TapTwilio(config=sandbox.tap_config(), validate_config=False)
    extra = 0
    for instance, made in per_list.items():
        cls, keys = lists[instance]
        status = instance[2]
        rows = [
            row
            for row in result.records.get(cls.name, [])
            if all(row.get(k) == v for k, v in keys.items() if k != "number_types")
            and (status is None or row.get("status") == status)
        ]
        size = tap.streams[cls.name].page_size
        floor = max(1, math.ceil(len(rows) / size)) if cls.list_key else 1
        extra += made - floor
        assert made == floor, f"{instance}: {made} requests for {len(rows)} records"
    assert extra == 0


def test_parallel_output_equals_sequential(fresh_sandbox):
    sb = fresh_sandbox
    sequential = run_tap(sb.tap_config(max_concurrent_requests=1))
    parallel = run_tap(sb.tap_config(max_concurrent_requests=12))
    # Statistics are computed for "the last 15 minutes" at request time; compare the rest.
    moving = {"taskrouter_task_queue_statistics"}
    for stream in set(sequential.records) | set(parallel.records):
        if stream in moving:
            assert len(sequential.records[stream]) == len(parallel.records[stream])
            continue
        assert parallel.records[stream] == sequential.records[stream], stream
    # The same state, but for when each run read its lists whole (the run's own clock).
    assert without_reconcile_times(parallel.state) == without_reconcile_times(sequential.state)


def test_throttled_tap_slows_down_and_finishes(fresh_sandbox, no_sleep):
    """Above 3 requests in flight the sandbox answers 429: the tap backs off and completes."""
    sb = fresh_sandbox
    sb.faults.max_in_flight = 3
    sb.faults.latency = 0.01
    config = sb.tap_config(max_concurrent_requests=16)
    tap = TapTwilio(config=config)
    streams = [
        "messages",
        "message_media",
        "calls",
        "conferences",
        "conference_participants",
        "recordings",
        "usage_records",
    ]
    result = run_tap(config, streams=streams)
    del tap
    for stream in ("messages", "message_media", "calls"):
        want = {r["sid"] for a in sb.active_accounts for r in sb.expected(stream, a["sid"])}
        assert {r["sid"] for r in result.records[stream]} == want
    throttled = sum(1 for r in sb.requests if r.status == 429)
    served = sum(1 for r in sb.requests if r.status == 200)
    assert throttled > 0, "the limit was never hit: the test proves nothing"
    # Fewer 429s than requests served: the rule probes a third of the level a round at
    # these levels, and retries here do not sleep (0.34 of the served were refused).
    assert throttled < served


def test_stream_maps_and_flattening_still_apply(sandbox):
    """The per-record fast path is taken only without maps; with them the SDK's apply."""
    main = sandbox.accounts[0]["sid"]
    plain = run_tap(sandbox.tap_config(account_sids=[main]), streams=["messages", "calls"])
    config = sandbox.tap_config(
        account_sids=[main],
        stream_maps={
            "messages": {"body": None, "sid_lower": "sid.lower()"},
            "calls": {"__alias__": "phone_calls"},
        },
        flattening_enabled=True,
        flattening_max_depth=1,
    )
    mapped = run_tap(config, streams=["messages", "calls"])
    assert "calls" not in mapped.records
    assert [r["sid"] for r in mapped.records["phone_calls"]] == [
        r["sid"] for r in plain.records["calls"]
    ]
    messages = mapped.records["messages"]
    assert [r["sid"] for r in messages] == [r["sid"] for r in plain.records["messages"]]
    assert all("body" not in r and r["sid_lower"] == r["sid"].lower() for r in messages)
    # Flattening: an object without declared properties becomes a JSON string.
    first = plain.records["messages"][0]
    assert isinstance(first["subresource_uris"], dict)
    assert json.loads(messages[0]["subresource_uris"]) == first["subresource_uris"]


def test_fast_record_lines_equal_the_sdk_record_messages(capfdbinary):
    """``TwilioWriter.write_record`` writes what ``write_message(RecordMessage)`` writes."""
    when = dt.datetime(2026, 11, 24, 13, 5, 7, 123456, tzinfo=dt.timezone.utc)
    records = [
        {"sid": "SM1", "body": 'héllo ✓ "quoted"\n', "price": Decimal("-0.0075"), "n": 3},
        {"sid": "SM2", "nested": {"a": [1, 2.5, None, True]}, "date_sent": "2026-11-24"},
    ]
    fast, sdk = TwilioWriter(), TwilioWriter()
    for version in (None, 1763989507):
        for record in records:
            fast.write_record("messages", dict(record), version, when)
        fast.write_message(StateMessage(value={"bookmarks": {}}))
    first = capfdbinary.readouterr().out
    for version in (None, 1763989507):
        for record in records:
            sdk.write_message(
                RecordMessage(
                    stream="messages", record=dict(record), version=version, time_extracted=when
                )
            )
        sdk.write_message(StateMessage(value={"bookmarks": {}}))
    second = capfdbinary.readouterr().out
    assert first.count(b'"type":"RECORD"') == 4
    assert first == second
