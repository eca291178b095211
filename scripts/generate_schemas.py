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
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = REPO_ROOT / "tap_twilio" / "schemas"


sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by path
from schema_registry import (  # noqa: E402
    EXTRA_FIELD_DESCRIPTIONS,
    EXTRA_FIELD_TYPES,
    STREAMS,
    StreamDef,
)

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
