"""``tap-twilio-actions``: the command line of the actions.

Prints JSON lines on stdout; errors are one line on stderr, never a traceback. Exit codes:
0 ok, 1 Twilio/API error, 2 usage or config error, 3 a message or a POST/PATCH *may* have
been processed (it is never retried, so nothing is sent twice).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import typing as t
from pathlib import Path

from tap_twilio.actions.common import (
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    TwilioActionError,
    account,
    load_config,
    redact,
    redact_fields,
)
from tap_twilio.actions.raw import METHODS, PLACEHOLDERS, RESPONSE_TYPES, raw_request
from tap_twilio.actions.sms import get_sms, list_sms, send_sms
from tap_twilio.api import settings

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


#: Arguments passed on by name, as parsed.
SEND_ARGS = (
    "to",
    "body",
    "from_",
    "messaging_service_sid",
    "media_urls",
    "status_callback",
    "account_sid",
)
LIST_ARGS = (
    "to",
    "from_",
    "date_sent",
    "date_sent_after",
    "date_sent_before",
    "limit",
    "page_size",
    "account_sid",
)
REQUEST_ARGS = (
    "product",
    "response_type",
    "timeout",
    "retries",
    "retry_delay",
    "backoff",
    "retry_all_errors",
)


def _given(args: argparse.Namespace, names: Sequence[str]) -> dict[str, t.Any]:
    return {name: getattr(args, name) for name in names}


def _pair(text: str) -> tuple[str, str]:
    """``key=value`` (a header may also be ``Name: value``)."""
    sep = "=" if "=" in text else (":" if ":" in text else None)
    if sep is None:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    key, value = text.split(sep, 1)
    key = key.strip()
    if not key:
        raise argparse.ArgumentTypeError(f"empty key in {text!r}")
    return key, value.strip() if sep == ":" else value


def _date_arg(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _at_least(kind: type, minimum: int, what: str = "a number") -> Callable[[str], t.Any]:
    """An argument parser for a number of ``kind`` no smaller than ``minimum``."""

    def parse(text: str) -> t.Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {text}")
        return value

    return parse


_positive_int = _at_least(int, 1, "a whole number")


def build_parser() -> argparse.ArgumentParser:
    """The ``tap-twilio-actions`` argument parser.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Twilio actions with the tap's config: send, get and list SMS messages, "
        "or send a raw request. Exit codes: 0 ok, 1 Twilio/API error, 2 usage or config "
        "error, 3 the message or POST may have been processed (not retried).",
    )
    parser.add_argument("--config", required=True, metavar="PATH", help="the tap's JSON config")
    parser.add_argument(
        "--account-sid", metavar="AC...", help="account to act on (default: config account_sid)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    send = sub.add_parser(
        "send-sms",
        help="send an SMS/MMS message (never retried after an ambiguous failure)",
        description="Send a message and print it as one JSON line. A timeout, dropped "
        "connection, unreadable answer or 5xx is not retried (exit 3: it MAY have been "
        "sent); a 429 is retried.",
    )
    send.add_argument("--to", required=True, help="recipient, E.164 (+15558675310)")
    sender = send.add_mutually_exclusive_group(required=True)
    sender.add_argument("--from", dest="from_", metavar="NUMBER", help="sender number")
    sender.add_argument("--messaging-service-sid", metavar="MG...", help="messaging service")
    send.add_argument("--body", required=True, help="message text")
    send.add_argument(
        "--media-url",
        dest="media_urls",
        action="append",
        default=[],
        metavar="URL",
        help="media (repeatable)",
    )
    send.add_argument("--status-callback", metavar="URL", help="status callback URL")

    get = sub.add_parser("get-sms", help="print one message as a JSON line")
    get.add_argument("sid", metavar="SID", help="message SID (SM... or MM...)")

    lst = sub.add_parser("list-sms", help="print messages as JSON lines, newest first")
    lst.add_argument("--to", help="only messages to this number")
    lst.add_argument("--from", dest="from_", metavar="NUMBER", help="only messages from it")
    lst.add_argument("--date-sent", type=_date_arg, metavar="YYYY-MM-DD", help="sent that day")
    lst.add_argument(
        "--date-sent-after", type=_date_arg, metavar="YYYY-MM-DD", help="sent on or after"
    )
    lst.add_argument(
        "--date-sent-before", type=_date_arg, metavar="YYYY-MM-DD", help="sent on or before"
    )
    lst.add_argument("--limit", type=_positive_int, metavar="N", help="at most N messages")
    lst.add_argument("--page-size", type=_positive_int, metavar="N", help="per request, <=1000")

    raw = sub.add_parser(
        "request",
        help="send a raw request to Twilio",
        description="Send any request with the config's credentials. A path is joined to "
        "the product's base URL; a full URL must be a https://*.twilio.com URL or on the "
        "configured base_url's host.",
    )
    raw.add_argument("--method", required=True, type=str.upper, choices=METHODS)
    raw.add_argument("--url", required=True, metavar="PATH_OR_URL")
    raw.add_argument("--product", default="api", help="api (default), monitor, ...")
    raw.add_argument("--param", action="append", type=_pair, default=[], metavar="K=V")
    raw.add_argument("--data", action="append", type=_pair, default=[], metavar="K=V")
    raw.add_argument("--json", dest="json_body", metavar="JSON", help="JSON request body")
    raw.add_argument("--header", action="append", type=_pair, default=[], metavar="K=V")
    raw.add_argument("--response-type", choices=RESPONSE_TYPES, default="json")
    raw.add_argument("--output", metavar="FILE", help="write the body here (binary: required)")
    raw.add_argument("--pretty", action="store_true", help="indent JSON output")
    raw.add_argument("--timeout", type=_at_least(float, 0), metavar="S")
    raw.add_argument("--retries", type=_at_least(int, 0), default=0, metavar="N")
    raw.add_argument("--retry-delay", type=_at_least(float, 0), default=0.0, metavar="S")
    raw.add_argument("--backoff", choices=("fixed", "exponential"), default="fixed")
    raw.add_argument(
        "--retry-all-errors",
        action="store_true",
        help="retry every method on any error, POST and PATCH included (may act twice)",
    )
    return parser


def _dump(value: t.Any, config: Mapping[str, t.Any], *, pretty: bool = False) -> str:
    text = json.dumps(redact_fields(value), indent=2 if pretty else None, default=str)
    return redact(text, config)


def _write_line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    """Run one parsed command.

    Args:
        args: Parsed arguments.

    Returns:
        The exit code.
    """
    config = load_config(args.config)
    if args.account_sid:
        account(config, args.account_sid)
    if args.command == "send-sms":
        _write_line(_dump(send_sms(config, **_given(args, SEND_ARGS)), config))
    elif args.command == "get-sms":
        _write_line(_dump(get_sms(config, args.sid, account_sid=args.account_sid), config))
    elif args.command == "list-sms":
        for message in list_sms(config, **_given(args, LIST_ARGS)):
            _write_line(_dump(message, config))
    else:
        return _run_request(args, config)
    return EXIT_OK


def _run_request(args: argparse.Namespace, config: Mapping[str, t.Any]) -> int:
    if args.response_type == "binary" and not args.output:
        raise TwilioActionError("--response-type binary needs --output FILE", EXIT_USAGE)
    json_body = None
    if args.json_body is not None:
        try:
            json_body = json.loads(args.json_body)
        except ValueError as exc:
            raise TwilioActionError(f"--json is not valid JSON: {exc}", EXIT_USAGE) from None
    url = args.url
    if args.account_sid:
        for placeholder in PLACEHOLDERS:
            url = url.replace(placeholder, args.account_sid)
    result = raw_request(
        config,
        args.method,
        url,
        params=args.param,
        data=args.data,
        json_body=json_body,
        headers=dict(args.header),
        **_given(args, REQUEST_ARGS),
    )
    if args.response_type == "binary":
        payload: bytes = result
    elif args.response_type == "text":
        payload = redact(result, config).encode("utf-8")
    elif result is None:
        payload = b""
    else:
        payload = (_dump(result, config, pretty=args.pretty) + "\n").encode("utf-8")
    if args.output:
        try:
            Path(args.output).write_bytes(payload)
        except OSError as exc:
            raise TwilioActionError(
                f"cannot write {args.output}: {exc.strerror or exc}", EXIT_USAGE
            ) from None
        sys.stderr.write(f"{PROG}: wrote {len(payload)} bytes to {args.output}\n")
    else:
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(payload)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(payload.decode("utf-8", "replace"))
            sys.stdout.flush()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: errors are one line on stderr, never a traceback.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code (also passed to ``sys.exit`` by the console script).
    """
    args = build_parser().parse_args(argv)
    config_secrets: dict[str, t.Any] = {}
    try:
        config_secrets = _secrets(args.config)
        return run(args)
    except TwilioActionError as exc:
        _fail(redact(str(exc), config_secrets))
        return exc.exit_code
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        first = (str(exc).splitlines() or [""])[0][:200]
        _fail(redact(f"unexpected {type(exc).__name__}: {first}", config_secrets))
        return EXIT_API_ERROR


def _secrets(path: str) -> dict[str, t.Any]:
    """The config's values, to keep its secrets out of error lines (empty if unreadable)."""
    try:
        return settings.load_config([path], settings.CONNECTION_SCHEMA)
    except settings.ConfigError:
        return {}


def _fail(line: str) -> None:
    sys.stderr.write(f"{PROG}: error: {' '.join(line.split())}\n")
    sys.stderr.flush()
