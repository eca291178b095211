"""Curated streams: core API extras, Voice Insights, Messaging, Verify and Video.

Each declares its list, keys, parents and incremental filter; schemas come from Twilio's
OpenAPI specs (``scripts/generate_schemas.py``).
"""

from __future__ import annotations

import typing as t

from tap_twilio.engine.client import CoreStream
from tap_twilio.streams.core import (
    ACCOUNT,
    AccountChild,
    CallsStream,
    ConferencesStream,
    QueuesStream,
)
from tap_twilio.streams.products import VerifyServicesStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

from tap_twilio.streams.parents import CONFERENCE_KEY, ProductChild, ProductList, ProductRoot

# Core API (2010-04-01) ----------------------------------------------------------------


class SipDomainsStream(AccountChild):
    """SIP domains."""

    name = "sip_domains"
    path = f"{ACCOUNT}/SIP/Domains.json"
    list_key = "domains"
    child_key = "domain_sid"


class SipCredentialListsStream(AccountChild):
    """SIP credential lists."""

    name = "sip_credential_lists"
    path = f"{ACCOUNT}/SIP/CredentialLists.json"
    list_key = "credential_lists"
    child_key = "credential_list_sid"


class SipIpAccessControlListsStream(AccountChild):
    """SIP IP access control lists."""

    name = "sip_ip_access_control_lists"
    path = f"{ACCOUNT}/SIP/IpAccessControlLists.json"
    list_key = "ip_access_control_lists"
    child_key = "ip_access_control_list_sid"


class ShortCodesStream(AccountChild):
    """SMS short codes."""

    name = "short_codes"
    path = f"{ACCOUNT}/SMS/ShortCodes.json"
    list_key = "short_codes"


class SigningKeysStream(AccountChild):
    """Signing keys (SID and name; Twilio never lists secrets)."""

    name = "signing_keys"
    path = f"{ACCOUNT}/SigningKeys.json"
    list_key = "signing_keys"


class ConnectAppsStream(AccountChild):
    """Connect apps the account publishes."""

    name = "connect_apps"
    path = f"{ACCOUNT}/ConnectApps.json"
    list_key = "connect_apps"


class AuthorizedConnectAppsStream(AccountChild):
    """Connect apps the account has authorized (one row per account and app)."""

    name = "authorized_connect_apps"
    path = f"{ACCOUNT}/AuthorizedConnectApps.json"
    list_key = "authorized_connect_apps"
    primary_keys = ("account_sid", "connect_app_sid")


class CallEventsStream(CoreStream):
    """The requests Twilio made to the application for each call emitted (started calls).

    Events carry no SID: ``event_index`` (their position in the call's list, which only
    grows) and ``call_sid`` identify a row. One request per call: not selected by default.
    """

    selected_by_default = False
    name = "call_events"
    parent_stream_type = CallsStream
    path = f"{ACCOUNT}/Calls/{{call_sid}}/Events.json"
    list_key = "events"
    primary_keys = ("call_sid", "event_index")
    context_fields = ("account_sid", "call_sid")

    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        """Number the call's events in list order."""
        counters = self.__dict__.setdefault("_event_counters", {})
        call = (context or {}).get("call_sid")
        row["event_index"] = counters.get(call, 0)
        counters[call] = row["event_index"] + 1
        return super().shape_record(row, context)


class QueueMembersStream(CoreStream):
    """Calls waiting in each queue that has any (``current_size`` above 0)."""

    name = "queue_members"
    parent_stream_type = QueuesStream
    path = f"{ACCOUNT}/Queues/{{queue_sid}}/Members.json"
    list_key = "queue_members"
    primary_keys = ("queue_sid", "call_sid")
    context_fields = ("account_sid", "queue_sid")


class ConferenceRecordingsStream(CoreStream):
    """Recordings of the conferences read in this run."""

    name = "conference_recordings"
    parent_stream_type = ConferencesStream
    path = f"{ACCOUNT}/Conferences/{{{CONFERENCE_KEY}}}/Recordings.json"
    list_key = "recordings"
    context_fields = ("account_sid", CONFERENCE_KEY)


# Voice Insights (insights v1). Twilio keeps 30 days of Voice Insights data
# (https://www.twilio.com/docs/api/errors/17002).
INSIGHTS_DAYS = 30


class VoiceInsightsCallSummariesStream(ProductRoot):
    """Call summaries (quality metrics per call), filtered by the calls' start time.

    Without ``StartTime`` Twilio returns only the last 4 hours, so a window is always
    sent: the first sync reads the 30 days Twilio keeps
    (https://www.twilio.com/docs/voice/voice-insights/api/call/call-summaries-resource).
    """

    name = "voice_insights_call_summaries"
    later_changes = (
        "a `partial` summary is followed by SID (`/v1/Voice/{CallSid}/Summary`) until it is "
        "`complete`, for 2 days after the call's start"
    )
    product = "insights"
    path = "/v1/Voice/Summaries"
    list_key = "call_summaries"
    primary_keys = ("call_sid",)
    replication_key = "start_time"
    start_param = "StartTime"
    end_param = "EndTime"
    window_required = True
    retention_days = INSIGHTS_DAYS
    # "The Processing State will be `partial` until the assembly of the Call Summary
    # finishes, which occurs approximately 30 minutes after Call end"; a call lasts at most
    # 24 hours (https://www.twilio.com/en-us/blog/introducing-configurable-call-limits-for-programmable-voice),
    # so 2 days after its start a summary has had its time
    # (https://www.twilio.com/docs/voice/voice-insights/api/call/call-summary-resource).
    open_field = "processing_state"
    open_values = frozenset({"partial"})
    open_days = 2
    sid_field = "call_sid"
    fetch_path = "/v1/Voice/{sid}/Summary"
    # The summary in whichever state it is in ("One of `complete`, `partial` or `all`").
    fetch_params: t.ClassVar[dict[str, str]] = {"ProcessingState": "all"}


class VoiceInsightsConferenceSummariesStream(ProductList):
    """Conference summaries, filtered by creation time."""

    name = "voice_insights_conference_summaries"
    later_changes = (
        "an `in_progress` summary (and its participants) is followed by SID "
        "(`/v1/Conferences/{ConferenceSid}`) until it is `complete` or `timeout`, for the "
        "30 days Twilio keeps it"
    )
    product = "insights"
    path = "/v1/Conferences"
    list_key = "conferences"
    primary_keys = ("conference_sid",)
    replication_key = "create_time"
    start_param = "CreatedAfter"
    end_param = "CreatedBefore"
    retention_days = INSIGHTS_DAYS
    # processing_state: `complete`, `in_progress` or `timeout` (Twilio's insights v1 spec);
    # how long a conference may last is not documented: followed while Twilio keeps it
    # (https://www.twilio.com/docs/voice/voice-insights/api/conference/conference-summary-resource).
    open_field = "processing_state"
    open_values = frozenset({"in_progress"})
    open_days = INSIGHTS_DAYS
    sid_field = "conference_sid"
    fetch_path = "/v1/Conferences/{sid}"
    child_key = CONFERENCE_KEY
    child_field = "conference_sid"  # summaries are keyed by the conference's SID


class VoiceInsightsConferenceParticipantsStream(ProductChild):
    """Participant summaries of the conferences read in this run."""

    name = "voice_insights_conference_participant_summaries"
    product = "insights"
    parent_stream_type = VoiceInsightsConferenceSummariesStream
    path = f"/v1/Conferences/{{{CONFERENCE_KEY}}}/Participants"
    list_key = "participants"
    primary_keys = ("participant_sid",)
    context_fields = (CONFERENCE_KEY,)


# Messaging (messaging v1)


class MessagingServicesStream(ProductRoot):
    """Messaging services; the parent of their senders and US A2P campaigns."""

    name = "messaging_services"
    product = "messaging"
    path = "/v1/Services"
    list_key = "services"
    child_key = "service_sid"


class MessagingServiceChild(ProductChild):
    """A list under one messaging service."""

    product = "messaging"
    parent_stream_type = MessagingServicesStream
    context_fields = ("service_sid",)


class MessagingPhoneNumbersStream(MessagingServiceChild):
    """Phone numbers in each messaging service's sender pool."""

    name = "messaging_service_phone_numbers"
    path = "/v1/Services/{service_sid}/PhoneNumbers"
    list_key = "phone_numbers"


class MessagingShortCodesStream(MessagingServiceChild):
    """Short codes in each messaging service's sender pool."""

    name = "messaging_service_short_codes"
    path = "/v1/Services/{service_sid}/ShortCodes"
    list_key = "short_codes"


class MessagingAlphaSendersStream(MessagingServiceChild):
    """Alphanumeric sender IDs of each messaging service."""

    name = "messaging_service_alpha_senders"
    path = "/v1/Services/{service_sid}/AlphaSenders"
    list_key = "alpha_senders"


class MessagingUsA2pCampaignsStream(MessagingServiceChild):
    """US A2P 10DLC campaigns registered on each messaging service."""

    name = "messaging_us_a2p_campaigns"
    path = "/v1/Services/{service_sid}/Compliance/Usa2p"
    list_key = "compliance"


class MessagingBrandRegistrationsStream(ProductList):
    """A2P 10DLC brand registrations."""

    name = "messaging_brand_registrations"
    product = "messaging"
    path = "/v1/a2p/BrandRegistrations"
    list_key = "data"
    child_key = "brand_sid"


class MessagingTollfreeVerificationsStream(ProductList):
    """Toll-free verification requests."""

    name = "messaging_tollfree_verifications"
    product = "messaging"
    path = "/v1/Tollfree/Verifications"
    list_key = "verifications"


# Verify (verify v2)


class VerifyAttemptsStream(ProductList):
    """Verification attempts, filtered by creation date; Twilio lists the last 30 days.

    https://www.twilio.com/docs/verify/api/attempts
    """

    name = "verify_attempts"
    later_changes = (
        "an `unconverted` attempt is followed by SID until `converted`, for 1 day after its "
        "creation"
    )
    product = "verify"
    path = "/v2/Attempts"
    list_key = "attempts"
    replication_key = "date_created"
    start_param = "DateCreatedAfter"
    end_param = "DateCreatedBefore"
    retention_days = 30
    # An attempt converts when the user gives the code of its verification, which is valid
    # 10 minutes by default (https://www.twilio.com/docs/verify/api/verification): a day
    # covers it. Fetched at /v2/Attempts/{Sid}.
    open_field = "conversion_status"
    open_values = frozenset({"unconverted"})
    open_days = 1


class VerifyServiceChild(ProductChild):
    """A list under one Verify service."""

    product = "verify"
    parent_stream_type = VerifyServicesStream
    context_fields = ("service_sid",)


class VerifyRateLimitsStream(VerifyServiceChild):
    """Programmable rate limits of each Verify service."""

    name = "verify_service_rate_limits"
    path = "/v2/Services/{service_sid}/RateLimits"
    list_key = "rate_limits"
    child_key = "rate_limit_sid"


class VerifyEntitiesStream(VerifyServiceChild):
    """Entities (end users with push or TOTP factors) of each Verify service."""

    name = "verify_service_entities"
    path = "/v2/Services/{service_sid}/Entities"
    list_key = "entities"
    child_key = "identity"
    child_field = "identity"


# Video (video v1)


class VideoRoomsStream(ProductRoot):
    """Video rooms, filtered by creation date.

    Twilio lists only in-progress rooms unless asked for another status
    (https://www.twilio.com/docs/video/api/rooms-resource): the list is read once per status
    (three reads of the window). A room in progress is followed by SID (``/v1/Rooms/{Sid}``)
    until it is completed or failed, for 2 days (rooms last at most 24 hours).
    """

    name = "video_rooms"
    later_changes = (
        "an `in-progress` room (and its participants) is followed by SID until `completed` "
        "or `failed`, for 2 days after its creation"
    )
    product = "video"
    path = "/v1/Rooms"
    list_key = "rooms"
    replication_key = "date_created"
    start_param = "DateCreatedAfter"
    end_param = "DateCreatedBefore"
    extra_params: t.ClassVar[dict[str, str]] = {"Status": "completed"}
    # A room ends completed or failed; the list shows one status a read.
    also_read: t.ClassVar[dict[str, tuple[dict[str, str], bool]]] = {
        "failed": ({"Status": "failed"}, True),
        "in-progress": ({"Status": "in-progress"}, True),
    }
    open_values = frozenset({"in-progress"})
    open_days = 2
    child_key = "room_sid"


class VideoRoomChild(ProductChild):
    """A list under one video room."""

    product = "video"
    parent_stream_type = VideoRoomsStream
    context_fields = ("room_sid",)


class VideoRoomParticipantsStream(VideoRoomChild):
    """Participants of each room read in this run."""

    name = "video_room_participants"
    path = "/v1/Rooms/{room_sid}/Participants"
    list_key = "participants"
    child_key = "participant_sid"


class VideoRoomRecordingsStream(VideoRoomChild):
    """Track recordings of each room read in this run."""

    name = "video_room_recordings"
    path = "/v1/Rooms/{room_sid}/Recordings"
    list_key = "recordings"


class VideoCompositionsStream(ProductList):
    """Compositions (rendered room recordings), filtered by creation date.

    A composition's media can be deleted any time later; its record stays listed 30 days
    with status ``deleted`` (https://www.twilio.com/docs/video/api/compositions-resource),
    so those are read whole each run (``Status=deleted``: one request, 30 days of deletions).
    """

    name = "video_compositions"
    later_changes = (
        "deleted ones: `Status=deleted` read whole each run; an `enqueued` or `processing` "
        "one is followed by SID until final, for 7 days after its creation"
    )
    product = "video"
    path = "/v1/Compositions"
    list_key = "compositions"
    max_page_size = 100
    replication_key = "date_created"
    start_param = "DateCreatedAfter"
    end_param = "DateCreatedBefore"
    also_read: t.ClassVar[dict[str, tuple[dict[str, str], bool]]] = {
        "deleted": ({"Status": "deleted"}, False)
    }
    # Statuses: enqueued, processing, completed, deleted, failed (Twilio's video v1 spec).
    # How long rendering takes is not documented: 7 days bounds the follow-ups' cost.
    open_values = frozenset({"enqueued", "processing"})
    open_days = 7
