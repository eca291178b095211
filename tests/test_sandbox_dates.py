"""Tests of the local Twilio sandbox: undated records and the retention edges.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from twilio_sandbox import Sandbox
from twilio_sandbox.formats import parse_record_date

from tests import sandbox_helpers
from tests.sandbox_helpers import NOW, api, follow_flat, follow_meta, session

# The module's sandboxes (one per test module) and their reset after each test.
sb = sandbox_helpers.sb
msb = sandbox_helpers.msb
_reset = sandbox_helpers._reset


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
