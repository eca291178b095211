#!/usr/bin/env python
"""Generate the tap's JSON Schemas (tap_twilio/schemas/*.json) from Twilio's OpenAPI specs.

Usage:
    python scripts/generate_schemas.py [--spec-dir DIR] [--check] [--verbose]

The stream registry below mirrors docs/streams-spec.md. For every stream the item schema
(an OpenAPI component) is converted to a Singer-style JSON Schema (draft 7):

* ``$ref`` enums are resolved to nullable strings; the enum is dropped and the known values
  are listed in the description, so targets never reject values Twilio adds later.
* Every property is nullable.
* ``date-time-rfc-2822`` becomes ``date-time`` (the tap converts RFC 2822 to ISO 8601 UTC);
  ``date-time`` and ``date`` are kept; every other format (``uri``, ``phone-number``,
  ``currency``, ``http-method``, ``int64``, ...) and ``pattern``/length limits are dropped.
* Properties without a type get ``object`` or ``array`` as seen in the spec's response
  examples, or any JSON type when the examples do not tell.
* JSON-encoded string fields (``attributes``, ...) accept any JSON value.
* Fields the tap adds (parent SIDs) are appended; dropped fields (``auth_token``) removed.

``--check`` writes nothing, lists the files that differ and exits 1 if any do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = REPO_ROOT / "tap_twilio" / "schemas"

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
KEPT_FORMATS = {"date-time": "date-time", "date-time-rfc-2822": "date-time", "date": "date"}
ANY_TYPE = ["object", "array", "string", "number", "boolean", "null"]
JSON_VALUE_TYPE = ["object", "array", "string", "number", "integer", "boolean", "null"]
JSON_FIELD_NOTE = (
    "JSON-encoded by Twilio; emitted as parsed JSON, or the raw string when not valid JSON."
)
RFC2822_NOTE = "Emitted by the tap as ISO 8601 UTC (Twilio sends RFC 2822)."
REF_PREFIX = "#/components/schemas/"
PY_TO_JSON_TYPE = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
}

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)[.!?](?=\s+[A-Z`*\"])")


def default_spec_dir() -> Path:
    """Return ``$TWILIO_OPENAPI_DIR`` if set, else the vendored specs in ``<repo>/openapi``."""
    env = os.environ.get("TWILIO_OPENAPI_DIR")
    if env:
        return Path(env)
    return REPO_ROOT / "openapi"


def short_description(text: str | None) -> str:
    """Plain-text first sentence of an OpenAPI description (markdown links stripped)."""
    if not text:
        return ""
    plain = " ".join(_MD_LINK.sub(r"\1", text).replace("**", "").split())
    match = _SENTENCE_END.search(plain)
    if match:
        plain = plain[: match.end()]
    return plain


def _join(*parts: str) -> str:
    """Join description fragments into sentences."""
    out = []
    for part in parts:
        part = part.strip()
        if part:
            out.append(part if part[-1] in ".!?)" else part + ".")
    return " ".join(out)


def _json_type(value: Any) -> str:
    """JSON Schema type name of a decoded JSON value."""
    return PY_TO_JSON_TYPE.get(type(value), "string")


class SpecConverter:
    """Convert component schemas of one OpenAPI document to Singer JSON Schemas."""

    def __init__(self, spec: dict[str, Any], file_name: str) -> None:
        self.spec = spec
        self.file_name = file_name
        self.components: dict[str, Any] = spec.get("components", {}).get("schemas", {})
        self.notes: list[str] = []

    def component(self, name: str) -> dict[str, Any]:
        """Return a component schema or fail loudly."""
        try:
            return self.components[name]
        except KeyError:
            raise SystemExit(f"{self.file_name}: component schema {name!r} not found") from None

    def resolve(self, ref: str) -> dict[str, Any]:
        """Resolve a local ``#/components/schemas/...`` reference."""
        if not ref.startswith(REF_PREFIX):
            raise SystemExit(f"{self.file_name}: unsupported $ref {ref!r}")
        return self.component(ref[len(REF_PREFIX) :])

    def examples(self, component: str) -> list[dict[str, Any]]:
        """Example records of ``component`` from every response example in the spec."""
        ref = REF_PREFIX + component
        found: list[dict[str, Any]] = []
        for path_item in self.spec.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict):
                    continue
                for response in operation.get("responses", {}).values():
                    for content in response.get("content", {}).values():
                        found.extend(self._examples_in(content, ref))
        return found

    def _examples_in(self, content: dict[str, Any], ref: str) -> Iterator[dict[str, Any]]:
        """Yield records typed ``ref`` from one response content's examples."""
        schema = content.get("schema", {})
        list_keys: list[str] = []
        single = schema.get("$ref") == ref
        if not single:
            body = self.resolve(schema["$ref"]) if "$ref" in schema else schema
            list_keys = [
                key
                for key, prop in body.get("properties", {}).items()
                if prop.get("type") == "array" and prop.get("items", {}).get("$ref") == ref
            ]
        if not single and not list_keys:
            return
        for example in content.get("examples", {}).values():
            value = example.get("value")
            if not isinstance(value, dict):
                continue
            if single:
                yield value
            for key in list_keys:
                yield from (item for item in value.get(key) or [] if isinstance(item, dict))

    def infer_type(self, component: str, path: tuple[str, ...]) -> list[str]:
        """Type list for an untyped property, from the non-null values in the examples."""
        seen: set[str] = set()
        for record in self.examples(component):
            value: Any = record
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                seen.add(_json_type(value))
        if seen == {"integer", "number"}:
            seen = {"number"}
        where = f"{component}.{'.'.join(path)}"
        if len(seen) == 1:
            inferred = seen.pop()
            self.notes.append(f"{where}: no type in spec, examples show {inferred}")
            return [inferred, "null"]
        self.notes.append(f"{where}: no type in spec, examples show {sorted(seen)} -> any")
        return list(ANY_TYPE)

    def convert(
        self, prop: dict[str, Any], component: str, path: tuple[str, ...]
    ) -> dict[str, Any]:
        """Convert one OpenAPI property schema to a nullable JSON Schema."""
        description = prop.get("description")
        if "$ref" in prop:
            target = self.resolve(prop["$ref"])
            merged = {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
            merged.setdefault("description", target.get("description"))
            return self.convert(merged, component, path)

        out: dict[str, Any] = {}
        spec_type = prop.get("type")
        if spec_type is None:
            out["type"] = self.infer_type(component, path)
        else:
            types = spec_type if isinstance(spec_type, list) else [spec_type]
            out["type"] = [*(t for t in types if t != "null"), "null"]

        spec_format = prop.get("format")
        if spec_format in KEPT_FORMATS and "string" in out["type"]:
            out["format"] = KEPT_FORMATS[spec_format]

        if spec_type == "array":
            items = prop.get("items") or {}
            if "type" in items or "$ref" in items:
                out["items"] = self.convert(items, component, (*path, "[]"))
        if spec_type == "object" and prop.get("properties"):
            out["properties"] = {
                name: self.convert(sub, component, (*path, name))
                for name, sub in prop["properties"].items()
            }

        parts = [short_description(description)]
        if prop.get("enum"):
            values = ", ".join(str(v) for v in prop["enum"] if v is not None)
            parts.append(f"Known values (Twilio may add more): {values}")
        if spec_format == "date-time-rfc-2822":
            parts.append(RFC2822_NOTE)
        text = _join(*parts)
        if text:
            out["description"] = text
        return out


FREE_FORM_FIELDS = {"capabilities"}


def build_schema(converter: SpecConverter, stream: str, sdef: StreamDef) -> dict[str, Any]:
    """Build the JSON Schema of one stream."""
    source = converter.component(sdef.component)
    spec_props: dict[str, Any] = source.get("properties", {})
    for name in (*sdef.drop_fields, *sdef.json_fields):
        if name not in spec_props:
            raise SystemExit(f"{stream}: {name!r} is not a property of {sdef.component}")

    properties: dict[str, Any] = {}
    for name, prop in spec_props.items():
        if name in sdef.drop_fields:
            continue
        if name in sdef.json_fields:
            text = _join(short_description(prop.get("description")), JSON_FIELD_NOTE)
            properties[name] = {"type": list(JSON_VALUE_TYPE), "description": text}
            continue
        converted = converter.convert(prop, sdef.component, (name,))
        if name in FREE_FORM_FIELDS and "properties" in converted:
            # Twilio's key spelling differs between lists and the spec (SMS vs sms):
            # keep every key rather than drop the ones the spec spells otherwise.
            del converted["properties"]
        properties[name] = converted

    for name in sdef.extra_fields:
        if name in properties:
            continue  # already in Twilio's item schema (e.g. queues.account_sid)
        properties[name] = {
            "type": EXTRA_FIELD_TYPES.get(name, ["string", "null"]),
            "description": EXTRA_FIELD_DESCRIPTIONS[name],
        }

    missing = [key for key in sdef.primary_keys if key not in properties]
    if missing:
        raise SystemExit(f"{stream}: primary key(s) {missing} missing from the schema")
    return {"type": "object", "properties": properties}


def render(schema: dict[str, Any]) -> str:
    """Serialize a schema exactly as committed."""
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def generate(spec_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Return ``{file name: content}`` for every stream, plus conversion notes."""
    converters: dict[str, SpecConverter] = {}
    outputs: dict[str, str] = {}
    for stream, sdef in STREAMS.items():
        if sdef.spec_file not in converters:
            path = spec_dir / sdef.spec_file
            if not path.is_file():
                raise SystemExit(f"spec file not found: {path}")
            spec = json.loads(path.read_text(encoding="utf-8"))
            converters[sdef.spec_file] = SpecConverter(spec, sdef.spec_file)
        outputs[f"{stream}.json"] = render(build_schema(converters[sdef.spec_file], stream, sdef))
    notes = sorted({note for conv in converters.values() for note in conv.notes})
    return outputs, notes


LIST_INDEX = REPO_ROOT / "tap_twilio" / "api" / "openapi_lists.json"


def _strip_descriptions(schema: Any, names: bool = False) -> Any:
    """A schema without descriptions (the list index only needs types).

    ``names``: the keys are property names (a property may be called ``description``).
    """
    if isinstance(schema, dict):
        return {
            k: _strip_descriptions(v, names=k == "properties" and not names)
            for k, v in schema.items()
            if names or k != "description"
        }
    if isinstance(schema, list):
        return [_strip_descriptions(v) for v in schema]
    return schema


def build_list_index(spec_dir: Path) -> str:
    """Every list endpoint of the specs (list-endpoints.json) with its converted item schema.

    The tap reads this at run time to give ``custom_streams`` a full schema when their
    path is one of Twilio's lists.
    """
    digest = json.loads((spec_dir / "list-endpoints.json").read_text(encoding="utf-8"))
    converters: dict[str, SpecConverter] = {}
    lists = []
    for entry in sorted(digest, key=lambda e: (e["host"], e["path"])):
        if not entry.get("listkey") or not entry.get("item"):
            continue
        file_name = entry["file"]
        if file_name not in converters:
            spec = json.loads((spec_dir / file_name).read_text(encoding="utf-8"))
            converters[file_name] = SpecConverter(spec, file_name)
        converter = converters[file_name]
        component = entry["item"][len(REF_PREFIX) :]
        source = converter.component(component)
        properties = {
            name: converter.convert(prop, component, (name,))
            for name, prop in source.get("properties", {}).items()
        }
        page_size = [q[3] for q in entry.get("query", []) if q[0] == "PageSize"]
        lists.append(
            {
                "product": entry["host"].split("//", 1)[1].split(".", 1)[0],
                "path": entry["path"],
                "list_key": entry["listkey"][0],
                "max_page_size": page_size[0] if page_size and page_size[0] else 1000,
                "schema": _strip_descriptions({"type": "object", "properties": properties}),
            }
        )
    return json.dumps({"lists": lists}, separators=(",", ":"), sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-dir", type=Path, default=None, help="Twilio OpenAPI JSON dir")
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    parser.add_argument("--verbose", "-v", action="store_true", help="print conversion notes")
    args = parser.parse_args(argv)

    spec_dir: Path = args.spec_dir or default_spec_dir()
    if not spec_dir.is_dir():
        print(f"spec dir not found: {spec_dir}", file=sys.stderr)
        return 2
    outputs, notes = generate(spec_dir)
    if args.verbose:
        for note in notes:
            print(f"note: {note}", file=sys.stderr)

    stale = sorted(p.name for p in SCHEMAS_DIR.glob("*.json") if p.name not in outputs)
    changed = []
    for name, content in outputs.items():
        target = SCHEMAS_DIR / name
        if not target.is_file() or target.read_text(encoding="utf-8") != content:
            changed.append(name)
    index = build_list_index(spec_dir)
    index_changed = not LIST_INDEX.is_file() or LIST_INDEX.read_text(encoding="utf-8") != index
    if index_changed:
        changed.append(LIST_INDEX.name)
        outputs[LIST_INDEX.name] = index

    if args.check:
        for name in changed:
            folder = "tap_twilio" if name == LIST_INDEX.name else "tap_twilio/schemas"
            print(f"differs: {folder}/{name}")
        for name in stale:
            print(f"stale: tap_twilio/schemas/{name}")
        if changed or stale:
            print("schemas are out of date; run: python scripts/generate_schemas.py")
            return 1
        print(f"{len(outputs)} schemas up to date")
        return 0

    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    for name in changed:
        target = LIST_INDEX if name == LIST_INDEX.name else SCHEMAS_DIR / name
        target.write_text(outputs[name], encoding="utf-8")
    for name in stale:
        (SCHEMAS_DIR / name).unlink()
    print(f"{len(outputs)} schemas: {len(changed)} written, {len(stale)} stale removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
