"""Twilio's paging: ``PageSize``, ``Page`` and ``PageToken`` (keyset or offset tokens)."""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from twilio_sandbox.resource_spec import ResourceSpec
from twilio_sandbox.store import Row, Table
from twilio_sandbox.wire import ApiError, invalid

PAGING_PARAMS = ("PageSize", "Page", "PageToken")
DEFAULT_PAGE_SIZE = 50


# --------------------------------------------------------------------------- paging helpers


def encode_offset(offset: int) -> str:
    """Opaque page token for lists without sids (like Twilio's ``APMQ==``)."""
    return "AP" + base64.b64encode(str(offset).encode()).decode()


def decode_offset(token: str) -> int | None:
    """Decode an opaque offset token, None if invalid."""
    if not token.startswith("AP"):
        return None
    try:
        value = int(base64.b64decode(token[2:], validate=True).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if value >= 0 else None


def query_string(pairs: list[tuple[str, str]]) -> str:
    """Encode like Twilio's paging URIs: every reserved char escaped (``DateSent%3E=...``)."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


@dataclass
class Page:
    """A computed page."""

    items: list[dict[str, Any]]
    page: int
    page_size: int
    token: str | None
    next_token: str | None
    prev_token: str | None


def paginate(
    rows: list[Row],
    spec: ResourceSpec,
    table: Table | None,
    reverse: bool,
    page_size: int,
    page: int,
    token: str | None,
) -> Page:
    """Slice ``rows`` (ascending by key) into the requested page.

    Keyset tokens ``PA<id>`` (page after that record) / ``PB<id>`` (page before it) for
    sid lists, opaque offset tokens otherwise. ``reverse`` serves the list in
    descending key order.
    """
    n = len(rows)
    keys = [r.key for r in rows]
    eff = rows[::-1] if reverse else rows
    if token is None:
        start = page * page_size
        end = start + page_size
    elif spec.token == "sid" and token[:2] in ("PA", "PB") and table is not None:
        ref = table.by_id.get(token[2:])
        if ref is None:
            raise _bad_token()
        if token[:2] == "PA":
            start = n - bisect_left(keys, ref.key) if reverse else bisect_right(keys, ref.key)
            end = start + page_size
        else:
            end = n - bisect_right(keys, ref.key) if reverse else bisect_left(keys, ref.key)
            start = max(0, end - page_size)
    else:
        offset = decode_offset(token) if spec.token == "offset" else None
        if offset is None:
            raise _bad_token()
        start, end = offset, offset + page_size
    chosen = eff[start:end]
    has_next = start + len(chosen) < n
    if spec.token == "sid":
        next_token = f"PA{chosen[-1].ident}" if has_next and chosen else None
        prev_token = f"PB{chosen[0].ident}" if chosen else None
    else:
        next_token = encode_offset(start + len(chosen)) if has_next else None
        prev_token = encode_offset(max(0, start - page_size))
    return Page([r.data for r in chosen], page, page_size, token, next_token, prev_token)


def _bad_token() -> ApiError:
    return invalid(
        "Invalid PageToken. Please be sure you are requesting the provided paging urls.", 21481
    )
