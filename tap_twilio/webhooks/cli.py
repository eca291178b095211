"""``tap-twilio webhook-mode``: run the receiver until SIGTERM/SIGINT.

``tap-twilio webhook-mode --config config.json [--host H] [--port P] [--public-url URL]``
(also ``python -m tap_twilio.webhooks``). Logs go to stderr and never contain the token or
a signature; stdout carries the Singer messages only.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from tap_twilio.api.settings import ConfigError
from tap_twilio.webhooks.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    load_config,
    settings_from_config,
)
from tap_twilio.webhooks.records import STREAM_NAME, SingerEmitter
from tap_twilio.webhooks.server import LOGGER, make_server

PROG = "tap-twilio webhook-mode"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Receive Twilio webhooks, validate X-Twilio-Signature and write each accepted "
            f"event as a Singer RECORD of stream {STREAM_NAME!r} to stdout."
        ),
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="PATH",
        help="tap config JSON file (repeatable; 'ENV' reads TAP_TWILIO_* variables)",
    )
    parser.add_argument("--host", help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free port)"
    )
    parser.add_argument(
        "--public-url",
        help="public base URL Twilio calls (e.g. https://example.ngrok.app) when behind a proxy",
    )
    return parser


def _configure_logging() -> None:
    if any(getattr(h, "_tap_twilio_webhooks", False) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {PROG}: %(message)s"))
    handler._tap_twilio_webhooks = True  # type: ignore[attr-defined]
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


def _silence_stdout() -> None:
    """After the reader of stdout went away, avoid a BrokenPipeError at interpreter exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the webhook receiver until SIGTERM/SIGINT.

    Args:
        argv: The arguments after ``webhook-mode`` (default: ``sys.argv[1:]``).

    Returns:
        0 after a clean shutdown, 2 for a configuration or startup problem (one line on
        stderr), 1 if stdout was closed under the receiver.
    """
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = settings_from_config(
            load_config(args.config), host=args.host, port=args.port, public_url=args.public_url
        )
    except ConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr, flush=True)
        return 2

    emitter = SingerEmitter()
    try:
        server = make_server(settings, emitter)
    except OSError as exc:
        print(
            f"{PROG}: error: cannot listen on {settings.host}:{settings.port}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
            flush=True,
        )
        return 2

    _configure_logging()
    # Left installed after main() returns, so a repeated signal during exit is harmless.
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: server.request_stop())
    except ValueError:  # not the main thread: the caller stops the server
        pass

    try:
        emitter.write_schema()
        host, port = server.server_address[:2]
        public = f", public URL {settings.public_url}" if settings.public_url else ""
        LOGGER.info("listening on http://%s:%s%s", host, port, public)
        server.serve_forever(poll_interval=0.2)
    except (OSError, ValueError):
        emitter.broken = True
    finally:
        server.server_close()  # joins in-flight request threads

    if emitter.broken:
        LOGGER.error("Singer output closed; %d records written", emitter.records_written)
        _silence_stdout()
        return 1
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()
        return 1
    LOGGER.info("stopped; %d records written", emitter.records_written)
    return 0
