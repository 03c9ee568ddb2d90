"""How fast the command line starts: ``invoicesim --help``, ``version`` and ``validate`` as a
user runs them (a fresh process from the installed entry point, output discarded), each the
median of ``REPS`` runs, against its target.

``python -m bench.cli_start [REPS]`` prints the section alone (seconds).
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.runs import ROOT
from bench.stats import median, spread

REPS = 9
WARMUPS = 2  # runs first, not counted: the first reads the files into the page cache
ENTRY = Path(sys.executable).parent / "invoicesim"
# (what is run, its arguments, the target in seconds, at most)
COMMANDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("invoicesim --help", ("--help",), 0.3),
    ("invoicesim version", ("version",), 0.3),
    ("invoicesim validate scenarios/failover_cascade.yaml",
     ("validate", "scenarios/failover_cascade.yaml"), 0.8),
)  # fmt: skip


@dataclass(frozen=True)
class Start:
    command: str
    target_s: float
    wall_s: tuple[float, ...]


def time_once(args: tuple[str, ...]) -> float:
    """Seconds from starting the command to its exit; a failing command is a bench bug."""
    started = time.perf_counter()
    subprocess.run(
        [str(ENTRY), *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def measure(reps: int = REPS) -> list[Start]:
    starts = []
    for name, args, target in COMMANDS:
        for _ in range(WARMUPS):
            time_once(args)
        starts.append(Start(name, target, tuple(time_once(args) for _ in range(reps))))
        print(f"bench: {name}: median {median(starts[-1].wall_s):.3f} s", file=sys.stderr)
    return starts


def render(starts: list[Start]) -> list[str]:
    lines = [
        "## Command-line start",
        "",
        "Each command as a user runs it: a fresh process from the installed `invoicesim`",
        "entry point, output discarded, timed from start to exit (`python -m",
        f"bench.cli_start`); the median of {len(starts[0].wall_s) if starts else REPS} runs "
        f"after {WARMUPS} not counted.",
        "A command's module is imported only when it runs.",
        "",
        "| command | median | spread (min to max) | runs | target | median / target |",
        "|---|---:|---|---:|---|---:|",
    ]
    for start in starts:
        value = median(start.wall_s)
        met = "" if value <= start.target_s else " (**not met**)"
        lines.append(
            f"| `{start.command}` | {value:.2f} s | {spread(start.wall_s, '.2f')} "
            f"| {len(start.wall_s)} | ≤ {start.target_s:g} s | {value / start.target_s:.2f}{met} |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else REPS
    print("\n".join(render(measure(count))))
