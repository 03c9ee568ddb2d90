"""The composition root of a run: layout, LP specs, runtime, coordinator, report.

``run_scenario`` is what the CLI, the benchmarks and the tests call. Nothing is
built at import time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from actors.bulk_csv import BulkJob
from actors.errors import InputError
from actors.invoice import day_at
from actors.invoice_ids import InvoiceIds
from simulation.processes.arrivals import Mispayers
from simulation.processes.bulk_progress import BulkBoard
from simulation.processes.layout import (
    COORDINATOR_WINDOW_S,
    MIN_LOOKAHEAD_S,
    BulkShare,
    Layout,
    LpSpec,
    bulk_shares,
    partition_name,
)
from simulation.run_store import ROW_WRITERS, RunStore, StoreOpening
from simulation.runtime import gc_tuning
from simulation.runtime.checkpoints import Checkpoints, default_checkpoint_every
from simulation.runtime.coordinator import (
    LiveHooks,
    Progress,
    Sink,
    WindowHooks,
    WindowPlan,
    WindowStats,
    run_windows,
)
from simulation.runtime.interface import Runtime
from simulation.runtime.local import LocalRuntime
from simulation.scenario import SHARD_LP, Scenario

if TYPE_CHECKING:  # storage is imported only by runs that persist
    from storage.database import Database


@dataclass
class RunOptions:
    shards: int | None = None  # None: the scenario's
    runtime: str = "local"
    speed: float | None = None  # None: the scenario's clock
    sink: Sink | None = None  # finished invoice rows
    persist: bool = False  # record the run in PostgreSQL
    database: Database | None = None  # an open database (opened here when None)
    batch_rows: int = 50_000  # rows buffered before the recorder writes a batch
    ray_address: str | None = None
    # A live run (simulation.live.service): commands from outside, rows written at least this often.
    live: LiveHooks | None = None
    flush_every_s: float | None = None
    # Every LP's state is saved every this many windows (0: never; then a lost LP ends the
    # run). None: checkpoints.default_checkpoint_every (none in a local run without a crash).
    checkpoint_every: int | None = None
    # The calendar day of simulated t=0 (None: the scenario's start_date); a live run's
    # is the day it starts.
    start_date: date | None = None
    # Who writes a persisted batch run's rows on Ray: run_store.ROW_WRITERS.
    row_writers: str = "auto"
    # Called with the runtime once its LPs exist (tests inject failures through it).
    on_start: Callable[[Runtime], None] | None = None


def build_layout(scenario: Scenario, shards: int) -> Layout:
    configs = scenario.provider_configs()
    providers = {c.name: tuple(range(p * shards, (p + 1) * shards)) for p, c in enumerate(configs)}
    first_shard = len(configs) * shards
    lookahead = max(MIN_LOOKAHEAD_S, min(c.network_ms for c in configs) / 1000.0)
    return Layout(
        providers=providers,
        shards=tuple(range(first_shard, first_shard + shards)),
        reserve=first_shard + shards,
        lookahead_s=lookahead,
        window_s=COORDINATOR_WINDOW_S,
    )


def load_bulk(scenario: Scenario, ids: InvoiceIds, start_date: date) -> list[BulkJob]:
    """Parse every bulk CSV once; shards get the accepted rows, the report the errors. A
    row whose id an earlier row or file gave, or whose due date is before the upload's
    day, is an error (``InvoiceIds.admit``)."""
    jobs = []
    for job, bulk in enumerate(scenario.bulk):
        path = scenario.bulk_path(bulk)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"bulk[{job}].file: cannot read {path}: {error.strerror}") from None
        provider = None if bulk.provider == "auto" else bulk.provider
        at_s = float(bulk.at_s)
        parsed = ids.import_csv(job, str(bulk.file), data, day_at(start_date, at_s))
        jobs.append(BulkJob.of(job, str(bulk.file), at_s, provider, parsed))
    return jobs


def build_specs(
    scenario: Scenario,
    layout: Layout,
    bulk_jobs: Sequence[BulkJob],
    *,
    start_date: date,
    collect_rows: bool = False,
    persist: bool = False,
) -> list[LpSpec]:
    def spec(
        kind: str,
        index: int,
        name: str,
        shard_no: int = 0,
        bulk: tuple[BulkShare, ...] = (),
    ) -> LpSpec:
        return LpSpec(
            kind=kind,
            index=index,
            name=name,
            scenario=scenario,
            layout=layout,
            start_date=start_date,
            shard_no=shard_no,
            bulk=bulk,
            collect_rows=collect_rows and kind == "shard",
            persist=persist,
        )

    shards = len(layout.shards)
    specs = [
        spec("provider", index, partition_name(name, shard_no, shards), shard_no)
        for name, partitions in layout.providers.items()
        for shard_no, index in enumerate(partitions)
    ]
    shares: list[list[BulkShare]] = [[] for _ in layout.shards]
    for job in bulk_jobs:
        mispayers = Mispayers.of(scenario.bulk[job.job])  # a file's job is its place in bulk
        for shard_no, share in bulk_shares(job, job.at_s, len(layout.shards), mispayers):
            shares[shard_no].append(share)
    for shard_no, index in enumerate(layout.shards):
        specs.append(spec("shard", index, f"shard-{shard_no}", shard_no, tuple(shares[shard_no])))
    return [*_cells(specs), spec("reserve", layout.reserve, "reserve")]


def _cells(members: list[LpSpec]) -> list[LpSpec]:
    """One cell per shard: the shard and its partitions of the providers, as one LP with
    the shard's index and name (``CellLP``)."""
    shards = [m for m in members if m.kind == "shard"]
    return [
        replace(
            shard,
            kind="cell",
            bulk=(),
            members=tuple(m for m in members if m.shard_no == shard.shard_no),
        )
        for shard in shards
    ]


RUNTIMES = ("local", "ray")
MAX_SHARDS = 64


def default_shards(scenario: Scenario, runtime: Runtime) -> int:
    """Shards when ``--shards`` is not given: the scenario's ``shards`` when it sets one;
    else, on Ray, one per CPU the cluster reports (at most MAX_SHARDS); else its default, 1.

    The digest depends on the shard count, so a Ray run of a scenario without
    ``shards`` gives the same digest only on clusters with as many CPUs; the
    report says how many shards ran.
    """
    if "shards" in scenario.model_fields_set or (cpus := runtime.cpus()) is None:
        return int(scenario.shards)
    return max(1, min(MAX_SHARDS, cpus))


def make_runtime(
    name: str, ray_address: str | None = None, checkpoints: Checkpoints | None = None
) -> Runtime:
    checkpoints = checkpoints or Checkpoints()
    if name == "local":
        return LocalRuntime(checkpoints)
    if name == "ray":
        from simulation.runtime.ray.runtime import RayRuntime

        return RayRuntime(ray_address, checkpoints)
    raise InputError(f"unknown runtime {name!r}; use one of: {', '.join(RUNTIMES)}")


def crash_plan(scenario: Scenario, layout: Layout) -> list[tuple[float, int]]:
    """The ``actor_crash`` faults as (start_s, LP index); shard-N is checked against --shards."""
    plan = []
    for i, fault in enumerate(scenario.faults):
        if not fault.is_actor_crash:
            continue
        target = fault.target
        if SHARD_LP.fullmatch(target):
            shard_no = int(target.removeprefix("shard-"))
            if shard_no >= len(layout.shards):
                raise InputError(
                    f"faults[{i}].target: {target} does not exist in a run with "
                    f"{len(layout.shards)} shard(s) (shard-0 to shard-{len(layout.shards) - 1})"
                )
            plan.append((float(fault.start_s), layout.shards[shard_no]))
        elif target == "reserve":
            plan.append((float(fault.start_s), layout.reserve))
        else:  # a provider: every partition of it, so every cell
            plan.extend((float(fault.start_s), index) for index in layout.shards)
    return plan


def run_scenario(
    scenario: Scenario,
    options: RunOptions | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run a scenario to the end and return its report (a JSON-ready dict).

    With ``options.persist`` the run is recorded in PostgreSQL: its row first
    (status running), then every window's rows in batches, then the verdict
    and the whole report; the report gains ``run_id``.
    """
    from simulation.report.build import RunFacts, build_report

    options = options or RunOptions()
    if options.row_writers not in ROW_WRITERS:
        raise InputError(
            f"--row-writers must be one of {', '.join(ROW_WRITERS)}, got {options.row_writers!r}"
        )
    if options.row_writers == "hosts" and options.runtime != "ray":
        raise InputError("--row-writers hosts needs --runtime ray: the local runtime has no hosts")
    if options.shards is not None and not 1 <= options.shards <= MAX_SHARDS:
        raise InputError(f"--shards must be within 1..{MAX_SHARDS}, got {options.shards}")
    speed = options.speed
    if speed is None and scenario.clock.mode == "paced":
        speed = float(scenario.clock.speed)
    every = options.checkpoint_every
    if every is None:
        every = default_checkpoint_every(options.runtime, scenario, paced=speed is not None)
    ids = InvoiceIds()
    start_date = options.start_date or scenario.start_date
    bulk_jobs = load_bulk(scenario, ids, start_date)
    checkpoints = Checkpoints(every)
    runtime = make_runtime(options.runtime, options.ray_address, checkpoints)
    store: RunStore | None = None
    report: dict[str, Any] | None = None
    try:
        started = time.time()  # the run's wall time counts Ray's start, not the database's
        shards = options.shards or default_shards(scenario, runtime)
        layout = build_layout(scenario, shards)
        crashes = crash_plan(scenario, layout)
        if crashes and every == 0:
            raise InputError("faults: actor_crash needs checkpoints; checkpoint_every is 0")
        if options.persist:
            opening_at = time.time()
            opening_store = StoreOpening(
                database=options.database,
                shards=shards,
                runtime=runtime.name,
                speed=options.speed,
                bulk_jobs=bulk_jobs,
                batch_rows=options.batch_rows,
                flush_every_s=options.flush_every_s,
            )
            store = RunStore.open(scenario, opening_store)
            started += time.time() - opening_at
        specs = build_specs(
            scenario,
            layout,
            bulk_jobs,
            start_date=start_date,
            collect_rows=options.sink is not None,
            persist=store is not None,
        )
        if store is not None:
            checkpoints.record = store.add
            if options.live is None:  # a live run's reads need every row in the driver
                runtime.write_rows_at(store.rows_target(), options.row_writers)
        runtime.start(specs)
        if options.on_start is not None:
            options.on_start(runtime)
        hard_end = float(scenario.duration_s) + float(scenario.drain_limit_s)
        board = BulkBoard(on_change=store.bulk_job_changed if store is not None else None)
        for job in bulk_jobs:
            board.add(job)
        if options.live is not None:
            run_id = store.run_id if store is not None else None
            options.live.started(run_id=run_id, layout=layout, board=board, ids=ids, store=store)
        with gc_tuning.during_run(live=options.live is not None):
            plan = WindowPlan(
                duration_s=float(scenario.duration_s),
                hard_end_s=hard_end,
                speed=speed,
                crashes=crashes,
                start_s=scenario.start_s,
            )
            hooks = WindowHooks(
                progress=progress,
                should_stop=should_stop,
                sink=options.sink,
                record=store.add if store is not None else None,
                live=options.live,
                bulk=board.update,
            )
            stats: WindowStats = run_windows(runtime, layout, plan, hooks)
        runtime.close()
        board.finish()
        facts = RunFacts(runtime=runtime.name, speed=speed, started=started, bulk=board)
        report = build_report(scenario, layout, stats, facts)
        if store is not None:
            report["run_id"] = store.run_id
            store.finish(report, stats.stopped_by)
        return report
    finally:
        runtime.close()
        if store is not None and report is None:
            store.abort()
