"""Twilio errors as one line for the user; transport failures described once.

Used by the streams, the custom streams, the actions and the CLI's one error exit.
"""

from __future__ import annotations

import re
import ssl
from urllib.parse import urlparse

import requests
from singer_sdk.exceptions import FatalAPIError
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError


class TwilioAPIError(FatalAPIError):
    """A Twilio error that stops the sync; its message is one line meant for the user."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class AccountRefusedError(TwilioAPIError):
    """Twilio refused an account (HTTP 401: e.g. 20005 "Account not active").

    For a subaccount the account is skipped; for the configured account it ends the run.
    """


class ProductUnavailableError(TwilioAPIError):
    """The credentials may not use a whole Twilio product (403, or 404 on its root list)."""


def where(response: requests.Response, product: str) -> str:
    """``Twilio <product> API <METHOD> <path>`` for messages about a response."""
    path = urlparse(str(response.request.url)).path
    return f"Twilio {product} API {response.request.method!s} {path}"


def error_line(response: requests.Response, product: str) -> str:
    """One line naming the request and Twilio's error code and message (never a secret)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = message = None
    if isinstance(body, dict):
        code, message = body.get("code"), body.get("message")
    if message is None:
        text = response.text or ""
        if "<" in text and ">" in text:  # an HTML error page from a proxy or load balancer
            title = re.search(r"(?is)<title>(.*?)</title>", text)
            text = title.group(1) if title else re.sub(r"<[^>]*>", " ", text)
        text = " ".join(text.split())
        message = text[:120] or response.reason or "no body"
    hint = _HINTS.get(response.status_code, "")
    code_text = f" code {code}" if code is not None else ""
    return (
        f"{where(response, product)} failed: HTTP {response.status_code}{code_text}: "
        f"{message}{hint}"
    )


def transport_error_line(exc: requests.RequestException) -> str:
    """One line for a request that got no usable response (connection, timeout, body)."""
    request = exc.request
    target = "Twilio API request"
    if request is not None and request.url:
        target = f"Twilio API {request.method!s} {urlparse(str(request.url)).path}"
    return f"{target} failed: {describe_transport_error(exc)}"


def is_connect_failure(exc: BaseException) -> bool:
    """True when the request never reached the server (so it was certainly not processed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(
        exc, requests.exceptions.ChunkedEncodingError
    ):
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, MaxRetryError):
            return isinstance(cause.reason, ConnectTimeoutError)
    return False


def describe_transport_error(exc: BaseException, timeout: float | None = None) -> str:
    """A short name for a transport failure (timeout: the seconds allowed, if known)."""
    within = f"within {timeout:g} s" if timeout is not None else "within request_timeout"
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection {within}"
    if isinstance(exc, requests.ReadTimeout):
        return f"a timeout (no answer {within})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "a truncated response (the connection closed mid-body)"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "an unreadable response body"
    cause = _root_cause(exc)
    text = " ".join(str(cause).split())
    if "Max retries exceeded" in text:
        text = ""
    detail = type(cause).__name__ + (f": {text[:120]}" if text else "")
    if is_connect_failure(exc):
        return f"a failed connection ({detail})"
    return f"a dropped connection ({detail})"


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception wrapped by requests/urllib3 (``reason`` or an argument)."""
    seen = {id(exc)}
    cause = exc
    while True:
        inner = getattr(cause, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((a for a in cause.args if isinstance(a, BaseException)), None)
        if inner is None or id(inner) in seen:
            return cause
        seen.add(id(inner))
        cause = inner


class UntrustedCertificateError(FatalAPIError):
    """Twilio's (or a proxy's) TLS certificate failed verification: retrying cannot help."""


def untrusted_certificate(exc: BaseException, url: str) -> UntrustedCertificateError | None:
    """The fatal error for a request whose TLS certificate was not trusted, else None."""
    cause = _root_cause(exc)
    if not isinstance(cause, ssl.SSLCertVerificationError):
        return None
    host = urlparse(url).hostname or url
    reason = cause.verify_message or "certificate verify failed"
    return UntrustedCertificateError(
        f"TLS certificate of {host} not trusted (certificate verify failed: {reason}); a "
        "proxy that inspects TLS needs its CA in a bundle named by REQUESTS_CA_BUNDLE"
    )


_HINTS = {
    401: " (check account_sid and auth_token, or api_key_sid and api_key_secret)",
    403: " (these credentials may not use this product or resource)",
}


def short_error(exc: BaseException | None) -> str:
    """The first line of an exception's message (for retry warnings)."""
    if exc is None:
        return "unknown error"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
