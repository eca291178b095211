"""Twilio request semantics: routing, auth scoping, filters, ordering, paging, envelopes.

Transport-free: ``Api.handle(Request) -> Response``; ``server.py`` does the sockets.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from twilio_sandbox import products
from twilio_sandbox.data import RETENTION_DAYS, USAGE_CATEGORIES, fmt_usage_price, segments
from twilio_sandbox.formats import (
    DAY,
    day_start,
    iso,
    parse_filter_value,
    parse_usage_date,
    ymd,
)
from twilio_sandbox.history import history_for
from twilio_sandbox.org import Org
from twilio_sandbox.registry import PRODUCTS, REGISTRY, SPECS, ResourceSpec
from twilio_sandbox.store import Row, Table

JSON_TYPE = "application/json; charset=utf-8"
PAGING_PARAMS = ("PageSize", "Page", "PageToken")
DEFAULT_PAGE_SIZE = 50


# --------------------------------------------------------------------------- request / response


@dataclass
class Principal:
    """Who is calling: the account the credentials belong to."""

    account_sid: str
    is_main: bool
    username: str


@dataclass
class Request:
    """A parsed request."""

    method: str
    product: str
    path: str  # Twilio path (without the /{product} prefix)
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    principal: Principal
    base_for: Callable[[str], str]  # product -> absolute base URL of that product


@dataclass
class Response:
    """A response to send."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)


class ApiError(Exception):
    """An error rendered as a Twilio JSON error body."""

    def __init__(
        self, status: int, code: int, message: str, headers: list[tuple[str, str]] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []


def error_body(status: int, code: int, message: str) -> bytes:
    """Twilio's error JSON."""
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    ).encode()


def error_response(err: ApiError) -> Response:
    """Render an ApiError."""
    return Response(err.status, error_body(err.status, err.code, err.message), headers=err.headers)


def not_found(product: str, path: str) -> ApiError:
    """404 with Twilio's message (product paths are version-relative)."""
    shown = path
    if product != "api":
        m = re.match(r"^/v\d+(/.*)$", path)
        shown = m.group(1) if m else path
    return ApiError(404, 20404, f"The requested resource {shown} was not found")


def account_not_active() -> ApiError:
    """401/20005 "Account not active" (https://www.twilio.com/docs/api/errors/20005).

    Answers every request for a suspended or closed account, or one refused by
    ``Sandbox.refuse_account``.
    """
    return ApiError(401, 20005, "Account not active")


def invalid(message: str, code: int = 20001) -> ApiError:
    """400 for a bad parameter."""
    return ApiError(400, code, message)


# --------------------------------------------------------------------------- routing table


def _compile(template: str) -> re.Pattern[str]:
    out = ""
    pos = 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out += re.escape(template[pos : m.start()]) + f"(?P<{m.group(1)}>[^/]+?)"
        pos = m.end()
    out += re.escape(template[pos:])
    return re.compile(f"^{out}$")


@dataclass
class Route:
    """One routable path."""

    product: str
    pattern: re.Pattern[str]
    kind: str  # list | fetch | account | accounts_fetch | create_message
    spec: ResourceSpec | None = None


def _routes() -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = {p: [] for p in PRODUCTS}
    for spec in SPECS:
        for path in (spec.path, spec.service_path):
            if path is None:
                continue
            route = Route(spec.product, _compile(path), "list", spec)
            if spec.lazy:
                # Lists such as IncomingPhoneNumbers/Local.json, before the fetch routes
                # (IncomingPhoneNumbers/{sid}.json) that would take them.
                routes[spec.product].insert(0, route)
            else:
                routes[spec.product].append(route)
            if spec.id_fields == ("sid",) and spec.envelope in ("flat", "meta"):
                if path.endswith(".json"):
                    fetch = path[: -len(".json")] + "/{sid}.json"
                else:
                    fetch = path + "/{sid}"
                if spec.name == "accounts":
                    fetch = "/2010-04-01/Accounts/{account_sid}.json"
                routes[spec.product].append(Route(spec.product, _compile(fetch), "fetch", spec))
    routes["api"].insert(
        0,
        Route(
            "api",
            _compile("/2010-04-01/Accounts/{account_sid}/Messages.json"),
            "create_message",
            REGISTRY["messages"],
        ),
    )
    return routes


ROUTES = _routes()


# --------------------------------------------------------------------------- paging helpers


def encode_offset(offset: int) -> str:
    """Opaque page token for lists without sids (like Twilio's ``APMQ==``)."""
    return "AP" + base64.b64encode(str(offset).encode()).decode()


def decode_offset(token: str) -> int | None:
    """Decode an opaque offset token, None if invalid."""
    if not token.startswith("AP"):
        return None
    try:
        value = int(base64.b64decode(token[2:], validate=True).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if value >= 0 else None


def query_string(pairs: list[tuple[str, str]]) -> str:
    """Encode like Twilio's paging URIs: every reserved char escaped (``DateSent%3E=...``)."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


@dataclass
class Page:
    """A computed page."""

    items: list[dict[str, Any]]
    page: int
    page_size: int
    token: str | None
    next_token: str | None
    prev_token: str | None


def paginate(
    rows: list[Row],
    spec: ResourceSpec,
    table: Table | None,
    reverse: bool,
    page_size: int,
    page: int,
    token: str | None,
) -> Page:
    """Slice ``rows`` (ascending by key) into the requested page.

    Keyset tokens ``PA<id>`` (page after that record) / ``PB<id>`` (page before it) for
    sid lists, opaque offset tokens otherwise. ``reverse`` serves the list in
    descending key order.
    """
    n = len(rows)
    keys = [r.key for r in rows]
    eff = rows[::-1] if reverse else rows
    if token is None:
        start = page * page_size
        end = start + page_size
    elif spec.token == "sid" and token[:2] in ("PA", "PB") and table is not None:
        ref = table.by_id.get(token[2:])
        if ref is None:
            raise _bad_token()
        if token[:2] == "PA":
            start = n - bisect_left(keys, ref.key) if reverse else bisect_right(keys, ref.key)
            end = start + page_size
        else:
            end = n - bisect_right(keys, ref.key) if reverse else bisect_left(keys, ref.key)
            start = max(0, end - page_size)
    else:
        offset = decode_offset(token) if spec.token == "offset" else None
        if offset is None:
            raise _bad_token()
        start, end = offset, offset + page_size
    chosen = eff[start:end]
    has_next = start + len(chosen) < n
    if spec.token == "sid":
        next_token = f"PA{chosen[-1].ident}" if has_next and chosen else None
        prev_token = f"PB{chosen[0].ident}" if chosen else None
    else:
        next_token = encode_offset(start + len(chosen)) if has_next else None
        prev_token = encode_offset(max(0, start - page_size))
    return Page([r.data for r in chosen], page, page_size, token, next_token, prev_token)


def _bad_token() -> ApiError:
    return invalid(
        "Invalid PageToken. Please be sure you are requesting the provided paging urls.", 21481
    )


# --------------------------------------------------------------------------- the API


class Api:
    """Twilio semantics over an ``Org``."""

    def __init__(self, org: Org) -> None:
        self.org = org

    # ------------------------------------------------------------------ entry point

    def handle(self, req: Request) -> Response:
        """Serve one request; errors become Twilio JSON error responses."""
        try:
            return self._dispatch(req)
        except ApiError as err:
            return error_response(err)

    def _dispatch(self, req: Request) -> Response:
        if not self.org.is_active(req.principal.account_sid):
            # An inactive account's own credentials are refused everywhere.
            raise account_not_active()
        for route in ROUTES.get(req.product, ()):
            m = route.pattern.match(req.path)
            if m is None:
                continue
            params = m.groupdict()
            if route.kind == "create_message":
                if req.method != "POST":
                    continue
                return self._create_message(req, params)
            if req.method not in ("GET", "HEAD"):
                raise ApiError(405, 20004, "Method not allowed")
            assert route.spec is not None
            if route.spec.lazy:
                self.org.ensure_curated()
            if route.kind == "fetch":
                return self._fetch(req, route.spec, params)
            return self._list(req, route.spec, params)
        raise not_found(req.product, req.path)

    # ------------------------------------------------------------------ scoping

    def _account(self, req: Request, spec: ResourceSpec, params: dict[str, str]) -> str:
        """The account whose data the request addresses (404 if not visible)."""
        if spec.account_in_path:
            sid = params.get("account_sid")
            if sid is None:  # /Accounts.json
                return req.principal.account_sid
            if self.org.account(sid) is None or not self._visible(req.principal, sid):
                raise not_found(req.product, req.path)
            if not self.org.is_active(sid):
                raise account_not_active()
            return sid
        return req.principal.account_sid

    def _visible(self, principal: Principal, account_sid: str) -> bool:
        return principal.is_main or principal.account_sid == account_sid

    def _scope(self, req: Request, spec: ResourceSpec, params: dict[str, str]) -> tuple[str, ...]:
        account = self._account(req, spec, params)
        return (account, *(params[p] for p in spec.parent_params))

    def _service_filter(
        self, req: Request, spec: ResourceSpec, params: dict[str, str], account: str
    ) -> Callable[[Row], bool] | None:
        """Conversations: the records of the Conversation Service the path addresses.

        ``/v1/Conversations``, ``/v1/Users`` and their children act on the account's
        default Conversation Service; ``/v1/Services/{ChatServiceSid}/...`` on that
        service (https://www.twilio.com/docs/conversations/api/service-conversation-resource).
        A conversation or user of another service is not found (404).
        """
        if spec.service_path is None:
            return None
        store = self.org.store
        service = params.get("chat_service_sid")
        if service is None:
            ctx = self.org.account(account)
            service = ctx.conversation_service_sid if ctx is not None else ""
        else:
            services = store.table("conversation_services", (account,))
            if services is None or service not in services.by_id:
                raise not_found(req.product, req.path)
        if not spec.parents:
            return lambda r: r.data.get("chat_service_sid") == service
        param = spec.parent_params[0]
        parent = "conversation_users" if param == "user_sid" else "conversations"
        found = store.find(parent, params[param])
        if (
            found is None
            or found[0][0] != account
            or found[1].data.get("chat_service_sid") != service
        ):
            raise not_found(req.product, req.path)
        return None

    # ------------------------------------------------------------------ paging params

    def _page_params(self, req: Request, spec: ResourceSpec) -> tuple[int, int, str | None]:
        q = dict(req.query)
        raw = q.get("PageSize")
        page_size = DEFAULT_PAGE_SIZE
        if raw is not None:
            try:
                page_size = int(raw)
            except ValueError:
                raise invalid(f"Invalid PageSize: {raw}") from None
            if page_size < 1:
                raise invalid(f"Invalid PageSize: {raw}. PageSize must be at least 1")
            if page_size > spec.max_page_size:
                raise invalid(
                    f"Invalid PageSize: {page_size}. The maximum page size is {spec.max_page_size}"
                )
        raw_page = q.get("Page", "0")
        try:
            page = int(raw_page)
        except ValueError:
            raise invalid(f"Invalid Page: {raw_page}") from None
        if page < 0:
            raise invalid(f"Invalid Page: {raw_page}")
        token = q.get("PageToken") or None
        return page_size, page, token

    # ------------------------------------------------------------------ filters

    def _filters(self, req: Request, spec: ResourceSpec) -> list[Callable[[Row], bool]]:
        preds: list[Callable[[Row], bool]] = []
        for key, value in req.query:
            if key in PAGING_PARAMS:
                continue
            base = key.rstrip("<>")
            op = key[len(base) :]
            if base in spec.date_filters and op in ("", "<", ">"):
                preds.append(self._date_pred(spec.date_filters[base], op, key, value))
            elif key in spec.range_filters:
                fname, rop = spec.range_filters[key]
                preds.append(self._range_pred(fname, rop, key, value))
            elif key in spec.eq_filters:
                preds.append(_eq_pred(spec.eq_filters[key], value))
        sent = {key for key, _ in req.query}
        for key, value in spec.default_filters.items():
            if key not in sent:
                preds.extend(self._filters(_with_query(req, key, self._relative(value)), spec))
        return preds

    def _relative(self, value: str) -> str:
        """``-4h`` (Twilio's relative times) as a date-time before the sandbox clock."""
        match = re.fullmatch(r"-(\d+)([mhd])", value)
        if match is None:
            return value
        unit = {"m": 60, "h": 3600, "d": DAY}[match.group(2)]
        return iso(self.org.clock() - int(match.group(1)) * unit)

    @staticmethod
    def _date_pred(fname: str, op: str, key: str, value: str) -> Callable[[Row], bool]:
        parsed = parse_filter_value(value)
        if parsed is None:
            raise invalid(f"Invalid value for {key}: {value}")
        ts, date_only = parsed
        if op == ">":
            lo = day_start(ts) if date_only else ts
            return lambda r: (v := r.ts[fname]) is not None and v >= lo
        if op == "<":
            if date_only:
                hi = ts + DAY
                return lambda r: (v := r.ts[fname]) is not None and v < hi
            return lambda r: (v := r.ts[fname]) is not None and v <= ts
        d0 = day_start(ts)
        return lambda r: (v := r.ts[fname]) is not None and d0 <= v < d0 + DAY

    @staticmethod
    def _range_pred(fname: str, op: str, key: str, value: str) -> Callable[[Row], bool]:
        parsed = parse_filter_value(value)
        if parsed is None:
            raise invalid(f"Invalid {key}: {value}")
        ts, date_only = parsed
        if op == "ge":
            return lambda r: (v := r.ts[fname]) is not None and v >= ts
        if op == "le":
            hi = ts + DAY if date_only else ts + 1
            return lambda r: (v := r.ts[fname]) is not None and v < hi
        return lambda r: (v := r.ts[fname]) is not None and v < ts

    def _lower_bound(self, req: Request, spec: ResourceSpec) -> int | None:
        """Lowest date a 2010 date filter asks for (for the retention check)."""
        lows = []
        for key, value in req.query:
            base = key.rstrip("<>")
            if base in spec.date_filters and not key.endswith("<"):
                parsed = parse_filter_value(value)
                if parsed is not None:
                    lows.append(day_start(parsed[0]) if parsed[1] else parsed[0])
        return min(lows) if lows else None

    # ------------------------------------------------------------------ list

    def _list(self, req: Request, spec: ResourceSpec, params: dict[str, str]) -> Response:
        if spec.name == "accounts":
            return self._accounts(req, spec)
        if spec.name == "account_balance":
            return self._balance(req, spec, params)
        if spec.name == "usage_records":
            return self._usage(req, spec, params)
        if spec.name == "taskrouter_task_queue_statistics":
            return self._queue_statistics(req, spec, params)
        scope = self._scope(req, spec, params)
        page_size, page, token = self._page_params(req, spec)
        preds = self._filters(req, spec)
        with self.org.store.lock:
            service_pred = self._service_filter(req, spec, params, scope[0])
        if service_pred is not None:
            preds.append(service_pred)
        q = dict(req.query)
        reverse = False  # table order already encodes the default ordering
        clock = self.org.clock()
        if spec.name in ("messages", "message_media", "recordings"):
            # Kept 400 days: a date filter reaching further back is refused; the floor is
            # exactly clock - 400 days, to the second
            # (https://www.twilio.com/docs/usage/api/usage-record ,
            # https://help.twilio.com/articles/360021353293).
            low = self._lower_bound(req, spec)
            floor = self.org.retention_floor()
            if low is not None and low < floor:
                raise invalid(
                    f"Date range starting {ymd(low)} is outside of retention window of "
                    f"{RETENTION_DAYS} days",
                    20004,
                )
        elif spec.name == "alerts":
            # "Queries for alerts older than 30 days are not supported"
            # (https://www.twilio.com/docs/usage/monitor-alert): the list serves exactly the
            # alerts generated at or after clock - 30 days (to the second); an older
            # StartDate is refused with 400 (Twilio's exact answer is not documented).
            floor = self.org.alert_floor()
            start = q.get("StartDate")
            if start is not None:
                parsed = parse_filter_value(start)
                if parsed is None:
                    raise invalid(f"Invalid StartDate: {start}")
                if parsed[0] < floor:
                    raise invalid(
                        f"StartDate {start} is too old: queries for alerts older than 30 days "
                        f"are not supported (earliest allowed: {iso(floor)})"
                    )
            else:
                preds.append(lambda r: (v := r.ts["date_generated"]) is not None and v >= floor)
        elif spec.name == "taskrouter_events":
            preds.append(self._event_window(q, clock))
        elif spec.name == "conversations" and ("StartDate" in q or "EndDate" in q):
            reverse = True
        elif spec.name in ("conversation_messages", "chat_channel_messages"):
            order = q.get("Order", "asc")
            if order not in ("asc", "desc"):
                raise invalid(f"Invalid Order: {order}")
            reverse = order == "desc"
        with self.org.store.lock:
            table = self.org.store.table(spec.name, scope)
            if table is None and spec.lazy:
                table = Table(sorted_=False)  # no such records in this account: empty
            if table is None:
                raise not_found(req.product, req.path)
            rows = (
                [r for r in table.rows if all(p(r) for p in preds)] if preds else list(table.rows)
            )
            history = history_for(self.org, spec.name, scope)  # a long lazy history
            if history is not None:
                result = history.paginate(rows, preds, table, reverse, page_size, page, token)
            else:
                result = paginate(rows, spec, table, reverse, page_size, page, token)
        return self._envelope(req, spec, result)

    @staticmethod
    def _minutes(q: dict[str, str]) -> int:
        raw = q.get("Minutes", "15")
        try:
            minutes = int(raw)
        except ValueError:
            raise invalid(f"Invalid Minutes: {raw}") from None
        if minutes < 1:
            raise invalid(f"Invalid Minutes: {raw}")
        return minutes

    @staticmethod
    def _iso_param(q: dict[str, str], name: str, allow_date: bool = False) -> int | None:
        if name not in q:
            return None
        parsed = parse_filter_value(q[name])
        if parsed is None or (parsed[1] and not allow_date):
            raise invalid(
                f"Invalid {name}: {q[name]}. "
                "Expected an ISO 8601 date-time such as 2024-01-31T00:00:00Z"
            )
        return parsed[0]

    def _event_window(self, q: dict[str, str], clock: int) -> Callable[[Row], bool]:
        """TaskRouter Events: StartDate/EndDate (full ISO), else only the last ``Minutes`` (15)."""
        minutes = self._minutes(q)
        start = self._iso_param(q, "StartDate")
        end = self._iso_param(q, "EndDate")
        if start is None:
            start = (end if end is not None else clock) - minutes * 60
        hi = end if end is not None else None

        def pred(r: Row) -> bool:
            v = r.ts["event_date"]
            return v is not None and v >= start and (hi is None or v <= hi)

        return pred

    def _queue_statistics(
        self, req: Request, spec: ResourceSpec, params: dict[str, str]
    ) -> Response:
        scope = self._scope(req, spec, params)
        q = dict(req.query)
        minutes = self._minutes(q)
        start = self._iso_param(q, "StartDate", allow_date=True)
        end = self._iso_param(q, "EndDate", allow_date=True)
        default_start, default_end = products.default_stats_window(self.org.clock(), minutes)
        end = default_end if end is None else end
        start = (
            (end - minutes * 60 if "EndDate" in q else default_start) if start is None else start
        )
        with self.org.store.lock:
            stats = products.queue_statistics(self.org, scope, start, end, q.get("TaskChannel"))
        if stats is None:
            raise not_found(req.product, req.path)
        return self._json(req, stats)

    def _accounts(self, req: Request, spec: ResourceSpec) -> Response:
        page_size, page, token = self._page_params(req, spec)
        preds = self._filters(req, spec)
        with self.org.store.lock:
            table = self.org.store.table("accounts", ())
            assert table is not None
            rows = [
                r
                for r in table.rows
                if self._visible(req.principal, r.ident) and all(p(r) for p in preds)
            ]
            result = paginate(rows, spec, table, False, page_size, page, token)
        return self._envelope(req, spec, result)

    def _balance(self, req: Request, spec: ResourceSpec, params: dict[str, str]) -> Response:
        account = self._account(req, spec, params)
        with self.org.store.lock:
            table = self.org.store.table("account_balance", (account,))
            data = table.rows[0].data if table is not None and table.rows else None
            body = json.dumps(data) if data is not None else None
        if body is None:
            raise ApiError(404, 20404, "Child accounts do not contain balance information")
        return Response(200, body.encode())

    # ------------------------------------------------------------------ usage records

    def _usage(self, req: Request, spec: ResourceSpec, params: dict[str, str]) -> Response:
        account = self._account(req, spec, params)
        ctx = self.org.account(account)
        assert ctx is not None
        page_size, page, token = self._page_params(req, spec)
        q = dict(req.query)
        today = day_start(self.org.clock())
        start = end = None
        if "StartDate" in q:
            start = parse_usage_date(q["StartDate"], today)
            if start is None:
                raise invalid(f"Invalid StartDate: {q['StartDate']}")
            if start < day_start(ctx.created):
                raise not_found(req.product, req.path)
        if "EndDate" in q:
            end = parse_usage_date(q["EndDate"], today)
            if end is None:
                raise invalid(f"Invalid EndDate: {q['EndDate']}")
        include = q.get("IncludeSubaccounts", "true").lower() != "false"
        category = q.get("Category")

        def keep(r: Row) -> bool:
            d = r.ts["start_date"]
            if d is None or (start is not None and d < start) or (end is not None and d > end):
                return False
            return category is None or r.data["category"] == category

        with self.org.store.lock:
            table = self.org.store.table("usage_records", (account,))
            if table is None:
                raise not_found(req.product, req.path)
            rows = [r for r in table.rows if keep(r)]
            if include and ctx.is_main:
                rows = self._with_subaccounts(rows, account)
            result = paginate(rows, spec, table, False, page_size, page, token)
        return self._envelope(req, spec, result)

    def _with_subaccounts(self, rows: list[Row], main: str) -> list[Row]:
        sums: dict[tuple[str, str], list[float]] = {}
        for sid in self.org.account_sids:
            if sid == main:
                continue
            t = self.org.store.table("usage_records", (sid,))
            for r in t.rows if t is not None else ():
                d = r.data
                acc = sums.setdefault((d["category"], d["start_date"]), [0, 0.0, 0.0])
                acc[0] += int(d["count"] or 0)
                acc[1] += float(d["usage"] or 0)
                acc[2] += float(d["price"] or 0)
        out = []
        for r in rows:
            extra = sums.get((r.data["category"], r.data["start_date"]))
            if extra is None:
                out.append(r)
                continue
            d = dict(r.data)
            d["count"] = str(int(d["count"] or 0) + int(extra[0]))
            usage = float(d["usage"] or 0) + extra[1]
            unit = USAGE_CATEGORIES.get(d["category"], ("", "", ""))[2]
            d["usage"] = fmt_usage_price(usage) if unit == "usd" else str(round(usage))
            d["price"] = fmt_usage_price(float(d["price"] or 0) + extra[2])
            out.append(Row(data=d, ident=r.ident, key=r.key, ts=r.ts))
        return out

    # ------------------------------------------------------------------ fetch

    def _fetch(self, req: Request, spec: ResourceSpec, params: dict[str, str]) -> Response:
        if spec.name == "accounts":
            sid = params["account_sid"]
            if self.org.account(sid) is None or not self._visible(req.principal, sid):
                raise not_found(req.product, req.path)
            scope: tuple[str, ...] = ()
        else:
            scope = self._scope(req, spec, params)
            sid = params["sid"]
        with self.org.store.lock:
            service_pred = self._service_filter(req, spec, params, scope[0]) if scope else None
            table = self.org.store.table(spec.name, scope)
            row = table.by_id.get(sid) if table is not None else None
            history = history_for(self.org, spec.name, scope) if row is None else None
            index = history.index(sid) if history is not None else None
            if history is not None and index is not None:
                row = history.row(index)
            if row is None or (service_pred is not None and not service_pred(row)):
                raise not_found(req.product, req.path)
            data = row.data
            return self._json(req, data)

    # ------------------------------------------------------------------ create message

    def _create_message(self, req: Request, params: dict[str, str]) -> Response:
        spec = REGISTRY["messages"]
        account = self._account(req, spec, params)
        form: dict[str, list[str]] = {}
        for k, v in req.form:
            form.setdefault(k, []).append(v)
        to = (form.get("To") or [""])[0]
        frm = (form.get("From") or [""])[0]
        service = (form.get("MessagingServiceSid") or [""])[0]
        body = (form.get("Body") or [""])[0]
        media_urls = form.get("MediaUrl") or []
        if not to:
            raise invalid("A 'To' phone number is required.", 21604)
        if not frm and not service:
            raise invalid("A 'From' phone number is required.", 21603)
        if not body and not media_urls:
            raise invalid("Message body is required.", 21602)
        if len(body) > 1600:
            raise invalid("The concatenated message body exceeds the 1600 character limit.", 21617)
        fields: dict[str, Any] = {
            "to": to,
            "from": frm or None,
            "body": body,
            "direction": "outbound-api",
            "status": "queued" if frm or not service else "accepted",
            "messaging_service_sid": service or None,
            "num_media": str(len(media_urls)),
            "date_sent": None,
            "price": None,
            "error_code": None,
            "error_message": None,
            "num_segments": str(segments(body)),
        }
        record = self.org.add("messages", account, **fields)
        # StatusCallback is accepted and ignored: the sandbox never calls back.
        for url in media_urls:
            self.org.add(
                "message_media", account, message_sid=record["sid"], content_type=_guess_type(url)
            )
        return Response(201, json.dumps(record, ensure_ascii=False).encode())

    # ------------------------------------------------------------------ rendering

    def _rewrite(self, req: Request, text: str) -> str:
        for product in PRODUCTS:
            canonical = f"https://{product}.twilio.com"
            if canonical in text:
                text = text.replace(canonical, req.base_for(product))
        return text

    def _json(self, req: Request, obj: Any) -> Response:
        text = json.dumps(obj, ensure_ascii=False)
        return Response(200, self._rewrite(req, text).encode())

    def _envelope(self, req: Request, spec: ResourceSpec, page: Page) -> Response:
        key = spec.list_key
        assert key is not None
        filters = [(k, v) for k, v in req.query if k not in PAGING_PARAMS]

        def qs(page_no: int, token: str | None) -> str:
            pairs = [*filters, ("PageSize", str(page.page_size)), ("Page", str(page_no))]
            if token:
                pairs.append(("PageToken", token))
            return query_string(pairs)

        path = req.path
        if spec.envelope == "bare":
            uri = path + ("?" + query_string(req.query) if req.query else "")
            body: dict[str, Any] = {"uri": uri, key: page.items}
        elif spec.envelope == "flat":
            start = page.page * page.page_size
            body = {
                "end": start + len(page.items) - 1 if page.items else start,
                "first_page_uri": f"{path}?{qs(0, None)}",
                key: page.items,
                "next_page_uri": f"{path}?{qs(page.page + 1, page.next_token)}"
                if page.next_token
                else None,
                "page": page.page,
                "page_size": page.page_size,
                "previous_page_uri": (
                    f"{path}?{qs(page.page - 1, page.prev_token)}"
                    if page.page > 0 and page.prev_token
                    else None
                ),
                "start": start,
                "uri": f"{path}?{qs(page.page, page.token)}",
            }
        else:
            base = req.base_for(req.product) + path
            body = {
                key: page.items,
                "meta": {
                    "first_page_url": f"{base}?{qs(0, None)}",
                    "key": key,
                    "next_page_url": f"{base}?{qs(page.page + 1, page.next_token)}"
                    if page.next_token
                    else None,
                    "page": page.page,
                    "page_size": page.page_size,
                    "previous_page_url": (
                        f"{base}?{qs(page.page - 1, page.prev_token)}"
                        if page.page > 0 and page.prev_token
                        else None
                    ),
                    "url": f"{base}?{qs(page.page, page.token)}",
                },
            }
        return self._json(req, body)


def _with_query(req: Request, key: str, value: str) -> Request:
    """The request with only one query parameter (a default filter Twilio applies)."""
    return Request(
        req.method, req.product, req.path, [(key, value)], [], req.principal, req.base_for
    )


def _eq_pred(fname: str, value: str) -> Callable[[Row], bool]:
    def pred(r: Row) -> bool:
        v = r.data.get(fname)
        if isinstance(v, bool):
            return str(v).lower() == value.lower()
        return v is not None and str(v) == value

    return pred


def _guess_type(url: str) -> str:
    lower = url.lower().split("?")[0]
    for ext, ctype in (
        (".png", "image/png"),
        (".gif", "image/gif"),
        (".mp4", "video/mp4"),
        (".pdf", "application/pdf"),
        (".mp3", "audio/mpeg"),
    ):
        if lower.endswith(ext):
            return ctype
    return "image/jpeg"


__all__ = ["Api", "ApiError", "Principal", "Request", "Response", "error_body"]
