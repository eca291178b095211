"""What every route shares: the account addressed, filters, paging parameters, envelopes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from twilio_sandbox.formats import DAY, day_start, iso, parse_filter_value
from twilio_sandbox.org import Org
from twilio_sandbox.paging import DEFAULT_PAGE_SIZE, PAGING_PARAMS, Page, query_string
from twilio_sandbox.registry import PRODUCTS
from twilio_sandbox.resource_spec import ResourceSpec
from twilio_sandbox.store import Row
from twilio_sandbox.wire import Principal, Request, Response, account_not_active, invalid, not_found


class ApiBase:
    """Scoping, filters, paging parameters and rendering shared by the routes."""

    def __init__(self, org: Org) -> None:
        self.org = org

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
