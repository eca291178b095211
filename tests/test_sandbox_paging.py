"""Tests of the local Twilio sandbox: data, paging, filters, auth, envelopes and numbers for sale.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import requests
from twilio_sandbox import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_API_KEY_SECRET,
    SANDBOX_API_KEY_SID,
    SANDBOX_AUTH_TOKEN,
)
from twilio_sandbox.formats import parse_record_date

from tests import sandbox_helpers
from tests.sandbox_helpers import NOW, SPEC_DIR, api, follow_flat, follow_meta, session

# The module's sandboxes (one per test module) and their reset after each test.
sb = sandbox_helpers.sb
_reset = sandbox_helpers._reset


# --------------------------------------------------------------------------- data & paging


def test_messages_paging_returns_exactly_expected(sb):
    sess = session(sb)
    url = api(sb, "/Messages.json")
    first = sess.get(url, params={"PageSize": 1000}).json()
    assert first["page"] == 0 and first["start"] == 0 and first["end"] == 999
    assert first["previous_page_uri"] is None
    assert "PageToken=PA" in first["next_page_uri"] and "Page=1" in first["next_page_uri"]
    got = follow_flat(sb, sess, url, "messages", PageSize=1000)
    expected = sb.expected("messages", sb.account_sid)
    assert len(expected) > 2000
    assert got == expected
    assert len({m["sid"] for m in got}) == len(got)
    # Ordering: queued (null date_sent) first, then date_sent descending.
    nulls = [m for m in got if m["date_sent"] is None]
    assert nulls and got[: len(nulls)] == nulls
    stamps = [parse_record_date(m["date_sent"]) for m in got[len(nulls) :]]
    assert stamps == sorted(stamps, reverse=True)


def test_record_wire_types(sb):
    msgs = sb.expected("messages", sb.account_sid)
    m = next(x for x in msgs if x["status"] == "delivered")
    assert m["date_sent"].endswith(" +0000") and parse_record_date(m["date_sent"])
    assert isinstance(m["num_media"], str) and isinstance(m["num_segments"], str)
    assert m["price"].startswith("-0.0")
    assert m["uri"] == f"/2010-04-01/Accounts/{sb.account_sid}/Messages/{m['sid']}.json"
    assert set(m["subresource_uris"]) == {"media", "feedback"}
    undated = [x for x in msgs if x["date_sent"] is None]
    assert {x["status"] for x in undated} == {
        "queued",
        "accepted",
        "failed",
        "scheduled",
        "canceled",
    }
    queued = [x for x in undated if x["status"] in ("queued", "accepted")]
    assert 5 <= len(queued) <= 15
    assert any(ord(c) > 0x2000 for x in msgs for c in x["body"])  # emoji / CJK bodies
    # num_media matches Media records; messages without media have none.
    media = sb.expected("message_media", sb.account_sid)
    by_parent: dict[str, int] = {}
    for item in media:
        by_parent[item["parent_sid"]] = by_parent.get(item["parent_sid"], 0) + 1
    for x in msgs:
        assert by_parent.get(x["sid"], 0) == int(x["num_media"])
    assert 0.05 < len(by_parent) / len(msgs) < 0.15
    keys = sb.expected("keys", sb.account_sid)
    assert len(keys) == 3 and all("account_sid" not in k for k in keys)
    assert any(k["sid"] == sb.api_key_sid for k in keys)
    parts = sb.expected("conference_participants", sb.account_sid)
    assert parts and all("sid" not in p for p in parts)


def test_meta_envelope_absolute_urls(sb):
    sess = session(sb)
    url = f"{sb.url}/monitor/v1/Alerts"
    body = sess.get(url, params={"PageSize": 50}).json()
    meta = body["meta"]
    assert meta["key"] == "alerts" and meta["page_size"] == 50 and meta["page"] == 0
    assert meta["url"] == f"{url}?PageSize=50&Page=0"
    assert meta["next_page_url"].startswith(f"{url}?PageSize=50&Page=1&PageToken=PANO")
    assert meta["previous_page_url"] is None
    alerts = follow_meta(sess, url, PageSize=50)
    assert alerts == sb.expected("alerts", sb.account_sid)
    assert 80 < len(alerts) < 150
    assert all(a["url"].startswith(f"{sb.url}/monitor/v1/Alerts/NO") for a in alerts)
    assert all(a["date_generated"].endswith("Z") for a in alerts)


def test_date_sent_filter(sb):
    sess = session(sb)
    since = (NOW - timedelta(days=10)).date().isoformat()
    url = api(sb, "/Messages.json")
    resp = sess.get(url, params={"DateSent>": since, "PageSize": 100})
    assert "DateSent%3E=" + since in resp.json()["first_page_uri"]
    assert "DateSent%3E=" + since in resp.json()["next_page_uri"]
    got = follow_flat(sb, sess, url, "messages", **{"DateSent>": since, "PageSize": 100})
    floor = parse_record_date(since)
    want = [
        m
        for m in sb.expected("messages", sb.account_sid)
        if m["date_sent"] and parse_record_date(m["date_sent"]) >= floor
    ]
    assert got == want and 0 < len(got) < 2300
    # "<" with a date-only value is "on or before that day"; literal '>=' also parses.
    until = (NOW - timedelta(days=20)).date().isoformat()
    older = follow_flat(sb, sess, f"{url}?DateSent%3C={until}&PageSize=1000", "messages")
    limit = parse_record_date(until) + 86400
    assert older and all(parse_record_date(m["date_sent"]) < limit for m in older)
    same = sess.get(f"{url}?DateSent>={since}&PageSize=5").json()["messages"]
    assert [m["sid"] for m in same] == [m["sid"] for m in got[:5]]


def test_retention_window(sb):
    resp = session(sb).get(api(sb, "/Messages.json"), params={"DateSent>": "2020-01-01"})
    assert resp.status_code == 400
    assert resp.json()["code"] == 20004 and "retention" in resp.json()["message"]


def test_calls_filters_exclude_nulls(sb):
    sess = session(sb)
    since = (NOW - timedelta(days=3)).date().isoformat()
    calls = follow_flat(
        sb, sess, api(sb, "/Calls.json"), "calls", **{"EndTime>": since, "PageSize": 1000}
    )
    assert calls and all(c["end_time"] is not None for c in calls)
    every = sb.expected("calls", sb.account_sid)
    assert any(c["end_time"] is None for c in every)  # in-progress calls exist
    # Newest start_time first; calls without one (undated_order="first") before them.
    undated = [c for c in every if c["start_time"] is None]
    assert undated and every[: len(undated)] == undated
    stamps = [parse_record_date(c["start_time"]) for c in every[len(undated) :]]
    assert stamps == sorted(stamps, reverse=True)


def test_invalid_page_token_and_page_size(sb):
    sess = session(sb)
    resp = sess.get(api(sb, "/Calls.json"), params={"PageToken": "PAnotasid", "Page": 1})
    assert resp.status_code == 400 and resp.json()["code"] == 21481
    resp = sess.get(api(sb, "/Calls.json"), params={"PageSize": 1001})
    body = resp.json()
    assert resp.status_code == 400 and body["status"] == 400 and "1000" in body["message"]
    assert set(body) == {"code", "message", "more_info", "status"}


def test_auth_failures(sb):
    url = api(sb, "/Messages.json")
    for auth in (None, (sb.account_sid, "0" * 32), ("ACdeadbeef", "x")):
        resp = requests.get(url, auth=auth)
        assert resp.status_code == 401
        assert resp.json() == {
            "code": 20003,
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


def test_not_found_bodies(sb):
    sess = session(sb)
    resp = sess.get(api(sb, "/Nope.json"))
    assert resp.status_code == 404
    path = f"/2010-04-01/Accounts/{sb.account_sid}/Nope.json"
    assert resp.json() == {
        "code": 20404,
        "message": f"The requested resource {path} was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    sub_a = sb.subaccount_sids[0]
    # Subaccount credentials cannot see the main account (nor the other subaccount).
    sub_sess = session(sb, sub_a)
    assert sub_sess.get(api(sb, "/Messages.json")).status_code == 404
    assert sub_sess.get(api(sb, "/Messages.json", sb.subaccount_sids[1])).status_code == 404
    assert sub_sess.get(api(sb, "/Messages.json", sub_a)).status_code == 200
    resp = sess.get(api(sb, "/Messages/SM00000000000000000000000000000000/Media.json"))
    assert resp.status_code == 404


def test_accounts_visibility_and_credentials(sb):
    body = session(sb).get(f"{sb.url}/api/2010-04-01/Accounts.json").json()
    sids = {a["sid"] for a in body["accounts"]}
    assert sids == {sb.account_sid, *sb.subaccount_sids, *sb.inactive_subaccount_sids}
    assert all(len(a["auth_token"]) == 32 for a in body["accounts"])
    assert sb.accounts[0]["sid"] == sb.account_sid
    sub = session(sb, sb.subaccount_sids[1]).get(f"{sb.url}/api/2010-04-01/Accounts.json").json()
    assert [a["sid"] for a in sub["accounts"]] == [sb.subaccount_sids[1]]
    key_sess = requests.Session()
    key_sess.auth = (sb.api_key_sid, sb.api_key_secret)
    assert key_sess.get(api(sb, "/Calls.json", sb.subaccount_sids[0])).status_code == 200
    assert (sb.account_sid, sb.auth_token) == (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    assert (sb.api_key_sid, sb.api_key_secret) == (SANDBOX_API_KEY_SID, SANDBOX_API_KEY_SECRET)
    cfg = sb.tap_config(auth="api_key", start_date="2025-01-01T00:00:00Z")
    assert cfg == {
        "account_sid": sb.account_sid,
        "api_key_sid": sb.api_key_sid,
        "api_key_secret": sb.api_key_secret,
        "base_url": f"{sb.url}/{{product}}",
        "start_date": "2025-01-01T00:00:00Z",
    }


def test_balance(sb):
    sess = session(sb)
    body = sess.get(api(sb, "/Balance.json")).json()
    assert body == sb.expected("account_balance")[0]
    assert set(body) == {"account_sid", "balance", "currency"}
    resp = sess.get(api(sb, "/Balance.json", sb.subaccount_sids[0]))
    assert resp.status_code == 404 and resp.json()["code"] == 20404


def test_available_numbers_quirks(sb):
    sess = session(sb)
    body = sess.get(api(sb, "/AvailablePhoneNumbers.json")).json()
    assert set(body) == {"uri", "countries"}
    offered = {c["country_code"]: set(c["subresource_uris"]) for c in body["countries"]}
    assert offered == {
        "US": {"local", "toll_free"},
        "GB": {"local", "mobile", "toll_free", "national", "voip", "shared_cost"},
        "SE": {"local", "mobile", "machine_to_machine"},
        "CA": {"local"},
    }
    local = sess.get(api(sb, "/AvailablePhoneNumbers/GB/Mobile.json")).json()
    assert (
        set(local) == {"uri", "available_phone_numbers"}
        and 20 <= len(local["available_phone_numbers"]) <= 30
    )
    assert sess.get(api(sb, "/AvailablePhoneNumbers/US/Mobile.json")).status_code == 404


def test_usage_records_subaccounts_and_creation_date(sb):
    sess = session(sb)
    day = (NOW - timedelta(days=5)).date().isoformat()
    url = api(sb, "/Usage/Records/Daily.json")
    default = sess.get(url, params={"StartDate": day, "EndDate": day}).json()["usage_records"]
    own = sess.get(
        url, params={"StartDate": day, "EndDate": day, "IncludeSubaccounts": "false"}
    ).json()["usage_records"]
    assert len(default) == len(own) == 8
    want = [r for r in sb.expected("usage_records", sb.account_sid) if r["start_date"] == day]
    assert own == want
    sub_rows = [
        r
        for sub in sb.subaccount_sids
        for r in sb.expected("usage_records", sub)
        if r["start_date"] == day
    ]
    for d, o in zip(default, own, strict=True):
        assert d["category"] == o["category"]
        subs = sum(int(s["count"]) for s in sub_rows if s["category"] == d["category"])
        assert int(d["count"]) == int(o["count"]) + subs
        assert isinstance(d["price"], str)
    sms = next(r for r in default if r["category"] == "sms")
    assert int(sms["count"]) > int(next(r for r in own if r["category"] == "sms")["count"])
    # Full history with paging = expected (IncludeSubaccounts=false).
    every = follow_flat(sb, sess, url, "usage_records", IncludeSubaccounts="false", PageSize=1000)
    assert every == sb.expected("usage_records", sb.account_sid)
    # StartDate before the (sub)account's creation date -> 404 20404.
    sub_a = sb.subaccount_sids[0]
    created = parse_record_date(next(a for a in sb.accounts if a["sid"] == sub_a)["date_created"])
    before = datetime.fromtimestamp(created - 86400 * 2, tz=timezone.utc).date().isoformat()
    resp = sess.get(api(sb, "/Usage/Records/Daily.json", sub_a), params={"StartDate": before})
    assert resp.status_code == 404 and resp.json()["code"] == 20404


def test_alerts_start_date_limit(sb):
    sess = session(sb)
    old = (NOW - timedelta(days=40)).date().isoformat()
    resp = sess.get(f"{sb.url}/monitor/v1/Alerts", params={"StartDate": old})
    assert resp.status_code == 400 and "30 days" in resp.json()["message"]
    recent = (NOW - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    got = follow_meta(sess, f"{sb.url}/monitor/v1/Alerts", StartDate=recent, PageSize=1000)
    floor = parse_record_date(recent)
    assert got and all(parse_record_date(a["date_generated"]) >= floor for a in got)


def test_host_routing(sb):
    port = sb.port
    resp = requests.get(
        f"{sb.url}/2010-04-01/Accounts/{sb.account_sid}/Queues.json",
        headers={"Host": f"api.sandbox.test:{port}"},
        auth=sb.auth_for(),
    )
    assert resp.status_code == 200 and len(resp.json()["queues"]) == 3
    resp = requests.get(
        f"{sb.url}/v1/Alerts?PageSize=2",
        headers={"Host": f"monitor.sandbox.test:{port}"},
        auth=sb.auth_for(),
    )
    assert resp.json()["meta"]["next_page_url"].startswith(
        f"http://monitor.sandbox.test:{port}/v1/Alerts?"
    )


# --------------------------------------------------------------------------- numbers for sale


def test_available_numbers_of_every_type(sb):
    sess = session(sb)
    countries = sess.get(api(sb, "/AvailablePhoneNumbers.json")).json()["countries"]
    spec_props = {
        e["path"].rsplit("/", 1)[1]: set(e["props"])
        for e in json.loads((SPEC_DIR / "list-endpoints.json").read_text())
        if "/AvailablePhoneNumbers/{CountryCode}/" in e["path"]
    }
    served: dict[str, set[str]] = {}
    for country in countries:
        for kind, uri in country["subresource_uris"].items():
            assert uri.endswith(".json") and uri.startswith("/2010-04-01/Accounts/")
            body = sess.get(f"{sb.url}/api{uri}").json()
            assert set(body) == {"uri", "available_phone_numbers"}
            numbers = body["available_phone_numbers"]
            assert numbers and all(n["iso_country"] == country["country_code"] for n in numbers)
            assert all(set(n) == spec_props[uri.rsplit("/", 1)[1]] for n in numbers)
            served.setdefault(kind, set()).update(n["phone_number"] for n in numbers)
    for kind in ("national", "voip", "shared_cost", "machine_to_machine"):
        resource = f"available_phone_numbers_{kind}"
        expected = sb.expected(resource, sb.account_sid)
        assert expected and {n["phone_number"] for n in expected} == served[kind]
        # The same numbers for every account.
        sub = sb.subaccount_sids[0]
        assert [n["phone_number"] for n in sb.expected(resource, sub)] == [
            n["phone_number"] for n in expected
        ]
    for tail in ("National", "Voip", "SharedCost"):
        got = sess.get(api(sb, f"/AvailablePhoneNumbers/GB/{tail}.json"))
        assert got.status_code == 200 and got.json()["available_phone_numbers"]
    # Not offered there: 404, as for Mobile in the US.
    assert sess.get(api(sb, "/AvailablePhoneNumbers/US/Voip.json")).status_code == 404
    assert sess.get(api(sb, "/AvailablePhoneNumbers/SE/MachineToMachine.json")).status_code == 200
