"""The long tail (issue 12): every other published Twilio list, generated from the specs."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tap_twilio.streams import STREAMS, custom
from tap_twilio.streams.spec import SPEC_STREAMS, table
from tap_twilio.tap import TapTwilio
from tests.conftest import ROOT, run_cli, run_tap, write_config

SPEC_DIR = ROOT / "openapi"
BY_NAME = {cls.name: cls for cls in STREAMS}
# One long-tail list per product family, children with their parents (curated, built-in
# and long-tail parents), read with PageSize=1 so that every list takes several pages.
SAMPLE = (
    "accounts_v1_credentials_public_keys",
    "api_notifications",
    "api_sip_domains_credential_list_mappings",
    "content_v1_legacy_content",
    "events_v1_types",
    "flex_api_v1_plugin_service_plugins",
    "marketplace_v1_installed_add_ons_extensions",
    "notify_v1_services",
    "voice_v1_byoc_trunks",
    "assistants_v1_assistants",
    "iam_v1_keys",
    "preview_wireless_sims",
    "ip_messaging_v2_services",
    "chat_v1_services",
    "studio_v1_flows",
    "taskrouter_v1_workspaces_workers_reservations",
    "insights_v1_video_rooms",
    "intelligence_v2_operators",
    "pricing_v1_phone_numbers_countries",
    "conversations_v1_credentials",
    "messaging_v1_services_channel_senders",
    "numbers_v2_regulatory_compliance_end_users",
    "proxy_v1_services",
    "proxy_v1_services_sessions",
    "serverless_v1_services_assets",
    "serverless_v1_services_functions_versions",
    "supersim_v1_network_access_profiles",
    "sync_v1_services_lists_items",
    "trunking_v1_trunks_origination_urls",
    "trusthub_v1_end_users",
    "verify_v2_services_entities_factors",
    "video_v1_composition_hooks",
    "wireless_v1_rate_plans",
)


def _generator():
    path = ROOT / "scripts" / "generate_spec_streams.py"
    spec = importlib.util.spec_from_file_location("generate_spec_streams", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_table_is_what_the_generator_makes():
    assert _generator().main(["--check", "--spec-dir", str(SPEC_DIR)]) == 0


def _published() -> list[dict]:
    digest = json.loads((SPEC_DIR / "list-endpoints.json").read_text(encoding="utf-8"))
    return [e for e in digest if e.get("listkey") and e.get("item")]


def _normal(product: str, path: str) -> tuple[str, str]:
    return product, re.sub(r"\{\w+\}", "{}", path)


def test_every_published_list_is_a_stream_or_named_as_left_out():
    streams = {_normal(cls.product, cls.path) for cls in STREAMS}
    # The built-in conversations streams read per service (/v1/Services/{}/…).
    left = {_normal(e["product"], e["path"]) for e in table()["left_out"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for entry in _published():
        key = _normal(entry["host"].split("//")[1].split(".")[0], entry["path"])
        if key in left:
            assert f"`{entry['path']}`" in readme, entry["path"]
        elif key not in streams:
            missing.append(key)
    assert missing == []
    assert len(SPEC_STREAMS) > 200


def test_long_tail_is_discoverable_not_selected_and_nested_as_the_paths_say():
    names = [cls.name for cls in STREAMS]
    assert len(names) == len(set(names))
    assert all(not cls.selected_by_default for cls in SPEC_STREAMS)
    functions = BY_NAME["serverless_v1_services_functions_versions"]
    assert functions.parent_stream_type is BY_NAME["serverless_functions"]
    assert functions.path == "/v1/Services/{service_sid}/Functions/{function_sid}/Versions"
    assert functions.context_fields == ("service_sid", "function_sid")
    sessions = BY_NAME["proxy_v1_services_sessions"]
    assert sessions.parent_stream_type is BY_NAME["proxy_v1_services"]
    items = BY_NAME["sync_v1_services_lists_items"]
    assert items.primary_keys == ("service_sid", "list_sid", "index")
    assert items.max_page_size == 100
    notifications = BY_NAME["api_notifications"]
    assert (notifications.replication_key, notifications.start_param) == (
        "message_date",
        "MessageDate>",
    )
    assert notifications.filter_format == "date"


def test_custom_streams_find_a_spec_schema_for_every_published_list():
    for entry in _published():
        product = entry["host"].split("//")[1].split(".")[0]
        assert custom.find_spec_list(product, entry["path"]) is not None, entry["path"]


def test_discovery_makes_no_request(sandbox, tmp_path):
    sandbox.clear_requests()
    config = write_config(tmp_path, sandbox.tap_config())
    start = time.perf_counter()
    done = run_cli(["--config", str(config), "--discover"])
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    catalog = json.loads(done.stdout)
    assert len(catalog["streams"]) == len(STREAMS)
    assert list(sandbox.requests) == []
    print(f"\ndiscovery of {len(STREAMS)} streams: {elapsed:.2f} s (process start included)")
    tap = TapTwilio(config=sandbox.tap_config(), validate_config=False)
    for cls in SPEC_STREAMS[:40]:
        schema = tap.streams[cls.name].schema
        assert schema["properties"], cls.name
        assert all(k in schema["properties"] for k in cls.primary_keys), cls.name


@pytest.fixture(scope="module")
def sample_sync(sandbox):
    sandbox.clear_requests()
    config = sandbox.tap_config(include_subaccounts=False, page_size=1)
    result = run_tap(config, streams=SAMPLE)
    return result, list(sandbox.requests)


@pytest.mark.parametrize("stream", SAMPLE)
def test_sample_stream_emits_exactly_the_sandbox_records(sample_sync, sandbox, stream):
    result, requests = sample_sync
    cls = BY_NAME[stream]
    key = tuple(cls.primary_keys)
    got = result.keys(stream, key)
    want = {tuple(r.get(k) for k in key) for r in sandbox.expected(stream, sandbox.account_sid)}
    assert want, f"sandbox has no {stream} rows"
    assert [k for k, n in Counter(got).items() if n > 1] == []
    assert set(got) == want
    for record in result.records[stream]:
        assert all(record.get(f) for f in cls.context_fields), stream
    assert all(r.status == 200 for r in requests)


def test_sample_pages_one_record_at_a_time(sample_sync):
    _, requests = sample_sync
    pages = Counter(re.sub(r"[A-Z]{2}[0-9a-f]{32}", "{sid}", r.path) for r in requests)
    assert pages["/v1/Services/{sid}/Sessions"] >= 2 * 2  # two pages per proxy service
    assert all(r.query.get("PageSize") == ["1"] for r in requests if "PageToken" not in r.query)


def test_schema_index_covers_the_vendored_specs():
    lists = custom.spec_lists()
    assert len(lists) == len(_published())
    assert Path(ROOT / "tap_twilio" / "api" / "openapi_lists.json").stat().st_size < 400_000


#: Long-tail lists whose items carry nothing that identifies them: a knowledge base's text
#: chunks, and Wireless usage per period (the period is an object).
KEYLESS = {"assistants_v1_knowledge_chunks", "wireless_v1_usage_records"}


_CONFIG = {"account_sid": "AC" + "a" * 32, "auth_token": "b" * 32}


def test_keyless_lists_say_so_in_their_catalog_entry():
    """A user reading the catalog learns why a list has no key and how to load it."""
    catalog = {
        s.tap_stream_id: s for s in TapTwilio(config=_CONFIG, validate_config=False).catalog.streams
    }
    for name, entry in catalog.items():
        says = "No primary key" in (entry.schema.to_dict().get("description") or "")
        assert says == (name in KEYLESS), name
        if name in KEYLESS:
            assert entry.key_properties in (None, [], ())


def test_every_long_tail_row_has_its_own_primary_key(sandbox):
    """A target upserting on the keys keeps every row: no key is empty or shared."""
    assert {cls.name for cls in SPEC_STREAMS if not cls.primary_keys} == KEYLESS
    keyed = [cls for cls in SPEC_STREAMS if cls.primary_keys]
    config = sandbox.tap_config(include_subaccounts=False)
    result = run_tap(config, streams=[cls.name for cls in keyed])
    read, empty, shared = 0, [], []
    for cls in keyed:
        records = result.records.get(cls.name, [])
        read += bool(records)
        keys = [tuple(r.get(k) for k in cls.primary_keys) for r in records]
        if not all(all(v is not None for v in key) for key in keys):
            empty.append(cls.name)
        if any(n > 1 for n in Counter(keys).values()):
            shared.append(cls.name)
    assert (empty, shared) == ([], [])
    assert read > 0.9 * len(keyed), f"only {read} of {len(keyed)} lists had rows"
