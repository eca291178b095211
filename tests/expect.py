"""What the tap should emit, computed from the sandbox's own data (not from the tap)."""

from __future__ import annotations

import copy
import datetime as dt
import typing as t
from dataclasses import dataclass

from tap_twilio.api.transforms import parse_datetime
from tap_twilio.engine.changes import RECONCILED_STATE_KEY

if t.TYPE_CHECKING:
    from twilio_sandbox import Sandbox

# Primary keys as Twilio identifies rows (docs/streams-spec.md), written out independently
# of the tap's stream classes.
CORE_KEYS: dict[str, tuple[str, ...]] = {
    "accounts": ("sid",),
    "account_balance": ("account_sid",),
    "addresses": ("sid",),
    "dependent_phone_numbers": ("sid",),
    "applications": ("sid",),
    "available_phone_number_countries": ("account_sid", "country_code"),
    "available_phone_numbers_local": ("account_sid", "iso_country", "phone_number"),
    "available_phone_numbers_mobile": ("account_sid", "iso_country", "phone_number"),
    "available_phone_numbers_toll_free": ("account_sid", "iso_country", "phone_number"),
    "available_phone_numbers_national": ("account_sid", "iso_country", "phone_number"),
    "available_phone_numbers_voip": ("account_sid", "iso_country", "phone_number"),
    "available_phone_numbers_shared_cost": ("account_sid", "iso_country", "phone_number"),
    "available_phone_numbers_machine_to_machine": ("account_sid", "iso_country", "phone_number"),
    "calls": ("sid",),
    "conferences": ("sid",),
    "conference_participants": ("conference_sid", "call_sid"),
    "incoming_phone_numbers": ("sid",),
    "keys": ("sid",),
    "messages": ("sid",),
    "message_media": ("sid",),
    "outgoing_caller_ids": ("sid",),
    "queues": ("sid",),
    "recordings": ("sid",),
    "transcriptions": ("sid",),
    "usage_records": ("account_sid", "category", "start_date", "end_date"),
    "usage_triggers": ("sid",),
    "alerts": ("sid",),
}
ACCOUNT_WIDE = {"alerts"}


def key_of(row: dict, key: tuple[str, ...]) -> tuple:
    """A row's primary-key tuple."""
    return tuple(row.get(k) for k in key)


def expected_rows(
    sb: Sandbox,
    stream: str,
    accounts: t.Iterable[str] | None = None,
) -> list[dict]:
    """Raw sandbox rows the tap should read for a stream, with account_sid filled in."""
    if stream in ACCOUNT_WIDE:
        # The sandbox's own list: every account's, within what Twilio keeps (30 days of
        # alerts, to the second).
        rows = list(sb.expected(stream))
        if accounts is not None:
            rows = [r for r in rows if r["account_sid"] in set(accounts)]
        return rows
    if stream == "accounts":  # every account, active or not, is listed and emitted
        every = [a["sid"] for a in sb.accounts]
        return [row for sid in (accounts or every) for row in sb.expected(stream, sid)]
    sids = list(accounts) if accounts is not None else [a["sid"] for a in sb.active_accounts]
    rows = []
    for sid in sids:
        for row in sb.expected(stream, sid):
            rows.append({"account_sid": sid, **row})
    return rows


def expected_keys(
    sb: Sandbox,
    stream: str,
    accounts: t.Iterable[str] | None = None,
) -> set[tuple]:
    """Primary keys the tap should emit for a stream."""
    key = CORE_KEYS[stream]
    return {key_of(row, key) for row in expected_rows(sb, stream, accounts)}


@dataclass
class Changes:
    """What ``change_the_sandbox`` added and updated (sandbox rows, wire format)."""

    recent_message: dict
    recent_call: dict
    new_message: dict
    new_media: dict
    new_message_b: dict
    new_call: dict
    new_conversation: dict
    renamed: str
    new_event: dict


def change_the_sandbox(sb: Sandbox, label: str) -> Changes:
    """New and changed rows in several accounts and products, as Twilio would have an hour
    after a sync; several of the changed rows are older than the newest bookmarks."""
    from tap_twilio.engine.client import rfc2822_to_iso

    main, sub_a, sub_b = (a["sid"] for a in sb.active_accounts)
    recent_message = max(
        (m for m in sb.expected("messages", main) if m["date_sent"]),
        key=lambda m: rfc2822_to_iso(m["date_sent"]),
    )
    recent_call = max(
        (c for c in sb.expected("calls", sub_a) if c["start_time"]),
        key=lambda c: rfc2822_to_iso(c["start_time"]),
    )
    new_message = sb.add("messages", main, body=f"{label}: a new message", num_media="1")
    new_media = sb.add("message_media", main, message_sid=new_message["sid"])
    new_message_b = sb.add("messages", sub_b, body=f"{label}: a new message in sub b")
    sb.update("messages", recent_message["sid"], status="delivered", price="-0.04200")
    sb.update("calls", recent_call["sid"], status="completed", duration="61")
    new_call = sb.add("calls", sub_a)
    new_conversation = sb.add("conversations", friendly_name=f"{label}: new conversation")
    renamed = sb.expected("conversations")[0]["sid"]
    sb.update("conversations", renamed, friendly_name=f"{label}: renamed")
    workspace = sb.expected("taskrouter_workspaces")[0]["sid"]
    new_event = sb.add("taskrouter_events", workspace_sid=workspace)
    return Changes(
        recent_message,
        recent_call,
        new_message,
        new_media,
        new_message_b,
        new_call,
        new_conversation,
        renamed,
        new_event,
    )


def without_reconcile_times(state: dict) -> dict:
    """The bookmarks without ``reconciled_at`` (when a run read a list whole: its clock)."""
    return {
        name: {
            **bookmark,
            "partitions": [
                {k: v for k, v in p.items() if k != "reconciled_at"}
                for p in bookmark.get("partitions", [])
            ],
        }
        for name, bookmark in state["bookmarks"].items()
    }


def a_reconcile_interval_later(state: dict | None, hours: float = 24) -> dict:
    """The state as the next run finds it ``hours`` later: every reconcile marker older.

    The tap's clock is the machine's: a run spaced one ``reconcile_interval`` after the
    last reconciliation is simulated by moving the markers back, nothing else.
    """
    assert state is not None
    aged = copy.deepcopy(state)
    for bookmark in aged.get("bookmarks", {}).values():
        for partition in bookmark.get("partitions", []):
            if RECONCILED_STATE_KEY in partition:
                when = parse_datetime(partition[RECONCILED_STATE_KEY]) - dt.timedelta(hours=hours)
                partition[RECONCILED_STATE_KEY] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return aged
