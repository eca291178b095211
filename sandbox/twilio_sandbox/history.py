"""Long histories served lazily: an account holding a million messages, in a few kilobytes.

Twilio keeps 400 days of messages and calls (an account sending 100,000 messages a day
holds 40 million) and every conversation ever made. To measure what an incremental run
costs on such an account, a ``History`` adds ``count`` records to one account's list
without storing them: record ``i`` is computed from ``i`` (a template record of the
account with its own SID and dates), dated ``first + i * step`` seconds, every date of it
increasing with ``i``. The list a request reads is the merge of that history with the
account's stored records (those added or updated by a test), in the list's order; pages
are found by bisection, so a page costs the same at the top of the list as a million
records down it.

A filter is applied to the history as an interval of ``i``: every filter Twilio offers on
these lists is either a date bound (monotonic in ``i``) or an exact match on a field the
history's records share (``Status``, ``State``), so it keeps a prefix, a suffix, all or
none of the records. The history's records are final and dated (delivered messages,
completed calls, closed conversations): the records that change are the stored ones.

What it follows of Twilio: the lists' filters and order are those the stored records get
(Messages by ``DateSent``, most recent first, with ``DateSent>``/``DateSent<``:
https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources ;
Calls with ``Status`` and ``StartTime>``:
https://www.twilio.com/docs/voice/api/call-resource#read-multiple-call-resources ;
Conversations with ``State`` and ``StartDate``/``EndDate``:
https://www.twilio.com/docs/conversations/api/service-conversation-resource ), paged with
``PageToken`` as the routes page the rest. A history spans 397 days by default, inside the
400 days of messages and calls Twilio keeps (``RETENTION_DAYS``).

``update_history`` changes a history record as ``Sandbox.update`` changes a stored one: the
record is first moved into the store (and out of the history).
"""

from __future__ import annotations

import json
import typing as t
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from twilio_sandbox.formats import iso, rfc2822
from twilio_sandbox.paging import Page, _bad_token
from twilio_sandbox.registry import REGISTRY
from twilio_sandbox.store import Row

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from twilio_sandbox.registry import ResourceSpec
    from twilio_sandbox.store import Table

#: Date fields of each resource a history serves: seconds after the record's base time.
OFFSETS: dict[str, dict[str, int]] = {
    "messages": {"date_created": -1, "date_sent": 0, "date_updated": 5},
    "calls": {"date_created": -1, "start_time": 0, "end_time": 60, "date_updated": 61},
    "conversations": {"date_created": 0, "date_updated": 60},
}
#: The final status of a history record.
FINAL: dict[str, dict[str, t.Any]] = {
    "messages": {"status": "delivered", "error_code": None, "error_message": None},
    "calls": {"status": "completed", "duration": "60"},
    "conversations": {"state": "closed"},
}
SID_PREFIX = {"messages": "SM", "calls": "CA", "conversations": "CH"}
PLACEHOLDER = "\x00sid\x00"


@dataclass
class History:
    """``count`` records of one account's list, record ``i`` computed from ``i``."""

    resource: str
    scope: tuple[str, ...]
    count: int
    first: int
    step: int
    template: str
    tag: int
    excluded: set[int] = field(default_factory=set)

    @property
    def spec(self) -> ResourceSpec:
        return REGISTRY[self.resource]

    def sid(self, i: int) -> str:
        return f"{SID_PREFIX[self.resource]}{self.tag:08x}{i:024x}"

    def index(self, sid: str) -> int | None:
        """The history index a SID names (None: not a record of this history)."""
        prefix = f"{SID_PREFIX[self.resource]}{self.tag:08x}"
        if len(sid) != 34 or not sid.startswith(prefix):
            return None
        try:
            i = int(sid[10:], 16)
        except ValueError:
            return None
        return i if 0 <= i < self.count and i not in self.excluded else None

    def base(self, i: int) -> int:
        return self.first + i * self.step

    def key(self, i: int) -> tuple[t.Any, ...]:
        """The record's sort key, as ``store.make_row`` computes it."""
        spec = self.spec
        value = self.base(i) + OFFSETS[self.resource].get(spec.sort_field or "", 0)
        return (1, -value if spec.descending else value, self.sid(i))

    def row(self, i: int) -> Row:
        """Record ``i`` as a stored row."""
        sid = self.sid(i)
        data = json.loads(self.template.replace(PLACEHOLDER, sid))
        base = self.base(i)
        fmt = iso if self.spec.iso_dates else rfc2822
        ts: dict[str, int | None] = {}
        for name, offset in OFFSETS[self.resource].items():
            ts[name] = base + offset
            data[name] = fmt(base + offset)
        return Row(data=data, ident=sid, key=self.key(i), ts=ts)

    # ----------------------------------------------------------------- filters

    def interval(self, preds: list[Callable[[Row], bool]]) -> tuple[int, int]:
        """The indices ``[lo, hi)`` every predicate keeps (each keeps a prefix or suffix)."""
        lo, hi = 0, self.count
        if self.count == 0:
            return 0, 0
        for pred in preds:
            at_first, at_last = pred(self.row(0)), pred(self.row(self.count - 1))
            if at_first and at_last:
                continue
            if not at_first and not at_last:
                return 0, 0
            # The first index where the predicate changes.
            a, b = 0, self.count - 1
            while b - a > 1:
                mid = (a + b) // 2
                if pred(self.row(mid)) == at_first:
                    a = mid
                else:
                    b = mid
            if at_first:
                hi = min(hi, b)
            else:
                lo = max(lo, b)
        return (lo, hi) if lo < hi else (0, 0)

    # ----------------------------------------------------------------- paging

    def paginate(
        self,
        stored: list[Row],
        preds: list[Callable[[Row], bool]],
        table: Table | None,
        reverse: bool,
        page_size: int,
        page: int,
        token: str | None,
    ) -> Page:
        """One page of the merged list (keyset ``PA<sid>`` tokens, as ``routes.paginate``)."""

        lo, hi = self.interval(preds)
        after: tuple[t.Any, ...] | None = None
        if token is not None:
            if token[:2] != "PA":
                raise _bad_token()
            i = self.index(token[2:])
            ref = table.by_id.get(token[2:]) if table is not None else None
            if i is not None:
                after = self.key(i)
            elif ref is not None:
                after = ref.key
            else:
                raise _bad_token()
        items = self._merged(stored, lo, hi, reverse, after)
        if token is None:
            for _ in range(page * page_size):
                if next(items, None) is None:
                    break
        chosen = [row for _, row in zip(range(page_size + 1), items, strict=False)]
        has_next = len(chosen) > page_size
        chosen = chosen[:page_size]
        next_token = f"PA{chosen[-1].ident}" if has_next and chosen else None
        prev_token = f"PB{chosen[0].ident}" if chosen else None
        return Page([r.data for r in chosen], page, page_size, token, next_token, prev_token)

    def _merged(
        self,
        stored: list[Row],
        lo: int,
        hi: int,
        reverse: bool,
        after: tuple[t.Any, ...] | None,
    ) -> Iterator[Row]:
        """Stored rows and history rows in serving order, strictly after key ``after``."""
        keys = [r.key for r in stored]
        n = hi - lo
        increasing = not self.spec.descending  # key grows with i

        def at(q: int) -> int:  # the index at ascending-key position q
            return lo + q if increasing else hi - 1 - q

        def first_above(k: tuple[t.Any, ...]) -> int:  # first q whose key is > k
            a, b = 0, n
            while a < b:
                mid = (a + b) // 2
                if self.key(at(mid)) > k:
                    b = mid
                else:
                    a = mid + 1
            return a

        def first_at_or_above(k: tuple[t.Any, ...]) -> int:
            a, b = 0, n
            while a < b:
                mid = (a + b) // 2
                if self.key(at(mid)) >= k:
                    b = mid
                else:
                    a = mid + 1
            return a

        if not reverse:
            s = 0 if after is None else bisect_right(keys, after)
            q = 0 if after is None else first_above(after)
            while s < len(stored) or q < n:
                if q < n and at(q) in self.excluded:
                    q += 1
                    continue
                if q >= n or (s < len(stored) and keys[s] < self.key(at(q))):
                    yield stored[s]
                    s += 1
                else:
                    yield self.row(at(q))
                    q += 1
        else:
            s = len(stored) - 1 if after is None else bisect_left(keys, after) - 1
            q = n - 1 if after is None else first_at_or_above(after) - 1
            while s >= 0 or q >= 0:
                if q >= 0 and at(q) in self.excluded:
                    q -= 1
                    continue
                if q < 0 or (s >= 0 and keys[s] > self.key(at(q))):
                    yield stored[s]
                    s -= 1
                else:
                    yield self.row(at(q))
                    q -= 1


def histories(org: t.Any) -> dict[tuple[str, tuple[str, ...]], History]:
    """The histories attached to an organisation (resource and scope → history)."""
    found: dict[tuple[str, tuple[str, ...]], History] = org.__dict__.setdefault("histories", {})
    return found


def history_for(org: t.Any, resource: str, scope: tuple[str, ...]) -> History | None:
    """The history of a list, if one is attached (the routes' hook)."""
    return histories(org).get((resource, scope)) if "histories" in org.__dict__ else None


def attach_history(
    sb: t.Any,
    resource: str,
    count: int,
    *,
    account_sid: str | None = None,
    days: float = 397,
    end_before: float = 2 * 86400,
) -> History:
    """Give an account ``count`` more records of ``resource`` (messages, calls or
    conversations), evenly spread over the ``days`` before ``end_before`` seconds ago."""
    org = sb.org
    account = account_sid or sb.account_sid
    final = {k: v for k, v in FINAL[resource].items() if k in ("status", "state")}
    rows = [
        r
        for r in sb.expected(resource, account)
        if all(r.get(k) == v for k, v in final.items())
        and r.get("chat_service_sid") in (None, sb.default_conversation_service(account))
    ]
    if not rows:
        raise ValueError(f"no final {resource} record in {account} to copy")
    model = dict(rows[0])
    model.update(FINAL[resource])
    template = json.dumps(model).replace(model["sid"], PLACEHOLDER)
    last = int(org.clock()) - int(end_before)
    step = max(1, int(days * 86400 / max(count, 1)))
    history = History(
        resource=resource,
        scope=(account,),
        count=count,
        first=last - step * count,
        step=step,
        template=template,
        tag=len(histories(org)) + 1,
    )
    histories(org)[(resource, (account,))] = history
    return history


def update_history(sb: t.Any, history: History, i: int, **fields: t.Any) -> dict[str, t.Any]:
    """Change history record ``i`` (moved into the store first) as ``Sandbox.update`` does."""
    org = sb.org
    row = history.row(i)
    with org.store.lock:
        history.excluded.add(i)
        org.store.insert(history.resource, history.scope, row.data)
    return dict(sb.update(history.resource, row.ident, **fields))
