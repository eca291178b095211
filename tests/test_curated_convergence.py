"""Curated streams converge too: after any sequence of runs, a target that upserts what the
tap emitted on the primary keys equals Twilio (the sandbox).

Like tests/test_convergence.py for the core streams: one sandbox, a first sync, then rounds
of changes the way Twilio accounts change, in the main account and in a subaccount (new
verification attempts that later convert, rooms that complete, compositions that render,
transcripts that complete and get operator results, call and conference summaries that
become complete, participants under parents read before, renamed services, new Sync
documents), each followed by an incremental run from the previous run's state. After every
run the target (each RECORD upserted on the stream's key) holds exactly the sandbox's records
with their values, and every incremental list was read from its bookmark minus the lookback,
not from the beginning.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import requests
from twilio_sandbox import Sandbox
from twilio_sandbox.formats import parse_record_date

from tap_twilio.engine.client import parse_datetime
from tests.conftest import SyncResult, run_tap
from tests.test_convergence import Target
from tests.test_curated import KEYS_SPEC

if t.TYPE_CHECKING:
    from twilio_sandbox import RequestRecord

#: The incremental curated streams, one child of each, and three full-table ones.
STREAMS = (
    "verify_attempts",
    "video_rooms",
    "video_room_participants",
    "video_compositions",
    "intelligence_transcripts",
    "intelligence_operator_results",
    "voice_insights_call_summaries",
    "voice_insights_conference_summaries",
    "voice_insights_conference_participant_summaries",
    "messaging_services",
    "sync_services",
    "sync_documents",
)
#: Incremental streams: product, list path, the window's lower-bound parameter, bookmark field.
WINDOWS = {
    "verify_attempts": ("verify", "/v2/Attempts", "DateCreatedAfter", "date_created"),
    "video_rooms": ("video", "/v1/Rooms", "DateCreatedAfter", "date_created"),
    "video_compositions": ("video", "/v1/Compositions", "DateCreatedAfter", "date_created"),
    "intelligence_transcripts": (
        "intelligence",
        "/v2/Transcripts",
        "AfterDateCreated",
        "date_created",
    ),
    "voice_insights_call_summaries": ("insights", "/v1/Voice/Summaries", "StartTime", "start_time"),
    "voice_insights_conference_summaries": (
        "insights",
        "/v1/Conferences",
        "CreatedAfter",
        "create_time",
    ),
}
LOOKBACK = dt.timedelta(days=1)  # the tap's default lookback_window
ROUNDS = 3
#: How far the sandbox clock runs behind the tap's (see the fixture).
CLOCK_BEHIND = dt.timedelta(minutes=5)


@pytest.fixture
def sb() -> t.Iterator[Sandbox]:
    """A fresh sandbox whose clock runs a few minutes behind the tap's.

    Records are added at the sandbox clock and the tap closes each window at its own clock,
    to the second and exclusive (``DateCreatedBefore``): a record added in the very second
    a run starts would only come with the next run, which is not what this test is about.
    """
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - CLOCK_BEHIND
    with Sandbox(seed=1, now=now) as sandbox:
        yield sandbox


# --------------------------------------------------------------------------- the truth


def key_of(record: dict, stream: str) -> tuple:
    """A record's key as Twilio identifies it (tests/test_curated.py, not the tap's)."""
    return tuple(record.get(k) for k in KEYS_SPEC[stream])


def accounts(sb: Sandbox) -> list[str]:
    """The accounts whose data the tap reads: the active ones."""
    return [a["sid"] for a in sb.active_accounts]


def truth(sb: Sandbox, stream: str) -> dict[tuple, dict]:
    """The sandbox's rows of a stream, every active account, as the tap emits them: with
    the account's SID (lists under a parent may not carry it). Rooms in progress too: they
    are followed by SID until they end."""
    rows = {}
    for account in accounts(sb):
        for raw in sb.expected(stream, account):
            row = {"account_sid": account, **raw}
            rows[key_of(row, stream)] = row
    return rows


def same(got: object, want: object) -> bool:
    """Equal values; Twilio sends some numbers as strings, the tap emits them as numbers."""
    if isinstance(got, (int, float)) and not isinstance(got, bool) and isinstance(want, str):
        return Decimal(str(got)) == Decimal(want)
    return got == want


def differences(target: Target, sb: Sandbox) -> list[str]:
    """How the target differs from the sandbox: rows missing, not in Twilio, or stale."""
    problems = []
    for stream in STREAMS:
        want = truth(sb, stream)
        have = {key_of(r, stream): r for r in target.tables.get(stream, {}).values()}
        stale = [
            k
            for k in want.keys() & have.keys()
            if have[k].keys() != want[k].keys()
            or not all(same(have[k][f], want[k][f]) for f in want[k])
        ]
        for label, found in (
            ("missing", want.keys() - have.keys()),
            ("not in Twilio", have.keys() - want.keys()),
            ("stale", stale),
        ):
            if found:
                problems.append(f"{stream}: {len(found)} {label}, e.g. {sorted(found)[0]}")
    return problems


def duplicates(result: SyncResult) -> list[str]:
    """Keys a run emitted more than once for a stream."""
    return [
        f"{stream}: {key} x{count}"
        for stream, records in result.records.items()
        for key, count in Counter(key_of(r, stream) for r in records).items()
        if count > 1
    ]


# --------------------------------------------------------------------------- windows


def bookmark(state: dict, stream: str, account: str) -> dt.datetime | None:
    """The replication key value a state holds for one account's partition."""
    for partition in state.get("bookmarks", {}).get(stream, {}).get("partitions", []):
        if partition["context"].get("account_sid") == account:
            value = partition.get("replication_key_value")
            return parse_datetime(value) if value else None
    return None


#: Reads of a list that are whole by design, by the ``Status`` they ask for: deleted
#: compositions stay listed 30 days (https://www.twilio.com/docs/video/api/compositions-resource)
#: and a deletion does not change the creation date the window filters on.
WHOLE_READS = {"video_compositions": "deleted"}


def window_starts(requests_: list[RequestRecord], stream: str, account: str) -> set[str | None]:
    """The lower bounds a run sent to an account's list of a stream (one per page)."""
    product, path, param, _ = WINDOWS[stream]
    whole = WHOLE_READS.get(stream)
    return {
        r.query[param][0] if param in r.query else None
        for r in requests_
        if r.product == product
        and r.path == path
        and r.username == account
        and (whole is None or r.query.get("Status") != [whole])
    }


def window_problems(
    sb: Sandbox, sent: list[RequestRecord], before: dict, after: dict, checked: list[str]
) -> list[str]:
    """Each incremental list was read from the previous bookmark minus the lookback, and the
    new bookmark is the newest record Twilio lists (so the next run starts from there)."""
    problems = []
    for stream, (_, _, _, rkey) in WINDOWS.items():
        rows = truth(sb, stream).values()
        for account in checked:
            mark = bookmark(before, stream, account)
            if mark is None:
                problems.append(f"{stream} {account}: no bookmark before the run")
                continue
            want = (mark - LOOKBACK).strftime("%Y-%m-%dT%H:%M:%SZ")
            if window_starts(sent, stream, account) != {want}:
                got = window_starts(sent, stream, account)
                problems.append(f"{stream} {account}: read from {got}, not {want}")
            newest = max(parse_datetime(r[rkey]) for r in rows if r["account_sid"] == account)
            if bookmark(after, stream, account) != newest:
                got_mark = bookmark(after, stream, account)
                problems.append(f"{stream} {account}: bookmark {got_mark}, newest {newest}")
    return problems


# --------------------------------------------------------------------------- the scenario


@dataclass
class Scenario:
    """The records still in flight, which later rounds move on (sandbox rows)."""

    main: str
    sub: str
    live_rooms: list[dict] = field(default_factory=list)
    transcripts: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    compositions: list[dict] = field(default_factory=list)
    partial_summaries: list[dict] = field(default_factory=list)
    conferences: list[dict] = field(default_factory=list)
    #: Records the final checks look at, by role.
    roles: dict[str, dict] = field(default_factory=dict)


def start_things(sb: Sandbox, sc: Scenario, account: str, label: str) -> None:
    """New records in every incremental stream of an account, as Twilio creates them."""
    sc.attempts.append(sb.add("verify_attempts", account))
    # A room created and completed between two runs, and one still in progress.
    ended = sb.add("video_rooms", account, status="completed", unique_name=f"{label}: ended")
    live = sb.add("video_rooms", account, unique_name=f"{label}: live")
    sb.add("video_room_participants", account, room_sid=live["sid"], identity=f"{label}: alice")
    sc.live_rooms.append(live)
    sc.compositions.append(sb.add("video_compositions", account, room_sid=ended["sid"]))
    sc.transcripts.append(sb.add("intelligence_transcripts", account))
    call = sb.add("calls", account)
    sc.partial_summaries.append(
        sb.add("voice_insights_call_summaries", account, call_sid=call["sid"])
    )
    conference = sb.add("conferences", account, friendly_name=f"{label}: conference")
    sc.conferences.append(
        sb.add("voice_insights_conference_summaries", account, conference_sid=conference["sid"])
    )
    sb.add(
        "voice_insights_conference_participant_summaries",
        account,
        conference_sid=conference["sid"],
    )


def move_on(sb: Sandbox, sc: Scenario, label: str, *, finish: bool) -> None:
    """What was in flight at the last run moves one step on (to its end, when ``finish``)."""
    for room in sc.live_rooms:  # a late joiner (a new child of a room read before), then done
        sb.add(
            "video_room_participants",
            room["account_sid"],
            room_sid=room["sid"],
            identity=f"{label}: bob",
        )
        sb.update("video_rooms", room["sid"], status="completed")
    sc.live_rooms = []
    if finish:  # rooms last at most a day: every room still in progress ends
        for account in accounts(sb):
            for room in sb.expected("video_rooms", account):
                if room["status"] == "in-progress":
                    sb.update("video_rooms", room["sid"], status="completed")
    for attempt in sc.attempts[::2]:  # some users give the right code
        sb.update("verify_attempts", attempt["sid"], conversion_status="converted")
    sc.attempts = []
    sc.transcripts = next_status(sb, "intelligence_transcripts", sc.transcripts, finish)
    sc.compositions = next_status(sb, "video_compositions", sc.compositions, finish)
    for summary in sc.partial_summaries:
        sb.update("voice_insights_call_summaries", summary["call_sid"], processing_state="complete")
    sc.partial_summaries = []
    for summary in sc.conferences:  # one more participant leaves, then the conference ends
        sb.add(
            "voice_insights_conference_participant_summaries",
            summary["account_sid"],
            conference_sid=summary["conference_sid"],
        )
        sb.update(
            "voice_insights_conference_summaries",
            summary["conference_sid"],
            status="completed",
            processing_state="complete",
        )
    sc.conferences = []


#: Statuses a record goes through until it is completed.
NEXT_STATUS = {
    "intelligence_transcripts": {"queued": "in-progress", "in-progress": "completed"},
    "video_compositions": {"enqueued": "processing", "processing": "completed"},
}


def next_status(sb: Sandbox, stream: str, rows: list[dict], finish: bool) -> list[dict]:
    """Move each row to its next status (or completed); the rows not completed yet."""
    moved = [
        sb.update(
            stream,
            row["sid"],
            status="completed" if finish else NEXT_STATUS[stream][row["status"]],
        )
        for row in rows
    ]
    return [row for row in moved if row["status"] != "completed"]


def before_first_run(sb: Sandbox, sc: Scenario) -> None:
    """Records in flight when the first run reads the accounts."""
    start_things(sb, sc, sc.main, "before")
    sc.roles["room"] = sc.live_rooms[0]
    sc.roles["transcript"] = sc.transcripts[0]
    sc.roles["summary"] = sc.partial_summaries[0]
    sc.roles["conference"] = sc.conferences[0]
    sc.roles["attempt"] = sc.attempts[0]
    sc.roles["composition"] = sc.compositions[0]


def change(sb: Sandbox, sc: Scenario, step: int) -> None:
    """What happens in the accounts between run ``step`` and the next."""
    label = f"step {step}"
    last = step == ROUNDS - 1
    move_on(sb, sc, label, finish=False)
    for account in (sc.main, sc.sub):
        start_things(sb, sc, account, f"{label} {account[-4:]}")
    # Full-table lists: new and changed records, new children of old and new parents.
    sb.add("messaging_services", sc.main, friendly_name=f"{label}: new service")
    renamed = sb.expected("messaging_services", sc.sub)[0]["sid"]
    sb.update("messaging_services", renamed, friendly_name=f"{label}: renamed")
    old_service = sb.expected("sync_services", sc.main)[0]["sid"]
    sb.add("sync_documents", sc.main, service_sid=old_service, unique_name=f"{label}: doc")
    if step == 0:
        service = sb.add("sync_services", sc.sub, friendly_name="a new Sync service")
        sc.roles["document"] = sb.add("sync_documents", sc.sub, service_sid=service["sid"])
    else:
        sb.update("sync_documents", sc.roles["document"]["sid"], data={"step": step})
    if last:  # everything still in flight ends before the last run
        move_on(sb, sc, f"{label} end", finish=True)


# --------------------------------------------------------------------------- the test


def sync(sb: Sandbox, target: Target, config: dict) -> tuple[SyncResult, list[RequestRecord]]:
    """One tap run from the target's last state, loaded into the target; its requests."""
    sb.clear_requests()
    result = run_tap(config, streams=STREAMS, state=target.state)
    target.load(result)
    return result, list(sb.requests)


def test_curated_streams_converge_over_incremental_runs(sb: Sandbox) -> None:
    config = sb.tap_config()
    sc = Scenario(main=sb.account_sid, sub=accounts(sb)[1])
    before_first_run(sb, sc)
    target = Target()
    first, sent = sync(sb, target, config)
    assert duplicates(first) == []
    assert differences(target, sb) == []
    # A first run reads everything Twilio keeps: no creation window (call summaries: the
    # 30 days Twilio keeps, as their list shows 4 hours without one).
    for stream in set(WINDOWS) - {"voice_insights_call_summaries"}:
        assert window_starts(sent, stream, sc.main) == {None}, stream
    for step in range(ROUNDS):
        change(sb, sc, step)
        before = target.state or {}
        result, sent = sync(sb, target, config)
        assert duplicates(result) == [], step
        assert window_problems(sb, sent, before, result.state, [sc.main, sc.sub]) == [], step
        assert differences(target, sb) == [], step
    # Nothing was left in flight, so the target holds every record of the sandbox.
    rooms = [r for a in accounts(sb) for r in sb.expected("video_rooms", a)]
    assert {r["status"] for r in rooms} == {"completed"}
    assert len(target.tables["video_rooms"]) == len(rooms)
    # The records that changed after they were first read have their final values.
    tables = target.tables
    room = sc.roles["room"]
    assert tables["video_rooms"][(room["sid"],)]["status"] == "completed"
    joined = [r for r in tables["video_room_participants"].values() if r["room_sid"] == room["sid"]]
    assert len(joined) == 2 and {r["status"] for r in joined} == {"disconnected"}
    transcript = sc.roles["transcript"]["sid"]
    assert tables["intelligence_transcripts"][(transcript,)]["status"] == "completed"
    results = tables["intelligence_operator_results"].values()
    assert any(r["transcript_sid"] == transcript for r in results)
    summary = sc.roles["summary"]["call_sid"]
    assert tables["voice_insights_call_summaries"][(summary,)]["processing_state"] == "complete"
    conference = sc.roles["conference"]["conference_sid"]
    assert tables["voice_insights_conference_summaries"][(conference,)]["status"] == "completed"
    participants = tables["voice_insights_conference_participant_summaries"].values()
    assert sum(r["conference_sid"] == conference for r in participants) == 2
    attempt = sc.roles["attempt"]["sid"]
    assert tables["verify_attempts"][(attempt,)]["conversion_status"] == "converted"
    composition = sc.roles["composition"]["sid"]
    assert tables["video_compositions"][(composition,)]["status"] == "completed"
    document = sc.roles["document"]["sid"]
    assert tables["sync_documents"][(document,)]["data"] == {"step": ROUNDS - 1}


# --------------------------------------------------------------------------- add() itself

ADDED: dict[str, t.Callable[[Sandbox, str], dict[str, t.Any]]] = {
    "verify_attempts": lambda sb, a: {},
    "video_rooms": lambda sb, a: {},
    "video_compositions": lambda sb, a: {},
    "intelligence_transcripts": lambda sb, a: {},
    "voice_insights_call_summaries": lambda sb, a: {"call_sid": sb.add("calls", a)["sid"]},
    "voice_insights_conference_summaries": lambda sb, a: {
        "conference_sid": sb.add("conferences", a)["sid"]
    },
    "voice_insights_conference_participant_summaries": lambda sb, a: {
        "conference_sid": sb.expected("voice_insights_conference_summaries", a)[0]["conference_sid"]
    },
    "messaging_services": lambda sb, a: {},
    "sync_services": lambda sb, a: {},
    "sync_documents": lambda sb, a: {"service_sid": sb.expected("sync_services", a)[0]["sid"]},
}


def test_added_records_look_like_the_generated_ones(sb: Sandbox) -> None:
    """Same fields as the generated records of the list, a key of their own, dated at the
    sandbox clock (none after it), and listed by ``expected``."""
    account = accounts(sb)[1]
    problems = []
    for stream, fields in ADDED.items():
        generated = sb.expected(stream, account)
        before = int(sb.clock().timestamp())
        row = sb.add(stream, account, **fields(sb, account))
        after = int(sb.clock().timestamp())
        dates = [d for v in row.values() if isinstance(v, str) and (d := parse_record_date(v))]
        if set(row) != set(generated[0]):
            problems.append(f"{stream}: fields {set(row) ^ set(generated[0])}")
        if key_of(row, stream) in {key_of(r, stream) for r in generated}:
            problems.append(f"{stream}: key {key_of(row, stream)} taken")
        if row not in sb.expected(stream, account) or row["account_sid"] != account:
            problems.append(f"{stream}: not the account's")
        if not dates or not all(before - 86400 <= d <= after for d in dates):
            problems.append(f"{stream}: dates {dates} not up to {after}")
    assert problems == []


def test_added_records_are_served_with_twilios_filters(sb: Sandbox) -> None:
    account = accounts(sb)[1]
    auth = sb.auth_for(account)

    def listing(url: str, key: str, **params: str) -> list[dict]:
        response = requests.get(f"{sb.url}{url}", params=params, auth=auth, timeout=30)
        response.raise_for_status()
        return response.json()[key]

    room = sb.add("video_rooms", account)
    sb.add("video_room_participants", account, room_sid=room["sid"])
    live = {r["sid"] for r in listing("/video/v1/Rooms", "rooms")}  # in-progress by default
    assert room["sid"] in live
    done = sb.update("video_rooms", room["sid"], status="completed")
    assert done["end_time"] == done["date_updated"]
    ended, created = parse_record_date(done["end_time"]), parse_record_date(done["date_created"])
    assert ended is not None and created is not None and done["duration"] == ended - created
    assert room["sid"] not in {r["sid"] for r in listing("/video/v1/Rooms", "rooms")}
    completed = listing("/video/v1/Rooms", "rooms", Status="completed")
    assert room["sid"] in {r["sid"] for r in completed}
    people = listing(f"/video/v1/Rooms/{room['sid']}/Participants", "participants")
    assert [p["status"] for p in people] == ["disconnected"]
    with pytest.raises(ValueError, match="not in progress"):
        sb.add("video_room_participants", account, room_sid=room["sid"])

    call = sb.add("calls", account)
    summary = sb.add("voice_insights_call_summaries", account, call_sid=call["sid"])
    assert summary["processing_state"] == "partial"
    recent = listing("/insights/v1/Voice/Summaries", "call_summaries")  # the last 4 hours
    assert call["sid"] in {s["call_sid"] for s in recent}

    since = sb.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    attempt = sb.add("verify_attempts", account)
    new = listing("/verify/v2/Attempts", "attempts", DateCreatedAfter=since)
    assert [a["sid"] for a in new] == [attempt["sid"]]

    transcript = sb.add("intelligence_transcripts", account)
    results = f"/intelligence/v2/Transcripts/{transcript['sid']}/OperatorResults"
    assert listing(results, "operator_results") == []
    with pytest.raises(ValueError, match="not completed"):
        sb.add("intelligence_operator_results", account, transcript_sid=transcript["sid"])
    sb.update("intelligence_transcripts", transcript["sid"], status="completed")
    assert listing(results, "operator_results")
    extra = sb.add("intelligence_operator_results", account, transcript_sid=transcript["sid"])
    names = [r["name"] for r in listing(results, "operator_results")]
    assert extra["name"] in names and len(set(names)) == len(names)


# ------------------------------------------- found by this test, fixed: one read per status


def test_a_failed_room_reaches_the_target(sb: Sandbox) -> None:
    """Rooms end completed or failed (https://www.twilio.com/docs/video/api/rooms-resource);
    Twilio filters the list on one status, so each final status needs its own read."""
    config = sb.tap_config(include_subaccounts=False)
    target = Target()
    target.load(run_tap(config, streams=["video_rooms"]))
    failed = sb.add("video_rooms", sb.account_sid, status="failed")
    target.load(run_tap(config, streams=["video_rooms"], state=target.state))
    assert (failed["sid"],) in target.tables["video_rooms"]


def test_a_composition_deleted_later_reaches_the_target(sb: Sandbox) -> None:
    """A composition's media can be deleted any time; its record stays listed 30 days with
    status deleted (https://www.twilio.com/docs/video/api/compositions-resource)."""
    config = sb.tap_config(include_subaccounts=False)
    target = Target()
    target.load(run_tap(config, streams=["video_compositions"]))
    old = min(sb.expected("video_compositions", sb.account_sid), key=lambda r: r["date_created"])
    sb.update("video_compositions", old["sid"], status="deleted")
    sb.add("video_compositions", sb.account_sid)
    target.load(run_tap(config, streams=["video_compositions"], state=target.state))
    assert target.tables["video_compositions"][(old["sid"],)]["status"] == "deleted"
