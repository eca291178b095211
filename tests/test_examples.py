"""The orchestrated-shards example (``examples/dagster``): N shards as parallel Dagster assets.

Dagster lives in a venv of its own (``.venv-examples``, created on first use from the
example's ``requirements.txt`` and recreated when that file changes), like Meltano in
``.venv-meltano`` (tests/test_pipeline.py). In it the tests load the definitions, check
the N shard assets, their commands, the job and the schedule, and run the job with a fake
``meltano`` that only succeeds when every shard has started: the shards run at the same
time. Meltano itself resolves each shard's ``account_shard`` from the example's
``meltano.yml``. Under ``CI`` a failed install fails the tests; elsewhere it skips them.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "dagster"
REQUIREMENTS = EXAMPLE / "requirements.txt"
VENV = ROOT / ".venv-examples"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / "requirements.sha256"


def _shards() -> int:
    """SHARDS as definitions.py sets it (read without importing Dagster)."""
    tree = ast.parse((EXAMPLE / "definitions.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "SHARDS"
        ]:
            return ast.literal_eval(node.value)
    raise AssertionError("definitions.py sets no SHARDS")


N = _shards()


def _unavailable(message: str) -> None:
    print(message, file=sys.stderr)
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run these tests, not skip them)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def dagster_python() -> Path:
    """``.venv-examples/bin/python`` with the example's requirements (installed once)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == digest:
        return PYTHON
    started = time.monotonic()
    pip = [str(PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        [*pip, "-r", str(REQUIREMENTS)],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True, check=False, cwd=ROOT)
        if proc.returncode != 0:
            _unavailable(
                f"cannot install the example's orchestrator ({' '.join(step)}): "
                f"{proc.stderr.strip()[-1500:]}"
            )
    STAMP.write_text(digest)
    print(f"installed {REQUIREMENTS} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return PYTHON


def _env(**extra: str) -> dict[str, str]:
    """This environment without Meltano, Dagster or tap settings of the caller's."""
    prefixes = ("TAP_TWILIO", "TARGET_", "MELTANO_", "DAGSTER_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **extra}


def _run(args: list[str], env: dict[str, str], timeout: float = 300, stderr: bool = False) -> str:
    """Run in the example's directory: its stdout (and stderr); fails the test on an error."""
    proc = subprocess.run(
        args, capture_output=True, text=True, env=env, cwd=EXAMPLE, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n" + (
        proc.stdout[-3000:] + proc.stderr[-3000:]
    )
    return proc.stdout + proc.stderr if stderr else proc.stdout


# What the definitions hold, as the loaded Dagster objects say (printed as JSON).
INSPECT = textwrap.dedent(
    """
    import json
    import dagster as dg
    import definitions as d

    defs = d.defs
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def(d.JOB)
    schedule = defs.resolve_schedule_def(d.JOB + "_hourly")
    with dg.instance_for_test() as instance:
        result = schedule.evaluate_tick(dg.build_schedule_context(instance=instance))
    assets = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        i = int(key.path[-1].rsplit("_", 1)[1])
        assets[key.to_user_string()] = {
            "parents": sorted(k.to_user_string() for k in node.parent_keys),
            "metadata": {k: str(v) for k, v in node.metadata.items()},
            "command": d.shard_command(i),
            "destination": d.shard_env(i).get("TARGET_JSONL_DESTINATION_PATH"),
        }
    print(json.dumps({
        "shards": d.SHARDS,
        "assets": assets,
        "job_nodes": sorted(n.name for n in job.graph.node_defs),
        "job_edges": {str(k.name): bool(v) for k, v in job.graph.dependencies.items()},
        "executor": job.executor_def.name,
        "schedule": {"cron": schedule.cron_schedule, "job": schedule.job_name},
        "tick": [type(r).__name__ for r in result.run_requests or []],
    }))
    """
)


@pytest.mark.slow  # installs Dagster (about a minute the first time)
class TestDagsterExample:
    def test_definitions_validate(self, dagster_python):
        dagster = str(dagster_python.parent / "dagster")
        out = _run([dagster, "definitions", "validate", "-f", "definitions.py"], _env())
        assert "error" not in out.lower()

    def test_one_asset_per_shard_none_depending_on_another(self, dagster_python):
        info = json.loads(
            _run([str(dagster_python), "-c", INSPECT], _env(MELTANO_BIN="meltano")).strip()
        )
        assert info["shards"] == N
        names = [f"twilio_shard_{i}" for i in range(1, N + 1)]
        assert sorted(info["assets"]) == sorted(names)
        for i, name in enumerate(names, 1):
            asset = info["assets"][name]
            assert asset["command"] == ["meltano", "run", f"tap-twilio--shard-{i}", "target-jsonl"]
            assert asset["metadata"]["account_shard"] == f"{i}/{N}"
            assert asset["metadata"]["extractor"] == f"tap-twilio--shard-{i}"
            assert asset["parents"] == []
            assert asset["destination"] == f"output/shard-{i}"
        # The job holds every shard, with no edge between them, on the multiprocess executor.
        assert info["job_nodes"] == sorted(names)
        assert info["job_edges"] == dict.fromkeys(names, False)
        assert info["executor"] == "multiprocess"
        assert info["schedule"] == {"cron": "0 * * * *", "job": "twilio_shards"}
        assert info["tick"] == ["RunRequest"]  # nothing running yet: the tick starts a run

    def test_the_job_runs_every_shard_at_once(self, dagster_python, tmp_path):
        """A fake meltano records its command and waits until all N shards have started:
        run one after another, the first would give up and fail the job."""
        record = tmp_path / "started"
        record.mkdir()
        fake = tmp_path / "meltano"
        fake.write_text(
            f"#!{dagster_python}\n"
            + textwrap.dedent(
                """
                import json, os, sys, time
                from pathlib import Path
                record = Path(os.environ["FAKE_RECORD"])
                (record / (sys.argv[2] + ".json")).write_text(json.dumps({
                    "argv": sys.argv[1:],
                    "cwd": os.getcwd(),
                    "destination": os.environ.get("TARGET_JSONL_DESTINATION_PATH"),
                }))
                deadline = time.monotonic() + 120
                while len(list(record.glob("*.json"))) < int(os.environ["FAKE_SHARDS"]):
                    if time.monotonic() > deadline:
                        sys.exit("not every shard started: the shards did not run at once")
                    time.sleep(0.1)
                print("done", sys.argv[2])
                """
            )
        )
        fake.chmod(0o755)
        (tmp_path / "home").mkdir()
        env = _env(
            DAGSTER_HOME=str(tmp_path / "home"),
            MELTANO_BIN=str(fake),
            FAKE_RECORD=str(record),
            FAKE_SHARDS=str(N),
        )
        dagster = str(dagster_python.parent / "dagster")
        out = _run(
            [dagster, "job", "execute", "-f", "definitions.py", "-j", "twilio_shards"],
            env,
            stderr=True,
        )
        assert "RUN_SUCCESS" in out
        calls = {p.stem: json.loads(p.read_text()) for p in record.glob("*.json")}
        assert sorted(calls) == sorted(f"tap-twilio--shard-{i}" for i in range(1, N + 1))
        for i in range(1, N + 1):
            call = calls[f"tap-twilio--shard-{i}"]
            assert call["argv"] == ["run", f"tap-twilio--shard-{i}", "target-jsonl"]
            assert Path(call["cwd"]) == EXAMPLE
            assert call["destination"] == f"output/shard-{i}"

    def test_loading_fails_when_meltano_yml_has_other_shards(self, dagster_python, tmp_path):
        project = yaml.safe_load((EXAMPLE / "meltano.yml").read_text())
        extractors = project["plugins"]["extractors"]
        project["plugins"]["extractors"] = extractors[:-1]  # one shard missing
        (tmp_path / "meltano.yml").write_text(yaml.safe_dump(project))
        proc = subprocess.run(
            [str(dagster_python), "-c", "import definitions"],
            capture_output=True,
            text=True,
            env=_env(MELTANO_PROJECT_ROOT=str(tmp_path)),
            cwd=EXAMPLE,
            check=False,
        )
        assert proc.returncode != 0
        assert f"SHARDS = {N}" in proc.stderr


def test_meltano_yml_declares_the_n_shards():
    """Without Dagster: meltano.yml's shard extractors are the SHARDS of definitions.py."""
    project = yaml.safe_load((EXAMPLE / "meltano.yml").read_text())
    extractors = {p["name"]: p for p in project["plugins"]["extractors"]}
    assert extractors["tap-twilio"]["namespace"] == "tap_twilio"
    shards = {name: p for name, p in extractors.items() if name != "tap-twilio"}
    assert sorted(shards) == sorted(f"tap-twilio--shard-{i}" for i in range(1, N + 1))
    for i in range(1, N + 1):
        shard = shards[f"tap-twilio--shard-{i}"]
        assert shard["inherit_from"] == "tap-twilio"
        assert shard["config"] == {"account_shard": f"{i}/{N}"}
    assert "target-jsonl" in {p["name"] for p in project["plugins"]["loaders"]}


@pytest.mark.slow  # installs Meltano into .venv-meltano on first use
def test_meltano_resolves_each_shards_config(tmp_path):
    """``meltano config print`` of each shard: its own account_shard, the parent's other
    settings, credentials from the environment; a stray TAP_TWILIO_ACCOUNT_SHARD does not
    override a shard's own."""
    from tests.test_pipeline import ensure_meltano

    meltano = str(ensure_meltano())
    env = _env(
        MELTANO_DATABASE_URI=f"sqlite:///{tmp_path / 'meltano.db'}",
        MELTANO_SYS_DIR_ROOT=str(tmp_path / ".meltano"),
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TAP_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TAP_TWILIO_ACCOUNT_SHARD=f"1/{N}",
    )
    for i in range(1, N + 1):
        out = _run([meltano, "--environment=dev", "config", "print", f"tap-twilio--shard-{i}"], env)
        config = json.loads(out[out.index("{") :])
        assert config == {
            "account_sid": "AC" + "0" * 32,
            "account_shard": f"{i}/{N}",
            "max_concurrent_requests": 8,
        }
