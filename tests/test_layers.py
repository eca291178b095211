"""The tap's package reads top-down: its imports only point down a layer, never in a cycle.

Layers, top to bottom (docs/architecture.md):

- entry: ``cli``, ``tap``, ``inputs``, ``__main__`` — parse, dispatch, one error exit;
- declarations: ``streams/`` (core, products, curated, the long tail, custom streams);
- features beside the tap: ``actions/``, ``webhooks/`` — use the leaves, never the engine;
- engine: ``engine/`` — base streams, read plans, windows, fetcher, state, SDK fast path;
- leaves: ``api/`` — settings, auth, errors, paging, dates, retries: nothing of streams.

Every import counts: at module level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tap_twilio"
MAX_LINES = 600

#: What each layer may import (besides itself and the package's data: ``tap_twilio.schemas``).
ALLOWED = {
    "entry": {"entry", "streams", "features", "engine", "api"},
    "streams": {"streams", "engine", "api"},
    "features": {"api"},
    "engine": {"engine", "api"},
    "api": {"api"},
    "data": set(),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    sub = parts[1] if len(parts) > 1 else ""
    if sub in {"cli", "tap", "inputs", "__main__", ""}:
        return "entry"
    if sub in {"actions", "webhooks"}:
        return "features"
    if sub in {"streams", "engine", "api"}:
        return sub
    if sub == "schemas":
        return "data"
    raise AssertionError(f"{module}: in no layer; place it in entry, streams, engine or api")


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(module: str) -> set[str]:
    """The package's modules that ``module`` imports, wherever the import stands."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # "from pkg import sub" imports the submodule when there is one.
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        found.update(n for n in names if n in MODULES and n != module)
    return found


GRAPH = {module: imports(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    mine = layer(module)
    upward = sorted(
        f"{module} ({mine}) imports {target} ({layer(target)})"
        for target in GRAPH[module]
        if layer(target) not in ALLOWED[mine] | {mine, "data"}
    )
    assert not upward, "; ".join(upward)


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every import in the package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


#: Every Python module of the repository: the tap, the sandbox, tests, scripts, examples.
ALL_MODULES = sorted(
    path
    for folder in ("tap_twilio", "sandbox", "tests", "scripts", "examples")
    for path in (ROOT / folder).rglob("*.py")
    if ".venv" not in path.parts
)


@pytest.mark.parametrize("path", ALL_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_at_most_600_lines(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines (at most {MAX_LINES})"


def test_the_checker_sees_every_kind_of_import() -> None:
    """Function-level, TYPE_CHECKING and ``from package import module`` imports all count."""
    assert "tap_twilio.tap" in GRAPH["tap_twilio.cli"]  # imported inside main()
    assert "tap_twilio.engine.fetcher" in GRAPH["tap_twilio.engine.progress"]  # TYPE_CHECKING
    assert "tap_twilio.webhooks" in GRAPH["tap_twilio.cli"]  # from tap_twilio import webhooks
