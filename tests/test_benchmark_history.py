"""``scripts/benchmark.py --mode history`` on a small account: it runs, and its figures say
what the mode is for (no timing asserted): between reconciliations an incremental run reads
a few pages; strict mode reads the whole list each run; both emit the same records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import benchmark_history


def test_history_mode_incremental_runs_cost_far_less_than_the_full_sync(capsys):
    args = argparse.Namespace(
        latency_ms=0.0,
        concurrency=8,
        history_size=30_000,
        new=200,
        in_flight=50,
        runs=1,
        calls=False,
    )
    rows = benchmark_history.history(args)

    default, strict = rows["default"], rows["strict"]
    full = default[0][1]["pages"]
    assert full >= 30  # 30,000 history messages + the sandbox's own, 1,000 a page
    (_, default_req, default_run), (_, strict_req, strict_run) = default[1], strict[1]
    assert default_req["pages"] * 10 < full  # the window: the changes' pages
    # + the sandbox's own messages in flight, followed by SID (a constant of the account)
    assert default_req["pages"] + default_req["by_sid"] < strict_req["pages"]
    assert strict_req["pages"] >= full  # the whole list again
    assert default_run["records"] == strict_run["records"]
    assert default_run["records"]["messages"] >= 250  # the changes: 200 new + 50 delivered
    assert "| incremental 1 |" in capsys.readouterr().out
