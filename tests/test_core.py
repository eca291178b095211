"""A full sync of the core API against the sandbox: exact record sets, shapes, requests."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from twilio_sandbox import Sandbox

from tap_twilio.tap import TapTwilio
from tests.conftest import iso, run_tap
from tests.expect import CORE_KEYS, expected_keys, expected_rows, key_of

CORE = sorted(CORE_KEYS)

# The SDK's built-in tap tests, against a sandbox of their own (the class needs its config
# at import time).
_BUILTIN = Sandbox(seed=0)
_BUILTIN.start(port=0)


def _everything_selected(config: dict) -> dict:
    """The discovered catalog with every stream selected, opt-in ones included."""
    catalog = TapTwilio(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for md in entry["metadata"]:
            md["metadata"]["selected"] = True
    return catalog


TestTapTwilioBuiltin = get_tap_test_class(
    tap_class=TapTwilio,
    config=_BUILTIN.tap_config(),
    suite_config=SuiteConfig(max_records_limit=None),
    catalog=_everything_selected(_BUILTIN.tap_config()),
)


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
