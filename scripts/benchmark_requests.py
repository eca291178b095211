"""``scripts/benchmark.py --mode requests``: the tap's CPU per request and per record (#17).

    python scripts/benchmark.py --mode requests                     # main + 50, main + 200
    python scripts/benchmark.py --mode requests --subaccounts 100 --subaccounts 400 --repeat 5

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


def tap_cpu(config: dict, streams: list[str], workdir: Path) -> tuple[float, int]:
    """CPU seconds of one tap run with ``streams`` selected, and the RECORD lines written."""
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog(config, streams)))
    args = [*TAP, "--config", str(workdir / "config.json")]
    args += ["--catalog", str(workdir / "catalog.json")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
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
    for (n0, cpu0, req0), (n1, cpu1, req1) in itertools.pairwise(medians):
        print(
            f"one more request (main + {n0} -> main + {n1}): "
            f"{1000 * (cpu1 - cpu0) / (req1 - req0):.3f} ms of tap CPU"
        )


def small_pages(args: argparse.Namespace, n: int) -> tuple[int, float, int]:
    """Median tap CPU (s, after start-up) and requests of a fleet of ``n``; prints each run."""
    runs = []
    with Sandbox(seed=0, subaccounts=n, latency=0) as sb, tempfile.TemporaryDirectory() as tmp:
        config = sb.tap_config(max_concurrent_requests=args.concurrency)
        print(
            f"== small pages: main + {len(sb.accounts) - 1} subaccounts ({n} fleet), "
            f"{len(SMALL_LISTS)} lists each ({', '.join(SMALL_LISTS)}), zero latency, "
            f"{args.concurrency} in flight"
        )
        for _ in range(args.repeat):
            base, _ = tap_cpu(config, [], Path(tmp))
            sb.clear_requests()
            cpu, records = tap_cpu(config, SMALL_LISTS, Path(tmp))
            requests = len(sb.requests)
            runs.append((cpu - base, requests))
            print(
                f"requests {requests:>6,}   records {records:>6,}   tap CPU {cpu:5.2f} s "
                f"(start-up {base:.2f} s excluded)   {1000 * (cpu - base) / requests:.3f} "
                "ms/request"
            )
    cpu, requests = statistics.median_low(runs)
    print(f"tap CPU ms/request, median of {len(runs)}: {1000 * cpu / requests:.3f}")
    return n, cpu, requests


def per_record(args: argparse.Namespace) -> float:
    """Median tap CPU per record (µs) on the main account's messages; prints each run."""
    figures = []
    with Sandbox(seed=0, scale=args.scale, latency=0) as sb, tempfile.TemporaryDirectory() as tmp:
        config = sb.tap_config(max_concurrent_requests=args.concurrency)
        print(f"== a big list: messages alone, sandbox scale {args.scale:g}, zero latency")
        for _ in range(args.repeat):
            base, _ = tap_cpu(config, [], Path(tmp))
            sb.clear_requests()
            cpu, records = tap_cpu(config, ["messages"], Path(tmp))
            us = 1e6 * (cpu - base) / records
            figures.append(us)
            print(
                f"records {records:>8,}   requests {len(sb.requests):>5,}   tap CPU {cpu:5.2f} s "
                f"(start-up {base:.2f} s excluded)   {us:.1f} µs/record"
            )
    median = statistics.median(figures)
    print(f"tap CPU µs/record, median of {len(figures)}: {median:.1f}")
    return median


def requests_mode(args: argparse.Namespace) -> None:
    """Both figures."""
    per_request(args)
    per_record(args)
