"""Incremental windows: from the bookmark (minus the lookback) or ``start_date`` to now.

Clamped to each list's retention (exactly: now minus the days Twilio keeps, plus a margin),
written the way each list's filter expects them.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from tap_twilio.api.transforms import parse_datetime, utc_now

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import RESTStream

    _Stream = RESTStream[t.Any]
else:
    _Stream = object

#: How far inside Twilio's retention limit the oldest window bound stays: a request takes
#: a moment to reach Twilio, and a bound past the limit is refused (error 20004).
RETENTION_MARGIN = dt.timedelta(minutes=5)


def retention_floor(days: int) -> dt.datetime:
    """The oldest moment Twilio still serves for a list it keeps ``days`` days of."""
    return (utc_now() - dt.timedelta(days=days) + RETENTION_MARGIN).replace(microsecond=0)


class WindowedStream(_Stream):
    """Declarative date windows of a Twilio list (the server-side incremental filter)."""

    #: Query parameter that sends the lower bound of an incremental window.
    start_param: t.ClassVar[str | None] = None
    #: Query parameter that sends the upper bound (now), if the endpoint needs one.
    end_param: t.ClassVar[str | None] = None
    #: How window bounds are written: ``date`` (YYYY-MM-DD) or ``datetime`` (ISO, Z).
    filter_format: t.ClassVar[str] = "datetime"
    #: Twilio keeps this many days of data for the list (None: no limit).
    retention_days: t.ClassVar[int | None] = None
    #: Always send a window, even on a first sync without ``start_date``.
    window_required: t.ClassVar[bool] = False
    #: Days a first sync without ``start_date`` reads when a window is required.
    default_window_days: t.ClassVar[int | None] = None

    def window_start(self, context: Context | None) -> dt.datetime | None:
        """Lower bound of this run's window for the context's partition.

        The bookmark minus ``lookback_window`` days when state exists, else ``start_date``
        (None: read everything Twilio holds), clamped to the list's retention. Computed
        once per partition and run, so children that share a partition all see the same
        value while their bookmark advances.
        """
        partition = self._partition_key(context)
        cache = self.__dict__.setdefault("_window_cache", {})
        if partition in cache:
            return cache[partition]
        start = self._unclamped_start(context)
        first_days = self.default_window_days or self.retention_days
        if start is None and self.window_required and first_days:
            start = retention_floor(first_days)
        if self.retention_days is not None:
            floor = retention_floor(self.retention_days)
            if start is not None and start < floor:
                self.logger.info(
                    "%s: Twilio keeps %d days of this data; reading from %s instead of %s%s.",
                    self.name,
                    self.retention_days,
                    self.format_bound(floor),
                    start.isoformat(),
                    self._context_label(context),
                )
                start = floor
        start = self.adjust_window_start(start, context)
        cache[partition] = start
        return start

    def _unclamped_start(self, context: Context | None) -> dt.datetime | None:
        start_date = self.config.get("start_date")
        start = parse_datetime(start_date) if start_date else None
        bookmark = self.get_context_state(context).get("replication_key_value")
        if bookmark:
            mark = parse_datetime(str(bookmark))
            if start is None or mark >= start:
                lookback = dt.timedelta(days=float(self.config.get("lookback_window", 1)))
                start = mark - lookback
        return start

    def adjust_window_start(
        self,
        start: dt.datetime | None,
        context: Context | None,
    ) -> dt.datetime | None:
        """Hook for lists with their own lower limit (e.g. an account's creation date)."""
        return start

    def window_params(self, context: Context | None) -> dict[str, str]:
        """Query parameters of the incremental window (none for full-table streams)."""
        if not self.start_param or self.replication_key is None:
            return {}
        start = self.window_start(context)
        params: dict[str, str] = {}
        if start is not None:
            params[self.start_param] = self.format_bound(start)
        if self.end_param and (start is not None or self.window_required):
            params[self.end_param] = self.format_bound(utc_now())
        return params

    def format_bound(self, value: dt.datetime) -> str:
        """Write a window bound the way the endpoint expects it."""
        if self.filter_format == "date":
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _partition_key(self, context: Context | None) -> tuple:
        keys = self.state_partitioning_keys
        items = [(k, v) for k, v in (context or {}).items() if keys is None or k in keys]
        return tuple(sorted(items))

    @staticmethod
    def _context_label(context: Context | None) -> str:
        sid = (context or {}).get("account_sid")
        return f" for account {sid}" if sid else ""
