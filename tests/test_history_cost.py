"""Incremental runs cost what changed, not what Twilio holds (issue #15).

An account holding 1,000,000 messages (or calls, or 100,000 closed conversations), served
lazily by ``twilio_sandbox.history``; a full sync; changes; an incremental run with the
default settings (``reconcile_interval`` 24 hours: no whole read between). Its requests to
the list are counted and held to 1.2x the floor: one request per page of changed records,
plus the follow-ups by SID of records in flight, plus a constant per account and list (the
lookback window's unchanged records, the lists of open records).

The full sync runs before the history is attached: its records are final and older than
the bookmark, so the state it leaves is the one a full sync of the long account leaves
(``scripts/benchmark.py --mode history`` runs that full sync for real: 1,000 pages).
"""

from __future__ import annotations

import datetime as dt
import math

from twilio_sandbox import Sandbox
from twilio_sandbox.history import attach_history, update_history

from tests.conftest import run_tap

MILLION = 1_000_000


def rfc2822(when: dt.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def pages(n: int, size: int = 1000) -> int:
    return math.ceil(n / size)


def list_requests(sb: Sandbox, tail: str) -> list:
    return [r for r in sb.requests if r.path.endswith(tail)]


def test_messages_run_costs_what_changed_on_a_million_message_account():
    with Sandbox(seed=3) as sb:
        main = sb.account_sid
        config = sb.tap_config(account_sids=[main])
        hours_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
        in_flight = [
            sb.add("messages", main, status="sent", date_sent=rfc2822(hours_ago), price=None)
            for _ in range(500)
        ]
        first = run_tap(config, streams=["messages"])
        history = attach_history(sb, "messages", MILLION)
        assert history.count == MILLION
        new = [sb.add("messages", main, status="delivered") for _ in range(2000)]
        for message in in_flight:
            sb.update("messages", message["sid"], status="delivered", price="-0.00790")
        sb.clear_requests()

        second = run_tap(config, streams=["messages"], state=first.state)

        lists = list_requests(sb, "/Messages.json")
        fetches = [r for r in sb.requests if "/Messages/SM" in r.path]
        assert all("DateSent>" in r.query for r in lists)  # no whole read
        # Floor: 2,500 changed records; the lookback window's unchanged records (the day
        # before the bookmark, a constant of the account's rate, not of its history); the
        # in-flight records the window does not show, fetched by SID.
        partition = first.state["bookmarks"]["messages"]["partitions"][0]
        mark = dt.datetime.fromisoformat(partition["replication_key_value"])
        since = mark - dt.timedelta(days=1)
        changed = {m["sid"] for m in new} | {m["sid"] for m in in_flight}
        in_window = {
            m["sid"]
            for m in sb.expected("messages", main)
            if m["date_sent"] and _parse(m["date_sent"]) >= since
        }
        followed = set(partition.get("open_sids", [])) - in_window
        floor = pages(len(changed)) + pages(len(in_window - changed)) + len(followed)
        assert len(lists) + len(fetches) <= 1.2 * floor
        assert len(lists) + len(fetches) < MILLION / 1000 / 10  # a whole read: 1,000 pages
        emitted = {r["sid"]: r for r in second.records["messages"]}
        assert changed <= emitted.keys()
        assert all(emitted[m["sid"]]["status"] == "delivered" for m in in_flight)
        assert not any(sid.startswith(f"SM{history.tag:08x}") for sid in emitted)


def test_calls_run_costs_what_changed_on_a_million_call_account():
    with Sandbox(seed=3) as sb:
        main = sb.account_sid
        config = sb.tap_config(account_sids=[main])
        hours_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
        in_flight = [
            sb.add("calls", main, status="in-progress", start_time=rfc2822(hours_ago))
            for _ in range(500)
        ]
        first = run_tap(config, streams=["calls"])
        attach_history(sb, "calls", MILLION)
        new = [sb.add("calls", main, status="completed") for _ in range(2000)]
        for call in in_flight:
            sb.update("calls", call["sid"], status="completed", duration="60")
        sb.clear_requests()

        second = run_tap(config, streams=["calls"], state=first.state)

        lists = list_requests(sb, "/Calls.json")
        fetches = [r for r in sb.requests if "/Calls/CA" in r.path]
        windowed = [r for r in lists if "StartTime>" in r.query]
        queued = [r for r in lists if r.query.get("Status") == ["queued"]]
        assert len(windowed) + len(queued) == len(lists)  # no whole read
        partition = first.state["bookmarks"]["calls"]["partitions"][0]
        mark = dt.datetime.fromisoformat(partition["replication_key_value"])
        since = mark - dt.timedelta(days=1)
        changed = {c["sid"] for c in new} | {c["sid"] for c in in_flight}
        in_window = {
            c["sid"]
            for c in sb.expected("calls", main)
            if c["start_time"] and _parse(c["start_time"]) >= since
        }
        queued_now = [c for c in sb.expected("calls", main) if c["status"] == "queued"]
        followed = set(partition.get("open_sids", [])) - in_window
        floor = (
            pages(len(changed))
            + pages(len(in_window - changed))
            + max(1, pages(len(queued_now)))
            + len(followed)
        )
        assert len(lists) + len(fetches) <= 1.2 * floor
        emitted = {r["sid"]: r for r in second.records["calls"]}
        assert changed <= emitted.keys()
        assert all(emitted[c["sid"]]["status"] == "completed" for c in in_flight)


def test_conversations_run_costs_what_changed_with_100000_closed():
    with Sandbox(seed=3) as sb:
        main = sb.account_sid
        config = sb.tap_config(account_sids=[main])
        service = sb.default_conversation_service(main)
        for _ in range(200):
            sb.add("conversations", main, state="active")
        first = run_tap(config, streams=["conversations"])
        attach_history(sb, "conversations", 100_000)
        mine = [c for c in sb.expected("conversations", main) if c["chat_service_sid"] == service]
        active = [c for c in mine if c["state"] == "active"]
        closing = active[:50]
        for conversation in closing:
            sb.update("conversations", conversation["sid"], state="closed")
        new = [sb.add("conversations", main, state="active") for _ in range(150)]
        sb.clear_requests()

        second = run_tap(config, streams=["conversations"], state=first.state)

        lists = [r for r in list_requests(sb, "/Conversations") if service in r.path]
        fetches = [r for r in sb.requests if "/Conversations/CH" in r.path]
        assert all("StartDate" in r.query or "State" in r.query for r in lists)
        open_now = [c for c in sb.expected("conversations", main) if c["state"] != "closed"]
        open_now = [c for c in open_now if c["chat_service_sid"] == service]
        inactive = [c for c in open_now if c["state"] == "inactive"]
        # Floor: the open conversations' pages (100 a page), the changed ones' pages, the
        # ones closed since the last run fetched by SID, one list each (inactive, window).
        floor = (
            pages(len(open_now) - len(inactive), 100)
            + max(1, pages(len(inactive), 100))
            + pages(len(new), 100)
            + len(closing)
        )
        assert len(lists) + len(fetches) <= 1.2 * floor
        assert len(lists) + len(fetches) < 100_000 / 100 / 4
        emitted = {r["sid"]: r for r in second.records["conversations"]}
        assert {c["sid"] for c in new} <= emitted.keys()
        assert all(emitted[c["sid"]]["state"] == "closed" for c in closing)


def test_a_history_record_can_change():
    """``update_history``: a record of the lazy history moves to the store and changes."""
    with Sandbox(seed=3) as sb:
        history = attach_history(sb, "messages", 10_000)
        changed = update_history(sb, history, 1234, price="-0.01000")
        assert changed["sid"] == history.sid(1234)
        config = sb.tap_config(account_sids=[sb.account_sid])
        got = run_tap(config, streams=["messages"])
        sids = [r["sid"] for r in got.records["messages"]]
        assert (
            len(sids) == len(set(sids)) == 10_000 + len(sb.expected("messages", sb.account_sid)) - 1
        )
        assert {r["sid"]: r for r in got.records["messages"]}[changed["sid"]]["price"] == (
            "-0.01000"
        )


def _parse(value: str) -> dt.datetime:
    from tap_twilio.engine.client import parse_datetime, rfc2822_to_iso

    return parse_datetime(rfc2822_to_iso(value))
