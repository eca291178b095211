"""TaskRouter task queue cumulative statistics, computed from the queue's tasks."""

from __future__ import annotations

import random
from typing import Any

from twilio_sandbox.formats import iso
from twilio_sandbox.generators.product_common import TR
from twilio_sandbox.store import Store


def queue_statistics(
    store: Store, scope: tuple[str, ...], start: int, end: int, channel: str | None = None
) -> dict[str, Any] | None:
    """Cumulative statistics of one task queue over ``[start, end]`` (None if no such queue)."""
    account, workspace_sid, queue_sid = scope
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


def all_queue_statistics(
    store: Store, clock: int, refused: set[str], account_sid: str | None
) -> list[dict[str, Any]]:
    """Default-window statistics of every task queue at ``clock`` (for ``expected``), but
    those of ``refused`` accounts."""
    start, end = default_stats_window(clock)
    out = []
    for scope, table in store.scopes("taskrouter_task_queues"):
        if (account_sid is not None and scope[0] != account_sid) or scope[0] in refused:
            continue
        for row in table.rows:
            stats = queue_statistics(store, (*scope, row.ident), start, end)
            if stats is not None:
                out.append(stats)
    return out
