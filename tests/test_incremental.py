"""Incremental syncs: server-side filters, per-account bookmarks, lookback, null keys."""

from __future__ import annotations

import datetime as dt

from tap_twilio.engine.client import parse_datetime
from tests.conftest import iso, run_tap

NOW = dt.datetime.now(dt.timezone.utc)


def rfc2822(when: dt.datetime) -> str:
    """Twilio's wire form of a timestamp."""
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def bookmarks(state: dict, stream: str) -> dict[str, str]:
    """account_sid -> bookmark of a per-account stream."""
    partitions = state["bookmarks"][stream]["partitions"]
    return {p["context"]["account_sid"]: p["replication_key_value"] for p in partitions}


def list_requests(sb, account_sid: str, name: str):
    path = f"/2010-04-01/Accounts/{account_sid}/{name}.json"
    return [r for r in sb.requests if r.path == path]


def zulu(when: dt.datetime) -> str:
    """A window bound as the tap sends it."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_second_run_reads_new_and_updated_records_per_account(fresh_sandbox):
    sb = fresh_sandbox
    config = sb.tap_config()
    main, sub_a, sub_b = (a["sid"] for a in sb.active_accounts)
    streams = ["messages", "message_media", "calls", "conferences", "recordings"]

    first = run_tap(config, streams=streams)
    marks = bookmarks(first.state, "messages")
    # One bookmark per account: the newest date_sent each account has.
    for sid in (main, sub_a, sub_b):
        newest = max(iso(m["date_sent"]) for m in sb.expected("messages", sid) if m["date_sent"])
        assert marks[sid] == newest
    assert marks[sub_b] < marks[main], "Sub B's data is older: its bookmark must be too"

    # New data arrives: a message now in main; a late message in Sub B dated after Sub B's
    # bookmark but long before main's (lost by taps with one bookmark for all accounts);
    # a status/price update of a main message sent within the lookback window.
    new_main = sb.add("messages", main, body="new one")
    late_b_when = parse_datetime(marks[sub_b]) + dt.timedelta(hours=6)
    late_b = sb.add("messages", sub_b, date_sent=rfc2822(late_b_when), body="late one")
    recent = max(
        (
            m
            for m in sb.expected("messages", main)
            if m["date_sent"] and m["sid"] != new_main["sid"]
        ),
        key=lambda m: iso(m["date_sent"]),
    )
    sb.update("messages", recent["sid"], status="delivered", price="-0.04200")
    old = min(
        (m for m in sb.expected("messages", main) if m["date_sent"]),
        key=lambda m: iso(m["date_sent"]),
    )
    new_call = sb.add("calls", sub_a)

    sb.clear_requests()
    second = run_tap(config, streams=streams, state=first.state)
    got = {r["sid"]: r for r in second.records["messages"]}
    assert new_main["sid"] in got
    assert late_b["sid"] in got
    assert got[recent["sid"]]["price"] == "-0.04200"
    assert got[recent["sid"]]["status"] == "delivered"
    assert old["sid"] not in got, "messages before the window are not read again"
    assert new_call["sid"] in {r["sid"] for r in second.records["calls"]}

    # Each account's window starts at its own bookmark minus the 1-day lookback; the
    # Messages list is read through its window (undated messages wait for the reconciliation).
    conferences = bookmarks(first.state, "conferences")
    for sid in (main, sub_a, sub_b):
        sent = {
            r.query.get("DateUpdated>", [None])[0] for r in list_requests(sb, sid, "Conferences")
        }
        assert sent == {zulu(parse_datetime(conferences[sid]) - dt.timedelta(days=1))}
        assert all("DateSent>" in r.query for r in list_requests(sb, sid, "Messages"))
    # The second run emits only what is new or changed, not the whole history.
    assert len(second.records["messages"]) < len(first.records["messages"]) / 2

    # Bookmarks advanced where new data arrived, and never moved back.
    after = bookmarks(second.state, "messages")
    assert after[main] >= iso(new_main["date_sent"])
    assert after[sub_b] == iso(late_b["date_sent"])
    assert after[sub_a] == marks[sub_a]


def test_messages_without_date_sent_are_emitted(fresh_sandbox):
    sb = fresh_sandbox
    queued = sb.add("messages", sb.accounts[0]["sid"], date_sent=None, status="queued")
    result = run_tap(sb.tap_config(), streams=["messages"])
    got = {r["sid"]: r for r in result.records["messages"]}
    assert got[queued["sid"]]["date_sent"] is None
    assert got[queued["sid"]]["status"] == "queued"
    # The null value does not become the bookmark.
    assert all(v for v in bookmarks(result.state, "messages").values())


def test_start_date_is_sent_as_the_first_window(fresh_sandbox):
    sb = fresh_sandbox
    start = (NOW - dt.timedelta(days=20)).replace(microsecond=0)
    config = sb.tap_config(start_date=start.isoformat())
    result = run_tap(config, streams=["messages", "recordings", "conferences", "calls"])
    for stream, param, path, field in (
        ("messages", None, "Messages.json", "date_sent"),
        ("recordings", "DateCreated>", "Recordings.json", "date_created"),
        ("conferences", "DateUpdated>", "Conferences.json", "date_updated"),
        ("calls", None, "Calls.json", "start_time"),
    ):
        first_pages = [
            r for r in sb.requests if r.path.endswith(path) and "PageToken" not in r.query
        ]
        assert first_pages, stream
        if param is None:  # read whole: records that never get a date are in no window
            assert all(len(r.query) == 1 for r in first_pages), stream  # PageSize only
        else:
            assert {r.query[param][0] for r in first_pages} == {zulu(start)}, stream
        for record in result.records.get(stream, []):
            value = record[field] or record["date_created"]
            assert parse_datetime(value) >= start, (stream, record["sid"])


def test_retention_clamps_old_start_dates_to_the_exact_limit(fresh_sandbox, tap_log):
    """The oldest bound is now minus the retention plus a few minutes, not a midnight."""
    sb = fresh_sandbox
    config = sb.tap_config(start_date="2019-01-01T00:00:00Z")
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    result = run_tap(config, streams=["recordings", "alerts"])
    after = dt.datetime.now(dt.timezone.utc)
    for path, param, days in (
        ("/Recordings.json", "DateCreated>", 400),
        ("/v1/Alerts", "StartDate", 30),
    ):
        sent = {r.query[param][0] for r in sb.requests if r.path.endswith(path)}
        assert len(sent) == 1, sent
        bound = parse_datetime(sent.pop())
        limit = dt.timedelta(days=days)
        assert before - limit < bound <= after - limit + dt.timedelta(minutes=5), path
    assert any("Twilio keeps 400 days of this data" in line for line in tap_log)
    assert result.records["recordings"]
    # Alerts of the last hours of the 30 days (after the midnight the old floor used) too.
    floor = (before - dt.timedelta(days=29)).replace(hour=0, minute=0, second=0)
    edge = [a for a in result.records["alerts"] if parse_datetime(a["date_generated"]) < floor]
    assert edge, "the sandbox's alerts near the 30-day limit were not read"


def test_usage_records_window_starts_at_account_creation(fresh_sandbox):
    sb = fresh_sandbox
    config = sb.tap_config(start_date="2015-01-01T00:00:00Z")
    result = run_tap(config, streams=["usage_records"])
    for account in sb.active_accounts:
        created = parse_datetime(iso(account["date_created"])).date().isoformat()
        path = f"/2010-04-01/Accounts/{account['sid']}/Usage/Records/Daily.json"
        first = [r for r in sb.requests if r.path == path and "PageToken" not in r.query]
        assert {r.query["StartDate"][0] for r in first} == {created}
        assert {r.query["IncludeSubaccounts"][0] for r in first} == {"false"}
    assert all(r.status != 404 for r in sb.requests)
    assert result.records["usage_records"]


def test_usage_records_404_is_not_an_error(fresh_sandbox):
    """A window Twilio answers with 404 (dates before the account) yields no rows, no failure."""
    sb = fresh_sandbox
    sb.inject("/Usage/Records/Daily.json", "404", times=1)
    result = run_tap(sb.tap_config(), streams=["usage_records", "messages"])
    assert result.records["messages"]
    accounts_with_rows = {r["account_sid"] for r in result.records["usage_records"]}
    assert len(accounts_with_rows) == len(sb.active_accounts) - 1
