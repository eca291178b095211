"""tap-twilio in N shards, as N parallel Dagster assets that each run one Meltano job.

Shard i runs ``meltano run tap-twilio--shard-i <LOADER>`` in this directory's Meltano
project, where the extractor ``tap-twilio--shard-i`` inherits from ``tap-twilio`` with
``account_shard: i/N``. The shards do not depend on each other: the job runs them all at
once (the multiprocess executor, up to N processes), and a schedule starts it every hour
unless the previous run is still going.

Load it with ``dagster dev -f definitions.py``. ``MELTANO_BIN`` names the ``meltano``
executable (default: ``meltano`` on PATH), ``MELTANO_PROJECT_ROOT`` the Meltano project
(default: this directory).
"""

import os
import subprocess
from collections import deque
from pathlib import Path

import dagster as dg
import yaml

SHARDS = 4  # N: change it together with the tap-twilio--shard-i extractors in meltano.yml
LOADER = "target-jsonl"  # or target-postgres (copy its definition from the repo's meltano.yml)
CRON = "0 * * * *"  # every hour
GROUP = "twilio"
JOB = "twilio_shards"
PROJECT_DIR = Path(__file__).resolve().parent


def extractor(i: int) -> str:
    """The Meltano extractor of shard i (1-based)."""
    return f"tap-twilio--shard-{i}"


def shard_command(i: int) -> list[str]:
    """The command shard i runs, in the Meltano project's directory."""
    meltano = os.environ.get("MELTANO_BIN", "meltano")
    return [meltano, "run", extractor(i), LOADER]


def shard_env(i: int) -> dict[str, str]:
    """Environment of shard i's run: this process's, each shard writing files of its own."""
    env = dict(os.environ)
    if LOADER == "target-jsonl":  # parallel appends to one file would interleave
        env["TARGET_JSONL_DESTINATION_PATH"] = f"output/shard-{i}"
    return env


def project_dir() -> Path:
    """The Meltano project the shards run in."""
    return Path(os.environ.get("MELTANO_PROJECT_ROOT", PROJECT_DIR))


def check_meltano_yml(path: Path) -> None:
    """Fail at load time when meltano.yml's shard extractors do not match SHARDS."""
    project = yaml.safe_load(path.read_text())
    found = {
        p["name"]: (p.get("config") or {}).get("account_shard")
        for p in project["plugins"]["extractors"]
        if p["name"].startswith("tap-twilio--shard-")
    }
    want = {extractor(i): f"{i}/{SHARDS}" for i in range(1, SHARDS + 1)}
    if found != want:
        raise ValueError(
            f"{path} declares the shards {found}, but SHARDS = {SHARDS} needs {want}: "
            "declare tap-twilio--shard-1 … tap-twilio--shard-N with account_shard i/N"
        )


def shard_asset(i: int) -> dg.AssetsDefinition:
    """The asset of shard i: its accounts' Twilio data, loaded by one ``meltano run``."""

    @dg.asset(
        name=f"twilio_shard_{i}",
        group_name=GROUP,
        kinds={"meltano"},
        description=f"`meltano run {extractor(i)} {LOADER}`: the Twilio accounts of shard "
        f"{i}/{SHARDS} (account_shard), with the state of its own Meltano job.",
        metadata={"extractor": extractor(i), "account_shard": f"{i}/{SHARDS}"},
        # A failed run resumes from the state the loader committed; try again a little later.
        retry_policy=dg.RetryPolicy(max_retries=2, delay=60),
    )
    def shard(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        command = shard_command(i)
        context.log.info(f"running {' '.join(command)} in {project_dir()}")
        tail: deque[str] = deque(maxlen=40)
        with subprocess.Popen(
            command,
            cwd=project_dir(),
            env=shard_env(i),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                tail.append(line.rstrip())
                context.log.info(line.rstrip())
        if proc.returncode != 0:
            raise dg.Failure(
                description=f"{' '.join(command)} exited {proc.returncode}",
                metadata={"output": dg.MetadataValue.text("\n".join(tail))},
            )
        return dg.MaterializeResult(
            metadata={"command": " ".join(command), "account_shard": f"{i}/{SHARDS}"}
        )

    return shard


check_meltano_yml(project_dir() / "meltano.yml")

shard_assets = [shard_asset(i) for i in range(1, SHARDS + 1)]

shards_job = dg.define_asset_job(
    JOB,
    selection=dg.AssetSelection.groups(GROUP),
    description=f"The {SHARDS} shards of tap-twilio, at the same time.",
    # One process per shard, whatever the number of cores: the shards wait on Twilio.
    executor_def=dg.multiprocess_executor.configured({"max_concurrent": SHARDS}),
)


@dg.schedule(job=shards_job, cron_schedule=CRON, name=f"{JOB}_hourly")
def shards_schedule(context: dg.ScheduleEvaluationContext):
    """Start the shards every hour, unless the previous run has not finished."""
    running = context.instance.get_run_records(
        dg.RunsFilter(
            job_name=JOB,
            statuses=[
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
            ],
        ),
        limit=1,
    )
    if running:
        return dg.SkipReason(f"{JOB} run {running[0].dagster_run.run_id} is still going")
    return dg.RunRequest()


defs = dg.Definitions(assets=shard_assets, jobs=[shards_job], schedules=[shards_schedule])
