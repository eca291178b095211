"""TapTwilio: settings, stream registry and the console entry point."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import typing as t

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.contrib.msgspec import encoder as _msgspec_encoder
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_twilio import custom
from tap_twilio.client import parse_datetime, transport_error_line
from tap_twilio.streams import STREAMS

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.singerlib import Message
    from singer_sdk.streams import Stream

REGIONS = ("us1", "us2", "ie1", "au1", "jp1", "sg1", "br1", "de1")
EDGES = (
    "ashburn",
    "umatilla",
    "dublin",
    "frankfurt",
    "singapore",
    "sydney",
    "tokyo",
    "sao-paulo",
    "roaming",
)
SID_PATTERNS = {
    "account_sid": re.compile(r"^AC[0-9a-fA-F]{32}$"),
    "api_key_sid": re.compile(r"^SK[0-9a-fA-F]{32}$"),
}
SECRET_SETTINGS = ("auth_token", "api_key_secret", "webhook_auth_token")


class TapConfigError(Exception):
    """A configuration problem, described in one line."""


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
        elif len(self._batch) >= self.BATCH_BYTES:
            self._write_batch()

    def _write_batch(self, *, flush: bool = False) -> None:
        sys.stdout.buffer.write(self._batch)
        self._batch.clear()
        if flush:
            sys.stdout.buffer.flush()
            sys.stdout.flush()


class TapTwilio(Tap):
    """Singer tap for Twilio."""

    name = "tap-twilio"
    message_writer_class = TwilioWriter
    capabilities: t.ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
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
            "connection (waits Retry-After when Twilio sends it, else exponential backoff "
            "with jitter).",
        ),
        th.Property(
            "max_concurrent_requests",
            th.IntegerType(minimum=1, maximum=100),
            default=8,
            title="Max Concurrent Requests",
            description="Requests in flight at once (other accounts, streams, parents and "
            "products are read ahead while records are written in the usual order). Halved "
            "on each 429, raised again after successes. 1 = strictly sequential.",
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

    @override
    def discover_streams(self) -> list[Stream]:
        streams: list[Stream] = [stream_class(tap=self) for stream_class in STREAMS]
        # Discovery runs without config validation; custom entries must still make sense.
        problems = custom.validate_entries(self.config, {cls.name for cls in STREAMS})
        if problems:
            raise custom.CustomStreamError(problems[0])
        for entry in self.config.get("custom_streams") or []:
            stream_class, schema = custom.build_stream_class(entry, self.config)
            streams.append(stream_class(tap=self, schema=schema))
        return streams

    @override
    def run_connection_test(self) -> bool:
        """Check the credentials with one request (Accounts.json), not a sync of every stream.

        A wrong token fails here with Twilio's one-line 401; the stdout stays empty.
        """
        accounts = self.streams["accounts"]
        request = accounts.first_request(None)
        response = accounts.request_decorator(accounts._request)(request, None)
        visible = [row.get("sid") for row in accounts.parse_response(response)]
        self.logger.info(
            "Connection test succeeded: the credentials work for account %s "
            "(%d account(s) on the first page of Accounts.json).",
            self.config["account_sid"],
            len(visible),
        )
        return True

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        try:
            errors = super()._validate_config(raise_errors=False)
        except ConfigValidationError as exc:  # pragma: no cover - raise_errors=False
            errors = exc.errors
        problems = [*describe_schema_errors(self.config, self.config_jsonschema), *errors]
        if not problems:
            builtin = {cls.name for cls in STREAMS}
            problems = check_config(self.config) + custom.validate_entries(self.config, builtin)
        if problems and raise_errors:
            raise TapConfigError(problems[0])
        return problems


def describe_schema_errors(config: t.Mapping[str, t.Any], schema: dict) -> list[str]:
    """Schema problems as lines that name the setting and never echo a secret."""
    from jsonschema import Draft7Validator

    lines = []
    for error in Draft7Validator(schema).iter_errors(dict(config)):
        setting = ".".join(str(p) for p in error.absolute_path) or "config"
        top = str(error.absolute_path[0]) if error.absolute_path else ""
        if error.validator == "required":
            lines.append(f"setting {error.message.split(chr(39))[1]} is required")
        elif top in SECRET_SETTINGS:
            kinds = error.schema.get("type", "string")
            kinds = [k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null"]
            lines.append(f"setting {setting} must be a {' or '.join(kinds)}")
        else:
            lines.append(f"setting {setting}: {error.message}")
    return lines


def check_config(config: t.Mapping[str, t.Any]) -> list[str]:
    """Checks the JSON schema cannot express; each problem is one line."""
    problems = []
    has_token = bool(config.get("auth_token"))
    has_key = bool(config.get("api_key_sid") or config.get("api_key_secret"))
    if has_token and has_key:
        problems.append("give either auth_token or api_key_sid + api_key_secret, not both")
    elif not has_token and not has_key:
        problems.append("no credentials: set auth_token, or api_key_sid and api_key_secret")
    elif has_key and not (config.get("api_key_sid") and config.get("api_key_secret")):
        missing = "api_key_secret" if config.get("api_key_sid") else "api_key_sid"
        problems.append(
            f"API key auth needs both api_key_sid and api_key_secret; {missing} is missing"
        )
    start = config.get("start_date")
    if start:
        try:
            when = parse_datetime(str(start))
        except ValueError:
            problems.append(f"setting start_date is not an ISO 8601 date or datetime: {start!r}")
        else:
            if when > dt.datetime.now(dt.timezone.utc):
                problems.append(f"setting start_date is in the future: {start}")
    if config.get("account_sids") == []:
        problems.append("setting account_sids is empty: list at least one account SID or omit it")
    base_url = config.get("base_url")
    if base_url and not str(base_url).startswith(("http://", "https://")):
        problems.append(f"setting base_url must start with http:// or https://: {base_url!r}")
    return problems


def main() -> None:
    """Run the tap; ``tap-twilio webhook-mode ...`` runs the webhook receiver instead."""
    if len(sys.argv) > 1 and sys.argv[1] == "webhook-mode":
        from tap_twilio import webhooks

        sys.exit(webhooks.main(sys.argv[2:]))
    problem = _unreadable_config(sys.argv[1:])
    if problem:
        _fail(f"invalid config: {problem}", 2)
    try:
        TapTwilio.cli()
    except TapConfigError as exc:
        _fail(f"invalid config: {exc}", 2)
    except FatalAPIError as exc:
        _fail(_first_line(exc), 1)
    except RetriableAPIError as exc:
        _fail(f"{_first_line(exc)} (still failing after max_retries retries)", 1)
    except requests.RequestException as exc:
        _fail(f"{transport_error_line(exc)} (still failing after max_retries retries)", 1)
    except custom.CustomStreamError as exc:
        _fail(f"invalid config: {exc}", 2)
    except ConfigValidationError as exc:
        _fail(f"invalid config: {exc.errors[0] if exc.errors else exc}", 2)


def _unreadable_config(args: list[str]) -> str | None:
    """A one-line reason why a ``--config`` file cannot be used, if one cannot."""
    paths = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--config"]
    paths += [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
    for path in paths:
        if path == "ENV":
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                value = json.load(handle)
        except FileNotFoundError:
            return f"config file {path} does not exist"
        except OSError as exc:
            return f"config file {path} cannot be read ({exc.strerror})"
        except ValueError as exc:
            return f"config file {path} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        if not isinstance(value, dict):
            return f"config file {path} must hold a JSON object"
    return None


def _all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    return list({id(h): h for logger in loggers for h in logger.handlers}.values())


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _fail(message: str, code: int) -> t.NoReturn:
    # Fetch threads may still be finishing requests: their log lines must not follow the
    # error line, which is the last line a user (or an orchestrator) sees. New log calls
    # are disabled, and holding every handler's lock stops the ones already emitting (the
    # locks are re-entrant, so the shutdown at exit in this thread still works).
    logging.disable(logging.CRITICAL)
    for handler in _all_handlers():
        handler.acquire()
        handler.flush()
    sys.stderr.write(f"tap-twilio: error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
