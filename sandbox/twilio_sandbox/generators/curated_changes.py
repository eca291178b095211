"""Curated records added and updated now (``Sandbox.add`` / ``Sandbox.update``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twilio_sandbox.formats import iso, parse_record_date, rfc2822
from twilio_sandbox.generators.base import AccountCtx
from twilio_sandbox.generators.curated import (
    Maker,
    call_facts,
    conference_facts,
    distinct,
    has_children,
)
from twilio_sandbox.spec_lists import CURATED, SID_RE

if TYPE_CHECKING:
    from twilio_sandbox.generators.core import Generator


# --------------------------------------------------------------------------- add() / update()
#
# A record added now (``Sandbox.add``) is built like the generated records of its list (the
# spec's example, fresh SIDs, the account's and parents' SIDs, its key made unique in the
# list) with every date at the sandbox clock and in the state Twilio creates it in (BORN).
# ``Sandbox.update`` moves it on: the dates Twilio stamps on a status (LIFECYCLE_DATES, used
# by org._lifecycle_dates), the durations it then computes (settle) and what it does to
# related records (after_change).

#: What a record added now starts as: the status Twilio creates it with, and the fields
#: Twilio fills in only once it has ended.
BORN: dict[str, dict[str, Any]] = {
    # "A conversion happens when the user is able to provide the correct code"
    # (https://www.twilio.com/docs/verify/api/attempts).
    "verify_attempts": {"conversion_status": "unconverted"},
    # A room is in-progress until it is completed (via the API, or left empty past its
    # timeout) or fails; then it gets its end_time and duration
    # (https://www.twilio.com/docs/video/api/rooms-resource).
    "video_rooms": {"status": "in-progress", "end_time": None, "duration": None},
    # A participant's duration is set once it is disconnected
    # (https://www.twilio.com/docs/video/api/participants).
    "video_room_participants": {"status": "connected", "end_time": None, "duration": None},
    # "enqueued is the initial state"; date_completed is when its media processing ends
    # (https://www.twilio.com/docs/video/api/compositions-resource).
    "video_compositions": {"status": "enqueued", "date_completed": None},
    # Queued, in-progress, then completed
    # (https://www.twilio.com/docs/conversational-intelligence/api/transcript-resource).
    "intelligence_transcripts": {"status": "queued"},
    # "A completed Call Summary may take up to a half hour to generate, but a partial summary
    # record will be available within ten minutes of a call ending"
    # (https://www.twilio.com/docs/voice/voice-insights/api/call/call-summaries-resource).
    "voice_insights_call_summaries": {"processing_state": "partial"},
    # A partial conference summary comes with the conference's start, the complete one up to
    # 30 minutes after its end
    # (https://www.twilio.com/docs/voice/voice-insights/event-streams/conference-insights-event ,
    # https://www.twilio.com/docs/voice/voice-insights/api/conference/conference-summary-resource).
    "voice_insights_conference_summaries": {
        "status": "in_progress",
        "processing_state": "in_progress",
        "end_time": None,
        "duration_seconds": None,
        "end_reason": None,
        "ended_by": None,
    },
    # A document expires only if created with a ttl: "By default, it is persisted
    # permanently" (https://www.twilio.com/docs/sync/api/document-resource).
    "sync_documents": {"date_expires": None},
}
#: Dates Twilio stamps when a record reaches a status: (field, statuses) (see BORN).
LIFECYCLE_DATES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "video_rooms": (("end_time", ("completed", "failed")),),
    "video_room_participants": (("end_time", ("disconnected",)),),
    # "deleted means the composition media has been deleted from the system, but its
    # metadata is still available for 30 days" (compositions-resource, as in BORN).
    "video_compositions": (("date_completed", ("completed",)), ("date_deleted", ("deleted",))),
    "voice_insights_conference_summaries": (("end_time", ("completed",)),),
}
#: Durations Twilio computes once a record has ended: (duration, start field, end field).
DURATIONS: dict[str, tuple[str, str, str]] = {
    "video_rooms": ("duration", "date_created", "end_time"),
    "video_room_participants": ("duration", "start_time", "end_time"),
    "voice_insights_conference_summaries": ("duration_seconds", "start_time", "end_time"),
}
#: Curated lists add() does not build: Twilio's price list (reference data), rows derived
#: per period or from a queue's size, and call events (numbered by the tap, in list order).
NOT_ADDABLE = (
    "pricing_voice_countries",
    "pricing_messaging_countries",
    "supersim_usage_records",
    "wireless_sim_usage_records",
    "queue_members",
    "call_events",
)

Facts = Callable[[Maker, dict, "AccountCtx", int, dict, dict], None]


def new_maker(gen: Generator) -> Maker:
    from twilio_sandbox.registry import REGISTRY  # the registry imports this module

    assert gen.store is not None
    return Maker(gen, gen.store, REGISTRY)


def builder(name: str, facts: Facts | None = None) -> Callable[..., dict[str, Any]]:
    """``Sandbox.add``'s builder of a curated list (see BORN)."""

    def build(
        gen: Generator, ctx: AccountCtx, rng: Any, ts: int, parents: dict, fields: dict
    ) -> dict[str, Any]:
        maker = new_maker(gen)
        generated = CURATED[name]
        row = maker.record(generated, ctx, rng, ts, parents, spread=False)
        # The list's own key (and the field its children are found by), unique in its scope;
        # SIDs (a summary's call or conference) are unique already.
        found_by = {e.get("parent_field") or "sid" for _, e in maker.children(generated)}
        unique = {
            f
            for f in (maker.own_keys(generated) | found_by) - {"sid"}
            if f in row and not (isinstance(row[f], str) and SID_RE.match(row[f]))
        }
        scope = (ctx.sid, *(parents[p] for p in maker.registry[name].parent_params))
        table = maker.store.table(name, scope)
        distinct([row], unique, len(table) if table is not None else 0)
        row.update(BORN.get(name, {}))
        if facts is not None:
            facts(maker, row, ctx, ts, parents, fields)
        return row

    return build


def _call_summary(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """The summary of one of the account's finished calls (``call_sid``), made now; without
    one, of a call of ``duration`` seconds that ended now."""
    found = maker.store.find("calls", fields.get("call_sid"))
    if found is None:
        call = {"sid": row["call_sid"], "end_time": rfc2822(ts), "duration": row.get("duration")}
    elif found[0][0] != ctx.sid or found[1].data.get("end_time") is None:
        raise ValueError("Voice Insights summarises the account's calls once they have ended")
    else:
        call = found[1].data
    start = parse_record_date(call.get("start_time")) or ts - int(call.get("duration") or 0)
    row.update(call_facts(call, start), created_time=iso(ts))


def _conference_summary(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """The summary of one of the account's conferences (``conference_sid``), from its start."""
    found = maker.store.find("conferences", fields.get("conference_sid"))
    if found is not None and found[0][0] != ctx.sid:
        raise ValueError("Voice Insights summarises the account's own conferences")
    conference = (
        found[1].data
        if found is not None
        else {"sid": row["conference_sid"], "friendly_name": row.get("friendly_name")}
    )
    created = parse_record_date(conference.get("date_created")) or ts
    row.update(conference_facts(conference, created), start_time=iso(created))


def _left_now(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """A conference participant's summary comes when it leaves: it joined its duration ago."""
    row["join_time"] = iso(ts - int(row.get("duration_seconds") or 0))


def _live_room(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """Participants join in-progress rooms: nothing can be done to a completed one
    (https://www.twilio.com/docs/api/errors/53118)."""
    found = maker.store.find("video_rooms", parents["room_sid"])
    if found is None or found[1].data.get("status") != "in-progress":
        raise ValueError(f"room {parents['room_sid']} is not in progress (Twilio error 53118)")


def _completed_transcript(
    maker: Maker, row: dict, ctx: AccountCtx, ts: int, parents: dict, fields: dict
) -> None:
    """Operator results exist only for completed transcripts
    (https://www.twilio.com/docs/conversational-intelligence/api/transcript-operator-results-subresource)."""
    found = maker.store.find("intelligence_transcripts", parents["transcript_sid"])
    if found is None or not has_children("intelligence_transcripts", found[1].data):
        raise ValueError(f"transcript {parents['transcript_sid']} is not completed")


FACTS: dict[str, Facts] = {
    "voice_insights_call_summaries": _call_summary,
    "voice_insights_conference_summaries": _conference_summary,
    "voice_insights_conference_participant_summaries": _left_now,
    "video_room_participants": _live_room,
    "intelligence_operator_results": _completed_transcript,
}
BUILDERS = {name: builder(name, FACTS.get(name)) for name in CURATED if name not in NOT_ADDABLE}


def settle(resource: str, record: dict[str, Any]) -> None:
    """The duration of a record that has just ended (see DURATIONS)."""
    fields = DURATIONS.get(resource)
    if fields is None:
        return
    duration, start, end = fields
    began, ended = parse_record_date(record.get(start)), parse_record_date(record.get(end))
    if record.get(duration) is None and began is not None and ended is not None:
        record[duration] = ended - began
