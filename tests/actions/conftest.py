"""Shared by the actions tests: a sandbox, configs, and ways to run the command."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from twilio_sandbox import Sandbox

from tap_twilio.actions import main, transport

ROOT = Path(__file__).resolve().parents[2]  # the repository
TO = "+15558675310"
FROM = "+15017122661"
UNKNOWN_SID = "SM" + "0" * 32


@pytest.fixture(scope="module")
def sb() -> t.Iterator[Sandbox]:
    with Sandbox(seed=1) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def config(sb: Sandbox) -> dict:
    return sb.tap_config(auth="token", request_timeout=5, max_retries=2)


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory, config: dict) -> Path:
    path = tmp_path_factory.mktemp("actions") / "config.json"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits the actions asked for, without waiting."""
    waited: list[float] = []
    monkeypatch.setattr(transport, "_sleep", waited.append)
    return waited


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tap_twilio.actions`` as the user would."""
    return subprocess.run(
        [sys.executable, "-m", "tap_twilio.actions", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tap-twilio-actions: error: "), err
    assert "Traceback" not in err
    return lines[0]


def calls(sb: Sandbox, since: int, method: str, fragment: str, expect: int = 1) -> list:
    """Requests logged since ``since``; waits briefly for at least ``expect`` of them.

    The sandbox logs a request after answering it, so the last record can lag behind the
    client's return by a moment (on a loaded machine, by more: the wait ends as soon as the
    requests are there, so a generous deadline costs nothing).
    """
    deadline = time.monotonic() + 30.0
    while True:
        found = [r for r in sb.requests[since:] if r.method == method and fragment in r.path]
        if len(found) >= expect or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    time.sleep(0.05)  # let a late (unexpected) record show up too
    return [r for r in sb.requests[since:] if r.method == method and fragment in r.path]


def message_sids(sb: Sandbox, account_sid: str) -> set[str]:
    return {m["sid"] for m in sb.expected("messages", account_sid)}


def send_args(config_path: Path, body: str = "hello") -> list[str]:
    return [
        "--config",
        str(config_path),
        "send-sms",
        "--to",
        TO,
        "--from",
        FROM,
        "--body",
        body,
    ]
