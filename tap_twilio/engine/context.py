"""What the streams of one tap run share, in one typed object owned by the tap.

``TapTwilio.run`` holds it; streams reach it through :func:`run_of`. Nothing of a run is
kept in ``Tap.__dict__`` under string keys.
"""

from __future__ import annotations

import os
import typing as t
import urllib.request
from dataclasses import dataclass, field
from functools import cached_property

import requests
import requests.adapters
from requests.auth import HTTPBasicAuth

from tap_twilio.api.http import Transport
from tap_twilio.engine.fetcher import Fetcher

if t.TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass
class RunContext:
    """The fetcher, HTTP session, subaccount credentials and skip lists of one run."""

    config: Mapping[str, t.Any]
    #: Subaccounts' auth tokens as ``Accounts.json`` lists them (memory only, never emitted).
    account_tokens: dict[str, str] = field(default_factory=dict)
    #: (product, account) pairs Twilio refused (403, or 404 on the product's first list).
    skipped_products: set[tuple[str, str | None]] = field(default_factory=set)
    #: Subaccounts that answered 401, with Twilio's answer: the rest of their lists are
    #: not read (the fetcher notes a refusal as soon as it arrives, before any is emitted).
    refused_accounts: dict[str, str] = field(default_factory=dict)
    #: Refused subaccounts already named in a warning (one each).
    refusals_reported: set[str] = field(default_factory=set)

    def refused(self, account: str | None, answer: str) -> None:
        """Note that Twilio refused a subaccount (never the main account: that ends the run)."""
        if account and account != self.config.get("account_sid"):
            self.refused_accounts.setdefault(account, answer)

    @cached_property
    def fetcher(self) -> Fetcher:
        """The shared page fetcher (parallel when max_concurrent_requests > 1)."""
        return Fetcher(int(self.config.get("max_concurrent_requests", 32)))

    @cached_property
    def session(self) -> requests.Session:
        """One HTTP session for every request, its pool as large as the requests in flight."""
        session = requests.Session()
        proxies = urllib.request.getproxies()
        if "no" not in proxies:
            # Resolve proxy and CA settings from the environment once, not per request
            # (requests re-reads the environment on every send otherwise). With a
            # NO_PROXY list requests must decide per URL, so it keeps doing that.
            session.proxies.update(proxies)
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                session.verify = bundle
            session.trust_env = False
        size = self.fetcher.max_concurrency + 2
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    @cached_property
    def transport(self) -> Transport | None:
        """The pools list pages are sent on (``api.http``), sharing the session's size.

        None when the environment names a proxy: ``requests`` (``session``) applies it.
        """
        proxies = {k: v for k, v in urllib.request.getproxies().items() if k != "no"}
        if proxies:
            return None
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        transport = Transport(maxsize=self.fetcher.max_concurrency + 2, ca_bundle=bundle)
        transport.fallback = self.session  # redirects, if Twilio ever answers one
        return transport

    def remember_token(self, sid: str | None, token: str | None) -> None:
        """Keep a subaccount's auth token for its product API requests."""
        if sid and token:
            self.account_tokens[sid] = token

    def credentials(self, account: str | None) -> HTTPBasicAuth | None:
        """Credentials that read an account's product data; None when the run has none."""
        from tap_twilio.api.auth import basic_auth

        if account is None or account == self.config["account_sid"]:
            return basic_auth(self.config)
        token = self.account_tokens.get(account)
        return HTTPBasicAuth(account, token) if token else None


def run_of(tap: t.Any) -> RunContext:
    """The run context of a tap (``TapTwilio.run``)."""
    return t.cast("RunContext", tap.run)
