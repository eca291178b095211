"""Tests of the local Twilio sandbox: the product APIs (Conversations, Studio, Chat, Trunking,
Verify, TaskRouter) and Twilio's own SDK against them.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from twilio_sandbox import Sandbox
from twilio_sandbox.formats import parse_record_date

from tests import sandbox_helpers
from tests.sandbox_helpers import NOW, follow_meta, session

# The module's sandboxes (one per test module) and their reset after each test.
sb = sandbox_helpers.sb
msb = sandbox_helpers.msb
_reset = sandbox_helpers._reset


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
