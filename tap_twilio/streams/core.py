"""Streams of Twilio's core API (2010-04-01) and Monitor alerts, read per account.

Each declares its list, keys and incremental filter; nothing else.
"""

from __future__ import annotations

import datetime as dt
import sys
import typing as t

from tap_twilio.engine.client import (
    CoreStream,
    ProductStream,
    TwilioAPIError,
    TwilioStream,
    parse_datetime,
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
        self.run.remember_token(row.get("sid"), row.get("auth_token"))
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
    child_key = "address_sid"


class DependentPhoneNumbersStream(CoreStream):
    """Phone numbers that depend on an address."""

    name = "dependent_phone_numbers"
    parent_stream_type = AddressesStream
    path = f"{ACCOUNT}/Addresses/{{address_sid}}/DependentPhoneNumbers.json"
    list_key = "dependent_phone_numbers"
    context_fields = ("account_sid", "address_sid")


class ApplicationsStream(AccountChild):
    """TwiML applications."""

    name = "applications"
    path = f"{ACCOUNT}/Applications.json"
    list_key = "applications"


class AvailablePhoneNumberCountriesStream(AccountChild):
    """Countries where the account can buy numbers, with the number types offered.

    Numbers for sale are Twilio's catalogue, the same for every account: not account data,
    so these streams are not selected by default.
    """

    selected_by_default = False
    name = "available_phone_number_countries"
    path = f"{ACCOUNT}/AvailablePhoneNumbers.json"
    list_key = "countries"
    child_key = "country_code"
    child_field = "country_code"
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


#: Number types Twilio sells (the country's ``subresource_uris`` key, the list's path name).
NUMBER_TYPES = (
    ("local", "Local"),
    ("mobile", "Mobile"),
    ("toll_free", "TollFree"),
    ("national", "National"),
    ("voip", "Voip"),
    ("shared_cost", "SharedCost"),
    ("machine_to_machine", "MachineToMachine"),
)


def _numbers_for_sale(number_type: str, path_name: str) -> type[AvailablePhoneNumbersStream]:
    """The stream of one type of number on offer, e.g. ``available_phone_numbers_voip``."""
    return type(
        f"AvailablePhoneNumbers{path_name}Stream",
        (AvailablePhoneNumbersStream,),
        {
            "__doc__": f"{path_name} numbers on offer.",
            "__module__": __name__,
            "name": f"available_phone_numbers_{number_type}",
            "path": f"{ACCOUNT}/AvailablePhoneNumbers/{{country_code}}/{path_name}.json",
            "number_type": number_type,
        },
    )


NUMBERS_FOR_SALE_STREAMS = tuple(_numbers_for_sale(kind, name) for kind, name in NUMBER_TYPES)


class CallsStream(AccountChild):
    """Calls: the ``StartTime>`` window, the queued calls and the calls in progress.

    At each reconciliation (``reconcile_interval``) the whole list is read instead of the
    window, for calls canceled while queued that no run saw queued (no start time).
    Emitted: calls started (or, undated, created) since the bookmark minus the lookback,
    and those still in progress at the last run; with ``full_scan_messages_and_calls``
    false, the list is never read whole. See ``tap_twilio.engine.changes``.
    """

    name = "calls"
    path = f"{ACCOUNT}/Calls.json"
    list_key = "calls"
    replication_key = "start_time"
    start_param = "StartTime>"
    full_scan = True
    full_scan_setting = "full_scan_messages_and_calls"
    # https://www.twilio.com/docs/voice/api/call-resource#call-status-values
    open_values = frozenset({"queued", "initiated", "ringing", "in-progress"})
    open_days = 7
    # Between reconciliations, the calls queued now (no start time yet, 1 request): seen
    # queued, a call is followed by SID until it is final, canceled included.
    open_lists: t.ClassVar[dict[str, dict[str, str]]] = {"queued": {"Status": "queued"}}
    child_key = "call_sid"

    @override
    def has_children(self, record: Record) -> bool:
        # Calls that never started made no request to the application and have no events,
        # notifications or recordings (https://www.twilio.com/docs/voice/api/call-event-resource).
        return record.get("start_time") is not None


class ConferencesStream(AccountChild):
    """Conferences, filtered server-side by last update (catches status changes)."""

    name = "conferences"
    path = f"{ACCOUNT}/Conferences.json"
    list_key = "conferences"
    child_key = "conference_sid"
    replication_key = "date_updated"
    start_param = "DateUpdated>"


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
    child_key = "resource_sid"


class KeysStream(AccountChild):
    """API keys (SID and name only; Twilio never lists secrets)."""

    name = "keys"
    path = f"{ACCOUNT}/Keys.json"
    list_key = "keys"


class MessagesStream(AccountChild):
    """SMS/MMS/WhatsApp messages.

    Each run reads the ``DateSent>`` window and follows by SID the messages in flight at
    the last run (queued, scheduled, sent …) until they are final. A message that fails
    before it is sent, or a scheduled message canceled before any run saw it, never gets a
    ``date_sent`` that the filter could match: the whole list is read at each
    reconciliation (``reconcile_interval``) to find them. With
    ``full_scan_messages_and_calls`` false, it never is. See ``tap_twilio.engine.changes``.
    """

    name = "messages"
    path = f"{ACCOUNT}/Messages.json"
    list_key = "messages"
    child_key = "message_sid"
    replication_key = "date_sent"
    start_param = "DateSent>"
    retention_days = 400
    full_scan = True
    full_scan_setting = "full_scan_messages_and_calls"
    # https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
    open_values = frozenset({"queued", "accepted", "scheduled", "sending", "sent", "receiving"})
    open_days = 7

    @override
    def has_children(self, record: Record) -> bool:
        return str(record.get("num_media") or "0") != "0"  # media only where there is some


class MessageMediaStream(CoreStream):
    """Media of the messages emitted in this run (only messages that have media).

    Each message's whole media list is read (one request): a message first seen long
    after it was created still brings its media.
    """

    name = "message_media"
    parent_stream_type = MessagesStream
    path = f"{ACCOUNT}/Messages/{{message_sid}}/Media.json"
    list_key = "media_list"
    context_fields = ("account_sid", "message_sid")


class OutgoingCallerIdsStream(AccountChild):
    """Verified caller IDs."""

    name = "outgoing_caller_ids"
    path = f"{ACCOUNT}/OutgoingCallerIds.json"
    list_key = "outgoing_caller_ids"


class QueuesStream(AccountChild):
    """Call queues."""

    name = "queues"
    path = f"{ACCOUNT}/Queues.json"
    list_key = "queues"
    child_key = "queue_sid"

    @override
    def has_children(self, record: Record) -> bool:
        # A queue's members are the calls waiting in it now: none when current_size is 0
        # (https://www.twilio.com/docs/voice/api/queue-resource).
        return int(record.get("current_size") or 0) > 0


class RecordingsStream(AccountChild):
    """Call and conference recordings, filtered server-side by creation date."""

    name = "recordings"
    path = f"{ACCOUNT}/Recordings.json"
    list_key = "recordings"
    child_key = "recording_sid"
    replication_key = "date_created"
    start_param = "DateCreated>"
    retention_days = 400


class TranscriptionsStream(AccountChild):
    """Recording transcriptions."""

    name = "transcriptions"
    path = f"{ACCOUNT}/Transcriptions.json"
    list_key = "transcriptions"


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


class AlertsStream(AccountProductStream):
    """Monitor alerts (errors and warnings); Twilio keeps 30 days of them."""

    product_root = True

    name = "alerts"
    product = "monitor"
    path = "/v1/Alerts"
    list_key = "alerts"
    replication_key = "date_generated"
    start_param = "StartDate"
    end_param = "EndDate"
    retention_days = 30
    window_required = True


CORE_STREAMS: tuple[type[TwilioStream], ...] = (
    AccountsStream,
    AccountBalanceStream,
    AddressesStream,
    DependentPhoneNumbersStream,
    ApplicationsStream,
    AvailablePhoneNumberCountriesStream,
    *NUMBERS_FOR_SALE_STREAMS,
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
