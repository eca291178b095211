"""Tests of the local Twilio sandbox: fleet subaccounts and inactive / refused accounts.

Real HTTP over sockets, no mocks.
"""

from __future__ import annotations

from twilio_sandbox import Sandbox
from twilio_sandbox import fleet as shape

from tests import sandbox_helpers
from tests.sandbox_helpers import NOW, api, follow_flat, session

# The module's sandboxes (one per test module) and their reset after each test.
sb = sandbox_helpers.sb
_reset = sandbox_helpers._reset


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
