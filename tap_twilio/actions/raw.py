"""Raw requests (Prismatic's "Raw Request"): ``client.request`` of the twilio package.

A path is joined to the product's base URL (region, edge and base_url aware); a full URL
must be on a Twilio host (``https://*.twilio.com``) or base_url's host, so the credentials
never go anywhere else. Reads are retried; a POST or PATCH only when Twilio certainly did
not process it, unless the caller asks for every retry (``retry_all_errors``).
"""

from __future__ import annotations

import json
import re
import typing as t
from urllib.parse import urlparse, urlsplit

from tap_twilio.actions import transport
from tap_twilio.actions.common import (
    API_VERSION,
    EXIT_AMBIGUOUS,
    EXIT_USAGE,
    TwilioActionError,
    error,
    validate_config,
)
from tap_twilio.actions.transport import Policy, TransportError, twilio_client
from tap_twilio.api import retry
from tap_twilio.api.errors import error_line
from tap_twilio.api.settings import product_url

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import requests

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Methods that may be repeated without changing the result.
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RESPONSE_TYPES = ("json", "text", "binary")
PLACEHOLDERS = ("{account_sid}", "{AccountSid}", "$TWILIO_ACCOUNT_SID")


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
    for placeholder in PLACEHOLDERS:
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
        base = retry.exponential(attempt) if backoff == "exponential" else retry_delay
        asked = retry.retry_after(response)
        return max(base, asked or 0.0)

    policy = Policy(
        retries=retries,
        on_status=on_status,
        on_transport=idempotent or retry_all_errors,
        wait=wait,
        need_json=response_type == "json" and method != "HEAD",
    )
    seconds = float(timeout) if timeout else transport.timeout(config)
    where = f"Twilio {product} API {method} {urlsplit(full_url).path}"
    request_headers = dict(headers or {})
    body: t.Any = data or None
    if json_body is not None:
        request_headers["Content-Type"] = "application/json"
        body = json.dumps(json_body)  # as is: twilio drops None values from dicts
    client = twilio_client(config, policy)
    try:
        answer = client.request(
            method,
            full_url,
            params=t.cast("t.Any", params),
            data=body,
            headers=request_headers,
            timeout=seconds,
        )
    except TransportError as exc:
        if not idempotent and not exc.connect:
            raise error(
                config,
                f"the request MAY have been processed: {where} failed with "
                f"{exc.description}; not retried (a {method} may act twice; "
                "--retry-all-errors retries it anyway)",
                EXIT_AMBIGUOUS,
            ) from None
        raise error(
            config,
            f"{where} failed with {exc.description} after {exc.attempts} attempt(s)",
        ) from None
    finally:
        t.cast("t.Any", client.http_client).close()
    response: requests.Response = t.cast("t.Any", answer).raw
    status = response.status_code
    if 300 <= status < 400:
        target = response.headers.get("Location", "?")
        raise error(config, f"{where} redirected (HTTP {status}) to {target}; not followed")
    if status >= 400:
        line = error_line(response, product)
        if status >= 500 and not idempotent and not retry_all_errors:
            raise error(
                config,
                f"the request MAY have been processed: {line}; not retried (a {method} "
                "may act twice; --retry-all-errors retries it anyway)",
                EXIT_AMBIGUOUS,
            )
        raise error(config, line)
    if response_type == "response":
        return response
    if response_type == "binary":
        return response.content
    if response_type == "text":
        return response.text
    if not response.content or method == "HEAD":
        return None
    return response.json()
