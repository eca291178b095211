"""Profiles, vocabularies and helpers shared by the generators.

All generated data: everything is derived from ``seed`` (hash-seeded ``random.Random`` instances per
account and resource, so one resource's generation does not shift another's) and
dated relative to ``now``. Records carry every property of the item schema of
Twilio's OpenAPI spec (``openapi/`` in the repository), with Twilio's wire types.
"""

from __future__ import annotations

import math
import random
from typing import Any

API_VERSION = "2010-04-01"
API = "https://api.twilio.com"
MONITOR = "https://monitor.twilio.com"


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
