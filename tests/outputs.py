"""What a full and an incremental sync emit, in a form that does not depend on the day.

``tests/test_outputs.py`` compares it with ``tests/fixtures/outputs.json``, written by
``python -m tests.outputs --write`` before the tap's modules were rearranged, so that a
change of structure is proven to change nothing users see. Timestamps become offsets from
the sandbox's ``now`` (whole hours; dates: whole days); each stream is summarised by its
record count and a digest of its sorted records; the state is kept whole.
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

from tap_twilio.transforms import parse_datetime
from tests.conftest import run_tap
from tests.expect import change_the_sandbox

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "outputs.json"
SEED = 31
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise(value: object, now: dt.datetime, host: str) -> object:
    """The value with every timestamp replaced by its offset from ``now``, and the
    sandbox's address (a free port, different each run) by ``SANDBOX``."""
    if isinstance(value, dict):
        return {k: normalise(v, now, host) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, now, host) for v in value]
    if isinstance(value, str):
        value = value.replace(host, "SANDBOX")
        if _DATETIME.match(value):
            hours = (parse_datetime(value) - now).total_seconds() // 3600
            return f"now{int(hours):+d}h"
        if _DATE.match(value):
            return f"today{(dt.date.fromisoformat(value) - now.date()).days:+d}d"
    return value


def summary(result, now: dt.datetime, host: str) -> dict:
    """Per stream: record count and digest; the final state (normalised)."""
    streams = {}
    for stream, records in sorted(result.records.items()):
        lines = sorted(json.dumps(normalise(r, now, host), sort_keys=True) for r in records)
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        streams[stream] = {"records": len(records), "sha256": digest}
    state = normalise(result.state, now, host)
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
