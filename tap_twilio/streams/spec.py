"""The long tail: every other list of Twilio's 55 OpenAPI specs as a stream (issue 12).

Built at import from ``spec.json`` (``scripts/generate_spec_streams.py``): name,
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

from tap_twilio.api.openapi import spec_lists
from tap_twilio.engine.client import CoreStream, ProductStream, TwilioStream
from tap_twilio.streams.core import CORE_STREAMS, AccountChild, AccountProductStream
from tap_twilio.streams.curated import CURATED_STREAMS
from tap_twilio.streams.products import PRODUCT_STREAMS

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


#: Fields a product's records may carry beyond the spec's item schema: Conversations
#: records of the default service name it too.
PRODUCT_FIELDS = {"conversations": ("chat_service_sid",)}


@cache
def table() -> dict[str, t.Any]:
    """The generated stream table (spec.json)."""
    text = resources.files("tap_twilio.streams").joinpath("spec.json").read_text("utf-8")
    return json.loads(text)


def normal(product: str, path: str) -> tuple[str, str]:
    """A list's identity whatever its placeholders are called."""
    return product, _PLACEHOLDER.sub("{}", path)


@cache
def _spec_index() -> dict[tuple[str, str], dict]:
    return {normal(item["product"], item["path"]): item for item in spec_lists()}


#: What a keyless list's catalog entry says (its rows carry nothing that identifies them).
NO_KEY = (
    "No primary key: Twilio's rows of this list carry no field that identifies them, so a "
    "target cannot upsert them; load it with append or replace (full table) semantics."
)


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
        if not cls.primary_keys:
            schema["description"] = NO_KEY
        return schema


def _own_placeholders(path: str) -> list[str]:
    return [p for p in _PLACEHOLDER.findall(path) if p != "account_sid"]


def _child_keys(rows: list[dict]) -> dict[str, tuple[str, str]]:
    """The context key and record field each parent row gives its children.

    The key is what the parent's first child's path calls the parent's SID.
    """
    keys: dict[str, tuple[str, str]] = {}
    for row in rows:
        own = _own_placeholders(row["path"])
        if row["parent"] and own:
            keys.setdefault(row["parent"], (own[-1], row["parent_field"] or "sid"))
    return keys


def _child_key(parent: type[TwilioStream]) -> str:
    """The context key a parent gives its children (declared on every parent)."""
    if parent.child_key is None:
        raise TypeError(f"{parent.__name__} has long-tail children: declare its child_key")
    return parent.child_key


def _path_for(row: dict, parent: type[TwilioStream] | None) -> tuple[str, tuple[str, ...]]:
    """The row's path with its placeholders named as the parent's context names them."""
    own = _own_placeholders(row["path"])
    if parent is None or not own:
        return row["path"], ()
    inherited = _own_placeholders(parent.path)  # type: ignore[misc]
    names = [*inherited, _child_key(parent)]
    if len(names) != len(own):
        names = [*own[:-1], names[-1]]
    renamed = iter(names)
    path = _PLACEHOLDER.sub(
        lambda m: m.group(0) if m.group(1) == "account_sid" else "{" + next(renamed) + "}",
        row["path"],
    )
    return path, tuple(names)


def _build(
    row: dict, parent: type[TwilioStream] | None, child_key: tuple[str, str] | None
) -> type[TwilioStream]:
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
    if child_key is not None:
        attrs["child_key"], attrs["child_field"] = child_key
    if parent is None:
        bases: tuple[type, ...] = (AccountChild if api else AccountProductStream,)
        if api:
            attrs["context_fields"] = ("account_sid",)
    else:
        bases = (CoreStream if api else ProductStream,)
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
    rows = table()["lists"]
    child_keys = _child_keys(rows)
    for row in rows:
        existing = covered.get(normal(row["product"], row["path"]))
        if existing is not None:
            known[row["name"]] = existing
            continue
        parent = known.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:
            continue
        cls = _build(row, parent, child_keys.get(row["name"]))
        known[row["name"]] = SPEC_CLASSES[row["name"]] = cls
        built.append(cls)
    return tuple(built)


SPEC_STREAMS: tuple[type[TwilioStream], ...] = _build_all()
