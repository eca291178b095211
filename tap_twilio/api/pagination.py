"""Twilio's two page envelopes: bodies decoded once, next pages followed as given.

* 2010 API: a flat body with a relative ``next_page_uri``;
* v1/v2 product APIs: ``meta.next_page_url``, absolute.

``PageToken`` URLs are followed exactly as Twilio returns them.
"""

from __future__ import annotations

import re
import sys
import typing as t
from urllib.parse import urlparse

import msgspec
import requests
import urllib3
from singer_sdk.pagination import BaseHATEOASPaginator

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override


_BODY_ATTR = "_twilio_body"


_decode_json = msgspec.json.Decoder().decode


class TwilioPaginator(BaseHATEOASPaginator):
    """Follows ``next_page_uri`` (2010 API, relative) or ``meta.next_page_url`` as given."""

    def __init__(self, url_base: str) -> None:
        super().__init__()
        self._url_base = url_base

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        body = response_body(response)
        if not isinstance(body, dict):
            return None
        meta = body.get("meta")
        if isinstance(meta, dict):
            return meta.get("next_page_url") or None
        uri = body.get("next_page_uri")
        if not uri:
            return None
        return uri if "://" in uri else self._url_base + uri


def response_body(response: requests.Response) -> t.Any:
    """Return the decoded JSON body of a response, decoding it once (msgspec).

    Raises:
        ValueError: The body is not JSON (e.g. truncated).
    """
    if not hasattr(response, _BODY_ATTR):
        try:
            body = _decode_json(response.content)
        except msgspec.DecodeError as exc:
            raise ValueError(str(exc)) from exc
        setattr(response, _BODY_ATTR, body)
    return getattr(response, _BODY_ATTR)


_SID_SEGMENT = re.compile(r"/[A-Z]{2}[0-9a-f]{32}(\.json)?$")


def is_single_fetch(response: requests.Response) -> bool:
    """Whether a response answers a fetch of one record by SID (the path ends in a SID)."""
    url = str(response.request.url)
    path = url.partition("?")[0].partition("#")[0]  # asked of every page: no urlparse
    if ";" in path:
        path = urlparse(url).path
    return bool(_SID_SEGMENT.search(path))


def read_whole_body(response: requests.Response) -> None:
    """Read a streamed response's body at once, with the errors requests would raise."""
    raw = response.raw
    try:
        response._content = raw.read(decode_content=True) or b""
    except urllib3.exceptions.ProtocolError as exc:  # e.g. a body cut short
        raise requests.exceptions.ChunkedEncodingError(exc, request=response.request) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc, request=response.request) from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc, request=response.request) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc, request=response.request) from exc
    finally:
        response._content_consumed = True  # type: ignore[attr-defined]  # as requests does
        raw.release_conn()
