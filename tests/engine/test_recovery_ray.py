"""Ray actors lost mid-run are restored from their checkpoints and replayed (real Ray).

Each run must end as the undisturbed local run did: the same digest, the same
figures and, persisted, the same rows in every table, although a Ray host writes
its LPs' rows itself (small batches here, so a lost host has written some of the
windows it replays, and has some still buffered) and the local run's driver wrote
them all. Failures are injected at
a simulated time through the run's progress hook, never after a wall-clock sleep.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from simulation.runtime.interface import Runtime
from simulation.runtime.ray.runtime import RayRuntime
from tests.engine.recovery_helpers import CRASH_AT_S, figures, run, scenario, table_contents

BATCH_ROWS = 300


@pytest.fixture(scope="module")
def undisturbed(migrated_database: Any) -> dict[str, Any]:
    return run(scenario(), persist=True, database=migrated_database)


def test_each_ray_host_writes_its_own_rows_and_they_are_the_local_runs_rows(
    ray_session: Any, undisturbed: dict[str, Any], migrated_database: Any
) -> None:
    held: list[Any] = []
    report = run(
        scenario(),
        runtime="ray",
        persist=True,
        database=migrated_database,
        batch_rows=BATCH_ROWS,
        row_writers="hosts",
        on_start=held.append,
    )
    assert figures(report) == figures(undisturbed)
    runtime = held[0]
    assert runtime.rows_by_hosts
    written = runtime.rows_written
    assert len(written) == len(runtime.groups) >= 2
    # Each cell's host wrote its shard's invoices; the reserve's host its ledger.
    cells = {runtime.host_of(f"shard-{n}") for n in (0, 1)}
    assert all(written[h].get("invoices", 0) > 0 for h in cells)
    assert sum(w.get("invoices", 0) for w in written) >= report["invoices"]["created"]
    assert written[runtime.host_of("reserve")].get("ledger_transfers", 0) > 0
    contents = table_contents(migrated_database, report["run_id"])
    assert contents == table_contents(migrated_database, undisturbed["run_id"])
    assert contents["invoices"][0] == report["invoices"]["created"] > 0


@pytest.mark.parametrize("writers", ["driver", "hosts"])
def test_an_actor_killed_by_an_actor_crash_fault_is_restarted_and_replayed(
    ray_session: Any, undisturbed: dict[str, Any], migrated_database: Any, writers: str
) -> None:
    # The fault kills the host with ray.kill(actor, no_restart=False).
    held: list[Any] = []
    report = run(
        scenario("shard-0", "reserve"),
        runtime="ray",
        persist=True,
        database=migrated_database,
        batch_rows=BATCH_ROWS,
        row_writers=writers,
        on_start=held.append,
    )
    assert figures(report) == figures(undisturbed)
    runtime = held[0]
    assert runtime.rows_by_hosts == (writers == "hosts")
    hosted = {n for lp in ("shard-0", "reserve") for n in runtime.lps_on(runtime.host_of(lp))}
    assert {r["lp"] for r in report["recoveries"]} == hosted  # every LP of both hosts
    assert table_contents(migrated_database, report["run_id"]) == table_contents(
        migrated_database, undisturbed["run_id"]
    )


def test_on_two_cpus_the_driver_writes_the_rows_unless_told_otherwise(
    ray_session: Any, undisturbed: dict[str, Any], migrated_database: Any
) -> None:
    # This Ray has 2 CPUs for 2 hosts: too few for a writer beside each (row_writers auto).
    held: list[Any] = []
    report = run(
        scenario(), runtime="ray", persist=True, database=migrated_database, on_start=held.append
    )
    assert not held[0].rows_by_hosts
    assert held[0].rows_written == [{}, {}]
    contents = table_contents(migrated_database, report["run_id"])
    assert contents == table_contents(migrated_database, undisturbed["run_id"])


@pytest.mark.parametrize("writers", ["driver", "hosts"])
def test_a_worker_process_killed_with_sigkill_is_restored_and_replayed(
    ray_session: Any, undisturbed: dict[str, Any], migrated_database: Any, writers: str
) -> None:
    held: list[RayRuntime] = []
    killed: list[int] = []

    def keep(runtime: Runtime) -> None:
        assert isinstance(runtime, RayRuntime)
        held.append(runtime)

    def kill_shard_1(sim_s: float, counts: dict[str, int]) -> None:
        if not killed and sim_s >= CRASH_AT_S:
            pid = held[0].pids[held[0].host_of("shard-1")]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    report = run(
        scenario(),
        kill_shard_1,
        runtime="ray",
        persist=True,
        database=migrated_database,
        batch_rows=BATCH_ROWS,
        row_writers=writers,
        on_start=keep,
    )
    assert killed
    assert held[0].rows_by_hosts == (writers == "hosts")
    assert figures(report) == figures(undisturbed)
    host = held[0].host_of("shard-1")
    assert [r["lp"] for r in report["recoveries"]] == held[0].lps_on(host)  # shard-1's host
    assert "shard-1" in held[0].lps_on(host)
    assert held[0].pids[host] != killed[0]  # a new worker process hosts it now
    assert table_contents(migrated_database, report["run_id"]) == table_contents(
        migrated_database, undisturbed["run_id"]
    )


def test_an_actor_restarted_between_windows_is_caught_by_its_new_incarnation(
    ray_session: Any, undisturbed: dict[str, Any]
) -> None:
    import ray

    held: list[RayRuntime] = []
    restarted: list[str] = []

    def keep(runtime: Runtime) -> None:
        assert isinstance(runtime, RayRuntime)
        held.append(runtime)

    def restart_shard_0(sim_s: float, counts: dict[str, int]) -> None:
        if restarted or sim_s < CRASH_AT_S:
            return
        runtime = held[0]
        host = runtime.host_of("shard-0")
        ray.kill(runtime.actors[host], no_restart=False)
        # Wait until Ray has restarted it (hello blocks while it restarts): the next
        # window's call then reaches a fresh incarnation, rebuilt at t=0, which must
        # refuse to compute.
        for _ in range(20):
            try:
                incarnation, _pid = ray.get(runtime.actors[host].hello.remote())
            except ray.exceptions.RayActorError:
                continue  # the call reached the dying incarnation
            if incarnation != runtime.incarnations[host]:
                restarted.append(incarnation)
                return
        raise AssertionError("the actor was not restarted")

    report = run(scenario(), restart_shard_0, runtime="ray", on_start=keep)
    assert restarted
    assert figures(report) == figures(undisturbed)
    runtime = held[0]
    assert [(r["lp"], r["cause"]) for r in report["recoveries"]] == [
        (lp, "restarted") for lp in runtime.lps_on(runtime.host_of("shard-0"))
    ]
