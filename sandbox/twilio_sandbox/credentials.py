"""Deterministic credentials of the sandbox's accounts (derived from the seed)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass

# --------------------------------------------------------------------------- credentials


def _digest(seed: int, *parts: str) -> str:
    raw = f"tap-twilio-sandbox:{seed}:" + ":".join(parts)
    return hashlib.sha256(raw.encode()).hexdigest()


def derive_sid(seed: int, prefix: str, *parts: str) -> str:
    """A stable SID: 2-letter prefix + 32 lowercase hex derived from seed and parts."""
    return prefix + _digest(seed, prefix, *parts)[:32]


def derive_secret(seed: int, *parts: str) -> str:
    """A stable 32-char alphanumeric secret (API key secrets are not hex)."""
    alphabet = string.ascii_letters + string.digits
    num = int(_digest(seed, "secret", *parts), 16)
    out = []
    for _ in range(32):
        num, rem = divmod(num, len(alphabet))
        out.append(alphabet[rem])
    return "".join(out)


@dataclass(frozen=True)
class Credentials:
    """Fixed, obviously fake credentials of one sandbox organisation."""

    account_sid: str
    auth_token: str
    api_key_sid: str
    api_key_secret: str
    subaccounts: tuple[tuple[str, str], ...]  # (sid, auth token)


def account_credentials(seed: int, label: str) -> tuple[str, str]:
    """(SID, auth token) of the subaccount labelled ``label``."""
    return derive_sid(seed, "AC", label), _digest(seed, "token", label)[:32]


def credentials_for(seed: int) -> Credentials:
    """Credentials of the organisation generated from ``seed``."""
    return Credentials(
        account_sid=derive_sid(seed, "AC", "main"),
        auth_token=_digest(seed, "token", "main")[:32],
        api_key_sid=derive_sid(seed, "SK", "main", "api-key"),
        api_key_secret=derive_secret(seed, "main", "api-key"),
        subaccounts=tuple(account_credentials(seed, label) for label in ("sub_a", "sub_b")),
    )


_DEFAULT = credentials_for(0)
SANDBOX_ACCOUNT_SID = _DEFAULT.account_sid
SANDBOX_AUTH_TOKEN = _DEFAULT.auth_token
SANDBOX_API_KEY_SID = _DEFAULT.api_key_sid
SANDBOX_API_KEY_SECRET = _DEFAULT.api_key_secret
