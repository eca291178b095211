"""Curated product data and generic spec-shaped records of every other published Twilio list.

Records are the spec's example (``twilio_sandbox.spec_lists``) with fresh SIDs, the account's
and parents' SIDs, dates inside the account's life and enum values drawn at random.

Curated lists (the streams of ``tap_twilio/streams/curated.py``) carry their stream names and
Twilio's behaviour where it matters to a reader:

* Voice Insights keeps 30 days (https://www.twilio.com/docs/api/errors/17002); call
  summaries exist for the account's finished calls, and the list shows only the last
  4 hours without ``StartTime``
  (https://www.twilio.com/docs/voice/voice-insights/api/call/call-summaries-resource);
* Verify attempts: the last 30 days (https://www.twilio.com/docs/verify/api/attempts);
* video rooms: only ``in-progress`` rooms unless ``Status`` says otherwise
  (https://www.twilio.com/docs/video/api/rooms-resource);
* queue members: as many as the queue's ``current_size``
  (https://www.twilio.com/docs/voice/api/queue-resource); call events only for calls
  that started; operator results only for completed transcripts.

Other accounts than the sandbox's main, sub_a and sub_b (a fleet) have no such data: their
lists are empty (``lazy``), without a table per account.

``Sandbox.add`` builds curated records like the generated ones, dated at the sandbox clock
and in the state Twilio creates them in; ``Sandbox.update`` moves them on as Twilio does (a
room that completes disconnects its participants, a transcript that completes gets its
operator results …): see ``curated_changes`` and ``twilio_sandbox.effects``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from twilio_sandbox import fleet
from twilio_sandbox.formats import DAY, iso, parse_record_date, rfc2822
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.resource_spec import ResourceSpec
from twilio_sandbox.spec_lists import CURATED, RFC_RE, SID_RE, examples, is_date, normal
from twilio_sandbox.store import Store

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


#: Records per parent (or per account for top-level lists) of curated lists, by account.
CURATED_COUNTS = {"main": 4, "sub_a": 2, "sub_b": 2}
#: Long-tail lists have records in the main account only (two per parent).
LONG_TAIL_COUNT = 2
#: Long-tail children of the sandbox's big lists (calls, messages …): the first parents.
LONG_TAIL_PARENTS = 3
INSIGHTS_DAYS = 30
PRICE_COUNTRIES = (("United States", "US"), ("United Kingdom", "GB"), ("Germany", "DE"))
_DAY = re.compile(r"^\d{4}-\d\d-\d\d")


# --------------------------------------------------------------------------- records


class Maker:
    """Builds records of one list from its example (deterministic per seed)."""

    def __init__(self, gen: Generator, store: Store, registry: dict[str, ResourceSpec]) -> None:
        self.gen = gen
        self.store = store
        self.registry = registry
        by_path = {
            normal(s.product, path): s.name
            for s in registry.values()
            for path in (s.path, s.service_path)
            if path
        }
        self.by_generated = {
            generated: by_path.get(normal(e["product"], e["path"]))
            for generated, e in examples().items()
        }

    def record(
        self,
        generated: str,
        ctx: AccountCtx,
        rng: random.Random,
        ts: int,
        parents: dict[str, str],
        spread: bool = True,
    ) -> dict[str, Any]:
        """One record: the example with new SIDs, the account, parents and dates.

        Dates are ``ts``, later ones (updates, ends) up to an hour after it unless not
        ``spread`` (a record added at the sandbox clock has no date after it).
        """
        entry = examples()[generated]
        rec = entry["record"]  # read only: the new record is parsed from its text
        swap: dict[str, str] = {}
        if isinstance(rec.get("account_sid"), str):
            swap[rec["account_sid"]] = ctx.sid
        for param, fname in entry["params"]:
            if fname and isinstance(rec.get(fname), str):
                swap[rec[fname]] = parents[param]
        for value in rec.values():
            if isinstance(value, str) and SID_RE.match(value) and value not in swap:
                swap[value] = _new_sid(rng, value[:2])
        text = _text(generated)
        for old, new in swap.items():
            text = text.replace(old, new)
        rec = json.loads(text)
        for key, value in rec.items():
            if isinstance(value, str) and is_date(value):
                stamp = ts + (
                    rng.randint(60, 3600)
                    if spread and key not in ("date_created", "start_time", "create_time")
                    else 0
                )
                rec[key] = rfc2822(stamp) if RFC_RE.match(value) else iso(stamp)
        for key, values in entry["choices"].items():
            if key in rec:
                rec[key] = rng.choice(values)
        for param, fname in entry["params"]:
            if fname:
                rec[fname] = parents[param]
        for key in ("sid", "id"):
            if key in rec and not isinstance(rec[key], str):  # the spec's examples show none
                rec[key] = _new_sid(rng, "ZZ")
        return rec

    def build(self, ctxs: list[AccountCtx]) -> None:
        """Generate every curated and long-tail list of every account with a profile."""
        tops = [(g, e) for g, e in examples().items() if not e["params"] and self._ours(g)]
        for ctx in ctxs:
            count = CURATED_COUNTS.get(ctx.label)
            if count is None:
                continue
            for generated, _entry in tops:
                curated = self.by_generated[generated] in CURATED
                if not curated and ctx.label != "main":
                    continue
                self._fill(generated, ctx, (ctx.sid,), {}, count if curated else LONG_TAIL_COUNT)
            for generated, entry in examples().items():
                if entry["params"] and self._ours(generated):
                    parent = self.by_generated.get(entry["parent"])
                    if parent is not None and not self._ours(entry["parent"]):
                        self._children_of_builtin(generated, parent, ctx)

    def _ours(self, generated: str) -> bool:
        name = self.by_generated.get(generated)
        return name is not None and self.registry[name].lazy

    def _fill(
        self,
        generated: str,
        ctx: AccountCtx,
        scope: tuple[str, ...],
        parents: dict[str, str],
        count: int,
        ts: int | None = None,
    ) -> None:
        """Records of one list in ``scope`` and, recursively, of their children.

        Dated inside the account's life, or at ``ts`` (children Twilio makes now).
        """
        name = self.by_generated[generated]
        rng = self.gen.rng(ctx.label, "spec", generated, *scope[1:])
        special = SPECIAL.get(name)
        if special is not None:
            rows = special(self, generated, ctx, rng, parents)
        else:
            rows = [
                self.record(
                    generated, ctx, rng, _when(rng, ctx) if ts is None else ts, parents, ts is None
                )
                for _ in range(count)
            ]
        distinct(rows, self.own_keys(generated) & set(rows[0] if rows else ()))
        children = self.children(generated)
        for field in {e.get("parent_field") or "sid" for _, e in children} - {"sid"}:
            for number, row in enumerate(rows):  # children are found by it: unique
                row[field] = f"{row.get(field)}-{number}"
        self.store.load(name, scope, rows)
        self.fill_children(generated, ctx, scope, parents, rows, count, ts)

    def own_keys(self, generated: str) -> set[str]:
        """Key fields of a list that are neither SIDs nor its parents' (made unique in it)."""
        spec = self.registry[self.by_generated[generated]]
        keys = examples()[generated]["id_fields"]
        return set(keys) - {"sid", "account_sid", *(f for _, f in spec.parents if f)}

    def children(self, generated: str) -> list[tuple[str, dict[str, Any]]]:
        """The lists under one of this list's records that the sandbox generates."""
        return [
            (child, entry)
            for child, entry in examples().items()
            if entry["parent"] == generated and self._ours(child)
        ]

    def fill_children(
        self,
        generated: str,
        ctx: AccountCtx,
        scope: tuple[str, ...],
        parents: dict[str, str],
        rows: list[dict[str, Any]],
        count: int,
        ts: int | None = None,
    ) -> None:
        """The child lists of ``rows`` (stored in ``scope``) that exist: see has_children."""
        name = self.by_generated[generated]
        curated = name in CURATED
        for child, entry in self.children(generated):
            child_name = self.by_generated[child]
            param = entry["params"][-1][0]
            for row in rows:
                if not has_children(name, row):
                    continue
                ident = row.get(entry.get("parent_field") or "sid")
                if ident is None:
                    continue
                self._fill(
                    child,
                    ctx,
                    (*scope, ident),
                    {**parents, param: ident},
                    count if curated and child_name in CURATED else LONG_TAIL_COUNT,
                    ts,
                )

    def _children_of_builtin(self, generated: str, parent: str, ctx: AccountCtx) -> None:
        """Lists under the sandbox's own resources (calls, queues, chat users …)."""
        entry = examples()[generated]
        name = self.by_generated[generated]
        curated = name in CURATED
        if not curated and ctx.label != "main":
            return
        params = [p for p, _ in entry["params"]]
        taken = 0
        for scope, table in self.store.scopes(parent):
            if scope[0] != ctx.sid:
                continue
            for row in table.rows:
                if not curated and taken >= LONG_TAIL_PARENTS:
                    return
                values = (
                    list(scope[1:])
                    if len(scope) == len(params)
                    else [row.data.get(p) for p in params[:-1]]
                )
                ident = row.data.get(entry.get("parent_field") or "sid")
                if not has_children(parent, row.data) or None in (*values, ident):
                    continue
                taken += 1
                named = dict(zip(params, [*values, ident], strict=True))
                self._fill(generated, ctx, (ctx.sid, *values, ident), named, LONG_TAIL_COUNT)


def distinct(rows: list[dict[str, Any]], fields: set[str], first: int = 0) -> None:
    """Make ``fields`` (a key of the list) unique: numbered from ``first`` in list order.

    The spec's examples repeat one value (``"name"``, ``0``): numbers are added to it,
    strings suffixed; dates stay dates.
    """
    for field in fields:
        for number, row in enumerate(rows, first):
            value = row[field]
            if isinstance(value, int):
                row[field] = value + number
            elif not (isinstance(value, str) and _DAY.match(value)):  # dates stay dates
                row[field] = f"{value}-{number}"


@cache
def _text(generated: str) -> str:
    return json.dumps(examples()[generated]["record"], ensure_ascii=False)


def _new_sid(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(128):032x}"


def _when(rng: random.Random, ctx: AccountCtx) -> int:
    return rng.randint(ctx.created, max(ctx.created, ctx.hi - DAY))


def _recent(rng: random.Random, now: int, days: int) -> int:
    """A moment in the last ``days`` days (Twilio keeps no older data of the list)."""
    return now - rng.randint(DAY, (days - 2) * DAY)


Special = Callable[[Maker, str, "AccountCtx", random.Random, dict], list]


def has_children(parent: str, row: dict[str, Any]) -> bool:
    """The request floor: the parents whose lists exist (as the tap reads them)."""
    if parent == "calls":  # calls that never started made no request
        return row.get("start_time") is not None
    if parent == "queues":
        return int(row.get("current_size") or 0) > 0
    if parent == "intelligence_transcripts":  # results and sentences once completed
        return row.get("status") == "completed"
    if parent == "video_rooms":  # the tap reads completed rooms
        return row.get("status") == "completed"
    return True


# --------------------------------------------------------------------------- special lists


def _insights(source: str, date_field: str, facts: Callable[[dict, int], dict]) -> Special:
    """Voice Insights summaries: one per ``source`` record of the last 30 days."""

    def build(
        maker: Maker, generated: str, ctx: AccountCtx, rng: random.Random, parents: dict
    ) -> list:
        floor = maker.gen.now - (INSIGHTS_DAYS - 1) * DAY
        out = []
        for row in _rows(maker, source, ctx):
            when = parse_record_date(row.get(date_field))
            if when is None or when < floor or (source == "calls" and not row["end_time"]):
                continue
            rec = maker.record(generated, ctx, rng, when, parents)
            rec.update(facts(row, when))
            out.append(rec)
        return out

    return build


def call_facts(call: dict, start: int) -> dict:
    """A finished call's summary carries the call's own facts."""
    end = parse_record_date(call["end_time"]) or start
    return {
        "call_sid": call["sid"],
        "start_time": iso(start),
        "end_time": iso(end),
        "created_time": iso(end + 60),
        "duration": int(call.get("duration") or 0),
    }


def conference_facts(conference: dict, created: int) -> dict:
    """Conference summaries are keyed by the conference's SID."""
    return {
        "conference_sid": conference["sid"],
        "create_time": iso(created),
        "friendly_name": conference.get("friendly_name"),
    }


def _queue_members(
    maker: Maker, generated: str, ctx: AccountCtx, rng: random.Random, parents: dict
) -> list:
    queue = maker.store.find("queues", parents["queue_sid"])
    size = int(queue[1].data.get("current_size") or 0) if queue else 0
    rows = []
    for position in range(1, size + 1):
        rec = maker.record(generated, ctx, rng, _recent(rng, maker.gen.now, 3), parents)
        rec["position"] = position
        rows.append(rec)
    return rows


def _recent_rows(days: int) -> Special:
    def build(
        maker: Maker, generated: str, ctx: AccountCtx, rng: random.Random, parents: dict
    ) -> list:
        count = CURATED_COUNTS[ctx.label] * 2
        return [
            maker.record(generated, ctx, rng, _recent(rng, maker.gen.now, days), parents)
            for _ in range(count)
        ]

    return build


def _pricing(
    maker: Maker, generated: str, ctx: AccountCtx, rng: random.Random, parents: dict
) -> list:
    """Twilio's price list: the same countries for every account."""
    product = examples()[generated]["path"]
    base = f"https://pricing.twilio.com{product}"
    return [
        {"country": name, "iso_country": code, "url": f"{base}/{code}"}
        for name, code in PRICE_COUNTRIES
    ]


def _rooms(
    maker: Maker, generated: str, ctx: AccountCtx, rng: random.Random, parents: dict
) -> list:
    """Completed rooms and one still in progress (its end_time and duration not set yet)."""
    rows = [
        maker.record(generated, ctx, rng, _when(rng, ctx), parents)
        for _ in range(CURATED_COUNTS[ctx.label] + 1)
    ]
    for row in rows:
        row["status"] = "completed"
    live = rows[-1]
    live.update(status="in-progress", end_time=None, duration=None, date_created=iso(ctx.hi - 600))
    return rows


def _usage(
    maker: Maker, generated: str, ctx: AccountCtx, rng: random.Random, parents: dict
) -> list:
    """Daily usage rows for the last days (one per SIM and day)."""
    rows = []
    sims = (
        [r["sid"] for r in _rows(maker, "supersim_sims", ctx)]
        if not parents
        else [parents["sim_sid"]]
    )
    for sim in sims:
        for day in range(3):
            start = (ctx.hi // DAY - day - 1) * DAY
            rec = maker.record(generated, ctx, rng, start, parents)
            rec["sim_sid"] = sim
            key = "start_time" if "start_time" in (rec.get("period") or {}) else "start"
            rec["period"] = {key: iso(start), key.replace("start", "end"): iso(start + DAY)}
            rows.append(rec)
    return rows


def _rows(maker: Maker, resource: str, ctx: AccountCtx) -> list[dict[str, Any]]:
    return [
        r.data for scope, t in maker.store.scopes(resource) if scope[0] == ctx.sid for r in t.rows
    ]


SPECIAL: dict[str, Special] = {
    "voice_insights_call_summaries": _insights("calls", "start_time", call_facts),
    "voice_insights_conference_summaries": _insights(
        "conferences", "date_created", conference_facts
    ),
    "queue_members": _queue_members,
    "verify_attempts": _recent_rows(30),
    "pricing_voice_countries": _pricing,
    "pricing_messaging_countries": _pricing,
    "video_rooms": _rooms,
    "supersim_usage_records": _usage,
    "wireless_sim_usage_records": _usage,
}


def build_curated(gen: Generator, store: Store, registry: dict[str, ResourceSpec]) -> None:
    """Generate the curated and long-tail lists of every account with a profile."""
    Maker(gen, store, registry).build(list(gen.accounts.values()))


def build_fleet_children(gen: Generator, store: Store, registry: dict[str, ResourceSpec]) -> None:
    """Queue members and conference recordings of the fleet subaccounts with data."""
    maker = Maker(gen, store, registry)
    wanted = [
        (generated, maker.by_generated[entry["parent"]])
        for generated, entry in examples().items()
        if maker.by_generated.get(generated) in fleet.CURATED_CHILDREN
        and entry.get("parent") in maker.by_generated
    ]
    for ctx in gen.accounts.values():
        if (
            ctx.is_fleet
            and ctx.status == "active"
            and fleet.kind_of(gen.seed, ctx.label) != "empty"
        ):
            for generated, parent in wanted:
                maker._children_of_builtin(generated, parent, ctx)
