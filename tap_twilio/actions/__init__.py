r"""Twilio actions: send, get and list SMS messages and send raw requests.

A companion to the tap for the few things a pipeline does besides reading: the actions of
Prismatic's Twilio connector ("Send SMS", "Get SMS", "List SMS messages", "Raw Request"),
as a command line tool and as Python functions. It reads the tap's JSON config file.

Command line (``tap-twilio-actions``, or ``python -m tap_twilio.actions``)::

    tap-twilio-actions --config config.json send-sms --to +15558675310 \\
        --from +15017122661 --body "Hello"
    tap-twilio-actions --config config.json get-sms SM0123...
    tap-twilio-actions --config config.json list-sms --date-sent-after 2024-01-01 --limit 20
    tap-twilio-actions --config config.json request --method GET \\
        --url /2010-04-01/Accounts/{account_sid}/Calls.json --param PageSize=5

Exit codes: 0 ok, 1 Twilio/API error, 2 usage or config error, 3 a message or a POST/PATCH
*may* have been processed (timeout, dropped connection, unreadable answer or 5xx after it
was sent); it is never retried, so nothing is sent twice.

Python::

    from tap_twilio.actions import send_sms, get_sms, list_sms, raw_request

    message = send_sms(config, to="+15558675310", from_="+15017122661", body="Hello")

Errors are raised as :class:`TwilioActionError` with a one-line message and ``exit_code``.

The requests are built by the official ``twilio`` package (``client.messages.create``,
``fetch``, ``page``, ``client.request``; regions and edges), sent through
:class:`~tap_twilio.actions.transport.ActionsHttpClient`, which makes every retry decision
itself. Install it with ``pip install 'tap-twilio[actions]'``.

Modules: :mod:`~tap_twilio.actions.common` (errors, exit codes, config),
:mod:`~tap_twilio.actions.transport` (the HTTP client and its retry policies),
:mod:`~tap_twilio.actions.sms` (send/get/list), :mod:`~tap_twilio.actions.raw` (raw
requests) and :mod:`~tap_twilio.actions.cli` (the command line).
"""

from __future__ import annotations

from tap_twilio.actions.cli import build_parser, main, run
from tap_twilio.actions.common import (
    API_VERSION,
    EXIT_AMBIGUOUS,
    EXIT_API_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    TwilioActionError,
    load_config,
    redact,
    to_iso_dates,
    validate_config,
)
from tap_twilio.actions.raw import IDEMPOTENT, METHODS, RESPONSE_TYPES, raw_request, resolve_url
from tap_twilio.actions.sms import MAX_PAGE_SIZE, get_sms, list_sms, send_sms

__all__ = [
    "API_VERSION",
    "EXIT_AMBIGUOUS",
    "EXIT_API_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "IDEMPOTENT",
    "MAX_PAGE_SIZE",
    "METHODS",
    "PROG",
    "RESPONSE_TYPES",
    "TwilioActionError",
    "build_parser",
    "get_sms",
    "list_sms",
    "load_config",
    "main",
    "raw_request",
    "redact",
    "resolve_url",
    "run",
    "send_sms",
    "to_iso_dates",
    "validate_config",
]
