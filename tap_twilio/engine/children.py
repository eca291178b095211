"""Child lists queued ahead of the SDK: as soon as a page of their parents is fetched.

The SDK reads a parent's child lists right after writing the parent record. The fetcher
reads them ahead (``tap_twilio.engine.fetcher``); this mixin of ``TwilioStream`` names
them in the worker that fetched the parents' page (``page_fetched``) whenever which of
its records are emitted can be told there, else in the SDK's thread as it reads the page
(``_read_ahead_children``). Queuing them only when the SDK reached the page left a fleet's
workers idle: each subaccount has lists of lists (addresses and their numbers, queues and
their members, conferences and their participants, messages and their media), and the SDK
waited for each.

Which records of a list are emitted is told in the worker (``children_filter``) for the
first read of a partition's list: every record, each SID once, or, for lists whose records
are filtered as they are read (messages, calls and conversations when the whole list is
scanned for changes), a copy of the partition's ``ReadPlan`` made when the list is queued.
Its decision for the first list depends only on the record and the partition's state at
the start of the run (the window's start, the open SIDs, the last reconciliation: each
fixed for the run), so the copy keeps exactly the records the SDK's plan will. The further
reads of a list (``also_read``, ``open_lists``, follow-ups by SID) drop what an earlier read
emitted: their children are still named by the SDK's thread.
"""

from __future__ import annotations

import typing as t
from functools import cached_property

from tap_twilio.engine.changes import LIST_KEY, ReadPlan, once_each

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context, Record

    from tap_twilio.engine.fetcher import Fetcher, Job

#: A page's records shaped by the worker that fetched it (``page_fetched``).
SHAPED_ROWS = "_twilio_shaped_rows"


class ChildReadAhead:
    """Names the child lists of a page's records for the fetcher (a ``TwilioStream`` mixin)."""

    if t.TYPE_CHECKING:  # what the mixin uses of TwilioStream
        child_streams: list[t.Any]
        also_read: t.ClassVar[dict[str, tuple[dict[str, str], bool]]]
        _follows_changes: bool
        scanning: bool

        @property
        def fetcher(self) -> Fetcher:
            """The run's fetcher."""

        def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
            """The raw records of a page."""

        def shape_record(self, row: dict, context: Context | None) -> dict | None:
            """A raw record as emitted (None: dropped)."""

        def generate_child_contexts(
            self, record: Record, context: Context | None
        ) -> t.Iterable[Context | None]:
            """The contexts of a record's child lists."""

    @cached_property
    def _children_read(self) -> list[tuple[int, t.Any]]:
        return [
            (index, child)
            for index, child in enumerate(self.child_streams)
            if isinstance(child, ChildReadAhead)
            and (child.selected or child.has_selected_descendents)  # type: ignore[attr-defined]
        ]

    def page_fetched(self, job: Job, response: requests.Response) -> None:
        """A worker fetched a page: shape its records and name their child lists now.

        Only for the records the SDK will emit (``children_filter``): a child list is
        queued only for a record that will be written, so no request is made that the SDK
        would not make. The parents are handed to the fetcher (``Fetcher.discovered``)
        before the SDK can read this page; the SDK's thread queues their lists a window
        at a time.
        """
        context = job.context
        emitted = job.children_filter
        children = self._children_read
        if emitted is None or not children:
            return
        try:
            rows = [
                row
                for raw in self.parse_response(response)
                if (row := self.shape_record(raw, context)) is not None
            ]
            found: list[t.Any] = []
            for row in rows:
                if not emitted(row):
                    continue
                ordinal = job.children_ordinal
                job.children_ordinal += 1
                prefix = (*job.priority, ordinal)
                found.extend(
                    (prefix, child_context, children)
                    for child_context in self.generate_child_contexts(row, context)
                    if child_context is not None
                )
        except Exception:  # the SDK's thread shapes the page again, and raises
            return
        response.__dict__[SHAPED_ROWS] = rows
        self.fetcher.discovered(found)

    def children_filter(self, list_context: Context | None) -> t.Callable[[dict], bool] | None:
        """Which records of a list read the SDK will emit, told by a worker (None: not there).

        Called in the SDK's thread when the list is queued (the plan reads the state); the
        filter is then called by the workers, page after page, on this read's records only.
        """
        if not self._children_read or LIST_KEY in (list_context or {}):
            return None
        if self._follows_changes:
            try:
                plan = ReadPlan(t.cast("t.Any", self), list_context)  # as the SDK will start it
            except Exception:  # a broken state: the SDK's thread says so when it reads
                return None
            return lambda row: plan.keep(row, list_context)
        if self.also_read:  # read again with other parameters: each SID once
            once = once_each()
            return lambda row: once(row, list_context)
        return _every

    def _read_ahead_children(self, job: Job, rows: list[dict], context: Context | None) -> None:
        """Queue the child lists these parent records imply, in the order the SDK reads them."""
        children = self._children_read
        if not children:
            return
        for row in rows:
            ordinal = job.children_ordinal
            job.children_ordinal += 1
            for child_context in self.generate_child_contexts(row, context):
                if child_context is None:
                    continue
                for index, child in children:
                    if child.wants(child_context):
                        priority = (*job.priority, ordinal, index)
                        self.fetcher.submit_reads(child, dict(child_context), priority)


def _every(row: dict) -> bool:
    return True
