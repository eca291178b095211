"""Open records of lists filtered on creation reach their final state by SID (issue 15).

A list filtered on creation (or start) time shows a record only while its date is inside
the window (the bookmark minus the lookback). A record still open then (a call summary
still ``partial``, a room ``in-progress``) that changes after it left the window is read by
SID, at its own fetch path, until it is final. Each test: the record is open at the first
sync, dated 3 hours back (outside a 0.02-day lookback) with a newer record moving the
bookmark past it; it becomes final in the sandbox; the second run emits it final after
exactly one fetch by SID; the third run does not read it again.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

import pytest
from twilio_sandbox import Sandbox

from tests.conftest import SyncResult, run_tap

#: About 29 minutes: the record, 3 hours old, is outside every window after the first.
LOOKBACK_DAYS = 0.02
AGE = dt.timedelta(hours=3)


@pytest.fixture
def sb() -> t.Iterator[Sandbox]:
    """A sandbox whose clock runs 5 minutes behind the tap's (see test_curated_convergence)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=5)
    with Sandbox(seed=1, now=now) as sandbox:
        yield sandbox


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Case:
    """One stream: how a record is added open and dated back, then made final."""

    stream: str
    product: str
    key: str  # the record's SID field
    date: str  # the field the list filters on
    fetch: str  # the fetch path, ``{sid}`` and ``{flow_sid}``
    open_field: str
    open_value: str
    final: dict[str, str]
    parents: t.Callable[[Sandbox], dict[str, str]] = lambda sb: {}


def _flow(sb: Sandbox) -> dict[str, str]:
    return {"flow_sid": sb.expected("studio_flows", sb.account_sid)[0]["sid"]}


def _conference(sb: Sandbox) -> dict[str, str]:
    return {"conference_sid": sb.add("conferences", sb.account_sid)["sid"]}


CASES = [
    Case(
        "voice_insights_conference_summaries",
        "insights",
        "conference_sid",
        "create_time",
        "/v1/Conferences/{sid}",
        "processing_state",
        "in_progress",
        {"status": "completed", "processing_state": "complete"},
        _conference,
    ),
    Case(
        "video_rooms",
        "video",
        "sid",
        "date_created",
        "/v1/Rooms/{sid}",
        "status",
        "in-progress",
        {"status": "completed"},
    ),
    Case(
        "video_compositions",
        "video",
        "sid",
        "date_created",
        "/v1/Compositions/{sid}",
        "status",
        "enqueued",
        {"status": "completed"},
    ),
    Case(
        "intelligence_transcripts",
        "intelligence",
        "sid",
        "date_created",
        "/v2/Transcripts/{sid}",
        "status",
        "queued",
        {"status": "completed"},
    ),
    Case(
        "verify_attempts",
        "verify",
        "sid",
        "date_created",
        "/v2/Attempts/{sid}",
        "conversion_status",
        "unconverted",
        {"conversion_status": "converted"},
    ),
    Case(
        "studio_executions",
        "studio",
        "sid",
        "date_created",
        "/v2/Flows/{flow_sid}/Executions/{sid}",
        "status",
        "active",
        {"status": "ended"},
        _flow,
    ),
]


def open_sids(result: SyncResult, stream: str) -> set[str]:
    """The SIDs a run's state follows, every partition of a stream."""
    partitions = result.state["bookmarks"][stream]["partitions"]
    return {sid for p in partitions for sid in p.get("open_sids", [])}


def emitted(result: SyncResult, stream: str, key: str, sid: str) -> list[dict]:
    return [r for r in result.records.get(stream, []) if r[key] == sid]


def fetches(sb: Sandbox, product: str, path: str) -> int:
    return sum(r.product == product and r.path == path for r in sb.requests)


def test_a_call_summary_partial_past_the_lookback_is_fetched_by_its_own_path(
    sb: Sandbox,
) -> None:
    main = sb.account_sid
    config = sb.tap_config(include_subaccounts=False, lookback_window=LOOKBACK_DAYS)
    streams = ["voice_insights_call_summaries"]
    began = sb.clock() - AGE  # a long call: started 3 hours ago, summary still partial
    call = sb.add("calls", main)
    old = sb.add("voice_insights_call_summaries", main, call_sid=call["sid"], start_time=iso(began))
    newer = sb.add("voice_insights_call_summaries", main, call_sid=sb.add("calls", main)["sid"])
    assert old["processing_state"] == newer["processing_state"] == "partial"

    first = run_tap(config, streams=streams)
    [record] = emitted(first, streams[0], "call_sid", call["sid"])
    assert record["processing_state"] == "partial"
    assert call["sid"] in open_sids(first, streams[0])

    sb.update("voice_insights_call_summaries", call["sid"], processing_state="complete")
    sb.clear_requests()
    second = run_tap(config, streams=streams, state=first.state)
    windows = {r.query["StartTime"][0] for r in sb.requests if r.path == "/v1/Voice/Summaries"}
    assert len(windows) == 1 and windows.pop() > iso(began)  # the list cannot show it
    path = f"/v1/Voice/{call['sid']}/Summary"
    assert fetches(sb, "insights", path) == 1
    [record] = emitted(second, streams[0], "call_sid", call["sid"])
    assert record["processing_state"] == "complete"
    assert call["sid"] not in open_sids(second, streams[0])

    sb.clear_requests()
    third = run_tap(config, streams=streams, state=second.state)
    assert [r.path for r in sb.requests if call["sid"] in r.path] == []
    assert emitted(third, streams[0], "call_sid", call["sid"]) == []


@pytest.mark.parametrize("case", CASES, ids=[c.stream for c in CASES])
def test_an_open_record_past_the_lookback_reaches_its_final_state_by_sid(
    sb: Sandbox, case: Case
) -> None:
    main = sb.account_sid
    config = sb.tap_config(include_subaccounts=False, lookback_window=LOOKBACK_DAYS)
    streams = [case.stream]
    parents = case.parents(sb)
    dated = {case.date: iso(sb.clock() - AGE)}
    old = sb.add(case.stream, main, **{**parents, **dated, case.open_field: case.open_value})
    fresh = case.parents(sb) if case.stream.startswith("voice_insights") else parents
    sb.add(case.stream, main, **{**fresh, case.open_field: case.open_value})
    sid = old[case.key]

    first = run_tap(config, streams=streams)
    [record] = emitted(first, case.stream, case.key, sid)
    assert record[case.open_field] == case.open_value
    assert sid in open_sids(first, case.stream)

    final = sb.update(case.stream, sid, **case.final)
    sb.clear_requests()
    second = run_tap(config, streams=streams, state=first.state)
    path = case.fetch.format(sid=sid, **parents)
    assert fetches(sb, case.product, path) == 1
    [record] = emitted(second, case.stream, case.key, sid)
    assert {f: record[f] for f in case.final} == {f: final[f] for f in case.final}
    assert sid not in open_sids(second, case.stream)

    sb.clear_requests()
    third = run_tap(config, streams=streams, state=second.state)
    assert [r.path for r in sb.requests if sid in r.path] == []
    assert emitted(third, case.stream, case.key, sid) == []


def test_a_summary_gone_from_twilio_is_no_longer_followed(sb: Sandbox) -> None:
    """A 404 at the summary's fetch path (not ending in a SID) means gone, not an error."""
    main = sb.account_sid
    config = sb.tap_config(include_subaccounts=False, lookback_window=LOOKBACK_DAYS)
    streams = ["voice_insights_call_summaries"]
    call = sb.add("calls", main)
    began = iso(sb.clock() - AGE)
    sb.add("voice_insights_call_summaries", main, call_sid=call["sid"], start_time=began)
    sb.add("voice_insights_call_summaries", main, call_sid=sb.add("calls", main)["sid"])
    first = run_tap(config, streams=streams)
    assert call["sid"] in open_sids(first, streams[0])
    path = f"/v1/Voice/{call['sid']}/Summary"
    sb.inject(path, "404")
    sb.clear_requests()
    second = run_tap(config, streams=streams, state=first.state)
    assert [(r.path, r.status) for r in sb.requests if call["sid"] in r.path] == [(path, 404)]
    assert emitted(second, streams[0], "call_sid", call["sid"]) == []
    assert call["sid"] not in open_sids(second, streams[0])
