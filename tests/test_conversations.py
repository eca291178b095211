"""Conversations: every service is read, and an incremental run's cost follows change.

A closed conversation takes no new messages (Twilio's conversation states), so an
incremental run re-reads only the conversations that can have changed: created since the
bookmark, still open, or open at the last run. An account with a long history of closed
conversations must not pay for them on every run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from twilio_sandbox import Sandbox

from tap_twilio.engine.client import parse_datetime
from tests.conftest import run_tap
from tests.test_convergence import a_reconcile_interval_later

STREAMS = [
    "conversation_services",
    "conversations",
    "conversation_messages",
    "conversation_participants",
]
HISTORY = 600


def conversation_of(path: str) -> str | None:
    """The conversation SID a request's path reads the messages or participants of."""
    parts = path.split("/")  # /v1/Services/IS…/Conversations/CH…/Messages
    if len(parts) == 7 and parts[4] == "Conversations" and parts[6] in LISTS:
        return parts[5]
    return None


LISTS = {"Messages": "conversation_messages", "Participants": "conversation_participants"}


def pages_of(sb: Sandbox, conversation: str) -> int:
    """Requests that read one conversation's messages and participants (100 a page)."""
    total = 0
    for stream in LISTS.values():
        rows = [
            r
            for a in sb.active_accounts
            for r in sb.expected(stream, a["sid"])
            if r["conversation_sid"] == conversation
        ]
        total += max(1, math.ceil(len(rows) / 100))
    return total


@pytest.fixture(scope="module")
def history():
    """A sandbox with a long history of closed conversations, synced once."""
    with Sandbox(seed=7, conversation_history=HISTORY) as sb:
        first = run_tap(sb.tap_config(), streams=STREAMS)
        yield sb, first


def all_conversations(sb: Sandbox) -> list[dict]:
    return [c for a in sb.active_accounts for c in sb.expected("conversations", a["sid"])]


@pytest.mark.slow  # the big-history account
def test_every_service_is_read(history):
    sb, first = history
    want = all_conversations(sb)
    services = {c["chat_service_sid"] for c in want}
    assert len(services) >= 3, "the sandbox has several services per account"
    got = Counter(r["sid"] for r in first.records["conversations"])
    assert set(got) == {c["sid"] for c in want}
    assert max(got.values()) == 1
    for stream in ("conversation_messages", "conversation_participants"):
        rows = [r for a in sb.active_accounts for r in sb.expected(stream, a["sid"])]
        assert {r["sid"] for r in first.records[stream]} == {r["sid"] for r in rows}
        assert all(r["chat_service_sid"] for r in first.records[stream])
    # /v1/Conversations shows only the default service: the tap never relies on it.
    assert not any(r.path.startswith("/v1/Conversations") for r in sb.requests)


@pytest.mark.slow
def test_incremental_run_reads_only_conversations_that_can_change(history):
    sb, first = history
    before = all_conversations(sb)
    open_before = {c["sid"] for c in before if c["state"] != "closed"}
    closed = {c["sid"] for c in before if c["state"] == "closed"}
    assert len(closed) >= HISTORY
    main = sb.account_sid
    ordered = sorted(
        (c for c in before if c["state"] == "active" and c["account_sid"] == main),
        key=lambda c: c["date_created"],
    )
    old_open, closing = ordered[0], ordered[1]
    late = sb.add("conversation_messages", conversation_sid=old_open["sid"], body="late reply")
    last = sb.add("conversation_messages", conversation_sid=closing["sid"], body="last words")
    sb.update("conversations", closing["sid"], state="closed")
    sb.clear_requests()

    second = run_tap(sb.tap_config(), streams=STREAMS, state=first.state)

    read = [s for s in (conversation_of(r.path) for r in sb.requests) if s]
    # Messages and participants only of the conversations that can have changed: those
    # still open, those created since the bookmark minus the lookback, and the one closed
    # since the last run (followed by SID); never the closed history.
    changing = open_before | in_window(sb, first.state, "date_created")
    assert closing["sid"] in changing
    assert len(changing) < len(before) / 5
    assert set(read) == changing
    assert Counter(read) == {sid: pages_of(sb, sid) for sid in changing}
    assert len(closed - changing) >= HISTORY
    assert not (closed - changing) & set(read)
    # Between reconciliations the conversations lists are read by State (active, inactive)
    # and by creation window, 100 a page; the one open last run and closed since is
    # fetched by SID.
    lists = [r for r in sb.requests if r.path.endswith("/Conversations")]
    assert len(lists) == expected_list_pages(sb, first.state)
    assert {tuple(r.query.get("State", ())) for r in lists} == {("active",), ("inactive",), ()}
    fetched = [r.path[-34:] for r in sb.requests if "/Conversations/CH" in r.path]
    assert [f for f in fetched if f.startswith("CH")] == [closing["sid"]]
    # What changed is emitted, with its final state.
    emitted = {r["sid"]: r for r in second.records["conversation_messages"]}
    assert late["sid"] in emitted and last["sid"] in emitted
    states = {r["sid"]: r["state"] for r in second.records["conversations"]}
    assert states[closing["sid"]] == "closed"
    assert set(states) == changing
    # A closed conversation renamed later: no list but the whole one shows it, so it is
    # emitted by the next reconciliation (reconcile_interval, default 24 hours), not before.
    renamed = sorted(closed - changing)[0]
    sb.update("conversations", renamed, friendly_name="renamed after closing")
    third = run_tap(sb.tap_config(), streams=STREAMS, state=second.state)
    assert renamed not in {r["sid"] for r in third.records["conversations"]}
    sb.clear_requests()
    later = a_reconcile_interval_later(third.state)
    fourth = run_tap(sb.tap_config(), streams=STREAMS, state=later)
    names = {r["sid"]: r["friendly_name"] for r in fourth.records["conversations"]}
    assert names[renamed] == "renamed after closing"
    read = {s for s in (conversation_of(r.path) for r in sb.requests) if s}
    still_open = {c["sid"] for c in all_conversations(sb) if c["state"] != "closed"}
    assert read == still_open | in_window(sb, third.state, "date_updated")
    by_service = Counter(c["chat_service_sid"] for c in all_conversations(sb))
    lists = [r for r in sb.requests if r.path.endswith("/Conversations")]
    assert len(lists) == sum(max(1, math.ceil(n / 100)) for n in by_service.values())


def expected_list_pages(sb: Sandbox, state: dict) -> int:
    """Pages of the State=active, State=inactive and creation-window lists, per service."""
    marks = bookmarks(state)
    pages = 0
    for service, mark in marks.items():
        rows = [c for c in all_conversations(sb) if c["chat_service_sid"] == service]
        since = mark - dt.timedelta(days=1)
        for chosen in (
            [c for c in rows if c["state"] == "active"],
            [c for c in rows if c["state"] == "inactive"],
            [c for c in rows if parse_datetime(c["date_created"]) >= since],
        ):
            pages += max(1, math.ceil(len(chosen) / 100))
    return pages


def bookmarks(state: dict) -> dict[str, dt.datetime]:
    """Each service's conversations bookmark."""
    return {
        p["context"]["chat_service_sid"]: parse_datetime(p["replication_key_value"])
        for p in state["bookmarks"]["conversations"]["partitions"]
        if p.get("replication_key_value")
    }


def in_window(sb: Sandbox, state: dict, field: str) -> set[str]:
    """Conversations whose ``field`` is at or after their service's bookmark minus 1 day."""
    marks = bookmarks(state)
    return {
        c["sid"]
        for c in all_conversations(sb)
        if c["chat_service_sid"] in marks
        and parse_datetime(c[field]) >= marks[c["chat_service_sid"]] - dt.timedelta(days=1)
    }
