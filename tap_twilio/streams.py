"""Twilio streams: each one declares its list, keys and incremental filter; nothing else."""

from __future__ import annotations

import datetime as dt
import sys
import typing as t

from tap_twilio.client import CoreStream, ProductStream, parse_datetime, rfc2822_to_iso

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
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        if not self._wanted(row.get("sid", "")):
            return None
        return super().post_process(row, context)

    def _wanted(self, sid: str) -> bool:
        """Whether the config selects this account (all, main only, or a list)."""
        listed = self.config.get("account_sids")
        if listed:
            return sid in listed
        if not self.config.get("include_subaccounts", True):
            return sid == self.config["account_sid"]
        return True

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        return {"account_sid": record["sid"], "account_created": record.get("date_created")}


class AccountChild(CoreStream):
    """A per-account list of the core API."""

    parent_stream_type = AccountsStream


class AccountBalanceStream(AccountChild):
    """The account's balance; Twilio has none for subaccounts (404, skipped)."""

    name = "account_balance"
    path = f"{ACCOUNT}/Balance.json"
    primary_keys = ("account_sid",)
    empty_on_404 = True


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
    """Countries where the account can buy numbers, with the number types offered."""

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
    number_type: t.ClassVar[str]

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        offered = (context or {}).get("number_types", "").split(",")
        if self.number_type not in offered:
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


class CallsStream(AccountChild):
    """Calls, filtered server-side by start time."""

    name = "calls"
    path = f"{ACCOUNT}/Calls.json"
    list_key = "calls"
    primary_keys = ("sid",)
    replication_key = "start_time"
    start_param = "StartTime>"


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
    """SMS/MMS/WhatsApp messages, filtered server-side by send date.

    Queued messages have no ``date_sent``: they are emitted on a full read and are picked
    up by a later run once sent. Status and price changes are caught by the lookback.
    """

    name = "messages"
    path = f"{ACCOUNT}/Messages.json"
    list_key = "messages"
    primary_keys = ("sid",)
    replication_key = "date_sent"
    start_param = "DateSent>"
    retention_days = 400

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        if str(record.get("num_media") or "0") == "0":
            return None
        return {"account_sid": record["account_sid"], "message_sid": record["sid"]}


class MessageMediaStream(CoreStream):
    """Media of the messages read in this run (only messages that have media)."""

    name = "message_media"
    parent_stream_type = MessagesStream
    path = f"{ACCOUNT}/Messages/{{message_sid}}/Media.json"
    list_key = "media_list"
    primary_keys = ("sid",)
    replication_key = "date_created"
    start_param = "DateCreated>"
    retention_days = 400
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


class AlertsStream(ProductStream):
    """Monitor alerts (errors and warnings); Twilio keeps 30 days of them."""

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
