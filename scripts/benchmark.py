#!/usr/bin/env python3
"""Measure tap-twilio against the sandbox: requests vs. the floor, wall time, CPU, memory.

    python scripts/benchmark.py                    # full + incremental sync, 100 ms latency
    python scripts/benchmark.py --mode cpu         # messages alone at zero latency: CPU/record
                                                   # (--scale 60: ~200k records, --repeat N)
    python scripts/benchmark.py --mode memory      # peak RSS at ~10k and ~200k message records
    python scripts/benchmark.py --mode history     # 1,000,000 messages: full, 3 incremental
    python scripts/benchmark.py --mode requests    # CPU per small-page request, per record
    python scripts/benchmark.py --mode fleet       # main + 200 and 2,000 subaccounts (#17)
    python scripts/benchmark.py --mode shards      # 2 shards at once sharing --cap in flight

The sandbox runs in this process (in cpu mode, in its own); the tap runs as ``tap-twilio``
in a child process whose stdout is a pipe read here (as a target would). Figures printed per run:

* records, requests made and the request floor: Σ over the lists the output implies of
  max(1, ⌈records ÷ page size⌉), children only where the parent says they exist;
* wall seconds and the latency floor: max(floor * latency ÷ concurrency, the longest chain
  of sequential pages * latency);
* tap CPU (user + system) per record, after the CPU a bare start-up costs; peak RSS.

Numbers, not pass/fail: tests check behaviour and request counts, this prints figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchmark_fleet  # noqa: E402 - scripts/ is sys.path[0]: --mode fleet, shards
import benchmark_history  # noqa: E402 - scripts/ is sys.path[0]: --mode history
import benchmark_requests  # noqa: E402 - --mode requests: CPU per request and per record
from twilio_sandbox import Sandbox  # noqa: E402

from tap_twilio.engine.context import run_of  # noqa: E402
from tap_twilio.tap import TapTwilio  # noqa: E402

TAP = [sys.executable, "-m", "tap_twilio"]
SANDBOX = [sys.executable, "-m", "twilio_sandbox"]
DEFAULT_STREAMS = None  # everything


def run_tap(config: dict, state: dict | None, streams: list[str] | None, workdir: Path) -> dict:
    """Run the tap in a child process; read its stdout like a target; measure it."""
    cfg = workdir / "config.json"
    cfg.write_text(json.dumps(config))
    args = [*TAP, "--config", str(cfg)]
    if state is not None:
        (workdir / "state.json").write_text(json.dumps(state))
        args += ["--state", str(workdir / "state.json")]
    if streams is not None:
        (workdir / "catalog.json").write_text(json.dumps(catalog_of(config, streams)))
        args += ["--catalog", str(workdir / "catalog.json")]
    records: dict[str, list[dict]] = defaultdict(list)
    last_state: dict = {}
    states = [0, 0]  # STATE messages, their bytes

    def read(line: bytes) -> None:
        nonlocal last_state
        msg = json.loads(line)
        if msg["type"] == "RECORD":
            records[msg["stream"]].append(msg["record"])
        elif msg["type"] == "STATE":
            last_state = msg["value"]
            states[0] += 1
            states[1] += len(line)

    run = measure(args, read)
    return {
        "records": records,
        "state": last_state,
        "state_count": states[0],
        "state_bytes": states[1],
        **run,
    }


def measure(args: list[str], on_line: t.Callable[[bytes], None]) -> dict:
    """Run a tap command, hand each stdout line to ``on_line``: wall, CPU s, peak RSS MB."""
    started = time.perf_counter()
    err = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, or by the exit
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, cwd=ROOT)
    assert proc.stdout is not None
    peak = PeakRss(proc.pid)
    for line in proc.stdout:
        on_line(line)
    peak.stop()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
        raise SystemExit(f"tap failed with status {status}: " + " / ".join(tail))
    err.close()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "sys": usage.ru_stime,
        "rss_mb": peak.kib / 1024,
        "switches": usage.ru_nvcsw,  # voluntary context switches: a thread waited
    }


class PeakRss:
    """The peak resident memory of a running process, from ``/proc/<pid>/status`` (VmHWM).

    ``ru_maxrss`` from ``wait4`` would include the memory of the forked copy of this
    process before ``exec`` (the in-process sandbox's data), so it overstates the tap's.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.is_set():
            try:
                with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.kib = max(self.kib, int(line.split()[1]))
            except (OSError, ValueError):
                return
            self._done.wait(0.02)

    def stop(self) -> None:
        """Stop polling (call once the process's output has ended)."""
        self._done.set()
        self._thread.join()


def startup_cpu(config: dict, workdir: Path) -> float:
    """CPU seconds of a tap start that syncs nothing (``--discover``)."""
    cfg = workdir / "config.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.Popen(
        [*TAP, "--config", str(cfg), "--discover"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def catalog_of(config: dict, streams: list[str]) -> dict:
    """The tap's catalog with only ``streams`` selected."""
    catalog = TapTwilio(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def request_floor(
    config: dict, sb: Sandbox, records: dict[str, list[dict]], streams: list[str] | None
) -> tuple[int, int]:
    """(floor requests, longest chain of sequential pages) implied by the output."""
    catalog = catalog_of(config, streams) if streams is not None else None
    tap = TapTwilio(config=config, validate_config=False, catalog=catalog)
    for account in sb.accounts:
        run_of(tap).remember_token(account["sid"], account["auth_token"])
    total = 0
    longest = 0
    for stream in tap.streams.values():
        size = stream.page_size
        if stream.parent_stream_type is None:
            n = len(records.get(stream.name, []))
            pages = max(1, math.ceil(n / size))
            total += pages
            longest = max(longest, pages)
            continue
        parent = tap.streams[stream.parent_stream_type.name]
        if not records.get(stream.name) and not (
            stream.selected or stream.has_selected_descendents
        ):
            continue
        # Accounts are read (one request, counted above) even when not emitted.
        parents = records.get(parent.name) or (sb.accounts if parent.name == "accounts" else [])
        if stream.name not in records and not parents:
            continue
        by_parent: Counter = Counter()
        keys: list[str] = []
        contexts = []
        for row in parents:
            for ctx in parent.generate_child_contexts(row, {"account_sid": row.get("account_sid")}):
                if ctx is None or not stream.wants(ctx):
                    continue
                contexts.append(ctx)
        if not contexts:
            continue
        keys = [
            k for k in contexts[0] if k not in {"account_created", "subaccount", "number_types"}
        ]
        for row in records.get(stream.name, []):
            by_parent[tuple(row.get(k) for k in keys)] += 1
        for ctx in contexts:
            n = by_parent[tuple(ctx.get(k) for k in keys)]
            pages = max(1, math.ceil(n / size)) if stream.list_key else 1
            total += pages + len(stream.list_contexts(ctx)) - 1  # further reads: a page each
            longest = max(longest, pages)
    return total, longest


def report(
    label: str,
    run: dict,
    requests: int,
    floor: int,
    chain: int,
    latency: float,
    concurrency: int,
    base_cpu: float,
) -> None:
    """Print one run's figures."""
    n = sum(len(v) for v in run["records"].values())
    lower = max(floor * latency / concurrency, (chain + 2) * latency)
    cpu_us = (run["cpu"] - base_cpu) / n * 1e6 if n else 0.0
    print(f"\n== {label}")
    print(f"records            {n:>12,}")
    print(f"requests made      {requests:>12,}")
    print(f"request floor      {floor:>12,}   (made/floor {requests / floor:.3f})")
    print(f"wall seconds       {run['wall']:>12.2f}")
    if latency:
        print(
            f"latency floor s    {lower:>12.2f}   (wall/floor {run['wall'] / lower:.2f}, "
            f"{concurrency} in flight, {latency * 1000:.0f} ms per response)"
        )
    print(f"records/s          {n / run['wall']:>12,.0f}")
    print(f"tap CPU µs/record  {cpu_us:>12.1f}   (start-up CPU {base_cpu:.2f} s excluded)")
    print(f"peak RSS MB        {run['rss_mb']:>12.1f}")


def pipeline(args: argparse.Namespace) -> None:
    """Full sync, then an incremental one after new and updated records."""
    latency = args.latency_ms / 1000
    with (
        Sandbox(seed=0, scale=args.scale, latency=latency) as sb,
        tempfile.TemporaryDirectory() as tmp,
    ):
        workdir = Path(tmp)
        config = sb.tap_config(max_concurrent_requests=args.concurrency)
        counts = {a["friendly_name"]: len(sb.expected("messages", a["sid"])) for a in sb.accounts}
        print(
            f"sandbox: scale {args.scale}, messages per account {counts}, "
            f"latency {args.latency_ms} ms"
        )
        base_cpu = startup_cpu(config, workdir)
        sb.clear_requests()
        full = run_tap(config, None, DEFAULT_STREAMS, workdir)
        floor, chain = request_floor(config, sb, full["records"], DEFAULT_STREAMS)
        report(
            "full sync", full, len(sb.requests), floor, chain, latency, args.concurrency, base_cpu
        )
        main = sb.accounts[0]["sid"]
        for _ in range(50):
            sb.add("messages", main)
        for _ in range(20):
            sb.add("calls", sb.accounts[1]["sid"])
        sb.clear_requests()
        incremental = run_tap(config, full["state"], DEFAULT_STREAMS, workdir)
        floor, chain = request_floor(config, sb, incremental["records"], DEFAULT_STREAMS)
        report(
            "incremental sync",
            incremental,
            len(sb.requests),
            floor,
            chain,
            latency,
            args.concurrency,
            base_cpu,
        )


def cpu(args: argparse.Namespace) -> None:
    """The messages stream alone at zero latency: tap CPU per record, writing to a pipe.

    For this figure the sandbox runs in a process of its own and the pipe is drained
    without parsing, so this process competes as little as possible for the CPUs.
    """
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cfg = workdir / "sandbox.json"
        server = subprocess.Popen(
            [*SANDBOX, "--port", "0", "--scale", str(args.scale), "--write-config", str(cfg)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 300
            while not cfg.exists() or not cfg.read_text().strip().endswith("}"):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the sandbox did not start")
                time.sleep(0.2)
            config = {**json.loads(cfg.read_text()), "max_concurrent_requests": args.concurrency}
            (workdir / "catalog.json").write_text(json.dumps(catalog_of(config, ["messages"])))
            print(f"messages only, zero latency, sandbox scale {args.scale} in its own process")
            figures = []
            for _ in range(args.repeat):
                base_cpu = startup_cpu(config, workdir)
                args_ = [*TAP, "--config", str(workdir / "config.json")]
                args_ += ["--catalog", str(workdir / "catalog.json")]
                records = 0

                def count(line: bytes) -> None:
                    nonlocal records
                    records += line.startswith(b'{"type":"RECORD"')

                run = measure(args_, count)
                tap_cpu = run["cpu"] - base_cpu
                figures.append(1e6 * tap_cpu / records)
                print(
                    f"records {records:>9,}   tap CPU {1e6 * tap_cpu / records:5.1f} µs/record "
                    f"(start-up {base_cpu:.2f} s excluded)   wall {run['wall']:5.2f} s   "
                    f"peak RSS {run['rss_mb']:5.1f} MB"
                )
            figures.sort()
            print(
                f"tap CPU µs/record over {len(figures)} runs: min {figures[0]:.1f}, "
                f"median {figures[len(figures) // 2]:.1f}, max {figures[-1]:.1f}"
            )
        finally:
            server.terminate()
            server.wait()


def memory(args: argparse.Namespace) -> None:
    """Peak RSS of a messages-only sync at two sizes."""
    for scale in (args.small_scale, args.large_scale):
        with Sandbox(seed=0, scale=scale) as sb, tempfile.TemporaryDirectory() as tmp:
            config = sb.tap_config(max_concurrent_requests=args.concurrency)
            run = run_tap(config, None, ["messages"], Path(tmp))
            n = len(run["records"]["messages"])
            print(
                f"messages {n:>8,}   peak RSS {run['rss_mb']:7.1f} MB   wall {run['wall']:6.1f} s"
            )


def fleet_streams(config: dict) -> list[str]:
    """The streams selected by default (the numbers for sale are not)."""
    tap = TapTwilio(config=config, validate_config=False)
    return [
        name
        for name, stream in tap.streams.items()
        if stream.selected and not name.startswith("available_phone_numbers_")
    ]


def account_requests(sb: Sandbox) -> Counter:
    """Requests made per account: its product lists (its own credentials) and its core
    lists (``/Accounts/<sid>/...`` with the main account's)."""
    counts: Counter = Counter()
    for r in sb.requests:
        parts = r.path.split("/Accounts/", 1)
        if len(parts) == 2 and parts[1][:2] == "AC":
            counts[parts[1][:34]] += 1
        elif r.username:
            counts[r.username] += 1
    return counts


def empty_account_floor(config: dict, streams: list[str]) -> int:
    """Lists read for a subaccount without data: one request each (its per-account lists)."""
    tap = TapTwilio(config=config, validate_config=False, catalog=catalog_of(config, streams))
    context = {"account_sid": "AC" + "0" * 32, "subaccount": True, "account_created": None}
    run_of(tap).remember_token(context["account_sid"], "x")
    return sum(
        len(stream.list_contexts(context))  # Twilio lists some statuses one read each
        for stream in tap.streams.values()
        if stream.parent_stream_type is not None
        and stream.parent_stream_type.name == "accounts"
        and (stream.selected or stream.has_selected_descendents)
        and stream.wants(context)
    )


def limit(args: argparse.Namespace) -> None:
    """Twilio's concurrency limit below the configured concurrency, against a run at it."""
    latency = args.latency_ms / 1000
    cap = args.cap
    figures = {}
    for label, configured, server_cap in (
        (f"configured {cap} (at the cap)", cap, cap),
        (f"configured {args.concurrency}, cap {cap}", args.concurrency, cap),
    ):
        with (
            Sandbox(seed=0, latency=latency, scale=args.scale, subaccounts=args.fleet) as sb,
            tempfile.TemporaryDirectory() as tmp,
        ):
            sb.faults.max_in_flight = server_cap
            config = sb.tap_config(max_concurrent_requests=configured)
            streams = fleet_streams(config)
            sb.clear_requests()
            run = run_tap(config, None, streams, Path(tmp))
            throttled = sum(1 for r in sb.requests if r.status == 429)
            records = sum(len(v) for v in run["records"].values())
            figures[label] = run["wall"]
            print(
                f"{label:<28} records {records:>7,}   requests {len(sb.requests):>6,}   "
                f"429s {throttled:>5,}   wall {run['wall']:7.2f} s"
            )
    at_cap, above = figures.values()
    print(f"ratio (above the cap ÷ at the cap): {above / at_cap:.2f}")


def main() -> int:
    """Parse arguments and run one mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mode",
        choices=["pipeline", "cpu", "memory", "fleet", "limit", "shards", "history", "requests"],
        default="pipeline",
    )
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="sandbox size (default 9: ~20,600 messages in the main account; limit mode 1)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="max_concurrent_requests (tap default 32)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs in cpu mode")
    parser.add_argument("--small-scale", type=float, default=3.0)
    parser.add_argument("--large-scale", type=float, default=60.0)
    parser.add_argument(
        "--subaccounts",
        type=int,
        action="append",
        help="fleet mode: subaccounts in the sandbox (repeatable; default 200 and 2000)",
    )
    parser.add_argument("--cap", type=int, default=4, help="limit/shards: the sandbox's cap")
    parser.add_argument("--fleet", type=int, default=20, help="limit/shards: subaccounts")
    benchmark_fleet.add_arguments(parser)
    benchmark_history.add_arguments(parser)  # --mode history: a long account (issue #15)
    benchmark_requests.add_arguments(parser)  # --mode requests: --baseline
    args = parser.parse_args()
    if args.scale is None:
        args.scale = 1.0 if args.mode == "limit" else 9.0
    modes = {"pipeline": pipeline, "cpu": cpu, "memory": memory, "limit": limit}
    modes["fleet"], modes["shards"] = benchmark_fleet.fleet, benchmark_fleet.shards
    modes["history"] = benchmark_history.history
    modes["requests"] = benchmark_requests.requests_mode
    modes[args.mode](args)
    return 0


if __name__ == "__main__":
    threading.stack_size(0)
    sys.exit(main())
