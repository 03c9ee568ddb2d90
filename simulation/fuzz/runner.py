"""Seeded fault fuzzing: run generated scenarios, check every invariant of each, and run
each again in the ways that must give the very same run (``oracle_violations``).

``run_fuzz(FuzzPlan(start, seeds))`` runs the fuzz seeds ``start .. start +
seeds - 1``. Each seed's scenario comes from ``simulation.fuzz.cases``
(the same seed, the same scenario) and runs in-process with the local runtime;
with ``runtime="ray"`` the runs are Ray tasks in parallel
(``simulation.runtime.ray.pool``). A run *violates* when a check in ``CHECKS`` finds
something: an invariant of the report that did not hold (a double pay and a lost
invoice among them), named with what was found, or the run stopping on an error.
Scenario assertions are not checked: a payment that fails because every provider is
down is an outcome.

``replay_command`` is the one command that replays a seed exactly, and
``write_case`` writes a seed's scenario and CSVs so ``invoicesim run`` replays
it too.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actors.errors import InputError
from simulation.fuzz.cases import generate_case
from simulation.report.verdict import invariant_failure
from simulation.scenario import Scenario, with_overrides

Report = dict[str, Any]
Check = Callable[[Report], list[str]]  # the violations it finds in a report, one line each

MAX_SEEDS = 100_000
MAX_SEED = 2**63 - 1  # a scenario's seed
MAX_SHARDS = 64
RUNTIMES = ("local", "ray")
DEFAULT_OUT = Path("runs") / "fuzz"


def invariant_violations(report: Report) -> list[str]:
    """Every invariant that did not hold, with what was found (``invariant nothing_lost did
    not hold: lost 2 (must be 0)``); double pays and lost invoices are invariants too."""
    return [invariant_failure(i) for i in report["invariants"] if not i["held"]]


CHECKS: tuple[Check, ...] = (invariant_violations,)


# The report figures that may differ between two runs of one case (wall time, how the
# run was carried out, and the faults it was given: crash = calm leaves out its
# actor_crash faults); every other figure, the digest included, must not.
RUN_ONLY = frozenset(
    {"wall_s", "started_at", "throughput_invoices_per_s", "recoveries", "checkpoints",
     "runtime", "placement", "run_id", "faults"}
)  # fmt: skip
MAX_DIFFERENCES = 5  # figures named per failed comparison
# Checkpoints this often in the checkpoint-independence oracle: many, so a crash replays
# from a point other than the default schedule's.
DENSE_CHECKPOINTS = 7


@dataclass(frozen=True)
class FuzzJob:
    seed: int
    shards: int | None  # None: drawn from the seed
    checks: tuple[Check, ...]
    oracles: bool = True  # run the case again in the ways that must give the same run
    on_ray: bool = False  # the runtime-parity oracle: run it on Ray too


@dataclass(frozen=True)
class FuzzResult:
    seed: int
    shards: int
    case_digest: str  # the generated scenario and CSVs
    digest: str  # the run's event-log digest; empty when the run stopped on an error
    invoices: int
    violations: tuple[str, ...]
    wall_s: float

    @property
    def passed(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class FuzzPlan:
    start: int
    seeds: int
    shards: int | None = None
    runtime: str = "local"
    workers: int | None = None
    ray_address: str | None = None
    checks: tuple[Check, ...] = field(default_factory=lambda: CHECKS)
    oracles: bool = True
    ray_every: int = 0  # runtime parity: every Nth seed also runs on Ray (0: none)

    def check(self) -> None:
        """InputError naming the first argument out of its limits."""
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise InputError(f"--seeds must be within 1..{MAX_SEEDS:,}, got {self.seeds}")
        if not 0 <= self.start <= MAX_SEED - self.seeds + 1:
            raise InputError(f"--start must be within 0..{MAX_SEED - self.seeds + 1}")
        if self.shards is not None and not 1 <= self.shards <= MAX_SHARDS:
            raise InputError(f"--shards must be within 1..{MAX_SHARDS}, got {self.shards}")
        if self.runtime not in RUNTIMES:
            raise InputError(f"unknown runtime {self.runtime!r}; use one of: {', '.join(RUNTIMES)}")
        if self.workers is not None and not 1 <= self.workers <= 256:
            raise InputError(f"--workers must be within 1..256, got {self.workers}")
        if not 0 <= self.ray_every <= MAX_SEEDS:
            raise InputError(f"--ray-every must be within 0..{MAX_SEEDS:,}, got {self.ray_every}")
        if self.ray_every and self.runtime == "ray":
            raise InputError(
                "--ray-every compares Ray with local runs: use it with --runtime local"
            )


@dataclass(frozen=True)
class FuzzSummary:
    plan: FuzzPlan
    results: tuple[FuzzResult, ...]  # in seed order
    wall_s: float

    @property
    def failures(self) -> tuple[FuzzResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    @property
    def seeds_per_s(self) -> float:
        return len(self.results) / self.wall_s if self.wall_s > 0 else 0.0


def differences(first: Report, second: Report, prefix: str = "") -> list[str]:
    """Every figure two reports of one case give differently (``RUN_ONLY`` aside), as
    ``path: first != second``."""
    found: list[str] = []
    for key in sorted(set(first) | set(second)):
        if not prefix and key in RUN_ONLY:
            continue
        a, b, path = first.get(key), second.get(key), f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, f"{path}.")
        elif a != b:
            found.append(f"{path}: {_short(a)} != {_short(b)}")
    return found


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def oracle_violations(scenario: Scenario, report: Report, on_ray: bool) -> list[str]:
    """The differential oracles: runs of the case that must equal ``report``.

    - crash = calm: a case with ``actor_crash`` faults also runs without them;
    - checkpoint independence: the case runs again with a checkpoint every
      ``DENSE_CHECKPOINTS`` windows (a crash then replays from elsewhere);
    - runtime parity (``on_ray``): the case runs on the Ray runtime too.
    """
    from simulation.engine import RunOptions, run_scenario

    others: list[tuple[str, Scenario, RunOptions]] = []
    if any(f.is_actor_crash for f in scenario.faults):
        calm = with_overrides(
            scenario,
            {"faults": [f.model_dump(mode="json", exclude_unset=True) for f in scenario.faults
                        if not f.is_actor_crash]},
        )  # fmt: skip
        others.append(("crash = calm", calm, RunOptions()))
    dense = RunOptions(checkpoint_every=DENSE_CHECKPOINTS)
    others.append((f"checkpoints every {DENSE_CHECKPOINTS} windows", scenario, dense))
    if on_ray:
        others.append(("ray = local", scenario, RunOptions(runtime="ray")))
    found = []
    for name, other, options in others:
        diff = differences(report, run_scenario(other, options))
        if diff:
            shown = diff[:MAX_DIFFERENCES] + ([f"... {len(diff) - MAX_DIFFERENCES} more"]
                                               if len(diff) > MAX_DIFFERENCES else [])  # fmt: skip
            found.append(f"{name}: " + "; ".join(shown))
    return found


def fuzz_one(job: FuzzJob) -> FuzzResult:
    """Generate the seed's scenario, run it, check it: the body of a fuzz task."""
    from simulation.engine import RunOptions, run_scenario

    case = generate_case(job.seed, job.shards)
    started = time.perf_counter()
    digest, invoices = "", 0
    with tempfile.TemporaryDirectory(prefix="invoicesim-fuzz-") as folder:
        try:
            scenario = case.load(Path(folder))
            report = run_scenario(scenario, RunOptions())
            violations: list[str] = [v for check in job.checks for v in check(report)]
            if job.oracles:
                violations += oracle_violations(scenario, report, job.on_ray)
        except Exception as error:  # a run that stops on any error is a finding, not a crash
            violations = [f"the run stopped: {type(error).__name__}: {error}"]
        else:
            digest, invoices = str(report["digest"]), int(report["invoices"]["created"])
    return FuzzResult(
        seed=job.seed,
        shards=case.shards,
        case_digest=case.digest(),
        digest=digest,
        invoices=invoices,
        violations=tuple(violations),
        wall_s=round(time.perf_counter() - started, 3),
    )


def run_fuzz(plan: FuzzPlan, on_result: Callable[[FuzzResult], None] | None = None) -> FuzzSummary:
    """Run every seed of the plan; ``on_result`` is called as each one ends (for progress)."""
    plan.check()
    every = plan.ray_every
    jobs = [
        FuzzJob(s, plan.shards, plan.checks, plan.oracles, bool(every) and s % every == 0)
        for s in range(plan.start, plan.start + plan.seeds)
    ]
    started = time.perf_counter()
    results: list[FuzzResult]
    if plan.runtime == "ray":
        from simulation.runtime.ray.pool import map_on_ray

        results = map_on_ray(fuzz_one, jobs, plan.workers, plan.ray_address, on_result)
    else:
        results = []
        for job in jobs:
            results.append(fuzz_one(job))
            if on_result is not None:
                on_result(results[-1])
    results.sort(key=lambda r: r.seed)
    return FuzzSummary(plan, tuple(results), round(time.perf_counter() - started, 3))


def replay_command(seed: int, shards: int | None = None) -> str:
    """The one command that runs this seed again, exactly."""
    forced = f" --shards {shards}" if shards is not None else ""
    return f"invoicesim fuzz --seeds 1 --start {seed}{forced}"


def write_case(seed: int, shards: int | None, out: Path) -> Path:
    """Write the seed's scenario and bulk CSVs to ``out/seed-<seed>/``; the YAML's path."""
    return generate_case(seed, shards).write(out / f"seed-{seed}")


def failure_lines(result: FuzzResult, shards: int | None, yaml_path: Path | None) -> list[str]:
    """What to print for a failing seed: the violations and how to replay it."""
    lines = [f"seed {result.seed} ({result.shards} shard(s), digest {result.digest or '-'}):"]
    lines += [f"  violated: {v}" for v in result.violations]
    lines.append(f"  replay: {replay_command(result.seed, shards)}")
    if yaml_path is not None:
        run = f"invoicesim run {yaml_path} --runtime local --no-persist"
        lines.append(f"  scenario: {yaml_path} ({run})")
    return lines
