"""Base classes of the curated and long-tail product lists.

A parent declares ``child_key`` (and ``child_field`` when it is not the SID): its
children get the account, the parent's own parents' SIDs and that key (see
``TwilioStream.get_child_context``).
"""

from __future__ import annotations

import typing as t

from tap_twilio.engine.client import ProductStream
from tap_twilio.streams.core import AccountProductStream

CONFERENCE_KEY = "conference_sid"  # ConferencesStream's child context


class ProductRoot(AccountProductStream):
    """The first list of a product for an account (404: the account has no such product)."""

    product_root = True
    primary_keys = ("sid",)


class ProductList(AccountProductStream):
    """Another top-level list of a product, per account."""

    primary_keys: t.ClassVar[tuple[str, ...]] = ("sid",)


class ProductChild(ProductStream):
    """A list under a parent record of a product, per account."""

    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid"]
    primary_keys: t.ClassVar[tuple[str, ...]] = ("sid",)
