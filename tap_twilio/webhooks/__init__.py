"""Webhook receiver ("trigger") for tap-twilio: validated Twilio webhooks as Singer records.

``tap-twilio webhook-mode --config config.json [--host H] [--port P] [--public-url URL]``
runs a small HTTP server (meant to sit behind a reverse proxy, see
:mod:`tap_twilio.webhooks.server`). Every request must carry a valid
``X-Twilio-Signature``; a valid request becomes one RECORD of the ``webhook_events`` stream
on stdout, written and flushed before the 2xx response goes out.

Modules: :mod:`~tap_twilio.webhooks.signature` (how Twilio signs, checked as its libraries
do), :mod:`~tap_twilio.webhooks.records` (the ``webhook_events`` records and their writer),
:mod:`~tap_twilio.webhooks.config` (settings from the tap's config),
:mod:`~tap_twilio.webhooks.server` (the HTTP server and its limits) and
:mod:`~tap_twilio.webhooks.cli` (the command line).
"""

from __future__ import annotations

from tap_twilio.api.settings import ConfigError
from tap_twilio.webhooks.cli import PROG, main
from tap_twilio.webhooks.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_TIMEOUT,
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    WebhookSettings,
    load_config,
    settings_from_config,
)
from tap_twilio.webhooks.records import (
    RECORD_SCHEMA,
    STREAM_NAME,
    SingerEmitter,
    build_record,
    classify_event,
)
from tap_twilio.webhooks.server import WebhookServer, make_server
from tap_twilio.webhooks.signature import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    compute_body_hash,
    compute_signature,
    signature_algorithm,
    url_variants,
    validate_signature,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "HMAC_SHA1",
    "HMAC_SHA256",
    "MAX_BODY_BYTES",
    "MAX_CONNECTIONS",
    "PROG",
    "RECORD_SCHEMA",
    "SIGNATURE_HEADER",
    "SIGNATURE_SETTINGS_HEADER",
    "STREAM_NAME",
    "ConfigError",
    "SingerEmitter",
    "WebhookServer",
    "WebhookSettings",
    "build_record",
    "classify_event",
    "compute_body_hash",
    "compute_signature",
    "load_config",
    "main",
    "make_server",
    "settings_from_config",
    "signature_algorithm",
    "url_variants",
    "validate_signature",
]
