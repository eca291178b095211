"""Fleet figures (#17): the sandbox in its own process, the tap in another, measured alone.

``scripts/benchmark.py --mode fleet`` and ``--mode shards`` run here. The sandbox of a
fleet of 2,000 holds several GB; served in the benchmark's process it would share the tap's
cores and be counted in a forked child's peak RSS. Here it runs as ``python -m
twilio_sandbox`` and writes its request log (with when each request began and ended) on
exit, from which come the requests, the time-averaged requests in flight, the seconds the
run kept fewer than half of them in flight, and each shard's share of a shared limit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import typing as t
from collections import Counter
from pathlib import Path

from twilio_sandbox import TLS_CERT
from twilio_sandbox import fleet as shape

SANDBOX = [sys.executable, "-m", "twilio_sandbox"]
#: Seconds left out of a share after the shards start: while they find the limit, the
#: shard that started first holds more (docs/sharding.md).
WARM_UP = 10.0


class Served:
    """``python -m twilio_sandbox`` in a process of its own, its config and request log."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self.workdir = workdir
        self.config_path = workdir / "sandbox.json"
        self.log_path = workdir / "requests.jsonl"
        self.proc = subprocess.Popen(
            [
                *SANDBOX,
                "--port",
                "0",
                "--write-config",
                str(self.config_path),
                "--request-log",
                str(self.log_path),
                *args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 1800
        path = self.config_path
        while not path.exists() or not path.read_text().strip().endswith("}"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.2)
        self.config: dict[str, t.Any] = json.loads(path.read_text())

    def stop(self) -> list[dict]:
        """Stop the sandbox; its request log (one dict per request, in the order logged)."""
        self.proc.terminate()
        self.proc.wait()
        with self.log_path.open(encoding="utf-8") as log:
            return [json.loads(line) for line in log]


def account_of(request: dict) -> str | None:
    """The account a request reads: the SID after ``/Accounts/``, else its credentials'."""
    parts = request["path"].split("/Accounts/", 1)
    if len(parts) == 2 and parts[1][:2] == "AC":
        return parts[1][:34]
    return request.get("username")


def in_flight(log: list[dict], start: float, end: float, step: float = 1.0) -> list[float]:
    """Time-averaged requests in flight in each ``step`` seconds from ``start`` to ``end``."""
    buckets = [0.0] * max(1, math.ceil((end - start) / step))
    for r in log:
        a, b = max(r["started"], start), min(r["ended"], end)
        while a < b:
            i = min(len(buckets) - 1, int((a - start) / step))
            edge = min(b, start + (i + 1) * step)
            buckets[i] += (edge - a) / step
            a = edge
    return buckets


def longest_chain(log: list[dict]) -> int:
    """The most pages read of one list (same path and query, paging parameters aside)."""
    paging = {"Page", "PageToken", "PageNumber", "PageSize"}
    counts: Counter = Counter()
    for r in log:
        if r["status"] == 200:
            query = tuple(sorted((k, tuple(v)) for k, v in r["query"].items() if k not in paging))
            counts[(r.get("username"), r["path"], query)] += 1
    return max(counts.values(), default=0)


def fleet_mix(n: int, seed: int = 0) -> str:
    """The fleet's mix, as ``twilio_sandbox.fleet`` decides it for the seed."""
    kinds = Counter(shape.kind_of(seed, f"fleet-{i:05d}") for i in range(n))
    return f"{kinds['small']} small, {kinds['larger']} larger, {kinds['empty']} empty"


def fleet(args: argparse.Namespace) -> None:
    """The main account + N fleet subaccounts at ``--latency-ms``: the figures of #17."""
    import benchmark as bench  # scripts/ is on sys.path: its tap runner and catalog

    latency = args.latency_ms / 1000
    for n in args.subaccounts or [200, 2000]:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            built = time.monotonic()
            tls = ["--tls"] if args.tls else []
            served = Served(
                workdir, "--subaccounts", str(n), "--latency-ms", str(args.latency_ms), *tls
            )
            built = time.monotonic() - built
            if args.tls:  # the tap, a child process, trusts the sandbox's certificate
                os.environ["REQUESTS_CA_BUNDLE"] = TLS_CERT
            try:
                config = {**served.config, "max_concurrent_requests": args.concurrency}
                streams = bench.fleet_streams(config)
                base_cpu = bench.startup_cpu(config, workdir)
                run = bench.run_tap(config, None, streams, workdir)
            finally:
                log = served.stop()
            requests = len(log)
            chain = longest_chain(log)
            records = sum(len(v) for v in run["records"].values())
            lower = max(requests * latency / args.concurrency, (chain + 2) * latency)
            final_state = len(json.dumps(run["state"]))
            tap_cpu = run["cpu"] - base_cpu
            first = min(r["started"] for r in log)
            last = max(r["ended"] for r in log)
            profile = in_flight(log, first, last)
            mean = sum(profile) / len(profile)
            starved = sum(1 for x in profile if x < args.concurrency / 2)
            print(
                f"\n== fleet: main + {n} fleet subaccounts ({fleet_mix(n)}) and the default "
                f"organisation's 4, {args.latency_ms:.0f} ms per response, {args.concurrency} "
                f"in flight, {'HTTPS' if args.tls else 'plain HTTP'} (sandbox in its own "
                f"process, built in {built:.0f} s)"
            )
            print(f"records            {records:>12,}")
            print(f"requests           {requests:>12,}")
            print(f"wall seconds       {run['wall']:>12.2f}")
            if latency:
                print(
                    f"latency floor s    {lower:>12.2f}   (wall/floor {run['wall'] / lower:.2f}; "
                    f"longest chain {chain} pages)"
                )
            print(
                f"in flight (mean)   {mean:>12.1f}   ({starved} of {len(profile)} s under "
                f"{args.concurrency / 2:.0f}; first request to last answer {last - first:.1f} s)"
            )
            if args.profile:
                print("in flight per second: " + " ".join(f"{x:.0f}" for x in profile))
                tail = sorted(log, key=lambda r: r["started"])[-args.profile_tail :]
                for r in tail:
                    print(f"  {r['started'] - first:7.2f} s  {r['status']}  {r['path']}")
            print(
                f"tap CPU seconds    {run['cpu']:>12.2f}   (start-up {base_cpu:.2f} s; "
                f"system {run['sys']:.2f} s)"
            )
            print(f"tap CPU ms/request {1000 * tap_cpu / requests:>12.3f}   (records included)")
            print(
                f"context switches   {run['switches']:>12,}   (voluntary: a thread of the tap "
                f"waited; {run['switches'] / requests:.1f} a request)"
            )
            print(f"peak RSS MB        {run['rss_mb']:>12.1f}")
            print(f"STATE messages     {run['state_count']:>12,}")
            print(f"STATE bytes        {run['state_bytes']:>12,}   (final STATE {final_state:,})")


def shard_of(sid: str, count: int) -> int:
    """The shard (1-based) of a subaccount: ``account_shard``'s rule (streams/core.py)."""
    digest = hashlib.sha256(sid.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def shard_shares(
    log: list[dict], shards: dict[str, set[str]], warm_up: float = 0.0
) -> dict[str, dict[str, float]]:
    """Each shard's share of a shared limit while all ran: the time-averaged number of
    its requests being served (429s aside: they take no place), and the requests served
    in that time, by the shards' accounts; from ``warm_up`` seconds after the last shard's
    first request (while the shards find the limit) to the first shard's last answer."""
    spans = {}
    for name, accounts in shards.items():
        mine = [r for r in log if account_of(r) in accounts]
        spans[name] = (min(r["started"] for r in mine), max(r["ended"] for r in mine), mine)
    start = max(s for s, _, _ in spans.values()) + warm_up
    end = min(e for _, e, _ in spans.values())
    shares = {}
    for name, (_, _, mine) in spans.items():
        held = sum(
            max(0.0, min(r["ended"], end) - max(r["started"], start))
            for r in mine
            if r["status"] != 429
        )
        served = sum(1 for r in mine if r["status"] != 429 and start <= r["ended"] <= end)
        shares[name] = {"in_flight": held / (end - start) if end > start else 0.0, "served": served}
    return shares


def shard_config(config: dict, shard: str, concurrency: int) -> dict:
    """A shard's config: ``account_shard`` and its own ``max_concurrent_requests``."""
    return {**config, "account_shard": shard, "max_concurrent_requests": concurrency}


def run_shards(
    config: dict, count: int, concurrency: int, streams: list[str], workdir: Path
) -> list[subprocess.Popen]:
    """Start ``count`` shard processes at once (stdout discarded: this measures requests)."""
    import benchmark as bench

    procs = []
    catalog = workdir / "catalog.json"
    catalog.write_text(json.dumps(bench.catalog_of(config, streams)))
    for i in range(1, count + 1):
        cfg = workdir / f"shard-{i}.json"
        cfg.write_text(json.dumps(shard_config(config, f"{i}/{count}", concurrency)))
        procs.append(
            subprocess.Popen(
                [*bench.TAP, "--config", str(cfg), "--catalog", str(catalog)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return procs


def shards(args: argparse.Namespace) -> None:
    """N shards at ``--concurrency`` each, at the same time, against a sandbox limit of
    ``--cap`` in flight: each shard's share of it (fair: cap ÷ N), and the 429s."""
    import benchmark as bench

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        served = Served(
            workdir,
            "--subaccounts",
            str(args.fleet),
            "--latency-ms",
            str(args.latency_ms),
            "--max-in-flight",
            str(args.cap),
        )
        try:
            config = served.config
            streams = bench.fleet_streams(config)
            started = time.monotonic()
            procs = run_shards(config, args.shards, args.concurrency, streams, workdir)
            codes = [p.wait() for p in procs]
            wall = time.monotonic() - started
        finally:
            log = served.stop()
        accounts = {account_of(r) for r in log} - {None}
        main = config["account_sid"]
        by_shard: dict[str, set[str]] = {}
        for sid in accounts:
            index = 1 if sid == main else shard_of(str(sid), args.shards)
            by_shard.setdefault(f"{index}/{args.shards}", set()).add(str(sid))
        fair = args.cap / args.shards
        print(
            f"{args.shards} shards x {args.concurrency} in flight against a limit of {args.cap} "
            f"(main + {args.fleet} subaccounts, {args.latency_ms:.0f} ms): exit codes {codes}, "
            f"wall {wall:.1f} s, {len(log):,} requests, "
            f"{sum(1 for r in log if r['status'] == 429):,} answered 429"
        )
        if args.profile:
            first = min(r["started"] for r in log)
            last = max(r["ended"] for r in log)
            for name, sids in sorted(by_shard.items()):
                served = [r for r in log if account_of(r) in sids and r["status"] != 429]
                profile = in_flight(served, first, last, 2.0)
                print(f"  {name} in flight per 2 s: " + " ".join(f"{x:.0f}" for x in profile))
                refused = [0] * len(profile)
                for r in log:
                    if account_of(r) in sids and r["status"] == 429:
                        refused[min(len(refused) - 1, int((r["started"] - first) / 2.0))] += 1
                print(f"  {name} 429s per 2 s:      " + " ".join(f"{x}" for x in refused))
        for warm_up in (0.0, WARM_UP):
            print(f"  while all ran, from {warm_up:.0f} s after the last shard's first request:")
            for name, share in sorted(shard_shares(log, by_shard, warm_up).items()):
                print(
                    f"    shard {name}: {share['in_flight']:5.1f} in flight on average "
                    f"({share['in_flight'] / fair:.2f} of its fair share {fair:.1f}), "
                    f"{share['served']:,} requests served"
                )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This module's options (``--shards``, ``--profile``)."""
    parser.add_argument("--shards", type=int, default=2, help="shards mode: shard processes")
    parser.add_argument(
        "--profile", action="store_true", help="fleet mode: print requests in flight per second"
    )
    parser.add_argument(
        "--profile-tail", type=int, default=40, help="fleet --profile: last requests shown"
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="fleet mode: the sandbox serves HTTPS, as Twilio does (the tap trusts its "
        "certificate through REQUESTS_CA_BUNDLE)",
    )
