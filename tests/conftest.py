"""Shared fixtures: a Twilio sandbox on a free port and helpers to run the tap against it."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import typing as t
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from twilio_sandbox import Sandbox

from tap_twilio.engine.client import rfc2822_to_iso
from tap_twilio.tap import TapTwilio

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SyncResult:
    """What one tap run wrote: records per stream, schemas, states."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    schemas: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)

    @property
    def state(self) -> dict:
        """The last STATE message's value."""
        return self.states[-1] if self.states else {}

    def keys(self, stream: str, key: tuple[str, ...]) -> list[tuple]:
        """Primary-key tuples of a stream's records, in output order."""
        return [tuple(r.get(k) for k in key) for r in self.records.get(stream, [])]


def parse_singer(text: str) -> SyncResult:
    """Parse Singer messages (one JSON object per line)."""
    result = SyncResult()
    for line in text.splitlines():
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg["type"] == "RECORD":
            result.records.setdefault(msg["stream"], []).append(msg["record"])
        elif msg["type"] == "SCHEMA":
            result.schemas[msg["stream"]] = msg
        elif msg["type"] == "STATE":
            result.states.append(msg["value"])
    return result


def catalog_for(config: dict, streams: t.Iterable[str] | None) -> dict | None:
    """A catalog with only ``streams`` selected (None: everything)."""
    if streams is None:
        return None
    wanted = set(streams)
    catalog = TapTwilio(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    return catalog


def run_tap(
    config: dict,
    *,
    streams: t.Iterable[str] | None = None,
    state: dict | None = None,
    catalog: dict | None = None,
) -> SyncResult:
    """Run a full tap sync in this process and parse what it wrote (``catalog``, when
    given, instead of selecting ``streams``)."""
    # The SDK updates the state it is given in place: give it a copy, so that a test can
    # still read the state a run started from.
    state = copy.deepcopy(state) if state is not None else None
    if catalog is None:
        catalog = catalog_for(config, streams)
    tap = TapTwilio(config=config, state=state, catalog=catalog)
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with redirect_stdout(out):
        tap.sync_all()
        out.flush()
    return parse_singer(raw.getvalue().decode("utf-8"))


def run_cli(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the ``tap-twilio`` console script as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tap_twilio", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )


def write_config(tmp_path: Path, config: dict, name: str = "config.json") -> Path:
    """Write a config file for the CLI."""
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


def iso(value: str | None) -> str | None:
    """The tap's form of a Twilio timestamp."""
    return rfc2822_to_iso(value) if value else value


@contextlib.contextmanager
def install_lock(name: str) -> t.Iterator[None]:
    """Hold a machine-wide lock while a venv is installed: test workers share the venvs."""
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"tap-twilio-{name}-{digest}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def sandbox() -> t.Iterator[Sandbox]:
    """One read-only sandbox for the whole session (tests must not mutate it)."""
    with Sandbox(seed=0) as sb:
        yield sb


@pytest.fixture
def fresh_sandbox() -> t.Iterator[Sandbox]:
    """A sandbox of a test's own, free to add, update and inject faults."""
    with Sandbox(seed=1) as sb:
        yield sb


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits of the retry logic instead of sleeping."""
    import time

    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name} {record.getMessage()}")


@pytest.fixture
def tap_log() -> t.Iterator[list[str]]:
    """Log lines of the tap's loggers during a test (in-process runs)."""
    handler = _Collect()
    logger = logging.getLogger("tap-twilio")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
