"""`invoicesim fuzz`: generated scenarios are valid and reproducible, 200 seeds hold every
invariant (known engine bugs excepted, by name), a failure's replay command reproduces it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import simulation.fuzz.runner as fuzz
from simulation.fuzz.cases import generate_case
from simulation.fuzz.runner import CHECKS, FuzzJob, FuzzPlan, failure_lines, fuzz_one, run_fuzz
from simulation.scenario import ALL_FAULT_KINDS
from ui.cli.app import app

CI_SEEDS = 200
# Real invariant violations the fuzzer found in the engine: each seed stays listed until
# the engine is fixed; strict, so a fix shows up.
KNOWN_VIOLATIONS: dict[int, str] = {
    # Seeds 16, 19, 117, 132 and 152 double-paid or lost money until the orchestrator
    # waited for a void's answer before failing over (actors/orchestrator.py); they are
    # ordinary seeds now. A new real violation goes here, strict, until it is fixed.
}

runner = CliRunner()


def seed_params() -> list[Any]:
    return [
        pytest.param(
            seed,
            marks=pytest.mark.xfail(
                strict=True, reason=f"fuzz seed {seed}: {KNOWN_VIOLATIONS[seed]}"
            ),
        )
        if seed in KNOWN_VIOLATIONS
        else seed
        for seed in range(CI_SEEDS)
    ]


# ---- generation -----------------------------------------------------------------------
def test_the_same_seed_generates_the_same_scenario_and_csvs() -> None:
    for seed in (0, 7, 123_456, 2**63 - 1):
        first, again = generate_case(seed), generate_case(seed)
        assert first.yaml_text == again.yaml_text
        assert first.files == again.files
        assert first.digest() == again.digest()
    assert generate_case(1).digest() != generate_case(2).digest()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63 - 1), shards=st.sampled_from([None, 1, 2, 5]))
def test_every_seed_generates_a_scenario_the_loader_accepts(
    seed: int, shards: int | None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = generate_case(seed, shards)
    scenario = case.load(tmp_path_factory.mktemp("case"))
    assert scenario.seed == seed
    assert scenario.shards == case.shards == (shards or scenario.shards)
    assert all(phase.rate_per_s <= 50 for phase in scenario.load)
    assert all(phase.spike.rate_per_s <= 50 for phase in scenario.load if phase.spike)
    shard_targets = [f.target for f in scenario.faults if f.target.startswith("shard-")]
    assert all(int(t.removeprefix("shard-")) < scenario.shards for t in shard_targets)


def test_forcing_the_shard_count_keeps_the_rest_of_the_draws() -> None:
    drawn = yaml.safe_load(generate_case(42).yaml_text)
    forced = yaml.safe_load(generate_case(42, shards=3).yaml_text)
    assert forced["shards"] == 3
    assert forced["load"] == drawn["load"] and forced["providers"] == drawn["providers"]


def test_the_ci_seeds_cover_every_fault_kind_overlaps_crashes_and_bad_bulk_rows() -> None:
    kinds: set[str] = set()
    overlaps = bad_rows = 0
    for seed in range(CI_SEEDS):
        data = yaml.safe_load(generate_case(seed).yaml_text)
        faults = data["faults"]
        kinds |= {f["kind"] for f in faults}
        spans = [(f["start_s"], f["start_s"] + f.get("duration_s", 1e9)) for f in faults]
        overlaps += any(a[0] < b[1] and b[0] < a[1] for a in spans for b in spans if a is not b)
        bad_rows += any(b"XYZ" in csv or b"cheque" in csv for _, csv in generate_case(seed).files)
    assert kinds == set(ALL_FAULT_KINDS)
    assert overlaps >= CI_SEEDS // 4
    assert bad_rows >= 10


# ---- runs ------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_run_digest() -> None:
    job = FuzzJob(11, None, CHECKS)
    first, again = fuzz_one(job), fuzz_one(job)
    assert first.digest and first.digest == again.digest
    assert first.case_digest == again.case_digest


@pytest.mark.parametrize("seed", seed_params())
def test_a_fuzz_seed_holds_every_invariant(seed: int) -> None:
    result = fuzz_one(FuzzJob(seed, None, CHECKS))
    assert result.passed, "\n".join(failure_lines(result, None, None))


# ---- a failure and its replay ------------------------------------------------------------
def odd_invoice_count(report: dict[str, Any]) -> list[str]:
    """A deliberately impossible invariant: fails whenever a run created an odd number."""
    created = int(report["invoices"]["created"])
    return [f"impossible_even_invoices ({created} created)"] if created % 2 else []


def passing_seeds(count: int) -> list[int]:
    return [s for s in range(100, 100 + 4 * count) if s not in KNOWN_VIOLATIONS][:count]


def test_the_replay_command_of_a_failure_reproduces_it_and_its_file_replays_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fuzz, "CHECKS", (*CHECKS, odd_invoice_count))
    start = passing_seeds(1)[0]
    out = tmp_path / "fuzz"
    first = runner.invoke(app, ["fuzz", "--seeds", "6", "--start", str(start), "--out", str(out)])
    assert first.exit_code == 1, first.output
    failed = re.findall(r"seed (\d+) \(\d+ shard\(s\), digest (\w+)\)", first.output)
    assert failed, first.output
    seed, digest = failed[0]
    replay = re.search(rf"replay: invoicesim (fuzz --seeds 1 --start {seed})\n", first.output)
    assert replay is not None, first.output
    again = runner.invoke(app, [*replay.group(1).split(), "--out", str(tmp_path / "again")])
    assert again.exit_code == 1
    assert f"seed {seed} " in again.output and digest in again.output
    assert "impossible_even_invoices" in again.output
    scenario = out / f"seed-{seed}" / "scenario.yaml"
    assert f"scenario: {scenario}" in first.output
    run_out = tmp_path / "run"
    args = ["run", str(scenario), "--no-persist", "--runtime", "local", "--out", str(run_out)]
    ran = runner.invoke(app, args)
    assert ran.exit_code == 0, ran.output  # no real invariant is broken
    assert json.loads((run_out / "report.json").read_text())["digest"] == digest


def test_the_summary_counts_seeds_and_violations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fuzz, "CHECKS", (odd_invoice_count,))
    seeds = passing_seeds(4)
    summary = run_fuzz(FuzzPlan(seeds[0], 1))
    assert [r.seed for r in summary.results] == [seeds[0]]
    odd = int(summary.results[0].invoices) % 2 == 1
    assert len(summary.failures) == odd and summary.seeds_per_s > 0


# ---- the command line ---------------------------------------------------------------------
def test_a_clean_fuzz_exits_0_with_a_summary(tmp_path: Path) -> None:
    start = passing_seeds(2)
    assert start == [start[0], start[0] + 1]
    result = runner.invoke(app, ["fuzz", "--seeds", "2", "--start", str(start[0])])
    assert result.exit_code == 0, result.output
    assert "seeds run" in result.output and "violations (seeds)" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--seeds", "0"],
        ["--seeds", "100001"],
        ["--start", "-1"],
        ["--runtime", "cloud"],
        ["--shards", "0"],
        ["--shards", "65"],
        ["--seeds", "many"],
        ["--workers", "0", "--runtime", "ray"],
    ],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, ["fuzz", *args])
    assert result.exit_code == 2, result.output


def test_ray_runs_the_seeds_as_tasks_with_the_same_digests_as_local() -> None:
    seeds = passing_seeds(3)
    local = run_fuzz(FuzzPlan(seeds[0], 3))
    on_ray = run_fuzz(FuzzPlan(seeds[0], 3, runtime="ray", workers=2))
    assert [r.digest for r in on_ray.results] == [r.digest for r in local.results]
    assert [r.seed for r in on_ray.results] == [seeds[0], seeds[0] + 1, seeds[0] + 2]


# ---- the differential oracles -------------------------------------------------------------
def crash_seed() -> int:
    """A seed whose case crashes a shard (the calm twin then differs in the crash only)."""
    return next(
        s
        for s in range(1_000)
        if "actor_crash" in generate_case(s).yaml_text
        and "target: shard-" in generate_case(s).yaml_text
    )


def test_a_recovery_that_is_not_exact_is_caught_by_the_crash_equals_calm_oracle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break recovery on purpose (a revived LP is off by one event line): the crashed run
    then differs from its calm twin, and the oracle says how."""
    from simulation.runtime.local import LocalRuntime

    exact_crash = LocalRuntime.crash

    def inexact_crash(self: LocalRuntime, index: int) -> None:
        exact_crash(self, index)
        self.lps[index].log_event("revived")

    seed = crash_seed()
    assert fuzz_one(FuzzJob(seed, None, CHECKS)).passed
    monkeypatch.setattr(LocalRuntime, "crash", inexact_crash)
    broken = fuzz_one(FuzzJob(seed, None, ()))
    [found] = [v for v in broken.violations if v.startswith("crash = calm: ")]
    assert "digest: " in found, found


def test_differences_name_every_figure_that_differs_but_not_wall_time() -> None:
    first = {"digest": "a", "wall_s": 1.0, "reserves": {"fiat_minor": 5, "status": "ok"}}
    second = {"digest": "b", "wall_s": 2.0, "reserves": {"fiat_minor": 7, "status": "ok"}}
    assert fuzz.differences(first, second) == [
        "digest: 'a' != 'b'",
        "reserves.fiat_minor: 5 != 7",
    ]
    assert fuzz.differences(first, first) == []


def test_every_nth_seed_runs_on_ray_too_and_gives_the_local_digest() -> None:
    seed = passing_seeds(1)[0]
    summary = run_fuzz(FuzzPlan(seed, 2, ray_every=2))
    assert summary.failures == (), [r.violations for r in summary.failures]
    assert [r.seed for r in summary.results] == [seed, seed + 1]
