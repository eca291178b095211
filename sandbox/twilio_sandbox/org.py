"""The sandbox organisation: generated data, clock and the mutation API (add/update)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from twilio_sandbox import effects
from twilio_sandbox.credentials import Credentials
from twilio_sandbox.formats import (
    DAY,
    day_start,
    iso,
    iso_offset,
    parse_record_date,
    rfc2822,
    to_ts,
    ymd,
)
from twilio_sandbox.generators import curated_changes
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.common import RETENTION_DAYS, new_sid
from twilio_sandbox.generators.conversations import build_conversation_history
from twilio_sandbox.generators.core import Generator, build_core
from twilio_sandbox.generators.curated import build_curated, build_fleet_children
from twilio_sandbox.generators.product_builders import BUILDERS as PRODUCT_BUILDERS
from twilio_sandbox.generators.products import build_products
from twilio_sandbox.generators.taskrouter_stats import all_queue_statistics
from twilio_sandbox.registry import CHILDREN, REGISTRY
from twilio_sandbox.store import Row, Store

Builder = Callable[
    [Generator, AccountCtx, Any, int, dict[str, Any], dict[str, Any]], dict[str, Any]
]

ALERT_QUERY_DAYS = 30
#: Where Messages without date_sent / Calls without start_time sort in their list.
UNDATED_ORDERS = ("first", "last")
#: Message statuses reached once Twilio has sent it: ``update`` stamps a null date_sent.
MESSAGE_SENT_STATUSES = ("sending", "sent", "delivered", "undelivered", "read")
#: Call statuses of a call that started / ended: ``update`` stamps null start/end times.
CALL_STARTED_STATUSES = ("ringing", "in-progress", "completed", "busy", "no-answer", "failed")
CALL_ENDED_STATUSES = ("completed", "busy", "no-answer", "failed")


def default_now() -> datetime:
    """Current UTC time truncated to the minute."""
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


class Org:
    """Generated organisation state, shared by the HTTP server and the Python API."""

    def __init__(
        self,
        seed: int = 0,
        scale: float = 1.0,
        now: datetime | None = None,
        subaccounts: int = 0,
        undated_order: str = "first",
        conversation_history: int = 0,
    ) -> None:
        now = default_now() if now is None else now
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        self.now = now.replace(microsecond=0)
        self.now_ts = to_ts(self.now)
        self.seed = seed
        self.scale = scale
        if subaccounts < 0:
            raise ValueError("subaccounts must be >= 0")
        self.gen = Generator(seed, self.now_ts, scale, subaccounts)
        if undated_order not in UNDATED_ORDERS:
            raise ValueError(f"undated_order must be one of {', '.join(UNDATED_ORDERS)}")
        self.undated_order = undated_order
        self.store = Store(undated_first=undated_order == "first")
        self.gen.store = self.store
        #: Accounts still ``active`` in their record that refuse every request (20005).
        self.refused: set[str] = set()
        build_core(self.gen, self.store)
        build_products(self.gen, self.store)
        build_conversation_history(self.gen, self.store, conversation_history)
        self._curated_built = False  # built on first use: see ensure_curated
        self._ensure_tables()
        self._t0 = time.monotonic()
        self._offset = 0.0
        self._add_counter = 0

    def _ensure_tables(self) -> None:
        """Give every active account an (empty) table of each top-level list resource."""
        tops = [
            name
            for name, spec in REGISTRY.items()
            if not spec.parents
            and spec.list_key is not None
            and name != "accounts"
            and not spec.lazy
        ]
        tables = self.store.tables
        for ctx in self.gen.accounts.values():
            if ctx.status != "active":
                continue
            scope = (ctx.sid,)
            for name in tops:
                if scope not in tables[name]:
                    self.store.table(name, scope, create=True)

    # ------------------------------------------------------------------ basics

    @property
    def creds(self) -> Credentials:
        """The organisation's credentials."""
        return self.gen.creds

    def clock(self) -> int:
        """Sandbox time: ``now`` + real time elapsed since generation + ``advance()`` offsets."""
        return self.now_ts + int(time.monotonic() - self._t0 + self._offset)

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward (simulates time passing without sleeping)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def account(self, sid: str) -> AccountCtx | None:
        """Account context by SID."""
        return self.gen.accounts.get(sid)

    def is_active(self, sid: str) -> bool:
        """False for suspended/closed accounts and for accounts refused by ``refuse``."""
        ctx = self.gen.accounts.get(sid)
        return ctx is not None and ctx.status == "active" and sid not in self.refused

    def refuse(self, sid: str) -> None:
        """Make an account answer every request with 401/20005, its status unchanged."""
        if sid not in self.gen.accounts:
            raise KeyError(f"unknown account {sid!r}")
        self.refused.add(sid)

    @property
    def account_sids(self) -> list[str]:
        """Main first, then subaccounts."""
        return list(self.gen.accounts)

    def accounts(self) -> list[dict[str, Any]]:
        """Account records, main first."""
        with self.store.lock:
            t = self.store.table("accounts", ())
            assert t is not None
            by_sid = {r.ident: r.data for r in t.rows}
            return [copy.deepcopy(by_sid[sid]) for sid in self.account_sids if sid in by_sid]

    def active_accounts(self) -> list[dict[str, Any]]:
        """Account records whose ``status`` is active, main first."""
        return [a for a in self.accounts() if a["status"] == "active"]

    # ------------------------------------------------------------------ expected

    def alert_floor(self) -> int:
        """Oldest ``StartDate`` the Alerts list accepts (and its default).

        Exactly the sandbox clock - 30 days, to the second ("Queries for alerts older than
        30 days are not supported", https://www.twilio.com/docs/usage/monitor-alert).
        """
        return self.clock() - ALERT_QUERY_DAYS * DAY

    def retention_floor(self) -> int:
        """Oldest date Messages, Media and Recordings can be queried for.

        Exactly the sandbox clock - 400 days (https://www.twilio.com/docs/usage/api/usage-record ,
        https://help.twilio.com/articles/360021353293).
        """
        return self.clock() - RETENTION_DAYS * DAY

    def ensure_curated(self) -> None:
        """Generate the curated and long-tail lists (twilio_sandbox.generators.curated) once,
        when first read: most clients of the sandbox never ask for them."""
        with self.store.lock:
            if not self._curated_built:
                build_curated(self.gen, self.store, REGISTRY)
                build_fleet_children(self.gen, self.store, REGISTRY)
                self._curated_built = True

    def expected(self, resource: str, account_sid: str | None = None) -> list[dict[str, Any]]:
        """Records of ``resource`` a correct full extraction returns (see Sandbox.expected)."""
        if resource not in REGISTRY:
            raise KeyError(f"unknown resource {resource!r}")
        if REGISTRY[resource].lazy:
            self.ensure_curated()
        store = self.store
        with store.lock:
            if resource == "accounts":
                t = store.table("accounts", ())
                assert t is not None
                rows = [r.data for r in t.rows if account_sid in (None, r.ident)]
            elif account_sid is not None and not self.is_active(account_sid):
                rows = []  # Twilio refuses every request for it (20005)
            elif resource == "taskrouter_task_queue_statistics":
                rows = all_queue_statistics(self.store, self.clock(), self.refused, account_sid)
            else:
                rows = []
                for scope, table in store.scopes(resource):
                    if account_sid is not None and scope[0] != account_sid:
                        continue
                    if scope[0] in self.refused:
                        continue
                    rows.extend(r.data for r in table.rows)
                if resource == "alerts":
                    floor = self.alert_floor()
                    rows = [
                        d
                        for d in rows
                        if (ts := _parse(d["date_generated"])) is not None and ts >= floor
                    ]
            return json.loads(json.dumps(rows))

    # ------------------------------------------------------------------ add / update

    def _convert(self, resource: str, name: str, value: Any) -> Any:
        spec = REGISTRY[resource]
        if isinstance(value, datetime):
            ts = to_ts(value)
            if name in ("start_date", "end_date") and resource == "usage_records":
                return ymd(ts)
            return iso(ts) if spec.iso_dates else rfc2822(ts)
        if isinstance(value, date):
            return value.isoformat()
        return value

    def add(self, resource: str, account_sid: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create a record now (see Sandbox.add)."""
        spec = REGISTRY.get(resource)
        if spec is None:
            raise KeyError(f"unknown resource {resource!r}")
        builder = BUILDERS.get(resource)
        if builder is None:
            raise ValueError(f"add() does not support {resource!r}")
        if spec.lazy:
            self.ensure_curated()  # generated first: an added record comes after them
        if account_sid is None and resource in CONVERSATION_CHILDREN:
            # Added into an existing conversation: its account (and service) are its own.
            found = self.store.find("conversations", fields.get("conversation_sid"))
            if found is not None:
                account_sid = found[0][0]
        sid = account_sid or self.creds.account_sid
        ctx = self.account(sid)
        if ctx is None:
            raise KeyError(f"unknown account {sid!r}")
        with self.store.lock:
            self._add_counter += 1
            rng = self.gen.rng("add", resource, str(self._add_counter))
            ts = self.clock()
            parents = {p: fields.pop(p) for p in spec.parent_params if p in fields}
            for param, field_name in spec.parents:
                if param not in parents and field_name and field_name in fields:
                    parents[param] = fields[field_name]
            missing = [p for p in spec.parent_params if p not in parents]
            if missing:
                raise ValueError(f"add({resource!r}) needs {', '.join(missing)}")
            record = builder(self.gen, ctx, rng, ts, parents, dict(fields))
            stamp = iso(ts) if spec.iso_dates else rfc2822(ts)
            for name in NOW_FIELDS:
                if name in record and record[name] is not None and name not in fields:
                    record[name] = stamp
            if "event_date_ms" in record and "event_date_ms" not in fields:
                record["event_date_ms"] = ts * 1000
            for param, field_name in spec.parents:
                if field_name and field_name in record:
                    record[field_name] = parents[param]
            self._apply(resource, record, fields)
            if spec.lazy:
                # Curated records are built as Twilio creates them (curated_changes.BORN); one added
                # with a final status ended now. Other builders date by status themselves.
                _lifecycle_dates(resource, record, fields, stamp)
                curated_changes.settle(resource, record)
            scope = (sid, *(parents[p] for p in spec.parent_params))
            row = self.store.insert(resource, scope, record)
            for child in CHILDREN.get(resource, ()):
                self.store.table(child, (*scope, row.ident), create=True)
            effects.after_add(self, resource, scope, record)
            effects.after_change(self, resource, scope, record)
            return copy.deepcopy(record)

    def _apply(self, resource: str, record: dict[str, Any], fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            if name not in record:
                raise ValueError(f"{resource} records have no field {name!r}")
            record[name] = self._convert(resource, name, value)

    def update(self, resource: str, key: Any, **fields: Any) -> dict[str, Any]:
        """Change fields of a record and bump its ``date_updated`` (see Sandbox.update)."""
        spec = REGISTRY.get(resource)
        if spec is None:
            raise KeyError(f"unknown resource {resource!r}")
        if isinstance(key, list):
            key = tuple(key)
        if spec.lazy:
            self.ensure_curated()
        with self.store.lock:
            found = self.store.find(resource, key)
            if found is None:
                raise KeyError(f"no {resource} record with key {key!r}")
            scope, row = found
            record = copy.deepcopy(row.data)
            self._apply(resource, record, fields)
            now = self.clock()
            stamp = iso(now) if spec.iso_dates else rfc2822(now)
            _lifecycle_dates(resource, record, fields, stamp)
            curated_changes.settle(resource, record)
            if "date_updated" in record and "date_updated" not in fields:
                record["date_updated"] = stamp
            if "as_of" in record and "as_of" not in fields:
                record["as_of"] = iso_offset(now)
            self.store.replace(resource, scope, row, record)
            effects.after_update(self, resource, record)
            effects.after_change(self, resource, scope, record)
            return copy.deepcopy(record)

    def find_row(self, resource: str, key: Any) -> Row | None:
        """A stored row by key (for tests/diagnostics)."""
        found = self.store.find(resource, key)
        return None if found is None else found[1]


CONVERSATION_CHILDREN = ("conversation_messages", "conversation_participants")

#: Date fields set to the sandbox clock by ``add`` (unless given or null).
NOW_FIELDS = (
    "date_created",
    "date_updated",
    "date_sent",
    "event_date",
    "date_generated",
    "date_status_changed",
    "task_queue_entered_date",
    "virtual_start_time",
)


#: Dates Twilio sets when a record reaches a status: resource -> (field, statuses).
LIFECYCLE_DATES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "messages": (("date_sent", MESSAGE_SENT_STATUSES),),
    "calls": (("start_time", CALL_STARTED_STATUSES), ("end_time", CALL_ENDED_STATUSES)),
    **curated_changes.LIFECYCLE_DATES,
}


def _lifecycle_dates(
    resource: str, record: dict[str, Any], fields: dict[str, Any], now: str
) -> None:
    """Dates Twilio sets when a record moves on (unless ``fields`` sets them).

    A queued message that is sent gets its date_sent; a queued call that rings gets its
    start_time, one that ends its end_time. A message that fails before sending, a
    canceled scheduled message and a call canceled while queued keep null dates
    (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values ,
    https://www.twilio.com/docs/voice/api/call-resource#call-status-values). Curated
    records: see curated_changes.BORN.
    """
    status = fields.get("status")
    if status is None:
        return
    for name, statuses in LIFECYCLE_DATES.get(resource, ()):
        if status in statuses and record.get(name) is None and name not in fields:
            record[name] = now


def _parse(value: str | None) -> int | None:
    return parse_record_date(value)


# --------------------------------------------------------------------------- builders for add()


def _config(method: str) -> Builder:
    def build(
        gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
    ) -> dict:
        return getattr(gen, method)(ctx, rng, ts)

    return build


def _message(
    gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
) -> dict:
    kw = {k: fields[k] for k in ("direction", "status") if k in fields}
    kw.setdefault("direction", "outbound-api")
    kw.setdefault("status", "received" if kw["direction"] == "inbound" else "delivered")
    if "num_media" in fields:
        kw["num_media"] = int(fields["num_media"])
    return gen.message(ctx, rng, ts, **kw)


def _media(gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict) -> dict:
    return gen.media(ctx, rng, ts, parents["message_sid"])


def _call(gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict) -> dict:
    kw = {k: fields[k] for k in ("direction", "status", "parent_call_sid") if k in fields}
    kw.setdefault("direction", "outbound-api")
    kw.setdefault("status", "completed")
    call = gen.call(ctx, rng, ts, **kw)
    if call["end_time"] is not None:  # a finished call: it ends now
        secs = int(call["duration"] or 0)
        call["start_time"] = rfc2822(ts - secs)
        call["end_time"] = rfc2822(ts)
    return call


def _conference(
    gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
) -> dict:
    return gen.conference(ctx, rng, ts, status=fields.get("status", "in-progress"))


def _participant(
    gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
) -> dict:
    call_sid = fields.get("call_sid") or new_sid(rng, "CA")
    return gen.participant(
        ctx, rng, ts, parents["conference_sid"], call_sid, fields.get("status", "connected")
    )


def _recording(
    gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
) -> dict:
    kw = {k: fields[k] for k in ("call_sid", "conference_sid", "status") if k in fields}
    if "call_sid" not in kw and "conference_sid" not in kw:
        kw["call_sid"] = new_sid(rng, "CA")
    return gen.recording(ctx, rng, ts, **kw)


def _transcription(
    gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
) -> dict:
    kw = {k: fields[k] for k in ("recording_sid", "status") if k in fields}
    return gen.transcription(ctx, rng, ts, **kw)


def _dependent(
    gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
) -> dict:
    ipn = gen.incoming_phone_number(ctx, rng, ts)
    ipn["address_sid"] = parents["address_sid"]
    ipn["address_requirements"] = "any"
    return gen.dependent_phone_number(ipn)


def _usage(gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict) -> dict:
    return gen.usage_record(ctx, day_start(ts), fields.get("category", "sms"), [0, 0, 0.0])


def _alert(gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict) -> dict:
    return gen.alert(ctx, rng, ts)


def _event(gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict) -> dict:
    return gen.monitor_event(ctx, rng, ts)


def _number(kind: str) -> Builder:
    def build(
        gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
    ) -> dict:
        return gen.available_number(rng, parents["country_code"], kind)

    return build


BUILDERS: dict[str, Builder] = {
    "addresses": _config("address"),
    "applications": _config("application"),
    "incoming_phone_numbers": _config("incoming_phone_number"),
    "keys": _config("key"),
    "outgoing_caller_ids": _config("outgoing_caller_id"),
    "queues": _config("queue"),
    "usage_triggers": _config("usage_trigger"),
    "dependent_phone_numbers": _dependent,
    "messages": _message,
    "message_media": _media,
    "calls": _call,
    "conferences": _conference,
    "conference_participants": _participant,
    "recordings": _recording,
    "transcriptions": _transcription,
    "usage_records": _usage,
    "alerts": _alert,
    "monitor_events": _event,
    "available_phone_numbers_local": _number("local"),
    "available_phone_numbers_mobile": _number("mobile"),
    "available_phone_numbers_toll_free": _number("toll_free"),
    "available_phone_numbers_national": _number("national"),
    "available_phone_numbers_voip": _number("voip"),
    "available_phone_numbers_shared_cost": _number("shared_cost"),
    "available_phone_numbers_machine_to_machine": _number("machine_to_machine"),
    **PRODUCT_BUILDERS,
    **curated_changes.BUILDERS,
}
