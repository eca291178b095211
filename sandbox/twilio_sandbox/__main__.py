"""CLI: ``python -m twilio_sandbox`` serves the sandbox until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from twilio_sandbox.server import TLS_CERT, Sandbox


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m twilio_sandbox",
        description="Serve a deterministic synthetic Twilio organisation over HTTP.",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8790, help="port (default 8790, 0 = any free port)")
    p.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    p.add_argument("--scale", type=float, default=1.0, help="multiplier of the big lists")
    p.add_argument(
        "--now",
        default=None,
        help="reference time of the data, ISO 8601 (default: now, truncated to the minute)",
    )
    p.add_argument(
        "--subaccounts",
        type=int,
        default=0,
        help="extra small subaccounts (a fleet; most empty) added to the organisation",
    )
    p.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS, as Twilio does, with the sandbox's own certificate (a client trusts "
        "it as its CA bundle: REQUESTS_CA_BUNDLE=<the path printed> for the tap)",
    )
    p.add_argument(
        "--undated-order",
        choices=("first", "last"),
        default="first",
        help="where messages without date_sent / calls without start_time sort (default first)",
    )
    p.add_argument(
        "--conversation-history",
        type=int,
        default=0,
        help="extra old closed conversations of the main account",
    )
    p.add_argument("--latency-ms", type=float, default=0.0, help="latency added per response")
    p.add_argument("--rate-429", type=float, default=0.0, help="share of requests answered 429")
    p.add_argument("--retry-after", type=float, default=1.0, help="Retry-After of random 429s")
    p.add_argument("--rate-5xx", type=float, default=0.0, help="share answered 500/503")
    p.add_argument("--rate-drop", type=float, default=0.0, help="share of dropped connections")
    p.add_argument("--rate-truncate", type=float, default=0.0, help="share of truncated bodies")
    p.add_argument("--max-in-flight", type=int, default=None, help="concurrency cap (429 above)")
    p.add_argument(
        "--auth",
        choices=("token", "api_key"),
        default="token",
        help="credentials written by --write-config (default token)",
    )
    p.add_argument("--write-config", metavar="PATH", help="write a ready-to-use tap config here")
    p.add_argument(
        "--request-log",
        metavar="PATH",
        help="on exit, write the request log here (JSON lines: method, path, query, status, "
        "username, fault, started, ended)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox until interrupted; returns the exit code."""
    args = _parser().parse_args(argv)
    now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else None
    sandbox = Sandbox(
        seed=args.seed,
        scale=args.scale,
        now=now,
        latency=args.latency_ms / 1000,
        subaccounts=args.subaccounts,
        undated_order=args.undated_order,
        conversation_history=args.conversation_history,
        tls=args.tls,
    )
    f = sandbox.faults
    f.rate_429, f.rate_5xx = args.rate_429, args.rate_5xx
    f.rate_drop, f.rate_truncate = args.rate_drop, args.rate_truncate
    f.retry_after = args.retry_after
    f.max_in_flight = args.max_in_flight
    try:
        sandbox.start(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    if args.write_config:
        config: dict[str, Any] = sandbox.tap_config(auth=args.auth)
        Path(args.write_config).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(
        f"Twilio sandbox listening on {sandbox.url} "
        f"(base_url {sandbox.base_url}, account {sandbox.account_sid})"
        + (f"; its certificate: {TLS_CERT}" if args.tls else ""),
        flush=True,
    )
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    while not stop.wait(0.5):
        pass
    sandbox.stop()
    if args.request_log:
        with Path(args.request_log).open("w", encoding="utf-8") as out:
            for record in sandbox.requests:
                out.write(json.dumps(dataclasses.asdict(record)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
