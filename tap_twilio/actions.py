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
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
import typing as t
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlparse

import requests

from tap_twilio.client import (
    basic_auth,
    describe_transport_error,
    error_line,
    is_connect_failure,
    product_url,
    rfc2822_to_iso,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

PROG = "tap-twilio-actions"
API_VERSION = "/2010-04-01"

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_AMBIGUOUS = 3

#: Config keys whose values are never printed.
SECRET_KEYS = ("auth_token", "api_key_secret", "webhook_auth_token")
#: Response fields replaced before printing (an account's auth token, as the tap does).
REDACTED_FIELDS = ("auth_token",)
REDACTED = "[REDACTED]"

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Methods that may be repeated without changing the result.
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RESPONSE_TYPES = ("json", "text", "binary")

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 8
#: Longest Retry-After honoured, in seconds.
MAX_RETRY_AFTER = 300.0
#: Largest PageSize of the Messages list.
MAX_PAGE_SIZE = 1000

_SID = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_PLACEHOLDERS = ("{account_sid}", "{AccountSid}", "$TWILIO_ACCOUNT_SID")


class TwilioActionError(Exception):
    """An action failed; ``str(error)`` is one line for the user, ``exit_code`` the CLI code."""

    def __init__(self, message: str, exit_code: int = EXIT_API_ERROR) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


# Config ------------------------------------------------------------------------------------


def load_config(path: str | Path) -> dict[str, t.Any]:
    """Read and check the tap's JSON config file.

    Args:
        path: The config file.

    Returns:
        The config.

    Raises:
        TwilioActionError: The file cannot be read, is not JSON or lacks credentials (exit 2).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TwilioActionError(
            f"cannot read config file {path}: {exc.strerror or exc}", EXIT_USAGE
        ) from None
    try:
        config = json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if hasattr(exc, "lineno") else str(exc)
        raise TwilioActionError(
            f"config file {path} is not valid JSON ({where})", EXIT_USAGE
        ) from None
    return validate_config(config)


def validate_config(config: t.Any) -> dict[str, t.Any]:
    """Check the settings the actions need; each problem is reported in one line.

    Args:
        config: The tap's config.

    Returns:
        The config, unchanged.

    Raises:
        TwilioActionError: A problem with the config (exit 2).
    """
    if not isinstance(config, dict):
        raise TwilioActionError("config must be a JSON object", EXIT_USAGE)
    account_sid = config.get("account_sid")
    if not account_sid:
        raise TwilioActionError("config: account_sid is missing", EXIT_USAGE)
    if not isinstance(account_sid, str) or not _ACCOUNT_SID.match(account_sid):
        raise TwilioActionError(
            "config: account_sid must be AC followed by 32 hex characters", EXIT_USAGE
        )
    has_key = bool(config.get("api_key_sid") or config.get("api_key_secret"))
    if has_key and not (config.get("api_key_sid") and config.get("api_key_secret")):
        missing = "api_key_secret" if config.get("api_key_sid") else "api_key_sid"
        raise TwilioActionError(
            f"config: API key auth needs both api_key_sid and api_key_secret; {missing} is missing",
            EXIT_USAGE,
        )
    if not has_key and not config.get("auth_token"):
        raise TwilioActionError(
            "config: no credentials: set auth_token, or api_key_sid and api_key_secret",
            EXIT_USAGE,
        )
    base_url = config.get("base_url")
    if base_url and not str(base_url).startswith(("http://", "https://")):
        raise TwilioActionError(
            f"config: base_url must start with http:// or https://: {base_url!r}", EXIT_USAGE
        )
    for name in ("request_timeout", "max_retries"):
        value = config.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
        ):
            raise TwilioActionError(f"config: {name} must be a non-negative number", EXIT_USAGE)
    return config


def redact(text: str, config: Mapping[str, t.Any]) -> str:
    """Replace every configured secret value in ``text``.

    Args:
        text: Text about to be shown.
        config: The config holding the secrets.

    Returns:
        The text without secrets.
    """
    for key in SECRET_KEYS:
        secret = config.get(key)
        if isinstance(secret, str) and len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redact_fields(value: t.Any) -> t.Any:
    """Copy of a decoded JSON value with the fields in REDACTED_FIELDS masked."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in REDACTED_FIELDS and v else _redact_fields(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_fields(v) for v in value]
    return value


# HTTP --------------------------------------------------------------------------------------


def _session(config: Mapping[str, t.Any]) -> requests.Session:
    """A session with Twilio credentials.

    Its adapters keep requests' default ``max_retries=0``: nothing is retried behind this
    module's back (a POST must never be sent twice).
    """
    session = requests.Session()
    session.auth = basic_auth(config)
    session.headers["Accept"] = "application/json"
    session.headers["User-Agent"] = str(config.get("user_agent") or PROG)
    return session


def _timeout(config: Mapping[str, t.Any]) -> float:
    return float(config.get("request_timeout") or DEFAULT_TIMEOUT)


def _max_retries(config: Mapping[str, t.Any]) -> int:
    value = config.get("max_retries")
    return DEFAULT_MAX_RETRIES if value is None else int(value)


def _retry_after(response: requests.Response | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (seconds or HTTP date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _sleep(seconds: float) -> None:
    """Wait before a retry (tests replace this)."""
    time.sleep(seconds)


def _exponential(attempt: int) -> float:
    """Exponential backoff with jitter: 1-2 s, 2-4 s, 4-8 s, ... up to 30-60 s."""
    ceiling = min(60.0, 2.0 * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _backoff(attempt: int, response: requests.Response | None) -> float:
    """Twilio's Retry-After when sent, else exponential backoff with jitter."""
    wait = _retry_after(response)
    return _exponential(attempt) if wait is None else wait


@dataclass
class _Policy:
    """When to retry one request.

    Attributes:
        retries: Extra attempts allowed after the first.
        on_status: Whether a response status is retried.
        on_transport: Whether ambiguous transport failures (read timeout, dropped
            connection, truncated or non-JSON answer) are retried. Failures to connect are
            always retried: the server never saw the request.
        wait: Seconds to sleep before retry ``attempt`` (0-based), given the response.
    """

    retries: int
    on_status: Callable[[int], bool]
    on_transport: bool
    wait: Callable[[int, requests.Response | None], float]


class _TransportError(Exception):
    """The request failed without a usable answer (possibly after it was processed)."""

    def __init__(self, description: str, *, connect: bool, attempts: int) -> None:
        super().__init__(description)
        self.description = description
        self.connect = connect
        self.attempts = attempts


def _request(
    session: requests.Session,
    method: str,
    url: str,
    policy: _Policy,
    *,
    timeout: float,
    need_json: bool = False,
    **kwargs: t.Any,
) -> requests.Response:
    """Send one request, retrying as ``policy`` allows.

    Returns:
        The last response (any status; the caller judges it).

    Raises:
        _TransportError: No usable answer.
    """
    attempt = 0
    while True:
        failure: _TransportError | None = None
        response: requests.Response | None = None
        try:
            response = session.request(
                method, url, timeout=timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            failure = _TransportError(
                describe_transport_error(exc, timeout),
                connect=is_connect_failure(exc),
                attempts=attempt + 1,
            )
        else:
            if need_json and 200 <= response.status_code < 300 and response.content:
                try:
                    response.json()
                except ValueError:
                    failure = _TransportError(
                        f"a truncated or unreadable answer (HTTP {response.status_code}, "
                        "body is not JSON)",
                        connect=False,
                        attempts=attempt + 1,
                    )
        if failure is not None:
            if (failure.connect or policy.on_transport) and attempt < policy.retries:
                _sleep(policy.wait(attempt, None))
                attempt += 1
                continue
            raise failure
        assert response is not None
        if policy.on_status(response.status_code) and attempt < policy.retries:
            _sleep(policy.wait(attempt, response))
            attempt += 1
            continue
        return response


def _api_url(config: Mapping[str, t.Any], path: str) -> str:
    return product_url(config, "api") + path


def _path(url: str) -> str:
    return urlparse(url).path


def _account(config: Mapping[str, t.Any], account_sid: str | None) -> str:
    sid = account_sid or config["account_sid"]
    if not _ACCOUNT_SID.match(sid):
        raise TwilioActionError(
            f"account SID must be AC followed by 32 hex characters: {sid!r}", EXIT_USAGE
        )
    return sid


def _json_body(response: requests.Response, config: Mapping[str, t.Any]) -> t.Any:
    try:
        return response.json()
    except ValueError:
        raise _error(
            config,
            f"Twilio api API {response.request.method} {_path(response.url)} answered HTTP "
            f"{response.status_code} with a body that is not JSON",
        ) from None


def _error(config: Mapping[str, t.Any], message: str, code: int = EXIT_API_ERROR) -> Exception:
    return TwilioActionError(redact(message, config), code)


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


# SMS ---------------------------------------------------------------------------------------


def send_sms(
    config: Mapping[str, t.Any],
    *,
    to: str,
    body: str | None = None,
    from_: str | None = None,
    messaging_service_sid: str | None = None,
    media_urls: Sequence[str] = (),
    status_callback: str | None = None,
    account_sid: str | None = None,
) -> dict[str, t.Any]:
    """Send an SMS/MMS message (``POST /2010-04-01/Accounts/{sid}/Messages.json``).

    The POST is never retried after an ambiguous failure (timeout, dropped connection,
    truncated answer, 5xx): the message may have been sent, and sending it again could
    deliver it twice. A 429 (Twilio did not process the request) or a failure to connect is
    retried up to ``max_retries`` times, waiting Retry-After or backing off exponentially.

    Args:
        config: The tap's config.
        to: Recipient phone number (E.164) or channel address.
        body: Message text (``body`` or ``media_urls`` is required).
        from_: Sender phone number; or give ``messaging_service_sid``.
        messaging_service_sid: Messaging Service (MG...) that picks the sender.
        media_urls: Media to attach (MMS); each is sent as ``MediaUrl``.
        status_callback: URL Twilio calls on status changes.
        account_sid: Account to send from (default: the config's account_sid).

    Returns:
        The created message, dates in ISO 8601.

    Raises:
        TwilioActionError: exit_code 1 when Twilio refused the message (not sent), 2 for bad
            arguments, 3 when it may have been sent.
    """
    validate_config(config)
    account = _account(config, account_sid)
    if not to:
        raise TwilioActionError("send-sms needs a recipient (to)", EXIT_USAGE)
    if bool(from_) == bool(messaging_service_sid):
        raise TwilioActionError(
            "send-sms needs exactly one of from (a phone number) or messaging_service_sid",
            EXIT_USAGE,
        )
    if not body and not media_urls:
        raise TwilioActionError("send-sms needs a body or a media URL", EXIT_USAGE)
    data: list[tuple[str, str]] = [("To", to)]
    if from_:
        data.append(("From", from_))
    else:
        data.append(("MessagingServiceSid", str(messaging_service_sid)))
    if body:
        data.append(("Body", body))
    data.extend(("MediaUrl", url) for url in media_urls)
    if status_callback:
        data.append(("StatusCallback", status_callback))

    url = _api_url(config, f"{API_VERSION}/Accounts/{account}/Messages.json")
    where = f"POST {_path(url)}"
    retries = _max_retries(config)
    policy = _Policy(
        retries=retries, on_status=lambda s: s == 429, on_transport=False, wait=_backoff
    )
    check = f"check with `{PROG} list-sms --to {to}` before sending again"
    timeout = _timeout(config)
    with _session(config) as session:
        try:
            response = _request(
                session, "POST", url, policy, timeout=timeout, need_json=True, data=data
            )
        except _TransportError as exc:
            if exc.connect:
                raise _error(
                    config,
                    f"message not sent: {where} failed with {exc.description} "
                    f"after {exc.attempts} attempt(s)",
                ) from None
            raise _error(
                config,
                f"the message MAY have been sent: {where} failed with {exc.description}; "
                f"it was not retried so it cannot be sent twice; {check}",
                EXIT_AMBIGUOUS,
            ) from None
        status = response.status_code
        if status >= 500:
            raise _error(
                config,
                f"the message MAY have been sent: {error_line(response, 'api')}; it was not "
                f"retried so it cannot be sent twice; {check}",
                EXIT_AMBIGUOUS,
            )
        if status == 429:
            raise _error(
                config,
                f"message not sent: {error_line(response, 'api')} "
                f"(still rate limited after {retries + 1} attempt(s))",
            )
        if status >= 400 or status < 200:
            raise _error(config, f"message not sent: {error_line(response, 'api')}")
        message = response.json()
        if not isinstance(message, dict) or not message.get("sid"):
            raise _error(
                config,
                f"the message MAY have been sent: {where} answered HTTP {status} without a "
                f"message SID; {check}",
                EXIT_AMBIGUOUS,
            )
        return to_iso_dates(message)


def _read_policy(config: Mapping[str, t.Any]) -> _Policy:
    """Reads are safe to repeat: retry 429, 5xx and transport failures."""
    return _Policy(
        retries=_max_retries(config),
        on_status=lambda s: s == 429 or s >= 500,
        on_transport=True,
        wait=_backoff,
    )


def _get_json(
    config: Mapping[str, t.Any],
    session: requests.Session,
    url: str,
    params: Mapping[str, t.Any] | None = None,
) -> t.Any:
    """GET a 2010 API URL and decode it; errors become one-line TwilioActionErrors."""
    timeout = _timeout(config)
    try:
        response = _request(
            session,
            "GET",
            url,
            _read_policy(config),
            timeout=timeout,
            need_json=True,
            params=params,
        )
    except _TransportError as exc:
        raise _error(
            config,
            f"Twilio api API GET {_path(url)} failed with {exc.description} "
            f"after {exc.attempts} attempt(s)",
        ) from None
    if response.status_code >= 300:
        raise _error(config, error_line(response, "api"))
    return _json_body(response, config)


def get_sms(
    config: Mapping[str, t.Any], sid: str, *, account_sid: str | None = None
) -> dict[str, t.Any]:
    """Fetch one message (``GET /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json``).

    Args:
        config: The tap's config.
        sid: The message SID (SM... or MM...).
        account_sid: Account that owns it (default: the config's account_sid).

    Returns:
        The message, dates in ISO 8601.

    Raises:
        TwilioActionError: Unknown message (exit_code 1, Twilio's code 20404 in the
            message), other API errors (1) or a malformed SID (2).
    """
    validate_config(config)
    account = _account(config, account_sid)
    if not isinstance(sid, str) or not _SID.match(sid):
        raise TwilioActionError(
            f"message SID must be two letters (SM or MM) and 32 hex characters: {sid!r}",
            EXIT_USAGE,
        )
    url = _api_url(config, f"{API_VERSION}/Accounts/{account}/Messages/{sid}.json")
    with _session(config) as session:
        message = _get_json(config, session, url)
    if not isinstance(message, dict):
        raise _error(config, f"Twilio api API GET {_path(url)} answered without a message")
    return to_iso_dates(message)


def _day(value: str | dt.date | None, name: str) -> str | None:
    """A ``YYYY-MM-DD`` filter value, checked."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise TwilioActionError(
            f"{name} must be a date YYYY-MM-DD: {value!r}", EXIT_USAGE
        ) from None


def list_sms(
    config: Mapping[str, t.Any],
    *,
    to: str | None = None,
    from_: str | None = None,
    date_sent: str | dt.date | None = None,
    date_sent_after: str | dt.date | None = None,
    date_sent_before: str | dt.date | None = None,
    limit: int | None = None,
    page_size: int | None = None,
    account_sid: str | None = None,
) -> Iterator[dict[str, t.Any]]:
    """List messages (``GET /2010-04-01/Accounts/{sid}/Messages.json``), newest first.

    Pages through ``next_page_uri`` until ``limit`` messages have been yielded.

    Args:
        config: The tap's config.
        to: Only messages sent to this number (``To``).
        from_: Only messages sent from this number (``From``).
        date_sent: Only messages sent on this day, ``YYYY-MM-DD`` (``DateSent``).
        date_sent_after: Sent on or after this day (``DateSent>``).
        date_sent_before: Sent on or before this day (``DateSent<``).
        limit: Stop after this many messages (None: all).
        page_size: Messages per request, 1-1000 (default: up to 1000, at most ``limit``).
        account_sid: Account to list (default: the config's account_sid).

    Yields:
        Messages, dates in ISO 8601.

    Raises:
        TwilioActionError: API errors (exit_code 1) or bad arguments (2).
    """
    validate_config(config)
    account = _account(config, account_sid)
    if limit is not None and limit < 1:
        raise TwilioActionError("limit must be at least 1", EXIT_USAGE)
    if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
        raise TwilioActionError(f"page size must be 1-{MAX_PAGE_SIZE}", EXIT_USAGE)
    params: dict[str, t.Any] = {k: v for k, v in (("To", to), ("From", from_)) if v}
    for key, value, name in (
        ("DateSent", date_sent, "date_sent"),
        ("DateSent>", date_sent_after, "date_sent_after"),
        ("DateSent<", date_sent_before, "date_sent_before"),
    ):
        day = _day(value, name)
        if day:
            params[key] = day
    params["PageSize"] = page_size or min(limit or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    return _list_pages(config, account, params, limit)


def _list_pages(
    config: Mapping[str, t.Any], account: str, params: dict[str, t.Any], limit: int | None
) -> Iterator[dict[str, t.Any]]:
    base = product_url(config, "api")
    url: str | None = f"{base}{API_VERSION}/Accounts/{account}/Messages.json"
    query: dict[str, t.Any] | None = params
    count = 0
    seen: set[str] = set()
    with _session(config) as session:
        while url:
            page = _get_json(config, session, url, query)
            if not isinstance(page, dict) or not isinstance(page.get("messages"), list):
                raise _error(
                    config,
                    f"Twilio api API GET {_path(url)} answered without a 'messages' list; "
                    "is base_url pointing at a Twilio API?",
                )
            for message in page["messages"]:
                yield to_iso_dates(message)
                count += 1
                if limit is not None and count >= limit:
                    return
            next_uri = page.get("next_page_uri")
            if not next_uri or next_uri in seen:
                return
            seen.add(next_uri)
            url = next_uri if "://" in next_uri else base + next_uri
            _check_host(config, url, "api")
            query = None


# Raw request -------------------------------------------------------------------------------


def _allowed_hosts(config: Mapping[str, t.Any], product: str) -> set[tuple[str, int | None]]:
    hosts = set()
    for candidate in (config.get("base_url"), product_url(config, product)):
        if candidate:
            parsed = urlparse(str(candidate).replace("{product}", product))
            if parsed.hostname:
                hosts.add((parsed.hostname.lower(), parsed.port))
    return hosts


def _check_host(config: Mapping[str, t.Any], url: str, product: str) -> None:
    """Refuse URLs that would send the credentials anywhere but Twilio or base_url."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https") or not host:
        raise TwilioActionError(f"not an http(s) URL: {url!r}", EXIT_USAGE)
    if "@" in parsed.netloc or "\\" in url:
        raise TwilioActionError(
            "refusing a URL with user info or backslashes (credentials stay with Twilio)",
            EXIT_USAGE,
        )
    if (host, parsed.port) in _allowed_hosts(config, product):
        return
    if (host == "twilio.com" or host.endswith(".twilio.com")) and parsed.scheme == "https":
        return
    raise TwilioActionError(
        f"refusing to send Twilio credentials to {host}: only https://*.twilio.com and the "
        "configured base_url host are allowed",
        EXIT_USAGE,
    )


def resolve_url(config: Mapping[str, t.Any], url: str, product: str = "api") -> str:
    """Turn a raw-request URL into the absolute URL to call.

    A path (``/...``) is joined to the product's base URL (region, edge and base_url
    aware); for the ``api`` product a path without ``/2010-04-01`` gets it in front, as in
    Prismatic's Raw Request (``/Accounts/.../Messages.json``). ``{account_sid}`` and
    ``$TWILIO_ACCOUNT_SID`` are replaced by the config's account SID. A full URL is used as
    is only when its host is a Twilio host (``https://*.twilio.com``) or base_url's host.

    Args:
        config: The tap's config.
        url: A path or a full URL.
        product: Twilio product whose host serves a path: api, monitor, conversations, ...

    Returns:
        The absolute URL.

    Raises:
        TwilioActionError: The URL is refused or malformed (exit_code 2).
    """
    if not re.match(r"^[a-z][a-z0-9-]*$", product):
        raise TwilioActionError(f"product must be a Twilio product name: {product!r}", EXIT_USAGE)
    for placeholder in _PLACEHOLDERS:
        url = url.replace(placeholder, str(config["account_sid"]))
    if url.startswith("/") and not url.startswith("//"):
        path = url
        if product == "api" and not re.match(r"^/\d{4}-\d{2}-\d{2}(/|$)", path):
            path = API_VERSION + path
        url = product_url(config, product) + path
    elif "://" not in url:
        raise TwilioActionError(
            f"URL must be a path starting with / or a full https:// URL: {url!r}", EXIT_USAGE
        )
    _check_host(config, url, product)
    return url


def raw_request(
    config: Mapping[str, t.Any],
    method: str,
    url: str,
    *,
    product: str = "api",
    params: Mapping[str, t.Any] | Sequence[tuple[str, str]] | None = None,
    data: Mapping[str, t.Any] | Sequence[tuple[str, str]] | None = None,
    json_body: t.Any = None,
    headers: Mapping[str, str] | None = None,
    response_type: str = "json",
    timeout: float | None = None,
    retries: int = 0,
    retry_delay: float = 0.0,
    backoff: str = "fixed",
    retry_all_errors: bool = False,
) -> t.Any:
    """Send any request to Twilio with the config's credentials (Prismatic's Raw Request).

    Retries: GET, HEAD, PUT, DELETE and OPTIONS are retried on 429, 5xx and transport
    failures; POST and PATCH only on 429 (and failures to connect), since a repeated POST
    may act twice, unless ``retry_all_errors`` (then every method is retried on any error
    status or failure; the caller accepts the risk). The wait is ``retry_delay`` seconds
    (``backoff="fixed"``) or exponential with jitter (``"exponential"``); a 429's
    Retry-After is honoured when longer.

    Args:
        config: The tap's config.
        method: HTTP method.
        url: A path joined to the product's base URL, or a full Twilio URL (see
            :func:`resolve_url`).
        product: Twilio product for paths: api (default), monitor, conversations, ...
        params: Query parameters (pairs allow repeated keys).
        data: Form fields (``application/x-www-form-urlencoded``).
        json_body: A JSON body instead of ``data``.
        headers: Extra headers.
        response_type: ``json`` (decoded value; None for an empty body), ``text`` (str),
            ``binary`` (bytes) or ``response`` (the requests.Response).
        timeout: Seconds to wait for an answer (default: request_timeout).
        retries: Retries after the first attempt.
        retry_delay: Seconds between retries with ``backoff="fixed"``.
        backoff: ``fixed`` or ``exponential``.
        retry_all_errors: Retry any method on any error status or transport failure.

    Returns:
        The answer, shaped by ``response_type``.

    Raises:
        TwilioActionError: Error status (exit_code 1, Twilio's code and message), refused
            URL or bad arguments (2), or a POST/PATCH that may have been processed (3).
    """
    validate_config(config)
    method = method.upper()
    if method not in METHODS:
        raise TwilioActionError(f"method must be one of {', '.join(METHODS)}", EXIT_USAGE)
    if response_type not in (*RESPONSE_TYPES, "response"):
        raise TwilioActionError(
            f"response type must be one of {', '.join(RESPONSE_TYPES)}", EXIT_USAGE
        )
    if backoff not in ("fixed", "exponential"):
        raise TwilioActionError("backoff must be fixed or exponential", EXIT_USAGE)
    if retries < 0 or retry_delay < 0 or (timeout is not None and timeout <= 0):
        raise TwilioActionError("retries and retry delay must be >= 0, timeout > 0", EXIT_USAGE)
    if data and json_body is not None:
        raise TwilioActionError("give form data or a JSON body, not both", EXIT_USAGE)
    full_url = resolve_url(config, url, product)
    idempotent = method in IDEMPOTENT

    def on_status(status: int) -> bool:
        if retry_all_errors:
            return status >= 400
        return status == 429 or (idempotent and status >= 500)

    def wait(attempt: int, response: requests.Response | None) -> float:
        base = _exponential(attempt) if backoff == "exponential" else retry_delay
        asked = _retry_after(response) if response is not None else None
        return max(base, asked or 0.0)

    policy = _Policy(
        retries=retries,
        on_status=on_status,
        on_transport=idempotent or retry_all_errors,
        wait=wait,
    )
    seconds = float(timeout) if timeout else _timeout(config)
    where = f"Twilio {product} API {method} {_path(full_url)}"
    kwargs: dict[str, t.Any] = {"params": params, "headers": dict(headers or {})}
    if json_body is not None:
        kwargs["json"] = json_body
    elif data:
        kwargs["data"] = data
    with _session(config) as session:
        try:
            response = _request(
                session,
                method,
                full_url,
                policy,
                timeout=seconds,
                need_json=response_type == "json" and method != "HEAD",
                **kwargs,
            )
        except _TransportError as exc:
            if not idempotent and not exc.connect:
                raise _error(
                    config,
                    f"the request MAY have been processed: {where} failed with "
                    f"{exc.description}; not retried (a {method} may act twice; "
                    "--retry-all-errors retries it anyway)",
                    EXIT_AMBIGUOUS,
                ) from None
            raise _error(
                config,
                f"{where} failed with {exc.description} after {exc.attempts} attempt(s)",
            ) from None
        status = response.status_code
        if 300 <= status < 400:
            target = response.headers.get("Location", "?")
            raise _error(config, f"{where} redirected (HTTP {status}) to {target}; not followed")
        if status >= 400:
            line = error_line(response, product)
            if status >= 500 and not idempotent and not retry_all_errors:
                raise _error(
                    config,
                    f"the request MAY have been processed: {line}; not retried (a {method} "
                    "may act twice; --retry-all-errors retries it anyway)",
                    EXIT_AMBIGUOUS,
                )
            raise _error(config, line)
        if response_type == "response":
            return response
        if response_type == "binary":
            return response.content
        if response_type == "text":
            return response.text
        if not response.content or method == "HEAD":
            return None
        return response.json()


# Command line ------------------------------------------------------------------------------


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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _non_negative(kind: type) -> Callable[[str], t.Any]:
    def parse(text: str) -> t.Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
        return value

    return parse


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
        "--media-url", action="append", default=[], metavar="URL", help="media (repeatable)"
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
    raw.add_argument("--timeout", type=_non_negative(float), metavar="S")
    raw.add_argument("--retries", type=_non_negative(int), default=0, metavar="N")
    raw.add_argument("--retry-delay", type=_non_negative(float), default=0.0, metavar="S")
    raw.add_argument("--backoff", choices=("fixed", "exponential"), default="fixed")
    raw.add_argument(
        "--retry-all-errors",
        action="store_true",
        help="retry every method on any error, POST and PATCH included (may act twice)",
    )
    return parser


def _dump(value: t.Any, config: Mapping[str, t.Any], *, pretty: bool = False) -> str:
    text = json.dumps(_redact_fields(value), indent=2 if pretty else None, default=str)
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
        _account(config, args.account_sid)
    if args.command == "send-sms":
        message = send_sms(
            config,
            to=args.to,
            body=args.body,
            from_=args.from_,
            messaging_service_sid=args.messaging_service_sid,
            media_urls=args.media_url,
            status_callback=args.status_callback,
            account_sid=args.account_sid,
        )
        _write_line(_dump(message, config))
    elif args.command == "get-sms":
        _write_line(_dump(get_sms(config, args.sid, account_sid=args.account_sid), config))
    elif args.command == "list-sms":
        for message in list_sms(
            config,
            to=args.to,
            from_=args.from_,
            date_sent=args.date_sent,
            date_sent_after=args.date_sent_after,
            date_sent_before=args.date_sent_before,
            limit=args.limit,
            page_size=args.page_size,
            account_sid=args.account_sid,
        ):
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
        for placeholder in _PLACEHOLDERS:
            url = url.replace(placeholder, args.account_sid)
    result = raw_request(
        config,
        args.method,
        url,
        product=args.product,
        params=args.param,
        data=args.data,
        json_body=json_body,
        headers=dict(args.header),
        response_type=args.response_type,
        timeout=args.timeout,
        retries=args.retries,
        retry_delay=args.retry_delay,
        backoff=args.backoff,
        retry_all_errors=args.retry_all_errors,
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
        try:
            config_secrets = json.loads(Path(args.config).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config_secrets = {}
        if not isinstance(config_secrets, dict):
            config_secrets = {}
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


def _fail(line: str) -> None:
    sys.stderr.write(f"{PROG}: error: {' '.join(line.split())}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
