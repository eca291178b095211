"""Twilio streams: each one declares its list, keys and incremental filter; nothing else."""

from __future__ import annotations

import datetime as dt
import sys
import typing as t

from tap_twilio.client import (
    CoreStream,
    ProductStream,
    TwilioAPIError,
    parse_datetime,
    remember_account_token,
    rfc2822_to_iso,
)

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

ACCOUNT = "/2010-04-01/Accounts/{account_sid}"


class AccountsStream(CoreStream):
    """The main account and its subaccounts; the parent of every per-account stream."""

    name = "accounts"
    path = "/2010-04-01/Accounts.json"
    list_key = "accounts"
    primary_keys = ("sid",)
    dropped_fields = ("auth_token",)
    context_fields = ()
    state_partitioning_keys = None

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        seen = set()
        for row in super().get_records(context):
            seen.add(row.get("sid"))
            yield row
        missing = sorted(set(self.config.get("account_sids") or ()) - seen)
        if missing:
            msg = (
                f"account_sids: {', '.join(missing)} is not an account these credentials "
                "can read (Accounts.json does not list it)"
            )
            raise TwilioAPIError(msg)

    @override
    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        if not self._wanted(row.get("sid", "")):
            return None
        remember_account_token(self._tap, row.get("sid"), row.get("auth_token"))
        return super().shape_record(row, context)

    def _wanted(self, sid: str) -> bool:
        """Whether the config selects this account (all, main only, a list, or a shard).

        ``account_shard: "i/N"`` keeps the subaccounts whose SID's SHA-256 (first 8 bytes,
        big-endian) is i - 1 modulo N; the main account belongs to shard 1 only.
        """
        import hashlib

        listed = self.config.get("account_sids")
        if listed:
            return sid in listed
        main = sid == self.config["account_sid"]
        shard = self.config.get("account_shard")
        index, count = (int(n) for n in str(shard).split("/")) if shard else (1, 1)
        if main:
            return index == 1
        if not self.config.get("include_subaccounts", True):
            return False
        digest = hashlib.sha256(sid.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % count == index - 1

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        owner = record.get("owner_account_sid")
        return {
            "account_sid": record["sid"],
            "account_created": record.get("date_created"),
            "subaccount": bool(owner and owner != record["sid"]),
        }

    @override
    def generate_child_contexts(
        self,
        record: Record,
        context: Context | None,
    ) -> t.Iterable[Context | None]:
        """Every account's lists, except a subaccount that is not active (Twilio refuses it).

        Twilio answers every request for a suspended or closed account with 401, code
        20005 "Account not active": its ``accounts`` record is emitted, nothing else is read.
        """
        status = record.get("status") or "active"
        if status == "active" or record["sid"] == self.config["account_sid"]:
            yield self.get_child_context(record, context)
            return
        warned = self.__dict__.setdefault("_inactive_warned", set())
        if record["sid"] not in warned:
            warned.add(record["sid"])
            self.logger.warning(
                "Skipping subaccount %s: its status is %s, and Twilio refuses requests for "
                "accounts that are not active (only its accounts record is emitted).",
                record["sid"],
                status,
            )


class AccountChild(CoreStream):
    """A per-account list of the core API."""

    parent_stream_type = AccountsStream


class AccountProductStream(ProductStream):
    """A product list read once per account, with that account's credentials."""

    parent_stream_type = AccountsStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid"]


class AccountBalanceStream(AccountChild):
    """The account's balance (Twilio keeps none for subaccounts: not requested)."""

    name = "account_balance"
    path = f"{ACCOUNT}/Balance.json"
    primary_keys = ("account_sid",)
    empty_on_404 = True

    @override
    def wants(self, context: Context | None) -> bool:
        return not (context or {}).get("subaccount") and super().wants(context)

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        return super().get_records(context) if self.wants(context) else []


class AddressesStream(AccountChild):
    """Addresses registered on the account."""

    name = "addresses"
    path = f"{ACCOUNT}/Addresses.json"
    list_key = "addresses"
    primary_keys = ("sid",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return {"account_sid": record["account_sid"], "address_sid": record["sid"]}


class DependentPhoneNumbersStream(CoreStream):
    """Phone numbers that depend on an address."""

    name = "dependent_phone_numbers"
    parent_stream_type = AddressesStream
    path = f"{ACCOUNT}/Addresses/{{address_sid}}/DependentPhoneNumbers.json"
    list_key = "dependent_phone_numbers"
    primary_keys = ("sid",)
    context_fields = ("account_sid", "address_sid")


class ApplicationsStream(AccountChild):
    """TwiML applications."""

    name = "applications"
    path = f"{ACCOUNT}/Applications.json"
    list_key = "applications"
    primary_keys = ("sid",)


class AvailablePhoneNumberCountriesStream(AccountChild):
    """Countries where the account can buy numbers, with the number types offered.

    Numbers for sale are Twilio's catalogue, the same for every account: not account data,
    so these streams are not selected by default.
    """

    selected_by_default = False
    name = "available_phone_number_countries"
    path = f"{ACCOUNT}/AvailablePhoneNumbers.json"
    list_key = "countries"
    primary_keys = ("account_sid", "country_code")

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        offered = sorted((record.get("subresource_uris") or {}).keys())
        return {
            "account_sid": record["account_sid"],
            "country_code": record["country_code"],
            "number_types": ",".join(offered),
        }


class AvailablePhoneNumbersStream(CoreStream):
    """Numbers of one type on offer in a country; read only where the country offers it."""

    parent_stream_type = AvailablePhoneNumberCountriesStream
    list_key = "available_phone_numbers"
    primary_keys = ("account_sid", "iso_country", "phone_number")
    context_fields = ("account_sid", "country_code")
    selected_by_default = False
    number_type: t.ClassVar[str]

    @override
    def wants(self, context: Context | None) -> bool:
        offered = (context or {}).get("number_types", "").split(",")
        return self.number_type in offered and super().wants(context)

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        if not self.wants(context):
            return []
        return super().get_records(context)


class AvailablePhoneNumbersLocalStream(AvailablePhoneNumbersStream):
    """Local numbers on offer."""

    name = "available_phone_numbers_local"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/Local.json"
    number_type = "local"


class AvailablePhoneNumbersMobileStream(AvailablePhoneNumbersStream):
    """Mobile numbers on offer."""

    name = "available_phone_numbers_mobile"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/Mobile.json"
    number_type = "mobile"


class AvailablePhoneNumbersTollFreeStream(AvailablePhoneNumbersStream):
    """Toll-free numbers on offer."""

    name = "available_phone_numbers_toll_free"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/TollFree.json"
    number_type = "toll_free"


class AvailablePhoneNumbersNationalStream(AvailablePhoneNumbersStream):
    """National numbers on offer."""

    name = "available_phone_numbers_national"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/National.json"
    number_type = "national"


class AvailablePhoneNumbersVoipStream(AvailablePhoneNumbersStream):
    """VoIP numbers on offer."""

    name = "available_phone_numbers_voip"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/Voip.json"
    number_type = "voip"


class AvailablePhoneNumbersSharedCostStream(AvailablePhoneNumbersStream):
    """Shared-cost numbers on offer."""

    name = "available_phone_numbers_shared_cost"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/SharedCost.json"
    number_type = "shared_cost"


class AvailablePhoneNumbersMachineToMachineStream(AvailablePhoneNumbersStream):
    """Machine-to-machine numbers on offer."""

    name = "available_phone_numbers_machine_to_machine"
    path = f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/MachineToMachine.json"
    number_type = "machine_to_machine"


class CallsStream(AccountChild):
    """Calls: the whole list each run (a call canceled while queued has no start time).

    Emitted: calls started (or, undated, created) since the bookmark minus the lookback,
    and those still in progress at the last run; with ``full_scan_messages_and_calls``
    false, only the ``StartTime>`` window is read. See ``tap_twilio.changes``.
    """

    name = "calls"
    path = f"{ACCOUNT}/Calls.json"
    list_key = "calls"
    primary_keys = ("sid",)
    replication_key = "start_time"
    start_param = "StartTime>"
    full_scan = True
    full_scan_setting = "full_scan_messages_and_calls"
    # https://www.twilio.com/docs/voice/api/call-resource#call-status-values
    open_values = frozenset({"queued", "initiated", "ringing", "in-progress"})
    open_days = 7


class ConferencesStream(AccountChild):
    """Conferences, filtered server-side by last update (catches status changes)."""

    name = "conferences"
    path = f"{ACCOUNT}/Conferences.json"
    list_key = "conferences"
    primary_keys = ("sid",)
    replication_key = "date_updated"
    start_param = "DateUpdated>"

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return {"account_sid": record["account_sid"], "conference_sid": record["sid"]}


class ConferenceParticipantsStream(CoreStream):
    """Participants of the conferences read in this run."""

    name = "conference_participants"
    parent_stream_type = ConferencesStream
    path = f"{ACCOUNT}/Conferences/{{conference_sid}}/Participants.json"
    list_key = "participants"
    primary_keys = ("conference_sid", "call_sid")
    context_fields = ("account_sid", "conference_sid")


class IncomingPhoneNumbersStream(AccountChild):
    """Phone numbers the account owns."""

    name = "incoming_phone_numbers"
    path = f"{ACCOUNT}/IncomingPhoneNumbers.json"
    list_key = "incoming_phone_numbers"
    primary_keys = ("sid",)


class KeysStream(AccountChild):
    """API keys (SID and name only; Twilio never lists secrets)."""

    name = "keys"
    path = f"{ACCOUNT}/Keys.json"
    list_key = "keys"
    primary_keys = ("sid",)


class MessagesStream(AccountChild):
    """SMS/MMS/WhatsApp messages.

    The whole list is read each run, because a message that fails before it is sent or a
    scheduled message that is canceled never gets a ``date_sent`` that a ``DateSent>``
    filter could match. Emitted: messages sent (or, undated, created) since the bookmark
    minus the lookback, and those still in flight at the last run (queued, scheduled,
    sent …) until they are final. With ``full_scan_messages_and_calls`` false, only the
    ``DateSent>`` window is read. See ``tap_twilio.changes``.
    """

    name = "messages"
    path = f"{ACCOUNT}/Messages.json"
    list_key = "messages"
    primary_keys = ("sid",)
    replication_key = "date_sent"
    start_param = "DateSent>"
    retention_days = 400
    full_scan = True
    full_scan_setting = "full_scan_messages_and_calls"
    # https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
    open_values = frozenset({"queued", "accepted", "scheduled", "sending", "sent", "receiving"})
    open_days = 7

    @override
    def generate_child_contexts(
        self,
        record: Record,
        context: Context | None,
    ) -> t.Iterable[Context | None]:
        if str(record.get("num_media") or "0") != "0":
            yield {"account_sid": record["account_sid"], "message_sid": record["sid"]}


class MessageMediaStream(CoreStream):
    """Media of the messages emitted in this run (only messages that have media).

    Each message's whole media list is read (one request): a message first seen long
    after it was created still brings its media.
    """

    name = "message_media"
    parent_stream_type = MessagesStream
    path = f"{ACCOUNT}/Messages/{{message_sid}}/Media.json"
    list_key = "media_list"
    primary_keys = ("sid",)
    context_fields = ("account_sid", "message_sid")


class OutgoingCallerIdsStream(AccountChild):
    """Verified caller IDs."""

    name = "outgoing_caller_ids"
    path = f"{ACCOUNT}/OutgoingCallerIds.json"
    list_key = "outgoing_caller_ids"
    primary_keys = ("sid",)


class QueuesStream(AccountChild):
    """Call queues."""

    name = "queues"
    path = f"{ACCOUNT}/Queues.json"
    list_key = "queues"
    primary_keys = ("sid",)


class RecordingsStream(AccountChild):
    """Call and conference recordings, filtered server-side by creation date."""

    name = "recordings"
    path = f"{ACCOUNT}/Recordings.json"
    list_key = "recordings"
    primary_keys = ("sid",)
    replication_key = "date_created"
    start_param = "DateCreated>"
    retention_days = 400


class TranscriptionsStream(AccountChild):
    """Recording transcriptions."""

    name = "transcriptions"
    path = f"{ACCOUNT}/Transcriptions.json"
    list_key = "transcriptions"
    primary_keys = ("sid",)


class UsageRecordsStream(AccountChild):
    """Daily usage per category and account (subaccounts' usage is not added in)."""

    name = "usage_records"
    path = f"{ACCOUNT}/Usage/Records/Daily.json"
    list_key = "usage_records"
    primary_keys = ("account_sid", "category", "start_date", "end_date")
    replication_key = "start_date"
    start_param = "StartDate"
    end_param = "EndDate"
    filter_format = "date"  # one row per day: the API takes YYYY-MM-DD
    window_required = True
    empty_on_404 = True
    extra_params: t.ClassVar[dict[str, str]] = {"IncludeSubaccounts": "false"}

    @override
    def adjust_window_start(
        self,
        start: dt.datetime | None,
        context: Context | None,
    ) -> dt.datetime | None:
        """Twilio answers 404 for days before the account existed: start there at the earliest."""
        created = (context or {}).get("account_created")
        if not created:
            return start
        born = parse_datetime(rfc2822_to_iso(created)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return born if start is None or start < born else start


class UsageTriggersStream(AccountChild):
    """Usage triggers (alerts on usage thresholds)."""

    name = "usage_triggers"
    path = f"{ACCOUNT}/Usage/Triggers.json"
    list_key = "usage_triggers"
    primary_keys = ("sid",)


class AlertsStream(AccountProductStream):
    """Monitor alerts (errors and warnings); Twilio keeps 30 days of them."""

    product_root = True

    name = "alerts"
    product = "monitor"
    path = "/v1/Alerts"
    list_key = "alerts"
    primary_keys = ("sid",)
    replication_key = "date_generated"
    start_param = "StartDate"
    end_param = "EndDate"
    retention_days = 30
    window_required = True


class MonitorEventsStream(AccountProductStream):
    """Monitor events: the account's audit log."""

    name = "monitor_events"
    product = "monitor"
    path = "/v1/Events"
    list_key = "events"
    primary_keys = ("sid",)
    replication_key = "event_date"
    start_param = "StartDate"
    end_param = "EndDate"


# Conversations v1 ------------------------------------------------------------------------


class ConversationServicesStream(AccountProductStream):
    """Conversation services: the default one and every other; parent of all conversation data."""

    product_root = True

    name = "conversation_services"
    product = "conversations"
    path = "/v1/Services"
    list_key = "services"
    max_page_size = 100
    primary_keys = ("sid",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, chat_service_sid=record["sid"])


class ConversationServiceChild(ProductStream):
    """A list under one Conversation Service (``/v1/Conversations`` shows only the default)."""

    product = "conversations"
    parent_stream_type = ConversationServicesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "chat_service_sid"]
    max_page_size = 100
    primary_keys = ("sid",)
    json_string_fields = ("attributes",)
    context_fields = ("chat_service_sid",)


class ConversationsStream(ConversationServiceChild):
    """Conversations of every service; an incremental run reads only those that can change.

    Read each run: conversations created since the bookmark (``StartDate``), those still
    open (``State=active``, ``State=inactive``), and by SID those open at the last run that
    are neither (closed since). A closed conversation takes no new messages, so its
    messages and participants are never read again. See ``tap_twilio.changes``.
    """

    name = "conversations"
    path = "/v1/Services/{chat_service_sid}/Conversations"
    list_key = "conversations"
    replication_key = "date_updated"
    start_param = "StartDate"
    end_param = "EndDate"
    # https://www.twilio.com/docs/conversations/api/conversation-resource (State filter)
    open_params = ({"State": "active"}, {"State": "inactive"})
    open_field = "state"
    # https://www.twilio.com/docs/conversations/states-timers: closed is final
    open_values = frozenset({"initializing", "active", "inactive"})

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(
            context, chat_service_sid=record["chat_service_sid"], conversation_sid=record["sid"]
        )


class ConversationChild(ConversationServiceChild):
    """A list under one conversation, read for the conversations emitted in this run."""

    parent_stream_type = ConversationsStream
    context_fields = ("chat_service_sid", "conversation_sid")


class ConversationMessagesStream(ConversationChild):
    """Messages of each conversation that can have changed."""

    name = "conversation_messages"
    path = "/v1/Services/{chat_service_sid}/Conversations/{conversation_sid}/Messages"
    list_key = "messages"


class ConversationParticipantsStream(ConversationChild):
    """Participants of each conversation that can have changed."""

    name = "conversation_participants"
    path = "/v1/Services/{chat_service_sid}/Conversations/{conversation_sid}/Participants"
    list_key = "participants"


class ConversationUsersStream(ConversationServiceChild):
    """Conversation users of every service."""

    name = "conversation_users"
    path = "/v1/Services/{chat_service_sid}/Users"
    list_key = "users"
    max_page_size = 50

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(
            context, chat_service_sid=record["chat_service_sid"], user_sid=record["sid"]
        )


class ConversationUserConversationsStream(ConversationServiceChild):
    """The conversations each user takes part in (one row per user and conversation)."""

    name = "conversation_user_conversations"
    parent_stream_type = ConversationUsersStream
    path = "/v1/Services/{chat_service_sid}/Users/{user_sid}/Conversations"
    list_key = "conversations"
    max_page_size = 50
    primary_keys = ("user_sid", "conversation_sid")
    context_fields = ("chat_service_sid", "user_sid")


# Studio v2 -------------------------------------------------------------------------------


class StudioFlowsStream(AccountProductStream):
    """Studio flows, with their definition."""

    product_root = True

    name = "studio_flows"
    product = "studio"
    path = "/v2/Flows"
    list_key = "flows"
    primary_keys = ("sid",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, flow_sid=record["sid"])


class StudioExecutionsStream(ProductStream):
    """Executions of each flow, filtered server-side by creation date (state per flow)."""

    name = "studio_executions"
    product = "studio"
    parent_stream_type = StudioFlowsStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "flow_sid"]
    path = "/v2/Flows/{flow_sid}/Executions"
    list_key = "executions"
    primary_keys = ("sid",)
    replication_key = "date_created"
    start_param = "DateCreatedFrom"
    end_param = "DateCreatedTo"
    context_fields = ("flow_sid",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, flow_sid=record["flow_sid"], execution_sid=record["sid"])


class StudioExecutionStepsStream(ProductStream):
    """Steps of the executions read in this run."""

    name = "studio_execution_steps"
    product = "studio"
    parent_stream_type = StudioExecutionsStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "flow_sid"]
    path = "/v2/Flows/{flow_sid}/Executions/{execution_sid}/Steps"
    list_key = "steps"
    primary_keys = ("sid",)
    context_fields = ("flow_sid", "execution_sid")


# Chat v2 ---------------------------------------------------------------------------------


class ChatServicesStream(AccountProductStream):
    """Chat services."""

    product_root = True

    name = "chat_services"
    product = "chat"
    path = "/v2/Services"
    list_key = "services"
    max_page_size = 100
    primary_keys = ("sid",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, service_sid=record["sid"])


class ChatServiceChild(ProductStream):
    """A list under one chat service."""

    product = "chat"
    parent_stream_type = ChatServicesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid"]
    max_page_size = 100
    primary_keys = ("sid",)
    context_fields = ("service_sid",)


class ChatRolesStream(ChatServiceChild):
    """Roles of each chat service."""

    name = "chat_roles"
    path = "/v2/Services/{service_sid}/Roles"
    list_key = "roles"


class ChatUsersStream(ChatServiceChild):
    """Users of each chat service."""

    name = "chat_users"
    path = "/v2/Services/{service_sid}/Users"
    list_key = "users"
    json_string_fields = ("attributes",)


class ChatChannelsStream(ChatServiceChild):
    """Channels of each chat service."""

    name = "chat_channels"
    path = "/v2/Services/{service_sid}/Channels"
    list_key = "channels"
    json_string_fields = ("attributes",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, service_sid=record["service_sid"], channel_sid=record["sid"])


class ChatChannelMembersStream(ChatServiceChild):
    """Members of each chat channel."""

    name = "chat_channel_members"
    parent_stream_type = ChatChannelsStream
    path = "/v2/Services/{service_sid}/Channels/{channel_sid}/Members"
    list_key = "members"
    json_string_fields = ("attributes",)
    context_fields = ("service_sid", "channel_sid")


class ChatChannelMessagesStream(ChatServiceChild):
    """Messages of each chat channel."""

    name = "chat_channel_messages"
    parent_stream_type = ChatChannelsStream
    path = "/v2/Services/{service_sid}/Channels/{channel_sid}/Messages"
    list_key = "messages"
    json_string_fields = ("attributes",)
    context_fields = ("service_sid", "channel_sid")


# Trunking v1, Verify v2 ------------------------------------------------------------------


class SipTrunksStream(AccountProductStream):
    """Elastic SIP trunks."""

    product_root = True

    name = "sip_trunks"
    product = "trunking"
    path = "/v1/Trunks"
    list_key = "trunks"
    primary_keys = ("sid",)


class VerifyServicesStream(AccountProductStream):
    """Verify services."""

    product_root = True

    name = "verify_services"
    product = "verify"
    path = "/v2/Services"
    list_key = "services"
    primary_keys = ("sid",)


# TaskRouter v1 ---------------------------------------------------------------------------


class TaskRouterWorkspacesStream(AccountProductStream):
    """TaskRouter workspaces: all, or those listed in ``taskrouter_workspace_sids``."""

    product_root = True

    name = "taskrouter_workspaces"
    product = "taskrouter"
    path = "/v1/Workspaces"
    list_key = "workspaces"
    primary_keys = ("sid",)

    @override
    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        listed = self.config.get("taskrouter_workspace_sids")
        if listed and row.get("sid") not in listed:
            return None
        return super().shape_record(row, context)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, workspace_sid=record["sid"])


class WorkspaceChild(ProductStream):
    """A list under one TaskRouter workspace (state per workspace)."""

    product = "taskrouter"
    parent_stream_type = TaskRouterWorkspacesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "workspace_sid"]
    primary_keys = ("sid",)
    context_fields = ("workspace_sid",)


class TaskRouterActivitiesStream(WorkspaceChild):
    """Worker activities."""

    name = "taskrouter_activities"
    path = "/v1/Workspaces/{workspace_sid}/Activities"
    list_key = "activities"


class TaskRouterTaskQueuesStream(WorkspaceChild):
    """Task queues."""

    name = "taskrouter_task_queues"
    path = "/v1/Workspaces/{workspace_sid}/TaskQueues"
    list_key = "task_queues"

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(
            context, workspace_sid=record["workspace_sid"], task_queue_sid=record["sid"]
        )


class TaskRouterTaskQueueStatisticsStream(WorkspaceChild):
    """Cumulative statistics of each task queue, as of the sync."""

    name = "taskrouter_task_queue_statistics"
    parent_stream_type = TaskRouterTaskQueuesStream
    path = "/v1/Workspaces/{workspace_sid}/TaskQueues/{task_queue_sid}/CumulativeStatistics"
    primary_keys = ("workspace_sid", "task_queue_sid", "start_time")
    context_fields = ("workspace_sid", "task_queue_sid")


class TaskRouterTasksStream(WorkspaceChild):
    """Tasks (Twilio keeps finished tasks only briefly)."""

    name = "taskrouter_tasks"
    path = "/v1/Workspaces/{workspace_sid}/Tasks"
    list_key = "tasks"
    json_string_fields = ("attributes", "addons")


class TaskRouterWorkersStream(WorkspaceChild):
    """Workers."""

    name = "taskrouter_workers"
    path = "/v1/Workspaces/{workspace_sid}/Workers"
    list_key = "workers"
    json_string_fields = ("attributes",)

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return self.child(context, workspace_sid=record["workspace_sid"], worker_sid=record["sid"])


class TaskRouterWorkerChannelsStream(WorkspaceChild):
    """Each worker's capacity per task channel."""

    name = "taskrouter_worker_channels"
    parent_stream_type = TaskRouterWorkersStream
    path = "/v1/Workspaces/{workspace_sid}/Workers/{worker_sid}/Channels"
    list_key = "channels"
    context_fields = ("workspace_sid", "worker_sid")


class TaskRouterWorkflowsStream(WorkspaceChild):
    """Workflows, with their configuration."""

    name = "taskrouter_workflows"
    path = "/v1/Workspaces/{workspace_sid}/Workflows"
    list_key = "workflows"
    json_string_fields = ("configuration",)


class TaskRouterTaskChannelsStream(WorkspaceChild):
    """Task channels."""

    name = "taskrouter_task_channels"
    path = "/v1/Workspaces/{workspace_sid}/TaskChannels"
    list_key = "channels"


class TaskRouterEventsStream(WorkspaceChild):
    """Workspace events; a window is always sent (without one Twilio returns 15 minutes)."""

    name = "taskrouter_events"
    path = "/v1/Workspaces/{workspace_sid}/Events"
    list_key = "events"
    replication_key = "event_date"
    start_param = "StartDate"
    end_param = "EndDate"
    window_required = True
    default_window_days = 30


CORE_STREAMS: tuple[type[CoreStream | ProductStream], ...] = (
    AccountsStream,
    AccountBalanceStream,
    AddressesStream,
    DependentPhoneNumbersStream,
    ApplicationsStream,
    AvailablePhoneNumberCountriesStream,
    AvailablePhoneNumbersLocalStream,
    AvailablePhoneNumbersMobileStream,
    AvailablePhoneNumbersTollFreeStream,
    AvailablePhoneNumbersNationalStream,
    AvailablePhoneNumbersVoipStream,
    AvailablePhoneNumbersSharedCostStream,
    AvailablePhoneNumbersMachineToMachineStream,
    CallsStream,
    ConferencesStream,
    ConferenceParticipantsStream,
    IncomingPhoneNumbersStream,
    KeysStream,
    MessagesStream,
    MessageMediaStream,
    OutgoingCallerIdsStream,
    QueuesStream,
    RecordingsStream,
    TranscriptionsStream,
    UsageRecordsStream,
    UsageTriggersStream,
    AlertsStream,
)

PRODUCT_STREAMS: tuple[type[ProductStream], ...] = (
    MonitorEventsStream,
    ConversationServicesStream,
    ConversationsStream,
    ConversationMessagesStream,
    ConversationParticipantsStream,
    ConversationUsersStream,
    ConversationUserConversationsStream,
    StudioFlowsStream,
    StudioExecutionsStream,
    StudioExecutionStepsStream,
    ChatServicesStream,
    ChatRolesStream,
    ChatUsersStream,
    ChatChannelsStream,
    ChatChannelMembersStream,
    ChatChannelMessagesStream,
    SipTrunksStream,
    VerifyServicesStream,
    TaskRouterWorkspacesStream,
    TaskRouterActivitiesStream,
    TaskRouterTaskQueuesStream,
    TaskRouterTaskQueueStatisticsStream,
    TaskRouterTasksStream,
    TaskRouterWorkersStream,
    TaskRouterWorkerChannelsStream,
    TaskRouterWorkflowsStream,
    TaskRouterTaskChannelsStream,
    TaskRouterEventsStream,
)

# Curated and long-tail streams build on the classes above, hence imported here.
from tap_twilio.curated import CURATED_STREAMS  # noqa: E402
from tap_twilio.spec_streams import SPEC_STREAMS  # noqa: E402

STREAMS = CORE_STREAMS + PRODUCT_STREAMS + CURATED_STREAMS + SPEC_STREAMS
