"""Shared by the product generators (Conversations, Studio, Chat, Trunking, Verify, TaskRouter).

v1/v2 conventions: ISO 8601 dates, absolute ``url``/``links``.

Every account (main and subaccounts) has its own product data; the HTTP layer shows
an account's data only to that account's credentials (main token / API key -> main).
URLs use the canonical ``https://{product}.twilio.com`` hosts and are rewritten to the
sandbox's address when served.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import parse_record_date
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


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


def pick_time(rng: random.Random, lo: int, hi: int) -> int:
    return rng.randint(lo, max(lo, hi))


def later(rng: random.Random, ts: int, hi: int, max_secs: int) -> int:
    return min(hi, ts + rng.randint(0, max_secs)) if hi > ts else ts


def iso_ts(value: str) -> int:
    ts = parse_record_date(value)
    assert ts is not None
    return ts


def stored_rows(gen: Generator, resource: str, scope: tuple[str, ...]) -> list[dict[str, Any]]:
    store: Store = gen.store  # type: ignore[attr-defined]
    t = store.table(resource, scope)
    return [r.data for r in t.rows] if t is not None else []
