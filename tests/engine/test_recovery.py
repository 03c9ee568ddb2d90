"""Checkpoints, restore and replay in the local runtime, and the actor_crash fault."""

from __future__ import annotations

from typing import Any

import pytest

from actors.errors import InputError
from simulation.processes.base import LogicalProcess
from simulation.runtime.interface import Runtime
from simulation.runtime.local import LocalRuntime
from simulation.scenario import parse_scenario
from storage.recorder import KEEP_CHECKPOINTS
from tests.engine.recovery_helpers import (
    CRASH_AT_S,
    EVERY,
    SCENARIO,
    checkpoints_per_lp,
    figures,
    run,
    scenario,
    table_contents,
)


@pytest.fixture(scope="module")
def undisturbed() -> dict[str, Any]:
    return run(scenario())


def test_every_lp_kind_snapshotted_and_restored_mid_run_ends_with_the_same_digest(
    undisturbed: dict[str, Any],
) -> None:
    held: list[LocalRuntime] = []
    kinds: set[str] = set()

    def keep(runtime: Runtime) -> None:
        assert isinstance(runtime, LocalRuntime)
        held.append(runtime)

    def swap_every_lp_for_its_copy(sim_s: float, counts: dict[str, int]) -> None:
        if held and sim_s >= CRASH_AT_S:
            runtime = held.pop()
            for i, lp in runtime.lps.items():
                copy = LogicalProcess.restore(lp.snapshot())
                assert type(copy) is type(lp) and copy is not lp
                assert copy.digest() == lp.digest() and copy.next_local() == lp.next_local()
                kinds.add(type(lp).__name__)
                kinds.update(type(m).__name__ for m in getattr(lp, "members", {}).values())
                runtime.lps[i] = copy

    report = run(scenario(), on_start=keep, progress=swap_every_lp_for_its_copy)
    assert kinds == {"CellLP", "ProviderLP", "ShardLP", "ReserveLP"}
    assert figures(report) == figures(undisturbed)


def test_a_crashed_shard_reserve_and_provider_recover_with_the_same_results(
    undisturbed: dict[str, Any],
) -> None:
    report = run(scenario("shard-0", "reserve", "tempo"))
    assert figures(report) == figures(undisturbed)
    lost = {r["lp"]: r for r in report["recoveries"]}
    # A provider's partitions live in every shard's cell: losing tempo loses both cells.
    assert set(lost) == {"shard-0", "shard-1", "reserve"}
    assert lost["shard-0"]["replayed_windows"] > 0  # a checkpoint and logged windows after it
    assert 1 <= report["checkpoints"]["taken"] <= report["windows"] // EVERY
    assert all(i["held"] for i in report["invariants"])


def test_a_crash_before_the_first_checkpoint_replays_from_the_start(
    undisturbed: dict[str, Any],
) -> None:
    report = run(scenario("shard-1"), checkpoint_every=100_000)
    assert figures(report) == figures(undisturbed)
    (recovery,) = report["recoveries"]
    assert report["checkpoints"]["taken"] == 0
    # Rebuilt from its spec and replayed from t=0: every window it took part in so far.
    assert 0 < recovery["replayed_windows"] <= recovery["window"]


def test_a_persisted_run_with_a_crash_writes_the_same_rows_and_keeps_few_checkpoints(
    migrated_database: Any,
) -> None:
    # Small batches: many flushes, each with the checkpoints taken since the last one.
    db = migrated_database
    calm = run(scenario(), persist=True, database=db, batch_rows=300)
    crashed = run(scenario("shard-0"), persist=True, database=db, batch_rows=300)
    assert crashed["digest"] == calm["digest"]
    contents = table_contents(db, crashed["run_id"])
    assert contents == table_contents(db, calm["run_id"])
    assert contents["invoices"][0] == crashed["invoices"]["created"] > 0
    kept = checkpoints_per_lp(db, crashed["run_id"])
    assert set(kept) == {"shard-0", "shard-1", "reserve"}  # the cells (with their partitions)
    assert set(kept.values()) == {KEEP_CHECKPOINTS}


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("{target: nobody, kind: actor_crash, start_s: 1}", "faults.0.target"),
        ("{target: custodian, kind: actor_crash, start_s: 1}", "faults.0.target"),
        ("{target: shard-0, kind: actor_crash, start_s: 1, duration_s: 2}", "duration_s"),
    ],
)
def test_an_actor_crash_on_something_that_is_no_logical_process_is_refused(
    fault: str, says: str
) -> None:
    text = SCENARIO.replace("faults:\n", f"faults:\n  - {fault}\n")
    with pytest.raises(InputError) as refused:
        parse_scenario(text)
    assert says in str(refused.value).replace("[", ".").replace("]", "")


def test_a_crash_of_a_shard_the_run_does_not_have_names_the_field() -> None:
    with pytest.raises(InputError, match=r"faults\[1\]\.target: shard-5 does not exist"):
        run(scenario("shard-5"))


def test_a_crash_with_checkpoints_off_is_refused_before_the_run() -> None:
    with pytest.raises(InputError, match="checkpoint_every is 0"):
        run(scenario("shard-0"), checkpoint_every=0)
