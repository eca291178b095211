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
    # still open, and those updated since the bookmark minus the lookback (the one closed
    # since the last run among them); never the closed history.
    changing = open_before | updated_in_window(sb, first.state)
    assert closing["sid"] in changing
    assert len(changing) < len(before) / 5
    assert set(read) == changing
    assert Counter(read) == {sid: pages_of(sb, sid) for sid in changing}
    assert len(closed - changing) >= HISTORY
    assert not (closed - changing) & set(read)
    # The conversations lists themselves are read whole (Twilio filters them on creation
    # only, and a closed conversation can still be renamed): 100 a page, no fetch by SID.
    by_service = Counter(c["chat_service_sid"] for c in all_conversations(sb))
    services = {
        s["sid"] for a in sb.active_accounts for s in sb.expected("conversation_services", a["sid"])
    }
    lists = [r for r in sb.requests if r.path.endswith("/Conversations")]
    assert len(lists) == sum(max(1, math.ceil(by_service[s] / 100)) for s in services)
    assert not [r for r in sb.requests if "/Conversations/CH" in r.path and r.path[-34:-32] == "CH"]
    # What changed is emitted, with its final state.
    emitted = {r["sid"]: r for r in second.records["conversation_messages"]}
    assert late["sid"] in emitted and last["sid"] in emitted
    states = {r["sid"]: r["state"] for r in second.records["conversations"]}
    assert states[closing["sid"]] == "closed"
    assert set(states) == changing
    # A closed conversation renamed later is emitted again (updated since the bookmark).
    renamed = sorted(closed - changing)[0]
    sb.update("conversations", renamed, friendly_name="renamed after closing")
    sb.clear_requests()
    third = run_tap(sb.tap_config(), streams=STREAMS, state=second.state)
    names = {r["sid"]: r["friendly_name"] for r in third.records["conversations"]}
    assert names[renamed] == "renamed after closing"
    read = {s for s in (conversation_of(r.path) for r in sb.requests) if s}
    assert read == (open_before - {closing["sid"]}) | updated_in_window(sb, second.state)


def updated_in_window(sb: Sandbox, state: dict) -> set[str]:
    """Conversations updated at or after their service's bookmark minus the 1-day lookback."""
    marks = {
        p["context"]["chat_service_sid"]: parse_datetime(p["replication_key_value"])
        for p in state["bookmarks"]["conversations"]["partitions"]
        if p.get("replication_key_value")
    }
    return {
        c["sid"]
        for c in all_conversations(sb)
        if c["chat_service_sid"] in marks
        and parse_datetime(c["date_updated"]) >= marks[c["chat_service_sid"]] - dt.timedelta(days=1)
    }
