"""After any sequence of runs, a target that upserts what the tap emitted equals Twilio.

Each test runs the tap several times against one sandbox, changing it between runs the way
Twilio accounts change (new, failed, canceled and updated messages and calls, new messages
in old open conversations, conversations that close), and upserts every RECORD into a
``Target`` keyed on the stream's key properties, as target-postgres does. After the last
run the target must hold exactly the rows, with exactly the values, of a sync without state
made at that moment, whose keys are in turn checked against the sandbox's own data.

Twilio does not document where records without a date sort in a list, so every test runs
with the sandbox listing them first and listing them last.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass, field

import pytest
from twilio_sandbox import Sandbox

from tap_twilio.engine.client import parse_datetime, rfc2822_to_iso
from tests.conftest import SyncResult, run_tap
from tests.expect import a_reconcile_interval_later
from tests.test_faults import ALL_KEYS, SNAPSHOT_KEYS, key_problems, truth_keys

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
# A short lookback, so that records dated a few hours ago are outside the window and only
# the tap's change tracking can bring their updates.
LOOKBACK_DAYS = 0.02


def rfc2822(when: dt.datetime) -> str:
    """Twilio's wire form of a 2010 API timestamp."""
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


@dataclass
class Target:
    """Tables keyed by each stream's key properties: what a target that upserts holds."""

    tables: dict[str, dict[tuple, dict]] = field(default_factory=dict)
    state: dict | None = None

    def load(self, result: SyncResult) -> None:
        """Upsert one run's records and keep its last STATE."""
        for stream, records in result.records.items():
            keys = tuple(result.schemas[stream]["key_properties"])
            table = self.tables.setdefault(stream, {})
            for record in records:
                table[tuple(record.get(k) for k in keys)] = record
        self.state = result.state


def sync(target: Target, config: dict) -> SyncResult:
    """One tap run from the target's last state, loaded into the target."""
    result = run_tap(config, state=target.state)
    target.load(result)
    return result


def differences(target: Target, reference: SyncResult, sb: Sandbox) -> list[str]:
    """How the target differs from a sync without state (keys checked against the sandbox)."""
    problems = []
    for stream in sorted(reference.records):
        if stream in SNAPSHOT_KEYS or stream not in ALL_KEYS:
            continue
        keys = tuple(reference.schemas[stream]["key_properties"])
        want = {tuple(r.get(k) for k in keys): r for r in reference.records[stream]}
        have = target.tables.get(stream, {})
        missing = want.keys() - have.keys()
        extra = have.keys() - want.keys()
        if stream == "alerts":
            extra = set()  # alerts leave Twilio's 30 days between the last run and the reference
        stale = [k for k in want.keys() & have.keys() if have[k] != want[k]]
        for label, found in (("missing", missing), ("not in Twilio", extra), ("stale", stale)):
            if found:
                problems.append(f"{stream}: {len(found)} {label}, e.g. {sorted(found)[0]}")
    return problems


def reference_is_the_truth(reference: SyncResult, sb: Sandbox, start: dt.datetime | None) -> None:
    """The sync without state emits exactly the sandbox's rows (in range, for start_date)."""
    problems = []
    for stream in ("messages", "calls", "conversations", "conversation_messages"):
        got = reference.keys(stream, ALL_KEYS[stream])
        want = truth_keys(sb, stream)
        if start is not None:
            want = {(r["sid"],) for r in in_range(sb, stream, start)}
        problems += key_problems(stream, got, want)
    assert problems == []


def in_range(sb: Sandbox, stream: str, start: dt.datetime) -> list[dict]:
    """Sandbox rows dated (or, undated, created) at or after ``start``.

    Conversations count from their last update (the tap's bookmark), and their messages
    come with them.
    """
    if stream == "conversation_messages":
        inside = {c["sid"] for c in in_range(sb, "conversations", start)}
        rows = [r for a in sb.active_accounts for r in sb.expected(stream, a["sid"])]
        return [r for r in rows if r["conversation_sid"] in inside]
    field_name = {"messages": "date_sent", "calls": "start_time"}.get(stream, "date_updated")
    rows = []
    for account in sb.active_accounts:
        for row in sb.expected(stream, account["sid"]):
            when = row[field_name] or row["date_created"]
            if parse_datetime(rfc2822_to_iso(when)) >= start:
                rows.append(row)
    return rows


@dataclass
class Scenario:
    """Records the scenario keeps changing, by role."""

    sids: dict[str, str] = field(default_factory=dict)


def open_conversation(sb: Sandbox, *, old: bool) -> dict:
    """An active conversation of the main account (created long ago when ``old``)."""
    active = [c for c in sb.expected("conversations", sb.account_sid) if c["state"] == "active"]
    active.sort(key=lambda c: c["date_created"])
    assert len(active) >= 3, "the sandbox needs open conversations for this test"
    return active[0] if old else active[-1]


def before_first_run(sb: Sandbox, sc: Scenario) -> None:
    """Records that exist before the first run and change later, dated hours ago."""
    main, sub_a = sb.account_sid, sb.active_accounts[1]["sid"]
    hours_ago = rfc2822(NOW - dt.timedelta(hours=3))
    sent = sb.add("messages", main, status="sent", date_sent=hours_ago, price=None)
    sc.sids["sent_message"] = sent["sid"]
    scheduled = sb.add("messages", sub_a, status="scheduled", date_sent=None)
    sc.sids["scheduled"] = scheduled["sid"]
    queued = sb.add("messages", main, status="queued", date_sent=None)
    sc.sids["queued_message"] = queued["sid"]
    call = sb.add("calls", sub_a, status="in-progress", start_time=hours_ago, end_time=None)
    sc.sids["long_call"] = call["sid"]
    sc.sids["old_conversation"] = open_conversation(sb, old=True)["sid"]
    sc.sids["closing_conversation"] = open_conversation(sb, old=False)["sid"]


def change(sb: Sandbox, sc: Scenario, step: int) -> None:
    """What happens in the accounts between run ``step`` and the next."""
    main, sub_a = sb.account_sid, sb.active_accounts[1]["sid"]
    label = f"step {step}"
    # Created and failed between two runs: never seen queued, never given a date_sent.
    failed = sb.add(
        "messages", main, status="failed", date_sent=None, error_code=30007, num_media="1"
    )
    sb.add("message_media", main, message_sid=failed["sid"])
    # Created and canceled between two runs, while queued: never given a start_time.
    sb.add("calls", main, status="canceled", start_time=None, end_time=None)
    sb.add("messages", sub_a, body=f"{label}: a new message")
    sb.add("calls", sub_a)
    # A new message in a conversation created long ago and still open.
    sb.add(
        "conversation_messages",
        conversation_sid=sc.sids["old_conversation"],
        body=f"{label}: late reply",
    )
    if step == 0:
        sb.update("messages", sc.sids["sent_message"], status="delivered", price="-0.00790")
        sb.update("messages", sc.sids["queued_message"], status="failed", error_code=30003)
        sb.add(
            "conversation_messages",
            conversation_sid=sc.sids["closing_conversation"],
            body=f"{label}: last words",
        )
        sb.update("conversations", sc.sids["closing_conversation"], state="closed")
        queued_call = sb.add("calls", main, status="queued", start_time=None, end_time=None)
        sc.sids["queued_call"] = queued_call["sid"]
    elif step == 1:
        sb.update("messages", sc.sids["scheduled"], status="canceled")
        sb.update("calls", sc.sids["queued_call"], status="canceled")
        sb.update(
            "calls",
            sc.sids["long_call"],
            status="completed",
            end_time=rfc2822(NOW),
            duration="10800",
            price="-1.62000",
        )
    elif step == 2:
        sb.add("alerts", main)


@pytest.mark.parametrize(
    ("undated_order", "with_start_date", "interval"),
    [
        # Two cases in the default run (both orders, both modes); the rest with the slow ones.
        pytest.param("last", True, 24, id="last-start-date-reconcile-daily"),
        pytest.param("first", False, 0, id="first-no-start-date-strict"),
        *(
            pytest.param(
                order, start, interval, id=f"{order}-{label}-{mode}", marks=pytest.mark.slow
            )
            for order in ("first", "last")
            for start, label in ((False, "no-start-date"), (True, "start-date"))
            for interval, mode in ((24, "reconcile-daily"), (0, "strict"))
            if (order, start, interval) not in {("last", True, 24), ("first", False, 0)}
        ),
    ],
)
def test_incremental_runs_converge_to_twilio(
    undated_order: str, with_start_date: bool, interval: float
) -> None:
    """Runs close together, then (default settings) one a ``reconcile_interval`` later."""
    with Sandbox(seed=3, undated_order=undated_order) as sb:
        start = NOW - dt.timedelta(days=20) if with_start_date else None
        extra: dict[str, t.Any] = {"lookback_window": LOOKBACK_DAYS}
        if interval != 24:
            extra["reconcile_interval"] = interval
        if start is not None:
            extra["start_date"] = start.isoformat()
        config = sb.tap_config(**extra)
        sc = Scenario()
        before_first_run(sb, sc)
        target = Target()
        sync(target, config)
        for step in range(3):
            change(sb, sc, step)
            sync(target, config)
        if interval:
            # Calls created and canceled between two runs were never seen queued: only the
            # reconciliation a day after the last one finds them.
            target.state = a_reconcile_interval_later(target.state, interval)
            sync(target, config)
        reference = run_tap(config)
        reference_is_the_truth(reference, sb, start)
        assert differences(target, reference, sb) == []
        # The changes the old tap lost are all there, with their final values.
        messages = target.tables["messages"]
        assert messages[(sc.sids["scheduled"],)]["status"] == "canceled"
        assert messages[(sc.sids["queued_message"],)]["status"] == "failed"
        assert messages[(sc.sids["sent_message"],)]["price"] == "-0.00790"
        assert target.tables["calls"][(sc.sids["long_call"],)]["status"] == "completed"
        closing = target.tables["conversations"][(sc.sids["closing_conversation"],)]
        assert closing["state"] == "closed"


def test_date_windows_only_still_follow_records_seen_in_flight(fresh_sandbox):
    """``full_scan_messages_and_calls: false``: windows only, in-flight SIDs fetched by SID."""
    sb = fresh_sandbox
    main = sb.account_sid
    sent = sb.add("messages", main, status="sent", date_sent=rfc2822(NOW - dt.timedelta(hours=3)))
    config = sb.tap_config(lookback_window=LOOKBACK_DAYS, full_scan_messages_and_calls=False)
    first = run_tap(config, streams=["messages"])
    partitions = first.state["bookmarks"]["messages"]["partitions"]
    followed = {p["context"]["account_sid"]: p.get("open_sids", []) for p in partitions}
    assert sent["sid"] in followed[main]
    sb.update("messages", sent["sid"], status="delivered", price="-0.00790")
    sb.clear_requests()
    second = run_tap(config, streams=["messages"], state=first.state)
    lists = [r for r in sb.requests if r.path.endswith("/Messages.json")]
    assert lists and all("DateSent>" in r.query for r in lists)
    fetched = [r.path for r in sb.requests if r.path.endswith(f"/{sent['sid']}.json")]
    assert fetched == [f"/2010-04-01/Accounts/{main}/Messages/{sent['sid']}.json"]
    got = {r["sid"]: r for r in second.records["messages"]}
    assert got[sent["sid"]]["status"] == "delivered"
    # Final now: no longer followed, not fetched again.
    partitions = second.state["bookmarks"]["messages"]["partitions"]
    assert all(sent["sid"] not in p.get("open_sids", []) for p in partitions)
    sb.clear_requests()
    run_tap(config, streams=["messages"], state=second.state)
    assert not [r for r in sb.requests if sent["sid"] in r.path]
