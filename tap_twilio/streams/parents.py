"""Parents for the curated and long-tail streams: which SIDs their children get.

``Parent`` gives a list's children the record's SID under ``child_key``; ``link_parent``
does the same for a built-in list that has no child context of its own (calls, queues …),
with a test that keeps the request floor (no child list for a record that has none).
"""

from __future__ import annotations

import typing as t

from tap_twilio.client import ProductStream
from tap_twilio.streams.core import (
    AccountProductStream,
    CallsStream,
    QueuesStream,
)
from tap_twilio.streams.products import VerifyServicesStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

    from tap_twilio.client import TwilioStream


def child_context(
    names: tuple[str, ...], key: str, value: t.Any, record: Record, context: Context | None
) -> Context:
    """A child's context: the account, the parent's own parents' SIDs and its key."""
    base = context or {}
    keys = {name: base[name] for name in ("account_sid", *names) if name in base}
    keys.setdefault("account_sid", record.get("account_sid"))
    return {**keys, key: value}


class Parent:
    """A list whose records are parents: children get ``child_key`` = the record's SID.

    The child context carries the account and this list's own parents' SIDs, so a
    grandchild's path can name them all.
    """

    child_key: t.ClassVar[str] = ""

    #: The record field children get under ``child_key``.
    child_field: t.ClassVar[str] = "sid"
    context_fields: t.ClassVar[tuple[str, ...]] = ()

    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        """The account, this list's parents' SIDs and this record's SID."""
        value = record.get(self.child_field)
        return child_context(self.context_fields, self.child_key, value, record, context)

    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> t.Iterable[Context | None]:
        """Children of the records that name them (a record without its SID has none)."""
        child = self.get_child_context(record, context)
        if child and child.get(self.child_key) is not None:
            yield child


def link_parent(
    cls: type[TwilioStream],
    key: str,
    has_children: t.Callable[[Record], bool] | None = None,
) -> None:
    """Give a built-in list without child contexts one (its children need its SID).

    Only for classes of ``tap_twilio.streams`` that define no ``get_child_context`` of
    their own (the SDK's default passes on the account alone); ``has_children`` keeps the
    request floor: no child list is read for a record that cannot have any.
    """
    if any(
        "get_child_context" in vars(c)
        for c in cls.__mro__[:-1]
        if c.__module__.startswith("tap_twilio")
    ):
        return

    def get_child_context(self: t.Any, record: Record, context: Context | None) -> Context:
        return child_context(cls.context_fields, key, record.get("sid"), record, context)

    def generate_child_contexts(
        self: t.Any, record: Record, context: Context | None
    ) -> t.Iterable[Context | None]:
        if has_children is None or has_children(record):
            yield get_child_context(self, record, context)

    cls.get_child_context = get_child_context  # type: ignore[method-assign]
    cls.generate_child_contexts = generate_child_contexts  # type: ignore[method-assign]
    cls.child_key = key  # type: ignore[attr-defined]


# Calls that never started made no request to the application and have no events,
# notifications or recordings (https://www.twilio.com/docs/voice/api/call-event-resource).
link_parent(CallsStream, "call_sid", lambda call: call.get("start_time") is not None)
# A queue's members are the calls waiting in it now: none when current_size is 0
# (https://www.twilio.com/docs/voice/api/queue-resource).
link_parent(QueuesStream, "queue_sid", lambda queue: int(queue.get("current_size") or 0) > 0)
link_parent(VerifyServicesStream, "service_sid")
CONFERENCE_KEY = "conference_sid"  # ConferencesStream's child context


# Product lists ------------------------------------------------------------------------


class ProductRoot(Parent, AccountProductStream):
    """The first list of a product for an account (404: the account has no such product)."""

    product_root = True
    primary_keys = ("sid",)


class ProductList(Parent, AccountProductStream):
    """Another top-level list of a product, per account."""

    primary_keys: t.ClassVar[tuple[str, ...]] = ("sid",)


class ProductChild(Parent, ProductStream):
    """A list under a parent record of a product, per account."""

    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid"]
    primary_keys: t.ClassVar[tuple[str, ...]] = ("sid",)
