#!/usr/bin/env python3
"""Set up and run tap-twilio end to end against the bundled Twilio sandbox.

    python3 scripts/quickstart.py

Creates ``.venv`` (the tap) and ``.venv-target`` (target-jsonl) if missing, starts the
sandbox on a free port, runs ``tap-twilio --config … | target-jsonl``, then runs it again
with the saved state (an incremental sync) and prints what landed in ``output/``.
Needs only Python 3.10+ and access to PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAP_VENV = ROOT / ".venv"
TARGET_VENV = ROOT / ".venv-target"
WORK = ROOT / "output"


def bin_of(venv: Path, name: str) -> Path:
    """Path of an executable inside a virtualenv."""
    sub = "Scripts" if os.name == "nt" else "bin"
    return venv / sub / name


def ensure_venv(venv: Path, *packages: str) -> None:
    """Create a virtualenv and install packages into it (quietly)."""
    if not bin_of(venv, "python").exists():
        print(f"creating {venv.name} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"installing {' '.join(packages)} into {venv.name} …", flush=True)
    subprocess.run(
        [
            str(bin_of(venv, "python")),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *packages,
        ],
        check=True,
        cwd=ROOT,
    )


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_pipeline(config: Path, state_in: Path | None, state_out: Path, out_dir: Path) -> None:
    """tap-twilio | target-jsonl, saving the last STATE the target emits."""
    args = [str(bin_of(TAP_VENV, "tap-twilio")), "--config", str(config)]
    if state_in is not None:
        args += ["--state", str(state_in)]
    out_dir.mkdir(parents=True, exist_ok=True)
    target_config = out_dir / "target-config.json"
    target_config.write_text(json.dumps({"destination_path": str(out_dir)}))
    with open(out_dir / "tap.log", "w") as log:
        tap = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log)
        target = subprocess.run(
            [str(bin_of(TARGET_VENV, "target-jsonl")), "--config", str(target_config)],
            stdin=tap.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        tap.stdout.close()
        tap_rc = tap.wait()
    if tap_rc != 0 or target.returncode != 0:
        sys.stderr.write((out_dir / "tap.log").read_text()[-3000:] + target.stderr[-2000:])
        raise SystemExit(f"pipeline failed (tap exit {tap_rc}, target exit {target.returncode})")
    states = [line for line in target.stdout.splitlines() if line.strip()]
    state_out.write_text(states[-1] if states else "{}")


def summarize(out_dir: Path) -> dict[str, int]:
    """Rows per stream in target-jsonl's files."""
    counts: dict[str, int] = {}
    for path in sorted(out_dir.glob("*.jsonl")):
        stream = path.name.split("-")[0]
        with open(path) as handle:
            counts[stream] = counts.get(stream, 0) + sum(1 for _ in handle)
    return counts


def main() -> int:
    """Set up, run a full and an incremental sync, print the result."""
    ensure_venv(TAP_VENV, "-e", ".", "-e", "./sandbox")
    ensure_venv(TARGET_VENV, "target-jsonl==0.1.4")
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir()
    config = WORK / "sandbox-config.json"
    port = free_port()
    sandbox = subprocess.Popen(
        [
            str(bin_of(TAP_VENV, "python")),
            "-m",
            "twilio_sandbox",
            "--port",
            str(port),
            "--write-config",
            str(config),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        print(sandbox.stdout.readline().strip(), flush=True)
        for _ in range(100):
            if config.exists():
                break
            time.sleep(0.1)
        print("\n== full sync: tap-twilio | target-jsonl", flush=True)
        run_pipeline(config, None, WORK / "state-1.json", WORK / "full")
        full = summarize(WORK / "full")
        print("\n== incremental sync with the saved state", flush=True)
        run_pipeline(config, WORK / "state-1.json", WORK / "state-2.json", WORK / "incremental")
        incremental = summarize(WORK / "incremental")
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(timeout=10)
    width = max(len(s) for s in full)
    print(f"\n{'stream':<{width}}  full  incremental")
    for stream, rows in full.items():
        print(f"{stream:<{width}}  {rows:>4}  {incremental.get(stream, 0):>11}")
    print(f"\n{sum(full.values())} records in output/full/, state in output/state-1.json")
    print("bookmarks after the second run: output/state-2.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
