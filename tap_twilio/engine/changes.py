"""What one partition of a stream reads in a run so that the target ends equal to Twilio.

A date filter shows only records whose date moved into the window. Two kinds of change
escape it, and the streams that have them declare how they are caught:

* **Records that never get a date.** A message that fails before it is sent, or a
  scheduled message that is canceled, keeps ``date_sent: null``; a call canceled while
  queued keeps ``start_time: null``. No date filter matches them, and Twilio does not
  document where they sort in the unfiltered list. A stream with ``full_scan`` reads its
  unfiltered list instead of the window at each *reconciliation* (one request per 1,000
  records Twilio holds), at most every ``reconcile_interval`` hours (0: every run), and
  emits what is dated inside the window, what is undated but created since the last
  reconciliation (minus the lookback), and what was still open at the last run. The time
  of that whole read is the partition's reconcile marker (``reconciled_at``). Between
  reconciliations the window is read, plus the stream's ``open_lists`` (conversations
  listed by ``State``): a run costs what changed.
* **Records that change without a new date.** A message sent two days ago that is
  delivered (and priced) today; a conversation that closes. A record whose
  ``open_field`` says it can still change is remembered in the partition's state (its
  SID, under ``open_sids``) and emitted again on every run until it is final: found in
  this run's lists, or else fetched by SID (one request each, at the stream's
  ``fetch_path`` if it has one). Every open conversation is emitted (``emit_open``, or
  its ``open_lists``), which keeps an old open conversation's new messages coming, while
  the closed history's messages are never read again.

Nothing here depends on the order of a list.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from functools import cached_property

from tap_twilio.api.transforms import parse_datetime, utc_now

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import RESTStream

    _Stream = RESTStream[t.Any]
else:
    _Stream = object

#: Context keys that name which list of a partition a request reads (never sent as SIDs).
LIST_KEY = "_list"
SID_KEY = "_sid"
#: Value of ``LIST_KEY`` for a read of one record by SID.
FETCH = "fetch"
#: Partition state key holding the SIDs of records that can still change.
OPEN_STATE_KEY = "open_sids"
#: Partition state key holding when the partition's list was last read whole (ISO 8601).
RECONCILED_STATE_KEY = "reconciled_at"


def reconcile_marker(value: t.Any) -> dt.datetime | None:
    """A partition's reconcile marker as a time (None: never reconciled).

    Raises ValueError when the marker is not an ISO 8601 date-time string.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        msg = f"{RECONCILED_STATE_KEY} must be an ISO 8601 date-time string"
        raise ValueError(msg)
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError) as exc:
        shown = value if len(value) <= 40 else value[:37] + "..."
        msg = f"{RECONCILED_STATE_KEY} is not an ISO 8601 date-time: {shown!r}"
        raise ValueError(msg) from exc


def at_or_after(value: str, start: dt.datetime, iso: str, zulu: str) -> bool:
    """Whether an ISO 8601 timestamp is at or after ``start`` (given in both wire forms)."""
    if len(value) == 25 and value.endswith("+00:00"):
        return value >= iso
    if len(value) == 20 and value.endswith("Z"):
        return value >= zulu
    return parse_datetime(value) >= start


def once_each() -> t.Callable[[dict, Context | None], bool]:
    """A filter that lets each SID through once (a list read several times in a run)."""
    seen: set[str] = set()

    def keep(row: dict, list_context: Context | None) -> bool:
        sid = row.get("sid")
        if sid is None:
            return True
        if sid in seen:
            return False
        seen.add(sid)
        return True

    return keep


class ReadPlan:
    """What one partition reads this run, emits of it, and remembers for the next run."""

    def __init__(self, stream: FollowsChanges, context: Context | None) -> None:
        self.stream = stream
        self.context = context
        self.state = stream.get_context_state(context)
        self.bookmark = self.state.get("replication_key_value")
        self.tracked: set[str] = set(self.state.get(OPEN_STATE_KEY) or ())
        self.began = utc_now().replace(microsecond=0)
        self.whole = stream.reads_whole(context)
        start = stream.window_start(context)
        self.start = start.replace(microsecond=0) if start is not None else None
        # Undated records of a whole read: those created since the last whole read (minus
        # the lookback) may be new; the runs between could not see them.
        self.undated_start = self.start
        marker = stream.reconciled_at(context)
        if marker is not None and self.start is not None:
            lookback = dt.timedelta(days=float(stream.config.get("lookback_window", 1)))
            self.undated_start = min(self.start, (marker - lookback).replace(microsecond=0))
        start_date = stream.config.get("start_date")
        self.range_start = parse_datetime(start_date) if start_date else None
        days = stream.open_days
        self.horizon = utc_now() - dt.timedelta(days=days) if days else None
        self._start = _both_forms(self.start)
        self._undated = _both_forms(self.undated_start)
        self._range = _both_forms(self.range_start)
        self._horizon = _both_forms(self.horizon)
        self.seen: set[str] = set()
        self.still_open: set[str] = set()
        self._refetch: list[Context] | None = None

    def refetch(self) -> list[Context]:
        """One-record reads of the remembered open records no list showed this run."""
        if self._refetch is None:
            base = dict(self.context or {})
            missing = sorted(self.tracked - self.seen)
            self._refetch = [{**base, LIST_KEY: FETCH, SID_KEY: sid} for sid in missing]
        return self._refetch

    def keep(self, row: dict, list_context: Context | None) -> bool:
        """Whether a record read from a list is emitted (each SID once per run)."""
        sid = row.get(self.stream.sid_field)
        if sid in self.seen:
            return False
        which = (list_context or {}).get(LIST_KEY)
        if which == FETCH:
            wanted = True
        elif self.whole or which in self.stream.open_lists:
            # Unfiltered by date: only what may have changed (and is in the synced range).
            wanted = self._changed(row, sid)
        else:
            wanted = True
        if wanted and sid is not None:
            self.seen.add(sid)
        return wanted

    def _changed(self, row: dict, sid: str | None) -> bool:
        """A record of the unfiltered list that may have changed since the last run."""
        if sid in self.tracked or self.start is None:
            return True
        stream = self.stream
        still_open = stream.emit_open and row.get(stream.open_field) in stream.open_values
        if still_open and self._in_range(row):
            return True
        value = row.get(stream.replication_key or "")
        if value:
            return at_or_after(str(value), self.start, *self._start)
        created = row.get(stream.created_field)
        if not created or self.undated_start is None:
            return True
        return at_or_after(str(created), self.undated_start, *self._undated)

    def _in_range(self, row: dict) -> bool:
        if self.range_start is None:
            return True
        created = row.get(self.stream.created_field)
        if not created:
            return True
        return at_or_after(str(created), self.range_start, *self._range)

    def emitted(self, row: dict) -> None:
        """Note an emitted record: remember it while it can still change."""
        stream = self.stream
        sid = row.get(stream.sid_field)
        if not sid or row.get(stream.open_field) not in stream.open_values:
            return
        dated = row.get(stream.replication_key or "")
        horizon = self.horizon
        if horizon is not None and dated and not at_or_after(str(dated), horizon, *self._horizon):
            return
        self.still_open.add(sid)

    def save(self) -> None:
        """Keep the SIDs still open in the partition's state for the next run.

        The SDK makes the largest value emitted in this run the bookmark; a run that emits
        only some records (open ones, say) may not re-emit the largest, so the bookmark is
        kept from moving back.
        """
        markers = self.state.get("progress_markers") or {}
        newest = markers.get("replication_key_value")
        behind = self.bookmark and newest
        if behind and parse_datetime(str(newest)) < parse_datetime(str(self.bookmark)):
            markers["replication_key_value"] = self.bookmark
        if self.still_open:
            self.state[OPEN_STATE_KEY] = sorted(self.still_open)
        else:
            self.state.pop(OPEN_STATE_KEY, None)
        # The marker matters only next to a bookmark: without one the next run reads the
        # whole list anyway (an account with no dated record yet), and STATE stays small.
        dated = newest or self.bookmark or self.state.get("replication_key_value")
        if self.whole and self.stream.full_scan and dated:
            self.state[RECONCILED_STATE_KEY] = self.began.strftime("%Y-%m-%dT%H:%M:%SZ")


def _both_forms(value: dt.datetime | None) -> tuple[str, str]:
    """A UTC moment as the 2010 API's records carry it (``+00:00``) and as v1 APIs do (``Z``)."""
    if value is None:
        return "", ""
    value = value.replace(microsecond=0)
    return value.isoformat(), value.strftime("%Y-%m-%dT%H:%M:%SZ")


class FollowsChanges(_Stream):
    """Declarative switches for the changes a date window cannot show (see above)."""

    #: Read the unfiltered list instead of the date window, for records the window cannot
    #: show (a date that is never set): see ``tap_twilio.engine.changes``.
    full_scan: t.ClassVar[bool] = False
    #: Setting that turns ``full_scan`` off (the date window is read instead).
    full_scan_setting: t.ClassVar[str | None] = None
    #: Emit every record still open (``open_values``), changed or not: their children may
    #: have changed (an open conversation's new messages).
    emit_open: t.ClassVar[bool] = False
    #: A record whose ``open_field`` is one of ``open_values`` can still change: its SID is
    #: kept in the partition's state and it is read again until it is final.
    open_field: t.ClassVar[str] = "status"
    open_values: t.ClassVar[frozenset[str]] = frozenset()
    #: Days after its replication value that a dated record stops being followed.
    open_days: t.ClassVar[int | None] = None
    #: Field that dates a record without a replication value (placing it in the window).
    created_field: t.ClassVar[str] = "date_created"
    #: Lists of the records still open, read whole (no window) by the runs that do not
    #: read the list whole, by name: their query parameters (conversations by ``State``).
    open_lists: t.ClassVar[dict[str, dict[str, str]]] = {}
    #: The field naming a record in follow-ups by SID (its single primary key).
    sid_field: t.ClassVar[str] = "sid"
    #: Path of one record, for follow-ups by SID (``{sid}`` and the context's keys); None:
    #: the list's path followed by the SID.
    fetch_path: t.ClassVar[str | None] = None
    #: Query parameters of a follow-up by SID (a call summary in whatever state it is in).
    fetch_params: t.ClassVar[dict[str, str]] = {}
    #: How this list's records that change after they are first read reach the target
    #: (the README's stream table; None: said from the switches above).
    later_changes: t.ClassVar[str | None] = None

    if t.TYPE_CHECKING:

        def window_start(self, context: Context | None) -> dt.datetime | None:
            """The window's start (``tap_twilio.engine.windows.WindowedStream``)."""

        def _partition_key(self, context: Context | None) -> tuple:
            """The partition's key (``tap_twilio.engine.windows.WindowedStream``)."""

    @cached_property
    def _follows_changes(self) -> bool:
        """Whether this stream reads more than its window: a whole list, open records."""
        return self.replication_key is not None and bool(self.full_scan or self.open_values)

    @cached_property
    def _fetch_pattern(self) -> re.Pattern[str] | None:
        if self.fetch_path is None:
            return None
        parts = re.split(r"\{\w+\}", self.fetch_path)
        return re.compile("[^/]+".join(map(re.escape, parts)) + "$")

    def fetches_one(self, path: str) -> bool:
        """Whether a URL path is this stream's ``fetch_path`` (one record by SID)."""
        pattern = self._fetch_pattern
        return pattern is not None and pattern.search(path) is not None

    @cached_property
    def scanning(self) -> bool:
        """Whether the unfiltered list is ever read whole (a setting may say never)."""
        if not self.full_scan:
            return False
        setting = self.full_scan_setting
        return not setting or bool(self.config.get(setting, True))

    def reconciled_at(self, context: Context | None) -> dt.datetime | None:
        """When the partition's list was last read whole (None: never, as far as known)."""
        value = self.get_context_state(context).get(RECONCILED_STATE_KEY)
        try:
            return reconcile_marker(value)
        except ValueError as exc:
            account = (context or {}).get("account_sid")
            where = f" of account {account}" if account else ""
            msg = f"{self.name}: the state{where} is broken: {exc}"
            raise ValueError(msg) from exc

    def reads_whole(self, context: Context | None) -> bool:
        """Whether this run reads the partition's list whole (a reconciliation).

        Yes when the stream reads whole lists at all and ``reconcile_interval`` is 0, the
        partition was never reconciled (a first sync, or a state written before markers),
        or its last reconciliation is ``reconcile_interval`` hours old. Decided once per
        partition and run.
        """
        if not self.scanning:
            return False
        cache = self.__dict__.setdefault("_whole_cache", {})
        partition = self._partition_key(context)
        if partition not in cache:
            hours = float(self.config.get("reconcile_interval", 24))
            marker = self.reconciled_at(context)
            cache[partition] = (
                hours <= 0 or marker is None or utc_now() - marker >= dt.timedelta(hours=hours)
            )
        return bool(cache[partition])
