"""Print the digests of the scenarios ``tests/engine/digests.py`` pins, as they are now.

``python -m tools.digests`` runs every shipped and benchmark scenario (local runtime,
virtual clock, 1 and 2 shards, the benchmark ones cut as the test cuts them) and
prints the two tables in the file's form. For a change that means to alter what
runs do: compare, paste, and say why in the commit (the file's docstring too).
"""

from __future__ import annotations

import sys
from pathlib import Path

from simulation.engine import RunOptions, run_scenario
from simulation.scenario import load_scenario, with_overrides
from tests.engine.digests import BENCH, BENCH_CUT_S, SHIPPED

ROOT = Path(__file__).resolve().parent.parent


def _digest(path: Path, shards: int, cut: bool) -> str:
    scenario = with_overrides(load_scenario(path), {"clock.mode": "virtual"})
    if cut and scenario.duration_s > BENCH_CUT_S * 4:
        scenario = with_overrides(
            scenario, {"duration_s": BENCH_CUT_S, "load.0.duration_s": BENCH_CUT_S}
        )
    return str(run_scenario(scenario, RunOptions(shards=shards))["digest"])


def main() -> int:
    changed = 0
    for title, folder, pinned, cut in (
        ("SHIPPED", ROOT / "scenarios", SHIPPED, False),
        ("BENCH", ROOT / "bench" / "scenarios", BENCH, True),
    ):
        print(f"{title} = {{")
        for stem, shards in sorted(pinned):
            now = _digest(folder / f"{stem}.yaml", shards, cut)
            changed += now != pinned[stem, shards]
            mark = "" if now == pinned[stem, shards] else "  # changed"
            print(f'    ("{stem}", {shards}): "{now}",{mark}')
        print("}")
    print(f"{changed} digest(s) changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
