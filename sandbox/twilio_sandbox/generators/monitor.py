"""Usage records and Monitor (alerts, events)."""

from __future__ import annotations

import random
from typing import Any

from twilio_sandbox.formats import iso, iso_offset, ymd
from twilio_sandbox.generators.base import AccountCtx, GeneratorBase
from twilio_sandbox.generators.common import (
    ALERT_ERRORS,
    API,
    API_VERSION,
    MONITOR,
    USAGE_CATEGORIES,
    USAGE_SUBRESOURCES,
    fmt_usage_price,
    new_sid,
)


class MonitorGen(GeneratorBase):
    """Usage records and Monitor (alerts, events)."""

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
