"""The stream registry of scripts/generate_schemas.py: where each stream's item schema lives.

Mirrors docs/streams-spec.md: spec file, component, primary keys, fields the tap adds.
"""

from __future__ import annotations

from dataclasses import dataclass

API = "twilio_api_v2010.json"
MONITOR = "twilio_monitor_v1.json"
CONVERSATIONS = "twilio_conversations_v1.json"
STUDIO = "twilio_studio_v2.json"
CHAT = "twilio_chat_v2.json"
TRUNKING = "twilio_trunking_v1.json"
VERIFY = "twilio_verify_v2.json"
TASKROUTER = "twilio_taskrouter_v1.json"

AVAILABLE = "api.v2010.account.available_phone_number_country"
SERVICE = "conversations.v1.service"


@dataclass(frozen=True)
class StreamDef:
    """Where a stream's item schema lives and what the tap changes in its records."""

    spec_file: str
    component: str
    primary_keys: tuple[str, ...] = ("sid",)
    extra_fields: tuple[str, ...] = ()
    json_fields: tuple[str, ...] = ()
    drop_fields: tuple[str, ...] = ()


# stream -> (spec file, component schema, primary key, extra fields, JSON-string fields, dropped)
STREAMS: dict[str, StreamDef] = {
    # Core API (2010-04-01)
    "accounts": StreamDef(API, "api.v2010.account", drop_fields=("auth_token",)),
    "account_balance": StreamDef(API, "api.v2010.account.balance", ("account_sid",)),
    "addresses": StreamDef(API, "api.v2010.account.address"),
    "dependent_phone_numbers": StreamDef(
        API, "api.v2010.account.address.dependent_phone_number", extra_fields=("address_sid",)
    ),
    "applications": StreamDef(API, "api.v2010.account.application"),
    "available_phone_number_countries": StreamDef(
        API, AVAILABLE, ("account_sid", "country_code"), extra_fields=("account_sid",)
    ),
    # Numbers for sale: one list per number type, all with the same shape.
    **{
        f"available_phone_numbers_{kind}": StreamDef(
            API,
            f"{AVAILABLE}.available_phone_number_{kind}",
            ("account_sid", "iso_country", "phone_number"),
            extra_fields=("account_sid", "country_code"),
        )
        for kind in (
            "local",
            "mobile",
            "toll_free",
            "national",
            "voip",
            "shared_cost",
            "machine_to_machine",
        )
    },
    "calls": StreamDef(API, "api.v2010.account.call"),
    "conferences": StreamDef(API, "api.v2010.account.conference"),
    "conference_participants": StreamDef(
        API, "api.v2010.account.conference.participant", ("conference_sid", "call_sid")
    ),
    "incoming_phone_numbers": StreamDef(API, "api.v2010.account.incoming_phone_number"),
    "keys": StreamDef(API, "api.v2010.account.key", extra_fields=("account_sid",)),
    "messages": StreamDef(API, "api.v2010.account.message"),
    "message_media": StreamDef(
        API, "api.v2010.account.message.media", extra_fields=("message_sid",)
    ),
    "outgoing_caller_ids": StreamDef(API, "api.v2010.account.outgoing_caller_id"),
    "queues": StreamDef(API, "api.v2010.account.queue", extra_fields=("account_sid",)),
    "recordings": StreamDef(API, "api.v2010.account.recording"),
    "transcriptions": StreamDef(API, "api.v2010.account.transcription"),
    "usage_records": StreamDef(
        API,
        "api.v2010.account.usage.usage_record.usage_record_daily",
        ("account_sid", "category", "start_date", "end_date"),
    ),
    "usage_triggers": StreamDef(API, "api.v2010.account.usage.usage_trigger"),
    # Monitor v1
    "alerts": StreamDef(MONITOR, "monitor.v1.alert"),
    "monitor_events": StreamDef(MONITOR, "monitor.v1.event"),
    # Conversations v1
    "conversation_services": StreamDef(CONVERSATIONS, "conversations.v1.service"),
    # Read per Conversation Service (/v1/Services/{ChatServiceSid}/...): every service.
    "conversations": StreamDef(
        CONVERSATIONS, f"{SERVICE}.service_conversation", json_fields=("attributes",)
    ),
    "conversation_messages": StreamDef(
        CONVERSATIONS,
        f"{SERVICE}.service_conversation.service_conversation_message",
        json_fields=("attributes",),
    ),
    "conversation_participants": StreamDef(
        CONVERSATIONS,
        f"{SERVICE}.service_conversation.service_conversation_participant",
        json_fields=("attributes",),
    ),
    "conversation_users": StreamDef(
        CONVERSATIONS, f"{SERVICE}.service_user", json_fields=("attributes",)
    ),
    "conversation_user_conversations": StreamDef(
        CONVERSATIONS,
        f"{SERVICE}.service_user.service_user_conversation",
        ("user_sid", "conversation_sid"),
        json_fields=("attributes",),
    ),
    # Studio v2
    "studio_flows": StreamDef(STUDIO, "studio.v2.flow"),
    "studio_executions": StreamDef(STUDIO, "studio.v2.flow.execution"),
    "studio_execution_steps": StreamDef(STUDIO, "studio.v2.flow.execution.execution_step"),
    # Chat v2
    "chat_services": StreamDef(CHAT, "chat.v2.service"),
    "chat_roles": StreamDef(CHAT, "chat.v2.service.role"),
    "chat_channels": StreamDef(CHAT, "chat.v2.service.channel", json_fields=("attributes",)),
    "chat_channel_members": StreamDef(
        CHAT, "chat.v2.service.channel.member", json_fields=("attributes",)
    ),
    "chat_channel_messages": StreamDef(
        CHAT, "chat.v2.service.channel.message", json_fields=("attributes",)
    ),
    "chat_users": StreamDef(CHAT, "chat.v2.service.user", json_fields=("attributes",)),
    # Elastic SIP Trunking v1
    "sip_trunks": StreamDef(TRUNKING, "trunking.v1.trunk"),
    # Verify v2
    "verify_services": StreamDef(VERIFY, "verify.v2.service"),
    # TaskRouter v1
    "taskrouter_workspaces": StreamDef(TASKROUTER, "taskrouter.v1.workspace"),
    "taskrouter_activities": StreamDef(TASKROUTER, "taskrouter.v1.workspace.activity"),
    "taskrouter_task_queues": StreamDef(TASKROUTER, "taskrouter.v1.workspace.task_queue"),
    "taskrouter_tasks": StreamDef(
        TASKROUTER, "taskrouter.v1.workspace.task", json_fields=("attributes", "addons")
    ),
    "taskrouter_workers": StreamDef(
        TASKROUTER, "taskrouter.v1.workspace.worker", json_fields=("attributes",)
    ),
    "taskrouter_workflows": StreamDef(
        TASKROUTER, "taskrouter.v1.workspace.workflow", json_fields=("configuration",)
    ),
    "taskrouter_task_channels": StreamDef(TASKROUTER, "taskrouter.v1.workspace.task_channel"),
    "taskrouter_events": StreamDef(TASKROUTER, "taskrouter.v1.workspace.event"),
    "taskrouter_worker_channels": StreamDef(
        TASKROUTER, "taskrouter.v1.workspace.worker.worker_channel"
    ),
    "taskrouter_task_queue_statistics": StreamDef(
        TASKROUTER,
        "taskrouter.v1.workspace.task_queue.task_queue_cumulative_statistics",
        ("workspace_sid", "task_queue_sid", "start_time"),
    ),
}


def _curated(
    spec_file: str, component: str, keys: tuple[str, ...] = ("sid",), *extra: str
) -> StreamDef:
    """A curated stream read per account: account_sid and the parents' SIDs added."""
    return StreamDef(spec_file, component, keys, extra_fields=("account_sid", *extra))


# Curated streams of every product (issue 12, tap_twilio/streams/curated.py).
INSIGHTS = "twilio_insights_v1.json"
MESSAGING = "twilio_messaging_v1.json"
VIDEO = "twilio_video_v1.json"
SERVERLESS = "twilio_serverless_v1.json"
SYNC = "twilio_sync_v1.json"
INTELLIGENCE = "twilio_intelligence_v2.json"
SIP = "api.v2010.account.sip"
CURATED: dict[str, StreamDef] = {
    "sip_domains": _curated(API, f"{SIP}.sip_domain"),
    "sip_credential_lists": _curated(API, f"{SIP}.sip_credential_list"),
    "sip_ip_access_control_lists": _curated(API, f"{SIP}.sip_ip_access_control_list"),
    "short_codes": _curated(API, "api.v2010.account.short_code"),
    "call_events": _curated(
        API,
        "api.v2010.account.call.call_event",
        ("call_sid", "event_index"),
        "call_sid",
        "event_index",
    ),
    "queue_members": _curated(API, "api.v2010.account.queue.member", ("queue_sid", "call_sid")),
    "conference_recordings": _curated(API, "api.v2010.account.conference.conference_recording"),
    "signing_keys": _curated(API, "api.v2010.account.signing_key"),
    "connect_apps": _curated(API, "api.v2010.account.connect_app"),
    "authorized_connect_apps": _curated(
        API, "api.v2010.account.authorized_connect_app", ("account_sid", "connect_app_sid")
    ),
    "voice_insights_call_summaries": _curated(
        INSIGHTS, "insights.v1.call_summaries", ("call_sid",)
    ),
    "voice_insights_conference_summaries": _curated(
        INSIGHTS, "insights.v1.conference", ("conference_sid",)
    ),
    "voice_insights_conference_participant_summaries": _curated(
        INSIGHTS, "insights.v1.conference.conference_participant", ("participant_sid",)
    ),
    "messaging_services": _curated(MESSAGING, "messaging.v1.service"),
    "messaging_service_phone_numbers": _curated(MESSAGING, "messaging.v1.service.phone_number"),
    "messaging_service_short_codes": _curated(MESSAGING, "messaging.v1.service.short_code"),
    "messaging_service_alpha_senders": _curated(MESSAGING, "messaging.v1.service.alpha_sender"),
    # The list's item schema is empty in the spec; its records are campaigns.
    "messaging_us_a2p_campaigns": _curated(
        MESSAGING, "messaging.v1.service.us_app_to_person", ("sid",), "service_sid"
    ),
    "messaging_brand_registrations": _curated(MESSAGING, "messaging.v1.brand_registrations"),
    "messaging_tollfree_verifications": _curated(MESSAGING, "messaging.v1.tollfree_verification"),
    "verify_attempts": _curated(VERIFY, "verify.v2.verification_attempt"),
    "verify_service_rate_limits": _curated(VERIFY, "verify.v2.service.rate_limit"),
    "verify_service_entities": _curated(VERIFY, "verify.v2.service.entity"),
    "video_rooms": _curated(VIDEO, "video.v1.room"),
    "video_room_participants": _curated(VIDEO, "video.v1.room.room_participant"),
    "video_room_recordings": _curated(VIDEO, "video.v1.room.room_recording"),
    "video_compositions": _curated(VIDEO, "video.v1.composition"),
    "serverless_services": _curated(SERVERLESS, "serverless.v1.service"),
    "serverless_environments": _curated(SERVERLESS, "serverless.v1.service.environment"),
    "serverless_functions": _curated(SERVERLESS, "serverless.v1.service.function"),
    "serverless_builds": _curated(SERVERLESS, "serverless.v1.service.build"),
    "serverless_deployments": _curated(SERVERLESS, "serverless.v1.service.environment.deployment"),
    "sync_services": _curated(SYNC, "sync.v1.service"),
    "sync_documents": _curated(SYNC, "sync.v1.service.document"),
    "sync_lists": _curated(SYNC, "sync.v1.service.sync_list"),
    "sync_maps": _curated(SYNC, "sync.v1.service.sync_map"),
    "intelligence_services": _curated(INTELLIGENCE, "intelligence.v2.service"),
    "intelligence_transcripts": _curated(INTELLIGENCE, "intelligence.v2.transcript"),
    "intelligence_operator_results": _curated(
        INTELLIGENCE,
        "intelligence.v2.transcript.operator_result",
        ("transcript_sid", "operator_sid"),
    ),
    "content_templates": _curated("twilio_content_v1.json", "content.v1.content"),
    "event_stream_sinks": _curated("twilio_events_v1.json", "events.v1.sink"),
    "event_stream_subscriptions": _curated("twilio_events_v1.json", "events.v1.subscription"),
    "trusthub_customer_profiles": _curated(
        "twilio_trusthub_v1.json", "trusthub.v1.customer_profile"
    ),
    "trusthub_trust_products": _curated("twilio_trusthub_v1.json", "trusthub.v1.trust_product"),
    "regulatory_bundles": _curated(
        "twilio_numbers_v2.json", "numbers.v2.regulatory_compliance.bundle"
    ),
    # Price lists: reference data read once (for the configured account).
    "pricing_voice_countries": _curated(
        "twilio_pricing_v2.json", "pricing.v2.voice.voice_country", ("iso_country",)
    ),
    "pricing_messaging_countries": _curated(
        "twilio_pricing_v1.json", "pricing.v1.messaging.messaging_country", ("iso_country",)
    ),
    "supersim_sims": _curated("twilio_supersim_v1.json", "supersim.v1.sim"),
    "supersim_fleets": _curated("twilio_supersim_v1.json", "supersim.v1.fleet"),
    "supersim_usage_records": _curated(
        "twilio_supersim_v1.json",
        "supersim.v1.usage_record",
        ("sim_sid", "period_start"),
        "period_start",
    ),
    "wireless_sims": _curated("twilio_wireless_v1.json", "wireless.v1.sim"),
    "wireless_sim_usage_records": _curated(
        "twilio_wireless_v1.json",
        "wireless.v1.sim.usage_record",
        ("sim_sid", "period_start"),
        "period_start",
    ),
}
STREAMS.update(CURATED)

# Descriptions of the fields the tap adds to records.
EXTRA_FIELD_DESCRIPTIONS: dict[str, str] = {
    "account_sid": "SID of the Account the record was read from (added by the tap).",
    "address_sid": "SID of the parent Address (added by the tap).",
    "message_sid": "SID of the parent Message (added by the tap).",
    "country_code": (
        "ISO 3166-1 alpha-2 code of the parent AvailablePhoneNumbers country (added by the tap)."
    ),
    "call_sid": "SID of the parent Call (added by the tap).",
    "event_index": "Position of the event in its call's list, from 0 (added by the tap).",
    "service_sid": "SID of the parent Messaging Service (added by the tap).",
    "period_start": "Start of the usage period, copied from period (added by the tap).",
}

EXTRA_FIELD_TYPES: dict[str, list[str]] = {"event_index": ["integer", "null"]}
