"""The account context and the basics of the record generator."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from twilio_sandbox import fleet
from twilio_sandbox.credentials import account_credentials, credentials_for
from twilio_sandbox.formats import DAY
from twilio_sandbox.generators.common import (
    ACCOUNT_LABELS,
    FLEET_PREFIX,
    INACTIVE_ACCOUNTS,
    PROFILES,
)
from twilio_sandbox.store import Store

# --------------------------------------------------------------------------- account context


@dataclass
class AccountCtx:
    """Everything generation needs to know about one account."""

    label: str
    sid: str
    auth_token: str
    created: int
    lo: int  # activity window start (epoch)
    hi: int  # activity window end (epoch)
    profile: dict[str, Any]
    status: str = "active"  # active | suspended | closed
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (phone number, PN sid)
    messaging_service_sid: str = ""
    conversation_service_sid: str = ""  # the account's default Conversation Service
    call_pool: list[dict[str, Any]] = field(default_factory=list)
    recording_pool: list[dict[str, Any]] = field(default_factory=list)
    conference_pool: list[dict[str, Any]] = field(default_factory=list)
    application_sids: list[str] = field(default_factory=list)
    address_sids: list[str] = field(default_factory=list)
    # usage counters: day start -> category -> [count, usage, price]
    usage: dict[int, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0.0, 0.0]))
    )

    @property
    def base(self) -> str:
        """Relative URI of the account."""
        return f"/2010-04-01/Accounts/{self.sid}"

    @property
    def is_main(self) -> bool:
        """True for the main (parent) account."""
        return self.label == "main"

    @property
    def is_fleet(self) -> bool:
        """True for the extra small subaccounts of ``Sandbox(subaccounts=N)``."""
        return self.label.startswith(FLEET_PREFIX)


class GeneratorBase:
    """What every generator mixin builds on: seed, clock, accounts and per-stream RNGs."""

    def __init__(self, seed: int, now_ts: int, scale: float, subaccounts: int = 0) -> None:
        self.seed = seed
        self.now = now_ts
        self.scale = scale
        self.creds = credentials_for(seed)
        self.store: Store | None = None  # set by Org; lets add() builders read existing data
        self.accounts: dict[str, AccountCtx] = {}
        main_sid = self.creds.account_sid
        tokens = {"main": (main_sid, self.creds.auth_token)}
        tokens.update(dict(zip(("sub_a", "sub_b"), self.creds.subaccounts, strict=True)))
        for label in ACCOUNT_LABELS:
            profile = PROFILES[label]
            rng = self.rng(label, "account")
            created = now_ts - profile["age_days"] * DAY + rng.randint(0, 6 * 3600)
            lo_days, hi_days = profile["window"]
            lo = now_ts - lo_days * DAY
            hi = now_ts - hi_days * DAY - 60
            sid, token = tokens[label]
            self.accounts[sid] = AccountCtx(label, sid, token, created, lo, hi, profile)
        # Inactive subaccounts (no data is ever served for them), then the fleet. Both are
        # created after Sub A, so /Accounts.json (ordered by date_created) lists them after
        # the original accounts.
        for label, (status, name, age_days) in INACTIVE_ACCOUNTS.items():
            sid, token = account_credentials(seed, label)
            created = now_ts - age_days * DAY + self.rng(label, "account").randint(0, 6 * 3600)
            ctx = AccountCtx(
                label, sid, token, created, created, created, {"friendly_name": name}, status
            )
            self.accounts[sid] = ctx
        for i in range(subaccounts):
            label = f"{FLEET_PREFIX}{i:05d}"
            sid, token = account_credentials(seed, label)
            created = fleet.created_ts(seed, label, now_ts)
            profile = {"friendly_name": f"Fleet customer {i:05d}"}
            lo = max(created, now_ts - 30 * DAY)
            self.accounts[sid] = AccountCtx(label, sid, token, created, lo, now_ts - 60, profile)

    # ------------------------------------------------------------------ basics

    def rng(self, *parts: str) -> random.Random:
        """An independent RNG for a (account, resource) stream."""
        return random.Random(f"{self.seed}:" + ":".join(parts))

    @property
    def main(self) -> AccountCtx:
        """The main account."""
        return self.accounts[self.creds.account_sid]

    def scaled(self, n: int) -> int:
        """Scale a big-list count."""
        return max(0, round(n * self.scale))

    def config_time(self, ctx: AccountCtx, rng: random.Random) -> tuple[int, int]:
        """(created, updated) for configuration-like resources of an account."""
        latest = min(ctx.hi, self.now - DAY)
        created = rng.randint(ctx.created + 3600, max(ctx.created + 7200, latest))
        updated = (
            created if rng.random() < 0.5 else rng.randint(created, max(created, self.now - 120))
        )
        return created, updated
