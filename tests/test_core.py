"""The SDK's built-in tests over one stream of each kind, schema/key/record checks over every
stream from one sync, and a full sync of the core API: exact record sets, shapes, requests."""

from __future__ import annotations

import math
import typing as t
from collections import Counter

import pytest
import singer_sdk.helpers._typing as th
from singer_sdk.helpers._compat import datetime_fromisoformat
from singer_sdk.streams import Stream
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR
from twilio_sandbox import Sandbox

from tap_twilio.tap import TapTwilio
from tests.conftest import SyncResult, iso, run_tap
from tests.expect import CORE_KEYS, expected_keys, expected_rows, key_of

CORE = sorted(CORE_KEYS)

# ------------------------------------------------------------------ the SDK's built-in tests
#
# The SDK's built-in class runs its tap, stream and attribute tests over one representative
# stream of each kind: each stream class's module and base class (2010 core lists, children
# of messages/conferences/..., product lists with a meta envelope, curated product roots,
# the generated long tail, ...) crossed with incremental or full table and with or without
# a primary key. What differs from one stream to the next (schema, keys, records) is
# checked for every stream by ``test_every_stream_*`` below, from one sync of everything.

#: Picked first when a kind holds them; otherwise a kind's first stream by name.
PREFERRED = ("accounts", "messages", "message_media", "calls", "conversations", "usage_records")


Kind = tuple[str, str, bool, bool, bool]


def stream_kind(stream: Stream) -> Kind:
    """What a stream's behaviour depends on besides its schema: module, base class,
    child or root, incremental or not, keyless or not."""
    cls = type(stream)
    module = cls.__module__.rsplit(".", 1)[-1]
    return (
        module,
        cls.__mro__[1].__name__,
        stream.parent_stream_type is not None,
        stream.replication_key is not None,
        not stream.primary_keys,
    )


def representatives(tap: TapTwilio) -> dict[Kind, str]:
    """One stream name per kind."""
    kinds: dict[Kind, list[str]] = {}
    for stream in tap.streams.values():
        kinds.setdefault(stream_kind(stream), []).append(stream.name)
    return {
        kind: next((p for p in PREFERRED if p in names), min(names))
        for kind, names in sorted(kinds.items())
    }


def _selected(config: dict, streams: t.Collection[str] | None) -> dict:
    """The discovered catalog with ``streams`` (None: every stream, opt-in ones included)
    selected, every property too."""
    catalog = TapTwilio(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        on = streams is None or entry["tap_stream_id"] in streams
        for md in entry["metadata"]:
            md["metadata"]["selected"] = on
    return catalog


# The class needs its config at import time: a sandbox of its own, small (a tenth of the
# default records; every stream still has some) so that syncing every stream is cheap.
_BUILTIN = Sandbox(seed=0, scale=0.1)
_BUILTIN.start(port=0)
REPRESENTATIVES = sorted(
    set(representatives(TapTwilio(config=_BUILTIN.tap_config(), validate_config=False)).values())
)

TestTapTwilioBuiltin = get_tap_test_class(
    tap_class=TapTwilio,
    config=_BUILTIN.tap_config(),
    suite_config=SuiteConfig(max_records_limit=None),
    catalog=_selected(_BUILTIN.tap_config(), REPRESENTATIVES),
)


def _fresh_template_per_case(test_class: type, name: str) -> None:
    """Run an attribute test with a new template object for each (stream, attribute).

    singer-sdk 0.54 binds each attribute test to one template object shared by all its
    cases, and caches the attribute's values on it (``non_null_attribute_values`` is a
    ``cached_property``): every case after the first checks the first case's values."""
    template = type(getattr(test_class, name).__self__)

    def run(self, config, resource, runner, stream, attribute_name):
        template().run(config, resource, runner, stream, attribute_name)

    run.__name__ = name
    setattr(test_class, name, run)


def _single_typed(schema: dict) -> bool:
    """One JSON type besides null: the SDK's attribute tests guess a property's type from its
    schema and fail a property that may hold any JSON value (Twilio's ``attributes``)."""
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types or []
    return "anyOf" not in schema and len([x for x in types if x != "null"]) == 1


def _kept(case: t.Any) -> bool:
    values = case.values
    if values.stream.name not in REPRESENTATIVES:
        return False
    attribute = getattr(values, "attribute_name", None)
    return attribute is None or _single_typed(values.stream.schema["properties"][attribute])


# The factory parametrizes its stream tests over every stream of the tap: keep the
# representatives' cases (the runner syncs only them).
for _name, _params in list(TestTapTwilioBuiltin.params.items()):
    _kept_cases = [p for p in _params if _kept(p)]
    assert _kept_cases, f"{_name}: no representative stream has a case"
    TestTapTwilioBuiltin.params[_name] = _kept_cases
    if _name.startswith("test_tap_stream_attribute_"):
        _fresh_template_per_case(TestTapTwilioBuiltin, _name)


def test_representatives_cover_the_kinds_named_in_the_issue():
    """The kinds the built-in tests must see, each with its representative."""
    kinds = representatives(TapTwilio(config=_BUILTIN.tap_config(), validate_config=False))
    by_name = {name: kind for kind, name in kinds.items()}
    assert {"accounts", "messages", "message_media", "conversations"} <= set(by_name)
    assert by_name["messages"][3], "an incremental 2010 list"
    assert by_name["message_media"][2], "a child stream"
    assert any(module == "spec" for module, *_ in kinds), "the generated long tail"
    assert any(module == "products" for module, *_ in kinds), "product lists (meta envelope)"
    assert any(module in ("communications", "platform") for module, *_ in kinds), "curated"
    assert any(keyless for *_, keyless in kinds), "a keyless list"
    assert len(REPRESENTATIVES) == len(kinds)


# ------------------------------------------------------------------ every stream, one sync


@pytest.fixture(scope="module")
def everything() -> tuple[TapTwilio, SyncResult]:
    """One sync of every stream (opt-in ones too) against the built-in tests' sandbox."""
    config = _BUILTIN.tap_config()
    return TapTwilio(config=config, validate_config=False), run_tap(
        config, catalog=_selected(config, None)
    )


ALL_STREAMS = sorted(TapTwilio(config=_BUILTIN.tap_config(), validate_config=False).streams)
#: Streams known to fail the check, with the reason (strict: a fix makes the test say so).
KNOWN_BAD: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BAD[n]))
        if n in KNOWN_BAD
        else n
        for n in ALL_STREAMS
    ],
)
def test_every_stream_schema_keys_and_records(everything, name):
    """What the built-in stream and attribute tests check, for each of the 336 streams:
    a valid JSON Schema naming its keys, records that validate against it (date-times that
    parse), no field outside it, primary keys present, non-null and unique."""
    tap, result = everything
    stream = tap.streams[name]
    assert name in result.schemas, "no SCHEMA message"
    message = result.schemas[name]
    schema = message["schema"]
    DEFAULT_JSONSCHEMA_VALIDATOR.check_schema(schema)
    assert schema == stream.schema
    properties = schema["properties"]
    keys = list(stream.primary_keys or [])
    assert message["key_properties"] == keys
    assert set(keys) <= set(properties), f"primary key {keys} not in the schema"
    if stream.replication_key:
        assert stream.replication_key in properties
        assert message.get("bookmark_properties") == [stream.replication_key]

    records = result.records.get(name, [])
    assert records, "no records from the sandbox: nothing checked"
    validator = DEFAULT_JSONSCHEMA_VALIDATOR(
        schema, format_checker=DEFAULT_JSONSCHEMA_VALIDATOR.FORMAT_CHECKER
    )
    dated = [p for p, s in properties.items() if th.is_date_or_datetime_type(s)]
    for record in records:
        errors = [
            f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(record)
        ]
        assert errors == [], f"a record does not match the schema: {errors[:3]}"
        assert set(record) <= set(properties)
        for field_name in dated:
            if record.get(field_name) is not None:
                assert datetime_fromisoformat(record[field_name]), (field_name, record[field_name])
    if keys:
        ids = [tuple(r[k] for k in keys) for r in records]
        assert all(v is not None for key in ids for v in key), "a null primary key value"
        duplicates = [k for k, n in Counter(ids).items() if n > 1]
        assert duplicates == [], f"duplicate primary keys, e.g. {duplicates[:3]}"


@pytest.fixture(scope="module")
def full_sync(sandbox: Sandbox):
    """One full sync of every core stream; the request log it caused."""
    sandbox.clear_requests()
    result = run_tap(sandbox.tap_config(), streams=CORE)
    return result, list(sandbox.requests)


@pytest.mark.parametrize("stream", CORE)
def test_full_sync_emits_exactly_the_sandbox_records(full_sync, sandbox, stream):
    result, _ = full_sync
    got = result.keys(stream, CORE_KEYS[stream])
    want = expected_keys(sandbox, stream)
    assert want, f"the sandbox has no {stream} rows: the test would prove nothing"
    duplicates = [k for k, n in Counter(got).items() if n > 1]
    assert duplicates == [], f"duplicate primary keys in {stream}"
    assert set(got) == want


def test_every_stream_has_records(full_sync):
    result, _ = full_sync
    assert sorted(s for s in CORE if result.records.get(s)) == CORE


def test_accounts_never_carry_auth_tokens(full_sync, sandbox):
    result, _ = full_sync
    tokens = {a["auth_token"] for a in sandbox.accounts}
    assert all("auth_token" not in r for r in result.records["accounts"])
    assert "auth_token" not in result.schemas["accounts"]["schema"]["properties"]
    for records in result.records.values():
        for record in records:
            assert not tokens & {v for v in record.values() if isinstance(v, str)}


def test_message_fields_are_converted(full_sync, sandbox):
    result, _ = full_sync
    raw = {r["sid"]: r for r in expected_rows(sandbox, "messages")}
    emitted = {r["sid"]: r for r in result.records["messages"]}
    for sid, record in emitted.items():
        source = raw[sid]
        assert record["date_created"] == iso(source["date_created"])
        assert record["date_sent"] == iso(source["date_sent"])
        assert record["body"] == source["body"]
        assert record["price"] == source["price"]
    assert any(r["date_sent"] is None for r in emitted.values()), "queued messages are emitted"
    assert any(not r["body"].isascii() for r in emitted.values() if r["body"])
    sample = next(r for r in emitted.values() if r["date_sent"])
    assert sample["date_sent"].endswith("+00:00") and sample["date_sent"][10] == "T"


def test_child_records_carry_parent_sids(full_sync, sandbox):
    result, _ = full_sync
    for record in result.records["message_media"]:
        assert record["message_sid"] == record["parent_sid"]
        assert record["account_sid"].startswith("AC")
    for record in result.records["dependent_phone_numbers"]:
        assert record["address_sid"].startswith("AD")
    for record in result.records["keys"]:
        assert record["account_sid"] in {a["sid"] for a in sandbox.accounts}
    for record in result.records["available_phone_numbers_local"]:
        assert record["country_code"] == record["iso_country"]


def test_usage_records_are_typed_and_not_double_counted(full_sync, sandbox):
    result, _ = full_sync
    rows = result.records["usage_records"]
    main = sandbox.accounts[0]["sid"]
    raw = {
        key_of(r, CORE_KEYS["usage_records"]): r for r in expected_rows(sandbox, "usage_records")
    }
    for row in rows:
        source = raw[key_of(row, CORE_KEYS["usage_records"])]
        if source["price"] not in (None, ""):
            assert float(row["price"]) == pytest.approx(float(source["price"]))
            assert not isinstance(row["price"], str)
    assert {r["account_sid"] for r in rows} == {a["sid"] for a in sandbox.active_accounts}
    assert any(r["account_sid"] == main for r in rows)


def test_every_list_request_asks_for_the_maximum_page_size(full_sync):
    _, requests = full_sync
    lists = [r for r in requests if r.product == "api" and "Balance.json" not in r.path]
    assert lists
    assert {r.query.get("PageSize", [None])[0] for r in lists} == {"1000"}


def test_requests_are_the_minimum(full_sync, sandbox):
    """Pages per list are ceil(n / 1000); media only for messages that have media."""
    _, requests = full_sync
    by_path = Counter(r.path for r in requests if r.status == 200)
    for account in sandbox.active_accounts:
        sid = account["sid"]
        n_messages = len(sandbox.expected("messages", sid))
        path = f"/2010-04-01/Accounts/{sid}/Messages.json"
        assert by_path[path] == max(1, math.ceil(n_messages / 1000))
        with_media = [m for m in sandbox.expected("messages", sid) if m["num_media"] != "0"]
        media_requests = [
            p for p in by_path if p.startswith(f"{path[:-5]}/") and p.endswith("/Media.json")
        ]
        assert len(media_requests) == len(with_media)
        assert sum(by_path[p] for p in media_requests) == len(with_media)


def test_available_numbers_only_for_offered_types(full_sync, sandbox):
    _, requests = full_sync
    main = sandbox.accounts[0]["sid"]
    countries = sandbox.expected("available_phone_number_countries", main)
    offered = {(c["country_code"], kind) for c in countries for kind in c["subresource_uris"]}
    names = {
        "local": "Local.json",
        "mobile": "Mobile.json",
        "toll_free": "TollFree.json",
        "national": "National.json",
        "voip": "Voip.json",
        "shared_cost": "SharedCost.json",
        "machine_to_machine": "MachineToMachine.json",
    }
    asked = {
        (r.path.split("/")[-2], r.path.split("/")[-1])
        for r in requests
        if f"/Accounts/{main}/AvailablePhoneNumbers/" in r.path
    }
    assert asked == {(cc, names[kind]) for cc, kind in offered}
    assert {kind for _, kind in offered} == set(names), "the sandbox offers every type"


def test_balance_is_read_only_where_twilio_keeps_one(full_sync, sandbox):
    """Subaccounts have no balance: the tap does not ask (their owner_account_sid says so)."""
    result, requests = full_sync
    balances = result.records["account_balance"]
    assert [b["account_sid"] for b in balances] == [sandbox.accounts[0]["sid"]]
    asked = [r.path for r in requests if r.path.endswith("/Balance.json")]
    assert asked == [f"/2010-04-01/Accounts/{sandbox.accounts[0]['sid']}/Balance.json"]


def test_balance_404_is_no_balance(fresh_sandbox):
    sb = fresh_sandbox
    sb.inject("/Balance.json", "404", times=1)
    result = run_tap(sb.tap_config(), streams=["account_balance", "keys"])
    assert result.records.get("account_balance", []) == []
    assert result.records["keys"]


NUMBERS_FOR_SALE = [s for s in CORE if s.startswith("available_phone_number")]


def test_numbers_for_sale_are_not_selected_by_default(sandbox):
    """Twilio's catalogue of numbers, the same for every account: opt-in, never read unasked."""
    assert len(NUMBERS_FOR_SALE) == 8
    catalog = TapTwilio(config=sandbox.tap_config(), validate_config=False).catalog_dict
    by_default = {
        entry["tap_stream_id"]: next(
            m["metadata"].get("selected-by-default")
            for m in entry["metadata"]
            if m["breadcrumb"] == []
        )
        for entry in catalog["streams"]
    }
    opt_in = {s for s, on in by_default.items() if not on}
    assert set(NUMBERS_FOR_SALE) <= opt_in
    assert {"messages", "calls", "conversations", "accounts"}.isdisjoint(opt_in)
    sandbox.clear_requests()
    result = run_tap(sandbox.tap_config(), streams=None)
    assert not any("/AvailablePhoneNumbers" in r.path for r in sandbox.requests)
    assert not any(s in result.records for s in NUMBERS_FOR_SALE)
    assert result.records["messages"]
