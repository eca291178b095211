"""Curated streams of Twilio's platform products.

Serverless, Sync, Intelligence, Content, Event Streams, TrustHub, regulatory bundles,
Pricing and IoT.
"""

from __future__ import annotations

import sys
import typing as t

from tap_twilio.streams.core import (
    AccountProductStream,
)
from tap_twilio.streams.parents import ProductChild, ProductList, ProductRoot

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.streams import Stream

# Serverless (serverless v1)


class ServerlessServicesStream(ProductRoot):
    """Serverless services (Functions and Assets)."""

    name = "serverless_services"
    product = "serverless"
    path = "/v1/Services"
    list_key = "services"
    child_key = "service_sid"


class ServerlessServiceChild(ProductChild):
    """A list under one Serverless service."""

    product = "serverless"
    parent_stream_type: type[Stream] | None = ServerlessServicesStream
    context_fields: t.ClassVar[tuple[str, ...]] = ("service_sid",)


class ServerlessEnvironmentsStream(ServerlessServiceChild):
    """Environments of each service; the parent of deployments."""

    name = "serverless_environments"
    path = "/v1/Services/{service_sid}/Environments"
    list_key = "environments"
    child_key = "environment_sid"


class ServerlessFunctionsStream(ServerlessServiceChild):
    """Functions of each service."""

    name = "serverless_functions"
    path = "/v1/Services/{service_sid}/Functions"
    list_key = "functions"
    child_key = "function_sid"


class ServerlessBuildsStream(ServerlessServiceChild):
    """Builds of each service."""

    name = "serverless_builds"
    path = "/v1/Services/{service_sid}/Builds"
    list_key = "builds"


class ServerlessDeploymentsStream(ServerlessServiceChild):
    """Deployments of each environment."""

    name = "serverless_deployments"
    parent_stream_type = ServerlessEnvironmentsStream
    path = "/v1/Services/{service_sid}/Environments/{environment_sid}/Deployments"
    list_key = "deployments"
    context_fields = ("service_sid", "environment_sid")


# Sync (sync v1): PageSize up to 100.


class SyncServicesStream(ProductRoot):
    """Sync services."""

    name = "sync_services"
    product = "sync"
    path = "/v1/Services"
    list_key = "services"
    max_page_size = 100
    child_key = "service_sid"


class SyncServiceChild(ProductChild):
    """Sync objects of one service (metadata; items are in the long tail)."""

    product = "sync"
    parent_stream_type = SyncServicesStream
    max_page_size = 100
    context_fields = ("service_sid",)


class SyncDocumentsStream(SyncServiceChild):
    """Sync documents."""

    name = "sync_documents"
    path = "/v1/Services/{service_sid}/Documents"
    list_key = "documents"
    child_key = "document_sid"


class SyncListsStream(SyncServiceChild):
    """Sync lists."""

    name = "sync_lists"
    path = "/v1/Services/{service_sid}/Lists"
    list_key = "lists"
    child_key = "list_sid"


class SyncMapsStream(SyncServiceChild):
    """Sync maps."""

    name = "sync_maps"
    path = "/v1/Services/{service_sid}/Maps"
    list_key = "maps"
    child_key = "map_sid"


# Conversational Intelligence (intelligence v2)


class IntelligenceServicesStream(ProductRoot):
    """Conversational Intelligence services."""

    name = "intelligence_services"
    product = "intelligence"
    path = "/v2/Services"
    list_key = "services"


class IntelligenceTranscriptsStream(ProductList):
    """Transcripts, filtered by creation date; operator results only once completed.

    https://www.twilio.com/docs/conversational-intelligence/api/transcript-resource
    """

    name = "intelligence_transcripts"
    later_changes = (
        "a `queued`, `new` or `in-progress` transcript (and its operator results once "
        "completed) is followed by SID until final, for 7 days after its creation"
    )
    product = "intelligence"
    path = "/v2/Transcripts"
    list_key = "transcripts"
    replication_key = "date_created"
    start_param = "AfterDateCreated"
    end_param = "BeforeDateCreated"
    child_key = "transcript_sid"
    # Statuses: queued, in-progress, completed, new, failed, canceled, error (Twilio's
    # intelligence v2 spec). How long one takes is not documented: 7 days bounds the cost.
    open_values = frozenset({"queued", "new", "in-progress"})
    open_days = 7

    @override
    def has_children(self, record: Record) -> bool:
        """Operator results exist once a transcript is completed."""
        return record.get("status") == "completed"


class IntelligenceOperatorResultsStream(ProductChild):
    """Language operator results of each completed transcript."""

    name = "intelligence_operator_results"
    product = "intelligence"
    parent_stream_type = IntelligenceTranscriptsStream
    path = "/v2/Transcripts/{transcript_sid}/OperatorResults"
    list_key = "operator_results"
    primary_keys = ("transcript_sid", "operator_sid")
    context_fields = ("transcript_sid",)


# Content, Event Streams, TrustHub, Numbers regulatory compliance


class ContentTemplatesStream(ProductRoot):
    """Content templates."""

    name = "content_templates"
    product = "content"
    path = "/v1/Content"
    list_key = "contents"


class EventSinksStream(ProductRoot):
    """Event Streams sinks."""

    name = "event_stream_sinks"
    product = "events"
    path = "/v1/Sinks"
    list_key = "sinks"


class EventSubscriptionsStream(ProductList):
    """Event Streams subscriptions."""

    name = "event_stream_subscriptions"
    product = "events"
    path = "/v1/Subscriptions"
    list_key = "subscriptions"
    child_key = "subscription_sid"


class TrustHubCustomerProfilesStream(ProductRoot):
    """TrustHub customer profiles (business profiles)."""

    name = "trusthub_customer_profiles"
    product = "trusthub"
    path = "/v1/CustomerProfiles"
    list_key = "results"
    child_key = "customer_profile_sid"


class TrustHubTrustProductsStream(ProductList):
    """TrustHub trust products (A2P, SHAKEN/STIR, CNAM …)."""

    name = "trusthub_trust_products"
    product = "trusthub"
    path = "/v1/TrustProducts"
    list_key = "results"
    child_key = "trust_product_sid"


class RegulatoryBundlesStream(ProductRoot):
    """Regulatory compliance bundles (numbers v2)."""

    name = "regulatory_bundles"
    product = "numbers"
    path = "/v2/RegulatoryCompliance/Bundles"
    list_key = "results"
    child_key = "bundle_sid"


# Pricing: Twilio's price list, the same for every account (reference data): read once,
# with the configured account's credentials, and not selected by default.


class PricingCountries(AccountProductStream):
    """Countries of a price list (read for the configured account only)."""

    product = "pricing"
    list_key = "countries"
    primary_keys = ("iso_country",)
    selected_by_default = False

    def wants(self, context: Context | None) -> bool:
        """Only the configured account: the list is the same for every account."""
        account = (context or {}).get("account_sid")
        return account == self.config["account_sid"] and super().wants(context)

    def get_records(self, context: Context | None) -> t.Iterable[dict]:
        """The price list, once."""
        return super().get_records(context) if self.wants(context) else []


class PricingVoiceCountriesStream(PricingCountries):
    """Countries with voice prices (v2)."""

    name = "pricing_voice_countries"
    path = "/v2/Voice/Countries"


class PricingMessagingCountriesStream(PricingCountries):
    """Countries with messaging prices (v1)."""

    name = "pricing_messaging_countries"
    path = "/v1/Messaging/Countries"


# IoT: Super SIM (supersim v1) and Programmable Wireless (wireless v1)


class PeriodStart:
    """Usage rows are per period: ``period_start`` (from ``period``) identifies the row."""

    def shape_record(self, row: dict, context: Context | None) -> dict | None:
        """Copy the period's start to a top-level field."""
        period = row.get("period") or {}
        row["period_start"] = period.get("start_time") or period.get("start")
        return super().shape_record(row, context)  # type: ignore[misc]


class SuperSimSimsStream(ProductRoot):
    """Super SIMs."""

    name = "supersim_sims"
    product = "supersim"
    path = "/v1/Sims"
    list_key = "sims"
    child_key = "sim_sid"


class SuperSimFleetsStream(ProductList):
    """Super SIM fleets."""

    name = "supersim_fleets"
    product = "supersim"
    path = "/v1/Fleets"
    list_key = "fleets"


class SuperSimUsageRecordsStream(PeriodStart, ProductList):
    """Daily data usage per Super SIM over the last month (Twilio's default period).

    https://www.twilio.com/docs/iot/supersim/api/usagerecord-resource
    """

    name = "supersim_usage_records"
    product = "supersim"
    path = "/v1/UsageRecords"
    list_key = "usage_records"
    primary_keys = ("sim_sid", "period_start")
    extra_params: t.ClassVar[dict[str, str]] = {"Granularity": "day", "Group": "sim"}


class WirelessSimsStream(ProductRoot):
    """Programmable Wireless SIMs."""

    name = "wireless_sims"
    product = "wireless"
    path = "/v1/Sims"
    list_key = "sims"
    child_key = "sim_sid"


class WirelessSimUsageRecordsStream(PeriodStart, ProductChild):
    """Daily usage of each wireless SIM over the last month (Twilio's default period).

    https://www.twilio.com/docs/iot/wireless/api/sim-usagerecord-resource
    """

    name = "wireless_sim_usage_records"
    product = "wireless"
    parent_stream_type = WirelessSimsStream
    path = "/v1/Sims/{sim_sid}/UsageRecords"
    list_key = "usage_records"
    primary_keys = ("sim_sid", "period_start")
    context_fields = ("sim_sid",)
    extra_params: t.ClassVar[dict[str, str]] = {"Granularity": "daily"}
