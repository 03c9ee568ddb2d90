"""Engine throughput across its options: local vs Ray, 1 vs 2 shards, with and without
persistence, each on the same first ``SLICE_S`` of ``throughput_1000``.

One fresh process per cell (``bench.child``), one after another; a persisted cell
records into a private embedded PostgreSQL in a temporary folder, a Ray cell starts
a private local Ray before its clock starts. Every cell is compared with the local,
1-shard, unpersisted cell of the same slice: persistence's and Ray's cost as ratios
taken minutes apart on the same machine.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import ray_parts

SLICE_S = 60.0
QUICK_SLICE_S = 10.0
CELLS = (  # runtime, shards, persisted
    ("local", 1, False),
    ("local", 2, False),
    ("local", 1, True),
    ("local", 2, True),
    ("ray", 1, True),
    ("ray", 2, True),
    ("ray", 2, False),
)

Measure = Callable[[Path, float | None, list[str] | None, dict[str, str] | None], Any]


def measure(run: Measure, scenario: Path, quick: bool) -> list[tuple[str, int, bool, Any]]:
    slice_s = QUICK_SLICE_S if quick else SLICE_S
    cells = []
    for runtime, shards, persisted in CELLS:
        extra = ["--runtime", runtime, "--shards", str(shards)]
        env = folder = None
        if persisted:
            extra.append("--persist")
            env, folder = ray_parts.private_database()
        try:
            result = run(scenario, slice_s, extra, env)
        finally:
            if folder is not None:
                ray_parts.drop_database(folder)
        print(
            f"bench: matrix {runtime}, {shards} shard(s), "
            f"{'persisted' if persisted else 'not persisted'}: "
            f"{result.invoices_per_s:,.0f} invoices/s",
            file=sys.stderr,
        )
        cells.append((runtime, shards, persisted, result))
    return cells


def render(cells: list[tuple[str, int, bool, Any]]) -> list[str]:
    if not cells:
        return []
    base = cells[0][3]
    lines = [
        "## Engine throughput by runtime, shards and persistence",
        "",
        f"The first {base.simulated_s:g} s of `{base.scenario}` (1,000 invoices/s), one run "
        "per cell, one cell at a time. Ratio: invoices/s over the local, 1-shard, unpersisted "
        "cell. The targets: local with persistence ≥ 20,000 invoices/s; Ray with 2 "
        "shards and persistence ≥ 15,000 invoices/s.",
        "",
        "| runtime | shards | persistence | invoices/s | wall s | CPU s (driver) | ratio "
        "| digest |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for runtime, shards, persisted, r in cells:
        lines.append(
            f"| {runtime} | {shards} | {'on' if persisted else 'off'} "
            f"| {r.invoices_per_s:,.0f} | {r.wall_s:.1f} | {r.cpu_s:.1f} "
            f"| {r.invoices_per_s / base.invoices_per_s:.2f} | `{r.digest[:16]}` |"
        )
    same = all(
        len({r.digest for _, s, _, r in cells if s == shards}) == 1
        for shards in {s for _, s, _, _ in cells}
    )
    lines += [
        "",
        "Cells with the same shard count have the same digest (runtime and persistence do",
        f"not change what is simulated): {'yes' if same else 'NO'}.",
        "",
    ]
    return lines
