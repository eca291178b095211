"""The repository is publishable: no placeholders, one repository URL.

The URL is written once, as ``[project.urls] Repository`` in pyproject.toml;
``scripts/hub_definition.py`` reads it for hub/tap-twilio.yml, and the README and meltano.yml
are checked against it here.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What a user or the Hub reads: every tracked text file here must be free of placeholders.
PUBLISHED = ["README.md", "pyproject.toml", "meltano.yml", "hub", "docs"]
#: Files whose GitHub URLs of this tap must be the repository URL.
LINKING = ["README.md", "hub/tap-twilio.yml", "meltano.yml"]

GITHUB_TAP_URL = re.compile(r"(?:git\+)?https?://github\.com/[^\s)\"'`>]*tap-twilio[^\s)\"'`>]*")


def _hub_definition():
    spec = importlib.util.spec_from_file_location(
        "hub_definition", ROOT / "scripts" / "hub_definition.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _repository() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    urls = _hub_definition().project_urls(text)
    assert "Repository" in urls, "pyproject.toml has no [project.urls] Repository"
    return urls["Repository"]


def _tracked(paths: list[str]) -> list[Path]:
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--", *paths],
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        files = [ROOT / name for name in proc.stdout.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an sdist)
        files = []
        for name in paths:
            path = ROOT / name
            files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return [path for path in files if path.exists()]


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None  # binary: not read by people


def test_repository_url_is_one_setting_in_pyproject():
    repo = _repository()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo), repo
    urls = _hub_definition().project_urls((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert urls.get("Homepage") == repo


def test_no_placeholder_left():
    found = []
    for path in _tracked(PUBLISHED):
        text = _text(path)
        for number, line in enumerate((text or "").splitlines(), 1):
            if "<org>" in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


@pytest.mark.parametrize("name", LINKING)
def test_github_urls_are_the_repository(name):
    repo = _repository()
    text = (ROOT / name).read_text(encoding="utf-8")
    wrong = [
        url
        for url in GITHUB_TAP_URL.findall(text)
        if url.removeprefix("git+").rstrip(".,;:") not in (repo, f"{repo}.git")
        and not url.removeprefix("git+").startswith(f"{repo}/")
    ]
    assert wrong == [], f"{name} names another repository than pyproject.toml's {repo}"


def test_hub_definition_names_the_repository():
    import yaml

    hub = yaml.safe_load((ROOT / "hub" / "tap-twilio.yml").read_text(encoding="utf-8"))
    repo = _repository()
    assert hub["repo"] == repo
    assert hub["variant"] == repo.split("/")[3]  # the Hub names a variant after its owner
    assert hub["docs"].endswith(f"tap-twilio--{hub['variant']}")


def test_readme_links_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"git+{_repository()}.git" in readme


def test_readme_tables_are_current():
    # The settings, streams and long-tail tables are generated (scripts/readme_tables.py).
    proc = subprocess.run(
        [sys.executable, "scripts/readme_tables.py", "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_links_every_doc_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = sorted(path.name for path in (ROOT / "docs").glob("*.md"))
    assert pages, "docs/ has no pages"
    assert [page for page in pages if f"](docs/{page}" not in readme] == []
