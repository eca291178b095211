"""``scripts/benchmark.py --mode requests``: the tap's CPU per request and per record (#17).

    python scripts/benchmark.py --mode requests                     # main + 50, main + 200
    python scripts/benchmark.py --mode requests --subaccounts 100 --subaccounts 400 --repeat 5
    git archive <commit> tap_twilio | tar -x -C /tmp/base      # an older tap, compared ...
    python scripts/benchmark.py --mode requests --baseline /tmp/base   # ... run by run

Two figures, each the median of ``--repeat`` runs of the tap in a child process (its CPU,
user + system, from ``wait4``; the sandbox runs in this process, at zero latency):

* **CPU per request, small pages**: the main account plus ``--subaccounts`` fleet
  subaccounts, a handful of per-account lists that are one small page each (numbers,
  addresses, applications, keys, queues, caller IDs, usage triggers, and the monitor
  alerts read with each subaccount's own credentials). Tap CPU minus the CPU of a start
  with no stream selected, divided by the requests the sandbox served; then, between two
  fleet sizes, the CPU one more request adds (the difference of the medians ÷ the
  difference of the requests: what a fleet 100 times larger costs per request, without the
  run's fixed costs, such as applying the catalog to every stream, spread over it).
* **CPU per record, a big list**: ``messages`` alone in the main account at ``--scale``
  (pages of 1,000), tap CPU minus start-up divided by the records written.

With ``--baseline DIR`` (a directory holding another ``tap_twilio`` package) every run is
made with both taps one after the other, so that both see the same load on a shared machine.

Process CPU, not wall: the figures hold on a shared machine, within its noise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from twilio_sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
TAP = [sys.executable, "-m", "tap_twilio"]
#: Lists that are one small page per account in the fleet (and in the main account).
SMALL_LISTS = [
    "accounts",
    "incoming_phone_numbers",
    "addresses",
    "applications",
    "keys",
    "queues",
    "outgoing_caller_ids",
    "usage_triggers",
    "alerts",
]


def catalog(config: dict, streams: list[str]) -> dict:
    from tap_twilio.tap import TapTwilio

    cat = TapTwilio(config=config, validate_config=False).catalog_dict
    for entry in cat["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return cat


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The option of ``--mode requests`` (besides --subaccounts, --repeat, --concurrency)."""
    parser.add_argument(
        "--baseline",
        type=Path,
        help="requests mode: a directory with another tap_twilio package, run alternately",
    )


def trees(args: argparse.Namespace) -> dict[str, Path]:
    """The taps measured: this tree's, and the baseline's when given."""
    found = {"this tree": ROOT}
    if getattr(args, "baseline", None):
        found["baseline"] = Path(args.baseline).resolve()
    return found


def tap_cpu(
    config: dict, streams: list[str], workdir: Path, tree: Path = ROOT
) -> tuple[float, int]:
    """CPU seconds of one tap run with ``streams`` selected, and the RECORD lines written.

    The tap is the ``tap_twilio`` package in ``tree`` (``python -m`` imports from its cwd).
    """
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog(config, streams)))
    args = [*TAP, "--config", str(workdir / "config.json")]
    args += ["--catalog", str(workdir / "catalog.json")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tree)
    assert proc.stdout is not None
    records = sum(line.startswith(b'{"type":"RECORD"') for line in proc.stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"tap failed with status {status}")
    return usage.ru_utime + usage.ru_stime, records


def per_request(args: argparse.Namespace) -> None:
    """Tap CPU per request (ms) on small pages at each fleet size, and the marginal one."""
    sizes = args.subaccounts or [50, 200]
    medians = [small_pages(args, n) for n in sizes]
    for name in trees(args):
        for (n0, by_tree0, req0), (n1, by_tree1, req1) in itertools.pairwise(medians):
            added = 1000 * (by_tree1[name] - by_tree0[name]) / (req1 - req0)
            print(
                f"{name}: one more request (main + {n0} -> main + {n1}): {added:.3f} ms of tap CPU"
            )


def small_pages(args: argparse.Namespace, n: int) -> tuple[int, dict[str, float], int]:
    """Median tap CPU (s, after start-up) per tap, and the requests, of a fleet of ``n``."""
    runs: dict[str, list[float]] = {name: [] for name in trees(args)}
    requests = 0
    with Sandbox(seed=0, subaccounts=n, latency=0) as sb, tempfile.TemporaryDirectory() as tmp:
        config = sb.tap_config(max_concurrent_requests=args.concurrency)
        print(
            f"== small pages: main + {len(sb.accounts) - 1} subaccounts ({n} fleet), "
            f"{len(SMALL_LISTS)} lists each ({', '.join(SMALL_LISTS)}), zero latency, "
            f"{args.concurrency} in flight"
        )
        for _ in range(args.repeat):
            for name, tree in trees(args).items():
                base, _ = tap_cpu(config, [], Path(tmp), tree)
                sb.clear_requests()
                cpu, records = tap_cpu(config, SMALL_LISTS, Path(tmp), tree)
                requests = len(sb.requests)
                runs[name].append(cpu - base)
                print(
                    f"{name:>9}: requests {requests:>6,}   records {records:>6,}   "
                    f"tap CPU {cpu:5.2f} s (start-up {base:.2f} s excluded)   "
                    f"{1000 * (cpu - base) / requests:.3f} ms/request"
                )
    medians = {name: statistics.median(cpus) for name, cpus in runs.items()}
    for name, cpu in medians.items():
        print(f"{name}: tap CPU ms/request, median of {args.repeat}: {1000 * cpu / requests:.3f}")
    return n, medians, requests


def per_record(args: argparse.Namespace) -> None:
    """Median tap CPU per record (µs) on the main account's messages; prints each run."""
    figures: dict[str, list[float]] = {name: [] for name in trees(args)}
    with Sandbox(seed=0, scale=args.scale, latency=0) as sb, tempfile.TemporaryDirectory() as tmp:
        config = sb.tap_config(max_concurrent_requests=args.concurrency)
        print(f"== a big list: messages alone, sandbox scale {args.scale:g}, zero latency")
        for _ in range(args.repeat):
            for name, tree in trees(args).items():
                base, _ = tap_cpu(config, [], Path(tmp), tree)
                sb.clear_requests()
                cpu, records = tap_cpu(config, ["messages"], Path(tmp), tree)
                us = 1e6 * (cpu - base) / records
                figures[name].append(us)
                print(
                    f"{name:>9}: records {records:>8,}   requests {len(sb.requests):>5,}   "
                    f"tap CPU {cpu:5.2f} s (start-up {base:.2f} s excluded)   {us:.1f} µs/record"
                )
    for name, values in figures.items():
        print(
            f"{name}: tap CPU µs/record, median of {len(values)}: {statistics.median(values):.1f}"
        )


def requests_mode(args: argparse.Namespace) -> None:
    """Both figures."""
    per_request(args)
    per_record(args)
