"""What Twilio does to related records when one is added or updated (``Sandbox.add`` /
``Sandbox.update``): product records, then curated ones.
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.conversations import user_conversation
from twilio_sandbox.generators.core import Generator
from twilio_sandbox.generators.curated import CURATED_COUNTS, LONG_TAIL_COUNT, has_children
from twilio_sandbox.generators.curated_changes import new_maker
from twilio_sandbox.spec_lists import CURATED
from twilio_sandbox.store import Store


class OrgState(Protocol):
    """What the side effects read and change of the organisation (``twilio_sandbox.org.Org``)."""

    gen: Generator
    store: Store

    def clock(self) -> int: ...

    def account(self, sid: str) -> AccountCtx | None: ...

    def update(self, resource: str, key: Any, **fields: Any) -> dict[str, Any]: ...


# --------------------------------------------------------------------------- add/update effects

#: Conversation fields mirrored by its User Conversations.
_USER_CONV_MIRROR = {
    "friendly_name": "friendly_name",
    "state": "conversation_state",
    "timers": "timers",
    "attributes": "attributes",
    "date_updated": "date_updated",
    "unique_name": "unique_name",
}


def _mirror_user_conversations(org: OrgState, conv: dict[str, Any], new_message: bool) -> None:
    store = org.store
    acct = conv["account_sid"]
    users = store.table("conversation_users", (acct,))
    for user in users.rows if users is not None else ():
        found = store.find("conversation_user_conversations", (user.ident, conv["sid"]))
        if found is None:
            continue
        scope, row = found
        data = dict(row.data)
        for src, dst in _USER_CONV_MIRROR.items():
            data[dst] = conv[src]
        if new_message:
            data["unread_messages_count"] = int(data["unread_messages_count"] or 0) + 1
        store.replace("conversation_user_conversations", scope, row, data)


def after_add(org: OrgState, resource: str, scope: tuple[str, ...], record: dict[str, Any]) -> None:
    """Side effects of ``Sandbox.add`` on related records."""
    store = org.store
    if resource == "conversation_messages":
        found = store.find("conversations", record["conversation_sid"])
        if found is None:
            return
        conv_scope, row = found
        conv = dict(row.data)
        conv["date_updated"] = record["date_created"]
        if conv["state"] == "inactive":
            # "The Conversation will automatically move from an inactive to active state
            # when a new text or media message arrives."
            # (https://www.twilio.com/docs/conversations/states-timers)
            conv["state"] = "active"
        store.replace("conversations", conv_scope, row, conv)
        _mirror_user_conversations(org, conv, new_message=True)
    elif resource == "conversation_participants" and record.get("identity"):
        users = store.table("conversation_users", (scope[0],))
        found = store.find("conversations", record["conversation_sid"])
        if users is None or found is None:
            return
        conv = found[1].data
        for user in users.rows:
            u = user.data
            if (
                u["identity"] == record["identity"]
                and u["chat_service_sid"] == conv["chat_service_sid"]
            ):
                rng = random.Random(f"user-conv:{u['sid']}:{conv['sid']}")
                messages = store.table("conversation_messages", (scope[0], conv["sid"]))
                last = len(messages) - 1 if messages is not None else -1
                uc = user_conversation(u, conv, record, last, rng)
                uc["created_by"] = "system"
                store.insert("conversation_user_conversations", (scope[0], u["sid"]), uc)


def after_update(org: OrgState, resource: str, record: dict[str, Any]) -> None:
    """Side effects of ``Sandbox.update`` on related records."""
    if resource == "conversations":
        _mirror_user_conversations(org, record, new_message=False)


def after_change(
    org: OrgState, resource: str, scope: tuple[str, ...], record: dict[str, Any]
) -> None:
    """What Twilio does to related records when one is added or updated.

    * A room that has ended has no connected participant left ("for completed Rooms only
      disconnected Participants are returned",
      https://www.twilio.com/docs/video/api/participants): they leave when it ends.
    * A transcript that is completed gets its operator results (and sentences), made by the
      service's language operators then
      (https://www.twilio.com/docs/conversational-intelligence/api/transcript-operator-results-subresource).
      Room participants, by contrast, are people who join: add() them while it is live.
    """
    store = org.store
    if resource == "video_rooms" and record.get("end_time") is not None:
        table = store.table("video_room_participants", (*scope, record["sid"]))
        for row in list(table.rows) if table is not None else ():
            if row.data.get("status") != "disconnected":
                org.update(
                    "video_room_participants",
                    row.ident,
                    status="disconnected",
                    end_time=record["end_time"],
                )
    elif resource == "intelligence_transcripts" and has_children(resource, record):
        results = (*scope, record["sid"])
        ctx = org.account(scope[0])
        if ctx is not None and store.table("intelligence_operator_results", results) is None:
            count = CURATED_COUNTS.get(ctx.label, LONG_TAIL_COUNT)
            new_maker(org.gen).fill_children(
                CURATED[resource], ctx, scope, {}, [record], count, org.clock()
            )
