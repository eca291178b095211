"""The real pipeline: ``meltano run tap-twilio target-postgres`` into a throwaway PostgreSQL.

Meltano lives in a venv of its own (``.venv-meltano``, created on first use: Meltano's
dependencies conflict with the tap's) and installs tap-twilio (``-e .``) and
meltanolabs-target-postgres into ``.meltano/`` as declared in ``meltano.yml``. Settings come
from the environment (``TAP_TWILIO_*``, ``TARGET_POSTGRES_*``), state is kept by Meltano in
a system database of the test's own (state ID ``test:tap-twilio-to-target-postgres``).

Every table is compared with the sandbox by primary key, after a first run and after an
incremental second run that follows additions and updates. The test skips only when no
PostgreSQL can be started here, and fails instead when ``CI`` is set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
import yaml
from twilio_sandbox import Sandbox

from tap_twilio.engine.client import parse_datetime
from tests.conftest import ROOT, install_lock
from tests.expect import a_reconcile_interval_later, change_the_sandbox
from tests.pg import PostgresError, PostgresServer, unavailable
from tests.test_faults import ALL_KEYS, key_problems, truth_keys

MELTANO_VENV = ROOT / ".venv-meltano"
MELTANO_BIN = MELTANO_VENV / "bin" / "meltano"
MELTANO_REQUIREMENT = "meltano>=4.4,<5"
ENVIRONMENT = "test"
STATE_ID = f"{ENVIRONMENT}:tap-twilio-to-target-postgres"
SCHEMA = "tap_twilio"  # target-postgres' default_target_schema: the extractor's namespace
STREAMS = sorted(ALL_KEYS)
_ISO = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


# ---------------------------------------------------------------------------- fixtures


def _no_postgres(reason: str) -> t.NoReturn:
    message = f"no PostgreSQL for the pipeline tests: {reason}"
    print(message, file=sys.stderr)
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run these tests, not skip them)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def pg() -> t.Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for this module."""
    reason = unavailable()
    if reason:
        _no_postgres(reason)
    server = PostgresServer()
    try:
        server.start()
        server.wait_ready()
    except PostgresError as exc:
        server.stop()
        _no_postgres(str(exc))
    try:
        yield server
    finally:
        server.stop()


def _clean_env() -> dict[str, str]:
    """This process's environment without settings that would leak into Meltano's."""
    prefixes = ("TAP_TWILIO", "TARGET_POSTGRES", "TARGET_JSONL", "MELTANO_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def ensure_meltano() -> Path:
    """``.venv-meltano/bin/meltano``, creating the venv on first use (one worker at a time)."""
    with install_lock("venv-meltano"):
        return _ensure_meltano()


def _ensure_meltano() -> Path:
    if MELTANO_BIN.exists():
        return MELTANO_BIN
    started = time.monotonic()
    steps = [
        [sys.executable, "-m", "venv", str(MELTANO_VENV)],
        [
            str(MELTANO_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            MELTANO_REQUIREMENT,
        ],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True, check=False, cwd=ROOT)
        if proc.returncode != 0:
            pytest.fail(
                f"cannot install Meltano ({' '.join(step)}): {proc.stderr.strip()[-1500:]}",
                pytrace=False,
            )
    print(f"installed {MELTANO_REQUIREMENT} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return MELTANO_BIN


class Meltano:
    """Runs ``meltano`` in the repo's project with a system database of its own."""

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.base_env = {
            **_clean_env(),
            "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "MELTANO_CLI_LOG_LEVEL": "info",
        }
        self.logs: list[Path] = []

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        """``meltano --environment=test ARGS``; its output is kept in a log file."""
        log = self.workdir / f"meltano-{len(self.logs)}.log"
        self.logs.append(log)
        proc = subprocess.run(
            [str(self.binary), f"--environment={ENVIRONMENT}", *args],
            capture_output=True,
            text=True,
            env={**self.base_env, **(env or {})},
            cwd=ROOT,
            timeout=timeout,
            check=False,
        )
        log.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
        return proc

    def check(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run and fail the test with the output's tail on a non-zero exit."""
        proc = self.run(*args, env=env)
        assert proc.returncode == 0, (
            f"meltano {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
        )
        return proc.stdout

    def state(self, env: dict[str, str]) -> dict:
        """The state Meltano stored for the pipeline."""
        out = self.check("state", "get", STATE_ID, env=env)
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def meltano(tmp_path_factory: pytest.TempPathFactory) -> Meltano:
    """Meltano with tap-twilio and target-postgres installed (timed on stderr)."""
    started = time.monotonic()
    runner = Meltano(ensure_meltano(), tmp_path_factory.mktemp("meltano"))
    runner.check("install", "extractor", "tap-twilio")
    runner.check("install", "loader", "target-postgres")
    print(f"meltano + plugins ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return runner


# ---------------------------------------------------------------------------- helpers


def norm(value: t.Any) -> t.Any:
    """One form for a key value from PostgreSQL or from Twilio JSON (timestamps as UTC ISO)."""
    if isinstance(value, str) and _ISO.match(value):
        try:
            return parse_datetime(value.replace(" ", "T", 1)).isoformat()
        except ValueError:
            return value
    return value


def pipeline_env(sb: Sandbox, pg: PostgresServer, database: str) -> dict[str, str]:
    """Tap and target settings as environment variables, as a deployment would set them."""
    return {
        "TAP_TWILIO_ACCOUNT_SID": sb.account_sid,
        "TAP_TWILIO_AUTH_TOKEN": sb.auth_token,
        "TAP_TWILIO_BASE_URL": sb.base_url,
        "TAP_TWILIO__SELECT": json.dumps([f"{s}.*" for s in STREAMS]),
        **pg.env(database),
    }


def table_keys(pg: PostgresServer, database: str, stream: str) -> list[tuple]:
    """Primary-key tuples of a table's rows (all rows, duplicates kept)."""
    key = ALL_KEYS[stream]
    columns = ", ".join(f'"{k}"' for k in key)
    rows = pg.query_json(f'SELECT {columns} FROM "{SCHEMA}"."{stream}"', database)
    return [tuple(norm(r[k]) for k in key) for r in rows]


def rows_by_sid(pg: PostgresServer, database: str, stream: str, sids: t.Iterable[str]) -> dict:
    """Rows of a table by sid."""
    wanted = ", ".join(f"'{s}'" for s in sids)
    rows = pg.query_json(f'SELECT * FROM "{SCHEMA}"."{stream}" WHERE sid IN ({wanted})', database)
    return {r["sid"]: r for r in rows}


def assert_warehouse_equals_sandbox(pg: PostgresServer, database: str, sb: Sandbox) -> None:
    """Every table holds exactly the sandbox's rows, once each."""
    tables = set(pg.tables(SCHEMA, database))
    missing = sorted(set(STREAMS) - tables)
    assert missing == [], f"tables not created: {missing}"
    problems = []
    for stream in STREAMS:
        got = table_keys(pg, database, stream)
        want = {tuple(norm(v) for v in k) for k in truth_keys(sb, stream)}
        problems += key_problems(stream, got, want)
    assert problems == []


def conference_windows(sb: Sandbox) -> set[str | None]:
    """DateUpdated> values the tap sent for conferences since the log was cleared.

    (Messages and calls have windows of their own; conferences are read only through it.)
    """
    return {
        r.query.get("DateUpdated>", [None])[0]
        for r in sb.requests
        if r.path.endswith("/Conferences.json") and "PageToken" not in r.query
    }


# ---------------------------------------------------------------------------- tests


@pytest.mark.slow  # installs Meltano and its plugins, starts PostgreSQL
def test_meltano_run_into_postgres_then_incremental(pg, meltano):
    """Full load equals the sandbox; after adds and updates, the second run (using the
    stored state) leaves every table equal to the new truth: no duplicates, nothing lost."""
    database = "warehouse"
    pg.create_database(database)
    with Sandbox(seed=11) as sb:
        env = pipeline_env(sb, pg, database)
        started = time.monotonic()
        meltano.check("run", "tap-twilio", "target-postgres", env=env)
        first_secs = time.monotonic() - started
        assert_warehouse_equals_sandbox(pg, database, sb)

        state = meltano.state(env)
        parts = state["singer_state"]["bookmarks"]["messages"]["partitions"]
        active = {a["sid"] for a in sb.active_accounts}
        assert {p["context"]["account_sid"] for p in parts} == active
        conference_parts = state["singer_state"]["bookmarks"]["conferences"]["partitions"]

        # New and changed data, as Twilio would have an hour later.
        c = change_the_sandbox(sb, "pipeline")

        sb.clear_requests()
        started = time.monotonic()
        meltano.check("run", "tap-twilio", "target-postgres", env=env)
        second_secs = time.monotonic() - started
        print(f"meltano run: first {first_secs:.1f} s, second {second_secs:.1f} s", file=sys.stderr)

        # The stored state was used: each account's conferences window starts one lookback
        # day before its bookmark, not at the beginning of time.
        windows = conference_windows(sb)
        assert None not in windows, "a conferences list was read without the stored bookmark"
        want = {
            parse_datetime(p["replication_key_value"]) - dt.timedelta(days=1)
            for p in conference_parts
            if p.get("replication_key_value")
        }
        assert {parse_datetime(w) for w in windows} == want

        assert_warehouse_equals_sandbox(pg, database, sb)
        new, recent = c.new_message["sid"], c.recent_message["sid"]
        messages = rows_by_sid(pg, database, "messages", [new, recent, c.new_message_b["sid"]])
        assert messages[new]["body"] == "pipeline: a new message"
        assert c.new_message_b["sid"] in messages
        assert messages[recent]["status"] == "delivered"
        assert float(messages[recent]["price"]) == pytest.approx(-0.042)
        assert rows_by_sid(pg, database, "message_media", [c.new_media["sid"]])
        call_sids = [c.new_call["sid"], c.recent_call["sid"]]
        calls = rows_by_sid(pg, database, "calls", call_sids)
        assert set(calls) == set(call_sids)
        assert calls[c.recent_call["sid"]]["status"] == "completed"
        assert str(calls[c.recent_call["sid"]]["duration"]) == "61"
        conversations = rows_by_sid(
            pg, database, "conversations", [c.new_conversation["sid"], c.renamed]
        )
        assert conversations[c.new_conversation["sid"]]["friendly_name"] == (
            "pipeline: new conversation"
        )
        assert rows_by_sid(pg, database, "taskrouter_events", [c.new_event["sid"]])
        # A closed conversation renamed later arrives with the next reconciliation: the run a
        # reconcile_interval later (docs/incremental.md), whose state Meltano holds aged.
        aged = a_reconcile_interval_later(meltano.state(env)["singer_state"])
        meltano.check(
            "state", "set", "--force", STATE_ID, json.dumps({"singer_state": aged}), env=env
        )
        meltano.check("run", "tap-twilio", "target-postgres", env=env)
        assert_warehouse_equals_sandbox(pg, database, sb)
        conversations = rows_by_sid(pg, database, "conversations", [c.renamed])
        assert conversations[c.renamed]["friendly_name"] == "pipeline: renamed"


def _count(pg: PostgresServer, database: str, table: str) -> int:
    """Rows in a table (0 while it does not exist)."""
    if table not in pg.tables(SCHEMA, database):
        return 0
    return int(pg.psql(f'SELECT count(*) FROM "{SCHEMA}"."{table}"', database).strip())


def _tap_pid(meltano_pid: int) -> int | None:
    """PID of the tap-twilio process Meltano started (a descendant of meltano_pid)."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        commands[int(entry.name)] = cmdline
    todo = [meltano_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            if "tap-twilio" in commands.get(child, "") and "target" not in commands[child]:
                return child
            todo.append(child)
    return None


@pytest.mark.slow
def test_meltano_run_killed_tap_resumes_to_the_truth(pg, meltano):
    """kill -9 the tap in the middle of a ``meltano run``; the next run, from the state
    Meltano kept, leaves the warehouse equal to the sandbox."""
    database = "warehouse_killed"
    pg.create_database(database)
    with Sandbox(seed=12, latency=0.002) as sb:
        # The tap is still running when the target has committed messages, however fast the
        # machine: the TaskRouter workspaces (read after every account's messages are
        # written) answer only after 60 s, and the tap is killed while it waits.
        sb.inject("/Workspaces", "delay", times=1, seconds=60)
        env = {
            **pipeline_env(sb, pg, database),
            "TARGET_POSTGRES_BATCH_SIZE_ROWS": "500",
            # A STATE at every point where the SDK would write one, not at most once a
            # second: the target has committed one before the kill however fast the run.
            "TAP_TWILIO_STATE_INTERVAL": "0",
        }
        log = meltano.workdir / "killed-run.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [
                    str(meltano.binary),
                    f"--environment={ENVIRONMENT}",
                    "run",
                    "tap-twilio",
                    "target-postgres",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**meltano.base_env, **env},
                cwd=ROOT,
            )
            killed = False
            deadline = time.monotonic() + 300
            while proc.poll() is None and time.monotonic() < deadline:
                # Kill once the target has committed messages (small batches: it has
                # acknowledged STATEs by then) and the tap is still running.
                pid = _tap_pid(proc.pid)
                if pid and _count(pg, database, "messages") > 0:
                    os.kill(pid, signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.05)
            code = proc.wait(timeout=300)
        assert killed, "the tap finished before it could be killed"
        assert code != 0, "meltano must report the killed run as failed"
        loaded = _count(pg, database, "messages")
        # Meltano kept the state the target committed before the tap died.
        partial = meltano.state(env)
        assert partial.get("singer_state", {}).get("bookmarks"), partial
        print(f"tap killed with {loaded} messages loaded; resuming", file=sys.stderr)
        meltano.check("run", "tap-twilio", "target-postgres", env=env)
        assert_warehouse_equals_sandbox(pg, database, sb)


# ---------------------------------------------------------------------------- Meltano project


def _about() -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "tap_twilio", "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(proc.stdout)


def test_meltano_yml_declares_the_pipeline():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    envs = {e["name"] for e in project["environments"]}
    assert ENVIRONMENT in envs
    (tap,) = project["plugins"]["extractors"]
    assert tap["name"] == "tap-twilio" and tap["pip_url"] == "-e ."
    for capability in ("state", "catalog", "discover", "about", "stream-maps"):
        assert capability in tap["capabilities"]
    assert "schema-flattening" in tap["capabilities"]
    declared = {s["name"] for s in tap["settings"]}
    own = {
        name
        for name in _about()["settings"]["properties"]
        if not name.startswith(("stream_map", "faker_config", "flattening_"))
    }
    assert sorted(own - declared) == [], "settings missing from meltano.yml"
    secrets = {s["name"] for s in tap["settings"] if s.get("sensitive")}
    assert {"auth_token", "api_key_secret", "webhook_auth_token"} <= secrets
    loaders = {p["name"]: p for p in project["plugins"]["loaders"]}
    assert loaders["target-postgres"]["pip_url"].startswith("meltanolabs-target-postgres")
    assert "target-jsonl" in loaders
    postgres_settings = {s["name"] for s in loaders["target-postgres"]["settings"]}
    assert {"host", "port", "user", "password", "database"} <= postgres_settings


def test_hub_definition_is_current():
    proc = subprocess.run(
        [sys.executable, "scripts/hub_definition.py", "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hub_definition_documents_every_setting():
    hub = yaml.safe_load((ROOT / "hub" / "tap-twilio.yml").read_text())
    about = _about()
    for key in ("name", "namespace", "variant", "label", "description", "pip_url", "repo"):
        assert hub[key], key
    assert hub["name"] == "tap-twilio" and hub["namespace"] == "tap_twilio"
    assert sorted(hub["capabilities"]) == sorted(about["capabilities"])
    assert hub["keywords"] == ["meltano_sdk"]
    settings = {s["name"]: s for s in hub["settings"]}
    for name, prop in about["settings"]["properties"].items():
        nested = prop.get("properties") if "object" in prop.get("type", []) else None
        # stream_maps.__else__ is left out on purpose: Meltano would send it as null, which
        # the SDK reads as "drop every unmapped stream".
        names = [name] + [f"{name}.{sub}" for sub in nested or {} if not sub.startswith("__")]
        for setting in names:
            assert setting in settings, f"{setting} missing from the Hub definition"
            entry = settings[setting]
            assert entry.get("label") and entry.get("description"), setting
            assert entry.get("kind"), setting
        if prop.get("secret"):
            assert settings[name].get("sensitive") is True, name
    assert ["account_sid", "auth_token"] in hub["settings_group_validation"]
    assert ["account_sid", "api_key_secret", "api_key_sid"] in [
        sorted(g) for g in hub["settings_group_validation"]
    ]
