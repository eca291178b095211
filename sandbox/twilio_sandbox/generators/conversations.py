"""Conversations: services, conversations, participants, messages, users."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import DAY, iso
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.common import (
    FIRST_NAMES,
    LAST_NAMES,
    MESSAGE_BODIES,
    fill_body,
    intl_number,
    new_sid,
    us_number,
)
from twilio_sandbox.generators.product_common import (
    CONV,
    CONVERSATION_NAMES,
    INVALID_ATTRIBUTES,
    iso_ts,
    later,
    pick_time,
    stored_rows,
)
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


# --------------------------------------------------------------------------- conversations
#
# Conversations live in Conversation Services; "/v1/Conversations and /v1/Users act on the
# account's default Conversation Service"
# (https://www.twilio.com/docs/conversations/api/service-conversation-resource ,
# https://www.twilio.com/docs/conversations/api/service-resource). Every account with
# conversations has several services; records of all services are stored in the same
# per-account tables and carry ``chat_service_sid``; routes_base.py shows each path its service.
# Records of the default service use the /v1/Conversations... URL form, the others the
# /v1/Services/{ChatServiceSid}/... form (as in the spec's examples).

SERVICE_NAMES = ("Default Conversations Service", "Support Chat 💬", "Sales — EMEA", "Bots 🤖")
#: Conversation states (https://www.twilio.com/docs/conversations/api/conversation-resource);
#: a closed conversation takes no new messages and cannot be reactivated
#: (https://www.twilio.com/docs/conversations/states-timers).
CONVERSATION_STATES = ("initializing", "inactive", "active", "closed")


def conv_base(ctx: AccountCtx, service_sid: str) -> str:
    """URL base of a service's records: /v1 for the default service, else /v1/Services/IS..."""
    if service_sid and service_sid == ctx.conversation_service_sid:
        return CONV
    return f"{CONV}/Services/{service_sid}"


def conversation_service(
    ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0
) -> dict[str, Any]:
    """A Conversations Service."""
    sid = new_sid(rng, "IS")
    url = f"{CONV}/Services/{sid}"
    return {
        "account_sid": ctx.sid,
        "sid": sid,
        "friendly_name": SERVICE_NAMES[i % len(SERVICE_NAMES)],
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": url,
        "links": {
            k: f"{url}/{v}"
            for k, v in (
                ("conversations", "Conversations"),
                ("users", "Users"),
                ("roles", "Roles"),
                ("bindings", "Bindings"),
                ("configuration", "Configuration"),
                ("participant_conversations", "ParticipantConversations"),
                ("conversation_with_participants", "ConversationWithParticipants"),
            )
        },
    }


def conversation(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    service_sid: str,
    attributes: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """A Conversation."""
    sid = new_sid(rng, "CH")
    url = f"{conv_base(ctx, service_sid)}/Conversations/{sid}"
    state = state or rng.choice(("active", "active", "inactive", "closed"))
    if attributes is None:
        attributes = rng.choice(
            (
                "{}",
                json.dumps({"topic": "billing", "priority": rng.randint(1, 3)}),
                json.dumps(
                    {"customer": {"name": "Zoë", "tier": "gold"}, "tags": ["vip", "café"]},
                    ensure_ascii=False,
                ),
                '{ "topic": "feedback" }',
            )
        )
    name = rng.choice(CONVERSATION_NAMES)
    timers: dict[str, Any] = {}
    if state != "active":
        timers = (
            {"date_inactive": iso(ts + 3600), "date_closed": iso(ts + 7200)}
            if state == "closed"
            else {}
        )
    return {
        "account_sid": ctx.sid,
        "chat_service_sid": service_sid,
        "messaging_service_sid": ctx.messaging_service_sid or None,
        "sid": sid,
        "friendly_name": name.format(n=rng.randint(1000, 9999)) if name else None,
        "unique_name": f"ticket-{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
        "attributes": attributes,
        "state": state,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "timers": timers,
        "url": url,
        "links": {
            "participants": f"{url}/Participants",
            "messages": f"{url}/Messages",
            "webhooks": f"{url}/Webhooks",
            "export": f"{url}/Export",
        },
        "bindings": {} if rng.random() < 0.7 else None,
    }


def conversation_participant(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    conversation_sid: str,
    identity: str | None,
    role_sid: str,
    service_sid: str = "",
) -> dict[str, Any]:
    """A Conversation Participant (chat identity or SMS binding)."""
    sid = new_sid(rng, "MB")
    binding = None
    if identity is None:
        proxy = ctx.numbers[0][0] if ctx.numbers else us_number(rng)
        binding = {"type": "sms", "address": intl_number(rng), "proxy_address": proxy}
    return {
        "account_sid": ctx.sid,
        "chat_service_sid": service_sid or None,
        "conversation_sid": conversation_sid,
        "sid": sid,
        "identity": identity,
        "attributes": rng.choice(("{}", '{ "role": "driver" }', json.dumps({"vip": True}))),
        "messaging_binding": binding,
        "role_sid": role_sid,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": f"{conv_base(ctx, service_sid)}/Conversations/{conversation_sid}/Participants/{sid}",
        "last_read_message_index": None,
        "last_read_timestamp": None,
    }


def conversation_message(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    conversation_sid: str,
    index: int,
    author: str,
    participant_sid: str | None,
    sms: bool,
    service_sid: str = "",
) -> dict[str, Any]:
    """A Conversation Message (monotonic ``index`` per conversation)."""
    sid = new_sid(rng, "IM")
    url = f"{conv_base(ctx, service_sid)}/Conversations/{conversation_sid}/Messages/{sid}"
    media = None
    if rng.random() < 0.08:
        media = [
            {
                "sid": new_sid(rng, "ME"),
                "size": rng.randint(2_000, 900_000),
                "content_type": "image/jpeg",
                "filename": "photo.jpg",
                "category": "media",
            }
        ]
    return {
        "account_sid": ctx.sid,
        "chat_service_sid": service_sid or None,
        "conversation_sid": conversation_sid,
        "sid": sid,
        "index": index,
        "author": author,
        "body": fill_body(rng, rng.choice(MESSAGE_BODIES))
        if media is None or rng.random() < 0.5
        else None,
        "media": media,
        "attributes": rng.choice(("{}", '{ "importance": "high" }')),
        "participant_sid": participant_sid,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": url,
        "delivery": (
            {
                "total": 1,
                "sent": "all",
                "delivered": "all",
                "read": "none",
                "failed": "none",
                "undelivered": "none",
            }
            if sms
            else None
        ),
        "links": {
            "delivery_receipts": f"{url}/Receipts",
            "channel_metadata": f"{url}/ChannelMetadata",
        },
        "content_sid": None,
    }


def conversation_user(
    ctx: AccountCtx, rng: random.Random, ts: int, service_sid: str, role_sid: str, i: int
) -> dict[str, Any]:
    """A Conversations User."""
    sid = new_sid(rng, "US")
    first, last = FIRST_NAMES[i % len(FIRST_NAMES)], rng.choice(LAST_NAMES)
    url = f"{conv_base(ctx, service_sid)}/Users/{sid}"
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "chat_service_sid": service_sid,
        "role_sid": role_sid,
        "identity": f"{first.lower()}.{i:03d}@example.com",
        "friendly_name": f"{first} {last}",
        "attributes": json.dumps(
            {"department": rng.choice(("support", "sales", "ops")), "avatar": None}
        ),
        "is_online": rng.random() < 0.3,
        "is_notifiable": rng.choice((None, True, False)),
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": url,
        "links": {"user_conversations": f"{url}/Conversations"},
    }


def user_conversation(
    user: dict[str, Any],
    conv: dict[str, Any],
    participant: dict[str, Any],
    last_index: int,
    rng: random.Random,
) -> dict[str, Any]:
    """A User Conversation (keyed by user_sid + conversation_sid)."""
    read = rng.randint(-1, last_index) if last_index >= 0 else -1
    base = user["url"].rsplit("/Users/", 1)[0] if user.get("url") else CONV
    conv_url = conv["url"]
    return {
        "account_sid": conv["account_sid"],
        "chat_service_sid": conv["chat_service_sid"],
        "conversation_sid": conv["sid"],
        "unread_messages_count": max(0, last_index - read),
        "last_read_message_index": read if read >= 0 else None,
        "participant_sid": participant["sid"],
        "user_sid": user["sid"],
        "friendly_name": conv["friendly_name"],
        "conversation_state": conv["state"],
        "timers": conv["timers"],
        "attributes": conv["attributes"],
        "date_created": conv["date_created"],
        "date_updated": conv["date_updated"],
        "created_by": rng.choice(("system", user["identity"])),
        "notification_level": "muted" if rng.random() < 0.1 else "default",
        "unique_name": conv["unique_name"],
        "url": f"{base}/Users/{user['sid']}/Conversations/{conv['sid']}",
        "links": {
            "participant": f"{conv_url}/Participants/{participant['sid']}",
            "conversation": conv_url,
        },
    }


def _conversation_state(rng: random.Random, age: int) -> str:
    """Old conversations are mostly closed, recent ones mostly active."""
    r = rng.random()
    if age > 30 * DAY:
        return "closed" if r < 0.65 else "inactive" if r < 0.8 else "active"
    return "active" if r < 0.6 else "inactive" if r < 0.8 else "closed"


def build_conversations(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "conversations")
    acct = (ctx.sid,)
    lo, hi = ctx.lo, ctx.hi
    services = [
        conversation_service(ctx, rng, pick_time(rng, ctx.created, lo), i)
        for i in range(p["conversation_services"])
    ]
    store.load("conversation_services", acct, services)
    ids = [svc["sid"] for svc in services]
    default_service = ctx.conversation_service_sid = ids[0]
    others = ids[1:] or ids
    role_sid = new_sid(rng, "RL")
    users = []
    by_service: dict[str, list[dict[str, Any]]] = {sid: [] for sid in ids}
    for i in range(p["conversation_users"]):
        svc = default_service if i % 2 == 0 else others[(i // 2) % len(others)]
        user = conversation_user(ctx, rng, pick_time(rng, ctx.created, lo), svc, role_sid, i)
        users.append(user)
        by_service[svc].append(user)
    store.load("conversation_users", acct, users)
    user_convs: dict[str, list[dict[str, Any]]] = {u["sid"]: [] for u in users}
    convs = []
    n = p["conversations"]
    for i, ts in enumerate(sorted(rng.randint(lo, hi) for _ in range(n))):
        attributes = INVALID_ATTRIBUTES if i == n // 2 else None
        svc = default_service if rng.random() < 0.5 else rng.choice(others)
        if i < len(ids):  # every service holds conversations
            svc = ids[i]
        state = _conversation_state(rng, gen.now - ts)
        conv = conversation(ctx, rng, ts, svc, attributes, state)
        pool = by_service[svc]
        members = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        parts = [
            conversation_participant(
                ctx, rng, later(rng, ts, hi, 600), conv["sid"], u["identity"], role_sid, svc
            )
            for u in members
        ]
        if rng.random() < 0.5 or not parts:
            parts.append(
                conversation_participant(
                    ctx, rng, later(rng, ts, hi, 600), conv["sid"], None, role_sid, svc
                )
            )
        parts = parts[:4]
        messages = []
        t = ts
        for index in range(rng.randint(0, 15)):
            t = later(rng, t, hi, 3 * 3600)
            author = rng.choice(parts)
            sms = author["identity"] is None
            messages.append(
                conversation_message(
                    ctx,
                    rng,
                    t,
                    conv["sid"],
                    index,
                    author["identity"] or author["messaging_binding"]["address"],
                    author["sid"],
                    sms,
                    svc,
                )
            )
        if messages:
            conv["date_updated"] = messages[-1]["date_created"]
            for part in parts:
                if part["identity"] and rng.random() < 0.7:
                    read = rng.randint(0, len(messages) - 1)
                    part["last_read_message_index"] = read
                    part["last_read_timestamp"] = messages[read]["date_created"]
                    part["date_updated"] = messages[read]["date_created"]
        if state == "closed":  # closed some time after its last activity
            last = max(iso_ts(conv["date_updated"]), *(iso_ts(x["date_updated"]) for x in parts))
            conv["date_updated"] = iso(later(rng, last, hi, 2 * DAY))
        store.load("conversation_participants", (ctx.sid, conv["sid"]), parts)
        store.load("conversation_messages", (ctx.sid, conv["sid"]), messages)
        by_identity = {u["identity"]: u for u in members}
        for part in parts:
            user = by_identity.get(part["identity"])
            if user is not None:
                user_convs[user["sid"]].append(
                    user_conversation(user, conv, part, len(messages) - 1, rng)
                )
        convs.append(conv)
    store.load("conversations", acct, convs)
    for user in users:
        store.load(
            "conversation_user_conversations", (ctx.sid, user["sid"]), user_convs[user["sid"]]
        )


def build_conversation_history(gen: Generator, store: Store, n: int) -> None:
    """``n`` old closed conversations of the main account, spread over its services.

    Each has 1-3 messages and 1-2 (SMS) participants; created 180 to 14 days ago and
    closed within two days of their last message. A closed conversation takes no new
    messages (https://www.twilio.com/docs/conversations/states-timers), so an
    incremental run need not re-read them.
    """
    if n <= 0:
        return
    ctx = gen.main
    services = stored_rows(gen, "conversation_services", (ctx.sid,))
    if not services:
        return
    ids = [svc["sid"] for svc in services]
    rng = gen.rng(ctx.label, "conversation-history")
    role_sid = new_sid(rng, "RL")
    lo, hi = gen.now - 180 * DAY, gen.now - 14 * DAY
    proxy = ctx.numbers[0][0] if ctx.numbers else us_number(rng)
    convs = []
    for i in range(n):
        svc = ids[i % len(ids)]
        ts = rng.randint(lo, hi)
        conv = conversation(ctx, rng, ts, svc, None, "closed")
        base = f"{conv_base(ctx, svc)}/Conversations/{conv['sid']}"
        parts = []
        for _ in range(rng.randint(1, 2)):
            psid = new_sid(rng, "MB")
            parts.append(
                {
                    "account_sid": ctx.sid,
                    "chat_service_sid": svc,
                    "conversation_sid": conv["sid"],
                    "sid": psid,
                    "identity": None,
                    "attributes": "{}",
                    "messaging_binding": {
                        "type": "sms",
                        "address": intl_number(rng),
                        "proxy_address": proxy,
                    },
                    "role_sid": role_sid,
                    "date_created": iso(ts),
                    "date_updated": iso(ts),
                    "url": f"{base}/Participants/{psid}",
                    "last_read_message_index": None,
                    "last_read_timestamp": None,
                }
            )
        messages = []
        t = ts
        for index in range(rng.randint(1, 3)):
            t += rng.randint(5, 3600)
            author = parts[index % len(parts)]
            messages.append(
                conversation_message(
                    ctx,
                    rng,
                    t,
                    conv["sid"],
                    index,
                    author["messaging_binding"]["address"],
                    author["sid"],
                    True,
                    svc,
                )
            )
        conv["date_updated"] = iso(t + rng.randint(600, 2 * DAY))
        store.load("conversation_participants", (ctx.sid, conv["sid"]), parts)
        store.load("conversation_messages", (ctx.sid, conv["sid"]), messages)
        convs.append(conv)
    store.load("conversations", (ctx.sid,), convs)
