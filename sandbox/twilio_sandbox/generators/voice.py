"""Calls, conferences, participants, recordings and transcriptions (2010 API)."""

from __future__ import annotations

import math
import random
from typing import Any

from twilio_sandbox.formats import rfc2822
from twilio_sandbox.generators.base import AccountCtx, GeneratorBase
from twilio_sandbox.generators.common import (
    API,
    API_VERSION,
    CALL_SUBRESOURCES,
    CALLER_NAMES,
    TRANSCRIPTS,
    fmt_money,
    formatted,
    intl_number,
    new_sid,
    us_number,
)


class VoiceGen(GeneratorBase):
    """Calls, conferences, participants, recordings and transcriptions (2010 API)."""

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
