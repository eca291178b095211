"""Routes of the 2010 API with their own semantics: accounts, balance, usage records,
fetching one record and creating a message.
"""

from __future__ import annotations

import json
from typing import Any

from twilio_sandbox.formats import day_start, parse_usage_date
from twilio_sandbox.generators.common import USAGE_CATEGORIES, fmt_usage_price, segments
from twilio_sandbox.history import history_for
from twilio_sandbox.paging import paginate
from twilio_sandbox.registry import REGISTRY
from twilio_sandbox.resource_spec import ResourceSpec
from twilio_sandbox.routes_base import ApiBase
from twilio_sandbox.store import Row
from twilio_sandbox.wire import ApiError, Request, Response, invalid, not_found


class Api2010(ApiBase):
    """Accounts, balance, usage records, fetch and create-message routes."""

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
