"""Local Twilio sandbox: a deterministic synthetic Twilio organisation served over HTTP.

Used by the tap's tests, the README quick start, benchmarks and pipeline tests::

    from twilio_sandbox import Sandbox

    with Sandbox(seed=0) as sb:
        config = sb.tap_config()          # account_sid, auth_token, base_url
        messages = sb.expected("messages", sb.account_sid)

Or from a shell: ``python -m twilio_sandbox --port 8790 --write-config sandbox-config.json``.
Only the Python standard library is used.
"""

from __future__ import annotations

from twilio_sandbox.credentials import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_API_KEY_SECRET,
    SANDBOX_API_KEY_SID,
    SANDBOX_AUTH_TOKEN,
    credentials_for,
)
from twilio_sandbox.faults import FAULT_KINDS, Faults
from twilio_sandbox.http_server import RequestRecord
from twilio_sandbox.registry import PRODUCTS, REGISTRY
from twilio_sandbox.server import TLS_CERT, Sandbox

__all__ = [
    "FAULT_KINDS",
    "PRODUCTS",
    "REGISTRY",
    "SANDBOX_ACCOUNT_SID",
    "SANDBOX_API_KEY_SECRET",
    "SANDBOX_API_KEY_SID",
    "SANDBOX_AUTH_TOKEN",
    "TLS_CERT",
    "Faults",
    "RequestRecord",
    "Sandbox",
    "credentials_for",
]
