"""Engine throughput across its options: local vs Ray, 1 vs 2 shards, with and without
persistence, each on the same first ``SLICE_S`` of ``throughput_1000``.

Each cell runs ``reps`` times (``--matrix-reps``): one fresh process per run
(``bench.child``), one after another, the cells taken in turn so a noisy minute
spreads over all of them; a persisted run records into a private embedded
PostgreSQL in a new temporary folder, a Ray run starts a private local Ray before
its clock starts. A cell's figure is the median of its runs, min to max the
spread. Every cell is compared with the local, 1-shard, unpersisted cell of the
same slice: persistence's and Ray's cost as ratios taken minutes apart on the same
machine.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import ray_parts
from bench.stats import median, spread

SLICE_S = 60.0
QUICK_SLICE_S = 10.0
# runtime, shards, persisted: False, True (the runtime's default row writers: on 2 CPUs
# the driver), or "hosts" (each Ray host writes its own rows: --row-writers hosts)
CELLS: tuple[tuple[str, int, bool | str], ...] = (
    ("local", 1, False),
    ("local", 2, False),
    ("local", 1, True),
    ("local", 2, True),
    ("ray", 1, True),
    ("ray", 2, True),
    ("ray", 2, "hosts"),
    ("ray", 2, False),
)

Measure = Callable[[Path, float | None, list[str] | None, dict[str, str] | None], Any]
Cell = tuple[str, int, bool | str, list[Any]]  # runtime, shards, persisted, its runs


def measure(run: Measure, scenario: Path, quick: bool, reps: int = 1) -> list[Cell]:
    slice_s = QUICK_SLICE_S if quick else SLICE_S
    cells: list[Cell] = [(runtime, shards, persisted, []) for runtime, shards, persisted in CELLS]
    for rep in range(reps):
        for runtime, shards, persisted, runs in cells:
            runs.append(_one(run, scenario, slice_s, runtime, shards, persisted))
            print(
                f"bench: matrix {runtime}, {shards} shard(s), "
                f"{_persistence(persisted)}, run {rep + 1}/{reps}: "
                f"{runs[-1].invoices_per_s:,.0f} invoices/s",
                file=sys.stderr,
            )
    return cells


def _one(
    run: Measure,
    scenario: Path,
    slice_s: float,
    runtime: str,
    shards: int,
    persisted: bool | str,
) -> Any:
    extra = ["--runtime", runtime, "--shards", str(shards)]
    env = folder = None
    if persisted:
        extra.append("--persist")
        if persisted == "hosts":
            extra += ["--row-writers", "hosts"]
        env, folder = ray_parts.private_database()
    try:
        return run(scenario, slice_s, extra, env)
    finally:
        if folder is not None:
            ray_parts.drop_database(folder)


def render(cells: list[Cell]) -> list[str]:
    if not cells:
        return []
    base = cells[0][3][0]
    base_rate = median([r.invoices_per_s for r in cells[0][3]])
    reps = {len(runs) for _, _, _, runs in cells}
    lines = [
        "## Engine throughput by runtime, shards and persistence",
        "",
        f"The first {base.simulated_s:g} s of `{base.scenario}` (1,000 invoices/s), "
        f"{_runs(reps)} per cell (`--matrix-reps`), one run at a time. Each figure is the "
        "median of the cell's runs, the spread min to max. Ratio: median invoices/s over "
        "that of the local, 1-shard, unpersisted cell. The targets: local with persistence "
        "≥ 20,000 invoices/s; Ray with 2 shards and persistence ≥ 15,000 invoices/s.",
        "",
        "| runtime | shards | persistence | invoices/s | spread (min to max) | runs | wall s "
        "| CPU s (driver) | ratio | digest |",
        "|---|---:|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for runtime, shards, persisted, runs in cells:
        rates = [r.invoices_per_s for r in runs]
        digests = {r.digest for r in runs}
        digest = f"`{runs[0].digest[:16]}`" if len(digests) == 1 else "DIFFER between runs"
        lines.append(
            f"| {runtime} | {shards} | {_persistence(persisted)} "
            f"| {median(rates):,.0f} | {spread(rates, ',.0f')} | {len(runs)} "
            f"| {median([r.wall_s for r in runs]):.1f} | {median([r.cpu_s for r in runs]):.1f} "
            f"| {median(rates) / base_rate:.2f} | {digest} |"
        )
    same = all(
        len({r.digest for _, s, _, runs in cells if s == shards for r in runs}) == 1
        for shards in {s for _, s, _, _ in cells}
    )
    lines += [
        "",
        "Runs with the same shard count have the same digest (runtime, persistence and the",
        f"rep do not change what is simulated): {'yes' if same else 'NO'}.",
        "",
    ]
    return lines


def _persistence(persisted: bool | str) -> str:
    if not persisted:
        return "off"
    return "on, each host writes" if persisted == "hosts" else "on"


def _runs(reps: set[int]) -> str:
    count = "/".join(str(n) for n in sorted(reps))
    return "one run" if reps == {1} else f"{count} runs"
