"""Tests of the local Twilio sandbox: scripted and random faults, the request log, add/update.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

import threading

import pytest
import requests
from twilio_sandbox.formats import parse_record_date

from tests import sandbox_helpers
from tests.sandbox_helpers import FLAT_KEYS, api, session

# The module's sandboxes (one per test module) and their reset after each test.
msb = sandbox_helpers.msb
_reset = sandbox_helpers._reset


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
