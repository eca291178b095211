"""``Sandbox.add``'s builders of product records."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import iso
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.chat import (
    chat_channel,
    chat_member,
    chat_message,
    chat_role,
    chat_service,
    chat_user,
)
from twilio_sandbox.generators.common import new_sid
from twilio_sandbox.generators.conversations import (
    conversation,
    conversation_message,
    conversation_participant,
    conversation_service,
    conversation_user,
    user_conversation,
)
from twilio_sandbox.generators.product_common import stored_rows
from twilio_sandbox.generators.studio import studio_execution, studio_flow, studio_step
from twilio_sandbox.generators.taskrouter import (
    tr_activity,
    tr_event,
    tr_task,
    tr_task_channel,
    tr_task_queue,
    tr_worker,
    tr_worker_channel,
    tr_workflow,
    tr_workspace,
)
from twilio_sandbox.generators.trunking_verify import sip_trunk, verify_service
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


# --------------------------------------------------------------------------- add() builders


def _first(gen: Generator, resource: str, scope: tuple[str, ...]) -> dict[str, Any] | None:
    rows = stored_rows(gen, resource, scope)
    return rows[0] if rows else None


def _next_index(gen: Generator, resource: str, scope: tuple[str, ...]) -> int:
    rows = stored_rows(gen, resource, scope)
    return max((r["index"] for r in rows), default=-1) + 1


def _b_conv_service(gen, ctx, rng, ts, parents, fields):
    n = len(stored_rows(gen, "conversation_services", (ctx.sid,)))
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
    n = len(stored_rows(gen, "conversation_users", (ctx.sid,)))
    return conversation_user(ctx, rng, ts, svc, new_sid(rng, "RL"), n)


def _b_user_conv(gen, ctx, rng, ts, parents, fields):
    user_sid = parents["user_sid"]
    users = {u["sid"]: u for u in stored_rows(gen, "conversation_users", (ctx.sid,))}
    user = users.get(user_sid) or {"sid": user_sid, "identity": "user"}
    conv_sid = fields.get("conversation_sid")
    convs = {c["sid"]: c for c in stored_rows(gen, "conversations", (ctx.sid,))}
    conv = convs.get(conv_sid) if conv_sid else None
    if conv is None:
        conv = conversation(ctx, rng, ts, user.get("chat_service_sid") or new_sid(rng, "IS"))
        if conv_sid:
            conv["sid"] = conv_sid
    part = conversation_participant(
        ctx, rng, ts, conv["sid"], user["identity"], new_sid(rng, "RL"), conv["chat_service_sid"]
    )
    return user_conversation(user, conv, part, -1, rng)


def _b_flow(gen, ctx, rng, ts, parents, fields):
    flow = studio_flow(ctx, rng, ts, len(stored_rows(gen, "studio_flows", (ctx.sid,))))
    flow["date_updated"] = iso(ts)
    return flow


def _b_execution(gen, ctx, rng, ts, parents, fields):
    flows = {f["sid"]: f for f in stored_rows(gen, "studio_flows", (ctx.sid,))}
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
    n = len(stored_rows(gen, "chat_users", (ctx.sid, parents["service_sid"])))
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
    return stored_rows(gen, resource, (ctx.sid, ws))


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
