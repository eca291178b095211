"""``custom_streams``: any Twilio list endpoint as a stream (the tap form of a raw request).

Each entry names a list by path or URL; it becomes a stream with the same auth, paging,
retries and state as the built-in ones. Its schema comes from Twilio's OpenAPI spec when
the path is one of Twilio's lists (``openapi_lists.json``, written by
``scripts/generate_schemas.py``), else it is inferred from the first page.
"""

from __future__ import annotations

import json
import re
import typing as t
from urllib.parse import urlparse

import requests
from singer_sdk.streams.core import Stream

from tap_twilio.api.openapi import PLACEHOLDER, find_spec_list
from tap_twilio.engine.client import (
    CoreStream,
    ProductStream,
    TwilioAPIError,
    TwilioStream,
    basic_auth,
    error_line,
    product_url,
    response_body,
)
from tap_twilio.streams.core import AccountsStream

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
    "messaging",
    "insights",
    "voice",
    "serverless",
    "lookups",
    "numbers",
    "video",
    "sync",
    "notify",
    "proxy",
    "events",
    "flex-api",
    "content",
    "intelligence",
    "routes",
    "supersim",
    "wireless",
    "trusthub",
    "preview",
    "pricing",
    "bulkexports",
    "frontline-api",
    "media",
    "microvisor",
    "oauth",
    "assistants",
    "iam",
    "knowledge",
    "marketplace",
    "memory",
    "preview-iam",
)
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    dict: "object",
    list: "array",
}
ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$")


class CustomStreamError(ValueError):
    """A custom_streams entry that cannot work; the message is one line."""


def split_location(entry: dict, config: t.Mapping[str, t.Any]) -> tuple[str, str]:
    """(product, path) of an entry's ``path``, which may be a full URL."""
    where = str(entry.get("path") or "")
    product = entry.get("product")
    if "://" in where:
        url = urlparse(where)
        host = url.hostname or ""
        base = urlparse(str(config.get("base_url") or "").replace("{product}", "api"))
        if host.endswith(".twilio.com"):
            product = product or host.split(".", 1)[0]
        elif base.hostname and host == base.hostname:
            product = product or "api"
            prefix = urlparse(product_url(config, product)).path
            where = url.path[len(prefix) :] if url.path.startswith(prefix) else url.path
            return product, where
        else:
            msg = f"host {host!r} is not a Twilio host (*.twilio.com)"
            raise CustomStreamError(msg)
        return product, url.path
    return product or "api", where


def validate_entries(config: t.Mapping[str, t.Any], builtin: set[str]) -> list[str]:
    """One line per problem with ``custom_streams``."""
    problems = []
    seen: set[str] = set()
    for index, entry in enumerate(config.get("custom_streams") or []):
        label = f"custom_streams[{index}]"
        name = entry.get("name")
        try:
            _check_entry(entry, config, builtin, seen)
        except CustomStreamError as exc:
            problems.append(f"{label}{f' ({name})' if name else ''}: {exc}")
        if name:
            seen.add(name)
    return problems


def _check_entry(
    entry: dict, config: t.Mapping[str, t.Any], builtin: set[str], seen: set[str]
) -> None:
    name = entry.get("name")
    if not name or not NAME.match(str(name)):
        raise CustomStreamError("name is required: lowercase letters, digits and _")
    if name in builtin:
        raise CustomStreamError(f"name {name!r} is a built-in stream; choose another")
    if name in seen:
        raise CustomStreamError(f"name {name!r} is used twice")
    if not entry.get("path"):
        raise CustomStreamError("path is required (a Twilio list path or URL)")
    product, path = split_location(entry, config)
    if product not in PRODUCTS:
        raise CustomStreamError(f"unknown Twilio product {product!r}")
    if not path.startswith("/"):
        raise CustomStreamError(f"path must start with / (got {path!r})")
    if not entry.get("primary_keys"):
        raise CustomStreamError("primary_keys is required (the fields that identify a row)")
    if entry.get("replication_key") and not entry.get("start_param"):
        raise CustomStreamError("replication_key needs start_param, the filter to send")
    unknown = [p for p in PLACEHOLDER.findall(path) if p != "account_sid"]
    if unknown:
        raise CustomStreamError(
            f"path placeholder {{{unknown[0]}}} unknown; only {{account_sid}} is filled in"
        )
    if _per_account(entry, path) and product != "api":
        raise CustomStreamError("per_account is for the core API (paths with {account_sid})")


def _per_account(entry: dict, path: str) -> bool:
    return bool(entry.get("per_account", "{account_sid}" in path))


def infer_schema(records: list[dict], product: str) -> dict:
    """A nullable JSON schema from sample records (dates detected by their shape)."""
    props: dict[str, set[str]] = {}
    formats: dict[str, str] = {}
    for record in records:
        for key, value in record.items():
            kinds = props.setdefault(key, set())
            if value is None:
                continue
            kinds.add(JSON_TYPES.get(type(value), "string"))
            if isinstance(value, str) and (
                ISO_DATETIME.match(value) or (product == "api" and RFC2822.match(value))
            ):
                formats[key] = "date-time"
    properties = {}
    for key, kinds in props.items():
        if kinds == {"integer", "number"}:
            kinds = {"number"}
        types = sorted(kinds) or ["string"]
        prop: dict[str, t.Any] = {"type": [*types, "null"]}
        if key in formats and types == ["string"]:
            prop["format"] = "date-time"
        properties[key] = prop
    return {"type": "object", "properties": properties}


def fetch_sample(entry: dict, config: t.Mapping[str, t.Any]) -> tuple[str, list[dict]]:
    """(list key, records) of the first page of a list that is not in the spec."""
    product, path = split_location(entry, config)
    path = path.replace("{account_sid}", config["account_sid"])
    url = product_url(config, product) + path
    try:
        response = requests.get(
            url,
            params={"PageSize": 50},
            auth=basic_auth(config),
            timeout=int(config.get("request_timeout", 60)),
            headers={"Accept": "application/json"},
        )
    except requests.RequestException as exc:
        msg = f"custom stream {entry['name']}: cannot read {path} to infer its schema ({exc})"
        raise TwilioAPIError(msg) from exc
    if response.status_code >= 400:
        msg = f"custom stream {entry['name']}: {error_line(response, product)}"
        raise TwilioAPIError(msg)
    try:
        body = response_body(response)
    except ValueError as exc:
        raise TwilioAPIError(f"custom stream {entry['name']}: {path} did not answer JSON") from exc
    key = entry.get("list_key") or _guess_list_key(body)
    if key is None or not isinstance(body.get(key), list):
        msg = f"custom stream {entry['name']}: no list in the answer of {path}; set list_key"
        raise TwilioAPIError(msg)
    return key, body[key]


_META_KEYS = {
    "end",
    "first_page_uri",
    "next_page_uri",
    "last_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "total",
    "num_pages",
    "start",
    "uri",
    "meta",
}


def _guess_list_key(body: t.Any) -> str | None:
    """The single list in a Twilio page (as Twilio's own SDK finds it)."""
    if not isinstance(body, dict):
        return None
    meta = body.get("meta")
    if isinstance(meta, dict) and meta.get("key"):
        return meta["key"]
    keys = [k for k, v in body.items() if k not in _META_KEYS and isinstance(v, list)]
    return keys[0] if len(keys) == 1 else None


def build_stream_class(entry: dict, config: t.Mapping[str, t.Any]) -> tuple[type, dict]:
    """A stream class and its schema for one custom_streams entry."""
    product, path = split_location(entry, config)
    per_account = _per_account(entry, path)
    spec = find_spec_list(product, path)
    if spec is not None:
        list_key = entry.get("list_key") or spec["list_key"]
        schema = json.loads(json.dumps(spec["schema"]))
        max_page_size = int(spec["max_page_size"])
    else:
        list_key, sample = fetch_sample(entry, config)
        schema = infer_schema(sample, product)
        max_page_size = int(entry.get("max_page_size") or 50)
    properties = schema.setdefault("properties", {})
    if per_account:
        properties.setdefault("account_sid", {"type": ["string", "null"]})
    for key in entry["primary_keys"]:
        properties.setdefault(key, {"type": ["string", "null"]})
    replication_key = entry.get("replication_key")
    if replication_key:
        properties.setdefault(replication_key, {"type": ["string", "null"], "format": "date-time"})
    base: type[TwilioStream] = CoreStream if product == "api" else ProductStream
    attrs: dict[str, t.Any] = {
        "__doc__": f"Custom stream {entry['name']}: {product} {path}.",
        "name": entry["name"],
        "product": product,
        "path": path,
        "list_key": list_key,
        "max_page_size": max_page_size,
        "primary_keys": tuple(entry["primary_keys"]),
        "replication_key": replication_key,
        "start_param": entry.get("start_param"),
        "end_param": entry.get("end_param"),
        "filter_format": entry.get("filter_format") or ("date" if product == "api" else "datetime"),
        "schema": Stream.schema,
    }
    if per_account:
        attrs["parent_stream_type"] = AccountsStream
    else:
        attrs["state_partitioning_keys"] = None
        attrs["context_fields"] = ()
    return type(f"Custom_{entry['name']}", (base,), attrs), schema
