"""Streams of Twilio's product APIs (``meta`` envelope, ISO dates), read per account.

Monitor events, Conversations, Studio, Chat, Trunking, Verify and TaskRouter; each account is
read with its own credentials.
"""

from __future__ import annotations

import sys
import typing as t

from tap_twilio.engine.client import ProductStream
from tap_twilio.streams.core import AccountProductStream

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import Stream


class MonitorEventsStream(AccountProductStream):
    """Monitor events: the account's audit log."""

    name = "monitor_events"
    product = "monitor"
    path = "/v1/Events"
    list_key = "events"
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
    child_key = "chat_service_sid"


class ConversationServiceChild(ProductStream):
    """A list under one Conversation Service (``/v1/Conversations`` shows only the default)."""

    product = "conversations"
    parent_stream_type: type[Stream] | None = ConversationServicesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "chat_service_sid"]
    max_page_size = 100
    json_string_fields = ("attributes",)
    context_fields: t.ClassVar[tuple[str, ...]] = ("chat_service_sid",)


class ConversationsStream(ConversationServiceChild):
    """Conversations of every service; only those that can have changed are emitted.

    Twilio filters conversations on creation and state only, and a closed conversation can
    still be renamed or get new attributes: at each reconciliation (``reconcile_interval``)
    the list is read whole (100 a page) and emitted are the conversations updated since
    the bookmark (minus the lookback), those still open, and those open at the last run.
    Between reconciliations: the open ones (``State=active``, ``State=inactive``), those
    created in the window, and by SID those open at the last run. Their messages and
    participants are read; a closed conversation takes no new messages, so the closed
    history's are never read again.
    See ``tap_twilio.engine.changes``.
    """

    name = "conversations"
    path = "/v1/Services/{chat_service_sid}/Conversations"
    list_key = "conversations"
    replication_key = "date_updated"
    start_param = "StartDate"
    end_param = "EndDate"
    full_scan = True
    emit_open = True
    open_field = "state"
    # https://www.twilio.com/docs/conversations/states-timers: closed is final
    open_values = frozenset({"initializing", "active", "inactive"})
    # Between reconciliations: the open ones by State (the list's documented filter:
    # "Can be `active`, `inactive` or `closed`",
    # https://www.twilio.com/docs/conversations/api/service-conversation-resource#read-multiple-serviceconversation-resources),
    # the creation window for new ones, and by SID those open last run that no list shows.
    open_lists: t.ClassVar[dict[str, dict[str, str]]] = {
        "active": {"State": "active"},
        "inactive": {"State": "inactive"},
    }
    child_key = "conversation_sid"


class ConversationChild(ConversationServiceChild):
    """A list under one conversation, read for the conversations emitted in this run."""

    parent_stream_type: type[Stream] | None = ConversationsStream
    context_fields: t.ClassVar[tuple[str, ...]] = ("chat_service_sid", "conversation_sid")


class ConversationMessagesStream(ConversationChild):
    """Messages of each conversation that can have changed."""

    name = "conversation_messages"
    path = "/v1/Services/{chat_service_sid}/Conversations/{conversation_sid}/Messages"
    list_key = "messages"
    child_key = "message_sid"


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
    child_key = "user_sid"


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
    child_key = "flow_sid"


class StudioExecutionsStream(ProductStream):
    """Executions of each flow, filtered server-side by creation date (state per flow)."""

    name = "studio_executions"
    later_changes = (
        "an `active` execution (and its steps) is followed by SID until `ended`, for the 30 "
        "days an execution may stay active"
    )
    product = "studio"
    parent_stream_type = StudioFlowsStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "flow_sid"]
    path = "/v2/Flows/{flow_sid}/Executions"
    list_key = "executions"
    replication_key = "date_created"
    start_param = "DateCreatedFrom"
    end_param = "DateCreatedTo"
    context_fields = ("flow_sid",)
    child_key = "execution_sid"
    # "An active Execution will end after 30 days"
    # (https://www.twilio.com/docs/studio/user-guide/studio-faq).
    open_values = frozenset({"active"})
    open_days = 31


class StudioExecutionStepsStream(ProductStream):
    """Steps of the executions read in this run."""

    name = "studio_execution_steps"
    product = "studio"
    parent_stream_type = StudioExecutionsStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "flow_sid"]
    path = "/v2/Flows/{flow_sid}/Executions/{execution_sid}/Steps"
    list_key = "steps"
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
    child_key = "service_sid"


class ChatServiceChild(ProductStream):
    """A list under one chat service."""

    product = "chat"
    parent_stream_type: type[Stream] | None = ChatServicesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid"]
    max_page_size = 100
    context_fields: t.ClassVar[tuple[str, ...]] = ("service_sid",)


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
    child_key = "user_sid"
    json_string_fields = ("attributes",)


class ChatChannelsStream(ChatServiceChild):
    """Channels of each chat service."""

    name = "chat_channels"
    path = "/v2/Services/{service_sid}/Channels"
    list_key = "channels"
    json_string_fields = ("attributes",)
    child_key = "channel_sid"


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
    child_key = "trunk_sid"


class VerifyServicesStream(AccountProductStream):
    """Verify services."""

    product_root = True

    name = "verify_services"
    product = "verify"
    path = "/v2/Services"
    list_key = "services"
    child_key = "service_sid"


# TaskRouter v1 ---------------------------------------------------------------------------


class TaskRouterWorkspacesStream(AccountProductStream):
    """TaskRouter workspaces: all, or those listed in ``taskrouter_workspace_sids``."""

    product_root = True

    name = "taskrouter_workspaces"
    product = "taskrouter"
    path = "/v1/Workspaces"
    list_key = "workspaces"
    child_key = "workspace_sid"

    @override
    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        listed = self.config.get("taskrouter_workspace_sids")
        if listed and row.get("sid") not in listed:
            return None
        return super().shape_record(row, context)


class WorkspaceChild(ProductStream):
    """A list under one TaskRouter workspace (state per workspace)."""

    product = "taskrouter"
    parent_stream_type: type[Stream] | None = TaskRouterWorkspacesStream
    state_partitioning_keys: t.ClassVar[list[str]] = ["account_sid", "workspace_sid"]
    context_fields: t.ClassVar[tuple[str, ...]] = ("workspace_sid",)


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
    child_key = "task_queue_sid"


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
    later_changes = "whole list read each run (the list has no creation filter)"
    path = "/v1/Workspaces/{workspace_sid}/Tasks"
    list_key = "tasks"
    child_key = "task_sid"
    json_string_fields = ("attributes", "addons")


class TaskRouterWorkersStream(WorkspaceChild):
    """Workers."""

    name = "taskrouter_workers"
    path = "/v1/Workspaces/{workspace_sid}/Workers"
    list_key = "workers"
    json_string_fields = ("attributes",)
    child_key = "worker_sid"


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
