"""The long tail: every other list of Twilio's 55 OpenAPI specs as a stream (issue 12).

Built at import from ``spec_streams.json`` (``scripts/generate_spec_streams.py``): name,
host, path, list key, largest page size, primary key, parent (from the path's nesting)
and the spec's date filter, on the same base classes as the built-in streams. None is
selected by default. Schemas come from the vendored specs' list index
(``openapi_lists.json``) when a catalog asks for them; discovery makes no request.

A list covered by a built-in or curated stream is not repeated; a list nested under one
becomes its child (``/v1/Services/{ServiceSid}/Assets`` under ``serverless_services``).
"""

from __future__ import annotations

import json
import re
import typing as t
from functools import cache
from importlib import resources

from singer_sdk import StreamSchema
from singer_sdk.schema.source import SchemaSource

from tap_twilio.client import CoreStream, ProductStream, TwilioStream
from tap_twilio.streams import (
    CORE_STREAMS,
    PRODUCT_STREAMS,
    AccountChild,
    AccountProductStream,
)
from tap_twilio.streams.curated import CURATED_STREAMS, Parent, link_parent

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Context keys the built-in parents give their children (their own get_child_context).
BUILTIN_CHILD_KEYS = {
    "addresses": "address_sid",
    "available_phone_number_countries": "country_code",
    "conferences": "conference_sid",
    "messages": "message_sid",
    "conversation_services": "chat_service_sid",
    "conversations": "conversation_sid",
    "conversation_users": "user_sid",
    "studio_flows": "flow_sid",
    "studio_executions": "execution_sid",
    "chat_services": "service_sid",
    "chat_channels": "channel_sid",
    "taskrouter_workspaces": "workspace_sid",
    "taskrouter_task_queues": "task_queue_sid",
    "taskrouter_workers": "worker_sid",
}


#: Fields a product's records may carry beyond the spec's item schema: Conversations
#: records of the default service name it too.
PRODUCT_FIELDS = {"conversations": ("chat_service_sid",)}


@cache
def table() -> dict[str, t.Any]:
    """The generated stream table (spec_streams.json)."""
    text = resources.files("tap_twilio").joinpath("spec_streams.json").read_text("utf-8")
    return json.loads(text)


def normal(product: str, path: str) -> tuple[str, str]:
    """A list's identity whatever its placeholders are called."""
    return product, _PLACEHOLDER.sub("{}", path)


@cache
def _spec_index() -> dict[tuple[str, str], dict]:
    from tap_twilio.custom import spec_lists  # custom builds on the streams

    return {normal(item["product"], item["path"]): item for item in spec_lists()}


class SpecListSchemas(SchemaSource):
    """Schemas of the long tail, from the spec's item schema when a catalog needs one."""

    def fetch_schema(self, key: str) -> dict:
        """The list's item schema plus the fields the tap adds (account, parents' SIDs)."""
        cls = SPEC_CLASSES[key]
        found = _spec_index().get(normal(cls.product, cls.path))  # type: ignore[misc]
        schema: dict = json.loads(json.dumps(found["schema"])) if found else {"type": "object"}
        properties = schema.setdefault("properties", {})
        for name in ("account_sid", *cls.context_fields, *PRODUCT_FIELDS.get(cls.product, ())):
            properties.setdefault(name, {"type": ["string", "null"]})
        return schema


def _child_key(parent: type[TwilioStream], wanted: str, field: str) -> str:
    """The context key a parent gives its children (set on parents that have none yet)."""
    key = BUILTIN_CHILD_KEYS.get(parent.name) or getattr(parent, "child_key", "")  # type: ignore[misc]
    if key:
        return key
    if issubclass(parent, Parent):
        parent.child_key, parent.child_field = wanted, field
    else:
        link_parent(parent, wanted)
    return wanted


def _path_for(row: dict, parent: type[TwilioStream] | None) -> tuple[str, tuple[str, ...]]:
    """The row's path with its placeholders named as the parent's context names them."""
    own = [p for p in _PLACEHOLDER.findall(row["path"]) if p != "account_sid"]
    if parent is None or not own:
        return row["path"], ()
    inherited = [p for p in _PLACEHOLDER.findall(parent.path) if p != "account_sid"]  # type: ignore[misc]
    names = [*inherited, _child_key(parent, own[-1], row["parent_field"] or "sid")]
    if len(names) != len(own):
        names = [*own[:-1], names[-1]]
    renamed = iter(names)
    path = _PLACEHOLDER.sub(
        lambda m: m.group(0) if m.group(1) == "account_sid" else "{" + next(renamed) + "}",
        row["path"],
    )
    return path, tuple(names)


def _build(row: dict, parent: type[TwilioStream] | None) -> type[TwilioStream]:
    """One stream class from a row of the table."""
    path, context = _path_for(row, parent)
    api = row["product"] == "api"
    attrs: dict[str, t.Any] = {
        "__doc__": f"Twilio {row['product']} {row['path']} (long tail, from the spec).",
        "__module__": __name__,
        "name": row["name"],
        "product": row["product"],
        "path": path,
        "list_key": row["list_key"],
        "max_page_size": int(row["max_page_size"]),
        "primary_keys": tuple(row["primary_keys"]),
        "selected_by_default": False,
        "empty_on_404": True,
        "schema": StreamSchema(SCHEMAS),
        "replication_key": row.get("replication_key"),
        "start_param": row.get("start_param"),
        "end_param": row.get("end_param"),
        "filter_format": row.get("filter_format", "datetime"),
    }
    if parent is None:
        bases: tuple[type, ...] = (Parent, AccountChild if api else AccountProductStream)
        if api:
            attrs["context_fields"] = ("account_sid",)
    else:
        bases = (Parent, CoreStream if api else ProductStream)
        attrs["parent_stream_type"] = parent
        attrs["context_fields"] = (("account_sid",) if api else ()) + context
        attrs["state_partitioning_keys"] = ["account_sid"]
    return type(f"Spec_{row['name']}", bases, attrs)


SCHEMAS = SpecListSchemas()
SPEC_CLASSES: dict[str, type[TwilioStream]] = {}


def _build_all() -> tuple[type[TwilioStream], ...]:
    known: dict[str, type] = {}
    covered = {
        normal(cls.product, cls.path): cls  # type: ignore[misc]
        for cls in (*CORE_STREAMS, *PRODUCT_STREAMS, *CURATED_STREAMS)
    }
    built = []
    for row in table()["lists"]:
        existing = covered.get(normal(row["product"], row["path"]))
        if existing is not None:
            known[row["name"]] = existing
            continue
        parent = known.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:
            continue
        cls = _build(row, parent)
        known[row["name"]] = SPEC_CLASSES[row["name"]] = cls
        built.append(cls)
    return tuple(built)


SPEC_STREAMS: tuple[type[TwilioStream], ...] = _build_all()
