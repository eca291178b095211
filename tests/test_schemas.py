"""Tests for the committed JSON Schemas and their generator (scripts/generate_schemas.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft7Validator

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = REPO_ROOT / "tap_twilio" / "schemas"
GENERATOR = REPO_ROOT / "scripts" / "generate_schemas.py"
STREAMS_DOC = REPO_ROOT / "docs" / "streams-spec.md"
ALLOWED_FORMATS = {"date-time", "date"}
JSON_VALUE_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_schemas", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _schema_files() -> list[Path]:
    return sorted(SCHEMAS_DIR.glob("*.json"))


def _load(stream: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def _subschemas(schema: dict[str, Any], where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every (path, subschema) reachable through properties/items/additionalProperties."""
    yield where or "<root>", schema
    for name, sub in schema.get("properties", {}).items():
        yield from _subschemas(sub, f"{where}.{name}" if where else name)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _subschemas(schema[key], f"{where}[{key}]")


def _spec_dir() -> Path:
    spec_dir = gen.default_spec_dir()
    assert spec_dir.is_dir(), f"Twilio OpenAPI specs not found at {spec_dir}"
    return spec_dir


def test_generator_reproduces_committed_files(capsys: pytest.CaptureFixture[str]) -> None:
    spec_dir = _spec_dir()
    code = gen.main(["--check", "--spec-dir", str(spec_dir)])
    out = capsys.readouterr().out
    assert code == 0, f"committed schemas differ from the generator output:\n{out}"


def test_one_schema_file_per_stream() -> None:
    assert {p.stem for p in _schema_files()} == set(gen.STREAMS)
    assert (SCHEMAS_DIR / "__init__.py").is_file()


@pytest.mark.parametrize("path", _schema_files(), ids=lambda p: p.stem)
def test_schema_is_valid_draft7(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["properties"]
    assert "additionalProperties" not in schema
    assert path.read_text(encoding="utf-8") == gen.render(schema), "not in canonical format"


@pytest.mark.parametrize("path", _schema_files(), ids=lambda p: p.stem)
def test_only_date_formats(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    bad = {
        where: sub["format"]
        for where, sub in _subschemas(schema)
        if "format" in sub and sub["format"] not in ALLOWED_FORMATS
    }
    assert not bad


@pytest.mark.parametrize("path", _schema_files(), ids=lambda p: p.stem)
def test_every_property_is_nullable(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    for where, sub in _subschemas(schema):
        if where != "<root>" and "type" in sub:
            assert "null" in sub["type"], where
        assert "enum" not in sub, where
    all_null = dict.fromkeys(schema["properties"])
    assert not list(Draft7Validator(schema).iter_errors(all_null))


def test_accounts_has_no_auth_token() -> None:
    assert "auth_token" not in _load("accounts")["properties"]


@pytest.mark.parametrize(
    ("stream", "field"),
    [
        ("messages", "date_sent"),
        ("messages", "date_created"),
        ("messages", "date_updated"),
        ("calls", "start_time"),
        ("calls", "end_time"),
        ("calls", "date_created"),
        ("recordings", "start_time"),
        ("conferences", "date_updated"),
        ("usage_triggers", "date_fired"),
        ("accounts", "date_created"),
        ("keys", "date_updated"),
    ],
)
def test_rfc2822_fields_are_date_time(stream: str, field: str) -> None:
    prop = _load(stream)["properties"][field]
    assert prop["type"] == ["string", "null"]
    assert prop["format"] == "date-time"


def test_all_spec_rfc2822_fields_are_date_time() -> None:
    spec_dir = _spec_dir()
    specs: dict[str, Any] = {}
    checked = 0
    for stream, sdef in gen.STREAMS.items():
        if sdef.spec_file not in specs:
            specs[sdef.spec_file] = json.loads((spec_dir / sdef.spec_file).read_text())
        component = specs[sdef.spec_file]["components"]["schemas"][sdef.component]
        properties = _load(stream)["properties"]
        for name, prop in component["properties"].items():
            if prop.get("format") == "date-time-rfc-2822":
                assert properties[name]["format"] == "date-time", f"{stream}.{name}"
                checked += 1
    assert checked > 30


def test_usage_record_dates_are_dates() -> None:
    properties = _load("usage_records")["properties"]
    assert properties["start_date"]["format"] == "date"
    assert properties["end_date"]["format"] == "date"
    assert properties["price"]["type"] == ["number", "null"]


@pytest.mark.parametrize(
    ("stream", "field"),
    [
        ("dependent_phone_numbers", "address_sid"),
        ("message_media", "message_sid"),
        ("keys", "account_sid"),
        ("queues", "account_sid"),
        ("available_phone_number_countries", "account_sid"),
        ("available_phone_numbers_local", "account_sid"),
        ("available_phone_numbers_local", "country_code"),
        ("available_phone_numbers_mobile", "country_code"),
        ("available_phone_numbers_toll_free", "country_code"),
    ],
)
def test_extra_fields_exist(stream: str, field: str) -> None:
    assert _load(stream)["properties"][field]["type"] == ["string", "null"]


@pytest.mark.parametrize("stream", sorted(gen.STREAMS))
def test_registry_fields_exist(stream: str) -> None:
    sdef = gen.STREAMS[stream]
    properties = _load(stream)["properties"]
    for key in (*sdef.primary_keys, *sdef.extra_fields):
        assert key in properties, key
    for name in sdef.json_fields:
        assert set(properties[name]["type"]) == JSON_VALUE_TYPES, name
        assert "parsed JSON" in properties[name]["description"]
    for name in sdef.drop_fields:
        assert name not in properties


def _doc_rows() -> Iterator[dict[str, str]]:
    """Rows of the stream tables in docs/streams-spec.md, keyed by header name."""
    header: list[str] | None = None
    for line in STREAMS_DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "stream":
            header = cells
        elif header and re.fullmatch(r"[a-z0-9_]+", cells[0]):
            yield dict(zip(header, cells, strict=False))


def test_registry_matches_streams_doc() -> None:
    rows = {row["stream"]: row for row in _doc_rows()}
    assert set(rows) == set(gen.STREAMS)
    for stream, row in rows.items():
        sdef = gen.STREAMS[stream]
        component = row["spec schema"]
        if component.startswith("…"):
            assert sdef.component.endswith(component[1:]), stream
        else:
            assert sdef.component == component, stream
        keys = tuple(k.strip() for k in row["primary key"].split(","))
        assert sdef.primary_keys == keys, stream
        if "extra fields" in row:
            extras = set(re.findall(r"(?<![`\w])[a-z]+_[a-z_]+(?![`\w])", row["extra fields"]))
            assert set(sdef.extra_fields) == extras, stream
