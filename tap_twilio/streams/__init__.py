"""Every stream of the tap, in the order the SDK syncs them.

* :mod:`tap_twilio.streams.core`: the 2010 API and Monitor alerts;
* :mod:`tap_twilio.streams.products`: Conversations, Studio, Chat, TaskRouter, …;
* :mod:`tap_twilio.streams.curated` and :mod:`tap_twilio.streams.spec`: the rest of Twilio.
"""

from __future__ import annotations

from tap_twilio.streams.core import (
    ACCOUNT,
    CORE_STREAMS,
    AccountChild,
    AccountProductStream,
    AccountsStream,
    AvailablePhoneNumbersStream,
    CallsStream,
    ConferencesStream,
    QueuesStream,
)
from tap_twilio.streams.curated import CURATED_STREAMS
from tap_twilio.streams.products import PRODUCT_STREAMS, ChatServiceChild, VerifyServicesStream
from tap_twilio.streams.spec import SPEC_STREAMS

# The base classes and names the curated and long-tail streams build on.
__all__ = [
    "ACCOUNT",
    "CORE_STREAMS",
    "PRODUCT_STREAMS",
    "STREAMS",
    "STREAM_NAMES",
    "AccountChild",
    "AccountProductStream",
    "AccountsStream",
    "AvailablePhoneNumbersStream",
    "CallsStream",
    "ChatServiceChild",
    "ConferencesStream",
    "QueuesStream",
    "VerifyServicesStream",
]

STREAMS = CORE_STREAMS + PRODUCT_STREAMS + CURATED_STREAMS + SPEC_STREAMS

#: Every built-in stream's name (the SDK declares ``name`` per instance: the ignore).
STREAM_NAMES: frozenset[str] = frozenset(
    cls.name  # type: ignore[misc]
    for cls in STREAMS
)
