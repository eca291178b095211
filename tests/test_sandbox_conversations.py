"""Tests of the local Twilio sandbox: Conversation Services, states, history and mutations.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from twilio_sandbox.formats import parse_record_date
from twilio_sandbox.org import Org

from tests import sandbox_helpers
from tests.sandbox_helpers import NOW, follow_meta, session

# The module's sandboxes (one per test module) and their reset after each test.
sb = sandbox_helpers.sb
msb = sandbox_helpers.msb
_reset = sandbox_helpers._reset


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


def test_conversation_history_is_closed():
    base = Org(seed=8, now=NOW)
    org = Org(seed=8, now=NOW, conversation_history=3000)
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
