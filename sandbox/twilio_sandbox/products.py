"""Product API data: Conversations, Studio, Chat, Trunking, Verify and TaskRouter.

v1/v2 conventions: ISO 8601 dates, absolute ``url``/``links``.

Every account (main and subaccounts) has its own product data; the HTTP layer shows
an account's data only to that account's credentials (main token / API key -> main).
URLs use the canonical ``https://{product}.twilio.com`` hosts and are rewritten to the
sandbox's address when served.
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from twilio_sandbox.data import (
    ACCOUNT_LABELS,
    FIRST_NAMES,
    LAST_NAMES,
    MESSAGE_BODIES,
    AccountCtx,
    Generator,
    fill_body,
    intl_number,
    new_sid,
    us_number,
)
from twilio_sandbox.formats import DAY, iso, parse_record_date
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.org import Org

CONV = "https://conversations.twilio.com/v1"
STUDIO = "https://studio.twilio.com/v2"
CHAT = "https://chat.twilio.com/v2"
TRUNKING = "https://trunking.twilio.com/v1"
VERIFY = "https://verify.twilio.com/v2"
TR = "https://taskrouter.twilio.com/v1"

#: Per-account product counts.
PRODUCT_PROFILES: dict[str, dict[str, int]] = {
    "main": {
        "conversation_services": 3,
        "conversations": 120,
        "conversation_users": 30,
        "studio_flows": 4,
        "executions_per_flow": 50,
        "chat_services": 2,
        "chat_channels": 10,
        "chat_users": 15,
        "sip_trunks": 2,
        "verify_services": 3,
        "workspaces": 2,
        "task_queues": 3,
        "tasks": 40,
        "workers": 10,
        "workflows": 2,
        "taskrouter_events": 300,
    },
    "sub_a": {
        "conversation_services": 3,
        "conversations": 20,
        "conversation_users": 8,
        "studio_flows": 1,
        "executions_per_flow": 10,
        "chat_services": 1,
        "chat_channels": 3,
        "chat_users": 5,
        "sip_trunks": 1,
        "verify_services": 1,
        "workspaces": 1,
        "task_queues": 2,
        "tasks": 10,
        "workers": 3,
        "workflows": 1,
        "taskrouter_events": 60,
    },
}
PRODUCT_PROFILES["sub_b"] = dict(PRODUCT_PROFILES["sub_a"])

CONVERSATION_NAMES = (
    "Home Repair Visit",
    "Order #{n} — delivery question",
    "Soporte técnico",
    "Réservation chez Zoë",
    "予約の確認",
    "VIP onboarding 🚀",
    None,
)
INVALID_ATTRIBUTES = "{not json"
WORKER_SKILLS = ("support", "billing", "sales", "escalations", "onboarding")
LANGUAGES = ("en", "es", "fr", "de", "ja")


def _pick_time(rng: random.Random, lo: int, hi: int) -> int:
    return rng.randint(lo, max(lo, hi))


def _later(rng: random.Random, ts: int, hi: int, max_secs: int) -> int:
    return min(hi, ts + rng.randint(0, max_secs)) if hi > ts else ts


# --------------------------------------------------------------------------- conversations
#
# Conversations live in Conversation Services; "/v1/Conversations and /v1/Users act on the
# account's default Conversation Service"
# (https://www.twilio.com/docs/conversations/api/service-conversation-resource ,
# https://www.twilio.com/docs/conversations/api/service-resource). Every account with
# conversations has several services; records of all services are stored in the same
# per-account tables and carry ``chat_service_sid``; routes.py shows each path its service.
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


def _build_conversations(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "conversations")
    acct = (ctx.sid,)
    lo, hi = ctx.lo, ctx.hi
    services = [
        conversation_service(ctx, rng, _pick_time(rng, ctx.created, lo), i)
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
        user = conversation_user(ctx, rng, _pick_time(rng, ctx.created, lo), svc, role_sid, i)
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
                ctx, rng, _later(rng, ts, hi, 600), conv["sid"], u["identity"], role_sid, svc
            )
            for u in members
        ]
        if rng.random() < 0.5 or not parts:
            parts.append(
                conversation_participant(
                    ctx, rng, _later(rng, ts, hi, 600), conv["sid"], None, role_sid, svc
                )
            )
        parts = parts[:4]
        messages = []
        t = ts
        for index in range(rng.randint(0, 15)):
            t = _later(rng, t, hi, 3 * 3600)
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
            last = max(_iso_ts(conv["date_updated"]), *(_iso_ts(x["date_updated"]) for x in parts))
            conv["date_updated"] = iso(_later(rng, last, hi, 2 * DAY))
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
    services = _rows(gen, "conversation_services", (ctx.sid,))
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


# --------------------------------------------------------------------------- studio

STUDIO_FLOWS = (
    (
        "Inbound SMS bot 🤖",
        "incomingMessage",
        ("send_welcome", "gather_reply", "split_on_reply", "send_answer"),
    ),
    (
        "IVR — main menu",
        "incomingCall",
        ("say_greeting", "gather_digits", "split_digits", "connect_agent"),
    ),
    (
        "Appointment reminders",
        "incomingRequest",
        ("lookup_customer", "send_reminder", "wait_reply", "update_crm"),
    ),
    (
        "Encuesta de satisfacción",
        "incomingRequest",
        ("send_survey", "wait_score", "split_score", "thank_you"),
    ),
)
STEP_TYPES = {
    "send": "send-message",
    "gather": "gather-input-on-call",
    "split": "split-based-on",
    "wait": "send-and-wait-for-reply",
    "lookup": "make-http-request",
    "update": "make-http-request",
    "say": "say-play",
    "connect": "connect-call-to",
    "thank": "send-message",
}


def studio_flow(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """A Studio v2 Flow (``definition`` is an object)."""
    name, trigger, steps = STUDIO_FLOWS[i % len(STUDIO_FLOWS)]
    sid = new_sid(rng, "FW")
    url = f"{STUDIO}/Flows/{sid}"
    states: list[dict[str, Any]] = [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [{"event": trigger, "next": steps[0]}],
            "properties": {"offset": {"x": 0, "y": 0}},
        }
    ]
    for j, step in enumerate(steps):
        nxt = steps[j + 1] if j + 1 < len(steps) else None
        states.append(
            {
                "name": step,
                "type": STEP_TYPES[step.split("_")[0]],
                "transitions": [{"event": "success" if nxt else "complete", "next": nxt}],
                "properties": {
                    "offset": {"x": 0, "y": 200 * (j + 1)},
                    "body": "Hola {{contact.channel.address}} 👋",
                },
            }
        )
    revision = rng.randint(1, 12)
    status = "published" if i % 4 != 3 else "draft"
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "author_sid": new_sid(rng, "US"),
        "friendly_name": name,
        "definition": {
            "description": name,
            "states": states,
            "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": True},
        },
        "status": status,
        "revision": revision,
        "commit_message": rng.choice((None, "Fix typo in greeting", "Añadir menú en español")),
        "valid": True,
        "errors": [],
        "warnings": [],
        "date_created": iso(ts),
        "date_updated": iso(ts + rng.randint(0, 30 * DAY)),
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{ctx.sid}/Flows/{sid}",
        "url": url,
        "links": {
            "test_users": f"{url}/TestUsers",
            "revisions": f"{url}/Revisions",
            "executions": f"{url}/Executions",
        },
    }


def studio_execution(
    ctx: AccountCtx, rng: random.Random, ts: int, flow: dict[str, Any], active: bool = False
) -> dict[str, Any]:
    """A Studio Execution (``date_updated`` is null while active)."""
    sid = new_sid(rng, "FN")
    url = f"{STUDIO}/Flows/{flow['sid']}/Executions/{sid}"
    address = intl_number(rng)
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "flow_sid": flow["sid"],
        "contact_channel_address": address,
        "contact_sid": new_sid(rng, "FC"),
        "flow_version": rng.randint(1, flow["revision"]),
        "context": {
            "flow": {"flow_sid": flow["sid"], "channel": {"address": address}},
            "widgets": {},
        },
        "status": "active" if active else "ended",
        "date_created": iso(ts),
        "date_updated": None if active else iso(ts + rng.randint(5, 900)),
        "initiated_by": new_sid(rng, rng.choice(("CA", "SM"))),
        "url": url,
        "links": {"steps": f"{url}/Steps", "execution_context": f"{url}/Context"},
    }


def studio_step(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    execution: dict[str, Any],
    name: str,
    previous: str,
    nxt: str | None,
) -> dict[str, Any]:
    """A Studio Execution Step."""
    sid = new_sid(rng, "FT")
    url = f"{STUDIO}/Flows/{execution['flow_sid']}/Executions/{execution['sid']}/Steps/{sid}"
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "flow_sid": execution["flow_sid"],
        "execution_sid": execution["sid"],
        "parent_step_sid": None,
        "name": name,
        "context": {},
        "transitioned_from": previous,
        "transitioned_to": nxt or "Ended",
        "type": "trigger"
        if previous == "Trigger" and name == "Trigger"
        else STEP_TYPES.get(name.split("_")[0], "trigger"),
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": url,
        "links": {"step_context": f"{url}/Context"},
    }


def _build_studio(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "studio")
    acct = (ctx.sid,)
    flows = [
        studio_flow(ctx, rng, _pick_time(rng, ctx.created, ctx.lo), i)
        for i in range(p["studio_flows"])
    ]
    for f in flows:
        f["date_updated"] = iso(min(ctx.hi, _iso_ts(f["date_updated"])))
    store.load("studio_flows", acct, flows)
    lo = max(ctx.lo, ctx.hi - 60 * DAY)
    live = ctx.hi >= gen.now - 3600
    for flow in flows:
        executions = []
        for ts in sorted(rng.randint(lo, ctx.hi) for _ in range(p["executions_per_flow"])):
            active = (live and ts > ctx.hi - 1800) or (live and rng.random() < 0.02)
            ex = studio_execution(ctx, rng, ts, flow, active)
            names = ["Trigger", *STUDIO_FLOWS[flows.index(flow) % len(STUDIO_FLOWS)][2]]
            n_steps = rng.randint(2, min(6, len(names)))
            steps = []
            t = ts
            for j in range(n_steps):
                t += rng.randint(0, 30)
                prev = names[j - 1] if j else "Trigger"
                nxt = names[j + 1] if j + 1 < len(names) and j + 1 < n_steps else None
                steps.append(studio_step(ctx, rng, t, ex, names[j], prev, nxt))
            store.load("studio_execution_steps", (ctx.sid, flow["sid"], ex["sid"]), steps)
            executions.append(ex)
        store.load("studio_executions", (ctx.sid, flow["sid"]), executions)


def _iso_ts(value: str) -> int:
    ts = parse_record_date(value)
    assert ts is not None
    return ts


# --------------------------------------------------------------------------- chat


def chat_service(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """A Chat v2 Service (role sids are filled in once its roles exist)."""
    sid = new_sid(rng, "IS")
    url = f"{CHAT}/Services/{sid}"
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "friendly_name": ("Programmable Chat", "Chat interno 🗨️")[i % 2],
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "default_service_role_sid": None,
        "default_channel_role_sid": None,
        "default_channel_creator_role_sid": None,
        "read_status_enabled": True,
        "reachability_enabled": rng.random() < 0.5,
        "typing_indicator_timeout": 5,
        "consumption_report_interval": 10,
        "limits": {"channel_members": 100, "user_channels": 250},
        "pre_webhook_url": None,
        "post_webhook_url": "https://hooks.example.com/chat" if rng.random() < 0.5 else None,
        "webhook_method": "POST",
        "webhook_filters": ["onMessageSent"] if rng.random() < 0.5 else [],
        "pre_webhook_retry_count": 0,
        "post_webhook_retry_count": rng.randint(0, 3),
        "notifications": {
            "new_message": {"enabled": True, "template": "${USER}: ${MESSAGE}", "sound": "default"},
            "added_to_channel": {"enabled": False},
            "log_enabled": False,
        },
        "media": {
            "size_limit_mb": 150,
            "compatibility_message": "Media messages are not supported by your client",
        },
        "url": url,
        "links": {
            "channels": f"{url}/Channels",
            "users": f"{url}/Users",
            "roles": f"{url}/Roles",
            "bindings": f"{url}/Bindings",
        },
    }


def chat_role(
    ctx: AccountCtx, rng: random.Random, ts: int, service_sid: str, i: int = 0
) -> dict[str, Any]:
    """A Chat Role."""
    name, kind, perms = (
        (
            "service admin",
            "deployment",
            ["createChannel", "joinChannel", "destroyChannel", "editAnyMessage"],
        ),
        ("service user", "deployment", ["createChannel", "joinChannel", "editOwnUserInfo"]),
        (
            "channel user",
            "channel",
            ["sendMessage", "leaveChannel", "editOwnMessage", "sendMediaMessage"],
        ),
    )[i % 3]
    sid = new_sid(rng, "RL")
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "service_sid": service_sid,
        "friendly_name": name,
        "type": kind,
        "permissions": perms,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": f"{CHAT}/Services/{service_sid}/Roles/{sid}",
    }


def chat_user(
    ctx: AccountCtx, rng: random.Random, ts: int, service_sid: str, role_sid: str, i: int = 0
) -> dict[str, Any]:
    """A Chat User."""
    sid = new_sid(rng, "US")
    url = f"{CHAT}/Services/{service_sid}/Users/{sid}"
    first = FIRST_NAMES[(i + 3) % len(FIRST_NAMES)]
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "service_sid": service_sid,
        "attributes": json.dumps(
            {"team": rng.choice(("ops", "support")), "emoji": "🙂"}, ensure_ascii=False
        )
        if rng.random() < 0.7
        else None,
        "friendly_name": f"{first} {rng.choice(LAST_NAMES)}" if rng.random() < 0.8 else None,
        "role_sid": role_sid,
        "identity": f"{first.lower()}_{i:02d}",
        "is_online": rng.random() < 0.3,
        "is_notifiable": rng.choice((None, True)),
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "joined_channels_count": 0,
        "links": {"user_channels": f"{url}/Channels", "user_bindings": f"{url}/Bindings"},
        "url": url,
    }


def chat_channel(
    ctx: AccountCtx, rng: random.Random, ts: int, service_sid: str, i: int = 0
) -> dict[str, Any]:
    """A Chat Channel (counts are filled in by generation)."""
    sid = new_sid(rng, "CH")
    url = f"{CHAT}/Services/{service_sid}/Channels/{sid}"
    names = (
        "general",
        "random",
        "support-escalations",
        "équipe-paris",
        "東京",
        "release-🚀",
        "sales",
        "billing",
        "ops",
        "watercooler",
    )
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "service_sid": service_sid,
        "friendly_name": names[i % len(names)],
        "unique_name": f"{names[i % len(names)]}-{i}" if rng.random() < 0.6 else None,
        "attributes": rng.choice(
            ("{}", json.dumps({"topic": "weekly planning", "archived": False}))
        ),
        "type": "public" if rng.random() < 0.7 else "private",
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "created_by": "system",
        "members_count": 0,
        "messages_count": 0,
        "url": url,
        "links": {
            "members": f"{url}/Members",
            "messages": f"{url}/Messages",
            "invites": f"{url}/Invites",
            "webhooks": f"{url}/Webhooks",
            "last_message": None,
        },
    }


def chat_member(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    service_sid: str,
    channel_sid: str,
    identity: str,
    role_sid: str,
) -> dict[str, Any]:
    """A Chat Channel Member."""
    sid = new_sid(rng, "MB")
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "channel_sid": channel_sid,
        "service_sid": service_sid,
        "identity": identity,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "role_sid": role_sid,
        "last_consumed_message_index": None,
        "last_consumption_timestamp": None,
        "url": f"{CHAT}/Services/{service_sid}/Channels/{channel_sid}/Members/{sid}",
        "attributes": rng.choice(("{}", json.dumps({"nickname": "Zoë"}, ensure_ascii=False))),
    }


def chat_message(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    service_sid: str,
    channel_sid: str,
    index: int,
    author: str,
) -> dict[str, Any]:
    """A Chat Channel Message."""
    sid = new_sid(rng, "IM")
    media = None
    if rng.random() < 0.05:
        media = {
            "sid": new_sid(rng, "ME"),
            "size": rng.randint(1000, 500_000),
            "content_type": "image/png",
            "filename": "screenshot.png",
        }
    edited = rng.random() < 0.05
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "attributes": "{}",
        "service_sid": service_sid,
        "to": channel_sid,
        "channel_sid": channel_sid,
        "date_created": iso(ts),
        "date_updated": iso(ts + (rng.randint(10, 600) if edited else 0)),
        "last_updated_by": author if edited else None,
        "was_edited": edited,
        "from": author,
        "body": fill_body(rng, rng.choice(MESSAGE_BODIES)) if media is None else "",
        "index": index,
        "type": "media" if media else "text",
        "media": media,
        "url": f"{CHAT}/Services/{service_sid}/Channels/{channel_sid}/Messages/{sid}",
    }


def _build_chat(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "chat")
    acct = (ctx.sid,)
    services = []
    for i in range(p["chat_services"]):
        ts = _pick_time(rng, ctx.created, ctx.lo)
        svc = chat_service(ctx, rng, ts, i)
        roles = [chat_role(ctx, rng, ts, svc["sid"], j) for j in range(3)]
        svc["default_service_role_sid"] = roles[1]["sid"]
        svc["default_channel_role_sid"] = roles[2]["sid"]
        svc["default_channel_creator_role_sid"] = roles[2]["sid"]
        users = [
            chat_user(ctx, rng, _pick_time(rng, ts, ctx.lo), svc["sid"], roles[1]["sid"], j)
            for j in range(p["chat_users"])
        ]
        channels = []
        for j in range(p["chat_channels"]):
            cts = _pick_time(rng, ts, ctx.hi - DAY)
            ch = chat_channel(ctx, rng, cts, svc["sid"], j)
            members_users = rng.sample(users, min(len(users), rng.randint(2, 5)))
            members = [
                chat_member(
                    ctx,
                    rng,
                    _later(rng, cts, ctx.hi, 3600),
                    svc["sid"],
                    ch["sid"],
                    u["identity"],
                    roles[2]["sid"],
                )
                for u in members_users
            ]
            for u in members_users:
                u["joined_channels_count"] += 1
            messages = []
            t = cts
            for index in range(rng.randint(0, 20)):
                t = _later(rng, t, ctx.hi, 6 * 3600)
                messages.append(
                    chat_message(
                        ctx, rng, t, svc["sid"], ch["sid"], index, rng.choice(members)["identity"]
                    )
                )
            for m in members:
                if messages and rng.random() < 0.6:
                    k = rng.randint(0, len(messages) - 1)
                    m["last_consumed_message_index"] = k
                    m["last_consumption_timestamp"] = messages[k]["date_created"]
            ch["created_by"] = members[0]["identity"] if rng.random() < 0.5 else "system"
            ch["members_count"] = len(members)
            ch["messages_count"] = len(messages)
            if messages:
                ch["date_updated"] = messages[-1]["date_created"]
                ch["links"]["last_message"] = messages[-1]["url"]
            store.load("chat_channel_members", (ctx.sid, svc["sid"], ch["sid"]), members)
            store.load("chat_channel_messages", (ctx.sid, svc["sid"], ch["sid"]), messages)
            channels.append(ch)
        store.load("chat_roles", (ctx.sid, svc["sid"]), roles)
        store.load("chat_users", (ctx.sid, svc["sid"]), users)
        store.load("chat_channels", (ctx.sid, svc["sid"]), channels)
        services.append(svc)
    store.load("chat_services", acct, services)


# --------------------------------------------------------------------------- trunking / verify


def sip_trunk(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """An Elastic SIP Trunk."""
    sid = new_sid(rng, "TK")
    url = f"{TRUNKING}/Trunks/{sid}"
    name = ("Main PBX", "Contact center — backup")[i % 2]
    return {
        "account_sid": ctx.sid,
        "domain_name": f"{ctx.label.replace('_', '-')}-{i}-{sid[-6:]}.pstn.twilio.com",
        "disaster_recovery_method": "POST",
        "disaster_recovery_url": "https://hooks.example.com/dr" if i % 2 else None,
        "friendly_name": name,
        "secure": i % 2 == 0,
        "recording": {
            "mode": rng.choice(("do-not-record", "record-from-ringing")),
            "trim": "do-not-trim",
        },
        "transfer_mode": rng.choice(("disable-all", "enable-all", "sip-only")),
        "transfer_caller_id": rng.choice(("from-transferee", "from-transferor")),
        "cnam_lookup_enabled": rng.random() < 0.5,
        "auth_type": "",
        "symmetric_rtp_enabled": False,
        "auth_type_set": [],
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "sid": sid,
        "url": url,
        "links": {
            "origination_urls": f"{url}/OriginationUrls",
            "credential_lists": f"{url}/CredentialLists",
            "ip_access_control_lists": f"{url}/IpAccessControlLists",
            "phone_numbers": f"{url}/PhoneNumbers",
        },
    }


def verify_service(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """A Verify Service."""
    sid = new_sid(rng, "VA")
    url = f"{VERIFY}/Services/{sid}"
    return {
        "sid": sid,
        "account_sid": ctx.sid,
        "friendly_name": ("Acme Login", "Café Rewards ☕", "2FA – Backoffice")[i % 3],  # noqa: RUF001
        "code_length": (6, 4, 8)[i % 3],
        "lookup_enabled": rng.random() < 0.5,
        "psd2_enabled": False,
        "skip_sms_to_landlines": rng.random() < 0.5,
        "dtmf_input_required": True,
        "tts_name": None,
        "do_not_share_warning_enabled": rng.random() < 0.5,
        "custom_code_enabled": False,
        "push": {"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
        "totp": {"issuer": "Acme", "time_step": 30, "code_length": 6, "skew": 1},
        "default_template_sid": new_sid(rng, "HJ") if rng.random() < 0.5 else None,
        "whatsapp": {"msg_service_sid": None, "from": None},
        "passkeys": {
            "relying_party": {"id": None, "name": None, "origins": None},
            "authenticator_attachment": None,
            "discoverable_credentials": None,
            "user_verification": None,
        },
        "verify_event_subscription_enabled": False,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "url": url,
        "links": {
            k: f"{url}/{v}"
            for k, v in (
                ("verification_checks", "VerificationCheck"),
                ("verifications", "Verifications"),
                ("rate_limits", "RateLimits"),
                ("messaging_configurations", "MessagingConfigurations"),
                ("entities", "Entities"),
                ("webhooks", "Webhooks"),
                ("access_tokens", "AccessTokens"),
            )
        },
    }


# --------------------------------------------------------------------------- taskrouter

ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False), ("Break ☕", False))
TASK_CHANNELS = (("Default", "default"), ("Voice", "voice"), ("Chat", "chat"))
QUEUES = (
    ("Tier 1 support", "skills HAS 'support'"),
    ("Billing", "skills HAS 'billing'"),
    ("Español", "languages HAS 'es'"),
)


def tr_workspace(ctx: AccountCtx, rng: random.Random, ts: int, i: int = 0) -> dict[str, Any]:
    """A TaskRouter Workspace (activity sids filled in later)."""
    sid = new_sid(rng, "WS")
    url = f"{TR}/Workspaces/{sid}"
    return {
        "account_sid": ctx.sid,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "default_activity_name": "Offline",
        "default_activity_sid": None,
        "event_callback_url": "https://hooks.example.com/taskrouter" if i == 0 else "",
        "events_filter": None,
        "friendly_name": ("Support Center", "Ventas LATAM")[i % 2],
        "multi_task_enabled": True,
        "sid": sid,
        "timeout_activity_name": "Offline",
        "timeout_activity_sid": None,
        "prioritize_queue_order": "FIFO",
        "url": url,
        "links": {
            k: f"{url}/{v}"
            for k, v in (
                ("activities", "Activities"),
                ("statistics", "Statistics"),
                ("real_time_statistics", "RealTimeStatistics"),
                ("cumulative_statistics", "CumulativeStatistics"),
                ("task_queues", "TaskQueues"),
                ("tasks", "Tasks"),
                ("workers", "Workers"),
                ("workflows", "Workflows"),
                ("task_channels", "TaskChannels"),
                ("events", "Events"),
            )
        },
    }


def tr_activity(
    ctx: AccountCtx, rng: random.Random, ts: int, workspace_sid: str, i: int = 0
) -> dict[str, Any]:
    """A TaskRouter Activity."""
    name, available = ACTIVITIES[i % len(ACTIVITIES)]
    sid = new_sid(rng, "WA")
    return {
        "account_sid": ctx.sid,
        "available": available,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "friendly_name": name,
        "sid": sid,
        "workspace_sid": workspace_sid,
        "url": f"{TR}/Workspaces/{workspace_sid}/Activities/{sid}",
        "links": {"workspace": f"{TR}/Workspaces/{workspace_sid}"},
    }


def tr_task_channel(
    ctx: AccountCtx, rng: random.Random, ts: int, workspace_sid: str, i: int = 0
) -> dict[str, Any]:
    """A TaskRouter TaskChannel."""
    name, unique = TASK_CHANNELS[i % len(TASK_CHANNELS)]
    sid = new_sid(rng, "TC")
    return {
        "account_sid": ctx.sid,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "friendly_name": name,
        "sid": sid,
        "unique_name": unique,
        "workspace_sid": workspace_sid,
        "channel_optimized_routing": None if unique == "default" else unique == "chat",
        "url": f"{TR}/Workspaces/{workspace_sid}/TaskChannels/{sid}",
        "links": {"workspace": f"{TR}/Workspaces/{workspace_sid}"},
    }


def tr_task_queue(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    workspace_sid: str,
    activities: list[dict[str, Any]],
    i: int = 0,
) -> dict[str, Any]:
    """A TaskRouter TaskQueue."""
    name, target = QUEUES[i % len(QUEUES)]
    sid = new_sid(rng, "WQ")
    url = f"{TR}/Workspaces/{workspace_sid}/TaskQueues/{sid}"
    busy = activities[2 % len(activities)] if activities else {"sid": None, "friendly_name": None}
    ws_url = f"{TR}/Workspaces/{workspace_sid}"
    return {
        "account_sid": ctx.sid,
        "assignment_activity_sid": busy["sid"],
        "assignment_activity_name": busy["friendly_name"],
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "friendly_name": name,
        "max_reserved_workers": 1,
        "reservation_activity_sid": busy["sid"],
        "reservation_activity_name": busy["friendly_name"],
        "sid": sid,
        "target_workers": target,
        "task_order": "FIFO" if i % 3 else "LIFO",
        "url": url,
        "workspace_sid": workspace_sid,
        "links": {
            "assignment_activity": f"{ws_url}/Activities/{busy['sid']}",
            "reservation_activity": f"{ws_url}/Activities/{busy['sid']}",
            "workspace": ws_url,
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
            "list_statistics": f"{ws_url}/TaskQueues/Statistics",
            "bulk_real_time_statistics": f"{ws_url}/TaskQueues/RealTimeStatistics",
        },
    }


def tr_workflow(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    workspace_sid: str,
    queues: list[dict[str, Any]],
    i: int = 0,
) -> dict[str, Any]:
    """A TaskRouter Workflow (``configuration`` is a JSON string)."""
    sid = new_sid(rng, "WW")
    url = f"{TR}/Workspaces/{workspace_sid}/Workflows/{sid}"
    default_q = queues[0]["sid"] if queues else None
    config = {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": q["friendly_name"],
                    "expression": f"type == '{q['friendly_name'].lower()}'",
                    "targets": [{"queue": q["sid"], "timeout": 120, "priority": 1}],
                }
                for q in queues
            ],
            "default_filter": {"queue": default_q},
        }
    }
    return {
        "account_sid": ctx.sid,
        "assignment_callback_url": "https://hooks.example.com/assignment" if i == 0 else None,
        "configuration": json.dumps(config, ensure_ascii=False),
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "document_content_type": "application/json",
        "fallback_assignment_callback_url": None,
        "friendly_name": ("Default Fifo Workflow", "After-hours routing 🌙")[i % 2],
        "sid": sid,
        "task_reservation_timeout": 120,
        "workspace_sid": workspace_sid,
        "url": url,
        "links": {
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
        },
    }


def tr_worker(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    workspace_sid: str,
    activities: list[dict[str, Any]],
    i: int = 0,
) -> dict[str, Any]:
    """A TaskRouter Worker (``attributes`` is a JSON string)."""
    sid = new_sid(rng, "WK")
    url = f"{TR}/Workspaces/{workspace_sid}/Workers/{sid}"
    ws_url = f"{TR}/Workspaces/{workspace_sid}"
    activity = (
        rng.choice(activities)
        if activities
        else {"sid": None, "friendly_name": None, "available": False}
    )
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    attributes = {
        "skills": rng.sample(WORKER_SKILLS, rng.randint(1, 3)),
        "languages": rng.sample(LANGUAGES, rng.randint(1, 2)),
        "contact_uri": f"client:{first.lower()}",
        "full_name": f"{first} {rng.choice(LAST_NAMES)}",
    }
    return {
        "account_sid": ctx.sid,
        "activity_name": activity["friendly_name"],
        "activity_sid": activity["sid"],
        "attributes": json.dumps(attributes, ensure_ascii=False),
        "available": activity["available"],
        "date_created": iso(ts),
        "date_status_changed": iso(ts),
        "date_updated": iso(ts),
        "friendly_name": f"{first} ({i + 1})",
        "sid": sid,
        "workspace_sid": workspace_sid,
        "url": url,
        "links": {
            "channels": f"{url}/Channels",
            "activity": f"{ws_url}/Activities/{activity['sid']}",
            "workspace": ws_url,
            "statistics": f"{ws_url}/Workers/Statistics",
            "real_time_statistics": f"{ws_url}/Workers/RealTimeStatistics",
            "cumulative_statistics": f"{ws_url}/Workers/CumulativeStatistics",
            "worker_statistics": f"{url}/Statistics",
            "worker_channels": f"{url}/Channels",
            "reservations": f"{url}/Reservations",
        },
    }


def tr_worker_channel(
    ctx: AccountCtx, rng: random.Random, ts: int, worker: dict[str, Any], channel: dict[str, Any]
) -> dict[str, Any]:
    """A Worker Channel (one per task channel)."""
    sid = new_sid(rng, "WC")
    capacity = 1 if channel["unique_name"] == "voice" else rng.randint(1, 5)
    assigned = rng.randint(0, capacity) if worker["available"] else 0
    return {
        "account_sid": ctx.sid,
        "assigned_tasks": assigned,
        "available": worker["available"],
        "available_capacity_percentage": int(100 * (capacity - assigned) / capacity),
        "configured_capacity": capacity,
        "date_created": iso(ts),
        "date_updated": iso(ts),
        "sid": sid,
        "task_channel_sid": channel["sid"],
        "task_channel_unique_name": channel["unique_name"],
        "worker_sid": worker["sid"],
        "workspace_sid": worker["workspace_sid"],
        "url": f"{TR}/Workspaces/{worker['workspace_sid']}/Workers/{worker['sid']}/Channels/{sid}",
    }


def tr_task(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    now: int,
    workspace_sid: str,
    queue: dict[str, Any],
    workflow: dict[str, Any],
    channel: dict[str, Any],
) -> dict[str, Any]:
    """A TaskRouter Task (``attributes`` is a JSON string)."""
    sid = new_sid(rng, "WT")
    url = f"{TR}/Workspaces/{workspace_sid}/Tasks/{sid}"
    ws_url = f"{TR}/Workspaces/{workspace_sid}"
    status = rng.choice(
        ("pending", "reserved", "assigned", "wrapping", "completed", "completed", "canceled")
    )
    customer = {
        "name": rng.choice(("Zoë Müller", "José García", "山田太郎", "Liam Smith")),
        "tier": rng.choice(("gold", "standard")),
    }
    attributes = {
        "type": queue["friendly_name"].lower(),
        "channel": channel["unique_name"],
        "from": intl_number(rng),
        "customer": customer,
        "call_sid": new_sid(rng, "CA") if channel["unique_name"] == "voice" else None,
    }
    updated = min(now - 30, ts + rng.randint(0, 3600))
    return {
        "account_sid": ctx.sid,
        "age": max(0, now - ts),
        "assignment_status": status,
        "attributes": json.dumps(attributes, ensure_ascii=False),
        "addons": "{}",
        "date_created": iso(ts),
        "date_updated": iso(max(ts, updated)),
        "task_queue_entered_date": iso(ts + 1),
        "priority": rng.choice((0, 0, 0, 10, 50)),
        "reason": {"completed": "Task completed", "canceled": "Customer hung up"}.get(status),
        "sid": sid,
        "task_queue_sid": queue["sid"],
        "task_queue_friendly_name": queue["friendly_name"],
        "task_channel_sid": channel["sid"],
        "task_channel_unique_name": channel["unique_name"],
        "timeout": 86400,
        "workflow_sid": workflow["sid"],
        "workflow_friendly_name": workflow["friendly_name"],
        "workspace_sid": workspace_sid,
        "url": url,
        "links": {
            "task_queue": f"{ws_url}/TaskQueues/{queue['sid']}",
            "workflow": f"{ws_url}/Workflows/{workflow['sid']}",
            "workspace": ws_url,
            "reservations": f"{url}/Reservations",
        },
        "virtual_start_time": iso(ts),
        "ignore_capacity": False,
        "routing_target": None,
    }


EVENT_TYPES = (
    ("task.created", "task", "Task {r} created"),
    ("task-queue.entered", "task", "Task {r} entered TaskQueue"),
    ("reservation.created", "reservation", "Reservation created for Task {r}"),
    ("reservation.accepted", "reservation", "Reservation accepted by Worker"),
    ("task.completed", "task", "Task {r} completed"),
    ("worker.activity.update", "worker", "Worker updated to Available Activity"),
)


def tr_event(
    ctx: AccountCtx,
    rng: random.Random,
    ts: int,
    workspace_sid: str,
    workers: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
) -> dict[str, Any]:
    """A TaskRouter Event (``event_date_ms`` = epoch milliseconds)."""
    sid = new_sid(rng, "EV")
    ws_url = f"{TR}/Workspaces/{workspace_sid}"
    event_type, resource_type, text = rng.choice(EVENT_TYPES)
    worker = rng.choice(workers) if workers else None
    task = rng.choice(tasks) if tasks else None
    if resource_type == "worker" and worker is not None:
        resource_sid, resource_url = worker["sid"], worker["url"]
        actor_sid, actor_type, actor_url = worker["sid"], "worker", worker["url"]
        data: dict[str, Any] = {
            "worker_sid": worker["sid"],
            "worker_name": worker["friendly_name"],
            "worker_activity_name": "Available",
            "worker_attributes": worker["attributes"],
            "worker_time_in_previous_activity": str(rng.randint(1, 3600)),
            "workspace_sid": workspace_sid,
        }
    else:
        resource_sid = task["sid"] if task else new_sid(rng, "WT")
        if resource_type == "reservation":
            resource_sid = new_sid(rng, "WR")
        task_sid = task["sid"] if task else resource_sid
        resource_url = (
            f"{ws_url}/Tasks/{resource_sid}"
            if resource_type == "task"
            else f"{ws_url}/Tasks/{task_sid}/Reservations/{resource_sid}"
        )
        actor_sid, actor_type, actor_url = workspace_sid, "workspace", ws_url
        data = {
            "task_sid": task["sid"] if task else None,
            "task_attributes": task["attributes"] if task else "{}",
            "task_queue_sid": task["task_queue_sid"] if task else None,
            "task_priority": str(task["priority"]) if task else "0",
            "workspace_sid": workspace_sid,
        }
    return {
        "account_sid": ctx.sid,
        "actor_sid": actor_sid,
        "actor_type": actor_type,
        "actor_url": actor_url,
        "description": text.format(r=resource_sid),
        "event_data": data,
        "event_date": iso(ts),
        "event_date_ms": ts * 1000 + rng.randint(0, 999),
        "event_type": event_type,
        "resource_sid": resource_sid,
        "resource_type": resource_type,
        "resource_url": resource_url,
        "sid": sid,
        "source": "twilio",
        "source_ip_address": f"54.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 99)}",
        "url": f"{ws_url}/Events/{sid}",
        "workspace_sid": workspace_sid,
    }


def _build_taskrouter(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "taskrouter")
    acct = (ctx.sid,)
    live = ctx.hi >= gen.now - 3600
    workspaces = []
    for i in range(p["workspaces"]):
        ts = _pick_time(rng, ctx.created, ctx.lo)
        ws = tr_workspace(ctx, rng, ts, i)
        wsid = ws["sid"]
        scope = (ctx.sid, wsid)
        activities = [tr_activity(ctx, rng, ts, wsid, j) for j in range(len(ACTIVITIES))]
        ws["default_activity_sid"] = ws["timeout_activity_sid"] = activities[0]["sid"]
        channels = [tr_task_channel(ctx, rng, ts, wsid, j) for j in range(len(TASK_CHANNELS))]
        queues = [
            tr_task_queue(ctx, rng, ts + 60, wsid, activities, j) for j in range(p["task_queues"])
        ]
        workflows = [
            tr_workflow(ctx, rng, ts + 120, wsid, queues, j) for j in range(p["workflows"])
        ]
        workers = []
        for j in range(p["workers"]):
            wts = _pick_time(rng, ts, ctx.hi - DAY)
            worker = tr_worker(ctx, rng, wts, wsid, activities, j)
            changed = _later(rng, wts, ctx.hi, 30 * DAY)
            worker["date_status_changed"] = worker["date_updated"] = iso(changed)
            workers.append(worker)
            wcs = [tr_worker_channel(ctx, rng, wts, worker, ch) for ch in channels]
            store.load("taskrouter_worker_channels", (ctx.sid, wsid, worker["sid"]), wcs)
        lo = max(ctx.lo, ctx.hi - 10 * DAY)
        tasks = [
            tr_task(
                ctx,
                rng,
                ts_,
                gen.now,
                wsid,
                rng.choice(queues),
                rng.choice(workflows),
                rng.choice(channels),
            )
            for ts_ in sorted(rng.randint(lo, ctx.hi) for _ in range(p["tasks"]))
        ]
        stamps = [rng.randint(lo, ctx.hi) for _ in range(p["taskrouter_events"])]
        if live:  # a few events inside the default 15-minute window
            stamps += [gen.now - rng.randint(30, 14 * 60) for _ in range(5)]
        events = [tr_event(ctx, rng, e, wsid, workers, tasks) for e in stamps]
        store.load("taskrouter_activities", scope, activities)
        store.load("taskrouter_task_channels", scope, channels)
        store.load("taskrouter_task_queues", scope, queues)
        store.load("taskrouter_workflows", scope, workflows)
        store.load("taskrouter_workers", scope, workers)
        store.load("taskrouter_tasks", scope, tasks)
        store.load("taskrouter_events", scope, events)
        workspaces.append(ws)
    store.load("taskrouter_workspaces", acct, workspaces)


def queue_statistics(
    org: Org, scope: tuple[str, ...], start: int, end: int, channel: str | None = None
) -> dict[str, Any] | None:
    """Cumulative statistics of one task queue over ``[start, end]`` (None if no such queue)."""
    account, workspace_sid, queue_sid = scope
    store = org.store
    queues = store.table("taskrouter_task_queues", (account, workspace_sid))
    if queues is None or queue_sid not in queues.by_id:
        return None
    tasks = store.table("taskrouter_tasks", (account, workspace_sid))
    entered = completed = canceled = 0
    waits: list[int] = []
    rng = random.Random(f"{queue_sid}:{start}:{end}")
    for row in tasks.rows if tasks is not None else ():
        d = row.data
        ts = row.ts["date_created"]
        if d["task_queue_sid"] != queue_sid or ts is None or not start <= ts <= end:
            continue
        if channel and channel not in (d["task_channel_sid"], d["task_channel_unique_name"]):
            continue
        entered += 1
        if d["assignment_status"] == "completed":
            completed += 1
            waits.append(rng.randint(5, 240))
        elif d["assignment_status"] == "canceled":
            canceled += 1
    accepted = len(waits)

    def dist(values: list[int]) -> dict[str, int]:
        if not values:
            return {"avg": 0, "min": 0, "max": 0, "total": 0}
        return {
            "avg": sum(values) // len(values),
            "min": min(values),
            "max": max(values),
            "total": sum(values),
        }

    return {
        "account_sid": account,
        "avg_task_acceptance_time": dist(waits)["avg"],
        "start_time": iso(start),
        "end_time": iso(end),
        "reservations_created": accepted + canceled,
        "reservations_accepted": accepted,
        "reservations_rejected": 0,
        "reservations_timed_out": 0,
        "reservations_canceled": canceled,
        "reservations_rescinded": 0,
        "split_by_wait_time": None,
        "task_queue_sid": queue_sid,
        "wait_duration_until_accepted": dist(waits),
        "wait_duration_until_canceled": dist([rng.randint(5, 600) for _ in range(canceled)]),
        "wait_duration_in_queue_until_accepted": dist(waits),
        "tasks_canceled": canceled,
        "tasks_completed": completed,
        "tasks_deleted": 0,
        "tasks_entered": entered,
        "tasks_moved": 0,
        "workspace_sid": workspace_sid,
        "url": f"{TR}/Workspaces/{workspace_sid}/TaskQueues/{queue_sid}/CumulativeStatistics",
    }


def default_stats_window(clock: int, minutes: int = 15) -> tuple[int, int]:
    """Default statistics window: the last ``minutes`` minutes, on minute boundaries."""
    end = clock - clock % 60
    return end - minutes * 60, end


def all_queue_statistics(org: Org, account_sid: str | None) -> list[dict[str, Any]]:
    """Default-window statistics of every task queue (for ``expected``)."""
    start, end = default_stats_window(org.clock())
    out = []
    for scope, table in org.store.scopes("taskrouter_task_queues"):
        if (account_sid is not None and scope[0] != account_sid) or scope[0] in org.refused:
            continue
        for row in table.rows:
            stats = queue_statistics(org, (*scope, row.ident), start, end)
            if stats is not None:
                out.append(stats)
    return out


# --------------------------------------------------------------------------- entry points


def build_products(gen: Generator, store: Store) -> None:
    """Generate every product's data for every account."""
    for ctx in gen.accounts.values():
        p = PRODUCT_PROFILES.get(ctx.label)
        if p is None:  # fleet (empty tables, see Org) or inactive (nothing served)
            continue
        rng = gen.rng(ctx.label, "products")
        acct = (ctx.sid,)
        _build_conversations(gen, store, ctx, p)
        _build_studio(gen, store, ctx, p)
        _build_chat(gen, store, ctx, p)
        store.load(
            "sip_trunks",
            acct,
            [
                sip_trunk(ctx, rng, _pick_time(rng, ctx.created, ctx.lo), i)
                for i in range(p["sip_trunks"])
            ],
        )
        store.load(
            "verify_services",
            acct,
            [
                verify_service(ctx, rng, _pick_time(rng, ctx.created, ctx.lo), i)
                for i in range(p["verify_services"])
            ],
        )
        _build_taskrouter(gen, store, ctx, p)
    assert set(PRODUCT_PROFILES) == set(ACCOUNT_LABELS)


# --------------------------------------------------------------------------- add() builders


def _rows(gen: Generator, resource: str, scope: tuple[str, ...]) -> list[dict[str, Any]]:
    store: Store = gen.store  # type: ignore[attr-defined]
    t = store.table(resource, scope)
    return [r.data for r in t.rows] if t is not None else []


def _first(gen: Generator, resource: str, scope: tuple[str, ...]) -> dict[str, Any] | None:
    rows = _rows(gen, resource, scope)
    return rows[0] if rows else None


def _next_index(gen: Generator, resource: str, scope: tuple[str, ...]) -> int:
    rows = _rows(gen, resource, scope)
    return max((r["index"] for r in rows), default=-1) + 1


def _b_conv_service(gen, ctx, rng, ts, parents, fields):
    n = len(_rows(gen, "conversation_services", (ctx.sid,)))
    svc = conversation_service(ctx, rng, ts, n)
    if not ctx.conversation_service_sid:
        ctx.conversation_service_sid = svc["sid"]
    return svc


def _default_service(gen: Generator, ctx: AccountCtx, rng: random.Random) -> str:
    return ctx.conversation_service_sid or new_sid(rng, "IS")


def _b_conversation(gen, ctx, rng, ts, parents, fields):
    svc = fields.get("chat_service_sid") or _default_service(gen, ctx, rng)
    return conversation(ctx, rng, ts, svc, None, fields.get("state") or "active")


def _conversation_of(gen: Generator, ctx: AccountCtx, conversation_sid: str) -> dict[str, Any]:
    store: Store = gen.store  # type: ignore[assignment]
    found = store.find("conversations", conversation_sid)
    if found is None or found[0][0] != ctx.sid:
        raise KeyError(f"no conversation {conversation_sid!r} in account {ctx.sid}")
    return found[1].data


def _b_conv_message(gen, ctx, rng, ts, parents, fields):
    conv_sid = parents["conversation_sid"]
    conv = _conversation_of(gen, ctx, conv_sid)
    if conv["state"] == "closed":
        # A closed conversation takes no new messages and cannot be reactivated
        # (https://www.twilio.com/docs/conversations/states-timers).
        raise ValueError(f"conversation {conv_sid} is closed: it takes no new messages")
    svc = conv["chat_service_sid"]
    index = _next_index(gen, "conversation_messages", (ctx.sid, conv_sid))
    part = _first(gen, "conversation_participants", (ctx.sid, conv_sid))
    author = (part["identity"] or "system") if part else "system"
    return conversation_message(
        ctx, rng, ts, conv_sid, index, author, part["sid"] if part else None, False, svc
    )


def _b_conv_participant(gen, ctx, rng, ts, parents, fields):
    conv = _conversation_of(gen, ctx, parents["conversation_sid"])
    return conversation_participant(
        ctx,
        rng,
        ts,
        parents["conversation_sid"],
        fields.get("identity"),
        new_sid(rng, "RL"),
        conv["chat_service_sid"],
    )


def _b_conv_user(gen, ctx, rng, ts, parents, fields):
    svc = fields.get("chat_service_sid") or _default_service(gen, ctx, rng)
    n = len(_rows(gen, "conversation_users", (ctx.sid,)))
    return conversation_user(ctx, rng, ts, svc, new_sid(rng, "RL"), n)


def _b_user_conv(gen, ctx, rng, ts, parents, fields):
    user_sid = parents["user_sid"]
    users = {u["sid"]: u for u in _rows(gen, "conversation_users", (ctx.sid,))}
    user = users.get(user_sid) or {"sid": user_sid, "identity": "user"}
    conv_sid = fields.get("conversation_sid")
    convs = {c["sid"]: c for c in _rows(gen, "conversations", (ctx.sid,))}
    conv = convs.get(conv_sid) if conv_sid else None
    if conv is None:
        conv = conversation(ctx, rng, ts, user.get("chat_service_sid") or new_sid(rng, "IS"))
        if conv_sid:
            conv["sid"] = conv_sid
    part = conversation_participant(
        ctx, rng, ts, conv["sid"], user["identity"], new_sid(rng, "RL"), conv["chat_service_sid"]
    )
    return user_conversation(user, conv, part, -1, rng)


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


def _mirror_user_conversations(org: Org, conv: dict[str, Any], new_message: bool) -> None:
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


def after_add(org: Org, resource: str, scope: tuple[str, ...], record: dict[str, Any]) -> None:
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


def after_update(org: Org, resource: str, record: dict[str, Any]) -> None:
    """Side effects of ``Sandbox.update`` on related records."""
    if resource == "conversations":
        _mirror_user_conversations(org, record, new_message=False)


def _b_flow(gen, ctx, rng, ts, parents, fields):
    flow = studio_flow(ctx, rng, ts, len(_rows(gen, "studio_flows", (ctx.sid,))))
    flow["date_updated"] = iso(ts)
    return flow


def _b_execution(gen, ctx, rng, ts, parents, fields):
    flows = {f["sid"]: f for f in _rows(gen, "studio_flows", (ctx.sid,))}
    flow = flows.get(parents["flow_sid"]) or {"sid": parents["flow_sid"], "revision": 1}
    ex = studio_execution(ctx, rng, ts, flow, active=fields.get("status") == "active")
    return ex


def _b_step(gen, ctx, rng, ts, parents, fields):
    ex = {"flow_sid": parents["flow_sid"], "sid": parents["execution_sid"]}
    return studio_step(ctx, rng, ts, ex, fields.get("name", "send_message"), "Trigger", None)


def _b_chat_service(gen, ctx, rng, ts, parents, fields):
    return chat_service(ctx, rng, ts)


def _b_chat_role(gen, ctx, rng, ts, parents, fields):
    return chat_role(ctx, rng, ts, parents["service_sid"], 2)


def _b_chat_user(gen, ctx, rng, ts, parents, fields):
    n = len(_rows(gen, "chat_users", (ctx.sid, parents["service_sid"])))
    return chat_user(ctx, rng, ts, parents["service_sid"], new_sid(rng, "RL"), n)


def _b_chat_channel(gen, ctx, rng, ts, parents, fields):
    return chat_channel(ctx, rng, ts, parents["service_sid"])


def _b_chat_member(gen, ctx, rng, ts, parents, fields):
    return chat_member(
        ctx,
        rng,
        ts,
        parents["service_sid"],
        parents["channel_sid"],
        fields.get("identity", "new_member"),
        new_sid(rng, "RL"),
    )


def _b_chat_message(gen, ctx, rng, ts, parents, fields):
    scope = (ctx.sid, parents["service_sid"], parents["channel_sid"])
    index = _next_index(gen, "chat_channel_messages", scope)
    return chat_message(
        ctx,
        rng,
        ts,
        parents["service_sid"],
        parents["channel_sid"],
        index,
        fields.get("from", "system"),
    )


def _b_trunk(gen, ctx, rng, ts, parents, fields):
    return sip_trunk(ctx, rng, ts)


def _b_verify(gen, ctx, rng, ts, parents, fields):
    return verify_service(ctx, rng, ts)


def _b_workspace(gen, ctx, rng, ts, parents, fields):
    return tr_workspace(ctx, rng, ts)


def _tr_scope_rows(gen: Generator, ctx: AccountCtx, resource: str, ws: str) -> list[dict[str, Any]]:
    return _rows(gen, resource, (ctx.sid, ws))


def _b_activity(gen, ctx, rng, ts, parents, fields):
    return tr_activity(ctx, rng, ts, parents["workspace_sid"], 1)


def _b_task_channel(gen, ctx, rng, ts, parents, fields):
    return tr_task_channel(ctx, rng, ts, parents["workspace_sid"], 2)


def _b_task_queue(gen, ctx, rng, ts, parents, fields):
    acts = _tr_scope_rows(gen, ctx, "taskrouter_activities", parents["workspace_sid"])
    return tr_task_queue(ctx, rng, ts, parents["workspace_sid"], acts)


def _b_workflow(gen, ctx, rng, ts, parents, fields):
    queues = _tr_scope_rows(gen, ctx, "taskrouter_task_queues", parents["workspace_sid"])
    return tr_workflow(ctx, rng, ts, parents["workspace_sid"], queues)


def _b_worker(gen, ctx, rng, ts, parents, fields):
    acts = _tr_scope_rows(gen, ctx, "taskrouter_activities", parents["workspace_sid"])
    n = len(_tr_scope_rows(gen, ctx, "taskrouter_workers", parents["workspace_sid"]))
    return tr_worker(ctx, rng, ts, parents["workspace_sid"], acts, n)


def _b_worker_channel(gen, ctx, rng, ts, parents, fields):
    ws = parents["workspace_sid"]
    workers = {w["sid"]: w for w in _tr_scope_rows(gen, ctx, "taskrouter_workers", ws)}
    worker = workers.get(parents["worker_sid"]) or {
        "sid": parents["worker_sid"],
        "workspace_sid": ws,
        "available": True,
    }
    channels = _tr_scope_rows(gen, ctx, "taskrouter_task_channels", ws)
    channel = channels[0] if channels else {"sid": new_sid(rng, "TC"), "unique_name": "default"}
    return tr_worker_channel(ctx, rng, ts, worker, channel)


def _b_task(gen, ctx, rng, ts, parents, fields):
    ws = parents["workspace_sid"]
    queues = _tr_scope_rows(gen, ctx, "taskrouter_task_queues", ws) or [
        {"sid": new_sid(rng, "WQ"), "friendly_name": "Queue"}
    ]
    flows = _tr_scope_rows(gen, ctx, "taskrouter_workflows", ws) or [
        {"sid": new_sid(rng, "WW"), "friendly_name": "Workflow"}
    ]
    channels = _tr_scope_rows(gen, ctx, "taskrouter_task_channels", ws) or [
        {"sid": new_sid(rng, "TC"), "unique_name": "default"}
    ]
    task = tr_task(ctx, rng, ts, ts, ws, queues[0], flows[0], channels[0])
    task["assignment_status"] = "pending"
    task["reason"] = None
    task["date_updated"] = iso(ts)
    return task


def _b_event(gen, ctx, rng, ts, parents, fields):
    ws = parents["workspace_sid"]
    return tr_event(
        ctx,
        rng,
        ts,
        ws,
        _tr_scope_rows(gen, ctx, "taskrouter_workers", ws),
        _tr_scope_rows(gen, ctx, "taskrouter_tasks", ws),
    )


BUILDERS: dict[str, Any] = {
    "conversation_services": _b_conv_service,
    "conversations": _b_conversation,
    "conversation_messages": _b_conv_message,
    "conversation_participants": _b_conv_participant,
    "conversation_users": _b_conv_user,
    "conversation_user_conversations": _b_user_conv,
    "studio_flows": _b_flow,
    "studio_executions": _b_execution,
    "studio_execution_steps": _b_step,
    "chat_services": _b_chat_service,
    "chat_roles": _b_chat_role,
    "chat_channels": _b_chat_channel,
    "chat_channel_members": _b_chat_member,
    "chat_channel_messages": _b_chat_message,
    "chat_users": _b_chat_user,
    "sip_trunks": _b_trunk,
    "verify_services": _b_verify,
    "taskrouter_workspaces": _b_workspace,
    "taskrouter_activities": _b_activity,
    "taskrouter_task_queues": _b_task_queue,
    "taskrouter_tasks": _b_task,
    "taskrouter_workers": _b_worker,
    "taskrouter_workflows": _b_workflow,
    "taskrouter_task_channels": _b_task_channel,
    "taskrouter_events": _b_event,
    "taskrouter_worker_channels": _b_worker_channel,
}
