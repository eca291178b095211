"""Record shaping: Twilio's timestamps and strings into the values the tap emits.

Every date the tap reads goes through this module: RFC 2822 timestamps of the 2010 API
become ISO 8601 UTC, ISO input (config, state, v1 APIs) is parsed in one place.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from functools import cached_property

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import RESTStream

    _Stream = RESTStream[t.Any]
else:
    _Stream = object

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


_DAYS: dict[str, str] = {}  # "24 May 2019" -> "2019-05-24T": a few hundred distinct days


def rfc2822_to_iso(value: str) -> str:
    """Convert Twilio's RFC 2822 timestamp to ISO 8601 UTC (``YYYY-MM-DDTHH:MM:SS+00:00``).

    The fast path handles Twilio's fixed form ``Fri, 24 May 2019 17:44:46 +0000``; other
    forms go through the standard library parser. ISO input is returned unchanged.
    """
    if len(value) == 31 and value[3] == "," and value.endswith(" +0000"):
        day = _DAYS.get(value[5:16])
        if day is None:
            month = _MONTHS.get(value[8:11])
            if month:
                day = _DAYS[value[5:16]] = f"{value[12:16]}-{month:02d}-{value[5:7]}T"
        if day is not None:
            return f"{day}{value[17:25]}+00:00"
    if value[:4].isdigit():
        return value
    parsed = parsedate_to_datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).isoformat()


def parse_datetime(value: str) -> dt.datetime:
    """Parse an ISO 8601 date or datetime (``Z`` allowed) into an aware UTC datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def parse_json_string(value: t.Any) -> t.Any:
    """Decode a JSON-encoded string field; a value that is not valid JSON is kept as is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def utc_now() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def coerce_number(value: str, kind: str) -> t.Any:
    """Turn Twilio's numeric strings into numbers; leave anything else untouched."""
    if value == "":
        return None
    try:
        if kind == "integer":
            return int(value)
        number = Decimal(value)
    except (ValueError, InvalidOperation):
        return value
    return number if number.is_finite() else value


class RecordShaping(_Stream):
    """Turns raw Twilio items into records: the fields each stream declares, the schema's types."""

    #: Twilio product host prefix (the 2010 API, ``api``, sends RFC 2822 timestamps).
    product: t.ClassVar[str] = "api"
    #: Context keys copied into every record (parents' SIDs).
    context_fields: t.ClassVar[tuple[str, ...]] = ()
    #: Fields Twilio sends as JSON-encoded strings; emitted decoded.
    json_string_fields: t.ClassVar[tuple[str, ...]] = ()
    #: Fields removed from every record (never emitted).
    dropped_fields: t.ClassVar[tuple[str, ...]] = ()

    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        """Turn one raw Twilio item into the record the tap emits (None: drop it).

        Drops fields never emitted, adds the parents' SIDs, decodes JSON-encoded strings,
        turns numeric strings into numbers where the schema says so and RFC 2822
        timestamps into ISO 8601 UTC. Runs as pages arrive, before child lists are
        queued, so the SDK's ``post_process`` has nothing left to do.
        """
        for name in self.dropped_fields:
            row.pop(name, None)
        if context:
            for name in self.context_fields:
                if row.get(name) is None and name in context:
                    row[name] = context[name]
        for name in self.json_string_fields:
            if name in row:
                row[name] = parse_json_string(row[name])
        for name, kind in self._coercions:
            value = row.get(name)
            if isinstance(value, str):
                row[name] = coerce_number(value, kind)
        # The 2010 API dates in RFC 2822; product APIs in ISO 8601, but some /v1 lists (IAM
        # keys) in RFC 2822 too, which starts with the weekday ("Fri, 27 Feb 2026 …").
        every = self.product == "api"
        for name in self._date_time_fields:
            value = row.get(name)
            if value and (every or (isinstance(value, str) and value[:1].isalpha())):
                row[name] = rfc2822_to_iso(value)
        return row

    @cached_property
    def _coercions(self) -> tuple[tuple[str, str], ...]:
        """Fields the schema types as numbers that Twilio may send as strings."""
        pairs = []
        for name, prop in self.schema.get("properties", {}).items():
            types = prop.get("type", [])
            types = [types] if isinstance(types, str) else types
            if "string" in types:
                continue
            if "integer" in types:
                pairs.append((name, "integer"))
            elif "number" in types:
                pairs.append((name, "number"))
        return tuple(pairs)

    @cached_property
    def _date_time_fields(self) -> tuple[str, ...]:
        """Timestamp fields (``format: date-time`` in the schema)."""
        return tuple(
            name
            for name, prop in self.schema.get("properties", {}).items()
            if prop.get("format") == "date-time"
        )
