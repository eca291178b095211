"""The structure of the tap changed; what users see did not (tests/outputs.py)."""

from __future__ import annotations

import json

from tests.outputs import FIXTURE, outputs


def test_full_and_incremental_outputs_equal_the_recorded_ones():
    recorded = json.loads(FIXTURE.read_text())
    current = outputs()
    problems = []
    for run in ("full", "incremental"):
        want, got = recorded[run]["streams"], current[run]["streams"]
        problems += [
            f"{run} {stream}: {got.get(stream)} != recorded {want.get(stream)}"
            for stream in sorted(want.keys() | got.keys())
            if want.get(stream) != got.get(stream)
        ]
        if current[run]["state"] != recorded[run]["state"]:
            problems.append(f"{run}: the final state differs from the recorded one")
    assert problems == []
