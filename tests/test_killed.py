"""kill -9 the tap in the middle of a sync and resume from the last STATE the target saw.

``Warehouse`` is a minimal Singer target: it reads the tap's stdout as it is written,
upserts each RECORD by the stream's key_properties (as target-postgres does) and remembers
the last STATE. The tap runs as a real subprocess and is SIGKILLed once the warehouse has
received N records; whatever the tap wrote before it died is still read (a half-written
last line is dropped). The next run gets ``--state`` = that last STATE. After the kills and
a final run that completes, the warehouse must hold exactly the sandbox's rows with the
values of an uninterrupted sync.

The tap writes STATE at most once a second by default, so how many STATEs reach the
warehouse before a kill would depend on the machine's speed. The runs here set
``TAP_TWILIO_STATE_INTERVAL=0`` (a STATE at every point where the SDK would write one), and
the tests count what they mean: killed runs that had written a STATE, the resume point of
the next run, before they died.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from twilio_sandbox import Sandbox

from tests.conftest import ROOT, SyncResult, iso, run_tap, write_config
from tests.expect import change_the_sandbox
from tests.test_faults import ALL_KEYS, DEFAULT_KEYS, SNAPSHOT_KEYS, key_problems, truth_keys

# Kill points as shares of the records one run emits: early (at its first record),
# then spread over the sync so that the kills land in different streams and accounts.
KILL_SHARES = (0.0, 0.15, 0.3, 0.45, 0.6, 0.8)


@dataclass
class Warehouse:
    """Tables keyed by primary key (upsert), the key properties, the last STATE seen."""

    tables: dict[str, dict[tuple, dict]] = field(default_factory=dict)
    key_properties: dict[str, tuple[str, ...]] = field(default_factory=dict)
    state: dict | None = None

    def load(self, line: bytes) -> str:
        """Apply one Singer message; returns its type."""
        message = json.loads(line)
        kind = message["type"]
        if kind == "SCHEMA":
            self.key_properties[message["stream"]] = tuple(message["key_properties"])
            self.tables.setdefault(message["stream"], {})
        elif kind == "RECORD":
            stream, record = message["stream"], message["record"]
            key = tuple(record.get(k) for k in self.key_properties[stream])
            assert all(v is not None for v in key), f"{stream} record without its key"
            self.tables[stream][key] = record
        elif kind == "STATE":
            self.state = message["value"]
        return kind

    def keys(self, stream: str) -> list[tuple]:
        """Primary keys (as Twilio identifies rows) of a table's rows."""
        key = ALL_KEYS[stream]
        return [tuple(r.get(k) for k in key) for r in self.tables.get(stream, {}).values()]


@dataclass
class Outcome:
    """How one tap run ended."""

    returncode: int
    killed: bool
    records: int
    #: STATE messages of this run that reached the warehouse (before the kill, if killed).
    states: int
    #: Whether the last of them differs from the state the run started from.
    moved: bool
    seconds: float
    stderr: str


def run_into(
    warehouse: Warehouse,
    config_path: Path,
    workdir: Path,
    kill_after: int | None = None,
) -> Outcome:
    """Run the tap CLI into the warehouse, resuming from its last STATE; SIGKILL the tap
    once ``kill_after`` records of this run have reached the warehouse."""
    args = [sys.executable, "-m", "tap_twilio", "--config", str(config_path)]
    if warehouse.state is not None:
        state_path = workdir / "state.json"
        state_path.write_text(json.dumps(warehouse.state))
        args += ["--state", str(state_path)]
    err_path = workdir / "stderr.log"
    started = time.monotonic()
    started_from = json.dumps(warehouse.state, sort_keys=True)
    records = states = 0
    killed = False
    # A STATE at every point where the SDK would write one, not at most once a second: the
    # resume points a kill leaves behind do not depend on how fast this machine is.
    env = {**os.environ, "TAP_TWILIO_STATE_INTERVAL": "0"}
    with err_path.open("wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, cwd=ROOT, env=env)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                if not line.endswith(b"\n"):
                    break  # the tap died in the middle of writing this line
                kind = warehouse.load(line)
                if kind == "STATE":
                    states += 1
                elif kind == "RECORD":
                    records += 1
                    if kill_after is not None and not killed and records >= kill_after:
                        os.kill(proc.pid, signal.SIGKILL)
                        killed = True
            code = proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return Outcome(
        code,
        killed,
        records,
        states,
        json.dumps(warehouse.state, sort_keys=True) != started_from,
        time.monotonic() - started,
        err_path.read_text(errors="replace"),
    )


def by_key(result: SyncResult, stream: str) -> dict[tuple, dict]:
    """Records of an uninterrupted sync by primary key."""
    key = ALL_KEYS[stream]
    return {tuple(r.get(k) for k in key): r for r in result.records.get(stream, [])}


def assert_warehouse_is_the_truth(wh: Warehouse, sb: Sandbox, reference: SyncResult) -> None:
    """Every sandbox row once, nothing else, each with the values of an uninterrupted sync."""
    problems = []
    for stream in sorted(DEFAULT_KEYS):
        want = truth_keys(sb, stream)
        found = key_problems(stream, wh.keys(stream), want)
        problems += found
        if found or stream in SNAPSHOT_KEYS:
            continue
        stored = {tuple(r.get(k) for k in ALL_KEYS[stream]): r for r in wh.tables[stream].values()}
        expected = by_key(reference, stream)
        stale = [k for k in want if stored[k] != expected.get(k)]
        if stale:
            problems.append(f"{stream}: {len(stale)} rows with stale values, e.g. {stale[0]}")
    assert problems == []


def kill_points(total: int) -> list[int]:
    """Records after which to kill: one per KILL_SHARES entry, at least 1."""
    return [max(1, int(total * share)) for share in KILL_SHARES]


def kill_and_resume(
    wh: Warehouse, config_path: Path, workdir: Path, total: int
) -> list[tuple[int, int, int, bool]]:
    """Kill the tap at each point, resuming each time; then one run that completes.

    Returns (kill point, records, STATEs, state moved) of each killed run."""
    log = []
    for point in kill_points(total):
        outcome = run_into(wh, config_path, workdir, kill_after=point)
        assert outcome.killed, f"the run ended ({outcome.returncode}) before {point} records"
        assert outcome.returncode == -signal.SIGKILL, outcome.stderr[-2000:]
        log.append((point, outcome.records, outcome.states, outcome.moved))
    final = run_into(wh, config_path, workdir)
    assert final.returncode == 0, final.stderr[-3000:]
    assert not final.killed
    return log


def assert_each_kill_resumed_mid_run(log: list[tuple[int, int, int, bool]]) -> None:
    """The kills resumed from points written mid-run: most killed runs left a STATE of their
    own that moved the bookmarks, so the next run started where it stopped, not where it
    began. (STATE is written at every point the SDK would, whatever the machine's speed; a
    kill that falls where no list has finished since the resume leaves none, and the next run
    resumes from the one before: counted, not an error.)"""
    moved = [entry for entry in log if entry[3]]
    assert len(moved) >= len(log) - 1, f"killed runs that left no new resume point: {log}"


@pytest.mark.slow  # seven tap processes over a full sync
def test_full_sync_killed_six_times_resumes_to_the_truth(tmp_path):
    with Sandbox(seed=21) as sb:
        config = sb.tap_config()
        config_path = write_config(tmp_path, config)
        reference = run_tap(config)
        total = sum(len(records) for records in reference.records.values())

        wh = Warehouse()
        started = time.monotonic()
        log = kill_and_resume(wh, config_path, tmp_path, total)
        print(
            f"full sync of {total} records killed at {log}: {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        assert_each_kill_resumed_mid_run(log)
        assert_warehouse_is_the_truth(wh, sb, reference)


@pytest.mark.slow
def test_incremental_sync_killed_six_times_resumes_to_the_truth(tmp_path):
    with Sandbox(seed=22) as sb:
        config = sb.tap_config()
        config_path = write_config(tmp_path, config)
        wh = Warehouse()
        first = run_into(wh, config_path, tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        bookmarked = wh.state
        assert bookmarked and bookmarked["bookmarks"]["messages"]["partitions"]

        main = sb.account_sid
        c = change_the_sandbox(sb, "killed")

        # What an uninterrupted incremental run emits, and the values a fresh sync reads.
        probe = run_tap(config, state=bookmarked)
        total = sum(len(records) for records in probe.records.values())
        assert c.new_message["sid"] in {r["sid"] for r in probe.records["messages"]}
        reference = run_tap(config)

        started = time.monotonic()
        log = kill_and_resume(wh, config_path, tmp_path, total)
        print(
            f"incremental sync of {total} records killed at {log}: "
            f"{time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        assert_warehouse_is_the_truth(wh, sb, reference)
        messages = wh.tables["messages"]
        assert messages[(c.recent_message["sid"],)]["status"] == "delivered"
        assert messages[(c.recent_message["sid"],)]["price"] == "-0.04200"
        assert (c.new_message["sid"],) in messages and (c.new_message_b["sid"],) in messages
        assert (c.new_media["sid"],) in wh.tables["message_media"]
        assert wh.tables["calls"][(c.recent_call["sid"],)]["status"] == "completed"
        assert (c.new_call["sid"],) in wh.tables["calls"]
        conversations = wh.tables["conversations"]
        assert (c.new_conversation["sid"],) in conversations
        assert conversations[(c.renamed,)]["friendly_name"] == "killed: renamed"
        assert (c.new_event["sid"],) in wh.tables["taskrouter_events"]
        # The final state moved every account's messages bookmark forward (or kept it).
        marks = {
            p["context"]["account_sid"]: p["replication_key_value"]
            for p in wh.state["bookmarks"]["messages"]["partitions"]
        }
        for part in bookmarked["bookmarks"]["messages"]["partitions"]:
            assert marks[part["context"]["account_sid"]] >= part["replication_key_value"]
        assert marks[main] >= iso(c.new_message["date_sent"])
