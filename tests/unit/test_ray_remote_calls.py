"""Ray is called in two modules only: the runtime (actors) and the pool (tasks)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("actors", "simulation", "storage", "ui")


def modules_calling_ray_remote() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (  # ray.remote(...) called, or @ray.remote as a decorator
                    isinstance(node, ast.Attribute)
                    and node.attr == "remote"
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "ray"
                ):
                    found.add(path.relative_to(ROOT).as_posix())
    return found


def test_only_the_runtime_and_the_pool_call_ray_remote() -> None:
    assert modules_calling_ray_remote() == {
        "simulation/runtime/ray/runtime.py",
        "simulation/runtime/ray/pool.py",
    }
