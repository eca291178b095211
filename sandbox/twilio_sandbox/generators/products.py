"""Every product's data (Conversations, Studio, Chat, Trunking, Verify, TaskRouter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio_sandbox.generators.chat import build_chat
from twilio_sandbox.generators.common import ACCOUNT_LABELS
from twilio_sandbox.generators.conversations import build_conversations
from twilio_sandbox.generators.product_common import PRODUCT_PROFILES, pick_time
from twilio_sandbox.generators.studio import build_studio
from twilio_sandbox.generators.taskrouter import build_taskrouter
from twilio_sandbox.generators.trunking_verify import sip_trunk, verify_service
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


# --------------------------------------------------------------------------- entry points


def build_products(gen: Generator, store: Store) -> None:
    """Generate every product's data for every account."""
    for ctx in gen.accounts.values():
        p = PRODUCT_PROFILES.get(ctx.label)
        if p is None:  # fleet (empty tables, see Org) or inactive (nothing served)
            continue
        rng = gen.rng(ctx.label, "products")
        acct = (ctx.sid,)
        build_conversations(gen, store, ctx, p)
        build_studio(gen, store, ctx, p)
        build_chat(gen, store, ctx, p)
        store.load(
            "sip_trunks",
            acct,
            [
                sip_trunk(ctx, rng, pick_time(rng, ctx.created, ctx.lo), i)
                for i in range(p["sip_trunks"])
            ],
        )
        store.load(
            "verify_services",
            acct,
            [
                verify_service(ctx, rng, pick_time(rng, ctx.created, ctx.lo), i)
                for i in range(p["verify_services"])
            ],
        )
        build_taskrouter(gen, store, ctx, p)
    assert set(PRODUCT_PROFILES) == set(ACCOUNT_LABELS)
