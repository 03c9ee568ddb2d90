"""No project module imports in a circle: every import counts, at any depth, including
imports inside functions and under ``TYPE_CHECKING`` (a circle hidden there still ties
two modules into one)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGES = ("actors", "simulation", "storage", "ui", "bench", "exercise")


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for file in (ROOT / package).rglob("*.py"):
            parts = file.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = file
    return modules


def imported(name: str, file: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports; a package's ``__init__`` counts as the
    package, as when its names are imported, but not when only a submodule is."""
    found = set()
    for node in ast.walk(ast.parse(file.read_text(), str(file))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")
                keep = len(package) - node.level + (1 if file.name == "__init__.py" else 0)
                base = ".".join(package[:keep] + ([base] if base else []))
            # ``from package import module`` imports that module; a name is its module's
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_project_module_imports_in_a_circle() -> None:
    modules = module_files()
    graph = {name: imported(name, file, modules) for name, file in modules.items()}
    assert len(graph) > 150, "the walk found the project's modules"
    circles = [" <-> ".join(c) for c in cycles(graph)]
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_walk_sees_an_import_inside_a_function_and_under_type_checking(
    tmp_path: Path,
) -> None:
    a = tmp_path / "a.py"
    a.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import b\n")
    b = tmp_path / "b.py"
    b.write_text("def f():\n    from a import x\n")
    modules = {"a": a, "b": b}
    graph = {name: imported(name, file, modules) for name, file in modules.items()}
    assert cycles(graph) == [["a", "b"]]
