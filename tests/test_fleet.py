"""Fleets of subaccounts: request floor, STATE size and rate, sharding, progress, 429s.

Behaviour and request counts only, never seconds: the figures (wall time, CPU, STATE
bytes for 200 and 2,000 subaccounts) come from ``scripts/benchmark.py --mode fleet``.
"""

from __future__ import annotations

import hashlib
import json
import re
import typing as t
from collections import Counter

import pytest
from singer_sdk.helpers import _state as sdk_state
from singer_sdk.streams import Stream
from singer_sdk.streams import _state as sdk_stream_state
from twilio_sandbox import Sandbox
from twilio_sandbox import fleet as shape

from tap_twilio.engine import fast_path as twilio_state
from tap_twilio.engine.fetcher import Fetcher
from tap_twilio.tap import TapTwilio, check_config
from tests.conftest import SyncResult, catalog_for, run_cli, run_tap, write_config
from tests.expect import without_reconcile_times
from tests.test_faults import ALL_KEYS, secrets_of

FLEET = 30  # 3 empty, 1 larger, 26 small (seed 5): twilio_sandbox.fleet
# Lists read once per account (and their children), without numbers for sale.
FLEET_STREAMS = [
    "accounts",
    "account_balance",
    "addresses",
    "applications",
    "calls",
    "conferences",
    "incoming_phone_numbers",
    "keys",
    "messages",
    "message_media",
    "outgoing_caller_ids",
    "queues",
    "recordings",
    "transcriptions",
    "usage_records",
    "usage_triggers",
    "alerts",
    "monitor_events",
    "conversation_services",
    "conversations",
    "studio_flows",
    "chat_services",
    "sip_trunks",
    "verify_services",
    "taskrouter_workspaces",
]


@pytest.fixture(scope="module")
def fleet() -> t.Iterator[Sandbox]:
    """The default organisation plus FLEET customer subaccounts (read-only)."""
    with Sandbox(seed=5, subaccounts=FLEET) as sb:
        yield sb


def _keys(result: SyncResult, stream: str) -> list[tuple]:
    key = ALL_KEYS.get(stream, ("sid",))
    return result.keys(stream, key)


def _account_requests(sb: Sandbox, sid: str) -> int:
    return sum(1 for r in sb.requests if r.username == sid or f"/Accounts/{sid}/" in r.path)


# ---------------------------------------------------------------------------- requests


def test_an_empty_subaccount_costs_one_request_per_list(fleet):
    fleet.clear_requests()
    result = run_tap(fleet.tap_config(), streams=FLEET_STREAMS)
    with_data = {
        r.get("account_sid")
        for stream, rows in result.records.items()
        if stream != "accounts"
        for r in rows
    }
    empty = [sid for sid in fleet.fleet_sids if sid not in with_data]
    kinds = {sid: shape.kind_of(5, fleet.org.gen.accounts[sid].label) for sid in fleet.fleet_sids}
    assert empty == [sid for sid in fleet.fleet_sids if kinds[sid] == "empty"]
    assert empty, "the fleet should have empty subaccounts too"
    tap = TapTwilio(config=fleet.tap_config(), validate_config=False)
    # One request per per-account list (and per further status read where Twilio lists
    # one status at a time); subaccounts have no balance (never requested).
    lists = [
        name
        for name in FLEET_STREAMS
        if tap.streams[name].parent_stream_type is not None
        and tap.streams[name].parent_stream_type.name == "accounts"
        and name != "account_balance"
    ]
    reads = sum(len(tap.streams[name].list_contexts({"account_sid": empty[0]})) for name in lists)
    for sid in empty:
        assert _account_requests(fleet, sid) == reads, sid


# ---------------------------------------------------------------------------- state


def _all_partitions(state: dict) -> t.Iterator[tuple[str, dict]]:
    for name, bookmark in state.get("bookmarks", {}).items():
        for partition in bookmark.get("partitions", []):
            yield name, partition


def test_state_holds_only_bookmarks(fleet):
    """No partition without a bookmark, no full-table stream, no in-run markers."""
    result = run_tap(fleet.tap_config(), streams=FLEET_STREAMS)
    state = result.state
    tap = TapTwilio(config=fleet.tap_config(), validate_config=False)
    for name in state["bookmarks"]:
        assert tap.streams[name].replication_key, f"{name} is full-table but in the state"
    partitions = list(_all_partitions(state))
    assert partitions
    for name, partition in partitions:
        assert partition.get("replication_key_value"), (name, partition)
        assert not set(partition) & {"progress_markers", "starting_replication_value"}
    # The state grows with the accounts that have data, not with lists x accounts.
    with_messages = {r["account_sid"] for r in result.records["messages"]}
    messages = [p for n, p in partitions if n == "messages"]
    assert {p["context"]["account_sid"] for p in messages} == with_messages
    # The incremental run resumes from it: every bookmark is kept or moved forward.
    again = run_tap(fleet.tap_config(), streams=FLEET_STREAMS, state=state)
    before = {(n, json.dumps(p["context"])): p["replication_key_value"] for n, p in partitions}
    after = {
        (n, json.dumps(p["context"])): p["replication_key_value"]
        for n, p in _all_partitions(again.state)
    }
    assert all(after[k] >= v for k, v in before.items())


def test_state_is_written_at_a_bounded_rate(fleet, tmp_path):
    """With a long interval a sync writes one STATE, at the end: none per finished list."""
    config_path = write_config(tmp_path, fleet.tap_config())
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(fleet.tap_config(), FLEET_STREAMS)))
    args = ["--config", str(config_path), "--catalog", str(catalog)]
    slow = run_cli(args, env={"TAP_TWILIO_STATE_INTERVAL": "3600"})
    assert slow.returncode == 0, slow.stderr[-2000:]
    assert slow.stdout.count('"type":"STATE"') == 1
    assert slow.stdout.rstrip().splitlines()[-1].startswith('{"type":"STATE"')
    frequent = run_cli(args, env={"TAP_TWILIO_STATE_INTERVAL": "0"})
    assert frequent.returncode == 0, frequent.stderr[-2000:]
    last = [line for line in frequent.stdout.splitlines() if '"type":"STATE"' in line]
    assert len(last) > 1
    final, once = json.loads(last[-1])["value"], json.loads(slow.stdout.splitlines()[-1])["value"]
    assert without_reconcile_times(final) == without_reconcile_times(once)


def test_sdk_state_internals_are_where_we_replace_them():
    """tap_twilio/engine/fast_path.py replaces these singer-sdk internals: an upgrade that moves one
    fails here, naming it."""
    assert hasattr(sdk_state, "StateWriter")
    assert hasattr(sdk_state.StateWriter, "write_state")
    assert hasattr(sdk_stream_state.StreamStateManager, "get_context_state")
    assert "_state_manager" in Stream.__init__.__code__.co_names
    tap = TapTwilio(config={"account_sid": "AC" + "0" * 32, "auth_token": "x"})
    assert isinstance(tap._state_writer, twilio_state.BoundedStateWriter)
    assert all(
        isinstance(s.state_manager, twilio_state.IndexedStateManager) for s in tap.streams.values()
    )


def test_compact_state_keeps_bookmarks_only():
    state = {
        "bookmarks": {
            "keys": {"partitions": [{"context": {"account_sid": "AC1"}}]},
            "messages": {
                "partitions": [
                    {"context": {"account_sid": "AC1"}},
                    {
                        "context": {"account_sid": "AC2"},
                        "replication_key": "date_sent",
                        "replication_key_value": "2026-11-01T00:00:00+00:00",
                        "progress_markers": {"Note": "…"},
                    },
                ]
            },
        }
    }
    assert twilio_state.compact_state(state) == {
        "bookmarks": {
            "messages": {
                "partitions": [
                    {
                        "context": {"account_sid": "AC2"},
                        "replication_key": "date_sent",
                        "replication_key_value": "2026-11-01T00:00:00+00:00",
                    }
                ]
            }
        }
    }


# ---------------------------------------------------------------------------- sharding


def _shard_of(sid: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(sid.encode()).digest()[:8], "big") % count + 1


SHARD_STREAMS = ["accounts", "messages", "calls", "incoming_phone_numbers", "keys", "alerts"]


def test_shards_together_equal_one_unsharded_run(fleet):
    whole = run_tap(fleet.tap_config(), streams=SHARD_STREAMS)
    count = 4
    shards = [
        run_tap(fleet.tap_config(account_shard=f"{i}/{count}"), streams=SHARD_STREAMS)
        for i in range(1, count + 1)
    ]
    owners: Counter = Counter()
    for index, shard in enumerate(shards, 1):
        sids = [r["sid"] for r in shard.records.get("accounts", [])]
        owners.update(sids)
        for sid in sids:
            expected = 1 if sid == fleet.account_sid else _shard_of(sid, count)
            assert expected == index, (sid, index)
    assert max(owners.values()) == 1, "an account in two shards"
    assert set(owners) == {r["sid"] for r in whole.records["accounts"]}
    assert all(len(s.records.get("accounts", [])) > 0 for s in shards)
    for stream in SHARD_STREAMS:
        union = [k for shard in shards for k in _keys(shard, stream)]
        assert sorted(union) == sorted(_keys(whole, stream)), stream


def test_changing_the_number_of_shards_loses_nothing(fleet):
    """Shard i of N keeps its own state; after N changes, an account whose bookmark is
    in another shard's state is read from the start again (nothing is skipped)."""
    two = [run_tap(fleet.tap_config(account_shard=f"{i}/2"), streams=SHARD_STREAMS) for i in (1, 2)]
    # Three shards, each resuming from the state of the shard with its index (if any).
    three = [
        run_tap(
            fleet.tap_config(account_shard=f"{i}/3"),
            streams=SHARD_STREAMS,
            state=two[i - 1].state if i <= 2 else None,
        )
        for i in (1, 2, 3)
    ]
    merged = {"bookmarks": {}}
    for shard in two:
        for name, bookmark in shard.state["bookmarks"].items():
            entry = merged["bookmarks"].setdefault(name, {"partitions": []})
            entry["partitions"] += bookmark.get("partitions", [])
    incremental = run_tap(fleet.tap_config(), streams=SHARD_STREAMS, state=merged)
    for stream in SHARD_STREAMS:
        union = {k for shard in three for k in _keys(shard, stream)}
        assert set(_keys(incremental, stream)) <= union, stream


@pytest.mark.parametrize("shard", ["0/4", "5/4", "1/0", "a/4", "2"])
def test_a_bad_shard_is_one_config_line(sandbox, tmp_path, shard):
    config = sandbox.tap_config(account_shard=shard)
    proc = run_cli(["--config", str(write_config(tmp_path, config))])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-twilio: error: invalid config: setting account_shard"), last


def test_shard_with_account_sids_is_refused():
    config = {
        "account_sid": "AC" + "0" * 32,
        "auth_token": "x",
        "account_sids": ["AC" + "0" * 32],
        "account_shard": "1/2",
    }
    assert check_config(config) == ["give either account_sids or account_shard, not both"]


# ---------------------------------------------------------------------------- progress


def test_progress_lines_on_a_slow_sandbox_hold_no_secret(tmp_path):
    with Sandbox(seed=9, latency=0.03, subaccounts=6) as sb:
        config = sb.tap_config()
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(catalog_for(config, FLEET_STREAMS)))
        proc = run_cli(
            ["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)],
            env={"TAP_TWILIO_PROGRESS_SECONDS": "0.2"},
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        lines = proc.stderr.splitlines()
        progress = [line for line in lines if "| Progress: " in line]
        assert progress, proc.stderr[-2000:]
        pattern = re.compile(
            r"Progress: \d+:\d\d:\d\d elapsed, accounts [\d,]+ of [\d,]+\+?, [\d,]+ records, "
            r"[\d,]+ requests \([\d,]+ answered 429\), [\d,.]+ requests/s$"
        )
        assert all(pattern.search(line) for line in progress), progress[:2]
        total = len(sb.accounts)
        finished = [line for line in lines if "Sync finished: " in line]
        assert len(finished) == 1
        assert f"accounts {total} of {total}," in finished[0]
        summary = [line for line in lines if "| Stream messages: " in line]
        assert len(summary) == 1 and re.search(r"[\d,]+ records, [\d,]+ requests", summary[0])
        # The SDK's per-request and per-list lines stay off INFO by default.
        assert "METRIC" not in proc.stderr
        assert "Beginning sync of" not in proc.stderr
        # Nor the SDK's warning, once per partition, that unsorted lists are not resumable.
        assert "Stream is assumed to be unsorted" not in proc.stderr
        for secret in secrets_of(sb, config):
            assert secret not in proc.stderr + proc.stdout


def _accounts_and_keys(sandbox: Sandbox, tmp_path: t.Any, env: dict[str, str]) -> t.Any:
    """A run of ``accounts`` and ``keys`` with ``env`` set (the CLI's result)."""
    config = sandbox.tap_config()
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(catalog_for(config, ["accounts", "keys"])))
    args = ["--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)]
    return run_cli(args, env=env)


def test_metric_lines_come_back_on_request(sandbox, tmp_path):
    proc = _accounts_and_keys(sandbox, tmp_path, {"TAP_TWILIO_METRICS_LOGLEVEL": "INFO"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "http_request_duration" in proc.stderr
    # The fast path counts and times nothing only while these lines are not shown.
    assert '"metric":"record_count"' in proc.stderr.replace(" ", "")
    assert '"metric":"sync_duration"' in proc.stderr.replace(" ", "")


def test_per_list_lines_come_back_at_debug(sandbox, tmp_path):
    """The fast path skips making "Beginning sync" lines only while they would be dropped."""
    proc = _accounts_and_keys(sandbox, tmp_path, {"TAP_TWILIO_LOGLEVEL": "DEBUG"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Beginning sync of 'keys'" in proc.stderr


# ---------------------------------------------------------------------------- 429s


def test_429_without_retry_after_waits_about_one_response_time(fresh_sandbox, no_sleep):
    """Above 3 in flight the sandbox answers 429 without Retry-After: each retry waits a
    fraction of a second (a few response times at most), not seconds of backoff."""
    sb = fresh_sandbox
    sb.faults.max_in_flight = 3
    sb.faults.latency = 0.02
    result = run_tap(sb.tap_config(max_concurrent_requests=12), streams=FLEET_STREAMS[:12])
    throttled = sum(1 for r in sb.requests if r.status == 429)
    assert throttled > 0, "the cap was never reached: the test proves nothing"
    served = sum(1 for r in sb.requests if r.status == 200)
    # Fewer 429s than requests served (retries here do not really sleep, so they come
    # back sooner than with Twilio: 0.44 of the served were refused, against about 0.3
    # with real pauses), and each wait a fraction of a second.
    assert throttled < served
    assert no_sleep and max(no_sleep) < 1.0, sorted(no_sleep)[-5:]
    assert {r["sid"] for r in result.records["messages"]} == {
        r["sid"] for a in sb.accounts for r in sb.expected("messages", a["sid"])
    }


def test_retry_after_does_not_stall_the_other_requests(fresh_sandbox):
    """Requests waiting out a Retry-After free their places: the other lists go on.

    With two requests allowed in flight, the Calls lists of all accounts get 429 with
    ``Retry-After: 1``; other lists are served while they wait."""
    sb = fresh_sandbox
    sb.inject("/Calls.json", "429", times=len(sb.active_accounts), retry_after=1)
    streams = ["accounts", "calls", "messages", "keys", "queues", "applications"]
    result = run_tap(sb.tap_config(max_concurrent_requests=2), streams=streams)
    assert sb.pending_faults == []
    log = list(sb.requests)
    first_429 = next(i for i, r in enumerate(log) if r.status == 429)
    last_retry = max(i for i, r in enumerate(log) if r.path.endswith("/Calls.json"))
    others = [r for r in log[first_429:last_retry] if not r.path.endswith("/Calls.json")]
    assert len(others) >= 2, [r.path for r in log]
    assert {r["sid"] for r in result.records["calls"]} == {
        r["sid"] for a in sb.accounts for r in sb.expected("calls", a["sid"])
    }


# ---------------------------------------------------------------------------- read-ahead


def test_lists_of_lists_are_queued_by_the_worker_that_fetched_their_parents(fleet, monkeypatch):
    """A subaccount's lists of lists (an address's numbers, a queue's members, a
    conference's participants and recordings) are queued as soon as a worker has the
    parents' page, not when the SDK writes it: every one the SDK reads was named early,
    and the requests stay exactly those of the SDK (none queued that is not read)."""
    named: list[tuple[str, str]] = []
    original = Fetcher.discovered

    def spy(self: Fetcher, parents: t.Sequence[tuple]) -> None:
        named.extend(
            (source.name, json.dumps(dict(ctx or {}), sort_keys=True))
            for _, ctx, children in parents
            for _, source in children
            if source.wants(ctx)
        )
        original(self, parents)

    monkeypatch.setattr(Fetcher, "discovered", spy)
    grandchildren = [
        "dependent_phone_numbers",
        "queue_members",
        "conference_participants",
        "conference_recordings",
        "message_media",  # messages are filtered as read (a whole scan): named early too
    ]
    streams = ["accounts", "addresses", "queues", "conferences", "messages", *grandchildren]
    fleet.clear_requests()
    result = run_tap(fleet.tap_config(max_concurrent_requests=16), streams=streams)
    early = Counter(name for name, _ in named)
    assert len(set(named)) == len(named), "a list named twice"
    fleet_sids = set(fleet.fleet_sids)
    for name, suffix in (
        ("dependent_phone_numbers", "/DependentPhoneNumbers.json"),
        ("queue_members", "/Members.json"),
        ("conference_participants", "/Participants.json"),
        ("conference_recordings", "/Recordings.json"),
        ("message_media", "/Media.json"),
    ):
        read = [
            r
            for r in fleet.requests
            if r.path.endswith(suffix) and r.path.split("/")[3] in fleet_sids
        ]
        assert read, name
        assert early[name] >= len(read), (name, early[name], len(read))
    assert result.records["queue_members"]
    # Each list read once: as many requests as lists named plus the parents' lists.
    pages = Counter(
        (r.username, r.path, tuple(sorted((k, tuple(v)) for k, v in r.query.items())))
        for r in fleet.requests
    )
    assert max(pages.values()) == 1


def test_lists_are_queued_a_window_at_a_time_and_each_read_once(fleet, monkeypatch):
    """With a window of 16 lists (``LISTS_AHEAD``; 1,024 by default), the jobs queued and
    not started stay near it, whatever the fleet's size (each a built request): the rest
    wait as one entry per parent. Every list the SDK reads is still
    read once, nothing else is requested, and the records are those of a run without it."""
    from tap_twilio.engine import fetcher as fetching

    streams = ["accounts", "addresses", "dependent_phone_numbers", "messages", "message_media"]
    streams += ["queues", "queue_members", "keys", "usage_records", "conversation_services"]
    fleet.clear_requests()
    wide = run_tap(fleet.tap_config(max_concurrent_requests=16), streams=streams)
    wide_requests = Counter(
        (r.username, r.path, str(sorted(r.query.items()))) for r in fleet.requests
    )

    monkeypatch.setattr(fetching, "LISTS_AHEAD", 16)
    peak = 0
    original = Fetcher.submit

    def submit(self: Fetcher, stream: t.Any, context: t.Any, priority: tuple) -> None:
        nonlocal peak
        original(self, stream, context, priority)
        peak = max(peak, len(self._heap) + len(self._parked))

    monkeypatch.setattr(Fetcher, "submit", submit)
    fleet.clear_requests()
    narrow = run_tap(fleet.tap_config(max_concurrent_requests=16), streams=streams)
    requests = Counter((r.username, r.path, str(sorted(r.query.items()))) for r in fleet.requests)
    assert requests == wide_requests
    assert max(requests.values()) == 1
    # One account's lists may be queued past the window (its lists go in together).
    assert 16 <= peak <= 16 + len(streams), peak
    for stream in streams:
        assert sorted(_keys(narrow, stream)) == sorted(_keys(wide, stream)), stream
