"""Base streams for Twilio: auth, hosts, paging, retries, errors and record shaping.

Two API families share one base class:

* the core REST API (``api.twilio.com/2010-04-01``): flat envelope with a relative
  ``next_page_uri``, RFC 2822 timestamps, one partition per account;
* the product APIs (monitor, conversations, studio, chat, trunking, verify, taskrouter):
  ``meta`` envelope with an absolute ``meta.next_page_url`` and ISO 8601 timestamps.
"""

from __future__ import annotations

import logging
import sys
import typing as t
from functools import cached_property
from urllib.parse import ParseResult, urlparse

import requests
import requests.adapters
from singer_sdk import SchemaDirectory, StreamSchema
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream

from tap_twilio import schemas
from tap_twilio.api import retry  # the one backoff rule, shared with the actions
from tap_twilio.api.auth import TwilioAuth as TwilioAuth
from tap_twilio.api.auth import basic_auth as basic_auth
from tap_twilio.api.auth import basic_header
from tap_twilio.api.errors import AccountRefusedError as AccountRefusedError
from tap_twilio.api.errors import ProductUnavailableError as ProductUnavailableError
from tap_twilio.api.errors import TwilioAPIError as TwilioAPIError
from tap_twilio.api.errors import describe_transport_error as describe_transport_error
from tap_twilio.api.errors import error_line as error_line
from tap_twilio.api.errors import is_connect_failure as is_connect_failure
from tap_twilio.api.errors import short_error
from tap_twilio.api.errors import transport_error_line as transport_error_line
from tap_twilio.api.errors import where as where
from tap_twilio.api.pagination import TwilioPaginator as TwilioPaginator
from tap_twilio.api.pagination import is_single_fetch as is_single_fetch
from tap_twilio.api.pagination import read_whole_body as read_whole_body
from tap_twilio.api.pagination import response_body as response_body
from tap_twilio.api.settings import product_url as product_url
from tap_twilio.api.transforms import RecordShaping
from tap_twilio.api.transforms import parse_datetime as parse_datetime
from tap_twilio.api.transforms import parse_json_string as parse_json_string
from tap_twilio.api.transforms import rfc2822_to_iso as rfc2822_to_iso
from tap_twilio.api.transforms import utc_now as utc_now
from tap_twilio.engine.changes import (
    FETCH,
    LIST_KEY,
    SID_KEY,
    FollowsChanges,
    ReadPlan,
    once_each,
)
from tap_twilio.engine.children import SHAPED_ROWS, ChildReadAhead
from tap_twilio.engine.context import RunContext, run_of
from tap_twilio.engine.fast_path import SDKFastPath, first_page_request, tap_of
from tap_twilio.engine.fetcher import Fetcher
from tap_twilio.engine.windows import WindowedStream
from tap_twilio.engine.windows import retention_floor as retention_floor

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Generator, Iterable

    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.streams.rest import HTTPRequest, PageContext

SCHEMAS_DIR = SchemaDirectory(schemas)


class TwilioStream(
    SDKFastPath,
    ChildReadAhead,
    WindowedStream,
    FollowsChanges,
    RecordShaping,
    RESTStream[ParseResult],
):
    """One Twilio list endpoint. Subclasses declare what differs, nothing else."""

    #: Twilio product host prefix: ``api``, ``monitor``, ``conversations``, ...
    product: t.ClassVar[str] = "api"
    #: Fields that identify a row (most Twilio resources: their SID).
    primary_keys: t.ClassVar[tuple[str, ...]] = ("sid",)
    #: Key of the record list in the response body (``None``: the body is one record).
    list_key: t.ClassVar[str | None] = None
    #: Largest ``PageSize`` the endpoint accepts (Twilio's OpenAPI spec).
    max_page_size: t.ClassVar[int] = 1000
    #: A 404 on this endpoint means "nothing here", not an error.
    empty_on_404: t.ClassVar[bool] = False
    #: Extra query parameters sent on the first page.
    extra_params: t.ClassVar[dict[str, str]] = {}
    #: Further reads of the same list each run, by name: the query parameters that replace
    #: ``extra_params``, and whether the incremental window applies to them (rooms that
    #: failed; compositions deleted since they were read). A record is emitted once a run.
    #: See ``list_contexts``.
    also_read: t.ClassVar[dict[str, tuple[dict[str, str], bool]]] = {}

    #: Context key under which child lists get a record's ``child_field`` (None: the
    #: children, if any, get the context of this list, as in the SDK).
    child_key: t.ClassVar[str | None] = None
    #: The record field children get under ``child_key``.
    child_field: t.ClassVar[str] = "sid"

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

    def has_children(self, record: Record) -> bool:
        """Whether a record can have children (keeps the request floor): all can, here."""
        return True

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        """The account, this list's parents' SIDs and the record's ``child_field``."""
        if self.child_key is None:
            return super().get_child_context(record, context)
        base = context or {}
        keys = {name: base[name] for name in ("account_sid", *self.context_fields) if name in base}
        keys.setdefault("account_sid", record.get("account_sid"))
        return {**keys, self.child_key: record.get(self.child_field)}

    @override
    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> Iterable[Context | None]:
        """Children of the records that can have them and name them (no SID, no children)."""
        if self.child_key is None:
            yield from super().generate_child_contexts(record, context)
            return
        if self.has_children(record):
            child = self.get_child_context(record, context)
            if child and child.get(self.child_key) is not None:
                yield child

    @override
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
        attempt = throttled = 0
        exc = yield 0.0
        while True:
            response = getattr(exc, "response", None)
            wait = retry.retry_after(response)
            if retry.concurrency_refusal(response):
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
        # Twilio's concurrency limit answers 429 as often as a shared limit is probed (docs/
        # sharding.md): flow control, counted in the progress lines, not a warning each.
        self.logger.log(
            logging.DEBUG
            if retry.concurrency_refusal(getattr(exc, "response", None))
            else logging.WARNING,
            "Retrying %s in %.2f s (attempt %d): %s",
            self.name,
            details.get("wait", 0.0),
            details.get("tries", 0),
            short_error(exc),
        )

    @override
    @property
    def emit_activate_version_messages(self) -> bool:
        """ACTIVATE_VERSION, when asked for, only for lists read whole on every run.

        A list read only for some parents (media of the messages emitted in this run) or
        through a date window would make the target drop rows that still exist.
        """
        return bool(super().emit_activate_version_messages) and self.read_whole_every_run()

    @classmethod
    def read_whole_every_run(cls) -> bool:
        """Full table, under parents that are read whole on every run too."""
        if isinstance(cls.replication_key, str):  # else the SDK's property: no key
            return False
        parent = cls.parent_stream_type
        return parent is None or (
            issubclass(parent, TwilioStream) and parent.read_whole_every_run()
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
            return dict(self.fetch_params)
        params: dict[str, t.Any] = {}
        if self.list_key:
            params["PageSize"] = self.page_size
        if str(which) in self.open_lists:
            extra, windowed = self.open_lists[str(which)], False
        else:
            extra, windowed = self.also_read.get(str(which), (self.extra_params, True))
        params.update(extra)
        if windowed and not self.reads_whole(context):
            params.update(self.window_params(context))
        return params

    @override
    def get_url(self, context: Context | None) -> str:
        url = super().get_url(context)
        sid = (context or {}).get(SID_KEY)
        if sid is None:
            return url
        if self.fetch_path is not None:
            path = self.fetch_path.replace("{sid}", str(sid))
            for key, value in (context or {}).items():
                path = path.replace(f"{{{key}}}", str(value))
            return f"{self.url_base}{path}"
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

    # Reading pages -------------------------------------------------------------------

    @property
    def run(self) -> RunContext:
        """What this tap run shares between its streams."""
        return run_of(tap_of(self))

    @property
    def fetcher(self) -> Fetcher:
        """The run's shared page fetcher (parallel when max_concurrent_requests > 1)."""
        return self.run.fetcher

    @override
    @property
    def requests_session(self) -> requests.Session:
        return self.run.session

    def list_contexts(self, context: Context | None) -> list[Context | None]:
        """The reads of this list a run makes for a context: the list, then each ``also_read``.

        A read that ignores the window is made only once the partition has a bookmark:
        before, the list itself is read from the start of the synced range, every status.
        The ``open_lists`` (records still open, e.g. conversations by ``State``) are read
        when the list itself is not read whole.
        """
        if not self.also_read and not self.open_lists:
            return [context]
        bookmark = self.get_context_state(context).get("replication_key_value")
        lists = [
            context,
            *(
                {**(context or {}), LIST_KEY: name}
                for name, (_, windowed) in self.also_read.items()
                if windowed or bookmark
            ),
        ]
        if self.open_lists and self._follows_changes and not self.reads_whole(context):
            lists += [{**(context or {}), LIST_KEY: name} for name in self.open_lists]
        return lists

    @override
    def request_records(self, context: Context | None) -> Iterable[dict]:
        lists = self.list_contexts(context)
        for later in lists[1:]:
            self.fetcher.submit(self, later, ())
        if not self._follows_changes:
            keep = once_each() if len(lists) > 1 else None
            for list_context in lists:
                yield from self._read_list(list_context, context, keep)
            return
        plan = ReadPlan(self, context)
        yield from self._read_planned(lists, context, plan)
        refetch = plan.refetch()
        for list_context in refetch:
            self.fetcher.submit(self, list_context, ())
        yield from self._read_planned(refetch, context, plan)
        plan.save()

    def _read_planned(
        self, lists: t.Sequence[Context | None], context: Context | None, plan: ReadPlan
    ) -> Iterable[dict]:
        for list_context in lists:
            for row in self._read_list(list_context, context, plan.keep):
                plan.emitted(row)
                yield row

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
            shaped = response.__dict__.pop(SHAPED_ROWS, None)
            if shaped is not None:  # shaped by the worker, its children queued already
                yield from (r for r in shaped if keep is None or keep(r, list_context))
                continue
            rows = []
            for raw in self.parse_response(response):
                row = self.shape_record(raw, context)
                if row is not None and (keep is None or keep(row, list_context)):
                    rows.append(row)
            if fetcher.parallel and self.child_streams:
                self._read_ahead_children(job, rows, context)
            yield from rows

    def wants(self, context: Context | None) -> bool:
        """Whether this list is read at all for a context (no request when it is not)."""
        return (context or {}).get("account_sid") not in self.run.refused_accounts

    @override
    def get_records(self, context: Context | None) -> Iterable[dict]:
        """The SDK's records; a subaccount that Twilio refuses is skipped with one warning."""
        account = (context or {}).get("account_sid")
        run = self.run
        try:
            if account not in run.refused_accounts:
                yield from super().get_records(context)
                return
        except AccountRefusedError as exc:
            if account is None or account == self.config["account_sid"]:
                raise
            run.refused(account, str(exc))
        if account not in run.refusals_reported:
            run.refusals_reported.add(account)
            self.logger.warning(
                "Skipping subaccount %s for the rest of this run: %s",
                account,
                run.refused_accounts[account],
            )

    def first_request(self, context: Context | None) -> requests.PreparedRequest | None:
        """The request for a list's first page (built where state may be read)."""
        if not self.wants(context):
            return None
        return first_page_request(self, context)

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

    # Responses -----------------------------------------------------------------------

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        single = self._single_fetch(response)
        if status == 404 and single:
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

    def _single_fetch(self, response: requests.Response) -> bool:
        """A fetch of one record: by SID, or at the stream's ``fetch_path``."""
        path = urlparse(str(response.request.url)).path
        return is_single_fetch(response) or self.fetches_one(path)

    def _where(self, response: requests.Response) -> str:
        return where(response, self.product)

    def _error_line(self, response: requests.Response) -> str:
        return error_line(response, self.product)


class CoreStream(TwilioStream):
    """A list of Twilio's core REST API (2010-04-01), read once per account."""

    product = "api"
    context_fields: t.ClassVar[tuple[str, ...]] = ("account_sid",)
    state_partitioning_keys: t.ClassVar[list[str] | None] = ["account_sid"]


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
        skipped = self.run.skipped_products
        if (self.product, account) in skipped:
            return
        if self.run.credentials(account) is None:
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
        skipped = self.run.skipped_products
        if (self.product, account) in skipped:
            return False
        return self.run.credentials(account) is not None

    @override
    def get_http_request(self, *, page: PageContext[ParseResult]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        account = (page.stream_context or {}).get("account_sid")
        if account and account != self.config["account_sid"]:
            auth = self.run.credentials(account)
            if auth is not None:
                request.headers["Authorization"] = basic_header(auth)
        return request

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        root_missing = status == 404 and self.product_root and not self._single_fetch(response)
        if status == 403 or root_missing:
            raise ProductUnavailableError(self._error_line(response), response)
        super().validate_response(response)
