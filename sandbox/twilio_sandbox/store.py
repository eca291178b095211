"""In-memory, thread-safe storage of sandbox records, ordered for keyset pagination."""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from twilio_sandbox.formats import parse_record_date
from twilio_sandbox.registry import REGISTRY, ResourceSpec

Scope = tuple[str, ...]
Ident = Any  # a sid (str) or a tuple of key values


@dataclass(slots=True)
class Row:
    """One stored record: its wire JSON plus precomputed sort key and timestamps."""

    data: dict[str, Any]
    ident: Ident
    key: tuple[Any, ...]
    ts: dict[str, int | None]


def make_row(spec: ResourceSpec, data: dict[str, Any], undated_first: bool | None = None) -> Row:
    """Build a Row for ``data`` (parses the spec's date fields, computes the sort key).

    ``undated_first`` places records with a null sort field of ``undated_switch``
    resources (default: ``spec.nulls_first``).
    """
    ts = {f: parse_record_date(data.get(f)) for f in spec.date_fields}
    if len(spec.id_fields) == 1:
        ident: Ident = data.get(spec.id_fields[0])
    else:
        ident = tuple(data.get(f) for f in spec.id_fields)
    sort_ident = ident if isinstance(ident, str) else tuple(str(x) for x in ident)
    if spec.sort_field is None:
        key: tuple[Any, ...] = (0,)
    else:
        value = ts[spec.sort_field] if spec.sort_field in ts else data.get(spec.sort_field)
        if value is None:
            first = spec.nulls_first
            if spec.undated_switch and undated_first is not None:
                first = undated_first
            # Among themselves, undated records of a newest-first list are newest created
            # first.
            created = ts.get("date_created") if spec.descending else None
            key = (0 if first else 2, -created if created is not None else 0, sort_ident)
        else:
            key = (1, -value if spec.descending else value, sort_ident)
    return Row(data=data, ident=ident, key=key, ts=ts)


class Table:
    """Rows of one scope (e.g. one account's messages), kept sorted by ``Row.key``.

    Tables whose spec has no sort field keep insertion order.
    """

    __slots__ = ("by_id", "keys", "rows", "sorted")

    def __init__(self, sorted_: bool) -> None:
        self.rows: list[Row] = []
        self.keys: list[tuple[Any, ...]] = []
        self.by_id: dict[Ident, Row] = {}
        self.sorted = sorted_

    def load(self, rows: list[Row]) -> None:
        """Bulk-insert rows (one sort)."""
        self.rows.extend(rows)
        if self.sorted:
            self.rows.sort(key=lambda r: r.key)
        self.keys = [r.key for r in self.rows]
        for r in rows:
            self.by_id[r.ident] = r

    def insert(self, row: Row) -> None:
        """Insert one row at its ordered position."""
        i = bisect_right(self.keys, row.key) if self.sorted else len(self.rows)
        self.rows.insert(i, row)
        self.keys.insert(i, row.key)
        self.by_id[row.ident] = row

    def remove(self, row: Row) -> None:
        """Remove a row (identity match)."""
        if self.sorted:
            lo = bisect_left(self.keys, row.key)
            hi = bisect_right(self.keys, row.key)
            candidates = range(lo, hi)
        else:
            candidates = range(len(self.rows))
        for i in candidates:
            if self.rows[i] is row:
                del self.rows[i]
                del self.keys[i]
                break
        self.by_id.pop(row.ident, None)

    def __len__(self) -> int:
        return len(self.rows)


class Store:
    """All tables, by resource then scope; guarded by one re-entrant lock."""

    def __init__(self, undated_first: bool = True) -> None:
        #: Records with a null sort field (Messages' date_sent, Calls' start_time) come
        #: first (True) or last (False) of their list: Twilio does not document it.
        self.undated_first = undated_first
        self.lock = threading.RLock()
        self.tables: dict[str, dict[Scope, Table]] = {name: {} for name in REGISTRY}
        # resource -> ident -> scope, for updates by key
        self.locator: dict[str, dict[Ident, Scope]] = {name: {} for name in REGISTRY}

    def table(self, resource: str, scope: Scope, create: bool = False) -> Table | None:
        """Return the table of ``scope`` (creating it when asked)."""
        tables = self.tables[resource]
        t = tables.get(scope)
        if t is None and create:
            t = Table(REGISTRY[resource].sort_field is not None)
            tables[scope] = t
        return t

    def load(self, resource: str, scope: Scope, records: list[dict[str, Any]]) -> Table:
        """Bulk-load records into a scope."""
        spec = REGISTRY[resource]
        t = self.table(resource, scope, create=True)
        assert t is not None
        rows = [make_row(spec, d, self.undated_first) for d in records]
        t.load(rows)
        loc = self.locator[resource]
        for r in rows:
            loc[r.ident] = scope
        return t

    def insert(self, resource: str, scope: Scope, data: dict[str, Any]) -> Row:
        """Insert one record."""
        spec = REGISTRY[resource]
        t = self.table(resource, scope, create=True)
        assert t is not None
        row = make_row(spec, data, self.undated_first)
        t.insert(row)
        self.locator[resource][row.ident] = scope
        return row

    def find(self, resource: str, ident: Ident) -> tuple[Scope, Row] | None:
        """Locate a record by its identifier across scopes."""
        scope = self.locator[resource].get(ident)
        if scope is None:
            return None
        t = self.tables[resource].get(scope)
        if t is None or ident not in t.by_id:
            return None
        return scope, t.by_id[ident]

    def replace(self, resource: str, scope: Scope, old: Row, data: dict[str, Any]) -> Row:
        """Replace a record's data, re-sorting it."""
        t = self.tables[resource][scope]
        t.remove(old)
        self.locator[resource].pop(old.ident, None)
        return self.insert(resource, scope, data)

    def scopes(self, resource: str) -> Iterator[tuple[Scope, Table]]:
        """Iterate ``(scope, table)`` pairs of a resource in creation order."""
        yield from list(self.tables[resource].items())
