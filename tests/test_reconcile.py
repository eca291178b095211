"""Reconciliation: what the catalog declares happens, and older states keep working.

* A state written before reconcile markers existed (recorded from abf8172, the version
  before them, on a pinned clock: tests/fixtures/state_before_reconcile.json) is read
  without loss: the next run reads each list whole once (as that
  version did every run), emits the same records, and writes the markers.
* For every curated stream, the catalog's replication method and key, and ``is_sorted``,
  are what a run does: incremental streams write a bookmark per partition on the key
  they declare, full-table streams none.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from twilio_sandbox import Sandbox

from tap_twilio.engine.changes import RECONCILED_STATE_KEY
from tap_twilio.streams.curated import CURATED_STREAMS
from tap_twilio.tap import TapTwilio
from tests.conftest import run_tap

RECORDED = Path(__file__).parent / "fixtures" / "state_before_reconcile.json"
FOLLOWED = ["accounts", "messages", "calls", "conversation_services", "conversations"]


def test_a_state_from_before_reconcile_markers_is_read_without_loss():
    recorded = json.loads(RECORDED.read_text())
    # The sandbox lays its data out by the clock: the run comes an hour after the recording.
    later = dt.datetime.fromisoformat(recorded["clock"]) + dt.timedelta(hours=1)
    with time_machine.travel(later, tick=True), Sandbox(seed=recorded["seed"]) as sb:
        config = sb.tap_config(lookback_window=0.02)
        old = recorded["state"]
        # Its bookmarks are the sandbox's (same seed); the new run reads the lists whole
        # once, since the state has no marker, exactly as the old version did every run.
        sb.clear_requests()
        result = run_tap(config, streams=FOLLOWED, state=old)
        lists = [r for r in sb.requests if r.path.endswith(("/Messages.json", "/Calls.json"))]
        assert lists and not [r for r in lists if "DateSent>" in r.query or "StartTime>" in r.query]
        for stream in ("messages", "calls", "conversations"):
            before = {
                json.dumps(p["context"], sort_keys=True): p
                for p in old["bookmarks"][stream]["partitions"]
            }
            after = {
                json.dumps(p["context"], sort_keys=True): p
                for p in result.state["bookmarks"][stream]["partitions"]
            }
            assert before.keys() == after.keys()
            for key, partition in before.items():
                assert after[key]["replication_key_value"] >= partition[
                    "replication_key_value"
                ] or (
                    after[key]["replication_key_value"][:19]
                    == partition["replication_key_value"][:19]
                )
                assert RECONCILED_STATE_KEY in after[key]
        # Every record open in the old state was emitted again (followed, not lost).
        for stream in ("messages", "calls"):
            emitted = {r["sid"] for r in result.records[stream]}
            for partition in old["bookmarks"][stream]["partitions"]:
                assert set(partition.get("open_sids", [])) <= emitted


@pytest.fixture(scope="module")
def curated_run():
    with Sandbox(seed=5) as sb:
        config = sb.tap_config()
        names = [s.name for s in CURATED_STREAMS]
        first = run_tap(config, streams=names)
        catalog = TapTwilio(config=config, validate_config=False).catalog_dict
        yield catalog, first


@pytest.mark.parametrize("stream", [s.name for s in CURATED_STREAMS])
def test_replication_the_catalog_declares_is_what_happens(curated_run, stream):
    catalog, result = curated_run
    assert len(CURATED_STREAMS) == 52
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == stream)
    top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
    method = top.get("forced-replication-method") or entry.get("replication_method")
    key = entry.get("replication_key") or top.get("replication-key")
    cls = next(s for s in CURATED_STREAMS if s.name == stream)
    assert cls.is_sorted is False  # Twilio documents no order the tap relies on
    bookmark = result.state.get("bookmarks", {}).get(stream, {})
    partitions = bookmark.get("partitions", [])
    values = [p.get("replication_key_value") for p in partitions if p.get("replication_key_value")]
    if key:
        assert method == "INCREMENTAL"
        assert cls.replication_key == key
        assert all(
            p.get("replication_key") == key for p in partitions if "replication_key_value" in p
        )
        if result.records.get(stream):
            assert values, f"{stream}: records emitted but no bookmark"
    else:
        assert method == "FULL_TABLE"
        assert not values
