"""Requests, responses and Twilio's error bodies of the transport-free API (``routes``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

JSON_TYPE = "application/json; charset=utf-8"


# --------------------------------------------------------------------------- request / response


@dataclass
class Principal:
    """Who is calling: the account the credentials belong to."""

    account_sid: str
    is_main: bool
    username: str


@dataclass
class Request:
    """A parsed request."""

    method: str
    product: str
    path: str  # Twilio path (without the /{product} prefix)
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    principal: Principal
    base_for: Callable[[str], str]  # product -> absolute base URL of that product


@dataclass
class Response:
    """A response to send."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)


class ApiError(Exception):
    """An error rendered as a Twilio JSON error body."""

    def __init__(
        self, status: int, code: int, message: str, headers: list[tuple[str, str]] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or []


def error_body(status: int, code: int, message: str) -> bytes:
    """Twilio's error JSON."""
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    ).encode()


def error_response(err: ApiError) -> Response:
    """Render an ApiError."""
    return Response(err.status, error_body(err.status, err.code, err.message), headers=err.headers)


def not_found(product: str, path: str) -> ApiError:
    """404 with Twilio's message (product paths are version-relative)."""
    shown = path
    if product != "api":
        m = re.match(r"^/v\d+(/.*)$", path)
        shown = m.group(1) if m else path
    return ApiError(404, 20404, f"The requested resource {shown} was not found")


def account_not_active() -> ApiError:
    """401/20005 "Account not active" (https://www.twilio.com/docs/api/errors/20005).

    Answers every request for a suspended or closed account, or one refused by
    ``Sandbox.refuse_account``.
    """
    return ApiError(401, 20005, "Account not active")


def invalid(message: str, code: int = 20001) -> ApiError:
    """400 for a bad parameter."""
    return ApiError(400, code, message)
