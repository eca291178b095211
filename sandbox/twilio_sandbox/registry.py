"""Registry of every resource the sandbox serves (names = stream names in docs/streams-spec.md)."""

from __future__ import annotations

from twilio_sandbox.resource_spec import ResourceSpec
from twilio_sandbox.spec_lists import resource_specs

PRODUCTS = (
    "api",
    "monitor",
    "conversations",
    "studio",
    "chat",
    "trunking",
    "verify",
    "taskrouter",
    "accounts",
)

_ACC = "/2010-04-01/Accounts/{account_sid}"


def _api(name: str, tail: str, key: str | None, **kw: object) -> ResourceSpec:
    return ResourceSpec(name=name, product="api", path=_ACC + tail, list_key=key, **kw)  # type: ignore[arg-type]


def _prod(name: str, product: str, path: str, key: str | None, **kw: object) -> ResourceSpec:
    kw.setdefault("envelope", "meta")
    return ResourceSpec(
        name=name,
        product=product,
        path=path,
        list_key=key,
        account_in_path=False,
        **kw,  # type: ignore[arg-type]
    )


_NUMBERS = {
    "id_fields": ("iso_country", "phone_number"),
    "date_fields": (),
    "sort_field": None,
    "envelope": "bare",
    "token": "offset",
    "parents": (("country_code", "iso_country"),),
}

SPECS: list[ResourceSpec] = [
    # ---------------------------------------------------------------- 2010 API
    ResourceSpec(
        name="accounts",
        product="api",
        path="/2010-04-01/Accounts.json",
        list_key="accounts",
        eq_filters={"FriendlyName": "friendly_name", "Status": "status"},
    ),
    _api("account_balance", "/Balance.json", None, envelope="single", id_fields=("account_sid",)),
    _api(
        "addresses",
        "/Addresses.json",
        "addresses",
        eq_filters={
            "CustomerName": "customer_name",
            "FriendlyName": "friendly_name",
            "IsoCountry": "iso_country",
            "EmergencyEnabled": "emergency_enabled",
        },
    ),
    _api(
        "dependent_phone_numbers",
        "/Addresses/{address_sid}/DependentPhoneNumbers.json",
        "dependent_phone_numbers",
        parents=(("address_sid", None),),
    ),
    _api(
        "applications",
        "/Applications.json",
        "applications",
        eq_filters={"FriendlyName": "friendly_name"},
    ),
    _api(
        "available_phone_number_countries",
        "/AvailablePhoneNumbers.json",
        "countries",
        id_fields=("country_code",),
        date_fields=(),
        sort_field=None,
        envelope="bare",
        token="offset",
    ),
    _api(
        "available_phone_numbers_local",
        "/AvailablePhoneNumbers/{country_code}/Local.json",
        "available_phone_numbers",
        **_NUMBERS,
    ),
    _api(
        "available_phone_numbers_mobile",
        "/AvailablePhoneNumbers/{country_code}/Mobile.json",
        "available_phone_numbers",
        **_NUMBERS,
    ),
    _api(
        "available_phone_numbers_toll_free",
        "/AvailablePhoneNumbers/{country_code}/TollFree.json",
        "available_phone_numbers",
        **_NUMBERS,
    ),
    # Further number types offered by some countries' subresource_uris
    # (https://www.twilio.com/docs/phone-numbers/api/availablephonenumber-resource).
    *(
        _api(
            f"available_phone_numbers_{kind}",
            f"/AvailablePhoneNumbers/{{country_code}}/{segment}.json",
            "available_phone_numbers",
            **_NUMBERS,
        )
        for kind, segment in (
            ("national", "National"),
            ("voip", "Voip"),
            ("shared_cost", "SharedCost"),
            ("machine_to_machine", "MachineToMachine"),
        )
    ),
    _api(
        "calls",
        "/Calls.json",
        "calls",
        date_fields=("date_created", "date_updated", "start_time", "end_time"),
        # Newest first by start_time; a call canceled while queued never gets one
        # (https://www.twilio.com/docs/voice/api/call-resource#call-status-values).
        sort_field="start_time",
        descending=True,
        undated_switch=True,
        date_filters={"StartTime": "start_time", "EndTime": "end_time"},
        eq_filters={
            "To": "to",
            "From": "from",
            "Status": "status",
            "ParentCallSid": "parent_call_sid",
        },
    ),
    _api(
        "conferences",
        "/Conferences.json",
        "conferences",
        descending=True,
        date_filters={"DateCreated": "date_created", "DateUpdated": "date_updated"},
        eq_filters={"FriendlyName": "friendly_name", "Status": "status"},
    ),
    _api(
        "conference_participants",
        "/Conferences/{conference_sid}/Participants.json",
        "participants",
        parents=(("conference_sid", "conference_sid"),),
        id_fields=("conference_sid", "call_sid"),
        token="offset",
        eq_filters={"Muted": "muted", "Hold": "hold", "Coaching": "coaching"},
    ),
    _api(
        "incoming_phone_numbers",
        "/IncomingPhoneNumbers.json",
        "incoming_phone_numbers",
        eq_filters={
            "FriendlyName": "friendly_name",
            "PhoneNumber": "phone_number",
            "Origin": "origin",
            "Beta": "beta",
        },
    ),
    _api("keys", "/Keys.json", "keys"),
    _api(
        "messages",
        "/Messages.json",
        "messages",
        date_fields=("date_created", "date_updated", "date_sent"),
        # Newest first by date_sent; failed-before-sending, scheduled and canceled
        # messages never get one
        # (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
        sort_field="date_sent",
        descending=True,
        nulls_first=True,
        undated_switch=True,
        date_filters={"DateSent": "date_sent"},
        eq_filters={"To": "to", "From": "from"},
    ),
    _api(
        "message_media",
        "/Messages/{message_sid}/Media.json",
        "media_list",
        parents=(("message_sid", "parent_sid"),),
        date_filters={"DateCreated": "date_created"},
    ),
    _api(
        "outgoing_caller_ids",
        "/OutgoingCallerIds.json",
        "outgoing_caller_ids",
        eq_filters={"PhoneNumber": "phone_number", "FriendlyName": "friendly_name"},
    ),
    _api("queues", "/Queues.json", "queues"),
    _api(
        "recordings",
        "/Recordings.json",
        "recordings",
        date_fields=("date_created", "date_updated", "start_time"),
        date_filters={"DateCreated": "date_created"},
        eq_filters={"CallSid": "call_sid", "ConferenceSid": "conference_sid"},
    ),
    _api("transcriptions", "/Transcriptions.json", "transcriptions"),
    _api(
        "usage_records",
        "/Usage/Records/Daily.json",
        "usage_records",
        id_fields=("account_sid", "category", "start_date", "end_date"),
        date_fields=("start_date",),
        sort_field="start_date",
        token="offset",
        eq_filters={"Category": "category"},
    ),
    _api(
        "usage_triggers",
        "/Usage/Triggers.json",
        "usage_triggers",
        date_fields=("date_created", "date_updated", "date_fired"),
        eq_filters={
            "Recurring": "recurring",
            "TriggerBy": "trigger_by",
            "UsageCategory": "usage_category",
        },
    ),
    # ---------------------------------------------------------------- Monitor
    _prod(
        "alerts",
        "monitor",
        "/v1/Alerts",
        "alerts",
        date_fields=("date_created", "date_generated", "date_updated"),
        range_filters={"StartDate": ("date_generated", "ge"), "EndDate": ("date_generated", "le")},
        eq_filters={"LogLevel": "log_level"},
    ),
    _prod(
        "monitor_events",
        "monitor",
        "/v1/Events",
        "events",
        date_fields=("event_date",),
        sort_field="event_date",
        range_filters={"StartDate": ("event_date", "ge"), "EndDate": ("event_date", "le")},
        eq_filters={
            "ActorSid": "actor_sid",
            "EventType": "event_type",
            "ResourceSid": "resource_sid",
            "SourceIpAddress": "source_ip_address",
        },
    ),
    # ---------------------------------------------------------------- Conversations
    _prod("conversation_services", "conversations", "/v1/Services", "services", max_page_size=100),
    _prod(
        "conversations",
        "conversations",
        "/v1/Conversations",
        "conversations",
        service_path="/v1/Services/{chat_service_sid}/Conversations",
        max_page_size=100,
        range_filters={"StartDate": ("date_created", "ge"), "EndDate": ("date_created", "le")},
        eq_filters={"State": "state"},
    ),
    _prod(
        "conversation_messages",
        "conversations",
        "/v1/Conversations/{conversation_sid}/Messages",
        "messages",
        service_path="/v1/Services/{chat_service_sid}/Conversations/{conversation_sid}/Messages",
        parents=(("conversation_sid", "conversation_sid"),),
        sort_field="index",
        max_page_size=100,
    ),
    _prod(
        "conversation_participants",
        "conversations",
        "/v1/Conversations/{conversation_sid}/Participants",
        "participants",
        service_path="/v1/Services/{chat_service_sid}/Conversations/{conversation_sid}/Participants",
        parents=(("conversation_sid", "conversation_sid"),),
        max_page_size=100,
    ),
    _prod(
        "conversation_users",
        "conversations",
        "/v1/Users",
        "users",
        max_page_size=50,
        service_path="/v1/Services/{chat_service_sid}/Users",
    ),
    _prod(
        "conversation_user_conversations",
        "conversations",
        "/v1/Users/{user_sid}/Conversations",
        "conversations",
        service_path="/v1/Services/{chat_service_sid}/Users/{user_sid}/Conversations",
        parents=(("user_sid", "user_sid"),),
        id_fields=("user_sid", "conversation_sid"),
        token="offset",
        max_page_size=50,
    ),
    # ---------------------------------------------------------------- Studio
    _prod("studio_flows", "studio", "/v2/Flows", "flows"),
    _prod(
        "studio_executions",
        "studio",
        "/v2/Flows/{flow_sid}/Executions",
        "executions",
        parents=(("flow_sid", "flow_sid"),),
        range_filters={
            "DateCreatedFrom": ("date_created", "ge"),
            "DateCreatedTo": ("date_created", "lt"),
        },
        eq_filters={"status": "status"},
    ),
    _prod(
        "studio_execution_steps",
        "studio",
        "/v2/Flows/{flow_sid}/Executions/{execution_sid}/Steps",
        "steps",
        parents=(("flow_sid", "flow_sid"), ("execution_sid", "execution_sid")),
    ),
    # ---------------------------------------------------------------- Chat
    _prod("chat_services", "chat", "/v2/Services", "services", max_page_size=100),
    _prod(
        "chat_roles",
        "chat",
        "/v2/Services/{service_sid}/Roles",
        "roles",
        parents=(("service_sid", "service_sid"),),
        max_page_size=100,
    ),
    _prod(
        "chat_channels",
        "chat",
        "/v2/Services/{service_sid}/Channels",
        "channels",
        parents=(("service_sid", "service_sid"),),
        max_page_size=100,
        eq_filters={"Type": "type"},
    ),
    _prod(
        "chat_channel_members",
        "chat",
        "/v2/Services/{service_sid}/Channels/{channel_sid}/Members",
        "members",
        parents=(("service_sid", "service_sid"), ("channel_sid", "channel_sid")),
        max_page_size=100,
        eq_filters={"Identity": "identity"},
    ),
    _prod(
        "chat_channel_messages",
        "chat",
        "/v2/Services/{service_sid}/Channels/{channel_sid}/Messages",
        "messages",
        parents=(("service_sid", "service_sid"), ("channel_sid", "channel_sid")),
        sort_field="index",
        max_page_size=100,
    ),
    _prod(
        "chat_users",
        "chat",
        "/v2/Services/{service_sid}/Users",
        "users",
        parents=(("service_sid", "service_sid"),),
        max_page_size=100,
    ),
    # ---------------------------------------------------------------- Trunking / Verify
    _prod("sip_trunks", "trunking", "/v1/Trunks", "trunks"),
    _prod("verify_services", "verify", "/v2/Services", "services"),
    # ---------------------------------------------------------------- TaskRouter
    _prod(
        "taskrouter_workspaces",
        "taskrouter",
        "/v1/Workspaces",
        "workspaces",
        eq_filters={"FriendlyName": "friendly_name"},
    ),
    _prod(
        "taskrouter_activities",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/Activities",
        "activities",
        parents=(("workspace_sid", "workspace_sid"),),
        eq_filters={"FriendlyName": "friendly_name", "Available": "available"},
    ),
    _prod(
        "taskrouter_task_queues",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/TaskQueues",
        "task_queues",
        parents=(("workspace_sid", "workspace_sid"),),
        eq_filters={"FriendlyName": "friendly_name"},
    ),
    _prod(
        "taskrouter_tasks",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/Tasks",
        "tasks",
        parents=(("workspace_sid", "workspace_sid"),),
        date_fields=(
            "date_created",
            "date_updated",
            "task_queue_entered_date",
            "virtual_start_time",
        ),
        eq_filters={
            "AssignmentStatus": "assignment_status",
            "WorkflowSid": "workflow_sid",
            "TaskQueueSid": "task_queue_sid",
            "Priority": "priority",
        },
    ),
    _prod(
        "taskrouter_workers",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/Workers",
        "workers",
        parents=(("workspace_sid", "workspace_sid"),),
        date_fields=("date_created", "date_updated", "date_status_changed"),
        eq_filters={
            "ActivityName": "activity_name",
            "ActivitySid": "activity_sid",
            "Available": "available",
            "FriendlyName": "friendly_name",
        },
    ),
    _prod(
        "taskrouter_workflows",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/Workflows",
        "workflows",
        parents=(("workspace_sid", "workspace_sid"),),
        eq_filters={"FriendlyName": "friendly_name"},
    ),
    _prod(
        "taskrouter_task_channels",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/TaskChannels",
        "channels",
        parents=(("workspace_sid", "workspace_sid"),),
    ),
    _prod(
        "taskrouter_events",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/Events",
        "events",
        parents=(("workspace_sid", "workspace_sid"),),
        date_fields=("event_date",),
        sort_field="event_date",
        eq_filters={
            "EventType": "event_type",
            "Sid": "sid",
            "TaskSid": "resource_sid",
            "WorkerSid": "actor_sid",
        },
    ),
    _prod(
        "taskrouter_worker_channels",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/Workers/{worker_sid}/Channels",
        "channels",
        parents=(("workspace_sid", "workspace_sid"), ("worker_sid", "worker_sid")),
    ),
    _prod(
        "taskrouter_task_queue_statistics",
        "taskrouter",
        "/v1/Workspaces/{workspace_sid}/TaskQueues/{task_queue_sid}/CumulativeStatistics",
        None,
        envelope="single",
        parents=(("workspace_sid", "workspace_sid"), ("task_queue_sid", "task_queue_sid")),
        id_fields=("workspace_sid", "task_queue_sid", "start_time"),
        date_fields=("start_time", "end_time"),
        sort_field=None,
    ),
]

# Every other published list: curated product data and spec-shaped records (issue 12).
SPECS += resource_specs(SPECS)
PRODUCTS = tuple(dict.fromkeys((*PRODUCTS, *(spec.product for spec in SPECS))))

REGISTRY: dict[str, ResourceSpec] = {spec.name: spec for spec in SPECS}

# Parent resource -> child resources whose (empty) scopes are created with the parent.
CHILDREN: dict[str, tuple[str, ...]] = {
    "addresses": ("dependent_phone_numbers",),
    "conferences": ("conference_participants",),
    "messages": ("message_media",),
    "conversations": ("conversation_messages", "conversation_participants"),
    "conversation_users": ("conversation_user_conversations",),
    "studio_flows": ("studio_executions",),
    "studio_executions": ("studio_execution_steps",),
    "chat_services": ("chat_roles", "chat_channels", "chat_users"),
    "chat_channels": ("chat_channel_members", "chat_channel_messages"),
    "taskrouter_workspaces": (
        "taskrouter_activities",
        "taskrouter_task_queues",
        "taskrouter_tasks",
        "taskrouter_workers",
        "taskrouter_workflows",
        "taskrouter_task_channels",
        "taskrouter_events",
    ),
    "taskrouter_workers": ("taskrouter_worker_channels",),
}
