"""Base streams for Twilio: auth, hosts, paging, retries, errors and record shaping.

Two API families share one base class:

* the core REST API (``api.twilio.com/2010-04-01``): flat envelope with a relative
  ``next_page_uri``, RFC 2822 timestamps, one partition per account;
* the product APIs (monitor, conversations, studio, chat, trunking, verify, taskrouter):
  ``meta`` envelope with an absolute ``meta.next_page_url`` and ISO 8601 timestamps.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import sys
import typing as t
import urllib.request
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from functools import cached_property
from urllib.parse import ParseResult, urlparse

import msgspec
import requests
import requests.adapters
import urllib3
from requests.auth import HTTPBasicAuth
from singer_sdk import SchemaDirectory, StreamSchema
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams import RESTStream
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from tap_twilio import schemas
from tap_twilio.changes import FETCH, LIST_KEY, SID_KEY, ReadPlan
from tap_twilio.fetcher import Fetcher, Job

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest, PageContext

SCHEMAS_DIR = SchemaDirectory(schemas)
TWILIO_HOST = "twilio.com"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAYS: dict[str, str] = {}  # "24 May 2019" -> "2019-05-24T": a few hundred distinct days
_BODY_ATTR = "_twilio_body"
_decode_json = msgspec.json.Decoder().decode


class TwilioAPIError(FatalAPIError):
    """A Twilio error that stops the sync; its message is one line meant for the user."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class AccountRefusedError(TwilioAPIError):
    """Twilio refused an account (HTTP 401: e.g. 20005 "Account not active").

    For a subaccount the account is skipped; for the configured account it ends the run.
    """


def rfc2822_to_iso(value: str) -> str:
    """Convert Twilio's RFC 2822 timestamp to ISO 8601 UTC (``YYYY-MM-DDTHH:MM:SS+00:00``).

    The fast path handles Twilio's fixed form ``Fri, 24 May 2019 17:44:46 +0000``; other
    forms go through the standard library parser. ISO input is returned unchanged.
    """
    if len(value) == 31 and value[3] == "," and value.endswith(" +0000"):
        day = _DAYS.get(value[5:16])
        if day is None:
            month = _MONTHS.get(value[8:11])
            if month:
                day = _DAYS[value[5:16]] = f"{value[12:16]}-{month:02d}-{value[5:7]}T"
        if day is not None:
            return f"{day}{value[17:25]}+00:00"
    if value[:4].isdigit():
        return value
    parsed = parsedate_to_datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).isoformat()


def parse_datetime(value: str) -> dt.datetime:
    """Parse an ISO 8601 date or datetime (``Z`` allowed) into an aware UTC datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def parse_json_string(value: t.Any) -> t.Any:
    """Decode a JSON-encoded string field; a value that is not valid JSON is kept as is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def utc_now() -> dt.datetime:
    """Return the current time in UTC."""
    return dt.datetime.now(dt.timezone.utc)


#: How far inside Twilio's retention limit the oldest window bound stays: a request takes
#: a moment to reach Twilio, and a bound past the limit is refused (error 20004).
RETENTION_MARGIN = dt.timedelta(minutes=5)


def retention_floor(days: int) -> dt.datetime:
    """The oldest moment Twilio still serves for a list it keeps ``days`` days of."""
    return (utc_now() - dt.timedelta(days=days) + RETENTION_MARGIN).replace(microsecond=0)


class TwilioAuth(requests.auth.AuthBase):
    """HTTP Basic with the configured credentials, unless a request carries an account's own."""

    def __init__(self, default: HTTPBasicAuth) -> None:
        self.default = default

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the Authorization header."""
        if "Authorization" in request.headers:
            return request
        return self.default(request)


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


class TwilioStream(RESTStream[ParseResult]):
    """One Twilio list endpoint. Subclasses declare what differs, nothing else."""

    #: Twilio product host prefix: ``api``, ``monitor``, ``conversations``, ...
    product: t.ClassVar[str] = "api"
    #: Key of the record list in the response body (``None``: the body is one record).
    list_key: t.ClassVar[str | None] = None
    #: Largest ``PageSize`` the endpoint accepts (Twilio's OpenAPI spec).
    max_page_size: t.ClassVar[int] = 1000
    #: Query parameter that sends the lower bound of an incremental window.
    start_param: t.ClassVar[str | None] = None
    #: Query parameter that sends the upper bound (now), if the endpoint needs one.
    end_param: t.ClassVar[str | None] = None
    #: How window bounds are written: ``date`` (YYYY-MM-DD) or ``datetime`` (ISO, Z).
    filter_format: t.ClassVar[str] = "datetime"
    #: Twilio keeps this many days of data for the list (None: no limit).
    retention_days: t.ClassVar[int | None] = None
    #: Always send a window, even on a first sync without ``start_date``.
    window_required: t.ClassVar[bool] = False
    #: Days a first sync without ``start_date`` reads when a window is required.
    default_window_days: t.ClassVar[int | None] = None
    #: Context keys copied into every record (parents' SIDs).
    context_fields: t.ClassVar[tuple[str, ...]] = ()
    #: Fields Twilio sends as JSON-encoded strings; emitted decoded.
    json_string_fields: t.ClassVar[tuple[str, ...]] = ()
    #: Fields removed from every record (never emitted).
    dropped_fields: t.ClassVar[tuple[str, ...]] = ()
    #: A 404 on this endpoint means "nothing here", not an error.
    empty_on_404: t.ClassVar[bool] = False
    #: Extra query parameters sent on the first page.
    extra_params: t.ClassVar[dict[str, str]] = {}
    #: Read the unfiltered list instead of the date window, for records the window cannot
    #: show (a date that is never set): see ``tap_twilio.changes``.
    full_scan: t.ClassVar[bool] = False
    #: Setting that turns ``full_scan`` off (the date window is read instead).
    full_scan_setting: t.ClassVar[str | None] = None
    #: Lists of the records that are still open, read (all emitted) on incremental runs.
    open_params: t.ClassVar[tuple[dict[str, str], ...]] = ()
    #: A record whose ``open_field`` is one of ``open_values`` can still change: its SID is
    #: kept in the partition's state and it is read again until it is final.
    open_field: t.ClassVar[str] = "status"
    open_values: t.ClassVar[frozenset[str]] = frozenset()
    #: Days after its replication value that a dated record stops being followed.
    open_days: t.ClassVar[int | None] = None
    #: Field that dates a record without a replication value (placing it in the window).
    created_field: t.ClassVar[str] = "date_created"

    schema: t.ClassVar[StreamSchema] = StreamSchema(SCHEMAS_DIR)
    is_sorted = False
    # shape_record already gives every value its JSON type; skip the SDK's per-field pass.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    @override
    @property
    def url_base(self) -> str:
        return product_url(self.config, self.product)

    @override
    @cached_property
    def authenticator(self) -> TwilioAuth:
        return TwilioAuth(basic_auth(self.config))

    @override
    @property
    def http_headers(self) -> dict:
        return {"Accept": "application/json"}

    @override
    @property
    def timeout(self) -> int:
        return int(self.config.get("request_timeout", 60))

    @override
    @property
    def backoff_max_tries(self) -> int:
        return int(self.config.get("max_retries", 8)) + 1

    @override
    def backoff_jitter(self, value: float) -> float:
        return value

    @override
    def backoff_wait_generator(self) -> Generator[float, t.Any, None]:
        return self._wait_times()

    def _wait_times(self) -> Generator[float, t.Any, None]:
        """How long a request waits before it is retried.

        ``Retry-After`` when Twilio sends it (this request waits, the others go on). A 429
        without it means too many requests in flight (Twilio error 20429): the fetcher
        has already lowered the number allowed, so the request waits about one response
        time, not seconds. Anything else (5xx, timeouts, dropped connections) backs off
        exponentially with jitter.
        """
        from tap_twilio import retry  # the one backoff rule, shared with the actions

        attempt = throttled = 0
        exc = yield 0.0
        while True:
            response = getattr(exc, "response", None)
            wait = retry.retry_after(response)
            if wait is None and response is not None and response.status_code == 429:
                wait = self.fetcher.retry_pause(throttled)
                throttled += 1
            elif wait is None:
                wait = retry.exponential(attempt)
                attempt += 1
            exc = yield wait

    @override
    def backoff_handler(self, details: t.Any) -> None:
        exc = details.get("exception")
        self.fetcher.sleeping()  # this worker waits: another may take its place
        self.logger.warning(
            "Retrying %s in %.2f s (attempt %d): %s",
            self.name,
            details.get("wait", 0.0),
            details.get("tries", 0),
            _short_error(exc),
        )

    @override
    def get_new_paginator(self) -> TwilioPaginator:
        return TwilioPaginator(self.url_base)

    @property
    def page_size(self) -> int:
        """The PageSize sent: the endpoint's maximum unless ``page_size`` is lower."""
        configured = self.config.get("page_size")
        return min(int(configured), self.max_page_size) if configured else self.max_page_size

    @override
    def get_url_params(
        self,
        context: Context | None,
        next_page_token: ParseResult | None,
    ) -> dict[str, t.Any]:
        if next_page_token is not None:
            return {}
        which = (context or {}).get(LIST_KEY)
        if which == FETCH:
            return {}
        params: dict[str, t.Any] = {}
        if self.list_key:
            params["PageSize"] = self.page_size
        params.update(self.extra_params)
        if which is None:
            if not self.scanning:
                params.update(self.window_params(context))
        else:
            params.update(self.open_params[int(which.partition(":")[2])])
        return params

    @override
    def get_url(self, context: Context | None) -> str:
        url = super().get_url(context)
        sid = (context or {}).get(SID_KEY)
        if sid is None:
            return url
        if url.endswith(".json"):
            return f"{url[:-5]}/{sid}.json"
        return f"{url}/{sid}"

    @override
    def get_http_request(self, *, page: PageContext[ParseResult]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        if page.next_page_token is not None:
            request.url = page.next_page_token.geturl()
            request.params = {}
        return request

    # Writing records -----------------------------------------------------------------

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
        writer = self._tap.message_writer
        writer.write_record(self.name, record, self._stream_version, self._time_extracted)
        self.state_manager.is_flushed = False

    @override
    def _generate_record_messages(self, record: dict) -> Iterable[RecordMessage]:
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
                partition = self._partition_key(context)
                self._last_partition = (context, partition)
            if partition in highest and value <= highest[partition]:
                return
            highest[partition] = value
        super()._increment_stream_state(latest_record, context=context)

    # Reading pages -------------------------------------------------------------------

    @property
    def fetcher(self) -> Fetcher:
        """The tap's shared page fetcher (parallel when max_concurrent_requests > 1)."""
        tap = self._tap.__dict__
        if "_fetcher" not in tap:
            tap["_fetcher"] = Fetcher(int(self.config.get("max_concurrent_requests", 8)))
        return tap["_fetcher"]

    @override
    @property
    def requests_session(self) -> requests.Session:
        tap = self._tap.__dict__
        if "_session" not in tap:
            session = requests.Session()
            proxies = urllib.request.getproxies()
            if "no" not in proxies:
                # Resolve proxy and CA settings from the environment once, not per request
                # (requests re-reads the environment on every send otherwise). With a
                # NO_PROXY list requests must decide per URL, so it keeps doing that.
                session.proxies.update(proxies)
                bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
                if bundle:
                    session.verify = bundle
                session.trust_env = False
            size = self.fetcher.max_concurrency + 2
            adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            tap["_session"] = session
        return tap["_session"]

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

    @override
    def request_records(self, context: Context | None) -> Iterable[dict]:
        if not self._follows_changes:
            yield from self._read_list(context, context)
            return
        plan = ReadPlan(self, context)
        for list_context in plan.lists[1:]:
            self.fetcher.submit(self, list_context, ())
        for list_context in plan.lists:
            for row in self._read_list(list_context, context, plan.keep):
                plan.emitted(row)
                yield row
        for list_context in plan.refetch():
            self.fetcher.submit(self, list_context, ())
        for list_context in plan.refetch():
            for row in self._read_list(list_context, context, plan.keep):
                plan.emitted(row)
                yield row
        plan.save()

    def _read_list(
        self,
        list_context: Context | None,
        context: Context | None,
        keep: t.Callable[[dict, Context | None], bool] | None = None,
    ) -> Iterable[dict]:
        """The records of one list (read ahead by the fetcher), shaped and filtered."""
        fetcher = self.fetcher
        for job, response in fetcher.pages(self, list_context, ()):
            self._page_time = utc_now()  # when this page was extracted: its records' time
            rows = []
            for raw in self.parse_response(response):
                row = self.shape_record(raw, context)
                if row is not None and (keep is None or keep(row, list_context)):
                    rows.append(row)
            if fetcher.parallel and self.child_streams:
                self._read_ahead_children(job, rows, context)
            yield from rows

    @cached_property
    def _follows_changes(self) -> bool:
        """Whether this stream reads more than its window: sweeps, open lists, open records."""
        return self.replication_key is not None and bool(
            self.full_scan or self.open_params or self.open_values
        )

    @cached_property
    def scanning(self) -> bool:
        """Whether the unfiltered list is read instead of the window (a setting may say no)."""
        if not self.full_scan:
            return False
        setting = self.full_scan_setting
        return not setting or bool(self.config.get(setting, True))

    def _read_ahead_children(self, job: Job, rows: list[dict], context: Context | None) -> None:
        """Queue the child lists these parent records imply, in the order the SDK reads them."""
        children = [
            (index, child)
            for index, child in enumerate(self.child_streams)
            if child.selected or child.has_selected_descendents
        ]
        if not children:
            return
        for row in rows:
            ordinal = job.children_ordinal
            job.children_ordinal += 1
            for child_context in self.generate_child_contexts(row, context):
                if child_context is None:
                    continue
                for index, child in children:
                    if isinstance(child, TwilioStream) and child.wants(child_context):
                        priority = (*job.priority, ordinal, index)
                        self.fetcher.submit(child, dict(child_context), priority)

    def wants(self, context: Context | None) -> bool:
        """Whether this list is read at all for a context (no request when it is not)."""
        return (context or {}).get("account_sid") not in refused_accounts(self._tap)

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        """The SDK's records; a subaccount that Twilio refuses is skipped with one warning."""
        account = (context or {}).get("account_sid")
        refused = refused_accounts(self._tap)
        if account in refused:
            return
        try:
            yield from super().get_records(context)
        except AccountRefusedError as exc:
            if account is None or account == self.config["account_sid"]:
                raise
            if account not in refused:
                refused.add(account)
                self.logger.warning(
                    "Skipping subaccount %s for the rest of this run: %s", account, exc
                )

    def first_request(self, context: Context | None) -> requests.PreparedRequest | None:
        """The request for a list's first page (built where state may be read)."""
        if not self.wants(context):
            return None
        return self._prepare_request(context=context, page=TwilioPaginator(self.url_base))

    def next_request(
        self,
        request: requests.PreparedRequest,
        response: requests.Response,
    ) -> requests.PreparedRequest | None:
        """The request for the page after ``response`` (None: that was the last page)."""
        if response.status_code != 200 or not self.list_key:
            return None
        if not response_body(response).get(self.list_key):
            return None
        url = TwilioPaginator(self.url_base).get_next_url(response)
        if not url:
            return None
        if url == request.url:
            msg = f"{self._where(response)}: Twilio returned the same next page URL again"
            raise TwilioAPIError(msg)
        following = request.copy()
        following.prepare_url(url, None)
        return following

    # Incremental windows -------------------------------------------------------------

    def window_start(self, context: Context | None) -> dt.datetime | None:
        """Lower bound of this run's window for the context's partition.

        The bookmark minus ``lookback_window`` days when state exists, else ``start_date``
        (None: read everything Twilio holds), clamped to the list's retention. Computed
        once per partition and run, so children that share a partition all see the same
        value while their bookmark advances.
        """
        partition = self._partition_key(context)
        cache = self.__dict__.setdefault("_window_cache", {})
        if partition in cache:
            return cache[partition]
        start = self._unclamped_start(context)
        first_days = self.default_window_days or self.retention_days
        if start is None and self.window_required and first_days:
            start = retention_floor(first_days)
        if self.retention_days is not None:
            floor = retention_floor(self.retention_days)
            if start is not None and start < floor:
                self.logger.info(
                    "%s: Twilio keeps %d days of this data; reading from %s instead of %s%s.",
                    self.name,
                    self.retention_days,
                    self.format_bound(floor),
                    start.isoformat(),
                    self._context_label(context),
                )
                start = floor
        start = self.adjust_window_start(start, context)
        cache[partition] = start
        return start

    def _unclamped_start(self, context: Context | None) -> dt.datetime | None:
        start_date = self.config.get("start_date")
        start = parse_datetime(start_date) if start_date else None
        bookmark = self.get_context_state(context).get("replication_key_value")
        if bookmark:
            mark = parse_datetime(str(bookmark))
            if start is None or mark >= start:
                lookback = dt.timedelta(days=float(self.config.get("lookback_window", 1)))
                start = mark - lookback
        return start

    def adjust_window_start(
        self,
        start: dt.datetime | None,
        context: Context | None,
    ) -> dt.datetime | None:
        """Hook for lists with their own lower limit (e.g. an account's creation date)."""
        return start

    def window_params(self, context: Context | None) -> dict[str, str]:
        """Query parameters of the incremental window (none for full-table streams)."""
        if not self.start_param or self.replication_key is None:
            return {}
        start = self.window_start(context)
        params: dict[str, str] = {}
        if start is not None:
            params[self.start_param] = self.format_bound(start)
        if self.end_param and (start is not None or self.window_required):
            params[self.end_param] = self.format_bound(utc_now())
        return params

    def format_bound(self, value: dt.datetime) -> str:
        """Write a window bound the way the endpoint expects it."""
        if self.filter_format == "date":
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _partition_key(self, context: Context | None) -> tuple:
        keys = self.state_partitioning_keys
        items = (context or {}).items()
        if keys is not None:
            items = [(k, v) for k, v in items if k in keys]
        return tuple(sorted(items))

    @staticmethod
    def _context_label(context: Context | None) -> str:
        sid = (context or {}).get("account_sid")
        return f" for account {sid}" if sid else ""

    # Responses -----------------------------------------------------------------------

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 404 and is_single_fetch(response):
            self.logger.info(
                "%s: %s no longer exists (404), so it is not read again.",
                self.name,
                urlparse(response.request.url).path,
            )
            return
        if status == 404 and self.empty_on_404:
            self.logger.info(
                "%s: nothing at %s (404), treated as no records.",
                self.name,
                urlparse(response.request.url).path,
            )
            return
        if status == 429:
            self.fetcher.throttled()
            raise RetriableAPIError(self._error_line(response), response)
        if status >= 500:
            raise RetriableAPIError(self._error_line(response), response)
        self.fetcher.succeeded()
        if status == 401:
            raise AccountRefusedError(self._error_line(response), response)
        if status >= 400:
            raise TwilioAPIError(self._error_line(response), response)
        try:
            body = response_body(response)
        except ValueError as exc:
            # A truncated or garbled page: ask again.
            msg = f"{self._where(response)} answered HTTP {status} with a body that is not JSON"
            raise RetriableAPIError(msg, response) from exc
        single = is_single_fetch(response)
        if not isinstance(body, dict) or (
            self.list_key and not single and self.list_key not in body
        ):
            shown = sorted(body)[:8] if isinstance(body, dict) else type(body).__name__
            msg = (
                f"{self._where(response)} answered without the '{self.list_key}' list "
                f"Twilio documents (got {shown}); is base_url pointing at a Twilio API?"
            )
            raise TwilioAPIError(msg, response)

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        if response.status_code == 404:
            return []
        body = response_body(response)
        if self.list_key is None or self.list_key not in body:
            return [body]  # the body is one record (a list without a key, or a fetch by SID)
        return body[self.list_key] or []

    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        """Turn one raw Twilio item into the record the tap emits (None: drop it).

        Drops fields never emitted, adds the parents' SIDs, decodes JSON-encoded strings,
        turns numeric strings into numbers where the schema says so and RFC 2822
        timestamps into ISO 8601 UTC. Runs as pages arrive, before child lists are
        queued, so the SDK's ``post_process`` has nothing left to do.
        """
        for name in self.dropped_fields:
            row.pop(name, None)
        if context:
            for name in self.context_fields:
                if row.get(name) is None and name in context:
                    row[name] = context[name]
        for name in self.json_string_fields:
            if name in row:
                row[name] = parse_json_string(row[name])
        for name, kind in self._coercions:
            value = row.get(name)
            if isinstance(value, str):
                row[name] = _coerce_number(value, kind)
        for name in self._rfc2822_fields:
            value = row.get(name)
            if value:
                row[name] = rfc2822_to_iso(value)
        return row

    @cached_property
    def _coercions(self) -> tuple[tuple[str, str], ...]:
        """Fields the schema types as numbers that Twilio may send as strings."""
        pairs = []
        for name, prop in self.schema.get("properties", {}).items():
            types = prop.get("type", [])
            types = [types] if isinstance(types, str) else types
            if "string" in types:
                continue
            if "integer" in types:
                pairs.append((name, "integer"))
            elif "number" in types:
                pairs.append((name, "number"))
        return tuple(pairs)

    @cached_property
    def _rfc2822_fields(self) -> tuple[str, ...]:
        """Timestamp fields sent as RFC 2822 strings (the 2010 API only)."""
        if self.product != "api":
            return ()
        return tuple(
            name
            for name, prop in self.schema.get("properties", {}).items()
            if prop.get("format") == "date-time"
        )

    def _where(self, response: requests.Response) -> str:
        return where(response, self.product)

    def _error_line(self, response: requests.Response) -> str:
        return error_line(response, self.product)


_SID_SEGMENT = re.compile(r"/[A-Z]{2}[0-9a-f]{32}(\.json)?$")


def is_single_fetch(response: requests.Response) -> bool:
    """Whether a response answers a fetch of one record by SID (the path ends in a SID)."""
    return bool(_SID_SEGMENT.search(urlparse(response.request.url).path))


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
        response._content_consumed = True
        raw.release_conn()


def basic_auth(config: t.Mapping[str, t.Any]) -> HTTPBasicAuth:
    """HTTP Basic credentials: the API key when configured, else account SID and token."""
    if config.get("api_key_sid"):
        return HTTPBasicAuth(config["api_key_sid"], config["api_key_secret"])
    return HTTPBasicAuth(config["account_sid"], config["auth_token"])


def where(response: requests.Response, product: str) -> str:
    """``Twilio <product> API <METHOD> <path>`` for messages about a response."""
    path = urlparse(response.request.url).path
    return f"Twilio {product} API {response.request.method} {path}"


def error_line(response: requests.Response, product: str) -> str:
    """One line naming the request and Twilio's error code and message (never a secret)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = message = None
    if isinstance(body, dict):
        code, message = body.get("code"), body.get("message")
    if message is None:
        text = response.text or ""
        if "<" in text and ">" in text:  # an HTML error page from a proxy or load balancer
            title = re.search(r"(?is)<title>(.*?)</title>", text)
            text = title.group(1) if title else re.sub(r"<[^>]*>", " ", text)
        text = " ".join(text.split())
        message = text[:120] or response.reason or "no body"
    hint = _HINTS.get(response.status_code, "")
    code_text = f" code {code}" if code is not None else ""
    return (
        f"{where(response, product)} failed: HTTP {response.status_code}{code_text}: "
        f"{message}{hint}"
    )


def transport_error_line(exc: requests.RequestException) -> str:
    """One line for a request that got no usable response (connection, timeout, body)."""
    request = exc.request
    target = "Twilio API request"
    if request is not None and request.url:
        target = f"Twilio API {request.method} {urlparse(request.url).path}"
    return f"{target} failed: {describe_transport_error(exc)}"


def is_connect_failure(exc: BaseException) -> bool:
    """True when the request never reached the server (so it was certainly not processed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(
        exc, requests.exceptions.ChunkedEncodingError
    ):
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, MaxRetryError):
            return isinstance(cause.reason, ConnectTimeoutError)
    return False


def describe_transport_error(exc: BaseException, timeout: float | None = None) -> str:
    """A short name for a transport failure (timeout: the seconds allowed, if known)."""
    within = f"within {timeout:g} s" if timeout is not None else "within request_timeout"
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection {within}"
    if isinstance(exc, requests.ReadTimeout):
        return f"a timeout (no answer {within})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "a truncated response (the connection closed mid-body)"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "an unreadable response body"
    cause = _root_cause(exc)
    text = " ".join(str(cause).split())
    if "Max retries exceeded" in text:
        text = ""
    detail = type(cause).__name__ + (f": {text[:120]}" if text else "")
    if is_connect_failure(exc):
        return f"a failed connection ({detail})"
    return f"a dropped connection ({detail})"


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception wrapped by requests/urllib3 (``reason`` or an argument)."""
    seen = {id(exc)}
    cause = exc
    while True:
        inner = getattr(cause, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((a for a in cause.args if isinstance(a, BaseException)), None)
        if inner is None or id(inner) in seen:
            return cause
        seen.add(id(inner))
        cause = inner


_HINTS = {
    401: " (check account_sid and auth_token, or api_key_sid and api_key_secret)",
    403: " (these credentials may not use this product or resource)",
}


def _short_error(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _coerce_number(value: str, kind: str) -> t.Any:
    """Turn Twilio's numeric strings into numbers; leave anything else untouched."""
    if value == "":
        return None
    try:
        if kind == "integer":
            return int(value)
        number = Decimal(value)
    except (ValueError, InvalidOperation):
        return value
    return number if number.is_finite() else value


def product_url(config: t.Mapping[str, t.Any], product: str) -> str:
    """Base URL of a Twilio product for this config (base_url, region and edge aware)."""
    base_url = config.get("base_url")
    if base_url:
        return base_url.rstrip("/").replace("{product}", product)
    region, edge = config.get("region"), config.get("edge")
    if edge and not region:
        region = "us1"
    parts = [product, edge, region, TWILIO_HOST]
    return "https://" + ".".join(p for p in parts if p)


class CoreStream(TwilioStream):
    """A list of Twilio's core REST API (2010-04-01), read once per account."""

    product = "api"
    context_fields: t.ClassVar[tuple[str, ...]] = ("account_sid",)
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid"]


class ProductUnavailableError(TwilioAPIError):
    """The credentials may not use a whole Twilio product (403, or 404 on its root list)."""


class ProductStream(TwilioStream):
    """A list of one of Twilio's v1/v2 product APIs (``meta`` envelope, ISO dates).

    Product APIs return the data of the account the credentials belong to, so each
    account is read with its own credentials: the configured ones for the main account,
    the auth token ``Accounts.json`` lists for a subaccount. A product an account may not
    use (403, or 404 on the product's first list) is skipped with one warning.
    """

    #: The first list of a product (its 404 means "no such product for this account").
    product_root: t.ClassVar[bool] = False

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        account = (context or {}).get("account_sid")
        skipped = self._tap.__dict__.setdefault("_skipped_products", set())
        if (self.product, account) in skipped:
            return
        if account_auth(self._tap, self.config, account) is None:
            skipped.add((self.product, account))
            self.logger.warning(
                "Skipping Twilio product '%s' for subaccount %s: product APIs need the "
                "subaccount's own credentials, which Twilio lists only to auth-token "
                "credentials.",
                self.product,
                account,
            )
            return
        try:
            yield from super().get_records(context)
        except ProductUnavailableError as exc:
            skipped.add((self.product, account))
            self.logger.warning(
                "Skipping Twilio product '%s'%s: %s",
                self.product,
                self._context_label(context),
                exc,
            )

    @override
    def wants(self, context: Context | None) -> bool:
        if not super().wants(context):
            return False
        account = (context or {}).get("account_sid")
        skipped = self._tap.__dict__.get("_skipped_products", set())
        if (self.product, account) in skipped:
            return False
        return account_auth(self._tap, self.config, account) is not None

    @override
    def get_http_request(self, *, page: PageContext[ParseResult]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        account = (page.stream_context or {}).get("account_sid")
        if account and account != self.config["account_sid"]:
            auth = account_auth(self._tap, self.config, account)
            if auth is not None:
                request.headers["Authorization"] = _basic_header(auth)
        return request

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 403 or (status == 404 and self.product_root):
            raise ProductUnavailableError(self._error_line(response), response)
        super().validate_response(response)

    def child(self, context: Context | None, **keys: str) -> dict:
        """A child context: the account plus the parent's SIDs."""
        return {"account_sid": (context or {}).get("account_sid"), **keys}


def refused_accounts(tap: t.Any) -> set[str]:
    """Subaccounts Twilio refused in this run (their remaining lists are not read)."""
    return tap.__dict__.setdefault("_refused_accounts", set())


def remember_account_token(tap: t.Any, sid: str, token: str | None) -> None:
    """Keep a subaccount's auth token in memory for its product API requests (never emitted)."""
    if sid and token:
        tap.__dict__.setdefault("_account_tokens", {})[sid] = token


def account_auth(
    tap: t.Any,
    config: t.Mapping[str, t.Any],
    account: str | None,
) -> HTTPBasicAuth | None:
    """Credentials that read an account's product data; None when the tap has none."""
    if account is None or account == config["account_sid"]:
        return basic_auth(config)
    token = tap.__dict__.get("_account_tokens", {}).get(account)
    return HTTPBasicAuth(account, token) if token else None


def _basic_header(auth: HTTPBasicAuth) -> str:
    raw = f"{auth.username}:{auth.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")
