"""What a full and an incremental sync emit, in a form that does not depend on the day.

``tests/test_outputs.py`` compares it with ``tests/fixtures/outputs.json``, written by
``python -m tests.outputs --write``, so that a change of structure is proven to change
nothing users see. The sandbox lays its data out around its clock (denser in the UTC
daytime), and the tap's windows (lookback, retention) are measured on its own clock: both
run on one clock set to ``CLOCK`` (time-machine, ticking), so that the outputs are the same
whatever the time of day. Timestamps still become ``T`` (their presence is compared, their
conversion has tests of its own); each stream is summarised by its record count and a
digest of its sorted records; the state's shape (partitions, keys, open SIDs) is kept whole.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path

import time_machine
from twilio_sandbox import Sandbox

from tests.conftest import run_tap
from tests.expect import change_the_sandbox

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "outputs.json"


#: Where the clock of both the sandbox and the tap stands when the outputs are made.
CLOCK = dt.datetime(2026, 6, 15, 16, 30, tzinfo=dt.timezone.utc)
#: Streams whose rows are a snapshot of the seconds a run takes (the last 15 minutes).
CLOCK_WINDOWED = frozenset({"taskrouter_task_queue_statistics"})
SEED = 31
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise(value: object, host: str) -> object:
    """The value with every timestamp (text, or epoch milliseconds in ``*_ms``) replaced by
    ``T``, and the sandbox's address (a free port, different each run) by ``SANDBOX``."""
    if isinstance(value, dict):
        return {
            k: "T" if k.endswith("_ms") and isinstance(v, int) else normalise(v, host)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalise(v, host) for v in value]
    if isinstance(value, str):
        value = value.replace(host, "SANDBOX")
        if _DATETIME.match(value) or _DATE.match(value):
            return "T"
    return value


def summary(result, host: str) -> dict:
    """Per stream: record count and digest; the final state (normalised)."""
    streams = {}
    for stream, records in sorted(result.records.items()):
        if stream in CLOCK_WINDOWED:
            continue
        lines = sorted(json.dumps(normalise(r, host), sort_keys=True) for r in records)
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        streams[stream] = {"records": len(records), "sha256": digest}
    state = normalise(result.state, host)
    bookmarks = state.get("bookmarks", {})
    for stream in CLOCK_WINDOWED & set(bookmarks):
        del bookmarks[stream]
    for bookmark in state.get("bookmarks", {}).values():
        if isinstance(bookmark, dict) and "partitions" in bookmark:
            bookmark["partitions"].sort(key=lambda p: json.dumps(p.get("context"), sort_keys=True))
    return {"streams": streams, "state": state}


def outputs() -> dict:
    """A full sync, then an incremental one after the sandbox changed, summarised."""
    with time_machine.travel(CLOCK, tick=True), Sandbox(seed=SEED) as sb:
        config = sb.tap_config()
        full = run_tap(config)
        change_the_sandbox(sb, "outputs")
        incremental = run_tap(config, state=full.state)
        host = sb.url
        return {
            "full": summary(full, host),
            "incremental": summary(incremental, host),
        }


def main() -> int:
    """Write the fixture (``--write``) or print the current outputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {FIXTURE.name}")
    args = parser.parse_args()
    text = json.dumps(outputs(), indent=1, sort_keys=True) + "\n"
    if args.write:
        FIXTURE.write_text(text)
        print(f"wrote {FIXTURE}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
