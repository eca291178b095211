#!/usr/bin/env python3
"""Set up and run the test suite: ``python3 scripts/run_tests.py [--all] [pytest args]``.

Creates ``.venv`` if missing, installs the tap, the sandbox and the ``test``
dependency group, checks style with ruff and types with mypy, and runs pytest on every
core (pytest-xdist, ``-n auto``; each test module or class stays on one worker, so its
fixtures are set up once). Without ``--all`` the tests marked ``slow`` are left out
(pyproject.toml's ``-m "not slow"``); ``--all`` runs them too, as CI does. Needs only
Python 3.10+ and access to PyPI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str) -> None:
    """Run a command in the repo; stop on failure."""
    print("+", " ".join(args), flush=True)
    code = subprocess.run(args, check=False, cwd=ROOT).returncode
    if code:
        print(f"run_tests: failed (exit {code}): {' '.join(args)}", file=sys.stderr)
        sys.exit(code)


def main() -> int:
    """Install, lint, test."""
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", str(VENV))
    pip = [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    # Dependency groups (PEP 735) need pip 25.1 or later; a new venv may have an older one.
    run(*pip, "--upgrade", "pip>=25.1")
    run(
        *pip,
        "-e",
        ".",
        "-e",
        "./sandbox",  # the local Twilio the tests talk to (a package of its own)
        "--group",
        "test",
    )
    code = ("tap_twilio", "sandbox", "tests", "scripts", "examples")
    run(str(BIN / "ruff"), "check", *code)
    run(str(BIN / "ruff"), "format", "--check", *code)
    run(str(BIN / "mypy"))  # the tap package, as configured in pyproject.toml
    args = sys.argv[1:]
    pytest_args = []
    if "--all" in args:
        args.remove("--all")
        pytest_args += ["-m", ""]  # an empty marker expression selects every test
    if "no:xdist" not in args and not any(a.startswith(("-n", "--numprocesses")) for a in args):
        pytest_args += ["-n", "auto", "--dist", "loadscope"]
    result = subprocess.run(
        [str(BIN / "python"), "-m", "pytest", *pytest_args, *args], cwd=ROOT, check=False
    )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
