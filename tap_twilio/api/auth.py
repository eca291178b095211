"""Credentials: the configured auth token or API key, and each subaccount's own.

Product APIs answer with the data of the account whose credentials are sent, so a
subaccount's products are read with the auth token ``Accounts.json`` lists for it (kept in
memory only, never emitted or logged).
"""

from __future__ import annotations

import base64
import typing as t

import requests
from requests.auth import HTTPBasicAuth


class TwilioAuth(requests.auth.AuthBase):
    """HTTP Basic with the configured credentials, unless a request carries an account's own."""

    def __init__(self, default: HTTPBasicAuth) -> None:
        self.default = default

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the Authorization header."""
        if "Authorization" in request.headers:
            return request
        return self.default(request)


def basic_auth(config: t.Mapping[str, t.Any]) -> HTTPBasicAuth:
    """HTTP Basic credentials: the API key when configured, else account SID and token."""
    if config.get("api_key_sid"):
        return HTTPBasicAuth(config["api_key_sid"], config["api_key_secret"])
    return HTTPBasicAuth(config["account_sid"], config["auth_token"])


def basic_header(auth: HTTPBasicAuth) -> str:
    """The ``Authorization`` header value of Basic credentials."""
    raw = f"{auth.username!s}:{auth.password!s}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")
