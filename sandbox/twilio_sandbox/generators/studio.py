"""Studio: flows, executions and their steps."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import DAY, iso
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.common import intl_number, new_sid
from twilio_sandbox.generators.product_common import STUDIO, iso_ts, pick_time
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


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


def build_studio(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "studio")
    acct = (ctx.sid,)
    flows = [
        studio_flow(ctx, rng, pick_time(rng, ctx.created, ctx.lo), i)
        for i in range(p["studio_flows"])
    ]
    for f in flows:
        f["date_updated"] = iso(min(ctx.hi, iso_ts(f["date_updated"])))
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
