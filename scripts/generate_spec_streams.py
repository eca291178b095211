#!/usr/bin/env python
"""Generate the long-tail stream table (tap_twilio/streams/spec.json) from Twilio's OpenAPI specs.

Usage:
    python scripts/generate_spec_streams.py [--spec-dir DIR] [--check]

Every list endpoint of the 55 specs (``openapi/list-endpoints.json``) becomes one row:
stream name, product (host), path (placeholders in snake case), list key, largest page
size, primary key, parent list (from the path's nesting: ``/v1/Services/{ServiceSid}/Functions``
is a child of ``/v1/Services``), the parent's record field each placeholder takes, and the
incremental filter when the spec names one. ``tap_twilio/streams/spec.py`` builds the
stream classes from this file at import; lists whose path parameters come from no parent
list are kept under ``left_out`` with the reason.

The sandbox's generic records for these lists (``sandbox/twilio_sandbox/spec_examples.json``:
one example item per list, from the spec's response examples, plus the enum values of each
field) are written by the same run.

``--check`` writes nothing and exits 1 when a committed file differs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLE = REPO_ROOT / "tap_twilio" / "streams" / "spec.json"
EXAMPLES = REPO_ROOT / "sandbox" / "twilio_sandbox" / "spec_examples.json"
ACCOUNT_PREFIX = "/2010-04-01/Accounts/{AccountSid}"

_spec = importlib.util.spec_from_file_location(
    "generate_schemas", Path(__file__).with_name("generate_schemas.py")
)
assert _spec is not None and _spec.loader is not None
generate_schemas = importlib.util.module_from_spec(_spec)
sys.modules["generate_schemas"] = generate_schemas
_spec.loader.exec_module(generate_schemas)

#: Fields that identify a row of a list without ``sid``, in order of preference.
ROW_IDS = (
    "ttid",  # a Video room transcription's own id (its room_sid is the parent's)
    "call_sid",
    "conference_sid",
    "participant_sid",
    "room_sid",
    "iso_country",
    "country_code",
    "id",
    "key",
    "index",
    "unique_name",
    "identity",
    "phone_number",
    "type",
    "name",
    # Lists whose items name their own identity only in these (Flex Insights, chat user
    # channels, A2P vettings, porting, Super SIM IP addresses, queue statistics, dialing
    # prefixes, Monitor v2 alarms, Verify messaging configurations per country).
    "assessment_sid",
    "question_sid",
    "segment_id",
    "conversation_id",
    "channel_sid",
    "brand_vetting_sid",
    "port_in_request_sid",
    "task_queue_sid",
    "ip_address",
    "prefix",
    "alertConfigSid",
    "country",
)
#: Lists identified by several fields of their own (configurations per country and product).
ROW_KEYS = {"/v1/SigningRequest/Configuration": ["country", "product"]}
#: Incremental filters the specs name: (lower bound, upper bound or None) -> record fields
#: the bound applies to, first present wins. 2010 filters are ``X>``/``X<``.
FILTERS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("DateCreated>", "DateCreated<", ("date_created",)),
    ("DateUpdated>", "DateUpdated<", ("date_updated",)),
    ("StartTime>", "StartTime<", ("start_time",)),
    ("MessageDate>", "MessageDate<", ("message_date",)),
    ("DateCreatedAfter", "DateCreatedBefore", ("date_created",)),
    ("AfterDateCreated", "BeforeDateCreated", ("date_created",)),
    ("CreatedAfter", "CreatedBefore", ("date_created", "create_time", "created_time")),
    ("DateCreatedFrom", "DateCreatedTo", ("date_created",)),
    ("StartDate", "EndDate", ("event_date", "date_created", "timestamp")),
    ("StartTime", "EndTime", ("start_time",)),
)
_CAMEL = re.compile(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    """``ServiceSid`` -> ``service_sid``; ``reportId`` -> ``report_id``."""
    return _CAMEL.sub("_", name).lower().replace("-", "_")


def placeholder_name(path: str, name: str) -> str:
    """A placeholder's snake-case name; a bare ``{Sid}``/``{Id}`` gets its list's name."""
    plain = snake(name)
    if plain not in ("sid", "id"):
        return plain
    segment = path.split("{" + name + "}", 1)[0].rstrip("/").rsplit("/", 1)[1]
    return f"{snake(segment).removesuffix('s')}_{plain}"


def snake_placeholders(path: str) -> str:
    """The path with every placeholder in snake case (``{ServiceSid}`` -> ``{service_sid}``)."""
    return re.sub(r"\{(\w+)\}", lambda m: "{" + placeholder_name(path, m.group(1)) + "}", path)


def product_of(host: str) -> str:
    """``https://flex-api.twilio.com`` -> ``flex-api``."""
    return host.split("//", 1)[1].split(".", 1)[0]


def stream_name(product: str, path: str) -> str:
    """A stable stream name: product, version and the path's fixed segments."""
    if path.startswith(ACCOUNT_PREFIX):
        parts = ["api", *path[len(ACCOUNT_PREFIX) :].removesuffix(".json").split("/")]
    elif path.startswith("/2010-04-01/"):
        parts = ["api", *path[len("/2010-04-01/") :].removesuffix(".json").split("/")]
    else:
        parts = [product, *path.split("/")]
    words = [snake(p) for p in parts if p and not p.startswith("{")]
    return re.sub(r"_+", "_", "_".join(words).replace("-", "_"))


def parent_path(path: str) -> tuple[str | None, str | None]:
    """(the list a path nests under, its last placeholder) from the path's shape."""
    if path.startswith(ACCOUNT_PREFIX + "/"):
        tail = path[len(ACCOUNT_PREFIX) :]
        match = re.match(r"^(.*)/\{(\w+)\}/[^{}]*$", tail)
        if match is None:
            return None, None
        return f"{ACCOUNT_PREFIX}{match.group(1)}.json", match.group(2)
    match = re.match(r"^(.*)/\{(\w+)\}/[^{}]*$", path)
    if match is None:
        return None, None
    return match.group(1), match.group(2)


def primary_key(props: list[str], id_fields: list[str], path: str = "") -> list[str]:
    """What identifies a row: ``sid``, else the first identifying field present."""
    if path in ROW_KEYS:
        return ROW_KEYS[path]
    if "sid" in props:
        return ["sid"]
    if {"category", "start_date", "end_date"} <= set(props):
        return ["account_sid", "category", "start_date", "end_date"]
    found = [f for f in id_fields if f in props] or [f for f in ROW_IDS if f in props][:1]
    return found


def row_key(key: list[str], parents: list[str]) -> list[str]:
    """A child's key without SIDs of its own is unique under its parents: add theirs."""
    if key in ([], ["sid"]) or not parents:
        return key
    return [*parents, *(k for k in key if k not in parents)]


def incremental(entry: dict[str, Any]) -> dict[str, str]:
    """The spec's server-side date filter of a list, with the record field it bounds."""
    params = {q[0]: q[2] for q in entry.get("query", [])}
    dates = entry.get("dates") or {}
    for lower, upper, fields in FILTERS:
        if lower not in params:
            continue
        field = next((f for f in fields if "date-time" in (dates.get(f) or ())), None)
        if field is None:
            field = next((f for f in fields if "date-time-rfc-2822" in (dates.get(f) or ())), None)
        if field is None:
            continue
        out = {"replication_key": field, "start_param": lower}
        if params[lower] == "date":
            out["filter_format"] = "date"
        if upper and upper in params and not upper.endswith("<"):
            out["end_param"] = upper
        return out
    return {}


def build(spec_dir: Path) -> tuple[str, str]:
    """The stream table and the sandbox examples, rendered."""
    digest = json.loads((spec_dir / "list-endpoints.json").read_text(encoding="utf-8"))
    lists = [e for e in digest if e.get("listkey") and e.get("item")]
    lists.sort(key=lambda e: (product_of(e["host"]), e["path"]))
    by_path = {(product_of(e["host"]), e["path"]): e for e in lists}
    names: dict[tuple[str, str], str] = {}
    for entry in lists:
        key = (product_of(entry["host"]), entry["path"])
        name = stream_name(*key)
        if name in names.values():
            name = f"{name}_{entry['listkey'][0]}"
        names[key] = name

    rows: list[dict[str, Any]] = []
    left_out: list[dict[str, str]] = []
    dropped: set[tuple[str, str]] = set()
    converters: dict[str, Any] = {}
    examples: dict[str, Any] = {}
    for entry in lists:
        product = product_of(entry["host"])
        path = entry["path"]
        parent, placeholder = parent_path(path)
        placeholders = re.findall(r"\{(\w+)\}", path)
        own = [p for p in placeholders if p != "AccountSid"]
        parent_key = (product, parent) if parent else None
        if own and (parent_key not in by_path or placeholder != own[-1] or parent_key in dropped):
            dropped.add((product, path))
            left_out.append(
                {
                    "product": product,
                    "path": path,
                    "reason": f"{{{own[-1]}}} comes from no list"
                    if parent_key not in by_path
                    else "its parent list is left out",
                }
            )
            continue
        props = list(entry.get("props") or [])
        component = entry["item"].rsplit("/", 1)[1]
        converter = converters.get(entry["file"])
        if converter is None:
            spec = json.loads((spec_dir / entry["file"]).read_text(encoding="utf-8"))
            converter = converters[entry["file"]] = generate_schemas.SpecConverter(
                spec, entry["file"]
            )
        if not props and component.endswith("_response"):
            # The spec's item schema of US A2P campaigns is empty; the records are campaigns.
            component = component.removesuffix("_response")
            props = sorted(converter.component(component).get("properties", {}))
        parent_entry = by_path.get(parent_key) if parent_key else None
        field = None
        if parent_entry is not None:
            wanted = snake(placeholder or "")
            parent_props = parent_entry.get("props") or []
            parent_keys = primary_key(parent_props, list(parent_entry.get("idfields") or []))
            if "sid" in parent_props and wanted.endswith("sid"):
                field = "sid"
            elif wanted in parent_props:
                field = wanted
            else:
                field = parent_keys[0] if len(parent_keys) == 1 else "sid"
        snake_path = snake_placeholders(path)
        row: dict[str, Any] = {
            "name": names[(product, path)],
            "product": product,
            "path": snake_path,
            "list_key": entry["listkey"][0],
            "max_page_size": next(
                (q[3] for q in entry.get("query", []) if q[0] == "PageSize" and q[3]), 1000
            ),
            "primary_keys": row_key(
                primary_key(props, list(entry.get("idfields") or []), path),
                [placeholder_name(path, p) for p in own],
            ),
            "parent": names[parent_key] if parent_entry is not None else None,
            "parent_field": field,
            "context_fields": [placeholder_name(path, p) for p in own],
            **incremental(entry),
            "spec": entry["file"],
            "component": component,
        }
        rows.append(row)
        examples[row["name"]] = {
            **{
                k: row[k]
                for k in ("product", "path", "list_key", "max_page_size", "parent", "parent_field")
            },
            "id_fields": row["primary_keys"] or ["sid"],
            "params": [[p, p if p in props else None] for p in row["context_fields"]],
            "filter": {
                k: row[k] for k in ("replication_key", "start_param", "end_param") if k in row
            },
            **example_item(converter, component, props),
        }
    table = {"lists": rows, "left_out": left_out}
    return (
        json.dumps(table, indent=1, sort_keys=False) + "\n",
        json.dumps(examples, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n",
    )


def example_item(converter: Any, component: str, props: list[str]) -> dict[str, Any]:
    """One example record of a list (every property), with each field's enum values."""
    found = converter.examples(component)
    record: dict[str, Any] = {}
    for sample in found:
        for key, value in sample.items():
            if record.get(key) is None:
                record[key] = value
    properties = converter.component(component).get("properties", {})
    choices = {}
    for name in props:
        record.setdefault(name, None)
        prop = properties.get(name, {})
        if "$ref" in prop:
            prop = converter.resolve(prop["$ref"])
        values = [v for v in prop.get("enum") or () if v is not None]
        if values:
            choices[name] = values
    return {"record": {k: record[k] for k in props}, "choices": choices}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-dir", type=Path, default=None, help="Twilio OpenAPI JSON dir")
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args(argv)
    spec_dir: Path = args.spec_dir or generate_schemas.default_spec_dir()
    outputs = dict(zip((TABLE, EXAMPLES), build(spec_dir), strict=True))
    changed = [p for p, text in outputs.items() if not p.is_file() or p.read_text("utf-8") != text]
    if args.check:
        for path in changed:
            print(f"differs: {path.relative_to(REPO_ROOT)}")
        if changed:
            print("spec streams are out of date; run: python scripts/generate_spec_streams.py")
            return 1
        print("spec streams up to date")
        return 0
    for path in changed:
        path.write_text(outputs[path], encoding="utf-8")
    print(f"{len(changed)} file(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
