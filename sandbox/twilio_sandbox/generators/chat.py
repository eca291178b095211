"""Programmable Chat: services, roles, users, channels, members, messages."""

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
    new_sid,
)
from twilio_sandbox.generators.product_common import CHAT, later, pick_time
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


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


def build_chat(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "chat")
    acct = (ctx.sid,)
    services = []
    for i in range(p["chat_services"]):
        ts = pick_time(rng, ctx.created, ctx.lo)
        svc = chat_service(ctx, rng, ts, i)
        roles = [chat_role(ctx, rng, ts, svc["sid"], j) for j in range(3)]
        svc["default_service_role_sid"] = roles[1]["sid"]
        svc["default_channel_role_sid"] = roles[2]["sid"]
        svc["default_channel_creator_role_sid"] = roles[2]["sid"]
        users = [
            chat_user(ctx, rng, pick_time(rng, ts, ctx.lo), svc["sid"], roles[1]["sid"], j)
            for j in range(p["chat_users"])
        ]
        channels = []
        for j in range(p["chat_channels"]):
            cts = pick_time(rng, ts, ctx.hi - DAY)
            ch = chat_channel(ctx, rng, cts, svc["sid"], j)
            members_users = rng.sample(users, min(len(users), rng.randint(2, 5)))
            members = [
                chat_member(
                    ctx,
                    rng,
                    later(rng, cts, ctx.hi, 3600),
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
                t = later(rng, t, ctx.hi, 6 * 3600)
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
