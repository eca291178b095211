"""TapTwilio: settings schema and stream registry (entry points: tap_twilio/cli.py)."""

from __future__ import annotations

import sys
import typing as t
from collections import Counter
from contextlib import contextmanager
from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.contrib.msgspec import encoder as _msgspec_encoder
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_twilio.api.output import write_stdout
from tap_twilio.api.settings import EDGES, REGIONS, check_config, describe_schema_errors
from tap_twilio.engine.client import TwilioStream
from tap_twilio.engine.context import RunContext
from tap_twilio.engine.fast_path import TapFastPath, send
from tap_twilio.engine.progress import Progress, quiet_sdk_lines, quiet_setup_lines
from tap_twilio.streams import STREAM_NAMES, STREAMS, custom

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    import datetime as dt

    from singer_sdk.singerlib import Message
    from singer_sdk.streams import Stream


class TwilioWriter(MsgSpecWriter):
    """msgspec-encoded messages, written in batches and flushed at each STATE.

    Records are collected (up to ``BATCH_BYTES``) and written with one call instead of
    one per record; any other message writes the batch, itself, and flushes. A STATE
    still reaches the target only after every record before it, so a run that is killed
    loses at most records no STATE has claimed yet.
    """

    BATCH_BYTES = 1 << 20

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch = bytearray()
        self.records: Counter = Counter()  # per stream, for the progress lines

    def write_record(
        self,
        stream: str,
        record: dict,
        version: int | None,
        time_extracted: dt.datetime,
    ) -> None:
        """Write a RECORD message without building a message object first.

        The line is the one ``write_message(RecordMessage(...))`` writes, byte for byte
        (same fields, same msgspec encoder); ``time_extracted`` must be aware UTC.
        """
        self.records[stream] += 1
        message: dict[str, t.Any] = {"type": "RECORD", "stream": stream, "record": record}
        if version is not None:
            message["version"] = version
        message["time_extracted"] = time_extracted
        _msgspec_encoder.encode_into(message, self._batch, -1)
        self._batch += b"\n"
        if len(self._batch) >= self.BATCH_BYTES:
            self._write_batch()

    @override
    def write_message(self, message: Message) -> None:
        # format_message returns the encoder's shared buffer: copy it into the batch.
        self._batch += self.format_message(message)
        if message.type != "RECORD":
            self._write_batch(flush=True)
            return
        self.records[message.stream] += 1  # type: ignore[attr-defined]
        if len(self._batch) >= self.BATCH_BYTES:
            self._write_batch()

    def write_line(self, line: bytes) -> None:
        """Write an encoded non-RECORD message (a STATE) after the batch, and flush."""
        self._batch += line
        self._write_batch(flush=True)

    def flush(self) -> None:
        """Write out the records still batched (the end of a sync: no STATE may follow)."""
        self._write_batch(flush=True)

    def _write_batch(self, *, flush: bool = False) -> None:
        # Whole, even when a signal cuts a write to a full pipe short (api/output.py).
        write_stdout(self._batch)
        self._batch.clear()
        if flush:
            sys.stdout.flush()


class TapTwilio(TapFastPath, Tap):
    """Singer tap for Twilio."""

    name = "tap-twilio"
    #: The distribution (``tap-twilio`` on PyPI is another tap): where --version looks.
    package_name = "tap-twilio-complete"
    message_writer_class = TwilioWriter
    capabilities: t.ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        # --test: one request that checks the credentials (run_connection_test).
        TapCapabilities.TEST,
        # emit_activate_version_messages (opt-in): lists read whole every run tell the target
        # which rows are gone (keys deleted, numbers released); see TwilioStream.
        PluginCapabilities.ACTIVATE_VERSION,
        # Not BATCH: a child stream would write one batch file per parent record.
    ]

    config_jsonschema = th.PropertiesList(
        th.Property(
            "account_sid",
            th.StringType(pattern="^AC[0-9a-fA-F]{32}$"),
            required=True,
            title="Account SID",
            description="The main account's SID (AC followed by 32 hex characters).",
        ),
        th.Property(
            "auth_token",
            th.StringType,
            secret=True,
            title="Auth Token",
            description="The account's auth token. Give this, or api_key_sid with api_key_secret.",
        ),
        th.Property(
            "api_key_sid",
            th.StringType(pattern="^SK[0-9a-fA-F]{32}$"),
            title="API Key SID",
            description="SID of an API key (SK…), used with api_key_secret instead of auth_token.",
        ),
        th.Property(
            "api_key_secret",
            th.StringType,
            secret=True,
            title="API Key Secret",
            description="Secret of the API key named by api_key_sid.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start Date",
            description="Earliest record date to read on the first sync of incremental "
            "streams (ISO 8601). When absent, the first sync reads everything Twilio still "
            "holds (messages and recordings: 400 days; alerts: 30 days; usage: since each "
            "account was created); later syncs continue from the saved state.",
        ),
        th.Property(
            "lookback_window",
            th.NumberType(minimum=0),
            default=1,
            title="Lookback Window (days)",
            description="Days before the saved bookmark that each incremental sync reads "
            "again, to pick up late status, duration and price updates. Unit: days "
            "(fractions allowed).",
        ),
        th.Property(
            "include_subaccounts",
            th.BooleanType,
            default=True,
            title="Include Subaccounts",
            description="Sync every account /Accounts.json returns (the main account and "
            "its subaccounts). Set false to sync only account_sid.",
        ),
        th.Property(
            "account_sids",
            th.ArrayType(th.StringType(pattern="^AC[0-9a-fA-F]{32}$")),
            title="Account SIDs",
            description="Sync only these accounts (main or subaccounts). Overrides "
            "include_subaccounts.",
        ),
        th.Property(
            "account_shard",
            th.StringType(pattern=r"^[0-9]+/[0-9]+$"),
            title="Account Shard",
            description="Sync one shard of the subaccounts, i/N (1-based, e.g. 2/8): "
            "those whose SID's SHA-256 is i-1 modulo N. The main account belongs to shard "
            "1. Run N processes (1/N … N/N), each with its own state, to split a fleet.",
        ),
        th.Property(
            "full_scan_messages_and_calls",
            th.BooleanType,
            default=True,
            title="Full Scan Of Messages And Calls",
            description="Read the whole Messages and Calls lists at each reconciliation "
            "(see reconcile_interval), so that messages and calls that never get a date "
            "(failed before sending, canceled while scheduled or queued) reach the target, "
            "whatever order Twilio lists them in. false: never read them whole, only the "
            "date window (DateSent>, StartTime>) and the records followed by SID; such "
            "records are then emitted only by a sync without state.",
        ),
        th.Property(
            "reconcile_interval",
            th.NumberType(minimum=0),
            default=24,
            title="Reconcile Interval (hours)",
            description="How often the whole Messages, Calls and Conversations lists are "
            "read (one request per 1,000 messages or calls, per 100 conversations Twilio "
            "holds) to find what date windows cannot show: messages and calls that never "
            "get a date, closed conversations that change. Between reconciliations a run "
            "reads the date windows, the open records and the records followed by SID, so "
            "its cost follows what changed; such records reach the target at most this "
            "many hours (plus one run) late. 0: read them whole on every run (strict). See "
            "docs/incremental.md.",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=False,
            title="Emit ACTIVATE_VERSION Messages",
            description="Send ACTIVATE_VERSION for the lists read whole on every run "
            "(accounts, keys, phone numbers, addresses, …), so that a target that honours it "
            "drops rows Twilio no longer has (deleted keys, released numbers). Never for "
            "incremental lists or lists read only under some parents. Do not combine with "
            "account_shard or account_sids into one table: each run would drop the other "
            "runs' accounts.",
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=1000),
            title="Page Size",
            description="Records per request. Default: each list's maximum from Twilio's "
            "API spec (1000 for the core API).",
        ),
        th.Property(
            "request_timeout",
            th.IntegerType(minimum=1),
            default=60,
            title="Request Timeout",
            description="Seconds to wait for a Twilio response before retrying.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0, maximum=20),
            default=8,
            title="Max Retries",
            description="Retries of a request after a 429, a 5xx, a timeout or a dropped "
            "connection (waits Retry-After when Twilio sends it; a 429 without it waits about "
            "one response time; others back off exponentially with jitter).",
        ),
        th.Property(
            "max_concurrent_requests",
            th.IntegerType(minimum=1, maximum=100),
            default=32,
            title="Max Concurrent Requests",
            description="Most requests in flight at once (other accounts, streams, parents "
            "and products are read ahead while records are written in the usual order). "
            "Twilio does not publish its per-account limit: a 429 lowers the number by a "
            "quarter, successes raise it again; shards running at once share the limit "
            "evenly. 1 = strictly sequential.",
        ),
        th.Property(
            "region",
            th.StringType,
            allowed_values=list(REGIONS),
            title="Region",
            description="Twilio region for data residency, e.g. ie1 or au1 "
            "(https://{product}.{edge}.{region}.twilio.com).",
        ),
        th.Property(
            "edge",
            th.StringType,
            allowed_values=list(EDGES),
            title="Edge",
            description="Twilio edge location, e.g. dublin or sydney (region defaults to "
            "us1 when only an edge is set).",
        ),
        th.Property(
            "base_url",
            th.StringType,
            title="Base URL",
            description="Send requests to a Twilio-compatible server instead of Twilio, "
            "e.g. the bundled sandbox: http://127.0.0.1:8790/{product} ({product} is "
            "replaced by api, monitor, conversations, …).",
        ),
        th.Property(
            "taskrouter_workspace_sids",
            th.ArrayType(th.StringType(pattern="^WS[0-9a-fA-F]{32}$")),
            title="TaskRouter Workspace SIDs",
            description="Sync only these TaskRouter workspaces (default: all).",
        ),
        th.Property(
            "custom_streams",
            th.ArrayType(
                th.ObjectType(
                    th.Property(
                        "name",
                        th.StringType,
                        required=True,
                        description="Stream name (lowercase, digits, _).",
                    ),
                    th.Property(
                        "path",
                        th.StringType,
                        required=True,
                        description="List path (e.g. /2010-04-01/Accounts/"
                        "{account_sid}/SIP/Domains.json) or a full URL on a Twilio "
                        "host.",
                    ),
                    th.Property(
                        "product",
                        th.StringType,
                        description="Product host of a path: api (default), "
                        "monitor, conversations, …",
                    ),
                    th.Property(
                        "primary_keys",
                        th.ArrayType(th.StringType),
                        required=True,
                        description="Fields that identify a row.",
                    ),
                    th.Property(
                        "list_key",
                        th.StringType,
                        description="Key of the record list (default: Twilio's).",
                    ),
                    th.Property(
                        "replication_key",
                        th.StringType,
                        description="Date field to bookmark on (incremental).",
                    ),
                    th.Property(
                        "start_param",
                        th.StringType,
                        description="Filter that sends the window start, e.g. "
                        "DateCreated> or StartDate.",
                    ),
                    th.Property(
                        "end_param",
                        th.StringType,
                        description="Filter that sends the window end (now).",
                    ),
                    th.Property(
                        "filter_format",
                        th.StringType,
                        allowed_values=["date", "datetime"],
                        description="date: YYYY-MM-DD; datetime: ISO 8601 (Z).",
                    ),
                    th.Property(
                        "per_account",
                        th.BooleanType,
                        description="Read once per account (default: when the "
                        "path has {account_sid}).",
                    ),
                    th.Property(
                        "max_page_size",
                        th.IntegerType(minimum=1, maximum=1000),
                        description="PageSize for lists not in Twilio's spec (default 50).",
                    ),
                )
            ),
            title="Custom Streams",
            description="Any Twilio list endpoint as an extra stream, with the same auth, "
            "paging, retries and state. Schema from Twilio's OpenAPI spec when the path is a "
            "known list, else inferred from the first page.",
        ),
        th.Property(
            "webhook_auth_token",
            th.StringType,
            secret=True,
            title="Webhook Auth Token",
            description="Key that checks X-Twilio-Signature in webhook-mode (default: "
            "auth_token; required with API-key auth, since Twilio signs with the account's "
            "auth token).",
        ),
        th.Property(
            "webhook_public_url",
            th.StringType,
            title="Webhook Public URL",
            description="Public base URL Twilio calls in webhook-mode (behind a proxy or "
            "tunnel), e.g. https://hooks.example.com; signatures are checked against it.",
        ),
        th.Property(
            "webhook_host",
            th.StringType,
            default="127.0.0.1",
            title="Webhook Host",
            description="Address the webhook-mode server listens on.",
        ),
        th.Property(
            "webhook_port",
            th.IntegerType(minimum=0, maximum=65535),
            default=8080,
            title="Webhook Port",
            description="Port the webhook-mode server listens on (0: any free port).",
        ),
        th.Property(
            "user_agent",
            th.StringType,
            title="User Agent",
            description="User-Agent header sent to Twilio.",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        quiet_setup_lines(self.logger)  # before the SDK sets the streams up
        super().__init__(*args, **kwargs)

    @contextmanager
    def progress_lines(self) -> t.Iterator[None]:
        """Progress lines while the sync runs and a summary per stream at its end."""
        records = getattr(self.message_writer, "records", None)
        progress = Progress(self.logger, records if records is not None else Counter())
        quiet_sdk_lines(self.metrics_logger, [stream.logger for stream in self.streams.values()])
        for stream in self.streams.values():
            if isinstance(stream, TwilioStream):
                stream.fetcher.observer = progress
                break
        progress.start()
        completed = False
        try:
            yield
            completed = True
        finally:
            progress.stop(completed=completed)

    @cached_property
    def run(self) -> RunContext:
        """What this run's streams share: fetcher, session, credentials, skip lists."""
        return RunContext(self.config)

    @override
    def discover_streams(self) -> list[Stream]:
        streams: list[Stream] = [stream_class(tap=self) for stream_class in STREAMS]
        # Discovery runs without config validation; custom entries must still make sense.
        problems = custom.validate_entries(self.config, set(STREAM_NAMES))
        if problems:
            raise custom.CustomStreamError(problems[0])
        for entry in self.config.get("custom_streams") or []:
            stream_class, schema = custom.build_stream_class(entry, self.config)
            streams.append(stream_class(tap=self, schema=schema))
        return streams

    def check_credentials(self) -> bool:
        """Check the credentials with one request (Accounts.json), not a sync of every stream.

        A wrong token fails here with Twilio's one-line 401; the stdout stays empty.
        """
        accounts = self.streams["accounts"]
        assert isinstance(accounts, TwilioStream)
        request = accounts.first_request(None)
        assert request is not None
        response = accounts.request_decorator(lambda r, c: send(accounts, r, c))(request, None)
        visible = [row.get("sid") for row in accounts.parse_response(response)]
        self.logger.info(
            "Connection test succeeded: the credentials work for account %s "
            "(%d account(s) on the first page of Accounts.json).",
            self.config["account_sid"],
            len(visible),
        )
        return True

    def config_problems(self, sdk_errors: list[str]) -> list[str]:
        """Every config problem as one line (schema first, then the rules it cannot say)."""
        problems = [*describe_schema_errors(self.config, self.config_jsonschema), *sdk_errors]
        if not problems:
            builtin = set(STREAM_NAMES)
            problems = check_config(self.config) + custom.validate_entries(self.config, builtin)
        return problems
