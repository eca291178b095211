"""What every action shares: its error, exit codes, config check and output shaping."""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

from tap_twilio.api import settings
from tap_twilio.api.transforms import rfc2822_to_iso

if t.TYPE_CHECKING:
    from collections.abc import Mapping

PROG = "tap-twilio-actions"
API_VERSION = "/2010-04-01"

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_AMBIGUOUS = 3

#: Config keys whose values are never printed.
SECRET_KEYS = settings.SECRET_SETTINGS
#: Response fields replaced before printing (an account's auth token, as the tap does).
REDACTED_FIELDS = ("auth_token",)
REDACTED = settings.REDACTED

SID = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")
ACCOUNT_SID = settings.SID_PATTERNS["account_sid"]


class TwilioActionError(Exception):
    """An action failed; ``str(error)`` is one line for the user, ``exit_code`` the CLI code."""

    def __init__(self, message: str, exit_code: int = EXIT_API_ERROR) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


def load_config(path: str | Path) -> dict[str, t.Any]:
    """Read and check the tap's JSON config file (``ENV``: ``TAP_TWILIO_*`` variables).

    Args:
        path: The config file.

    Returns:
        The config.

    Raises:
        TwilioActionError: The file cannot be read, is not JSON or lacks credentials (exit 2).
    """
    try:
        config = settings.load_config([str(path)], settings.CONNECTION_SCHEMA)
    except settings.ConfigError as exc:
        raise TwilioActionError(f"invalid config: {exc}", EXIT_USAGE) from None
    return validate_config(config)


def validate_config(config: t.Any) -> dict[str, t.Any]:
    """Check the settings the actions need, by the tap's rules (:mod:`tap_twilio.api.settings`).

    Args:
        config: The tap's config.

    Returns:
        The config, unchanged.

    Raises:
        TwilioActionError: A problem with the config, in one line (exit 2).
    """
    problems = settings.connection_problems(config)
    if problems:
        raise TwilioActionError(f"invalid config: {problems[0]}", EXIT_USAGE)
    return config


def redact(text: str, config: Mapping[str, t.Any]) -> str:
    """Replace every configured secret value in ``text`` (see :func:`settings.redact`)."""
    return settings.redact(text, config)


def redact_fields(value: t.Any) -> t.Any:
    """Copy of a decoded JSON value with the fields in REDACTED_FIELDS masked."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in REDACTED_FIELDS and v else redact_fields(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_fields(v) for v in value]
    return value


def error(config: Mapping[str, t.Any], message: str, code: int = EXIT_API_ERROR) -> Exception:
    """A TwilioActionError whose message holds no configured secret."""
    return TwilioActionError(redact(message, config), code)


def account(config: Mapping[str, t.Any], account_sid: str | None) -> str:
    """The account to act on: ``account_sid`` or the config's, checked."""
    sid = account_sid or config["account_sid"]
    if not ACCOUNT_SID.match(sid):
        raise TwilioActionError(
            f"account SID must be AC followed by 32 hex characters: {sid!r}", EXIT_USAGE
        )
    return sid


def to_iso_dates(record: dict[str, t.Any]) -> dict[str, t.Any]:
    """Copy of a 2010 API record with its RFC 2822 ``date_*`` fields in ISO 8601 (UTC).

    Args:
        record: A message (or other 2010 API resource) as Twilio returns it.

    Returns:
        The record with ``date_created``, ``date_updated``, ``date_sent``... converted.
    """
    out = dict(record)
    for key, value in record.items():
        if key.startswith("date_") and isinstance(value, str) and value:
            try:
                out[key] = rfc2822_to_iso(value)
            except (TypeError, ValueError, IndexError):
                out[key] = value
    return out
