"""TaskRouter: workspaces, activities, queues, workflows, workers, tasks, events."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import DAY, iso
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.common import FIRST_NAMES, LAST_NAMES, intl_number, new_sid
from twilio_sandbox.generators.product_common import LANGUAGES, TR, WORKER_SKILLS, later, pick_time
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


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


def build_taskrouter(gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, int]) -> None:
    rng = gen.rng(ctx.label, "taskrouter")
    acct = (ctx.sid,)
    live = ctx.hi >= gen.now - 3600
    workspaces = []
    for i in range(p["workspaces"]):
        ts = pick_time(rng, ctx.created, ctx.lo)
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
            wts = pick_time(rng, ts, ctx.hi - DAY)
            worker = tr_worker(ctx, rng, wts, wsid, activities, j)
            changed = later(rng, wts, ctx.hi, 30 * DAY)
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
