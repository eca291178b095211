"""How long to wait before retrying a Twilio request: the one backoff rule.

Used by the tap's streams (``TwilioStream._wait_times``) and by the actions' reads and
429s. ``Retry-After`` when Twilio sends it (seconds or an HTTP date, at most
``MAX_RETRY_AFTER``); otherwise exponential backoff with jitter.
"""

from __future__ import annotations

import datetime as dt
import random
import typing as t
from email.utils import parsedate_to_datetime

if t.TYPE_CHECKING:
    import requests

#: Longest Retry-After honoured, in seconds.
MAX_RETRY_AFTER = 300.0
#: Ceiling of the exponential backoff, in seconds.
MAX_BACKOFF = 60.0


def retry_after(response: requests.Response | None) -> float | None:
    """Seconds asked for by a response's ``Retry-After`` (seconds or HTTP date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def concurrency_refusal(response: requests.Response | None) -> bool:
    """A 429 without ``Retry-After``: Twilio's concurrency limit (error 20429), not a rate."""
    return response is not None and response.status_code == 429 and retry_after(response) is None


def exponential(attempt: int) -> float:
    """Exponential backoff with jitter for retry ``attempt`` (0-based): 1-2 s, 2-4 s, … 30-60 s."""
    ceiling = min(MAX_BACKOFF, 2.0 * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def wait_before_retry(attempt: int, response: requests.Response | None) -> float:
    """Twilio's Retry-After when sent, else exponential backoff with jitter."""
    wait = retry_after(response)
    return exponential(attempt) if wait is None else wait
