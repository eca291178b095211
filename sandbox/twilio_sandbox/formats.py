"""Time formatting and parsing helpers for the sandbox (stdlib only, locale independent).

Internally every timestamp is an ``int`` of UTC epoch seconds.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime, timezone
from email.utils import parsedate_tz

DAY = 86400

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUM = {name: i + 1 for i, name in enumerate(_MONTHS)}

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2}|UTC|GMT)?$"
)
_RELATIVE_RE = re.compile(r"^([+-])(\d+)\s*days?$", re.IGNORECASE)


def rfc2822(ts: int) -> str:
    """Format as Twilio's 2010 API does: ``Fri, 24 May 2019 17:44:46 +0000``."""
    t = time.gmtime(ts)
    return (
        f"{_WEEKDAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def iso(ts: int) -> str:
    """Format as Twilio's v1/v2 APIs do: ``2019-05-24T17:44:46Z``."""
    t = time.gmtime(ts)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"
    )


def iso_offset(ts: int) -> str:
    """Format with an explicit offset, like usage records' ``as_of``."""
    return iso(ts)[:-1] + "+00:00"


def ymd(ts: int) -> str:
    """Format the UTC date of ``ts`` as ``YYYY-MM-DD``."""
    t = time.gmtime(ts)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def day_start(ts: int) -> int:
    """Midnight UTC of the day containing ``ts``."""
    return ts - ts % DAY


def to_ts(value: datetime) -> int:
    """Convert a datetime (naive = UTC) to epoch seconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


def to_datetime(ts: int) -> datetime:
    """Convert epoch seconds to an aware UTC datetime."""
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def parse_record_date(value: str | None) -> int | None:
    """Parse a date as it appears in a record (RFC 2822, ISO 8601 or ``YYYY-MM-DD``)."""
    if value is None or value == "":
        return None
    # Fast path for our own RFC 2822 output: "Fri, 24 May 2019 17:44:46 +0000".
    if len(value) == 31 and value[3] == "," and value.endswith("+0000"):
        try:
            return calendar.timegm(
                (
                    int(value[12:16]),
                    _MONTH_NUM[value[8:11]],
                    int(value[5:7]),
                    int(value[17:19]),
                    int(value[20:22]),
                    int(value[23:25]),
                )
            )
        except (KeyError, ValueError):
            pass
    # Fast path for "2019-05-24T17:44:46Z".
    if len(value) == 20 and value[10] == "T" and value[19] == "Z":
        try:
            return calendar.timegm(
                (
                    int(value[0:4]),
                    int(value[5:7]),
                    int(value[8:10]),
                    int(value[11:13]),
                    int(value[14:16]),
                    int(value[17:19]),
                )
            )
        except ValueError:
            pass
    parsed = parse_filter_value(value)
    return None if parsed is None else parsed[0]


def parse_filter_value(value: str) -> tuple[int, bool] | None:
    """Parse a query-string date value.

    Accepts ``YYYY-MM-DD``, ISO 8601 date-times (``Z``, offsets, fractions, space
    separator) and RFC 2822. Returns ``(epoch_seconds, date_only)`` or None when the
    value cannot be parsed.
    """
    value = value.strip()
    if not value:
        return None
    m = _DATE_RE.match(value)
    if m:
        try:
            return calendar.timegm((int(m[1]), int(m[2]), int(m[3]), 0, 0, 0)), True
        except ValueError:
            return None
    m = _ISO_RE.match(value)
    if m:
        try:
            dt = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
        except ValueError:
            return None
        ts = calendar.timegm(dt.timetuple())
        tz = m[7]
        if tz and tz not in ("Z", "z", "UTC", "GMT"):
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            ts -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
        return ts, False
    parts = parsedate_tz(value)
    if parts is not None:
        offset = parts[9] or 0
        try:
            return calendar.timegm((*parts[:6], 0, 0, 0)) - offset, False
        except (ValueError, OverflowError):
            return None
    return None


def parse_usage_date(value: str, today_ts: int) -> int | None:
    """Parse a usage-records ``StartDate``/``EndDate`` (``YYYY-MM-DD`` or ``-30days``)."""
    m = _RELATIVE_RE.match(value.strip())
    if m:
        days = int(m[2]) * (1 if m[1] == "+" else -1)
        return day_start(today_ts) + days * DAY
    parsed = parse_filter_value(value)
    if parsed is None:
        return None
    return day_start(parsed[0])
