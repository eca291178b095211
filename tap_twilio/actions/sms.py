"""Send, get and list SMS: ``client.messages.create / fetch / page`` of the twilio package.

The twilio package builds the requests; the JSON printed is Twilio's answer as it came
(dates in ISO 8601), not the package's ``MessageInstance``, so the output keeps every field
Twilio sends, in Twilio's names.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from urllib.parse import urlsplit

from twilio.base.exceptions import TwilioException, TwilioRestException

from tap_twilio.actions.common import (
    EXIT_AMBIGUOUS,
    EXIT_USAGE,
    PROG,
    SID,
    TwilioActionError,
    account,
    error,
    to_iso_dates,
    validate_config,
)
from tap_twilio.actions.transport import (
    ActionsHttpClient,
    TransportError,
    read_policy,
    send_policy,
    twilio_client,
)
from tap_twilio.api.errors import error_line

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from twilio.rest import Client

#: Largest PageSize of the Messages list.
MAX_PAGE_SIZE = 1000


def _http(client: Client) -> ActionsHttpClient:
    return t.cast("ActionsHttpClient", client.http_client)


def _answer(client: Client) -> t.Any:
    """The JSON of the last answer (the twilio package has checked its status)."""
    response = _http(client).last_response
    return response.json() if response is not None and response.content else None


def _where(client: Client) -> str:
    """``METHOD /path`` of the last request answered."""
    response = _http(client).last_response
    if response is None:
        return "GET"
    return f"{response.request.method} {urlsplit(str(response.request.url)).path}"


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
    """Send an SMS/MMS message (``client.messages.create``, one POST to Messages.json).

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
    sid = account(config, account_sid)
    if not to:
        raise TwilioActionError("send-sms needs a recipient (to)", EXIT_USAGE)
    if bool(from_) == bool(messaging_service_sid):
        raise TwilioActionError(
            "send-sms needs exactly one of from (a phone number) or messaging_service_sid",
            EXIT_USAGE,
        )
    if not body and not media_urls:
        raise TwilioActionError("send-sms needs a body or a media URL", EXIT_USAGE)
    given = {
        "from_": from_,
        "messaging_service_sid": messaging_service_sid,
        "body": body,
        "media_url": list(media_urls),
        "status_callback": status_callback,
    }
    fields = {"to": to, **{name: value for name, value in given.items() if value}}
    policy = send_policy(config)
    client = twilio_client(config, policy)
    check = f"check with `{PROG} list-sms --to {to}` before sending again"
    try:
        client.api.v2010.accounts(sid).messages.create(**fields)
    except TransportError as exc:
        if exc.connect:
            raise error(
                config,
                f"message not sent: {exc.where} failed with {exc.description} "
                f"after {exc.attempts} attempt(s)",
            ) from None
        raise error(
            config,
            f"the message MAY have been sent: {exc.where} failed with {exc.description}; "
            f"it was not retried so it cannot be sent twice; {check}",
            EXIT_AMBIGUOUS,
        ) from None
    except TwilioRestException as exc:
        line = error_line(t.cast("t.Any", _http(client).last_response), "api")
        if exc.status >= 500:
            raise error(
                config,
                f"the message MAY have been sent: {line}; it was not retried so it cannot be "
                f"sent twice; {check}",
                EXIT_AMBIGUOUS,
            ) from None
        if exc.status == 429:
            raise error(
                config,
                f"message not sent: {line} "
                f"(still rate limited after {policy.retries + 1} attempt(s))",
            ) from None
        raise error(config, f"message not sent: {line}") from None
    finally:
        _http(client).close()
    message = _answer(client)
    if not isinstance(message, dict) or not message.get("sid"):
        status = t.cast("t.Any", _http(client).last_response).status_code
        raise error(
            config,
            f"the message MAY have been sent: {_where(client)} answered HTTP {status} without "
            f"a message SID; {check}",
            EXIT_AMBIGUOUS,
        )
    return to_iso_dates(message)


def _read(config: Mapping[str, t.Any], client: Client, call: Callable[[], t.Any]) -> t.Any:
    """Run one read of the twilio package; errors become one-line TwilioActionErrors."""
    try:
        return call()
    except TransportError as exc:
        raise error(
            config,
            f"Twilio api API {exc.where} failed with {exc.description} "
            f"after {exc.attempts} attempt(s)",
        ) from None
    except TwilioException:
        response = _http(client).last_response
        if response is not None and response.status_code >= 300:
            raise error(config, error_line(response, "api")) from None
        raise _not_a_list(config, client) from None


def _not_a_list(config: Mapping[str, t.Any], client: Client) -> Exception:
    return error(
        config,
        f"Twilio api API {_where(client)} answered without a 'messages' list; "
        "is base_url pointing at a Twilio API?",
    )


def get_sms(
    config: Mapping[str, t.Any], sid: str, *, account_sid: str | None = None
) -> dict[str, t.Any]:
    """Fetch one message (``client.messages(sid).fetch()``).

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
    owner = account(config, account_sid)
    if not isinstance(sid, str) or not SID.match(sid):
        raise TwilioActionError(
            f"message SID must be two letters (SM or MM) and 32 hex characters: {sid!r}",
            EXIT_USAGE,
        )
    client = twilio_client(config, read_policy(config))
    try:
        _read(config, client, client.api.v2010.accounts(owner).messages(sid).fetch)
    finally:
        _http(client).close()
    message = _answer(client)
    if not isinstance(message, dict):
        raise error(config, f"Twilio api API {_where(client)} answered without a message")
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
    """List messages (``client.messages.page`` and ``next_page``), newest first.

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
    owner = account(config, account_sid)
    if limit is not None and limit < 1:
        raise TwilioActionError("limit must be at least 1", EXIT_USAGE)
    if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
        raise TwilioActionError(f"page size must be 1-{MAX_PAGE_SIZE}", EXIT_USAGE)
    filters: dict[str, t.Any] = {k: v for k, v in (("to", to), ("from_", from_)) if v}
    for name, value in (
        ("date_sent", date_sent),
        ("date_sent_after", date_sent_after),
        ("date_sent_before", date_sent_before),
    ):
        day = _day(value, name)
        if day:
            filters[name] = day  # sent as given: DateSent, DateSent>, DateSent<
    filters["page_size"] = page_size or min(limit or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    return _list_pages(config, owner, filters, limit)


def _list_pages(
    config: Mapping[str, t.Any], owner: str, filters: dict[str, t.Any], limit: int | None
) -> Iterator[dict[str, t.Any]]:
    client = twilio_client(config, read_policy(config))
    count = 0
    seen: set[str] = set()
    try:
        messages = client.api.v2010.accounts(owner).messages
        page = _read(config, client, lambda: messages.page(**filters))
        while page is not None:
            answer = _answer(client)
            if not isinstance(answer, dict) or not isinstance(answer.get("messages"), list):
                raise _not_a_list(config, client)
            for message in answer["messages"]:
                yield to_iso_dates(message)
                count += 1
                if limit is not None and count >= limit:
                    return
            next_url = page.next_page_url
            if not next_url or next_url in seen:
                return
            seen.add(next_url)
            page = _read(config, client, page.next_page)
    finally:
        _http(client).close()
