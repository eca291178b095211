"""Shards sharing Twilio's concurrency limit, simulated with the fetcher's own 429 rule.

A discrete-event model: N shard processes, each a ``tap_twilio.engine.fetcher.Fetcher``
whose ``throttled`` and ``succeeded`` decide its level, as in a run; always more lists to
read than places; one server answering every request after ``--latency-ms`` and refusing
(429, at the same latency, taking no place) any request that arrives while ``--limit`` are
being served. A shard sends while fewer than its allowed requests are in flight; the next
request goes a moment after an answer (``--gap-ms``, exponential: the time a process takes
to read a page and send on). A refused request goes again after ``Fetcher.retry_pause`` and
once another of its shard's requests was answered, as in ``Fetcher._fetch``. Shards start
within ``--start-spread`` seconds of each other, each at its ``--concurrency``.

It prints, over many seeds, each shard's time-averaged requests being served as a share of
the fair one (limit ÷ shards), over the whole overlap and after ``--warm-up`` seconds, and
the 429s: what ``--mode shards`` of ``scripts/benchmark.py`` measures in minutes, for a rule
change in a second (docs/sharding.md). What it leaves out: CPU, threads, the SDK.

    .venv/bin/python scripts/simulate_shards.py --shards 4 --limit 100 --latency-ms 400
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tap_twilio.engine.fetcher import Fetcher


@dataclass
class Shard:
    """One shard process: its fetcher (the rule) and what is in flight."""

    fetcher: Fetcher
    in_flight: int = 0
    serving: int = 0  # of its requests, those the server counts (not refused)
    answers: int = 0
    started: bool = False
    #: Refused requests past their pause: (answers counted when refused, refusals so far).
    waiting: list[tuple[int, int]] = field(default_factory=list)
    refused: int = 0
    held: float = 0.0  # request-seconds served, after the measure starts


@dataclass
class Result:
    """Each shard's share of the fair one, and the 429s of a run."""

    shares: list[float]
    refused: int


def simulate(
    shards: int,
    limit: int,
    latency: float,
    seconds: float,
    seed: int,
    *,
    concurrency: int = 32,
    warm_up: float = 0.0,
    spread: float = 0.5,
    gap: float = 0.002,
) -> Result:
    """Run the model once; shares from ``warm_up`` s after the last start to ``seconds``."""
    rnd = random.Random(seed)
    random.seed(seed)  # Fetcher.retry_pause's jitter
    procs = []
    for _ in range(shards):
        fetcher = Fetcher(concurrency)
        fetcher._response_seconds = latency
        procs.append(Shard(fetcher))
    starts = [rnd.uniform(0, spread) for _ in procs]
    begin = max(starts) + warm_up
    events: list[tuple] = []
    seq = itertools.count()
    serving = 0
    clock = 0.0

    def at(when: float, kind: str, shard: Shard, *extra: object) -> None:
        heapq.heappush(events, (when, next(seq), kind, shard, *extra))

    def send(shard: Shard, now: float, tries: int) -> None:
        nonlocal serving
        fetcher = shard.fetcher
        shard.in_flight += 1
        sent = (shard.in_flight, shard.in_flight >= fetcher.allowed, fetcher._epoch)
        if serving >= limit:
            at(now + latency, "refused", shard, sent, tries)
        else:
            serving += 1
            shard.serving += 1
            at(now + latency * rnd.uniform(0.95, 1.05), "served", shard)

    def fill(shard: Shard, now: float) -> None:
        """Send while places are allowed: refused tries first, once an answer came."""
        while shard.started and shard.in_flight < shard.fetcher.allowed:
            ready = [
                k
                for k, (mark, _) in enumerate(shard.waiting)
                if mark < shard.answers or shard.in_flight == 0
            ]
            send(shard, now, shard.waiting.pop(ready[0])[1] if ready else 0)

    for shard, start in zip(procs, starts, strict=True):
        at(start, "start", shard)
    while events:
        now, _, kind, shard, *extra = heapq.heappop(events)
        if now > seconds:
            break
        if now > begin:
            for p in procs:
                p.held += p.serving * (now - max(clock, begin))
        clock = now
        fetcher = shard.fetcher
        local = fetcher._local
        if kind == "start":
            shard.started = True
        elif kind == "served":
            serving -= 1
            shard.serving -= 1
            at(now + rnd.expovariate(1 / gap), "answered", shard)
            continue
        elif kind == "answered":
            shard.in_flight -= 1
            shard.answers += 1
            fetcher.succeeded()
        elif kind == "refused":
            (level, full, epoch), tries = extra
            shard.in_flight -= 1
            shard.answers += 1
            shard.refused += 1
            local.level, local.full, local.epoch = level, full, epoch
            fetcher.throttled()
            pause = fetcher.retry_pause(int(tries))
            at(now + pause, "pause_over", shard, shard.answers, int(tries) + 1)
        elif kind == "pause_over":
            shard.waiting.append((int(extra[0]), int(extra[1])))
        fill(shard, now)
    span = seconds - begin
    fair = limit / shards
    return Result([p.held / span / fair for p in procs], sum(p.refused for p in procs))


def main() -> None:
    """Print the shares over ``--seeds`` runs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--warm-up", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--start-spread", type=float, default=0.5)
    parser.add_argument("--gap-ms", type=float, default=2)
    args = parser.parse_args()
    print(
        f"{args.shards} shards at {args.concurrency} against a limit of {args.limit}, "
        f"{args.latency_ms:.0f} ms a response, {args.seconds:.0f} s, {args.seeds} seeds"
    )
    for warm_up in (0.0, args.warm_up):
        runs = [
            simulate(
                args.shards,
                args.limit,
                args.latency_ms / 1000,
                args.seconds,
                seed,
                concurrency=args.concurrency,
                warm_up=warm_up,
                spread=args.start_spread,
                gap=args.gap_ms / 1000,
            )
            for seed in range(args.seeds)
        ]
        lows = sorted(min(r.shares) for r in runs)
        highs = sorted(max(r.shares) for r in runs)
        used = sum(sum(r.shares) for r in runs) / len(runs) / args.shards
        refused = sum(r.refused for r in runs) / len(runs)
        print(
            f"  from {warm_up:.0f} s: lowest share {lows[0]:.2f} (median of runs "
            f"{lows[len(lows) // 2]:.2f}), highest {highs[-1]:.2f}; limit used {used:.2f}; "
            f"{refused:.0f} answered 429 a run"
        )


if __name__ == "__main__":
    main()
