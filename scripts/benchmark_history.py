"""``scripts/benchmark.py --mode history``: incremental runs on a long account (issue #15).

    python scripts/benchmark.py --mode history                        # 1,000,000 messages
    python scripts/benchmark.py --mode history --history-size 200000  # a smaller account
    python scripts/benchmark.py --mode history --calls                # + as many calls

The sandbox's main account gets a lazily served history (``twilio_sandbox.history``) of
``--history-size`` delivered messages (and, with ``--calls``, completed calls) spread over
397 days; every response waits ``--latency-ms``. Only ``messages`` (and ``calls``) are
selected, for the main account alone. Runs:

1. a full sync, for real through the whole history (one page per 1,000 records, read one
   after the other: 1,000 pages at 100 ms is 100 s of waiting alone);
2. three times: changes, then an incremental run from the state the last run left, once
   with the default ``reconcile_interval`` (24 hours: no whole read between
   reconciliations) and once in strict mode (``reconcile_interval: 0``: the whole list on
   every run). Both runs see the same account: the changes are made once, before both.

The changes of each run: ``--new`` new messages, of which ``--in-flight`` are still
``sent`` (dated now), and ``--in-flight`` status updates: the messages in flight at the
last run are delivered and priced (the first run's are added, sent two hours earlier,
before the full sync). With ``--calls``, a quarter as many calls likewise.

Printed per mode: each run's requests to the list (pages) and by SID (follow-ups), all
requests, wall seconds, records emitted; and the shape of the account.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import tempfile
import typing as t
from collections import Counter
from pathlib import Path

from twilio_sandbox import Sandbox
from twilio_sandbox.history import attach_history

if t.TYPE_CHECKING:
    from twilio_sandbox.server import RequestRecord

#: The list each resource is read from, and the path of one record fetched by SID.
PATHS = {"messages": ("/Messages.json", "/Messages/SM"), "calls": ("/Calls.json", "/Calls/CA")}
#: Open (not final) and final status of each resource's changes.
OPEN = {"messages": {"status": "sent", "price": None}, "calls": {"status": "in-progress"}}
FINAL = {
    "messages": {"status": "delivered", "price": "-0.00790"},
    "calls": {"status": "completed", "duration": "60"},
}
DATE = {"messages": "date_sent", "calls": "start_time"}
RECORD = re.compile(rb'^\{"type":\s*"RECORD",\s*"stream":\s*"([^"]+)"')
MODES = (("default", 24), ("strict", 0))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``--mode history``."""
    parser.add_argument(
        "--history-size",
        type=int,
        default=1_000_000,
        help="history mode: messages (and calls) the main account holds (default 1,000,000)",
    )
    parser.add_argument(
        "--new", type=int, default=2000, help="history mode: new messages before each run"
    )
    parser.add_argument(
        "--in-flight",
        type=int,
        default=500,
        help="history mode: of the new messages, still sent (delivered before the next run)",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="history mode: incremental runs after the full sync"
    )
    parser.add_argument(
        "--calls", action="store_true", help="history mode: a calls history too, calls selected"
    )


def rfc2822(when: dt.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def sync(config: dict, state: dict | None, streams: list[str], workdir: Path) -> dict:
    """One tap run in a child process: records per stream (counted, not kept), final state."""
    from benchmark import TAP, catalog_of, measure  # scripts/ is on sys.path

    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog_of(config, streams)))
    args = [*TAP, "--config", str(workdir / "config.json")]
    args += ["--catalog", str(workdir / "catalog.json")]
    if state is not None:
        (workdir / "state.json").write_text(json.dumps(state))
        args += ["--state", str(workdir / "state.json")]
    records: Counter = Counter()
    last: dict = {}

    def read(line: bytes) -> None:
        nonlocal last
        found = RECORD.match(line)
        if found is not None:
            records[found.group(1).decode()] += 1
        elif b'"STATE"' in line[:40]:
            last = json.loads(line)["value"]

    run = measure(args, read)
    return {"records": records, "state": last, **run}


def count(requests: list[RequestRecord], streams: list[str]) -> dict[str, int]:
    """Requests to the selected lists (pages), by SID (follow-ups), and in all."""
    pages = sum(1 for r in requests for s in streams if r.path.endswith(PATHS[s][0]))
    by_sid = sum(1 for r in requests for s in streams if PATHS[s][1] in r.path)
    return {"pages": pages, "by_sid": by_sid, "all": len(requests)}


class Changes:
    """The changes made before each incremental run (the same for both modes)."""

    def __init__(self, sb: Sandbox, streams: list[str], new: int, in_flight: int) -> None:
        self.sb = sb
        self.new = {s: new if s == "messages" else new // 4 for s in streams}
        self.open_n = {s: in_flight if s == "messages" else in_flight // 4 for s in streams}
        self.open: dict[str, list[str]] = {}
        hours_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
        for s in streams:  # in flight at the full sync: sent two hours earlier
            fields = {**OPEN[s], DATE[s]: rfc2822(hours_ago)}
            self.open[s] = [
                sb.add(s, sb.account_sid, **fields)["sid"] for _ in range(self.open_n[s])
            ]

    def apply(self) -> None:
        """Deliver what was in flight; add new records, some of them in flight."""
        main = self.sb.account_sid
        for s, sids in self.open.items():
            for sid in sids:
                self.sb.update(s, sid, **FINAL[s])
            final = {"status": FINAL[s]["status"]}
            for _ in range(self.new[s] - self.open_n[s]):
                self.sb.add(s, main, **final)
            self.open[s] = [self.sb.add(s, main, **OPEN[s])["sid"] for _ in range(self.open_n[s])]

    def describe(self) -> str:
        return "; ".join(
            f"{s}: {self.new[s]:,} new ({self.open_n[s]:,} of them in flight) + "
            f"{self.open_n[s]:,} status updates (in flight at the last run, now final)"
            for s in self.new
        )


def history(args: argparse.Namespace) -> dict[str, list[tuple[str, dict[str, int], dict]]]:
    """The full sync and ``--runs`` incremental runs, default and strict, side by side."""
    latency = args.latency_ms / 1000
    streams = ["messages", "calls"] if args.calls else ["messages"]
    with (
        Sandbox(seed=0, scale=1.0, latency=latency) as sb,
        tempfile.TemporaryDirectory() as tmp,
    ):
        workdir = Path(tmp)
        main = sb.account_sid
        changes = Changes(sb, streams, args.new, args.in_flight)
        for s in streams:
            attach_history(sb, s, args.history_size)
        held = {s: args.history_size + len(sb.expected(s, main)) for s in streams}
        shape = (
            f"main account only; {', '.join(f'{n:,} {s}' for s, n in held.items())} "
            f"({args.history_size:,} {'of each' if args.calls else 'of them'} in a lazy "
            "history over 397 days); "
            f"{args.latency_ms:.0f} ms per response; {args.concurrency} in flight; "
            f"streams {', '.join(streams)}"
        )
        print(f"shape: {shape}")
        print(f"changes before each incremental run: {changes.describe()}", flush=True)
        base = sb.tap_config(account_sids=[main], max_concurrent_requests=args.concurrency)

        sb.clear_requests()
        full = sync(base, None, streams, workdir)
        rows = {label: [("full sync", count(sb.requests, streams), full)] for label, _ in MODES}
        print(
            f"full sync: {count(sb.requests, streams)['pages']:,} pages, "
            f"{full['wall']:.1f} s, {sum(full['records'].values()):,} records",
            flush=True,
        )
        states = {label: full["state"] for label, _ in MODES}
        for n in range(1, args.runs + 1):
            changes.apply()
            for label, hours in MODES:
                config = {**base, "reconcile_interval": hours}
                sb.clear_requests()
                run = sync(config, states[label], streams, workdir)
                states[label] = run["state"]
                rows[label].append((f"incremental {n}", count(sb.requests, streams), run))
                print(
                    f"incremental {n} ({label}): {count(sb.requests, streams)['pages']:,} "
                    f"pages, {run['wall']:.1f} s",
                    flush=True,
                )
        for label, hours in MODES:
            print(f"\n== {label}: reconcile_interval {hours}  ({shape})")
            print(table(rows[label]))
    return rows


def table(rows: list[tuple[str, dict[str, int], dict]]) -> str:
    """A Markdown table of one mode's runs."""
    lines = [
        "| Run | List pages | By SID | All requests | Wall s | Records emitted |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, req, run in rows:
        lines.append(
            f"| {name} | {req['pages']:,} | {req['by_sid']:,} | {req['all']:,} | "
            f"{run['wall']:.1f} | {sum(run['records'].values()):,} |"
        )
    return "\n".join(lines)
