"""The HTTP client the actions give the official ``twilio`` package.

``twilio.rest.Client`` builds every request (URLs, parameter names, regions and edges,
paging) and hands it to an ``HttpClient``. Its default, ``TwilioHttpClient``, leaves
retries to requests and urllib3 (``max_retries``); this one decides every retry itself,
per request, so that a POST is never sent again once it may have reached Twilio:

* a failure to connect (the request never left) is retried, up to the policy's limit;
* a 429 is retried (Twilio did not process the request), waiting Retry-After;
* anything else after the request was sent (timeout, dropped connection, truncated answer,
  5xx) is retried only when the policy says so: reads yes, a send never.

Its requests sessions keep requests' default adapters (``max_retries=0``, no read
retries): nothing is retried behind its back. The waits are :mod:`tap_twilio.api.retry`'s.
"""

from __future__ import annotations

import logging
import time
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from tap_twilio.actions.common import PROG
from tap_twilio.api import retry
from tap_twilio.api.auth import basic_auth
from tap_twilio.api.errors import describe_transport_error, is_connect_failure

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 8
TWILIO_DOMAIN = ".twilio.com"


@dataclass
class Policy:
    """When to retry one request.

    Attributes:
        retries: Extra attempts allowed after the first.
        on_status: Whether a response status is retried.
        on_transport: Whether ambiguous transport failures (read timeout, dropped
            connection, truncated or non-JSON answer) are retried. Failures to connect are
            always retried: the server never saw the request.
        wait: Seconds to sleep before retry ``attempt`` (0-based), given the response.
        need_json: A 2xx answer must be JSON (else it is a truncated answer).
    """

    retries: int
    on_status: Callable[[int], bool]
    on_transport: bool
    wait: Callable[[int, requests.Response | None], float] = retry.wait_before_retry
    need_json: bool = False


def read_policy(config: Mapping[str, t.Any]) -> Policy:
    """Reads are safe to repeat: retry 429, 5xx and transport failures."""
    return Policy(
        retries=max_retries(config),
        on_status=lambda s: s == 429 or s >= 500,
        on_transport=True,
        need_json=True,
    )


def send_policy(config: Mapping[str, t.Any]) -> Policy:
    """A send is retried only when Twilio certainly did not process it (429, no connection)."""
    return Policy(
        retries=max_retries(config), on_status=lambda s: s == 429, on_transport=False,
        need_json=True,
    )  # fmt: skip


class TransportError(Exception):
    """The request failed without a usable answer (possibly after it was processed)."""

    def __init__(
        self, description: str, *, connect: bool, attempts: int, method: str, url: str
    ) -> None:
        super().__init__(description)
        self.description = description
        self.connect = connect
        self.attempts = attempts
        self.where = f"{method} {urlsplit(url).path}"


class ActionResponse(Response):
    """twilio's response, with the requests response it came from (bytes, JSON, URL)."""

    def __init__(self, raw: requests.Response) -> None:
        super().__init__(raw.status_code, raw.text, raw.headers)
        self.raw = raw


def timeout(config: Mapping[str, t.Any]) -> float:
    """Seconds to wait for an answer (``request_timeout``)."""
    return float(config.get("request_timeout") or DEFAULT_TIMEOUT)


def max_retries(config: Mapping[str, t.Any]) -> int:
    """Retries allowed after the first attempt (``max_retries``)."""
    value = config.get("max_retries")
    return DEFAULT_MAX_RETRIES if value is None else int(value)


def _sleep(seconds: float) -> None:
    """Wait before a retry (tests replace this)."""
    time.sleep(seconds)


class ActionsHttpClient(HttpClient):
    """The ``HttpClient`` of the actions' twilio ``Client``: one policy, no hidden retries."""

    def __init__(self, config: Mapping[str, t.Any], policy: Policy) -> None:
        super().__init__(logging.getLogger("tap_twilio.actions"), False, timeout(config))
        self.config = config
        self.policy = policy
        self.session = requests.Session()
        self.last_response: requests.Response | None = None

    def request(
        self,
        method: str,
        uri: str,
        params: t.Any = None,
        data: t.Any = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,  # never followed: a redirect is reported
    ) -> ActionResponse:
        """Send one request as the policy allows; any status is returned.

        Raises:
            TransportError: No usable answer.
        """
        headers = dict(headers or {})
        if self.config.get("user_agent"):
            headers["User-Agent"] = str(self.config["user_agent"])
        kwargs: dict[str, t.Any] = {"params": params, "headers": headers, "auth": auth}
        json_type = headers.get("Content-Type", "").startswith("application/json")
        kwargs["json" if json_type and not isinstance(data, (str, bytes)) else "data"] = data
        response = send(
            self.session,
            method,
            self.resolve(uri),
            self.policy,
            timeout=timeout or self.timeout or DEFAULT_TIMEOUT,
            **kwargs,
        )
        self.last_response = response
        return ActionResponse(response)

    def resolve(self, uri: str) -> str:
        """A Twilio URL, moved to the configured ``base_url`` (``{product}`` filled in)."""
        base_url = self.config.get("base_url")
        split = urlsplit(uri)
        host = (split.hostname or "").lower()
        if not base_url or not host.endswith(TWILIO_DOMAIN):
            return uri
        product = host.split(".", 1)[0]
        base = urlsplit(str(base_url).rstrip("/").replace("{product}", product))
        return urlunsplit(
            (base.scheme, base.netloc, base.path + split.path, split.query, split.fragment)
        )

    def close(self) -> None:
        """Close the connections."""
        self.session.close()


def twilio_client(config: Mapping[str, t.Any], policy: Policy) -> Client:
    """A twilio ``Client`` for the config (credentials, region, edge, base_url).

    Its ``http_client`` is an :class:`ActionsHttpClient`; nothing is read from the
    ``TWILIO_*`` environment variables the package would otherwise consult.
    """
    auth = basic_auth(config)
    client = Client(
        username=auth.username,
        password=auth.password,
        account_sid=config["account_sid"],
        http_client=ActionsHttpClient(config, policy),
        user_agent_extensions=[PROG],
    )
    # twilio puts the edge and region in Twilio host names (product.edge.region.twilio.com,
    # region us1 when only an edge is given); base_url, when set, replaces the host instead.
    client.region = None if config.get("base_url") else config.get("region")
    client.edge = None if config.get("base_url") else config.get("edge")
    return client


def send(
    session: requests.Session,
    method: str,
    url: str,
    policy: Policy,
    *,
    timeout: float,
    **kwargs: t.Any,
) -> requests.Response:
    """Send one request, retrying as ``policy`` allows.

    Returns:
        The last response (any status; the caller judges it).

    Raises:
        TransportError: No usable answer.
    """
    attempt = 0
    while True:
        failure: TransportError | None = None
        response: requests.Response | None = None
        try:
            response = session.request(
                method, url, timeout=timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            failure = TransportError(
                describe_transport_error(exc, timeout),
                connect=is_connect_failure(exc),
                attempts=attempt + 1,
                method=method,
                url=url,
            )
        else:
            failure = _unreadable(response, policy, attempt)
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


def _unreadable(response: requests.Response, policy: Policy, attempt: int) -> TransportError | None:
    """A 2xx whose body should be JSON and is not: the answer was cut off."""
    if not (policy.need_json and 200 <= response.status_code < 300 and response.content):
        return None
    try:
        response.json()
    except ValueError:
        return TransportError(
            f"a truncated or unreadable answer (HTTP {response.status_code}, body is not JSON)",
            connect=False,
            attempts=attempt + 1,
            method=str(response.request.method),
            url=str(response.request.url),
        )
    return None
