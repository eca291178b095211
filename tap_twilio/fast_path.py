"""Every use of singer-sdk internals for speed, in one place, behind one switch.

singer-sdk 0.54 has no public hooks for these; each override below says what public
mechanism it stands in for and why. ``TAP_TWILIO_FAST_PATH=0`` in the environment turns them
all off (the SDK's own methods run; the output is the same, only slower:
``tests/test_fast_path.py`` checks both, and fails naming the override when the SDK method it
replaces changes its signature or disappears). The SDK is pinned (``~=0.54.9``) for them.

Replaced SDK methods (all on ``singer_sdk.Stream`` / ``RESTStream``):

* ``_write_schema_message``: the SDK writes a SCHEMA for every parent context of a child
  stream; once per run is enough.
* ``_write_record_message`` / ``_generate_record_messages``: without stream maps a record
  goes straight to the tap's writer (no ``RecordMessage`` object, no mapper call, no
  per-field type pass: ``shape_record`` has given every field its schema type already).
* ``_process_record``: no child-context walk when no child stream is selected.
* ``_increment_stream_state``: no partition lookup for a record that cannot move the
  bookmark (unsorted streams keep the largest value seen).
* ``_request``: the response body read in one call instead of 10 kB chunks.
* ``__init__`` (``_HTTPStream``'s): no ``requests.Session`` per stream; the run shares one.

STATE (see "STATE at a bounded rate" below) replaces ``Tap._state_writer`` and each stream's
``_state_manager``, and ``Tap._handle_termination`` writes the last STATE on SIGTERM. Always
in force, whatever the switch: ``Tap._validate_config`` (config problems as one line each;
the SDK has no hook for the wording), and the SDK's ``@final`` ``Tap.sync_all`` (progress
lines around it, the last STATE after it) and ``Tap.run_connection_test`` (one request).

Also used here: ``helpers._catalog.pop_deselected_record_properties`` (the SDK's own
selection filter), ``_write_request_duration_log`` and ``_LOG_REQUEST_METRIC_URLS`` (the
request metric the SDK's ``_request`` writes), ``_prepare_request`` (the SDK's request
builder, for the fetcher's first page of a list) and ``Stream._tap`` (the tap that owns a
stream: its run context and message writer).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import typing as t
from functools import cached_property

from singer_sdk.contrib.msgspec import encoder as _encoder
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._state import StateWriter
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage, StateMessage
from singer_sdk.streams import Stream as SDKStream
from singer_sdk.streams._state import StreamStateManager

from tap_twilio.pagination import TwilioPaginator, read_whole_body
from tap_twilio.transforms import utc_now

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Generator

    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers import types
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import RESTStream, Stream

    _Stream = RESTStream[t.Any]
else:
    _Stream = object

#: Whether the overrides below are in force (``TAP_TWILIO_FAST_PATH=0`` turns them off).
ENABLED = os.environ.get("TAP_TWILIO_FAST_PATH", "1") != "0"

#: The SDK methods replaced, with the parameters they had when the overrides were written.
REPLACED: dict[str, tuple[str, ...]] = {
    "_write_schema_message": ("self",),
    "_write_record_message": ("self", "record"),
    "_generate_record_messages": ("self", "record"),
    "_process_record": ("self", "record", "child_context", "partition_context"),
    "_increment_stream_state": ("self", "latest_record", "context"),
    "_request": ("self", "prepared_request", "context"),
    "_prepare_request": ("self", "context", "page"),
    "_write_request_duration_log": ("self", "endpoint", "response", "context", "extra_tags"),
}
#: The same for the Tap's methods replaced below.
REPLACED_ON_TAP: dict[str, tuple[str, ...]] = {
    "_validate_config": ("self", "raise_errors"),
    "_handle_termination": ("self", "signum", "frame"),
    # Final in the SDK (no hook around them): overridden all the same, see TapFastPath.
    "load_streams": ("self",),
    "sync_all": ("self",),
    "run_connection_test": ("self",),
}
#: SDK attributes this module replaces or reads, by the class whose code uses them.
REPLACED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Tap": ("_state_writer",),
    "Stream": ("_state_manager", "_tap", "_tap_state"),
}
#: Private SDK helpers called here, and the parameters they are called with (each must
#: still exist, and no parameter left out here may have become required).
PRIVATE_HELPERS: dict[str, tuple[str, ...]] = {
    "StreamStateManager.__init__": (
        "self",
        "tap_name",
        "stream_name",
        "tap_state",
        "state_partitioning_keys",
        "is_sorted",
        "check_sorted",
    ),
    "StreamStateManager.get_context_state": ("self", "context"),
    "StateWriter.__init__": ("self", "message_writer"),
    "StateWriter.write_state": ("self", "state"),
    "pop_deselected_record_properties": ("record", "schema", "mask"),
}


def tap_of(stream: t.Any) -> Tap:
    """The tap a stream belongs to (the SDK keeps it in the private ``Stream._tap``)."""
    return stream._tap


def send(stream: t.Any, prepared: requests.PreparedRequest, context: Context | None) -> t.Any:
    """One attempt of a request, as the SDK makes it (metrics, ``validate_response``)."""
    return stream._request(prepared, context)


def first_page_request(stream: t.Any, context: Context | None) -> requests.PreparedRequest:
    """The SDK's prepared request for a list's first page."""
    page = TwilioPaginator(stream.url_base)
    return stream._prepare_request(context=context, page=page)


class SDKFastPath(_Stream):
    """The overrides, defined only while the switch is on."""

    if ENABLED:

        def __init__(
            self,
            tap: Tap,
            name: str | None = None,
            schema: t.Any = None,
            path: str | None = None,
            *,
            http_method: str | None = None,
        ) -> None:
            """The SDK's set-up of an HTTP stream without the ``requests.Session`` it makes.

            ``_HTTPStream.__init__`` builds one session per stream (about 1 ms each, for
            hundreds of streams at every discovery); the run shares one
            (``RunContext.session``, ``TwilioStream.requests_session``).
            """
            if path:
                self.path = path
            self._http_headers: dict[str, str] = {}
            self._http_method = http_method
            self._requests_session = None
            self._compiled_jsonpath = None
            self._next_page_token_compiled_jsonpath = None
            SDKStream.__init__(self, name=name, schema=schema, tap=tap)

        @override
        def _write_schema_message(self) -> None:
            """Write a stream's SCHEMA once per run, not again for every parent of a child."""
            if not self.__dict__.get("_schema_written"):
                super()._write_schema_message()
                self._schema_written = True

        @cached_property
        def _every_property_selected(self) -> bool:
            mask = self.mask
            return all(mask[("properties", name)] for name in self.schema.get("properties", {}))

        @cached_property
        def _identity_map(self) -> bool:
            """Whether the only stream map passes records through unchanged.

            True without ``stream_maps`` and flattening: the mapper call per record is skipped.
            """
            maps = self.stream_maps
            return (
                len(maps) == 1
                and type(maps[0]) is SameRecordTransform
                and maps[0].stream_alias == self.name
                and not maps[0].flattening_enabled
            )

        @override
        def _write_record_message(self, record: dict) -> None:
            """Hand the record straight to the tap's writer when no stream map applies."""
            if not self._identity_map:
                super()._write_record_message(record)
                return
            if not self._every_property_selected:
                pop_deselected_record_properties(record, self.schema, self.mask)
            writer = tap_of(self).message_writer
            # TwilioWriter.write_record: a RECORD line without a RecordMessage object.
            writer.write_record(  # type: ignore[attr-defined]
                self.name, record, self._stream_version, self._time_extracted
            )
            self.state_manager.is_flushed = False

        @override
        def _generate_record_messages(self, record: dict) -> Generator[RecordMessage, None, None]:
            """The SDK's record messages (with stream maps), minus the type pass.

            shape_record already gives every field its schema type; the selection walk is
            skipped when nothing is deselected.
            """
            if not self._every_property_selected:
                pop_deselected_record_properties(record, self.schema, self.mask)
            for stream_map in self.stream_maps:
                mapped = stream_map.transform(record)
                if mapped is not None:
                    yield RecordMessage(
                        stream=stream_map.stream_alias,
                        record=mapped,
                        version=self._stream_version,
                        time_extracted=self._time_extracted,
                    )

        @property
        def _time_extracted(self) -> dt.datetime:
            """When the page of the records being written was extracted."""
            return self.__dict__.get("_page_time") or utc_now()

        @cached_property
        def _children_selected(self) -> bool:
            return any(c.selected or c.has_selected_descendents for c in self.child_streams)

        @override
        def _process_record(
            self,
            record: dict,
            child_context: Context | None = None,
            partition_context: Context | None = None,
        ) -> None:
            """The SDK's, without asking for child contexts when no child stream is selected."""
            if self._children_selected:
                super()._process_record(record, child_context, partition_context)
                return
            for key, value in (partition_context or {}).items():
                if key not in record:
                    record[key] = value

        @override
        def _increment_stream_state(
            self, latest_record: dict, *, context: Context | None = None
        ) -> None:
            """Advance the bookmark only for a record that can move it (a new maximum).

            Unsorted streams keep the largest value seen, so a record at or below the largest
            value so far changes nothing: skipping the SDK's state lookup for it saves a
            partition search per record. Null values never move a bookmark.
            """
            key = self.replication_key
            if key and self.replication_method == "INCREMENTAL":
                value = latest_record.get(key)
                if value is None:
                    return
                highest = self.__dict__.setdefault("_highest_seen", {})
                # One context object serves a whole partition: its key is computed once.
                last = self.__dict__.get("_last_partition")
                if last is not None and last[0] is context:
                    partition = last[1]
                else:
                    partition = self._partition_key(context)  # type: ignore[attr-defined]
                    self._last_partition = (context, partition)
                if partition in highest and value <= highest[partition]:
                    return
                highest[partition] = value
            super()._increment_stream_state(latest_record, context=context)

        @override
        def _request(
            self, prepared_request: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            """The SDK's request, reading the body in one call instead of 10 kB chunks."""
            request = self.authenticator(prepared_request)
            response = self.requests_session.send(
                request, timeout=self.timeout, allow_redirects=self.allow_redirects, stream=True
            )
            read_whole_body(response)
            self._write_request_duration_log(
                endpoint=self.path,
                response=response,
                context=context,
                extra_tags={"url": request.path_url} if self._LOG_REQUEST_METRIC_URLS else None,
            )
            self.validate_response(response)
            return response


# STATE at a bounded rate ----------------------------------------------------------------
#
# STATE at a bounded rate and a cost linear in the fleet (two SDK internals replaced).
#
# singer-sdk 0.54 writes a STATE after every finished partition (``Stream._sync_records``
# calls ``_write_state_message``), and each write compares the whole tap state with the
# last one, serialises it and deep-copies it (``StateWriter.write_state``). With one
# partition per account and list, both the number of STATE messages and their size grow
# with the fleet: the cost is quadratic. Finding a partition's state is a linear scan of the
# stream's partitions (``helpers._state._find_in_partitions_list``), quadratic again.
#
# * :class:`BoundedStateWriter` (replaces ``Tap._state_writer``) is still called at every
#   point where the SDK would write a STATE — points where the state claims only records
#   already written — but writes one only when ``min_interval`` seconds have passed since
#   the last one, and no more often than ``COST_FACTOR`` times what the last one took to
#   encode and write (so STATE costs at most ~2% of the run however big it grows); always
#   at the end of a sync (``flush``). What it writes holds only what must be remembered:
#   partitions with a bookmark, without the SDK's in-run markers.
# * :class:`IndexedStateManager` (replaces each stream's ``_state_manager``) finds a
#   partition through a dict, and adds a partition to the state only when something is
#   written into it (full-table lists never write: they keep no partitions at all).
#
# ``tests/test_fleet.py::test_sdk_state_internals_are_where_we_replace_them`` names each
# SDK attribute used here, so an SDK upgrade that moves one fails there first.

#: Seconds between two STATE messages at least (``TAP_TWILIO_STATE_INTERVAL`` overrides).
STATE_INTERVAL = 1.0
#: A STATE is written at most every COST_FACTOR x (seconds the last one took).
COST_FACTOR = 50
#: Keys the SDK keeps in a partition's state only while the partition is being read.
TRANSIENT_KEYS = frozenset(
    {"context", "progress_markers", "starting_replication_value", "replication_key_signpost"}
)


def state_interval() -> float:
    """The minimum seconds between STATE messages (a hidden knob for tests)."""
    try:
        return max(0.0, float(os.environ.get("TAP_TWILIO_STATE_INTERVAL", STATE_INTERVAL)))
    except ValueError:
        return STATE_INTERVAL


def compact_state(state: types.TapState) -> dict:
    """The state without what a later run does not need.

    Partitions and streams without a bookmark (full-table lists, accounts with no
    records) are left out, and so are the SDK's in-run markers (progress markers are
    discarded by the SDK when a run starts; the starting value and signpost are rewritten).
    """
    bookmarks = {}
    for name, stream_state in (state.get("bookmarks") or {}).items():
        if not isinstance(stream_state, dict):
            bookmarks[name] = stream_state
            continue
        entry = {k: v for k, v in stream_state.items() if k not in TRANSIENT_KEYS}
        partitions = entry.pop("partitions", None)
        if isinstance(partitions, list):
            kept = [_compact_partition(p) for p in partitions]
            kept = [p for p in kept if p is not None]
            if kept:
                entry["partitions"] = kept
        elif partitions is not None:
            entry["partitions"] = partitions
        if entry:
            bookmarks[name] = entry
    compact = {k: v for k, v in state.items() if k != "bookmarks"}
    compact["bookmarks"] = bookmarks
    return compact


def _compact_partition(partition: t.Any) -> t.Any:
    if not isinstance(partition, dict):
        return partition
    if all(key in TRANSIENT_KEYS for key in partition):
        return None
    if "progress_markers" in partition or "starting_replication_value" in partition:
        return {k: v for k, v in partition.items() if k == "context" or k not in TRANSIENT_KEYS}
    return partition


class BoundedStateWriter(StateWriter):
    """Writes the tap's STATE at a bounded rate; ``flush`` writes the latest one."""

    def __init__(self, message_writer: t.Any, min_interval: float | None = None) -> None:
        super().__init__(message_writer)
        self.min_interval = state_interval() if min_interval is None else min_interval
        self._interval = self.min_interval
        self._pending: types.TapState | None = None
        self._last_line: bytes | None = None
        self._last_time = time.monotonic()
        #: STATE messages written, their bytes and the seconds spent on them.
        self.count = 0
        self.bytes = 0
        self.seconds = 0.0

    def write_state(self, state: types.TapState) -> None:
        """Note that ``state`` may be written now; write it when it is due."""
        self._pending = state
        if time.monotonic() - self._last_time >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Write the state last offered, if it differs from the last one written."""
        state, self._pending = self._pending, None
        if state is None:
            return
        started = time.monotonic()
        line = _encoder.encode({"type": "STATE", "value": compact_state(state)}) + b"\n"
        if line != self._last_line:
            writer = self._message_writer
            if hasattr(writer, "write_line"):
                writer.write_line(line)
            else:  # pragma: no cover - another writer class
                writer.write_message(StateMessage(value=compact_state(state)))
            self._last_line = line
            self.count += 1
            self.bytes += len(line)
        now = time.monotonic()
        self.seconds += now - started
        self._interval = max(self.min_interval, COST_FACTOR * (now - started))
        self._last_time = now


class _Unsaved(dict):
    """A partition's state that is not in the tap state yet: it joins on its first write."""

    def __init__(self, context: dict, join: t.Callable[[dict], None]) -> None:
        super().__init__(context=context)
        self._join_state: t.Callable[[dict], None] | None = join

    def _join(self) -> None:
        join, self._join_state = self._join_state, None
        if join is not None:
            join(self)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        self._join()
        super().__setitem__(key, value)

    def setdefault(self, key: t.Any, default: t.Any = None) -> t.Any:
        self._join()
        return super().setdefault(key, default)

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._join()
        super().update(*args, **kwargs)


#: Unsaved partitions handed out per stream, kept so that two callers share one.
_PENDING_MAX = 64


class IndexedStateManager(StreamStateManager):
    """The SDK's stream state manager, finding partitions through a dict.

    A partition nobody writes into (a full-table list's) never enters the tap state.
    """

    def __init__(self, stream: Stream, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self._stream = stream
        self._index: dict[tuple, dict] = {}
        self._indexed: list | None = None
        self._indexed_len = 0
        self._pending: dict[tuple, _Unsaved] = {}

    def get_context_state(self, context: types.Context | None) -> dict:
        """The state dict of the context's partition (created when missing)."""
        partition_context = self.get_state_partition_context(context)
        if not partition_context:
            return self.stream_state
        try:
            key = tuple(sorted(partition_context.items()))
            hash(key)
        except TypeError:
            return super().get_context_state(context)
        found = self._lookup(key)
        if found is not None:
            return found
        pending = self._pending.get(key)
        if pending is None:
            pending = _Unsaved(dict(partition_context), lambda p: self._add(key, p))
            self._pending[key] = pending
            if len(self._pending) > _PENDING_MAX:
                del self._pending[next(iter(self._pending))]
        return pending

    def _partitions(self) -> list:
        partitions: list = self.stream_state.setdefault("partitions", [])
        if partitions is not self._indexed or len(partitions) != self._indexed_len:
            self._reindex(partitions)
        return partitions

    def _lookup(self, key: tuple) -> dict | None:
        if "partitions" not in self.stream_state:
            return None
        self._partitions()
        return self._index.get(key)

    def _add(self, key: tuple, partition: dict) -> None:
        """An unsaved partition was written into: put it in the tap state."""
        self._pending.pop(key, None)
        partitions = self._partitions()
        existing = self._index.get(key)
        if existing is not None:  # pragma: no cover - one context, two unsaved dicts
            for name, value in existing.items():
                dict.setdefault(partition, name, value)
            partitions[partitions.index(existing)] = partition
        else:
            partitions.append(partition)
            self._indexed_len += 1
        self._index[key] = partition

    def _reindex(self, partitions: list) -> None:
        index: dict[tuple, dict] = {}
        for partition in partitions:
            context = partition.get("context") if isinstance(partition, dict) else None
            if isinstance(context, dict):
                try:
                    index.setdefault(tuple(sorted(context.items())), partition)
                except TypeError:
                    continue
        self._index = index
        self._indexed = partitions
        self._indexed_len = len(partitions)


def install_state_manager(stream: Stream) -> None:
    """Give a stream the indexed state manager (before its state is first used)."""
    stream._state_manager = IndexedStateManager(
        stream,
        tap_name=stream.tap_name,
        stream_name=stream.name,
        tap_state=stream._tap_state,
        state_partitioning_keys=stream.state_partitioning_keys,
        is_sorted=stream.is_sorted,
        check_sorted=stream.check_sorted,
    )


# The tap -----------------------------------------------------------------------------------

if t.TYPE_CHECKING:
    _Tap = Tap
else:
    _Tap = object


class TapFastPath(_Tap):
    """Tap-level overrides: STATE at a bounded rate (switch), one-line config errors."""

    if ENABLED:

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            # Replaces the SDK's StateWriter (Tap._state_writer): see BoundedStateWriter.
            self._state_writer = BoundedStateWriter(self.message_writer)

        @override  # type: ignore[misc]  # final in the SDK
        def load_streams(self) -> list[Stream]:
            streams = super().load_streams()
            for stream in streams:
                install_state_manager(stream)  # replaces Stream._state_manager
            return streams

        @override
        def _handle_termination(self, signum: int, frame: t.Any) -> None:  # pragma: no cover
            """The SDK's SIGTERM handling, after the last STATE (else it may be unwritten)."""
            try:
                self.write_last_state()
            finally:
                super()._handle_termination(signum, frame)

    @override  # type: ignore[misc]  # final in the SDK: no hook around a sync
    def sync_all(self) -> None:
        """The SDK's sync with progress lines, then the last STATE (also after a failure).

        The SDK moves a bookmark only once every record of its partition is written, so
        the state at any moment claims only written records.
        """
        try:
            with self.progress_lines():  # type: ignore[attr-defined]  # TapTwilio's
                super().sync_all()
        finally:
            self.write_last_state()

    @override  # type: ignore[misc]  # final in the SDK
    def run_connection_test(self) -> bool:
        """``--test``: one request that checks the credentials, not a sync of every stream."""
        return bool(self.check_credentials())  # type: ignore[attr-defined]  # TapTwilio's

    def write_last_state(self) -> None:
        """Write the state as it is now, and every record still batched.

        The bounded writer may be holding the state back; a STATE equal to the last one is
        not written again, so nothing else would write the batched records.
        """
        writer = self._state_writer
        if isinstance(writer, BoundedStateWriter):
            writer.write_state(self.state)
            writer.flush()
        flush = getattr(self.message_writer, "flush", None)
        if flush is not None:
            flush()

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's check, each problem one line naming the setting (never a secret).

        There is no public hook for the wording; ``config_problems`` (TapTwilio) says it.
        """
        from singer_sdk.exceptions import ConfigValidationError

        from tap_twilio.settings import ConfigError

        try:
            errors = super()._validate_config(raise_errors=False)
        except ConfigValidationError as exc:  # pragma: no cover - raise_errors=False
            errors = exc.errors
        problems: list[str] = self.config_problems(errors)  # type: ignore[attr-defined]
        if problems and raise_errors:
            raise ConfigError(problems[0])
        return problems
