"""The receiver's settings: from the tap's config (read by :mod:`tap_twilio.api.settings`).

Config keys read (the tap's own config file; CLI flags override them):

* ``webhook_auth_token`` (secret): the key Twilio signs webhooks with, i.e. the account's
  primary auth token (or a SharedKey secret if the account signs webhooks with one);
* ``auth_token``: used when ``webhook_auth_token`` is not set.  With API-key auth
  (``api_key_sid``/``api_key_secret``) ``webhook_auth_token`` is required: Twilio never signs
  with an API key secret;
* ``webhook_public_url``, ``webhook_host`` (default ``127.0.0.1``), ``webhook_port``
  (default ``8080``; ``0`` picks a free port, reported on stderr).

Webhooks for a subaccount's resources are signed with the subaccount's auth token.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tap_twilio.api import settings as shared
from tap_twilio.api.settings import ConfigError, webhook_signing_key

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: Limits the receiver enforces (tests/test_webhooks.py checks each).
MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
MAX_CONNECTIONS = 64


@dataclass(frozen=True)
class WebhookSettings:
    """Resolved settings of the webhook receiver."""

    auth_token: str = field(repr=False)
    """The signing key (never logged)."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str | None = None
    """Public base URL (``scheme://host[:port][/prefix]``, no trailing slash), if any."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds a client may take to send each part of a request (and to idle between
    requests) before its connection is closed."""
    max_body_bytes: int = MAX_BODY_BYTES
    """Largest request body accepted (413 above it)."""
    max_connections: int = MAX_CONNECTIONS
    """Most connections served at once (more get 503 and are closed)."""


def _public_url(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("webhook public URL must be a string")
    split = urlsplit(value)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise ConfigError("webhook public URL must be an http(s) URL with a host")
    if split.query or split.fragment or "@" in split.netloc:
        raise ConfigError(
            "webhook public URL must be scheme://host[:port][/prefix] "
            "(no query, fragment or credentials)"
        )
    return value.rstrip("/")


def _port(value: object) -> int:
    try:
        port = int(t.cast("t.Any", value))
    except (TypeError, ValueError):
        raise ConfigError(f"webhook port must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not 0 <= port <= 65535:
        raise ConfigError(f"webhook port must be between 0 and 65535, got {value!r}")
    return port


def settings_from_config(
    config: Mapping[str, t.Any],
    *,
    host: str | None = None,
    port: int | None = None,
    public_url: str | None = None,
) -> WebhookSettings:
    """Resolve the receiver's settings from the tap config and command-line overrides.

    Args:
        config: The tap config.
        host: ``--host`` (overrides ``webhook_host``).
        port: ``--port`` (overrides ``webhook_port``).
        public_url: ``--public-url`` (overrides ``webhook_public_url``).

    Returns:
        The settings.

    Raises:
        ConfigError: If no signing key is configured or a value is invalid.
    """
    token = webhook_signing_key(config)
    host_value = host if host is not None else config.get("webhook_host") or DEFAULT_HOST
    if not isinstance(host_value, str):
        raise ConfigError("webhook_host must be a string")
    port_value = port if port is not None else config.get("webhook_port", DEFAULT_PORT)
    if port_value is None:
        port_value = DEFAULT_PORT
    return WebhookSettings(
        auth_token=token,
        host=host_value,
        port=_port(port_value),
        public_url=_public_url(public_url or config.get("webhook_public_url")),
    )


def load_config(paths: Iterable[str]) -> dict[str, t.Any]:
    """Load and merge config files (later ones win), like the tap's ``--config``.

    ``ENV`` instead of a path reads ``TAP_TWILIO_<KEY>`` environment variables for the
    keys the receiver uses.

    Raises:
        ConfigError: If a file is missing, unreadable, not JSON or not a JSON object.
    """
    return shared.load_config(paths, shared.WEBHOOK_SCHEMA)
