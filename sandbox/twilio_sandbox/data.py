"""Deterministic synthetic Twilio organisation: accounts, 2010 API resources and Monitor.

Everything is derived from ``seed`` (hash-seeded ``random.Random`` instances per
account and resource, so one resource's generation does not shift another's) and
dated relative to ``now``. Records carry every property of the item schema of
Twilio's OpenAPI spec (``openapi/`` in the repository), with Twilio's wire types.

Product APIs (Conversations, Studio, Chat, ...) are generated in ``products.py``.
"""

from __future__ import annotations

import hashlib
import math
import random
import string
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from twilio_sandbox import fleet
from twilio_sandbox.formats import (
    DAY,
    day_start,
    iso,
    iso_offset,
    parse_record_date,
    rfc2822,
    ymd,
)
from twilio_sandbox.store import Store

API_VERSION = "2010-04-01"
API = "https://api.twilio.com"
MONITOR = "https://monitor.twilio.com"


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


def _account_credentials(seed: int, label: str) -> tuple[str, str]:
    """(SID, auth token) of the subaccount labelled ``label``."""
    return derive_sid(seed, "AC", label), _digest(seed, "token", label)[:32]


def credentials_for(seed: int) -> Credentials:
    """Credentials of the organisation generated from ``seed``."""
    return Credentials(
        account_sid=derive_sid(seed, "AC", "main"),
        auth_token=_digest(seed, "token", "main")[:32],
        api_key_sid=derive_sid(seed, "SK", "main", "api-key"),
        api_key_secret=derive_secret(seed, "main", "api-key"),
        subaccounts=tuple(_account_credentials(seed, label) for label in ("sub_a", "sub_b")),
    )


_DEFAULT = credentials_for(0)
SANDBOX_ACCOUNT_SID = _DEFAULT.account_sid
SANDBOX_AUTH_TOKEN = _DEFAULT.auth_token
SANDBOX_API_KEY_SID = _DEFAULT.api_key_sid
SANDBOX_API_KEY_SECRET = _DEFAULT.api_key_secret


# --------------------------------------------------------------------------- profiles

#: Default per-account counts (scale=1.0). ``messages``, ``calls`` and ``recordings``
#: are multiplied by ``scale``.
PROFILES: dict[str, dict[str, Any]] = {
    "main": {
        "friendly_name": "Sandbox Org — Production",
        "age_days": 1095,
        "window": (90, 0),
        "messages": 2290,
        "queued_messages": 10,
        # records that never get a date (see _build_undated)
        "failed_unsent_messages": 12,
        "scheduled_messages": 5,
        "canceled_messages": 6,
        "canceled_calls": 6,
        "queued_calls": 3,
        "calls": 1200,
        "conferences": 60,
        "recordings": 300,
        "transcriptions": 40,
        "addresses": 5,
        "applications": 4,
        "incoming_phone_numbers": 12,
        "keys": 3,
        "outgoing_caller_ids": 3,
        "queues": 3,
        "usage_triggers": 4,
        "alerts": 150,
        "alert_days": 45,
        "monitor_events": 200,
        "monitor_event_days": 60,
    },
    "sub_a": {
        "friendly_name": "Sub A",
        "age_days": 200,
        "window": (90, 0),
        "messages": 590,
        "queued_messages": 10,
        "failed_unsent_messages": 5,
        "scheduled_messages": 3,
        "canceled_messages": 3,
        "canceled_calls": 3,
        "queued_calls": 2,
        "calls": 300,
        "conferences": 15,
        "recordings": 75,
        "transcriptions": 10,
        "addresses": 2,
        "applications": 2,
        "incoming_phone_numbers": 4,
        "keys": 1,
        "outgoing_caller_ids": 1,
        "queues": 1,
        "usage_triggers": 1,
        "alerts": 40,
        "alert_days": 45,
        "monitor_events": 50,
        "monitor_event_days": 60,
    },
    "sub_b": {
        "friendly_name": "Sub B",
        "age_days": 500,
        "window": (120, 60),  # OLD activity only: between 120 and 60 days ago
        "messages": 500,
        "queued_messages": 0,
        "failed_unsent_messages": 4,
        "scheduled_messages": 0,  # no activity now: nothing scheduled
        "canceled_messages": 2,
        "canceled_calls": 2,
        "queued_calls": 0,
        "calls": 250,
        "conferences": 12,
        "recordings": 60,
        "transcriptions": 8,
        "addresses": 2,
        "applications": 1,
        "incoming_phone_numbers": 3,
        "keys": 1,
        "outgoing_caller_ids": 1,
        "queues": 1,
        "usage_triggers": 1,
        "alerts": 30,
        "alert_days": None,  # inside the window
        "monitor_events": 40,
        "monitor_event_days": None,
    },
}

ACCOUNT_LABELS = ("main", "sub_a", "sub_b")
#: Subaccounts that are not active: Twilio refuses every request for them with HTTP 401
#: and error 20005 "Account not active" (https://www.twilio.com/docs/api/errors/20005);
#: Account ``status`` is one of active|suspended|closed
#: (https://www.twilio.com/docs/iam/api/account). label -> (status, friendly name, age days)
INACTIVE_ACCOUNTS: dict[str, tuple[str, str, int]] = {
    "sub_suspended": ("suspended", "Sub C — suspended (unpaid)", 150),
    "sub_closed": ("closed", "Sub D — closed", 120),
}
#: Label prefix of the extra "fleet" subaccounts (``Sandbox(subaccounts=N)``).
FLEET_PREFIX = "fleet-"
USAGE_HISTORY_DAYS = 400
RETENTION_DAYS = 400

# --------------------------------------------------------------------------- vocabularies

MESSAGE_BODIES = (
    "Your verification code is {code}",
    "Hi! Your order #{n} has shipped 📦 Track it at https://example.com/t/{n}",
    "Reminder: your appointment is tomorrow at 10:30 — reply C to confirm or R to reschedule.",
    "Merci beaucoup ! À bientôt 🇫🇷",
    "¿Dónde está la reunión? Llego en 5 minutos 🏃",
    "您的验证码是 {code}，5分钟内有效。",  # noqa: RUF001
    "こんにちは、ご予約を確認しました。",
    "Привет! Как дела?",
    "Grüße aus Köln! Zoë & Jürgen 🎉",
    "👍",
    "STOP",
    "HELP",
    "Yes",
    "Thanks, got it 🙏",
    "Your table for {k} is ready. Please come to the host stand.",
    "ALERT: unusual sign-in to your account from a new device. Was this you? Reply Y or N.",
    "Olá! Seu pedido {n} foi entregue. Avalie nossa loja ⭐⭐⭐⭐⭐",
    "Can you call me back when you get a chance?",
    "Your ride is arriving in {k} min: grey Toyota Prius, plate 7ABC{k}{k}{k}",
    "안녕하세요! 예약이 확정되었습니다.",
    "Invoice {n} of $1{k}.50 is due on Friday. Pay securely at https://example.com/pay",
    "Happy birthday Ségolène! 🎂🎈",
)
FIRST_NAMES = (
    "Alice",
    "Bob",
    "Zoë",
    "José",
    "Ségolène",
    "Jürgen",
    "Aiko",
    "Wei",
    "Олег",
    "Fatima",
    "Liam",
    "Nia",
)
LAST_NAMES = (
    "García",
    "Müller",
    "Smith",
    "Dubois",
    "山田",
    "Okafor",
    "Kowalski",
    "Nguyen",
    "O'Brien",
)
CALLER_NAMES = (
    "JOSE GARCIA",
    "ZOE MULLER",
    "WIRELESS CALLER",
    "SMITH JOHN",
    "山田太郎",
    "ACME CORP",
)
US_AREA_CODES = ("415", "628", "510", "646", "312", "206", "737", "303", "617", "470")
MEDIA_TYPES = (
    "image/jpeg",
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "application/pdf",
    "audio/mpeg",
)
MESSAGE_ERRORS_UNDELIVERED = (
    (30003, "Unreachable destination handset"),
    (30005, "Unknown destination handset"),
    (30006, "Landline or unreachable carrier"),
    (30007, "Message filtered"),
)
MESSAGE_ERRORS_FAILED = (
    (30008, "Unknown error"),
    (21610, "Attempt to send to unsubscribed recipient"),
    (30034, "Message from an unregistered number"),
)
ALERT_ERRORS = (
    ("11200", "error", "HTTP retrieval failure"),
    ("11205", "error", "HTTP connection failure"),
    ("12300", "error", "Invalid Content-Type"),
    ("30003", "warning", "Unreachable destination handset"),
    ("30007", "warning", "Message filtered"),
    ("21610", "warning", "Attempt to send to unsubscribed recipient"),
    ("13227", "warning", "Dial: No International Authorization"),
    ("82002", "notice", "Error on Twilio Function response"),
)
TRANSCRIPTS = (
    "Hi, this is Zoë from accounting, please call me back about invoice 4411. Thanks!",
    "Hola, soy José. Llamo por la cita del jueves, ¿podemos cambiarla al viernes?",
    "Bonjour, c'est Ségolène. Le colis est arrivé, merci beaucoup.",
    "Hello, I'd like to cancel my subscription. My account number is 5 5 3 2 1.",
    "This is a message for the support team: the portal shows error 500 since this morning.",
)

ACCOUNT_SUBRESOURCES = (
    ("available_phone_numbers", "AvailablePhoneNumbers"),
    ("calls", "Calls"),
    ("conferences", "Conferences"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
    ("notifications", "Notifications"),
    ("outgoing_caller_ids", "OutgoingCallerIds"),
    ("recordings", "Recordings"),
    ("transcriptions", "Transcriptions"),
    ("addresses", "Addresses"),
    ("signing_keys", "SigningKeys"),
    ("connect_apps", "ConnectApps"),
    ("sip", "SIP"),
    ("authorized_connect_apps", "AuthorizedConnectApps"),
    ("usage", "Usage"),
    ("keys", "Keys"),
    ("applications", "Applications"),
    ("short_codes", "SMS/ShortCodes"),
    ("queues", "Queues"),
    ("messages", "Messages"),
    ("balance", "Balance"),
)
CALL_SUBRESOURCES = (
    ("notifications", "Notifications"),
    ("recordings", "Recordings"),
    ("payments", "Payments"),
    ("events", "Events"),
    ("siprec", "Siprec"),
    ("streams", "Streams"),
    ("transcriptions", "Transcriptions"),
    ("user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"),
    ("user_defined_messages", "UserDefinedMessages"),
)
USAGE_SUBRESOURCES = (
    ("all_time", "AllTime"),
    ("daily", "Daily"),
    ("last_month", "LastMonth"),
    ("monthly", "Monthly"),
    ("this_month", "ThisMonth"),
    ("today", "Today"),
    ("yearly", "Yearly"),
    ("yesterday", "Yesterday"),
)
#: category -> (description, count_unit, usage_unit)
USAGE_CATEGORIES: dict[str, tuple[str, str, str]] = {
    "calls": ("Voice Minutes", "calls", "minutes"),
    "calls-inbound": ("Inbound Voice Minutes", "calls", "minutes"),
    "phonenumbers": ("Phone Numbers", "numbers", "numbers"),
    "recordings": ("Voice Recordings", "recordings", "minutes"),
    "sms": ("SMS Messages", "messages", "messages"),
    "sms-inbound": ("Inbound SMS Messages", "messages", "messages"),
    "sms-outbound": ("Outbound SMS Messages", "messages", "messages"),
    "totalprice": ("Total Price", "", "usd"),
}
#: country -> (name, {type: path segment})
#: Each country record's ``subresource_uris`` offers the types sold there (AvailablePhoneNumber
#: Country resource: https://www.twilio.com/docs/phone-numbers/api/availablephonenumber-resource).
AVAILABLE_COUNTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "CA": ("Canada", ("local",)),
    "GB": (
        "United Kingdom",
        ("local", "mobile", "toll_free", "national", "voip", "shared_cost"),
    ),
    "SE": ("Sweden", ("local", "mobile", "machine_to_machine")),
    "US": ("United States", ("local", "toll_free")),
}
NUMBER_TYPE_PATHS = {
    "local": "Local",
    "mobile": "Mobile",
    "toll_free": "TollFree",
    "national": "National",
    "voip": "Voip",
    "shared_cost": "SharedCost",
    "machine_to_machine": "MachineToMachine",
}
#: E.164 prefixes of the numbers for sale outside North America: (country, type) -> prefix.
NUMBER_PREFIXES = {
    ("GB", "local"): "+4420",
    ("GB", "mobile"): "+447",
    ("GB", "toll_free"): "+44800",
    ("GB", "national"): "+4433",
    ("GB", "voip"): "+4456",
    ("GB", "shared_cost"): "+44845",
    ("SE", "local"): "+468",
    ("SE", "mobile"): "+4670",
    ("SE", "machine_to_machine"): "+46719",
}
#: Places of local numbers outside North America: (locality, region, latitude, longitude).
LOCAL_PLACES = {
    "GB": ("London", "GB-LND", 51.51, -0.13),
    "SE": ("Stockholm", "SE-AB", 59.33, 18.07),
}


# --------------------------------------------------------------------------- helpers


def new_sid(rng: random.Random, prefix: str) -> str:
    """A random SID from ``rng``: prefix + 32 lowercase hex."""
    return f"{prefix}{rng.getrandbits(128):032x}"


def fmt_money(value: float, digits: int = 5) -> str:
    """Twilio-style decimal string, e.g. ``-0.00790``."""
    return f"{value:.{digits}f}"


def fmt_usage_price(value: float) -> str:
    """Usage-record price string like ``2.19485`` (no trailing zeros, ``0`` for zero)."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def us_number(rng: random.Random, area: str | None = None) -> str:
    """A US E.164 number."""
    area = area or rng.choice(US_AREA_CODES)
    return f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def intl_number(rng: random.Random) -> str:
    """A customer's number somewhere in the world."""
    kind = rng.random()
    if kind < 0.55:
        return us_number(rng)
    if kind < 0.70:
        return f"+447{rng.randint(100000000, 999999999)}"
    if kind < 0.78:
        return f"+336{rng.randint(10000000, 99999999)}"
    if kind < 0.86:
        return f"+4915{rng.randint(100000000, 999999999)}"
    if kind < 0.93:
        return f"+8190{rng.randint(10000000, 99999999)}"
    return f"+55119{rng.randint(10000000, 99999999)}"


def formatted(number: str) -> str:
    """Twilio's ``*_formatted`` rendering: ``(415) 555-0123`` for NANP, E.164 otherwise."""
    if number.startswith("+1") and len(number) == 12:
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def segments(body: str) -> int:
    """SMS segment count (GSM-7 vs UCS-2)."""
    if not body:
        return 1
    gsm = all(ord(c) < 128 for c in body)
    single, multi = (160, 153) if gsm else (70, 67)
    n = len(body)
    return 1 if n <= single else math.ceil(n / multi)


def fill_body(rng: random.Random, template: str) -> str:
    """Fill a body template's placeholders."""
    return template.format(
        code=f"{rng.randint(0, 999999):06d}", n=rng.randint(1000, 99999), k=rng.randint(2, 9)
    )


def person(rng: random.Random) -> str:
    """A (possibly non-ASCII) person name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


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


class Generator:
    """Builds every record. Also used by ``Sandbox.add`` for new records."""

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
            sid, token = _account_credentials(seed, label)
            created = now_ts - age_days * DAY + self.rng(label, "account").randint(0, 6 * 3600)
            ctx = AccountCtx(
                label, sid, token, created, created, created, {"friendly_name": name}, status
            )
            self.accounts[sid] = ctx
        for i in range(subaccounts):
            label = f"{FLEET_PREFIX}{i:05d}"
            sid, token = _account_credentials(seed, label)
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

    # ------------------------------------------------------------------ accounts

    def account(self, ctx: AccountCtx) -> dict[str, Any]:
        """The Account resource."""
        rng = self.rng(ctx.label, "account-record")
        updated = rng.randint(ctx.created, self.now - DAY)
        return {
            "auth_token": ctx.auth_token,
            "date_created": rfc2822(ctx.created),
            "date_updated": rfc2822(updated),
            "friendly_name": ctx.profile["friendly_name"],
            "owner_account_sid": self.creds.account_sid,
            "sid": ctx.sid,
            "status": ctx.status,
            "subresource_uris": {
                key: f"{ctx.base}/{seg}.json" for key, seg in ACCOUNT_SUBRESOURCES
            },
            "type": "Full",
            "uri": f"{ctx.base}.json",
        }

    def balance(self, ctx: AccountCtx) -> dict[str, Any]:
        """The Balance resource (main account only)."""
        rng = self.rng(ctx.label, "balance")
        return {
            "account_sid": ctx.sid,
            "balance": f"{rng.uniform(250, 5000):.2f}",
            "currency": "USD",
        }

    # ------------------------------------------------------------------ numbers & config

    def address(self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1) -> dict[str, Any]:
        """An Address."""
        templates = (
            ("Acme Inc.", "HQ", "375 Beale St", "Suite 300", "San Francisco", "CA", "94105", "US"),
            (
                "Baker & Co Ltd",
                "London office",
                "221B Baker Street",
                None,
                "London",
                "Greater London",
                "NW1 6XE",
                "GB",
            ),
            (
                "Müller & Söhne GmbH",
                "Lager Stuttgart",
                "Königstraße 12",
                None,
                "Stuttgart",
                "Baden-Württemberg",
                "70173",
                "DE",
            ),
            (
                "Société Démo SARL",
                "Bureau de Paris",
                "15 Rue de la Paix",
                "Bâtiment B",
                "Paris",
                "Île-de-France",
                "75002",
                "FR",
            ),
            (
                "株式会社サンプル",
                "東京オフィス",
                "丸の内1-1-1",
                "千代田ビル 5F",
                "千代田区",
                "東京都",
                "100-0005",
                "JP",
            ),
        )
        t = templates[i % len(templates)] if i >= 0 else rng.choice(templates)
        sid = new_sid(rng, "AD")
        created, updated = (
            ts,
            ts if rng.random() < 0.6 else min(self.now - 60, ts + rng.randint(60, 30 * DAY)),
        )
        return {
            "account_sid": ctx.sid,
            "city": t[4],
            "customer_name": t[0],
            "date_created": rfc2822(created),
            "date_updated": rfc2822(max(created, updated)),
            "friendly_name": t[1],
            "iso_country": t[7],
            "postal_code": t[6],
            "region": t[5],
            "sid": sid,
            "street": t[2],
            "uri": f"{ctx.base}/Addresses/{sid}.json",
            "emergency_enabled": t[7] == "US",
            "validated": rng.random() < 0.8,
            "verified": rng.random() < 0.6,
            "street_secondary": t[3],
        }

    def application(
        self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1
    ) -> dict[str, Any]:
        """An Application."""
        names = ("Inbound IVR", "SMS autoresponder", "Call tracking", "Legacy app (do not use) 🗑️")
        name = names[i % len(names)] if i >= 0 else rng.choice(names)
        sid = new_sid(rng, "AP")
        host = f"https://hooks.example.com/{sid[-6:]}"
        has_sms = rng.random() < 0.6
        return {
            "account_sid": ctx.sid,
            "api_version": API_VERSION,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(
                ts if rng.random() < 0.5 else min(self.now - 60, ts + rng.randint(60, 90 * DAY))
            ),
            "friendly_name": name,
            "message_status_callback": f"{host}/sms-status" if has_sms else None,
            "sid": sid,
            "sms_fallback_method": "POST",
            "sms_fallback_url": None,
            "sms_method": "POST",
            "sms_status_callback": None,
            "sms_url": f"{host}/sms" if has_sms else None,
            "status_callback": f"{host}/status" if rng.random() < 0.5 else None,
            "status_callback_method": "POST",
            "uri": f"{ctx.base}/Applications/{sid}.json",
            "voice_caller_id_lookup": rng.random() < 0.3,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": rng.choice(("POST", "GET")),
            "voice_url": f"{host}/voice",
            "public_application_connect_enabled": rng.random() < 0.2,
        }

    def incoming_phone_number(
        self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1
    ) -> dict[str, Any]:
        """An IncomingPhoneNumber."""
        kinds = ("local", "local", "local", "toll-free", "mobile", "local")
        kind = kinds[i % len(kinds)] if i >= 0 else "local"
        if kind == "toll-free":
            number = f"+1833{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        elif kind == "mobile":
            number = f"+447{rng.randint(100000000, 999999999)}"
        else:
            number = us_number(rng)
        sid = new_sid(rng, "PN")
        app = (
            rng.choice(ctx.application_sids) if ctx.application_sids and rng.random() < 0.4 else ""
        )
        updated = ts if rng.random() < 0.5 else min(self.now - 60, ts + rng.randint(60, 200 * DAY))
        return {
            "account_sid": ctx.sid,
            "address_sid": None,
            "address_requirements": "none",
            "api_version": API_VERSION,
            "beta": False,
            "capabilities": {
                "voice": True,
                "sms": kind != "toll-free" or rng.random() < 0.5,
                "mms": number.startswith("+1"),
                "fax": False,
            },
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(max(ts, updated)),
            "friendly_name": formatted(number)
            if rng.random() < 0.7
            else f"{rng.choice(('Support line', 'Sales', 'Marketing ☎️', 'Zoë direct'))}",
            "identity_sid": None,
            "phone_number": number,
            "origin": "twilio" if rng.random() < 0.9 else "hosted",
            "sid": sid,
            "sms_application_sid": app,
            "sms_fallback_method": "POST",
            "sms_fallback_url": "",
            "sms_method": "POST",
            "sms_url": "" if app else "https://hooks.example.com/sms",
            "status_callback": "",
            "status_callback_method": "POST",
            "trunk_sid": None,
            "uri": f"{ctx.base}/IncomingPhoneNumbers/{sid}.json",
            "voice_receive_mode": "voice",
            "voice_application_sid": app,
            "voice_caller_id_lookup": False,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": "POST",
            "voice_url": None if app else "https://hooks.example.com/voice",
            "emergency_status": "Inactive",
            "emergency_address_sid": None,
            "emergency_address_status": "unregistered",
            "bundle_sid": new_sid(rng, "BU") if number.startswith("+44") else None,
            "status": "in-use",
            "type": kind,
        }

    def dependent_phone_number(self, ipn: dict[str, Any]) -> dict[str, Any]:
        """A DependentPhoneNumber view of an incoming number that uses an address."""
        caps = ipn["capabilities"]
        return {
            "sid": ipn["sid"],
            "account_sid": ipn["account_sid"],
            "friendly_name": ipn["friendly_name"],
            "phone_number": ipn["phone_number"],
            "voice_url": ipn["voice_url"],
            "voice_method": ipn["voice_method"],
            "voice_fallback_method": ipn["voice_fallback_method"],
            "voice_fallback_url": ipn["voice_fallback_url"],
            "voice_caller_id_lookup": ipn["voice_caller_id_lookup"],
            "date_created": ipn["date_created"],
            "date_updated": ipn["date_updated"],
            "sms_fallback_method": ipn["sms_fallback_method"],
            "sms_fallback_url": ipn["sms_fallback_url"],
            "sms_method": ipn["sms_method"],
            "sms_url": ipn["sms_url"],
            "address_requirements": ipn["address_requirements"],
            "capabilities": {"Voice": caps["voice"], "SMS": caps["sms"], "MMS": caps["mms"]},
            "status_callback": ipn["status_callback"],
            "status_callback_method": ipn["status_callback_method"],
            "api_version": API_VERSION,
            "sms_application_sid": ipn["sms_application_sid"],
            "voice_application_sid": ipn["voice_application_sid"],
            "trunk_sid": ipn["trunk_sid"],
            "emergency_status": ipn["emergency_status"],
            "emergency_address_sid": ipn["emergency_address_sid"],
            "uri": ipn["uri"],
        }

    def key(self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1) -> dict[str, Any]:
        """An API Key (no account_sid, per spec)."""
        names = ("tap-twilio sandbox key", "CI deploy key", "Zoë's laptop 💻")
        sid = self.creds.api_key_sid if (ctx.is_main and i == 0) else new_sid(rng, "SK")
        return {
            "sid": sid,
            "friendly_name": names[i % len(names)] if i >= 0 else rng.choice(names),
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts),
        }

    def outgoing_caller_id(
        self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1
    ) -> dict[str, Any]:
        """An OutgoingCallerId."""
        number = us_number(rng) if rng.random() < 0.7 else intl_number(rng)
        sid = new_sid(rng, "PN")
        return {
            "sid": sid,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts),
            "friendly_name": rng.choice(
                (formatted(number), "Reception desk", "José's mobile", "Front office ☎")
            ),
            "account_sid": ctx.sid,
            "phone_number": number,
            "uri": f"{ctx.base}/OutgoingCallerIds/{sid}.json",
        }

    def queue(self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1) -> dict[str, Any]:
        """A Queue."""
        names = ("Support", "Ventas 🇪🇸", "VIP customers")
        sid = new_sid(rng, "QU")
        return {
            "date_updated": rfc2822(min(self.now - 60, ts + rng.randint(0, 30 * DAY))),
            "current_size": rng.randint(0, 5),
            "friendly_name": names[i % len(names)] if i >= 0 else rng.choice(names),
            "uri": f"{ctx.base}/Queues/{sid}.json",
            "account_sid": ctx.sid,
            "average_wait_time": rng.randint(0, 240),
            "sid": sid,
            "date_created": rfc2822(ts),
            "max_size": rng.choice((100, 250, 1000)),
        }

    def usage_trigger(
        self, ctx: AccountCtx, rng: random.Random, ts: int, i: int = -1
    ) -> dict[str, Any]:
        """A UsageTrigger."""
        templates = (
            ("sms", "count", "daily", "1000", "SMS > 1000/day"),
            ("totalprice", "price", "monthly", "500.00", "Spend alert 💸 $500/month"),
            ("calls", "usage", "daily", "600", "Voice minutes > 600/day"),
            ("recordings", "count", "alltime", "10000", "Recording storage watch"),
        )
        t = templates[i % len(templates)] if i >= 0 else rng.choice(templates)
        sid = new_sid(rng, "UT")
        fired = rng.random() < 0.5
        return {
            "account_sid": ctx.sid,
            "api_version": API_VERSION,
            "callback_method": "POST",
            "callback_url": "https://hooks.example.com/usage-alert",
            "current_value": str(rng.randint(0, int(float(t[3]) * 1.2))),
            "date_created": rfc2822(ts),
            "date_fired": rfc2822(min(self.now - 60, ts + rng.randint(DAY, 20 * DAY)))
            if fired
            else None,
            "date_updated": rfc2822(ts),
            "friendly_name": t[4],
            "recurring": t[2],
            "sid": sid,
            "trigger_by": t[1],
            "trigger_value": t[3],
            "uri": f"{ctx.base}/Usage/Triggers/{sid}.json",
            "usage_category": t[0],
            "usage_record_uri": f"{ctx.base}/Usage/Records.json?Category={t[0]}",
        }

    # ------------------------------------------------------------------ messaging

    def message(self, ctx: AccountCtx, rng: random.Random, ts: int, **kw: Any) -> dict[str, Any]:
        """A Message sent (or received) at ``ts``; ``kw`` may force direction/status/num_media."""
        direction = kw.get("direction") or ("inbound" if rng.random() < 0.3 else "outbound-api")
        number = rng.choice(ctx.numbers)[0] if ctx.numbers else us_number(rng)
        customer = intl_number(rng)
        if rng.random() < 0.05:
            number, customer = "whatsapp:+14155238886", f"whatsapp:{customer}"
        num_media = kw.get("num_media", 0)
        body = fill_body(rng, rng.choice(MESSAGE_BODIES))
        if num_media and rng.random() < 0.3:
            body = ""
        error_code = error_message = None
        if direction == "inbound":
            frm, to, status = customer, number, "received"
        else:
            frm, to = number, customer
            r = rng.random()
            status = (
                "delivered"
                if r < 0.80
                else "sent"
                if r < 0.88
                else "undelivered"
                if r < 0.94
                else "failed"
            )
        status = kw.get("status") or status
        if status == "undelivered":
            error_code, error_message = rng.choice(MESSAGE_ERRORS_UNDELIVERED)
        elif status == "failed":
            error_code, error_message = rng.choice(MESSAGE_ERRORS_FAILED)
        segs = segments(body)
        created = ts - rng.randint(0, 3)
        sent: int | None = ts
        updated = ts + (
            rng.randint(1, 90) if status in ("delivered", "undelivered", "failed") else 0
        )
        price: str | None = fmt_money(-0.0079 * segs)
        if status == "failed":
            price = None
        if status in ("queued", "accepted", "scheduled"):
            sent, price, updated = None, None, created
        # Never sent, so never a date_sent: a message that failed before it was sent
        # (``undated``) and a canceled scheduled message
        # (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values ,
        # https://www.twilio.com/docs/messaging/features/message-scheduling).
        if status == "canceled" or (status == "failed" and kw.get("undated")):
            sent, price = None, None
        mg = ctx.messaging_service_sid if (direction != "inbound" and rng.random() < 0.6) else None
        if status in ("scheduled", "canceled"):  # scheduling needs a Messaging Service
            mg = ctx.messaging_service_sid or new_sid(rng, "MG")
        prefix = "MM" if num_media else "SM"
        sid = kw.get("sid") or new_sid(rng, prefix)
        base = f"{ctx.base}/Messages/{sid}"
        return {
            "body": body,
            "num_segments": str(segs),
            "direction": direction,
            "from": frm,
            "to": to,
            "date_updated": rfc2822(min(updated, max(self.now, ts))),
            "price": price,
            "error_message": error_message,
            "uri": f"{base}.json",
            "account_sid": ctx.sid,
            "num_media": str(num_media),
            "status": status,
            "messaging_service_sid": mg,
            "sid": sid,
            "date_sent": rfc2822(sent) if sent is not None else None,
            "date_created": rfc2822(created),
            "error_code": error_code,
            "price_unit": "USD",
            "api_version": API_VERSION,
            "subresource_uris": {
                "media": f"{base}/Media.json",
                "feedback": f"{base}/Feedback.json",
            },
        }

    def media(
        self, ctx: AccountCtx, rng: random.Random, ts: int, message_sid: str
    ) -> dict[str, Any]:
        """A Media item of a message."""
        sid = new_sid(rng, "ME")
        return {
            "account_sid": ctx.sid,
            "content_type": rng.choice(MEDIA_TYPES),
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts + 1),
            "parent_sid": message_sid,
            "sid": sid,
            "uri": f"{ctx.base}/Messages/{message_sid}/Media/{sid}.json",
        }

    # ------------------------------------------------------------------ voice

    def call(self, ctx: AccountCtx, rng: random.Random, ts: int, **kw: Any) -> dict[str, Any]:
        """A Call created at ``ts``; ``kw`` may force status/direction/parent_call_sid."""
        r = rng.random()
        direction = kw.get("direction") or (
            "inbound" if r < 0.4 else "outbound-api" if r < 0.85 else "outbound-dial"
        )
        parent = kw.get("parent_call_sid")
        if direction == "outbound-dial" and parent is None:
            if ctx.call_pool:
                parent = rng.choice(ctx.call_pool)["sid"]
            else:
                direction = "outbound-api"
        r = rng.random()
        status = kw.get("status") or (
            "completed"
            if r < 0.80
            else "busy"
            if r < 0.86
            else "no-answer"
            if r < 0.93
            else "failed"
            if r < 0.96
            else "canceled"
        )
        number, number_sid = (
            rng.choice(ctx.numbers) if ctx.numbers else (us_number(rng), new_sid(rng, "PN"))
        )
        customer = intl_number(rng)
        frm, to = (customer, number) if direction == "inbound" else (number, customer)
        start: int | None = ts + rng.randint(0, 2)
        end: int | None
        duration: str | None
        if status == "completed":
            secs = int(min(3600, rng.expovariate(1 / 150))) + 3
            end, duration = start + secs, str(secs)
            rate = 0.0085 if direction == "inbound" else 0.014
            price: str | None = fmt_money(-rate * math.ceil(secs / 60))
        elif status == "in-progress":
            end, duration, price = None, None, None
        elif status in ("queued", "ringing"):
            start = None if status == "queued" else start
            end, duration, price = None, None, None
        elif status == "canceled" and kw.get("undated"):
            # Canceled while queued: never started, no start_time/end_time
            # (https://www.twilio.com/docs/voice/api/call-resource#call-status-values).
            start = end = None
            duration, price = "0", None
        else:
            end = start + (30 if status == "no-answer" else rng.randint(1, 8))
            duration, price = "0", None
        updated = end + rng.randint(0, 2) if end is not None else (start or ts)
        sid = kw.get("sid") or new_sid(rng, "CA")
        base = f"{ctx.base}/Calls/{sid}"
        answered_by = None
        if direction == "outbound-api" and status == "completed" and rng.random() < 0.3:
            answered_by = rng.choice(("human", "machine_start", "unknown"))
        return {
            "sid": sid,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(min(updated, max(self.now, ts))),
            "parent_call_sid": parent if direction == "outbound-dial" else None,
            "account_sid": ctx.sid,
            "to": to,
            "to_formatted": formatted(to),
            "from": frm,
            "from_formatted": formatted(frm),
            "phone_number_sid": number_sid,
            "status": status,
            "start_time": rfc2822(start) if start is not None else None,
            "end_time": rfc2822(end) if end is not None else None,
            "duration": duration,
            "price": price,
            "price_unit": "USD",
            "direction": direction,
            "answered_by": answered_by,
            "api_version": API_VERSION,
            "forwarded_from": us_number(rng)
            if direction == "inbound" and rng.random() < 0.05
            else None,
            "group_sid": None,
            "caller_name": rng.choice(CALLER_NAMES)
            if direction == "inbound" and rng.random() < 0.25
            else None,
            "queue_time": "0" if rng.random() < 0.9 else str(rng.randint(1, 5000)),
            "trunk_sid": None,
            "uri": f"{base}.json",
            "subresource_uris": {key: f"{base}/{seg}.json" for key, seg in CALL_SUBRESOURCES},
        }

    def conference(self, ctx: AccountCtx, rng: random.Random, ts: int, **kw: Any) -> dict[str, Any]:
        """A Conference created at ``ts``."""
        names = (
            "Weekly sync",
            "Support escalation #{n}",
            "Équipe produit",
            "東京オフィス定例",
            "Daily standup 🚀",
            "Board call",
        )
        status = kw.get("status", "completed")
        sid = kw.get("sid") or new_sid(rng, "CF")
        length = rng.randint(300, 3600)
        ended = status == "completed"
        reason = (
            rng.choice(
                (
                    "last-participant-left",
                    "conference-ended-via-api",
                    "participant-with-end-conference-on-exit-left",
                )
            )
            if ended
            else None
        )
        base = f"{ctx.base}/Conferences/{sid}"
        return {
            "account_sid": ctx.sid,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(min(self.now, ts + length) if ended else ts),
            "api_version": API_VERSION,
            "friendly_name": rng.choice(names).format(n=rng.randint(100, 999)),
            "region": rng.choice(("us1", "us1", "ie1", "au1")),
            "sid": sid,
            "status": status,
            "uri": f"{base}.json",
            "subresource_uris": {
                "participants": f"{base}/Participants.json",
                "recordings": f"{base}/Recordings.json",
            },
            "reason_conference_ended": reason,
            "call_sid_ending_conference": None,
        }

    def participant(
        self,
        ctx: AccountCtx,
        rng: random.Random,
        ts: int,
        conference_sid: str,
        call_sid: str,
        status: str = "complete",
    ) -> dict[str, Any]:
        """A conference Participant (no sid; keyed by conference_sid + call_sid)."""
        return {
            "account_sid": ctx.sid,
            "call_sid": call_sid,
            "label": rng.choice((None, None, "agent", "customer", "supervisor")),
            "call_sid_to_coach": None,
            "coaching": False,
            "conference_sid": conference_sid,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts + rng.randint(0, 1800) if status == "complete" else ts),
            "end_conference_on_exit": rng.random() < 0.2,
            "muted": rng.random() < 0.2,
            "hold": False,
            "start_conference_on_enter": True,
            "status": status,
            "queue_time": "0",
            "uri": f"{ctx.base}/Conferences/{conference_sid}/Participants/{call_sid}.json",
        }

    def recording(self, ctx: AccountCtx, rng: random.Random, ts: int, **kw: Any) -> dict[str, Any]:
        """A Recording created at ``ts`` for ``call_sid`` and/or ``conference_sid``."""
        call_sid = kw.get("call_sid")
        conference_sid = kw.get("conference_sid")
        secs = int(kw.get("duration") or rng.randint(5, 600))
        status = kw.get("status") or ("completed" if rng.random() < 0.96 else "absent")
        if status == "absent":
            secs = 0
        if conference_sid:
            source = rng.choice(("Conference", "StartConferenceRecordingAPI"))
        else:
            source = rng.choice(("DialVerb", "RecordVerb", "OutboundAPI", "StartCallRecordingAPI"))
        sid = kw.get("sid") or new_sid(rng, "RE")
        base = f"{ctx.base}/Recordings/{sid}"
        done = status == "completed"
        return {
            "account_sid": ctx.sid,
            "api_version": API_VERSION,
            "call_sid": call_sid,
            "conference_sid": conference_sid,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(
                min(max(self.now, ts), ts + secs + rng.randint(1, 10)) if done else ts
            ),
            "start_time": rfc2822(ts - secs),
            "duration": str(secs) if status != "processing" else "-1",
            "sid": sid,
            "price": fmt_money(-0.0025 * math.ceil(secs / 60)) if done else None,
            "price_unit": "USD",
            "status": status,
            "channels": rng.choice((1, 1, 2)),
            "source": source,
            "error_code": None,
            "uri": f"{base}.json",
            "encryption_details": None,
            "subresource_uris": {
                "add_on_results": f"{base}/AddOnResults.json",
                "transcriptions": f"{base}/Transcriptions.json",
            },
            "media_url": f"{API}{base}",
        }

    def transcription(
        self, ctx: AccountCtx, rng: random.Random, ts: int, **kw: Any
    ) -> dict[str, Any]:
        """A Transcription of ``recording_sid``."""
        r = rng.random()
        status = kw.get("status") or (
            "completed" if r < 0.85 else "failed" if r < 0.95 else "in-progress"
        )
        sid = kw.get("sid") or new_sid(rng, "TR")
        secs = int(kw.get("duration") or rng.randint(5, 120))
        return {
            "account_sid": ctx.sid,
            "api_version": API_VERSION,
            "date_created": rfc2822(ts),
            "date_updated": rfc2822(ts + (rng.randint(5, 60) if status != "in-progress" else 0)),
            "duration": str(secs),
            # Declared ``number`` in the spec, but Twilio sends a string (spec example "0.00000").
            "price": fmt_money(-0.05 * math.ceil(secs / 60)) if status == "completed" else None,
            "price_unit": "USD",
            "recording_sid": kw.get("recording_sid") or new_sid(rng, "RE"),
            "sid": sid,
            "status": status,
            "transcription_text": rng.choice(TRANSCRIPTS) if status == "completed" else None,
            "type": "fast",
            "uri": f"{ctx.base}/Transcriptions/{sid}.json",
        }

    # ------------------------------------------------------------------ usage

    def usage_record(
        self, ctx: AccountCtx, day: int, category: str, counts: list[float]
    ) -> dict[str, Any]:
        """A daily UsageRecord (price is a string although the spec says number)."""
        description, count_unit, usage_unit = USAGE_CATEGORIES[category]
        count, usage, price = counts
        d = ymd(day)
        usage_base = f"{ctx.base}/Usage/Records"
        return {
            "account_sid": ctx.sid,
            "api_version": API_VERSION,
            "as_of": iso_offset(self.now),
            "category": category,
            "count": str(int(count)),
            "count_unit": count_unit,
            "description": description,
            "end_date": d,
            "price": fmt_usage_price(price),
            "price_unit": "usd",
            "start_date": d,
            "subresource_uris": {
                key: f"{usage_base}/{seg}.json?Category={category}"
                for key, seg in USAGE_SUBRESOURCES
            },
            "uri": f"{usage_base}/Daily.json?Category={category}&StartDate={d}&EndDate={d}",
            "usage": fmt_usage_price(usage) if usage_unit == "usd" else str(int(usage)),
            "usage_unit": usage_unit,
        }

    # ------------------------------------------------------------------ monitor

    def alert(self, ctx: AccountCtx, rng: random.Random, ts: int) -> dict[str, Any]:
        """A Monitor Alert generated at ``ts``."""
        code, level, text = rng.choice(ALERT_ERRORS)
        sid = new_sid(rng, "NO")
        resource = (
            rng.choice(ctx.call_pool)["sid"]
            if ctx.call_pool and rng.random() < 0.5
            else (rng.choice(ctx.numbers)[1] if ctx.numbers else new_sid(rng, "PN"))
        )
        webhook = code.startswith(("11", "12", "82"))
        alert_text = f"Msg={text.replace(' ', '+')}&sourceComponent=14100&ErrorCode={code}" + (
            "&url=https%3A%2F%2Fhooks.example.com%2Fvoice&httpResponse=502" if webhook else ""
        )
        created = ts + rng.randint(0, 5)
        return {
            "account_sid": ctx.sid,
            "alert_text": alert_text,
            "api_version": API_VERSION,
            "date_created": iso(created),
            "date_generated": iso(ts),
            "date_updated": iso(created),
            "error_code": code,
            "log_level": level,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "request_method": "POST" if webhook else None,
            "request_url": "https://hooks.example.com/voice" if webhook else None,
            "resource_sid": resource,
            "sid": sid,
            "url": f"{MONITOR}/v1/Alerts/{sid}",
            "service_sid": None,
        }

    def monitor_event(self, ctx: AccountCtx, rng: random.Random, ts: int) -> dict[str, Any]:
        """A Monitor (audit) Event at ``ts``."""
        kinds = (
            (
                "account.updated",
                "account",
                ctx.sid,
                {"friendly_name": {"previous": "Sandbox", "updated": ctx.profile["friendly_name"]}},
            ),
            (
                "phone-number.updated",
                "phone-number",
                None,
                {"voice_url": {"previous": None, "updated": "https://hooks.example.com/voice"}},
            ),
            (
                "api-key.created",
                "api-key",
                None,
                {"friendly_name": {"previous": None, "updated": "CI deploy key"}},
            ),
            ("call-recording.deleted", "recording", None, {}),
            ("user.login", "user", None, {"mfa": {"previous": None, "updated": "totp"}}),
        )
        event_type, resource_type, resource_sid, data = rng.choice(kinds)
        if resource_sid is None:
            prefix = {"phone-number": "PN", "api-key": "SK", "recording": "RE", "user": "US"}[
                resource_type
            ]
            resource_sid = new_sid(rng, prefix)
        actor_sid = new_sid(rng, "US") if rng.random() < 0.7 else ctx.sid
        actor_type = "user" if actor_sid.startswith("US") else "account"
        sid = new_sid(rng, "AE")
        return {
            "account_sid": ctx.sid,
            "actor_sid": actor_sid,
            "actor_type": actor_type,
            "description": rng.choice((None, None, "Updated via Console", "Créé via l'API")),
            "event_data": data,
            "event_date": iso(ts),
            "event_type": event_type,
            "resource_sid": resource_sid,
            "resource_type": resource_type,
            "sid": sid,
            "source": rng.choice(("web", "api", "twilio")),
            "source_ip_address": f"203.0.113.{rng.randint(1, 254)}",
            "url": f"{MONITOR}/v1/Events/{sid}",
            "links": {
                "actor": f"{API}/2010-04-01/Accounts/{ctx.sid}",
                "resource": f"{API}/2010-04-01/Accounts/{ctx.sid}",
            },
        }

    # ------------------------------------------------------------------ available numbers

    def country(self, ctx: AccountCtx, code: str) -> dict[str, Any]:
        """An AvailablePhoneNumbers country entry."""
        name, types = AVAILABLE_COUNTRIES[code]
        base = f"{ctx.base}/AvailablePhoneNumbers/{code}"
        return {
            "country_code": code,
            "country": name,
            "uri": f"{base}.json",
            "beta": False,
            "subresource_uris": {t: f"{base}/{NUMBER_TYPE_PATHS[t]}.json" for t in types},
        }

    def available_number(self, rng: random.Random, code: str, kind: str) -> dict[str, Any]:
        """An available number (the same for every account)."""
        if code in ("US", "CA"):
            if kind == "toll_free":
                prefix = rng.choice(("833", "844", "855", "866", "877", "888"))
                number = f"+1{prefix}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                place = (None, None, None, None, None, None)
            elif code == "US":
                place = rng.choice(
                    (
                        (
                            "415",
                            "San Francisco",
                            "SNFC CA 01",
                            "CA",
                            "94105",
                            "722",
                            37.78,
                            -122.39,
                        ),
                        ("808", "Hilo", "HILO", "HI", "96720", "834", 19.72, -155.09),
                        ("212", "New York", "NWYRCYZN01", "NY", "10007", "132", 40.71, -74.01),
                        ("512", "Austin", "AUSTIN", "TX", "78701", "558", 30.27, -97.74),
                    )
                )
                number = us_number(rng, place[0])
            else:
                place = rng.choice(
                    (
                        ("514", "Montréal", "MONTREAL", "QC", "H2Y 1C6", None, 45.50, -73.57),
                        ("416", "Toronto", "TORONTO", "ON", "M5H 2N2", None, 43.65, -79.38),
                    )
                )
                number = us_number(rng, place[0])
        else:
            prefix = NUMBER_PREFIXES[(code, kind)]
            digits = 13 - len(prefix) + 1
            number = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
            if kind == "local":
                locality, region, lat, lon = LOCAL_PLACES[code]
                place = ("", locality, None, region, None, None, lat, lon)
            else:
                place = (None, None, None, None, None, None)
        has_place = len(place) == 8
        mobile = kind == "mobile"
        return {
            "friendly_name": formatted(number),
            "phone_number": number,
            "lata": place[5] if has_place else None,
            "locality": place[1] if has_place else None,
            "rate_center": place[2] if has_place else None,
            # Declared ``number`` in the spec, but Twilio sends strings like "19.720000".
            "latitude": f"{place[6]:.6f}" if has_place else None,
            "longitude": f"{place[7]:.6f}" if has_place else None,
            "region": place[3] if has_place else None,
            "postal_code": place[4] if has_place else None,
            "iso_country": code,
            "address_requirements": "none" if code == "US" else rng.choice(("any", "local")),
            "beta": False,
            "capabilities": {
                "voice": kind != "machine_to_machine",
                "SMS": code not in ("GB", "SE") or mobile or kind == "machine_to_machine",
                "MMS": code in ("US", "CA") and kind != "toll_free",
                "fax": False,
            },
        }


# --------------------------------------------------------------------------- organisation


def _spread(rng: random.Random, n: int, lo: int, hi: int) -> list[int]:
    """``n`` timestamps in ``[lo, hi]``, denser during (UTC) daytime."""
    out = []
    for _ in range(n):
        ts = rng.randint(lo, hi)
        if rng.random() < 0.6:  # pull into 13:00-23:00 UTC (US daytime)
            ts = day_start(ts) + 13 * 3600 + rng.randint(0, 10 * 3600 - 1)
            ts = min(max(ts, lo), hi)
        out.append(ts)
    return out


def build_core(gen: Generator, store: Store) -> None:
    """Generate accounts and every 2010 API + Monitor resource into ``store``."""
    accounts = [gen.account(ctx) for ctx in gen.accounts.values()]
    store.load("accounts", (), accounts)
    for ctx in gen.accounts.values():
        if ctx.status != "active":
            continue  # Twilio refuses every request for it: no data to serve
        if ctx.is_fleet:
            _build_fleet_account(gen, store, ctx)
        else:
            _build_account(gen, store, ctx)


def _build_fleet_account(gen: Generator, store: Store, ctx: AccountCtx) -> None:
    """A fleet subaccount: small, some empty, a few larger (``twilio_sandbox.fleet``).

    Empty tables of the other resources are created by ``Org`` (``ensure_tables``).
    Available numbers are the same for every account: the main account's tables are
    shared (no copy), which keeps ``Sandbox(subaccounts=2000)`` fast to build.
    """
    acct = (ctx.sid,)
    main = gen.main
    store.load(
        "available_phone_number_countries", acct, [gen.country(ctx, c) for c in AVAILABLE_COUNTRIES]
    )
    for code, (_, types) in AVAILABLE_COUNTRIES.items():
        for kind in types:
            resource = f"available_phone_numbers_{kind}"
            shared = store.table(resource, (main.sid, code))
            if shared is not None:
                store.tables[resource][(ctx.sid, code)] = shared
    fleet.build_account(gen, store, ctx)  # the shape of a fleet: twilio_sandbox.fleet


def _build_account(
    gen: Generator, store: Store, ctx: AccountCtx, *, share_available: bool = False
) -> None:
    p = ctx.profile
    acct = (ctx.sid,)
    rng = gen.rng(ctx.label, "ids")
    ctx.messaging_service_sid = new_sid(rng, "MG")

    if ctx.is_main:
        store.load("account_balance", acct, [gen.balance(ctx)])

    def config(resource: str, builder: Any, n: int) -> list[dict[str, Any]]:
        r = gen.rng(ctx.label, resource)
        items = []
        for i in range(n):
            created, _ = gen.config_time(ctx, r)
            items.append(builder(ctx, r, created, i))
        store.load(resource, acct, items)
        return items

    addresses = config("addresses", gen.address, p["addresses"])
    ctx.address_sids = [a["sid"] for a in addresses]
    apps = config("applications", gen.application, p["applications"])
    ctx.application_sids = [a["sid"] for a in apps]
    ipns = config("incoming_phone_numbers", gen.incoming_phone_number, p["incoming_phone_numbers"])
    ctx.numbers = [(n["phone_number"], n["sid"]) for n in ipns]
    # Attach 0-3 numbers to each address -> dependent phone numbers.
    r = gen.rng(ctx.label, "dependent_phone_numbers")
    pool = [n for n in ipns if n["phone_number"].startswith(("+1", "+44"))]
    r.shuffle(pool)
    for addr in addresses:
        deps = []
        for _ in range(r.randint(0, 3)):
            if not pool:
                break
            ipn = pool.pop()
            ipn["address_sid"] = addr["sid"]
            ipn["address_requirements"] = "local" if addr["iso_country"] == "GB" else "any"
            if addr["emergency_enabled"]:
                ipn["emergency_status"] = "Active"
                ipn["emergency_address_sid"] = addr["sid"]
                ipn["emergency_address_status"] = "registered"
            deps.append(gen.dependent_phone_number(ipn))
        store.load("dependent_phone_numbers", (ctx.sid, addr["sid"]), deps)
    # (The IPN dicts were mutated after loading; rows share the dicts and no date changed.)
    config("keys", gen.key, p["keys"])
    config("outgoing_caller_ids", gen.outgoing_caller_id, p["outgoing_caller_ids"])
    config("queues", gen.queue, p["queues"])
    config("usage_triggers", gen.usage_trigger, p["usage_triggers"])

    # --- available phone numbers (identical for every account)
    if not share_available:  # fleet subaccounts share the main account's (see above)
        store.load(
            "available_phone_number_countries",
            acct,
            [gen.country(ctx, c) for c in AVAILABLE_COUNTRIES],
        )
        for code, (_, types) in AVAILABLE_COUNTRIES.items():
            for kind in types:
                r = gen.rng("available", code, kind)
                items = [gen.available_number(r, code, kind) for _ in range(r.randint(20, 30))]
                store.load(f"available_phone_numbers_{kind}", (ctx.sid, code), items)

    lo, hi = ctx.lo, ctx.hi
    live = hi >= gen.now - 3600  # does the window reach "now"?
    usage = ctx.usage

    # --- calls
    r = gen.rng(ctx.label, "calls")
    calls = []
    for ts in sorted(_spread(r, gen.scaled(p["calls"]), lo, hi)):
        kw: dict[str, Any] = {}
        if live and ts > hi - 2 * 3600 and r.random() < 0.3:
            kw["status"] = r.choice(("in-progress", "in-progress", "ringing"))
        c = gen.call(ctx, r, ts, **kw)
        calls.append(c)
        if c["direction"] != "outbound-dial" and c["status"] == "completed":
            ctx.call_pool.append(c)
            if len(ctx.call_pool) > 400:
                ctx.call_pool.pop(r.randrange(len(ctx.call_pool)))
        day = day_start(ts)
        if c["status"] == "completed":
            minutes = math.ceil(int(c["duration"]) / 60)
            price = -float(c["price"])
            for cat in ("calls", "calls-inbound") if c["direction"] == "inbound" else ("calls",):
                u = usage[day][cat]
                u[0] += 1
                u[1] += minutes
                u[2] += price
    calls.extend(_undated_calls(gen, ctx, p))
    store.load("calls", acct, calls)
    completed_calls = [
        c for c in calls if c["status"] == "completed" and c["direction"] != "outbound-dial"
    ]

    # --- messages + media
    r = gen.rng(ctx.label, "messages")
    messages = []
    for ts in _spread(r, gen.scaled(p["messages"]), lo, hi):
        num_media = r.randint(1, 3) if r.random() < 0.10 else 0
        m = gen.message(ctx, r, ts, num_media=num_media)
        messages.append(m)
        sent = ts
        media = [gen.media(ctx, r, sent - 2, m["sid"]) for _ in range(num_media)]
        store.load("message_media", (ctx.sid, m["sid"]), media)
        day = day_start(ts)
        cat = "sms-inbound" if m["direction"] == "inbound" else "sms-outbound"
        price = -float(m["price"]) if m["price"] else 0.0
        for c in (cat, "sms"):
            u = usage[day][c]
            u[0] += 1
            u[1] += int(m["num_segments"])
            u[2] += price
    for i in range(p["queued_messages"]):
        ts = gen.now - r.randint(30, 3 * 3600)
        m = gen.message(
            ctx, r, ts, direction="outbound-api", status="accepted" if i % 5 == 4 else "queued"
        )
        messages.append(m)
        store.load("message_media", (ctx.sid, m["sid"]), [])
    messages.extend(_undated_messages(gen, store, ctx, p))
    store.load("messages", acct, messages)

    # --- conferences + participants
    r = gen.rng(ctx.label, "conferences")
    conferences = []
    n_conf = p["conferences"]
    for i, ts in enumerate(sorted(_spread(r, n_conf, lo, hi))):
        status = "completed"
        if live and i >= n_conf - 2:
            ts = hi - r.randint(60, 1800)
            status = "in-progress" if i == n_conf - 1 else "init"
        conf = gen.conference(ctx, r, ts, status=status)
        legs = r.sample(completed_calls, min(len(completed_calls), r.randint(2, 5)))
        pstatus = {"completed": "complete", "in-progress": "connected", "init": "connecting"}[
            status
        ]
        parts = [
            gen.participant(ctx, r, ts + j * r.randint(0, 60), conf["sid"], leg["sid"], pstatus)
            for j, leg in enumerate(legs)
        ]
        if (
            conf["reason_conference_ended"] == "participant-with-end-conference-on-exit-left"
            and parts
        ):
            parts[0]["end_conference_on_exit"] = True
            conf["call_sid_ending_conference"] = parts[0]["call_sid"]
        store.load("conference_participants", (ctx.sid, conf["sid"]), parts)
        conferences.append(conf)
    store.load("conferences", acct, conferences)
    ctx.conference_pool = [c for c in conferences if c["status"] == "completed"]

    # --- recordings + transcriptions
    r = gen.rng(ctx.label, "recordings")
    recordings = []
    n_rec = min(gen.scaled(p["recordings"]), len(completed_calls))
    for call in r.sample(completed_calls, n_rec):
        start = _ts_of(call["start_time"])
        secs = int(call["duration"])
        if ctx.conference_pool and r.random() < 0.1:
            conf = r.choice(ctx.conference_pool)
            start = _ts_of(conf["date_created"])
            rec = gen.recording(ctx, r, start + secs, conference_sid=conf["sid"], duration=secs)
        else:
            rec = gen.recording(ctx, r, start + secs, call_sid=call["sid"], duration=secs)
        recordings.append(rec)
        u = usage[day_start(start)]["recordings"]
        u[0] += 1
        u[1] += math.ceil(int(rec["duration"]) / 60) if rec["duration"] != "-1" else 0
        u[2] += -float(rec["price"]) if rec["price"] else 0.0
    store.load("recordings", acct, recordings)
    r = gen.rng(ctx.label, "transcriptions")
    done = [rec for rec in recordings if rec["status"] == "completed"]
    transcriptions = [
        gen.transcription(
            ctx,
            r,
            _ts_of(rec["date_updated"]) + r.randint(5, 120),
            recording_sid=rec["sid"],
            duration=rec["duration"],
        )
        for rec in r.sample(done, min(len(done), p["transcriptions"]))
    ]
    store.load("transcriptions", acct, transcriptions)

    _build_usage(gen, store, ctx)

    # --- monitor
    r = gen.rng(ctx.label, "alerts")
    if p["alert_days"]:
        a_lo, a_hi = gen.now - p["alert_days"] * DAY, gen.now - 60
    else:
        a_lo, a_hi = lo, hi
    alert_times = _spread(r, p["alerts"], a_lo, a_hi)
    if p["alert_days"]:
        alert_times = _alert_edge(gen, gen.rng(ctx.label, "alert-edge"), alert_times)
    store.load("alerts", acct, [gen.alert(ctx, r, ts) for ts in alert_times])
    r = gen.rng(ctx.label, "monitor_events")
    if p["monitor_event_days"]:
        e_lo, e_hi = gen.now - p["monitor_event_days"] * DAY, gen.now - 60
    else:
        e_lo, e_hi = lo, hi
    store.load(
        "monitor_events",
        acct,
        [gen.monitor_event(ctx, r, ts) for ts in _spread(r, p["monitor_events"], e_lo, e_hi)],
    )


ALERT_DAYS = 30  # "Queries for alerts older than 30 days are not supported"
ALERT_EDGE_GAP = 3600


def _alert_edge(gen: Generator, r: random.Random, times: list[int]) -> list[int]:
    """Alerts at the 30-day edge (https://www.twilio.com/docs/usage/monitor-alert).

    * No alert within an hour after ``now - 30 days``: the floor moves with the clock, so a
      test running for less than an hour never sees an alert leave the window mid-test.
    * A few alerts between that hour and the midnight after ``now - 30 days``: still
      queryable, but missed by a tap that floors at midnight of 29 days ago.
    """
    floor = gen.now - ALERT_DAYS * DAY
    out = [ts + ALERT_EDGE_GAP if floor <= ts < floor + ALERT_EDGE_GAP else ts for ts in times]
    midnight = day_start(floor) + DAY
    lo = floor + ALERT_EDGE_GAP
    if midnight - lo > 600:
        out.extend(r.randint(lo, midnight - 300) for _ in range(3))
    return out


def _undated_messages(
    gen: Generator, store: Store, ctx: AccountCtx, p: dict[str, Any]
) -> list[dict[str, Any]]:
    """Messages that never get a ``date_sent`` (so no DateSent filter ever matches them).

    * ``failed`` before being sent (unsubscribed recipient, filtered, queue overflow):
      error_code set, price null, sometimes with media;
    * ``scheduled`` (only for accounts active now): sent later, date_sent null until then;
    * ``canceled``: scheduled messages canceled before their send time.

    https://www.twilio.com/docs/messaging/api/message-resource#message-status-values ,
    https://www.twilio.com/docs/messaging/features/message-scheduling
    """
    r = gen.rng(ctx.label, "undated-messages")
    out = []
    live = ctx.hi >= gen.now - 3600
    for _ in range(p.get("failed_unsent_messages", 0)):
        ts = r.randint(ctx.lo, ctx.hi)
        num_media = r.randint(1, 2) if r.random() < 0.3 else 0
        m = gen.message(
            ctx, r, ts, direction="outbound-api", status="failed", num_media=num_media, undated=True
        )
        m["error_code"], m["error_message"] = r.choice(
            (
                (30007, "Message filtered"),
                (21610, "Attempt to send to unsubscribed recipient"),
                *MESSAGE_ERRORS_FAILED,
            )
        )
        store.load(
            "message_media",
            (ctx.sid, m["sid"]),
            [gen.media(ctx, r, ts - 1, m["sid"]) for _ in range(num_media)],
        )
        out.append(m)
    for _ in range(p.get("scheduled_messages", 0) if live else 0):
        ts = gen.now - r.randint(60, 2 * DAY)
        m = gen.message(ctx, r, ts, direction="outbound-api", status="scheduled")
        store.load("message_media", (ctx.sid, m["sid"]), [])
        out.append(m)
    for _ in range(p.get("canceled_messages", 0)):
        ts = r.randint(ctx.lo, ctx.hi - 120)
        m = gen.message(ctx, r, ts, direction="outbound-api", status="canceled")
        m["date_updated"] = rfc2822(min(ctx.hi, ts + r.randint(60, DAY)))  # canceled later
        store.load("message_media", (ctx.sid, m["sid"]), [])
        out.append(m)
    return out


def _undated_calls(gen: Generator, ctx: AccountCtx, p: dict[str, Any]) -> list[dict[str, Any]]:
    """Calls without ``start_time``: canceled while queued, and a few still ``queued``.

    Only accounts active now have queued calls
    (https://www.twilio.com/docs/voice/api/call-resource#call-status-values).
    """
    r = gen.rng(ctx.label, "undated-calls")
    out = []
    for _ in range(p.get("canceled_calls", 0)):
        ts = r.randint(ctx.lo, ctx.hi - 120)
        c = gen.call(ctx, r, ts, direction="outbound-api", status="canceled", undated=True)
        c["date_updated"] = rfc2822(min(ctx.hi, ts + r.randint(1, 120)))
        out.append(c)
    if ctx.hi >= gen.now - 3600:
        out.extend(
            gen.call(ctx, r, gen.now - r.randint(5, 600), direction="outbound-api", status="queued")
            for _ in range(p.get("queued_calls", 0))
        )
    return out


def _ts_of(value: str) -> int:
    ts = parse_record_date(value)
    assert ts is not None
    return ts


def _build_usage(gen: Generator, store: Store, ctx: AccountCtx) -> None:
    """Daily usage rows for 8 categories from max(creation, today-400d) to today."""
    today = day_start(gen.now)
    first = max(day_start(ctx.created), today - USAGE_HISTORY_DAYS * DAY)
    window_start = day_start(ctx.lo)
    window_end = day_start(ctx.hi)
    r = gen.rng(ctx.label, "usage")
    n_numbers = len(ctx.numbers)
    # Average daily volumes of the generated window, used to synthesise older history.
    days_in_window = max(1, (window_end - window_start) // DAY + 1)
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for per_day in ctx.usage.values():
        for cat, v in per_day.items():
            t = totals[cat]
            for i in range(3):
                t[i] += v[i]
    rows = []
    day = first
    while day <= today:
        if day < window_start:  # older history: synthetic volumes around the average
            counts = defaultdict(lambda: [0, 0.0, 0.0])
            factor = r.uniform(0.5, 1.5)
            for cat in ("sms-inbound", "sms-outbound", "calls-inbound", "calls", "recordings"):
                avg = totals[cat]
                counts[cat] = [
                    round(avg[0] / days_in_window * factor),
                    round(avg[1] / days_in_window * factor),
                    avg[2] / days_in_window * factor,
                ]
            counts["sms"] = [counts["sms-inbound"][i] + counts["sms-outbound"][i] for i in range(3)]
        else:
            counts = ctx.usage.get(day) or defaultdict(lambda: [0, 0.0, 0.0])
        pn_price = 1.15 * n_numbers if time.gmtime(day).tm_mday == 1 else 0.0
        counts["phonenumbers"] = [n_numbers, n_numbers, pn_price]
        total = sum(counts[c][2] for c in ("sms", "calls", "recordings", "phonenumbers"))
        counts["totalprice"] = [0, total, total]
        rows.extend(
            gen.usage_record(ctx, day, cat, counts.get(cat, [0, 0, 0.0]))
            for cat in USAGE_CATEGORIES
        )
        day += DAY
    store.load("usage_records", (ctx.sid,), rows)
