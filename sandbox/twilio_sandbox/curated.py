"""Every other published Twilio list: curated product data and generic spec-shaped records.

``spec_examples.json`` (written by ``scripts/generate_spec_streams.py``) holds, for each
list endpoint of Twilio's 55 OpenAPI specs, its path, list key, largest page size,
parent list, date filter and one example item from the spec's response examples, with
the enum values of its fields. Every list the sandbox did not serve already is served
from it: records are the spec's example with fresh SIDs, the account's and parents'
SIDs, dates inside the account's life and enum values drawn at random.

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
operator results …): see the end of this module.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import DAY, iso, parse_record_date, rfc2822
from twilio_sandbox.registry import ResourceSpec

if TYPE_CHECKING:
    from twilio_sandbox.data import AccountCtx, Generator
    from twilio_sandbox.org import Org
    from twilio_sandbox.store import Store

#: Curated stream name -> the generated name of its list.
CURATED: dict[str, str] = {
    "sip_domains": "api_sip_domains",
    "sip_credential_lists": "api_sip_credential_lists",
    "sip_ip_access_control_lists": "api_sip_ip_access_control_lists",
    "short_codes": "api_sms_short_codes",
    "call_events": "api_calls_events",
    "queue_members": "api_queues_members",
    "conference_recordings": "api_conferences_recordings",
    "signing_keys": "api_signing_keys",
    "connect_apps": "api_connect_apps",
    "authorized_connect_apps": "api_authorized_connect_apps",
    "voice_insights_call_summaries": "insights_v1_voice_summaries",
    "voice_insights_conference_summaries": "insights_v1_conferences",
    "voice_insights_conference_participant_summaries": "insights_v1_conferences_participants",
    "messaging_services": "messaging_v1_services",
    "messaging_service_phone_numbers": "messaging_v1_services_phone_numbers",
    "messaging_service_short_codes": "messaging_v1_services_short_codes",
    "messaging_service_alpha_senders": "messaging_v1_services_alpha_senders",
    "messaging_us_a2p_campaigns": "messaging_v1_services_compliance_usa2p",
    "messaging_brand_registrations": "messaging_v1_a2p_brand_registrations",
    "messaging_tollfree_verifications": "messaging_v1_tollfree_verifications",
    "verify_attempts": "verify_v2_attempts",
    "verify_service_rate_limits": "verify_v2_services_rate_limits",
    "verify_service_entities": "verify_v2_services_entities",
    "video_rooms": "video_v1_rooms",
    "video_room_participants": "video_v1_rooms_participants",
    "video_room_recordings": "video_v1_rooms_recordings",
    "video_compositions": "video_v1_compositions",
    "serverless_services": "serverless_v1_services",
    "serverless_environments": "serverless_v1_services_environments",
    "serverless_functions": "serverless_v1_services_functions",
    "serverless_builds": "serverless_v1_services_builds",
    "serverless_deployments": "serverless_v1_services_environments_deployments",
    "sync_services": "sync_v1_services",
    "sync_documents": "sync_v1_services_documents",
    "sync_lists": "sync_v1_services_lists",
    "sync_maps": "sync_v1_services_maps",
    "intelligence_services": "intelligence_v2_services",
    "intelligence_transcripts": "intelligence_v2_transcripts",
    "intelligence_operator_results": "intelligence_v2_transcripts_operator_results",
    "content_templates": "content_v1_content",
    "event_stream_sinks": "events_v1_sinks",
    "event_stream_subscriptions": "events_v1_subscriptions",
    "trusthub_customer_profiles": "trusthub_v1_customer_profiles",
    "trusthub_trust_products": "trusthub_v1_trust_products",
    "regulatory_bundles": "numbers_v2_regulatory_compliance_bundles",
    "pricing_voice_countries": "pricing_v2_voice_countries",
    "pricing_messaging_countries": "pricing_v1_messaging_countries",
    "supersim_sims": "supersim_v1_sims",
    "supersim_fleets": "supersim_v1_fleets",
    "supersim_usage_records": "supersim_v1_usage_records",
    "wireless_sims": "wireless_v1_sims",
    "wireless_sim_usage_records": "wireless_v1_sims_usage_records",
}
#: Records per parent (or per account for top-level lists) of curated lists, by account.
CURATED_COUNTS = {"main": 4, "sub_a": 2, "sub_b": 2}
#: Long-tail lists have records in the main account only (two per parent).
LONG_TAIL_COUNT = 2
#: Long-tail children of the sandbox's big lists (calls, messages …): the first parents.
LONG_TAIL_PARENTS = 3
INSIGHTS_DAYS = 30
#: Summaries identified by the SID of the call / conference they summarise.
KEYED_BY_SOURCE = ("voice_insights_call_summaries", "voice_insights_conference_summaries")
PRICE_COUNTRIES = (("United States", "US"), ("United Kingdom", "GB"), ("Germany", "DE"))
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_RFC = re.compile(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} ")
_NORMAL = re.compile(r"\{\w+\}")
_DAY = re.compile(r"^\d{4}-\d\d-\d\d")


@cache
def examples() -> dict[str, dict[str, Any]]:
    """Every list of the specs with its example item (spec_examples.json)."""
    text = resources.files("twilio_sandbox").joinpath("spec_examples.json").read_text("utf-8")
    return json.loads(text)


def normal(product: str, path: str) -> tuple[str, str]:
    """A list's identity whatever its placeholders are called."""
    return product, _NORMAL.sub("{}", path)


def resource_specs(existing: list[ResourceSpec]) -> list[ResourceSpec]:
    """Sandbox resources for every spec list the sandbox does not serve yet."""
    served = {normal(s.product, p) for s in existing for p in (s.path, s.service_path) if p}
    names = {v: k for k, v in CURATED.items()}
    out = []
    for generated, entry in examples().items():
        if normal(entry["product"], entry["path"]) in served:
            continue
        out.append(_spec(names.get(generated, generated), entry))
    return out


def _spec(name: str, entry: dict[str, Any]) -> ResourceSpec:
    record = entry["record"]
    dates = tuple(k for k, v in record.items() if isinstance(v, str) and _is_date(v))
    ids = tuple(k for k in entry["id_fields"] if k in record)
    flt = entry["filter"]
    kw: dict[str, Any] = {}
    if flt.get("start_param") and flt["replication_key"] in dates:
        stem = flt["start_param"]
        if stem.endswith(">"):
            kw["date_filters"] = {stem[:-1]: flt["replication_key"]}
        else:
            ranges = {stem: (flt["replication_key"], "ge")}
            if flt.get("end_param"):
                ranges[flt["end_param"]] = (flt["replication_key"], "lt")
            kw["range_filters"] = ranges
    if name == "video_rooms":
        kw["eq_filters"] = {"Status": "status"}
        kw["default_filters"] = {"Status": "in-progress"}
    if name == "voice_insights_call_summaries":
        kw["default_filters"] = {"StartTime": "-4h"}
    if name in KEYED_BY_SOURCE:
        kw["id_fields"] = ids  # the call's / conference's SID: update() finds a summary by it
    api = entry["product"] == "api"
    return ResourceSpec(
        name=name,
        product=entry["product"],
        path=entry["path"],
        list_key=entry["list_key"],
        envelope="flat" if api else "meta",
        parents=tuple((p, f) for p, f in entry["params"]),
        id_fields=kw.pop("id_fields", ids if ids == ("sid",) or len(ids) > 1 else ()),
        date_fields=dates,
        sort_field="date_created" if "date_created" in dates else None,
        max_page_size=entry["max_page_size"],
        # Keyset tokens need an order; lists in insertion order page by offset.
        token="sid" if ids == ("sid",) and "date_created" in dates else "offset",
        account_in_path=api,
        lazy=True,
        **kw,
    )


def _is_date(value: str) -> bool:
    return bool(_ISO.match(value) or _RFC.match(value))


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
            if isinstance(value, str) and _SID.match(value) and value not in swap:
                swap[value] = _new_sid(rng, value[:2])
        text = _text(generated)
        for old, new in swap.items():
            text = text.replace(old, new)
        rec = json.loads(text)
        for key, value in rec.items():
            if isinstance(value, str) and _is_date(value):
                stamp = ts + (
                    rng.randint(60, 3600)
                    if spread and key not in ("date_created", "start_time", "create_time")
                    else 0
                )
                rec[key] = rfc2822(stamp) if _RFC.match(value) else iso(stamp)
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
        _distinct(rows, self.own_keys(generated) & set(rows[0] if rows else ()))
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
        """The child lists of ``rows`` (stored in ``scope``) that exist: see _has_children."""
        name = self.by_generated[generated]
        curated = name in CURATED
        for child, entry in self.children(generated):
            child_name = self.by_generated[child]
            param = entry["params"][-1][0]
            for row in rows:
                if not _has_children(name, row):
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
                if not _has_children(parent, row.data) or None in (*values, ident):
                    continue
                taken += 1
                named = dict(zip(params, [*values, ident], strict=True))
                self._fill(generated, ctx, (ctx.sid, *values, ident), named, LONG_TAIL_COUNT)


def _distinct(rows: list[dict[str, Any]], fields: set[str], first: int = 0) -> None:
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


def _has_children(parent: str, row: dict[str, Any]) -> bool:
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


def _call_facts(call: dict, start: int) -> dict:
    """A finished call's summary carries the call's own facts."""
    end = parse_record_date(call["end_time"]) or start
    return {
        "call_sid": call["sid"],
        "start_time": iso(start),
        "end_time": iso(end),
        "created_time": iso(end + 60),
        "duration": int(call.get("duration") or 0),
    }


def _conference_facts(conference: dict, created: int) -> dict:
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
    "voice_insights_call_summaries": _insights("calls", "start_time", _call_facts),
    "voice_insights_conference_summaries": _insights(
        "conferences", "date_created", _conference_facts
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


# --------------------------------------------------------------------------- add() / update()
#
# A record added now (``Sandbox.add``) is built like the generated records of its list (the
# spec's example, fresh SIDs, the account's and parents' SIDs, its key made unique in the
# list) with every date at the sandbox clock and in the state Twilio creates it in (BORN).
# ``Sandbox.update`` moves it on: the dates Twilio stamps on a status (LIFECYCLE_DATES, used
# by org._lifecycle_dates), the durations it then computes (settle) and what it does to
# related records (after_change).

#: What a record added now starts as: the status Twilio creates it with, and the fields
#: Twilio fills in only once it has ended.
BORN: dict[str, dict[str, Any]] = {
    # "A conversion happens when the user is able to provide the correct code"
    # (https://www.twilio.com/docs/verify/api/attempts).
    "verify_attempts": {"conversion_status": "unconverted"},
    # A room is in-progress until it is completed (via the API, or left empty past its
    # timeout) or fails; then it gets its end_time and duration
    # (https://www.twilio.com/docs/video/api/rooms-resource).
    "video_rooms": {"status": "in-progress", "end_time": None, "duration": None},
    # A participant's duration is set once it is disconnected
    # (https://www.twilio.com/docs/video/api/participants).
    "video_room_participants": {"status": "connected", "end_time": None, "duration": None},
    # "enqueued is the initial state"; date_completed is when its media processing ends
    # (https://www.twilio.com/docs/video/api/compositions-resource).
    "video_compositions": {"status": "enqueued", "date_completed": None},
    # Queued, in-progress, then completed
    # (https://www.twilio.com/docs/conversational-intelligence/api/transcript-resource).
    "intelligence_transcripts": {"status": "queued"},
    # "A completed Call Summary may take up to a half hour to generate, but a partial summary
    # record will be available within ten minutes of a call ending"
    # (https://www.twilio.com/docs/voice/voice-insights/api/call/call-summaries-resource).
    "voice_insights_call_summaries": {"processing_state": "partial"},
    # A partial conference summary comes with the conference's start, the complete one up to
    # 30 minutes after its end
    # (https://www.twilio.com/docs/voice/voice-insights/event-streams/conference-insights-event ,
    # https://www.twilio.com/docs/voice/voice-insights/api/conference/conference-summary-resource).
    "voice_insights_conference_summaries": {
        "status": "in_progress",
        "processing_state": "in_progress",
        "end_time": None,
        "duration_seconds": None,
        "end_reason": None,
        "ended_by": None,
    },
    # A document expires only if created with a ttl: "By default, it is persisted
    # permanently" (https://www.twilio.com/docs/sync/api/document-resource).
    "sync_documents": {"date_expires": None},
}
#: Dates Twilio stamps when a record reaches a status: (field, statuses) (see BORN).
LIFECYCLE_DATES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "video_rooms": (("end_time", ("completed", "failed")),),
    "video_room_participants": (("end_time", ("disconnected",)),),
    # "deleted means the composition media has been deleted from the system, but its
    # metadata is still available for 30 days" (compositions-resource, as in BORN).
    "video_compositions": (("date_completed", ("completed",)), ("date_deleted", ("deleted",))),
    "voice_insights_conference_summaries": (("end_time", ("completed",)),),
}
#: Durations Twilio computes once a record has ended: (duration, start field, end field).
DURATIONS: dict[str, tuple[str, str, str]] = {
    "video_rooms": ("duration", "date_created", "end_time"),
    "video_room_participants": ("duration", "start_time", "end_time"),
    "voice_insights_conference_summaries": ("duration_seconds", "start_time", "end_time"),
}
#: Curated lists add() does not build: Twilio's price list (reference data), rows derived
#: per period or from a queue's size, and call events (numbered by the tap, in list order).
NOT_ADDABLE = (
    "pricing_voice_countries",
    "pricing_messaging_countries",
    "supersim_usage_records",
    "wireless_sim_usage_records",
    "queue_members",
    "call_events",
)

Facts = Callable[[Maker, dict, "AccountCtx", int, dict, dict], None]


def _maker(gen: Generator) -> Maker:
    from twilio_sandbox.registry import REGISTRY  # the registry imports this module

    assert gen.store is not None
    return Maker(gen, gen.store, REGISTRY)


def builder(name: str, facts: Facts | None = None) -> Callable[..., dict[str, Any]]:
    """``Sandbox.add``'s builder of a curated list (see BORN)."""

    def build(
        gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
    ) -> dict[str, Any]:
        maker = _maker(gen)
        generated = CURATED[name]
        row = maker.record(generated, ctx, rng, ts, parents, spread=False)
        # The list's own key (and the field its children are found by), unique in its scope;
        # SIDs (a summary's call or conference) are unique already.
        found_by = {e.get("parent_field") or "sid" for _, e in maker.children(generated)}
        unique = {
            f
            for f in (maker.own_keys(generated) | found_by) - {"sid"}
            if f in row and not (isinstance(row[f], str) and _SID.match(row[f]))
        }
        scope = (ctx.sid, *(parents[p] for p in maker.registry[name].parent_params))
        table = maker.store.table(name, scope)
        _distinct([row], unique, len(table) if table is not None else 0)
        row.update(BORN.get(name, {}))
        if facts is not None:
            facts(maker, row, ctx, ts, parents, fields)
        return row

    return build


def _call_summary(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """The summary of one of the account's finished calls (``call_sid``), made now; without
    one, of a call of ``duration`` seconds that ended now."""
    found = maker.store.find("calls", fields.get("call_sid"))
    if found is None:
        call = {"sid": row["call_sid"], "end_time": rfc2822(ts), "duration": row.get("duration")}
    elif found[0][0] != ctx.sid or found[1].data.get("end_time") is None:
        raise ValueError("Voice Insights summarises the account's calls once they have ended")
    else:
        call = found[1].data
    start = parse_record_date(call.get("start_time")) or ts - int(call.get("duration") or 0)
    row.update(_call_facts(call, start), created_time=iso(ts))


def _conference_summary(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """The summary of one of the account's conferences (``conference_sid``), from its start."""
    found = maker.store.find("conferences", fields.get("conference_sid"))
    if found is not None and found[0][0] != ctx.sid:
        raise ValueError("Voice Insights summarises the account's own conferences")
    conference = (
        found[1].data
        if found is not None
        else {"sid": row["conference_sid"], "friendly_name": row.get("friendly_name")}
    )
    created = parse_record_date(conference.get("date_created")) or ts
    row.update(_conference_facts(conference, created), start_time=iso(created))


def _left_now(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """A conference participant's summary comes when it leaves: it joined its duration ago."""
    row["join_time"] = iso(ts - int(row.get("duration_seconds") or 0))


def _live_room(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """Participants join in-progress rooms: nothing can be done to a completed one
    (https://www.twilio.com/docs/api/errors/53118)."""
    found = maker.store.find("video_rooms", parents["room_sid"])
    if found is None or found[1].data.get("status") != "in-progress":
        raise ValueError(f"room {parents['room_sid']} is not in progress (Twilio error 53118)")


def _completed_transcript(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """Operator results exist only for completed transcripts
    (https://www.twilio.com/docs/conversational-intelligence/api/transcript-operator-results-subresource)."""
    found = maker.store.find("intelligence_transcripts", parents["transcript_sid"])
    if found is None or not _has_children("intelligence_transcripts", found[1].data):
        raise ValueError(f"transcript {parents['transcript_sid']} is not completed")


FACTS: dict[str, Facts] = {
    "voice_insights_call_summaries": _call_summary,
    "voice_insights_conference_summaries": _conference_summary,
    "voice_insights_conference_participant_summaries": _left_now,
    "video_room_participants": _live_room,
    "intelligence_operator_results": _completed_transcript,
}
BUILDERS = {name: builder(name, FACTS.get(name)) for name in CURATED if name not in NOT_ADDABLE}


def settle(resource: str, record: dict[str, Any]) -> None:
    """The duration of a record that has just ended (see DURATIONS)."""
    fields = DURATIONS.get(resource)
    if fields is None:
        return
    duration, start, end = fields
    began, ended = parse_record_date(record.get(start)), parse_record_date(record.get(end))
    if record.get(duration) is None and began is not None and ended is not None:
        record[duration] = ended - began


def after_change(org: Org, resource: str, scope: tuple[str, ...], record: dict[str, Any]) -> None:
    """What Twilio does to related records when one is added or updated.

    * A room that has ended has no connected participant left ("for completed Rooms only
      disconnected Participants are returned",
      https://www.twilio.com/docs/video/api/participants): they leave when it ends.
    * A transcript that is completed gets its operator results (and sentences), made by the
      service's language operators then
      (https://www.twilio.com/docs/conversational-intelligence/api/transcript-operator-results-subresource).
      Room participants, by contrast, are people who join: add() them while it is live.
    """
    store = org.store
    if resource == "video_rooms" and record.get("end_time") is not None:
        table = store.table("video_room_participants", (*scope, record["sid"]))
        for row in list(table.rows) if table is not None else ():
            if row.data.get("status") != "disconnected":
                org.update(
                    "video_room_participants",
                    row.ident,
                    status="disconnected",
                    end_time=record["end_time"],
                )
    elif resource == "intelligence_transcripts" and _has_children(resource, record):
        results = (*scope, record["sid"])
        ctx = org.account(scope[0])
        if ctx is not None and store.table("intelligence_operator_results", results) is None:
            count = CURATED_COUNTS.get(ctx.label, LONG_TAIL_COUNT)
            _maker(org.gen).fill_children(
                CURATED[resource], ctx, scope, {}, [record], count, org.clock()
            )
