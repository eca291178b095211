"""The shape of a fleet: ``Sandbox(subaccounts=N)``'s customer subaccounts.

An ISV's subaccounts are small but not empty: each customer has a phone number or two,
an address or two with the numbers that depend on it, a queue with callers waiting, a
few conferences with participants and recordings, a few messages and calls of the last
30 days, and daily usage records since it was created (8 categories a day). A few
customers are larger, and over a year old: a year of daily usage is four pages of 1,000,
read one after the other. Some are empty (signed up, never used).

Small customers are 40 to 110 days old (one page of usage), not a year: a year of usage
for each would hold ~3,000 rows per subaccount in the sandbox's memory (about 2.5 kB
each, 15 GB for 2,000 subaccounts).

The mix is decided per subaccount by an RNG of the seed and the subaccount's label, so
a fleet is the same for a seed whatever its size (subaccount ``i`` of a fleet of 200 is
subaccount ``i`` of a fleet of 2,000).

Accounts are built by ``generators.core`` with a profile from here; product APIs
(conversations, studio …) have no data for fleet subaccounts: their lists are empty.
"""

from __future__ import annotations

import random
import typing as t

DAY = 86400
#: Share of the fleet without any data (a customer that signed up and never used it).
EMPTY_SHARE = 0.15
#: Share of the fleet with ten times the data of a small customer.
LARGER_SHARE = 0.05

#: Curated lists under the sandbox's own records that fleet subaccounts have too:
#: the callers waiting in a queue, the recordings of a conference.
CURATED_CHILDREN = ("queue_members", "conference_recordings")


def kind_of(seed: int, label: str) -> str:
    """``empty``, ``small`` or ``larger``: deterministic for (seed, label)."""
    draw = random.Random(f"{seed}:{label}:fleet-kind").random()
    if draw < EMPTY_SHARE:
        return "empty"
    if draw < EMPTY_SHARE + LARGER_SHARE:
        return "larger"
    return "small"


def created_ts(seed: int, label: str, now_ts: int) -> int:
    """When a fleet subaccount was created: over a year ago for the larger ones."""
    rng = random.Random(f"{seed}:{label}:account")
    kind = kind_of(seed, label)
    if kind == "larger":
        return now_ts - rng.randint(380 * DAY, 700 * DAY)
    return now_ts - rng.randint(40 * DAY if kind == "small" else 30 * DAY, 110 * DAY)


def profile(seed: int, label: str, friendly_name: str) -> dict[str, t.Any] | None:
    """A fleet subaccount's counts (as ``generators.common.PROFILES``); None: empty."""
    kind = kind_of(seed, label)
    if kind == "empty":
        return None
    r = random.Random(f"{seed}:{label}:fleet-profile")
    x = 10 if kind == "larger" else 1
    return {
        "friendly_name": friendly_name,
        "messages": r.randint(3, 10) * x,
        "queued_messages": 0,
        "failed_unsent_messages": r.randint(0, 1),
        "scheduled_messages": 0,
        "canceled_messages": r.randint(0, 1),
        "canceled_calls": r.randint(0, 1),
        "queued_calls": 0,
        "calls": r.randint(4, 8) * x,
        "conferences": r.randint(1, 2) * x,
        "recordings": r.randint(1, 3) * x,
        "transcriptions": r.randint(0, 1),
        "addresses": r.randint(1, 3),
        "applications": r.randint(0, 1),
        "incoming_phone_numbers": r.randint(1, 2) * (3 if kind == "larger" else 1),
        "keys": r.randint(0, 1),
        "outgoing_caller_ids": r.randint(0, 1),
        "queues": r.randint(1, 2),
        "usage_triggers": r.randint(0, 1),
        "alerts": r.randint(0, 3) * x,
        "alert_days": None,
        "monitor_events": r.randint(0, 5) * x,
        "monitor_event_days": None,
    }
