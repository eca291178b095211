"""A tap stopped and continued while its output pipe is full writes every line whole.

A target reads slower than the tap writes, so the tap's writes block on a full pipe. Stopping
and continuing it then (Ctrl-Z and ``fg``, a debugger, a sampling profiler) or any signal
with a Python handler ends a ``write(2)`` early; Python's buffered stdout then lost or
repeated bytes (api/output.py). Here a reader that is slower than the tap stops and
continues it every few milliseconds; every line must still be one whole Singer message and
the records those of a run left alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

from twilio_sandbox import Sandbox

from tests.conftest import ROOT, catalog_for, run_tap, write_config
from tests.test_faults import ALL_KEYS

STREAMS = ("messages", "calls", "usage_records", "recordings")


def stopped_and_continued(args: list[str]) -> tuple[int, list[bytes], int]:
    """Run ``args``, reading its stdout slowly, and stop/continue it every 2 ms while it
    runs: (exit status, its stdout lines, how many times it was stopped)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    assert proc.stdout is not None
    stops = 0
    done = threading.Event()

    def poke() -> None:
        nonlocal stops
        while not done.wait(0.002):
            try:
                os.kill(proc.pid, signal.SIGSTOP)
                time.sleep(0.001)
                os.kill(proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                return
            stops += 1

    poker = threading.Thread(target=poke, daemon=True)
    poker.start()
    chunks = []
    try:
        while chunk := proc.stdout.read1(16384):
            chunks.append(chunk)
            time.sleep(0.0005)  # a target slower than the tap: its writes block
    finally:
        done.set()
        poker.join()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        code = proc.wait(timeout=120)
    return code, b"".join(chunks).splitlines(keepends=True), stops


def test_stopped_and_continued_the_output_is_every_line_whole(tmp_path):
    with Sandbox(seed=5, scale=3) as sb:
        config = sb.tap_config()
        streams = list(STREAMS)
        reference = run_tap(config, streams=streams)
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(catalog_for(config, streams)))
        args = [sys.executable, "-m", "tap_twilio", "--config", str(write_config(tmp_path, config))]
        code, lines, stops = stopped_and_continued([*args, "--catalog", str(catalog)])
    assert code == 0
    # The reader's pace (0.5 ms a 16 KB read of several MB) keeps the run going for a while
    # on any machine: stopped often, not a count that depends on the machine's speed.
    assert stops >= 10, "the tap was hardly stopped: the test did not test"
    broken = []
    records: Counter = Counter()
    for line in lines:
        try:
            message = json.loads(line)
        except ValueError:
            broken.append(line[:120])
            continue
        if message["type"] == "RECORD":
            stream, record = message["stream"], message["record"]
            records[stream, tuple(record.get(k) for k in ALL_KEYS[stream])] += 1
    assert broken == []
    want = Counter(
        (stream, tuple(r.get(k) for k in ALL_KEYS[stream]))
        for stream, rows in reference.records.items()
        for r in rows
    )
    assert records == want
