"""Accounts, phone numbers and configuration resources of the 2010 API."""

from __future__ import annotations

import random
from typing import Any

from twilio_sandbox.formats import DAY, rfc2822
from twilio_sandbox.generators.base import AccountCtx, GeneratorBase
from twilio_sandbox.generators.common import (
    ACCOUNT_SUBRESOURCES,
    API_VERSION,
    formatted,
    intl_number,
    new_sid,
    us_number,
)


class AccountsGen(GeneratorBase):
    """Accounts, phone numbers and configuration resources of the 2010 API."""

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
