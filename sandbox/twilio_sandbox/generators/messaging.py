"""Messages and their media (2010 API)."""

from __future__ import annotations

import random
from typing import Any

from twilio_sandbox.formats import rfc2822
from twilio_sandbox.generators.base import AccountCtx, GeneratorBase
from twilio_sandbox.generators.common import (
    API_VERSION,
    MEDIA_TYPES,
    MESSAGE_BODIES,
    MESSAGE_ERRORS_FAILED,
    MESSAGE_ERRORS_UNDELIVERED,
    fill_body,
    fmt_money,
    intl_number,
    new_sid,
    segments,
    us_number,
)


class MessagingGen(GeneratorBase):
    """Messages and their media (2010 API)."""

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
