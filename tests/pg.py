"""A throwaway PostgreSQL server for the pipeline tests (Debian's ``postgresql`` binaries).

``PostgresServer`` runs ``initdb`` and ``pg_ctl`` on a data directory under a fresh temp
dir, listening on 127.0.0.1 and a free port with its unix socket in that temp dir, trust
auth, no fsync. As root the server runs as the ``postgres`` user (PostgreSQL refuses root).
``stop()`` shuts it down with ``pg_ctl stop -m immediate`` and removes the directory.

``unavailable()`` tells why no server can be started here (None when one can).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path


def _version(path: str) -> tuple[int, ...]:
    parts = Path(path).parent.name.split(".")
    return tuple(int(p) for p in parts if p.isdigit())


def bin_dir() -> Path | None:
    """The newest directory holding initdb, pg_ctl, postgres and psql (None: none found)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(os.path.realpath(found)).parent))
    for directory in candidates:
        if all((Path(directory) / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(directory)
    return None


def _run_as() -> list[str]:
    """Command prefix that runs the server as a non-root user when we are root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--"]
    return [shutil.which("sudo") or "sudo", "-u", "postgres", "--"]


def unavailable() -> str | None:
    """Why a throwaway PostgreSQL cannot be started here; None when it can."""
    if bin_dir() is None:
        return (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: "
            "apt-get install -y postgresql (.ci/run does this)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no 'postgres' user to run the server as"
        if not (shutil.which("runuser") or shutil.which("sudo")):
            return "running as root without runuser or sudo to start the server as 'postgres'"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresError(RuntimeError):
    """The server could not be started or a query failed."""


class PostgresServer:
    """One throwaway PostgreSQL cluster; use as a context manager."""

    user = "postgres"
    host = "127.0.0.1"

    def __init__(self) -> None:
        directory = bin_dir()
        if directory is None:
            raise PostgresError(unavailable() or "no PostgreSQL")
        self.bin = directory
        self.root = Path(tempfile.mkdtemp(prefix="tap-twilio-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = 0
        self.started = False

    # ------------------------------------------------------------------ lifecycle

    def _as_server_user(self, args: list[str], **kwargs: t.Any) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*_run_as(), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            **kwargs,
        )

    def start(self) -> PostgresServer:
        """initdb + pg_ctl start; raises PostgresError with the server's log on failure."""
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.root.chmod(0o755)
        init = self._as_server_user(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        if init.returncode != 0:
            raise PostgresError(f"initdb failed: {(init.stderr or init.stdout).strip()[-800:]}")
        last = ""
        for _ in range(5):
            self.port = free_port()
            options = (
                f"-c listen_addresses={self.host} -p {self.port} "
                f"-c unix_socket_directories={self.socket_dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=50"
            )
            proc = self._as_server_user(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            )
            if proc.returncode == 0:
                self.started = True
                return self
            last = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
            last = last or (proc.stderr or proc.stdout)
            if "Address already in use" not in last:
                break
        self.stop()
        raise PostgresError(f"pg_ctl start failed: {last.strip()}")

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and remove its directory."""
        if self.started:
            self._as_server_user(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
            )
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ client side

    @property
    def psql_path(self) -> str:
        """The psql client of the same installation (or the one on PATH)."""
        own = self.bin / "psql"
        return str(own) if own.exists() else (shutil.which("psql") or "psql")

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql over TCP; returns unaligned, tuples-only output."""
        proc = subprocess.run(
            [
                self.psql_path,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
        if proc.returncode != 0:
            raise PostgresError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout

    def query_json(self, sql: str, database: str = "postgres") -> t.Any:
        """Rows of a SELECT as a list of dicts (json_agg on the server)."""
        text = self.psql(f"SELECT coalesce(json_agg(q), '[]'::json) FROM ({sql}) AS q", database)
        return json.loads(text)

    def create_database(self, name: str) -> None:
        """CREATE DATABASE name."""
        self.psql(f'CREATE DATABASE "{name}"')

    def tables(self, schema: str, database: str = "postgres") -> list[str]:
        """Table names in a schema."""
        rows = self.query_json(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{schema}' ORDER BY table_name",
            database,
        )
        return [r["table_name"] for r in rows]

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until the server accepts connections."""
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline:
                self.psql("SELECT 1")  # raises PostgresError with psql's message
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            self.psql("SELECT 1")
        except PostgresError:
            return False
        return True

    def env(self, database: str) -> dict[str, str]:
        """TARGET_POSTGRES_* settings that point target-postgres at this server."""
        return {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": "unused-trust-auth",
            "TARGET_POSTGRES_DATABASE": database,
        }


@contextlib.contextmanager
def postgres() -> t.Iterator[PostgresServer]:
    """A started throwaway server, stopped and removed afterwards."""
    server = PostgresServer()
    try:
        server.start()
        server.wait_ready()
        yield server
    finally:
        server.stop()
