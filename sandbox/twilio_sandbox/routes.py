"""Twilio request semantics: routing, auth scoping, filters, ordering, paging, envelopes.

Transport-free: ``Api.handle(Request) -> Response``; ``server.py`` and ``http_server.py``
do the sockets. The routes are layered: ``routes_base`` (scoping, filters, envelopes),
``routes_2010`` (accounts, balance, usage, fetch, create message), then ``Api`` here.
"""

from __future__ import annotations

from collections.abc import Callable

from twilio_sandbox.formats import iso, parse_filter_value, ymd
from twilio_sandbox.generators.common import RETENTION_DAYS
from twilio_sandbox.generators.taskrouter_stats import default_stats_window, queue_statistics
from twilio_sandbox.history import history_for
from twilio_sandbox.paging import paginate
from twilio_sandbox.resource_spec import ResourceSpec
from twilio_sandbox.routes_2010 import Api2010
from twilio_sandbox.routing import ROUTES
from twilio_sandbox.store import Row, Table
from twilio_sandbox.wire import (
    ApiError,
    Request,
    Response,
    account_not_active,
    error_response,
    invalid,
    not_found,
)


class Api(Api2010):
    """Twilio semantics over an ``Org``."""

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
        default_start, default_end = default_stats_window(self.org.clock(), minutes)
        end = default_end if end is None else end
        start = (
            (end - minutes * 60 if "EndDate" in q else default_start) if start is None else start
        )
        with self.org.store.lock:
            stats = queue_statistics(self.org.store, scope, start, end, q.get("TaskChannel"))
        if stats is None:
            raise not_found(req.product, req.path)
        return self._json(req, stats)


__all__ = ["Api"]
