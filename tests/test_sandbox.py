"""Tests of the local Twilio sandbox (real HTTP over sockets, no mocks)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from twilio_sandbox import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_API_KEY_SECRET,
    SANDBOX_API_KEY_SID,
    SANDBOX_AUTH_TOKEN,
    Sandbox,
    credentials_for,
)
from twilio_sandbox import fleet as shape
from twilio_sandbox.formats import parse_record_date
from twilio_sandbox.org import Org
from twilio_sandbox.registry import REGISTRY

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)
FLAT_KEYS = {
    "end",
    "first_page_uri",
    "next_page_uri",
    "page",
    "page_size",
    "previous_page_uri",
    "start",
    "uri",
}
META_KEYS = {
    "first_page_url",
    "key",
    "next_page_url",
    "page",
    "page_size",
    "previous_page_url",
    "url",
}
REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "openapi"


@pytest.fixture(scope="module")
def sb():
    """Read-only sandbox shared by the module (tests must not mutate its data)."""
    with Sandbox(seed=0, now=NOW) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def msb():
    """Sandbox for tests that add/update data or inject faults."""
    with Sandbox(seed=1, now=NOW) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def _reset(request):
    yield
    for name in ("sb", "msb"):
        if name in request.fixturenames:
            s = request.getfixturevalue(name)
            s.faults.reset()
            s.allow_all()


def session(s: Sandbox, account_sid: str | None = None) -> requests.Session:
    sess = requests.Session()
    sess.auth = s.auth_for(account_sid)
    return sess


def api(s: Sandbox, tail: str, account_sid: str | None = None) -> str:
    return f"{s.url}/api/2010-04-01/Accounts/{account_sid or s.account_sid}{tail}"


def follow_flat(s: Sandbox, sess: requests.Session, url: str, key: str, **params) -> list[dict]:
    out: list[dict] = []
    resp = sess.get(url, params=params)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert set(body) == FLAT_KEYS | {key}
        out.extend(body[key])
        if not body["next_page_uri"]:
            return out
        assert body["next_page_uri"].startswith("/2010-04-01/")
        resp = sess.get(s.url + "/api" + body["next_page_uri"])


def follow_meta(sess: requests.Session, url: str, **params) -> list[dict]:
    out: list[dict] = []
    resp = sess.get(url, params=params)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        meta = body["meta"]
        assert set(meta) == META_KEYS
        assert set(body) == {"meta", meta["key"]}
        out.extend(body[meta["key"]])
        if not meta["next_page_url"]:
            return out
        resp = sess.get(meta["next_page_url"])


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


# --------------------------------------------------------------------------- faults


def test_inject_429_with_retry_after(msb):
    sess = session(msb)
    url = api(msb, "/Calls.json")
    msb.inject("/Calls.json", "429", times=2, retry_after=1)
    for _ in range(2):
        resp = sess.get(url)
        assert resp.status_code == 429
        assert resp.headers["Retry-After"] == "1"
        assert resp.json()["code"] == 20429
    assert sess.get(url).status_code == 200
    msb.inject("/Calls.json", "429")
    resp = sess.get(url)
    assert resp.status_code == 429 and "Retry-After" not in resp.headers
    assert [r.fault for r in msb.requests[-4:]] == ["429", "429", None, "429"]


def test_dropped_connection_raises_connection_error(msb):
    sess = session(msb)
    assert sess.get(api(msb, "/Queues.json")).status_code == 200  # keep-alive connection open
    msb.inject("Queues.json", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        sess.get(api(msb, "/Queues.json"))
    assert sess.get(api(msb, "/Queues.json")).status_code == 200
    assert [r.status for r in msb.requests[-2:]] == [0, 200]


def test_truncated_body(msb):
    msb.inject("Messages.json", "truncate")
    with pytest.raises(
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    ):
        session(msb).get(api(msb, "/Messages.json"), params={"PageSize": 200})


def test_other_scripted_faults(msb):
    sess = session(msb)
    url = api(msb, "/Applications.json")
    msb.inject("Applications", "html502")
    resp = sess.get(url)
    assert resp.status_code == 502 and resp.headers["Content-Type"].startswith("text/html")
    msb.inject("Applications", "non_json")
    resp = sess.get(url)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    msb.inject("Applications", "missing_key")
    assert set(sess.get(url).json()) == FLAT_KEYS
    msb.inject("Applications", "unknown_envelope")
    assert set(sess.get(url).json()) == {"data", "pagination"}
    for kind, code in (
        ("401", 20003),
        ("403", 20403),
        ("404", 20404),
        ("500", 20500),
        ("503", 20503),
    ):
        msb.inject("Applications", kind)
        resp = sess.get(url)
        assert resp.status_code == int(kind) and resp.json()["code"] == code
    assert sess.get(url).status_code == 200


def test_random_fault_rates_and_concurrency(msb):
    sess = session(msb)
    url = api(msb, "/Queues.json")
    msb.faults.rate_5xx = 1.0
    assert {sess.get(url).status_code for _ in range(6)} <= {500, 503}
    msb.faults.rate_5xx = 0.0
    msb.faults.rate_429 = 1.0
    msb.faults.retry_after = 0
    seen = {sess.get(url).headers.get("Retry-After") for _ in range(10)}
    assert seen == {"0", None}
    msb.faults.reset()
    msb.faults.max_in_flight = 2
    msb.faults.latency = 0.2
    statuses: list[int] = []

    def hit() -> None:
        statuses.append(requests.get(url, auth=msb.auth_for()).status_code)

    threads = [threading.Thread(target=hit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(200) >= 2 and 429 in statuses


def test_deny_product(msb):
    sess = session(msb)
    msb.deny_product("monitor")
    resp = sess.get(f"{msb.url}/monitor/v1/Alerts")
    assert resp.status_code == 403
    assert resp.json() == {
        "code": 20403,
        "message": "403 Forbidden",
        "more_info": "https://www.twilio.com/docs/errors/20403",
        "status": 403,
    }
    assert sess.get(api(msb, "/Queues.json")).status_code == 200
    msb.deny_product("monitor", status=404)
    assert sess.get(f"{msb.url}/monitor/v1/Alerts").status_code == 404
    msb.allow_all()
    assert sess.get(f"{msb.url}/monitor/v1/Alerts").status_code == 200


def test_request_log(msb):
    msb.clear_requests()
    session(msb).get(api(msb, "/Messages.json"), params={"DateSent>": "2025-06-01", "PageSize": 2})
    (rec,) = msb.requests
    assert rec.method == "GET" and rec.product == "api" and rec.status == 200
    assert rec.path == f"/2010-04-01/Accounts/{msb.account_sid}/Messages.json"
    assert rec.query == {"DateSent>": ["2025-06-01"], "PageSize": ["2"]}
    assert rec.username == msb.account_sid


# --------------------------------------------------------------------------- mutation


def test_add_and_update_visible(msb):
    sess = session(msb)
    url = api(msb, "/Messages.json")
    added = msb.add("messages", body="Fresh message ✨")
    clock = msb.clock()
    assert added["status"] == "delivered" and added["direction"] == "outbound-api"
    assert added["date_created"] == added["date_updated"] == added["date_sent"]
    assert abs(parse_record_date(added["date_sent"]) - clock.timestamp()) <= 2
    listed = sess.get(url, params={"PageSize": 50}).json()["messages"]
    non_null = [m for m in listed if m["date_sent"] is not None]
    assert non_null[0]["sid"] == added["sid"] and non_null[0]["body"] == "Fresh message ✨"
    today = msb.clock().date().isoformat()
    filtered = sess.get(url, params={"DateSent>": today, "PageSize": 1000}).json()["messages"]
    assert added["sid"] in {m["sid"] for m in filtered}
    media = msb.add("message_media", message_sid=added["sid"], content_type="image/png")
    got = sess.get(api(msb, f"/Messages/{added['sid']}/Media.json")).json()["media_list"]
    assert [m["sid"] for m in got] == [media["sid"]]
    msb.advance(5)
    updated = msb.update("messages", added["sid"], status="undelivered", error_code=30003)
    assert parse_record_date(updated["date_updated"]) > parse_record_date(added["date_updated"])
    fetched = sess.get(api(msb, f"/Messages/{added['sid']}.json")).json()
    assert fetched["status"] == "undelivered" and fetched["error_code"] == 30003
    # A composite-key update.
    conf = msb.expected("conference_participants", msb.account_sid)[0]
    msb.update("conference_participants", (conf["conference_sid"], conf["call_sid"]), muted=True)
    parts = sess.get(api(msb, f"/Conferences/{conf['conference_sid']}/Participants.json")).json()
    assert any(
        p["call_sid"] == conf["call_sid"] and p["muted"] is True for p in parts["participants"]
    )


def test_create_message_via_post(msb):
    sess = session(msb)
    url = api(msb, "/Messages.json")
    resp = sess.post(
        url,
        data={
            "To": "+14155550100",
            "From": "+14155550199",
            "Body": "héllo",
            "MediaUrl": ["https://e.x/a.png", "https://e.x/b.jpg"],
        },
    )
    assert resp.status_code == 201
    msg = resp.json()
    assert msg["status"] == "queued" and msg["date_sent"] is None and msg["num_media"] == "2"
    assert msg["to"] == "+14155550100" and msg["body"] == "héllo"
    assert msb.requests[-1].form["MediaUrl"] == ["https://e.x/a.png", "https://e.x/b.jpg"]
    first = sess.get(url, params={"PageSize": 1}).json()["messages"][0]
    assert first["sid"] == msg["sid"]
    resp = sess.post(url, data={"From": "+14155550199", "Body": "x"})
    assert resp.status_code == 400 and resp.json()["code"] == 21604


# --------------------------------------------------------------------------- determinism & spec


def test_determinism_and_generation_speed(sb):
    start = time.perf_counter()
    again = Org(seed=0, now=NOW)
    assert time.perf_counter() - start < 5
    resources = (
        "accounts",
        "messages",
        "message_media",
        "calls",
        "usage_records",
        "conversations",
        "taskrouter_events",
    )
    for resource in resources:
        assert again.expected(resource) == sb.org.expected(resource), resource
    assert again.creds == credentials_for(0)
    assert credentials_for(7).account_sid != SANDBOX_ACCOUNT_SID


def test_subaccount_b_has_only_old_activity(sb):
    sub_b = sb.subaccount_sids[1]
    now = NOW.timestamp()
    for resource, fname in (
        ("messages", "date_sent"),
        ("calls", "date_created"),
        ("recordings", "date_created"),
    ):
        rows = sb.expected(resource, sub_b)
        assert rows
        ages = [(now - parse_record_date(r[fname])) / 86400 for r in rows if r[fname]]
        assert min(ages) >= 59.9 and max(ages) <= 120.1


def _camel(match: re.Match[str]) -> str:
    return "{" + "".join(part.capitalize() for part in match.group(1).split("_")) + "}"


def test_records_carry_every_spec_property(sb):
    endpoints = json.loads((SPEC_DIR / "list-endpoints.json").read_text())
    by_path = {(e["host"].split("//")[1].split(".")[0], e["path"]): e for e in endpoints}
    checked = []
    for spec in REGISTRY.values():
        # Conversations records carry chat_service_sid: the per-service schema.
        template = re.sub(r"\{(\w+)\}", _camel, spec.service_path or spec.path)
        endpoint = by_path.get((spec.product, template))
        if endpoint is None or not endpoint.get("props"):
            continue
        rows = sb.expected(spec.name)
        assert rows, spec.name
        props = set(endpoint["props"])
        for row in rows[:200]:
            assert set(row) == props, (spec.name, set(row) ^ props)
        checked.append(spec.name)
    assert len(checked) >= 45, sorted(set(REGISTRY) - set(checked))


def test_cli_runs_and_exits_cleanly(tmp_path):
    cfg = tmp_path / "cfg.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twilio_sandbox",
            "--port",
            "0",
            "--write-config",
            str(cfg),
            "--subaccounts",
            "7",
            "--undated-order",
            "last",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        config = json.loads(cfg.read_text())
        assert set(config) == {"account_sid", "auth_token", "base_url"}
        base = config["base_url"].replace("{product}", "api")
        resp = requests.get(
            f"{base}/2010-04-01/Accounts.json", auth=(config["account_sid"], config["auth_token"])
        )
        # main + Sub A + Sub B + suspended + closed + 7 fleet subaccounts
        assert resp.status_code == 200 and len(resp.json()["accounts"]) == 5 + 7
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


# --------------------------------------------------------------------------- products


def test_conversations_meta_paging_and_page_size_limits(sb):
    sess = session(sb)
    url = f"{sb.url}/conversations/v1/Conversations"
    body = sess.get(url, params={"PageSize": 50}).json()
    assert body["meta"]["next_page_url"].startswith(f"{url}?PageSize=50&Page=1&PageToken=PACH")
    convs = follow_meta(sess, url, PageSize=50)
    default = sb.default_conversation_service()
    every = sb.expected("conversations", sb.account_sid)
    assert len(every) == 120 and 0 < len(convs) < 120
    assert convs == [c for c in every if c["chat_service_sid"] == default]
    assert all(c["url"] == f"{url}/{c['sid']}" for c in convs)
    assert all(c["date_created"].endswith("Z") for c in convs)
    bad = [c for c in every if not _is_json(c["attributes"])]
    assert [c["attributes"] for c in bad] == ["{not json"]
    resp = sess.get(url, params={"PageSize": 101})
    assert resp.status_code == 400 and "100" in resp.json()["message"]
    resp = sess.get(f"{sb.url}/conversations/v1/Users", params={"PageSize": 51})
    assert resp.status_code == 400 and "50" in resp.json()["message"]
    # StartDate/EndDate filter on date_created and switch to newest first.
    since = (NOW - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
    recent = follow_meta(sess, url, StartDate=since, PageSize=7)
    stamps = [parse_record_date(c["date_created"]) for c in recent]
    assert recent and stamps == sorted(stamps, reverse=True)
    assert min(stamps) >= parse_record_date(since)
    # Subaccount credentials see the subaccount's product data only.
    sub = sb.subaccount_sids[0]
    got = follow_meta(session(sb, sub), url, PageSize=100)
    sub_default = sb.default_conversation_service(sub)
    assert got == [
        c for c in sb.expected("conversations", sub) if c["chat_service_sid"] == sub_default
    ]
    assert got and all(c["account_sid"] == sub for c in got)


def test_conversation_children(sb):
    sess = session(sb)
    default = sb.default_conversation_service()
    convs = [
        c for c in sb.expected("conversations", sb.account_sid) if c["chat_service_sid"] == default
    ]
    conv = next(c for c in convs if len(sb_messages(sb, c["sid"])) >= 5)
    url = f"{sb.url}/conversations/v1/Conversations/{conv['sid']}/Messages"
    msgs = follow_meta(sess, url, PageSize=2)
    assert [m["index"] for m in msgs] == list(range(len(msgs)))
    desc = follow_meta(sess, url, Order="desc", PageSize=3)
    assert desc == msgs[::-1]
    parts = follow_meta(sess, f"{sb.url}/conversations/v1/Conversations/{conv['sid']}/Participants")
    assert 1 <= len(parts) <= 4
    user = next(
        u
        for u in sb.expected("conversation_users", sb.account_sid)
        if u["chat_service_sid"] == default
    )
    ucs = follow_meta(
        sess, f"{sb.url}/conversations/v1/Users/{user['sid']}/Conversations", PageSize=2
    )
    assert ucs == [
        u for u in sb.expected("conversation_user_conversations") if u["user_sid"] == user["sid"]
    ]
    assert all("sid" not in u for u in ucs)
    assert (
        sess.get(f"{sb.url}/conversations/v1/Conversations/CH{'0' * 32}/Messages").status_code
        == 404
    )


def sb_messages(s: Sandbox, conversation_sid: str) -> list[dict]:
    return [
        m for m in s.expected("conversation_messages") if m["conversation_sid"] == conversation_sid
    ]


def test_studio_chat_trunking_verify(sb):
    sess = session(sb)
    flows = follow_meta(sess, f"{sb.url}/studio/v2/Flows")
    assert len(flows) == 4 and all(isinstance(f["definition"], dict) for f in flows)
    flow = flows[0]
    url = f"{sb.url}/studio/v2/Flows/{flow['sid']}/Executions"
    executions = follow_meta(sess, url, PageSize=20)
    assert len(executions) == 50
    cut = (NOW - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    newer = follow_meta(sess, url, DateCreatedFrom=cut)
    older = follow_meta(sess, url, DateCreatedTo=cut)
    assert len(newer) + len(older) == 50
    assert all(parse_record_date(e["date_created"]) >= parse_record_date(cut) for e in newer)
    steps = follow_meta(sess, f"{url}/{executions[0]['sid']}/Steps")
    assert 2 <= len(steps) <= 6
    services = follow_meta(sess, f"{sb.url}/chat/v2/Services")
    assert len(services) == 2
    svc = services[0]["sid"]
    assert len(follow_meta(sess, f"{sb.url}/chat/v2/Services/{svc}/Roles")) == 3
    channels = follow_meta(sess, f"{sb.url}/chat/v2/Services/{svc}/Channels")
    assert len(channels) == 10
    for ch in channels[:3]:
        base = f"{sb.url}/chat/v2/Services/{svc}/Channels/{ch['sid']}"
        assert len(follow_meta(sess, f"{base}/Members")) == ch["members_count"]
        assert len(follow_meta(sess, f"{base}/Messages")) == ch["messages_count"]
    assert len(follow_meta(sess, f"{sb.url}/chat/v2/Services/{svc}/Users")) == 15
    assert len(follow_meta(sess, f"{sb.url}/trunking/v1/Trunks")) == 2
    verify = follow_meta(sess, f"{sb.url}/verify/v2/Services")
    assert len(verify) == 3 and verify[0]["url"].startswith(f"{sb.url}/verify/v2/Services/VA")


def test_taskrouter(sb):
    sess = session(sb)
    workspaces = follow_meta(sess, f"{sb.url}/taskrouter/v1/Workspaces")
    assert len(workspaces) == 2
    ws = workspaces[0]["sid"]
    base = f"{sb.url}/taskrouter/v1/Workspaces/{ws}"
    assert len(follow_meta(sess, f"{base}/Activities")) == 4
    assert len(follow_meta(sess, f"{base}/TaskChannels")) == 3
    queues = follow_meta(sess, f"{base}/TaskQueues")
    assert len(queues) == 3
    tasks = follow_meta(sess, f"{base}/Tasks")
    assert len(tasks) == 40 and all(isinstance(json.loads(t["attributes"]), dict) for t in tasks)
    workers = follow_meta(sess, f"{base}/Workers")
    assert len(workers) == 10 and all(
        isinstance(json.loads(w["attributes"]), dict) for w in workers
    )
    assert len(follow_meta(sess, f"{base}/Workers/{workers[0]['sid']}/Channels")) == 3
    flows = follow_meta(sess, f"{base}/Workflows")
    assert len(flows) == 2 and "task_routing" in json.loads(flows[0]["configuration"])
    # Events: without dates only the last 15 minutes.
    clock = sb.clock().timestamp()
    recent = follow_meta(sess, f"{base}/Events")
    assert recent and all(clock - parse_record_date(e["event_date"]) <= 15 * 60 for e in recent)
    resp = sess.get(f"{base}/Events", params={"StartDate": "2025-06-01"})
    assert resp.status_code == 400 and resp.json()["code"] == 20001
    assert "Invalid StartDate" in resp.json()["message"]
    since = (NOW - timedelta(days=11)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = follow_meta(sess, f"{base}/Events", StartDate=since, PageSize=100)
    want = [e for e in sb.expected("taskrouter_events") if e["workspace_sid"] == ws]
    assert events == want and len(events) > 300
    assert all(e["event_date_ms"] // 1000 == parse_record_date(e["event_date"]) for e in events)
    stats = sess.get(
        f"{base}/TaskQueues/{queues[0]['sid']}/CumulativeStatistics", params={"StartDate": since}
    ).json()
    assert stats["task_queue_sid"] == queues[0]["sid"] and stats["tasks_entered"] > 0
    assert sess.get(f"{base}/TaskQueues/WQ{'0' * 32}/CumulativeStatistics").status_code == 404


def test_product_add_and_deny(msb):
    sess = session(msb)
    default = msb.default_conversation_service()
    conv = next(
        c
        for c in msb.expected("conversations", msb.account_sid)
        if c["state"] != "closed" and c["chat_service_sid"] == default
    )
    before = sb_messages(msb, conv["sid"])
    added = msb.add("conversation_messages", conversation_sid=conv["sid"], body="¡Hola! 👋")
    assert added["index"] == len(before)
    url = f"{msb.url}/conversations/v1/Conversations/{conv['sid']}/Messages"
    assert follow_meta(sess, url)[-1]["sid"] == added["sid"]
    assert added["url"] == f"{url}/{added['sid']}"
    new_conv = msb.add("conversations", friendly_name="Brand new")
    assert (
        sess.get(f"{msb.url}/conversations/v1/Conversations/{new_conv['sid']}/Messages").json()[
            "messages"
        ]
        == []
    )
    msb.deny_product("taskrouter")
    resp = sess.get(f"{msb.url}/taskrouter/v1/Workspaces")
    assert resp.status_code == 403 and resp.json()["code"] == 20403


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_official_twilio_sdk_compat(sb):
    """Twilio's own Python SDK pages through the sandbox (envelopes, tokens, errors)."""
    pytest.importorskip("twilio")
    from twilio.base.exceptions import TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    class ToSandbox(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            url = re.sub(r"^https://(\w+)\.twilio\.com", lambda m: f"{sb.url}/{m.group(1)}", url)
            return super().request(method, url, *args, **kwargs)

    client = Client(sb.account_sid, sb.auth_token, http_client=ToSandbox())
    assert len(client.messages.list(page_size=1000)) == len(sb.expected("messages", sb.account_sid))
    sub = sb.subaccount_sids[0]
    calls = client.api.v2010.accounts(sub).calls.list(page_size=200)
    assert len(calls) == len(sb.expected("calls", sub))
    assert len(client.monitor.v1.alerts.list(page_size=40)) == len(
        sb.expected("alerts", sb.account_sid)
    )
    ws = client.taskrouter.v1.workspaces.list()[0]
    since = NOW - timedelta(days=11)
    events = client.taskrouter.v1.workspaces(ws.sid).events.list(start_date=since, page_size=200)
    assert len(events) == len(
        [e for e in sb.expected("taskrouter_events") if e["workspace_sid"] == ws.sid]
    )
    user = client.conversations.v1.users.list(limit=1)[0]
    convs = client.conversations.v1.users(user.sid).user_conversations.list(page_size=2)
    assert {c.conversation_sid for c in convs} == {
        u["conversation_sid"]
        for u in sb.expected("conversation_user_conversations")
        if u["user_sid"] == user.sid
    }
    assert [c.country_code for c in client.available_phone_numbers.list()] == [
        "CA",
        "GB",
        "SE",
        "US",
    ]
    with pytest.raises(TwilioRestException) as err:
        client.api.v2010.accounts(sub).balance.fetch()
    assert err.value.status == 404 and err.value.code == 20404


# --------------------------------------------------------------------------- fleet & inactive


def test_fleet_subaccounts():
    fleet = Sandbox(seed=3, now=NOW, subaccounts=300)
    with fleet:
        sess = session(fleet)
        url = f"{fleet.url}/api/2010-04-01/Accounts.json"
        got = follow_flat(fleet, sess, url, "accounts", PageSize=1000)
        assert len(got) == 5 + 300 == len(fleet.accounts)
        # By date created: the larger customers are older than Sub A and Sub B.
        order = [a["sid"] for a in got]
        assert order[0] == fleet.account_sid
        assert order.index(fleet.subaccount_sids[1]) < order.index(fleet.subaccount_sids[0])
        sids = fleet.fleet_sids
        assert len(sids) == 300 and set(order) - set(sids) == set(order[:1]) | set(
            fleet.subaccount_sids + fleet.inactive_subaccount_sids
        )
        assert all(a["owner_account_sid"] == fleet.account_sid for a in got)
        assert all(a["status"] == "active" for a in got if a["sid"] in set(sids))
        # Deterministic SIDs and tokens, derived from the seed.
        assert Sandbox(seed=3, now=NOW, subaccounts=3).fleet_sids == sids[:3]
        assert Sandbox(seed=4, now=NOW, subaccounts=1).fleet_sids[0] != sids[0]
        # The shape of a fleet (twilio_sandbox.fleet): most small, some empty, a few larger.
        kinds = {s: shape.kind_of(3, fleet.org.gen.accounts[s].label) for s in sids}
        with_data = [s for s in sids if fleet.expected("messages", s)]
        assert with_data == [s for s in sids if kinds[s] != "empty"]
        assert 0.75 < len(with_data) / len(sids) < 0.95
        assert all(fleet.expected("calls", s) for s in with_data)
        empty_sid = next(s for s in sids if kinds[s] == "empty")
        assert not fleet.expected("messages", empty_sid) and not fleet.expected("calls", empty_sid)
        for s in with_data:
            assert fleet.expected("addresses", s) and fleet.expected("queues", s)
            assert fleet.expected("conferences", s) and fleet.expected("incoming_phone_numbers", s)
            assert fleet.expected("usage_records", s)
        assert any(fleet.expected("dependent_phone_numbers", s) for s in with_data)
        assert any(fleet.expected("queue_members", s) for s in with_data)
        assert any(fleet.expected("conference_participants", s) for s in with_data)
        assert any(fleet.expected("conference_recordings", s) for s in with_data)
        larger = [s for s in sids if kinds[s] == "larger"]
        assert larger and all(len(fleet.expected("usage_records", s)) > 365 * 8 for s in larger)
        # The same for a seed whatever the fleet's size.
        again = Sandbox(seed=3, now=NOW, subaccounts=20)
        for s in again.fleet_sids:
            for resource in ("messages", "usage_records", "addresses", "queue_members"):
                assert again.expected(resource, s) == fleet.expected(resource, s), resource
        # Their own credentials work, for the 2010 API and the product APIs.
        own = session(fleet, sids[0])
        msgs = follow_flat(fleet, own, api(fleet, "/Messages.json", sids[0]), "messages")
        assert msgs == fleet.expected("messages", sids[0]) and msgs
        resp = own.get(f"{fleet.url}/conversations/v1/Conversations")
        assert resp.status_code == 200 and resp.json()["conversations"] == []
        empty = session(fleet, empty_sid)
        assert empty.get(api(fleet, "/Calls.json", empty_sid)).json()["calls"] == []
        numbers = empty.get(api(fleet, "/AvailablePhoneNumbers/US/Local.json", empty_sid)).json()
        assert numbers["available_phone_numbers"] == [
            n
            for n in fleet.expected("available_phone_numbers_local", empty_sid)
            if n["iso_country"] == "US"
        ]
        assert numbers["available_phone_numbers"]
        # A fleet subaccount cannot read another one.
        assert own.get(api(fleet, "/Calls.json", empty_sid)).status_code == 404


NOT_ACTIVE = {
    "code": 20005,
    "message": "Account not active",
    "more_info": "https://www.twilio.com/docs/errors/20005",
    "status": 401,
}


def test_inactive_subaccounts_are_listed_and_refused(sb):
    sess = session(sb)
    listed = sess.get(f"{sb.url}/api/2010-04-01/Accounts.json").json()["accounts"]
    suspended, closed = sb.inactive_subaccount_sids
    assert [(a["sid"], a["status"]) for a in listed] == [
        (sb.account_sid, "active"),
        (sb.subaccount_sids[1], "active"),
        (sb.subaccount_sids[0], "active"),
        (suspended, "suspended"),
        (closed, "closed"),
    ]
    assert [a["sid"] for a in sb.active_accounts] == [
        sb.account_sid,
        *sb.subaccount_sids,
    ]
    for sid in (suspended, closed):
        # The parent can still fetch the account record ...
        fetched = sess.get(f"{sb.url}/api/2010-04-01/Accounts/{sid}.json")
        assert fetched.status_code == 200 and fetched.json()["status"] != "active"
        # ... but any request for its data is refused.
        for tail in ("/Messages.json", "/Calls.json", "/Usage/Records/Daily.json", "/Keys.json"):
            resp = sess.get(api(sb, tail, sid))
            assert resp.status_code == 401 and resp.json() == NOT_ACTIVE, tail
        # Its own credentials are refused everywhere (product APIs and 2010).
        own = session(sb, sid)
        for url in (
            f"{sb.url}/conversations/v1/Conversations",
            f"{sb.url}/monitor/v1/Alerts",
            f"{sb.url}/api/2010-04-01/Accounts.json",
            api(sb, "/Messages.json", sid),
        ):
            resp = own.get(url)
            assert resp.status_code == 401 and resp.json() == NOT_ACTIVE, url
        assert sb.expected("messages", sid) == [] and sb.expected("conversations", sid) == []
        assert [a["sid"] for a in sb.expected("accounts", sid)] == [sid]
    # Sub A is not the parent: an inactive sibling is not even visible to it.
    assert session(sb, sb.subaccount_sids[0]).get(api(sb, "/Calls.json", closed)).status_code == 404


def test_refuse_account_without_status_change():
    with Sandbox(seed=5, now=NOW) as s:
        sub_b = s.subaccount_sids[1]
        assert s.expected("messages", sub_b)
        s.refuse_account(sub_b)
        record = next(a for a in s.active_accounts if a["sid"] == sub_b)
        assert record["status"] == "active"
        resp = session(s).get(api(s, "/Messages.json", sub_b))
        assert resp.status_code == 401 and resp.json() == NOT_ACTIVE
        resp = session(s, sub_b).get(f"{s.url}/conversations/v1/Conversations")
        assert resp.status_code == 401 and resp.json() == NOT_ACTIVE
        assert s.expected("messages", sub_b) == []
        assert all(m["account_sid"] != sub_b for m in s.expected("messages"))
        # Other accounts are untouched.
        assert session(s).get(api(s, "/Messages.json")).status_code == 200


# --------------------------------------------------------------------------- undated records


def test_undated_messages_and_calls_never_match_date_filters(sb):
    sess = session(sb)
    for acct in (sb.account_sid, *sb.subaccount_sids):
        msgs = sb.expected("messages", acct)
        undated = [m for m in msgs if m["date_sent"] is None]
        statuses = {m["status"] for m in undated}
        assert {"failed", "canceled"} <= statuses
        failed = [m for m in undated if m["status"] == "failed"]
        assert all(m["error_code"] and m["price"] is None for m in failed)
        calls = sb.expected("calls", acct)
        assert any(c["status"] == "canceled" and c["start_time"] is None for c in calls)
    main_msgs = sb.expected("messages", sb.account_sid)
    assert any(m["status"] == "scheduled" and m["date_sent"] is None for m in main_msgs)
    # Failed messages without date_sent may carry media.
    media_parents = {m["parent_sid"] for m in sb.expected("message_media", sb.account_sid)}
    assert any(
        m["sid"] in media_parents
        for m in main_msgs
        if m["status"] == "failed" and m["date_sent"] is None
    )
    main_calls = sb.expected("calls", sb.account_sid)
    assert any(c["status"] == "queued" and c["start_time"] is None for c in main_calls)
    # No date filter matches a null date (as SQL comparisons with NULL).
    url = api(sb, "/Messages.json")
    for params in ({"DateSent>": "2024-06-01"}, {"DateSent<": "2026-01-01"}):
        got = follow_flat(sb, sess, url, "messages", PageSize=1000, **params)
        assert got and all(m["date_sent"] is not None for m in got)
        assert len(got) == len([m for m in main_msgs if m["date_sent"]])
    day = next(m for m in main_msgs if m["date_sent"])["date_sent"]
    on_day = sess.get(url, params={"DateSent": day, "PageSize": 1000}).json()["messages"]
    assert on_day and all(m["date_sent"] for m in on_day)
    url = api(sb, "/Calls.json")
    for params in ({"StartTime>": "2024-06-01"}, {"EndTime<": "2026-01-01"}):
        got = follow_flat(sb, sess, url, "calls", PageSize=1000, **params)
        field = "start_time" if "StartTime>" in params else "end_time"
        assert got and all(c[field] is not None for c in got)
        assert len(got) == len([c for c in main_calls if c[field]])
    # Calls honour Status (exact match).
    for status in ("canceled", "queued", "completed"):
        got = follow_flat(sb, sess, url, "calls", PageSize=1000, Status=status)
        assert got == [c for c in main_calls if c["status"] == status] and got


@pytest.mark.parametrize("order", ["first", "last"])
def test_undated_order_switch(order):
    with Sandbox(seed=6, now=NOW, undated_order=order) as s:
        sess = session(s)
        for resource, tail, field in (
            ("messages", "/Messages.json", "date_sent"),
            ("calls", "/Calls.json", "start_time"),
        ):
            got = follow_flat(s, sess, api(s, tail), resource, PageSize=1000)
            assert got == s.expected(resource, s.account_sid)
            nulls = [r[field] is None for r in got]
            n = sum(nulls)
            assert 0 < n < len(got)
            expected_flags = [True] * n + [False] * (len(got) - n)
            assert nulls == (expected_flags if order == "first" else expected_flags[::-1])
            dated = [parse_record_date(r[field]) for r in got if r[field] is not None]
            assert dated == sorted(dated, reverse=True)
    with pytest.raises(ValueError):
        Sandbox(undated_order="middle")


def test_undated_mutation_scenarios(msb):
    sess = session(msb)
    acct = msb.subaccount_sids[0]
    sub = session(msb, acct)

    def fetch(kind: str, sid: str) -> dict:
        return sub.get(api(msb, f"/{kind}/{sid}.json", acct)).json()

    # Created and failed between two runs: never a date_sent.
    failed = msb.add("messages", acct, status="failed", date_sent=None)
    assert failed["date_sent"] is None and failed["price"] is None and failed["error_code"]
    assert fetch("Messages", failed["sid"])["status"] == "failed"
    today = msb.clock().date().isoformat()
    url = api(msb, "/Messages.json", acct)
    since = {m["sid"] for m in follow_flat(msb, sub, url, "messages", **{"DateSent>": today})}
    assert failed["sid"] not in since
    # Scheduled, then canceled: date_updated moves, date_sent stays null.
    scheduled = msb.add("messages", acct, status="scheduled", date_sent=None)
    assert scheduled["date_sent"] is None and scheduled["messaging_service_sid"]
    msb.advance(60)
    canceled = msb.update("messages", scheduled["sid"], status="canceled")
    assert canceled["date_sent"] is None
    assert parse_record_date(canceled["date_updated"]) > parse_record_date(
        scheduled["date_updated"]
    )
    assert fetch("Messages", scheduled["sid"])["status"] == "canceled"
    # Queued call canceled while queued: no start_time, no end_time.
    call = msb.add("calls", acct, status="queued", start_time=None, end_time=None)
    assert call["start_time"] is None and call["end_time"] is None
    msb.advance(30)
    call = msb.update("calls", call["sid"], status="canceled")
    assert call["start_time"] is None and call["end_time"] is None
    got = fetch("Calls", call["sid"])
    assert got["status"] == "canceled" and got["start_time"] is None
    statuses = {
        c["sid"]
        for c in follow_flat(msb, sub, api(msb, "/Calls.json", acct), "calls", Status="canceled")
    }
    assert call["sid"] in statuses
    # A queued message that gets delivered: status, price, date_updated and date_sent move.
    queued = msb.add("messages", acct, status="queued", date_sent=None)
    msb.advance(60)
    done = msb.update("messages", queued["sid"], status="delivered", price="-0.0075")
    assert done["price"] == "-0.0075" and done["date_sent"] is not None
    assert parse_record_date(done["date_updated"]) > parse_record_date(queued["date_updated"])
    assert fetch("Messages", queued["sid"]) == done
    since = {m["sid"] for m in follow_flat(msb, sub, url, "messages", **{"DateSent>": today})}
    assert queued["sid"] in since
    assert sess.get(api(msb, "/Messages.json", acct)).status_code == 200


# --------------------------------------------------------------------------- conversation services


def test_every_conversation_service_is_served(sb):
    sess = session(sb)
    base = f"{sb.url}/conversations/v1"
    for acct in (sb.account_sid, *sb.subaccount_sids):
        s = session(sb, acct)
        services = follow_meta(s, f"{base}/Services")
        default = sb.default_conversation_service(acct)
        assert len(services) >= 3 and default in {x["sid"] for x in services}
        every = sb.expected("conversations", acct)
        assert all(c["chat_service_sid"] for c in every)
        # /v1/Conversations and /v1/Users show only the default service.
        assert follow_meta(s, f"{base}/Conversations", PageSize=100) == [
            c for c in every if c["chat_service_sid"] == default
        ]
        users = sb.expected("conversation_users", acct)
        assert follow_meta(s, f"{base}/Users") == [
            u for u in users if u["chat_service_sid"] == default
        ]
        seen: list[dict] = []
        for svc in services:
            url = f"{base}/Services/{svc['sid']}/Conversations"
            got = follow_meta(s, url, PageSize=100)
            assert got == [c for c in every if c["chat_service_sid"] == svc["sid"]]
            assert got, svc["sid"]
            seen.extend(got)
            got_users = follow_meta(s, f"{base}/Services/{svc['sid']}/Users", PageSize=50)
            assert got_users == [u for u in users if u["chat_service_sid"] == svc["sid"]]
        assert sorted(c["sid"] for c in seen) == sorted(c["sid"] for c in every)
    # Children and fetches of a non-default service, by the per-service paths.
    default = sb.default_conversation_service()
    every = sb.expected("conversations", sb.account_sid)
    other = next(
        c
        for c in every
        if c["chat_service_sid"] != default
        and any(m["conversation_sid"] == c["sid"] for m in sb.expected("conversation_messages"))
    )
    svc_url = f"{base}/Services/{other['chat_service_sid']}"
    conv_url = f"{svc_url}/Conversations/{other['sid']}"
    assert other["url"] == conv_url
    assert sess.get(conv_url).json() == other
    msgs = follow_meta(sess, f"{conv_url}/Messages", PageSize=2)
    assert msgs == [
        m
        for m in sb.expected("conversation_messages", sb.account_sid)
        if m["conversation_sid"] == other["sid"]
    ]
    assert all(m["chat_service_sid"] == other["chat_service_sid"] for m in msgs)
    assert follow_meta(sess, f"{conv_url}/Messages", Order="desc") == msgs[::-1]
    parts = follow_meta(sess, f"{conv_url}/Participants")
    assert parts and parts == [
        p
        for p in sb.expected("conversation_participants", sb.account_sid)
        if p["conversation_sid"] == other["sid"]
    ]
    assert sess.get(f"{conv_url}/Messages/{msgs[0]['sid']}").json() == msgs[0]
    # The default paths do not see it; another service's path does not either.
    assert sess.get(f"{base}/Conversations/{other['sid']}").status_code == 404
    assert sess.get(f"{base}/Conversations/{other['sid']}/Messages").status_code == 404
    wrong = f"{base}/Services/{default}/Conversations/{other['sid']}"
    assert sess.get(wrong).status_code == 404
    assert sess.get(f"{wrong}/Participants").status_code == 404
    assert sess.get(f"{base}/Services/IS{'0' * 32}/Conversations").status_code == 404
    # User conversations of a non-default service's user.
    user = next(
        u
        for u in sb.expected("conversation_users", sb.account_sid)
        if u["chat_service_sid"] == other["chat_service_sid"]
        and sb.expected("conversation_user_conversations", sb.account_sid)
        and any(
            x["user_sid"] == u["sid"]
            for x in sb.expected("conversation_user_conversations", sb.account_sid)
        )
    )
    ucs = follow_meta(sess, f"{svc_url}/Users/{user['sid']}/Conversations", PageSize=1)
    assert ucs and ucs == [
        x
        for x in sb.expected("conversation_user_conversations", sb.account_sid)
        if x["user_sid"] == user["sid"]
    ]
    assert all(x["chat_service_sid"] == user["chat_service_sid"] for x in ucs)
    assert sess.get(f"{base}/Users/{user['sid']}/Conversations").status_code == 404
    # Spec maximum page sizes of the per-service lists.
    for tail, limit in (
        ("/Conversations", 100),
        ("/Users", 50),
        (f"/Users/{user['sid']}/Conversations", 50),
        (f"/Conversations/{other['sid']}/Messages", 100),
        (f"/Conversations/{other['sid']}/Participants", 100),
    ):
        assert sess.get(svc_url + tail, params={"PageSize": limit}).status_code == 200
        resp = sess.get(svc_url + tail, params={"PageSize": limit + 1})
        assert resp.status_code == 400 and str(limit) in resp.json()["message"], tail


def test_conversation_states_and_filters(sb):
    sess = session(sb)
    every = sb.expected("conversations", sb.account_sid)
    states = [c["state"] for c in every]
    assert states.count("closed") >= len(every) // 4 and "inactive" in states
    assert states.count("active") >= 3
    for svc in {c["chat_service_sid"] for c in every}:
        url = f"{sb.url}/conversations/v1/Services/{svc}/Conversations"
        mine = [c for c in every if c["chat_service_sid"] == svc]
        for state in ("active", "inactive", "closed"):
            got = follow_meta(sess, url, State=state)
            assert got == [c for c in mine if c["state"] == state]
        # StartDate/EndDate: on date_created, newest first.
        start = (NOW - timedelta(days=40)).strftime("%Y-%m-%dT00:00:00Z")
        end = (NOW - timedelta(days=5)).strftime("%Y-%m-%dT23:59:59Z")
        got = follow_meta(sess, url, StartDate=start, EndDate=end, PageSize=5)
        lo, hi = parse_record_date(start), parse_record_date(end)
        want = [c for c in mine if lo <= parse_record_date(c["date_created"]) <= hi]
        assert got == sorted(want, key=lambda c: c["date_created"], reverse=True)
        closed = follow_meta(sess, url, State="closed", StartDate=start)
        assert all(c["state"] == "closed" for c in closed)


def test_conversation_history_is_fast_and_closed():
    start = time.perf_counter()
    base = Org(seed=8, now=NOW)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    org = Org(seed=8, now=NOW, conversation_history=3000)
    assert time.perf_counter() - start - plain < 2
    main = org.creds.account_sid
    extra = len(org.expected("conversations", main)) - len(base.expected("conversations", main))
    assert extra == 3000
    old = {c["sid"] for c in base.expected("conversations", main)}
    history = [c for c in org.expected("conversations", main) if c["sid"] not in old]
    assert all(c["state"] == "closed" for c in history)
    assert len({c["chat_service_sid"] for c in history}) >= 3
    now = NOW.timestamp()
    assert all(now - parse_record_date(c["date_updated"]) > 10 * 86400 for c in history)
    msgs: dict[str, int] = {}
    for m in org.expected("conversation_messages", main):
        msgs[m["conversation_sid"]] = msgs.get(m["conversation_sid"], 0) + 1
    parts: dict[str, int] = {}
    for p in org.expected("conversation_participants", main):
        parts[p["conversation_sid"]] = parts.get(p["conversation_sid"], 0) + 1
    assert all(1 <= msgs[c["sid"]] <= 3 and 1 <= parts[c["sid"]] <= 2 for c in history)
    assert org.expected("messages") == base.expected("messages")


def test_conversation_mutations(msb):
    sess = session(msb)
    every = msb.expected("conversations", msb.account_sid)
    closed = next(c for c in every if c["state"] == "closed")
    with pytest.raises(ValueError):
        msb.add("conversation_messages", conversation_sid=closed["sid"], body="too late")
    # A message into an inactive conversation of a non-default service: the account and
    # the service are the conversation's; the conversation becomes active, its
    # date_updated moves.
    default = msb.default_conversation_service()
    inactive = next(
        c for c in every if c["state"] == "inactive" and c["chat_service_sid"] != default
    )
    msb.advance(120)
    added = msb.add("conversation_messages", conversation_sid=inactive["sid"], body="ping")
    assert added["chat_service_sid"] == inactive["chat_service_sid"]
    assert added["account_sid"] == msb.account_sid
    url = f"{msb.url}/conversations/v1/Services/{inactive['chat_service_sid']}/Conversations"
    fetched = sess.get(f"{url}/{inactive['sid']}").json()
    assert fetched["state"] == "active" and fetched["date_updated"] == added["date_created"]
    assert fetched["date_updated"] > inactive["date_updated"]
    got = follow_meta(sess, f"{url}/{inactive['sid']}/Messages")
    assert got[-1]["sid"] == added["sid"] and got[-1]["body"] == "ping"
    # Closing a conversation (update) bumps date_updated and shows in user conversations.
    active = next(
        c
        for c in every
        if c["state"] == "active"
        and any(
            x["conversation_sid"] == c["sid"]
            for x in msb.expected("conversation_user_conversations", msb.account_sid)
        )
    )
    msb.advance(60)
    updated = msb.update("conversations", active["sid"], state="closed")
    assert updated["state"] == "closed" and updated["date_updated"] > active["date_updated"]
    ucs = [
        x
        for x in msb.expected("conversation_user_conversations", msb.account_sid)
        if x["conversation_sid"] == active["sid"]
    ]
    assert ucs and all(x["conversation_state"] == "closed" for x in ucs)
    with pytest.raises(ValueError):
        msb.add("conversation_messages", conversation_sid=active["sid"])
    # A participant added to an open conversation of a subaccount.
    sub = msb.subaccount_sids[0]
    conv = next(c for c in msb.expected("conversations", sub) if c["state"] != "closed")
    part = msb.add("conversation_participants", sub, conversation_sid=conv["sid"])
    assert part["chat_service_sid"] == conv["chat_service_sid"] and part["account_sid"] == sub
    svc_url = f"{msb.url}/conversations/v1/Services/{conv['chat_service_sid']}"
    parts = follow_meta(session(msb, sub), f"{svc_url}/Conversations/{conv['sid']}/Participants")
    assert part["sid"] in {p["sid"] for p in parts}


# --------------------------------------------------------------------------- retention edges


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_alert_retention_is_exactly_30_days(sb):
    sess = session(sb)
    url = f"{sb.url}/monitor/v1/Alerts"
    clock = sb.clock().timestamp()
    floor = clock - 30 * 86400
    for acct in (sb.account_sid, sb.subaccount_sids[0]):
        s = session(sb, acct)
        got = follow_meta(s, url, PageSize=1000)
        assert got == sb.expected("alerts", acct)
        stamps = [parse_record_date(a["date_generated"]) for a in got]
        assert min(stamps) >= floor - 5
        # Alerts between clock - 30 days and the midnight after it exist: a tap that
        # floors at midnight of 29 days ago misses them.
        midnight = floor - floor % 86400 + 86400
        edge = [a for a, ts in zip(got, stamps, strict=True) if ts < midnight]
        assert edge, acct
        # A StartDate a few minutes after the exact floor is accepted and returns them.
        start = _iso(floor + 300)
        later = follow_meta(s, url, StartDate=start, PageSize=1000)
        assert {a["sid"] for a in edge} <= {a["sid"] for a in later}
    # Anything earlier than the floor (to the second) is refused, midnight included.
    for start in (_iso(floor - 120), _iso(floor - floor % 86400)):
        resp = sess.get(url, params={"StartDate": start})
        assert resp.status_code == 400 and "30 days" in resp.json()["message"], start
    # Alerts older than the floor are never served, and the window moves with the clock.
    all_alerts = [
        a for t in sb.org.store.scopes("alerts") if t[0][0] == sb.account_sid for a in t[1].rows
    ]
    assert any(r.ts["date_generated"] < floor for r in all_alerts)


def test_alert_window_moves_with_the_clock():
    with Sandbox(seed=9, now=NOW) as s:
        before = {a["sid"] for a in s.expected("alerts", s.account_sid)}
        s.advance(timedelta(days=1))
        after = follow_meta(session(s), f"{s.url}/monitor/v1/Alerts", PageSize=1000)
        floor = s.clock().timestamp() - 30 * 86400
        assert {a["sid"] for a in after} < before
        assert all(parse_record_date(a["date_generated"]) >= floor for a in after)


def test_message_retention_floor_is_exactly_400_days(sb):
    sess = session(sb)
    floor = sb.clock().timestamp() - 400 * 86400
    for tail, param in (
        ("/Messages.json", "DateSent>"),
        ("/Recordings.json", "DateCreated>"),
    ):
        ok = sess.get(api(sb, tail), params={param: _iso(floor + 600)})
        assert ok.status_code == 200, tail
        for value in (_iso(floor - 60), _iso(floor - floor % 86400)):
            resp = sess.get(api(sb, tail), params={param: value})
            assert resp.status_code == 400 and resp.json()["code"] == 20004, (tail, value)
    msg = next(m for m in sb.expected("messages", sb.account_sid) if int(m["num_media"]) > 0)
    media_url = api(sb, f"/Messages/{msg['sid']}/Media.json")
    assert sess.get(media_url, params={"DateCreated>": _iso(floor + 600)}).status_code == 200
    resp = sess.get(media_url, params={"DateCreated>": _iso(floor - 60)})
    assert resp.status_code == 400 and resp.json()["code"] == 20004


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
