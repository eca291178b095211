"""STATE at a bounded rate, partitions found by index (SDK state internals replaced)."""

from __future__ import annotations

import os
import time
import typing as t

from singer_sdk.contrib.msgspec import encoder as _encoder
from singer_sdk.helpers._state import StateWriter
from singer_sdk.singerlib import StateMessage
from singer_sdk.streams._state import StreamStateManager

if t.TYPE_CHECKING:
    from singer_sdk.helpers import types
    from singer_sdk.streams import Stream


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
