"""Every list endpoint of Twilio's OpenAPI specs, and the resources of those the sandbox
does not serve otherwise.

``spec_examples.json`` (written by ``scripts/generate_spec_streams.py``) holds, for each
list endpoint of Twilio's 55 OpenAPI specs, its path, list key, largest page size,
parent list, date filter and one example item from the spec's response examples, with
the enum values of its fields. Every list the sandbox did not serve already is served
from it (``resource_specs``); ``twilio_sandbox.generators.curated`` makes its records.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from twilio_sandbox.resource_spec import ResourceSpec

#: Curated stream name -> the generated name of its list.
CURATED: dict[str, str] = {
    "sip_domains": "api_sip_domains",
    "sip_credential_lists": "api_sip_credential_lists",
    "sip_ip_access_control_lists": "api_sip_ip_access_control_lists",
    "short_codes": "api_sms_short_codes",
    "call_events": "api_calls_events",
    "queue_members": "api_queues_members",
    "conference_recordings": "api_conferences_recordings",
    "signing_keys": "api_signing_keys",
    "connect_apps": "api_connect_apps",
    "authorized_connect_apps": "api_authorized_connect_apps",
    "voice_insights_call_summaries": "insights_v1_voice_summaries",
    "voice_insights_conference_summaries": "insights_v1_conferences",
    "voice_insights_conference_participant_summaries": "insights_v1_conferences_participants",
    "messaging_services": "messaging_v1_services",
    "messaging_service_phone_numbers": "messaging_v1_services_phone_numbers",
    "messaging_service_short_codes": "messaging_v1_services_short_codes",
    "messaging_service_alpha_senders": "messaging_v1_services_alpha_senders",
    "messaging_us_a2p_campaigns": "messaging_v1_services_compliance_usa2p",
    "messaging_brand_registrations": "messaging_v1_a2p_brand_registrations",
    "messaging_tollfree_verifications": "messaging_v1_tollfree_verifications",
    "verify_attempts": "verify_v2_attempts",
    "verify_service_rate_limits": "verify_v2_services_rate_limits",
    "verify_service_entities": "verify_v2_services_entities",
    "video_rooms": "video_v1_rooms",
    "video_room_participants": "video_v1_rooms_participants",
    "video_room_recordings": "video_v1_rooms_recordings",
    "video_compositions": "video_v1_compositions",
    "serverless_services": "serverless_v1_services",
    "serverless_environments": "serverless_v1_services_environments",
    "serverless_functions": "serverless_v1_services_functions",
    "serverless_builds": "serverless_v1_services_builds",
    "serverless_deployments": "serverless_v1_services_environments_deployments",
    "sync_services": "sync_v1_services",
    "sync_documents": "sync_v1_services_documents",
    "sync_lists": "sync_v1_services_lists",
    "sync_maps": "sync_v1_services_maps",
    "intelligence_services": "intelligence_v2_services",
    "intelligence_transcripts": "intelligence_v2_transcripts",
    "intelligence_operator_results": "intelligence_v2_transcripts_operator_results",
    "content_templates": "content_v1_content",
    "event_stream_sinks": "events_v1_sinks",
    "event_stream_subscriptions": "events_v1_subscriptions",
    "trusthub_customer_profiles": "trusthub_v1_customer_profiles",
    "trusthub_trust_products": "trusthub_v1_trust_products",
    "regulatory_bundles": "numbers_v2_regulatory_compliance_bundles",
    "pricing_voice_countries": "pricing_v2_voice_countries",
    "pricing_messaging_countries": "pricing_v1_messaging_countries",
    "supersim_sims": "supersim_v1_sims",
    "supersim_fleets": "supersim_v1_fleets",
    "supersim_usage_records": "supersim_v1_usage_records",
    "wireless_sims": "wireless_v1_sims",
    "wireless_sim_usage_records": "wireless_v1_sims_usage_records",
}
#: Summaries identified by the SID of the call / conference they summarise.
KEYED_BY_SOURCE = ("voice_insights_call_summaries", "voice_insights_conference_summaries")
SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
RFC_RE = re.compile(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} ")
NORMAL_RE = re.compile(r"\{\w+\}")


@cache
def examples() -> dict[str, dict[str, Any]]:
    """Every list of the specs with its example item (spec_examples.json)."""
    text = resources.files("twilio_sandbox").joinpath("spec_examples.json").read_text("utf-8")
    return json.loads(text)


def normal(product: str, path: str) -> tuple[str, str]:
    """A list's identity whatever its placeholders are called."""
    return product, NORMAL_RE.sub("{}", path)


def resource_specs(existing: list[ResourceSpec]) -> list[ResourceSpec]:
    """Sandbox resources for every spec list the sandbox does not serve yet."""
    served = {normal(s.product, p) for s in existing for p in (s.path, s.service_path) if p}
    names = {v: k for k, v in CURATED.items()}
    out = []
    for generated, entry in examples().items():
        if normal(entry["product"], entry["path"]) in served:
            continue
        out.append(_spec(names.get(generated, generated), entry))
    return out


def _spec(name: str, entry: dict[str, Any]) -> ResourceSpec:
    record = entry["record"]
    dates = tuple(k for k, v in record.items() if isinstance(v, str) and is_date(v))
    ids = tuple(k for k in entry["id_fields"] if k in record)
    flt = entry["filter"]
    kw: dict[str, Any] = {}
    if flt.get("start_param") and flt["replication_key"] in dates:
        stem = flt["start_param"]
        if stem.endswith(">"):
            kw["date_filters"] = {stem[:-1]: flt["replication_key"]}
        else:
            ranges = {stem: (flt["replication_key"], "ge")}
            if flt.get("end_param"):
                ranges[flt["end_param"]] = (flt["replication_key"], "lt")
            kw["range_filters"] = ranges
    if name == "video_rooms":
        kw["eq_filters"] = {"Status": "status"}
        kw["default_filters"] = {"Status": "in-progress"}
    if name == "video_compositions":
        # "Read only Composition resources with this status"
        # (https://www.twilio.com/docs/video/api/compositions-resource#read-multiple-composition-resources).
        kw["eq_filters"] = {"Status": "status"}
    if name == "voice_insights_call_summaries":
        kw["default_filters"] = {"StartTime": "-4h"}
    if name in KEYED_BY_SOURCE:
        kw["id_fields"] = ids  # the call's / conference's SID: update() finds a summary by it
    api = entry["product"] == "api"
    return ResourceSpec(
        name=name,
        product=entry["product"],
        path=entry["path"],
        list_key=entry["list_key"],
        envelope="flat" if api else "meta",
        parents=tuple((p, f) for p, f in entry["params"]),
        id_fields=kw.pop("id_fields", ids if ids == ("sid",) or len(ids) > 1 else ()),
        date_fields=dates,
        sort_field="date_created" if "date_created" in dates else None,
        max_page_size=entry["max_page_size"],
        # Keyset tokens need an order; lists in insertion order page by offset.
        token="sid" if ids == ("sid",) and "date_created" in dates else "offset",
        account_in_path=api,
        lazy=True,
        **kw,
    )


def is_date(value: str) -> bool:
    return bool(ISO_RE.match(value) or RFC_RE.match(value))
