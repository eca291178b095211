"""What a full and an incremental sync emit, in a form that does not depend on the day.

``tests/test_outputs.py`` compares it with ``tests/fixtures/outputs.json``, written by
``python -m tests.outputs --write``, so that a change of structure is proven to change
nothing users see. The sandbox's data moves with the clock, so timestamps become ``T``
(their presence is compared, their conversion has tests of its own) and streams whose rows
depend on a window over the clock (retention, default windows) are left out; each stream
is summarised by its record count and a digest of its sorted records; the state's shape
(partitions, keys, open SIDs) is kept whole.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path

from twilio_sandbox import Sandbox

from tap_twilio.streams import STREAMS
from tests.conftest import run_tap
from tests.expect import change_the_sandbox

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "outputs.json"


#: Streams whose rows depend on where the clock is (a retention limit or a default window),
#: and their children.
def _clock_windowed(cls: type) -> bool:
    """Whether a stream's rows, or its parent's, depend on where the clock is."""
    if (
        getattr(cls, "retention_days", None)
        or getattr(cls, "window_required", False)
        or getattr(cls, "default_window_days", None)
    ):
        return True
    parent = getattr(cls, "parent_stream_type", None)
    if getattr(cls, "name", "") == "taskrouter_task_queue_statistics":
        return True  # statistics of the last 15 minutes: a snapshot of the clock
    return parent is not None and _clock_windowed(parent)


CLOCK_WINDOWED = frozenset(cls.name for cls in STREAMS if _clock_windowed(cls))
SEED = 31
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise(value: object, now: dt.datetime, host: str) -> object:
    """The value with every timestamp replaced by ``T``, and the sandbox's address (a free
    port, different each run) by ``SANDBOX``."""
    if isinstance(value, dict):
        return {k: normalise(v, now, host) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, now, host) for v in value]
    if isinstance(value, str):
        value = value.replace(host, "SANDBOX")
        if _DATETIME.match(value) or _DATE.match(value):
            return "T"
    return value


def summary(result, now: dt.datetime, host: str) -> dict:
    """Per stream: record count and digest; the final state (normalised)."""
    streams = {}
    for stream, records in sorted(result.records.items()):
        if stream in CLOCK_WINDOWED:
            continue
        lines = sorted(json.dumps(normalise(r, now, host), sort_keys=True) for r in records)
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        streams[stream] = {"records": len(records), "sha256": digest}
    state = normalise(result.state, now, host)
    bookmarks = state.get("bookmarks", {})
    for stream in CLOCK_WINDOWED & set(bookmarks):
        del bookmarks[stream]
    for bookmark in state.get("bookmarks", {}).values():
        if isinstance(bookmark, dict) and "partitions" in bookmark:
            bookmark["partitions"].sort(key=lambda p: json.dumps(p.get("context"), sort_keys=True))
    return {"streams": streams, "state": state}


def outputs() -> dict:
    """A full sync, then an incremental one after the sandbox changed, summarised."""
    with Sandbox(seed=SEED) as sb:
        now = sb.org.now
        config = sb.tap_config()
        full = run_tap(config)
        change_the_sandbox(sb, "outputs")
        incremental = run_tap(config, state=full.state)
        host = sb.url
        return {
            "full": summary(full, now, host),
            "incremental": summary(incremental, now, host),
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
