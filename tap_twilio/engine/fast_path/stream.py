"""Stream-level overrides: records straight to the writer, one SCHEMA, bodies read at once."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import typing as t
from functools import cached_property

import requests as requests_lib
from singer_sdk import metrics
from singer_sdk.exceptions import AbortedSyncFailedException, AbortedSyncPausedException
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage
from singer_sdk.streams import Stream as SDKStream
from singer_sdk.streams.rest import PageContext

from tap_twilio.api.errors import untrusted_certificate
from tap_twilio.api.http import Transport, prepare_get
from tap_twilio.api.pagination import TwilioPaginator, read_whole_body
from tap_twilio.api.transforms import utc_now

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Generator

    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import RESTStream

    _Stream = RESTStream[t.Any]
else:
    _Stream = object

from tap_twilio.engine.fast_path.registry import ENABLED


def tap_of(stream: t.Any) -> Tap:
    """The tap a stream belongs to (the SDK keeps it in the private ``Stream._tap``)."""
    return stream._tap


def send(stream: t.Any, prepared: requests.PreparedRequest, context: Context | None) -> t.Any:
    """One attempt of a request, as the SDK makes it (metrics, ``validate_response``).

    A TLS certificate that is not trusted is fatal (the SDK would retry it as a dropped
    connection, ``max_retries`` times with backoff).
    """
    try:
        return stream._request(prepared, context)
    except requests_lib.exceptions.SSLError as exc:
        fatal = untrusted_certificate(exc, str(prepared.url))
        if fatal is None:
            raise
        raise fatal from exc


def transport_of(stream: t.Any) -> Transport | None:
    """The run's transport (None: ``requests`` sends, e.g. through a proxy)."""
    run = getattr(tap_of(stream), "run", None)
    return getattr(run, "transport", None)


def first_page_request(stream: t.Any, context: Context | None) -> requests.PreparedRequest:
    """The prepared request for a list's first page.

    The stream's ``get_http_request`` (URL, query, headers, a subaccount's own
    ``Authorization``) prepared as the SDK's ``_prepare_request`` would, without
    ``requests.Session.prepare_request`` merging the session's settings, cookies and hooks
    into each one (most of a small list's CPU). The SDK's own with the switch off.
    """
    if ENABLED:
        http = stream.get_http_request(
            page=PageContext(stream_context=context, next_page_token=None)
        )
        if http.method.upper() == "GET" and http.data is None:
            headers = {"User-Agent": stream.user_agent, **http.headers}
            request = prepare_get(http.url, http.encode_params(), headers)
            return t.cast("requests.PreparedRequest", stream.authenticator(request))
    page = TwilioPaginator(stream.url_base)
    return stream._prepare_request(context=context, page=page)


class _CountOnly(metrics.Counter):
    """A record counter whose lines the metrics logger would not show: it only counts."""

    def __init__(self, metric: metrics.Metric, tags: dict | None = None) -> None:
        self.metric = metric
        self.tags = tags or {}
        self.logger = metrics.get_metrics_logger()
        self.value = 0
        self.log_interval = metrics.DEFAULT_LOG_INTERVAL
        self.last_log_time = 0.0

    @override
    def __enter__(self) -> _CountOnly:
        return self

    @override
    def exit(self) -> None:
        self.value = 0

    @override
    def increment(self, value: int = 1) -> None:
        self.value += value


class _TimeNothing(metrics.Timer):
    """A sync timer whose line the metrics logger would not show: it measures nothing."""

    def __init__(self, metric: metrics.Metric, tags: dict | None = None) -> None:
        self.metric = metric
        self.tags = tags or {}
        self.logger = metrics.get_metrics_logger()
        self.start_time = 0.0

    @override
    def __enter__(self) -> _TimeNothing:
        return self

    @override
    def __exit__(self, *exc: object) -> None:
        return


class SDKFastPath(_Stream):
    """The overrides, defined only while the switch is on."""

    if ENABLED:

        def __init__(
            self,
            tap: Tap,
            name: str | None = None,
            schema: t.Any = None,
            path: str | None = None,
            *,
            http_method: str | None = None,
        ) -> None:
            """The SDK's set-up of an HTTP stream without the ``requests.Session`` it makes.

            ``_HTTPStream.__init__`` builds one session per stream (about 1 ms each, for
            hundreds of streams at every discovery); the run shares one
            (``RunContext.session``, ``TwilioStream.requests_session``).
            """
            if path:
                self.path = path
            self._http_headers: dict[str, str] = {}
            self._http_method = http_method
            self._requests_session = None
            self._compiled_jsonpath = None
            self._next_page_token_compiled_jsonpath = None
            SDKStream.__init__(self, name=name, schema=schema, tap=tap)

        @override
        def log(
            self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any
        ) -> None:
            """The SDK's, without making a line that the logger's filter would drop.

            "Beginning sync of …", for every list of every account, is a log record and a
            caller lookup, then dropped (``progress._PerListLines``) unless DEBUG is shown.
            """
            logger = self._logger
            for line_filter in logger.filters:
                drops = getattr(line_filter, "drops", None)
                if drops is not None and drops(logger, level, message):
                    return
            super().log(message, *args, level=level, **kwargs)

        @override
        def get_record_counter(
            self,
            *,
            endpoint: str | None = None,
            log_interval: float = metrics.DEFAULT_LOG_INTERVAL,
        ) -> metrics.Counter:
            """The SDK's counter; one that only counts when its lines would not be shown.

            A counter and a timer are made for every list of every account; their METRIC
            lines stay below the metrics logger's level by default (``quiet_sdk_lines``).
            """
            if self.metrics_logger.isEnabledFor(logging.INFO):
                return super().get_record_counter(endpoint=endpoint, log_interval=log_interval)
            return _CountOnly(metrics.Metric.RECORD_COUNT)

        @override
        def get_sync_timer(self) -> metrics.Timer:
            """The SDK's timer; one that does nothing when its line would not be shown."""
            if self.metrics_logger.isEnabledFor(logging.INFO):
                return super().get_sync_timer()
            return _TimeNothing(metrics.Metric.SYNC_DURATION)

        @override
        def _write_starting_replication_value(self, context: Context | None) -> None:
            """The SDK's, without its copy of the config for a full-table list.

            For those it writes nothing (a DEBUG line at most): once per list and account.
            """
            if self.replication_method == "FULL_TABLE" and not self._logger.isEnabledFor(
                logging.DEBUG
            ):
                return
            super()._write_starting_replication_value(context)

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
            writer = tap_of(self).message_writer
            # TwilioWriter.write_record: a RECORD line without a RecordMessage object.
            writer.write_record(  # type: ignore[attr-defined]
                self.name, record, self._stream_version, self._time_extracted
            )
            self.state_manager.is_flushed = False

        @override
        def _generate_record_messages(self, record: dict) -> Generator[RecordMessage, None, None]:
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
        def _children_to_sync(self) -> list[SDKStream]:
            """The child streams synced under each record (selection is fixed for a run)."""
            return [c for c in self.child_streams if c.selected or c.has_selected_descendents]

        @cached_property
        def _children_selected(self) -> bool:
            return bool(self._children_to_sync)

        @override
        def _sync_children(self, child_context: Context | None) -> None:
            """The SDK's, without walking every child's selection again for each parent.

            An account record has ~150 child streams: the SDK asks each whether it or one
            of its descendants is selected, for every account and every parent record.
            """
            if child_context is None:
                super()._sync_children(child_context)
                return
            for child in self._children_to_sync:
                try:
                    child.sync(context=child_context)
                except (AbortedSyncFailedException, AbortedSyncPausedException):  # noqa: PERF203
                    continue  # as the SDK: an interrupted child, the others go on

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
                    partition = self._partition_key(context)  # type: ignore[attr-defined]
                    self._last_partition = (context, partition)
                if partition in highest and value <= highest[partition]:
                    return
                highest[partition] = value
            super()._increment_stream_state(latest_record, context=context)

        @override
        def _request(
            self, prepared_request: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            """The SDK's request, sent on the run's connections (``api.http``), body read at once.

            ``requests.Session.send`` (proxies, adapters, hooks, cookies per request) only
            when the run has no transport (a proxy in the environment).
            """
            request = self.authenticator(prepared_request)
            transport = transport_of(self)
            if transport is not None:
                response = transport.send(request, self.timeout)
            else:
                response = self.requests_session.send(
                    request,
                    timeout=self.timeout,
                    allow_redirects=self.allow_redirects,
                    stream=True,
                )
                read_whole_body(response)
            if self.metrics_logger.isEnabledFor(logging.INFO):  # else the line is not shown
                self._write_request_duration_log(
                    endpoint=self.path,
                    response=response,
                    context=context,
                    extra_tags={"url": request.path_url} if self._LOG_REQUEST_METRIC_URLS else None,
                )
            self.validate_response(response)
            return response
