"""Which logical process is which, and how each is built (the same for every runtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from actors.bulk_csv import BulkJob, InvoiceDraft
from simulation.processes.arrivals import Mispayers
from simulation.scenario import Scenario

# Lower bound for any message delay between logical processes, in seconds.
MIN_LOOKAHEAD_S = 0.001
LATE_GRACE_S = 300.0  # an expired wallet waits this long for late money before destruction
RECENT_S = 60.0  # how long a finished invoice is remembered to catch late charges
BULK_ROW_INTERVAL_S = 0.01  # bulk rows are submitted at 100 rows/s per job


@dataclass(frozen=True, slots=True)
class Layout:
    providers: dict[str, int]  # provider name -> LP index
    shards: tuple[int, ...]  # shard number -> LP index
    reserve: int
    lookahead_s: float

    @property
    def size(self) -> int:
        return len(self.providers) + len(self.shards) + 1


@dataclass(frozen=True, slots=True)
class BulkShare:
    """The rows of one bulk submission that one shard processes."""

    job: int
    at_s: float
    provider: str | None  # None: automatic routing
    drafts: tuple[InvoiceDraft, ...]
    row_interval_s: float
    mispayers: Mispayers | None = None  # None: every row's payer pays the amount


def bulk_shares(
    job: BulkJob,
    at_s: float,
    shards: int,
    mispayers: Mispayers | None = None,
    row_interval_s: float | None = None,
) -> list[tuple[int, BulkShare]]:
    """The rows of ``job`` dealt out over ``shards`` in turn (row i to shard i mod n), as
    (shard number, share); each shard starts a fraction of a row interval after the one
    before, so together they submit one row every ``BULK_ROW_INTERVAL_S / shards``, or
    every ``row_interval_s`` when given (a live upload's pace, set by the scenario)."""
    shard_interval_s = BULK_ROW_INTERVAL_S if row_interval_s is None else row_interval_s * shards
    shares = []
    for shard_no in range(shards):
        drafts = job.drafts[shard_no::shards]
        if drafts:
            start_s = at_s + shard_no * shard_interval_s / shards
            share = BulkShare(job.job, start_s, job.provider, drafts, shard_interval_s, mispayers)
            shares.append((shard_no, share))
    return shares


@dataclass(frozen=True, slots=True, kw_only=True)
class LpSpec:
    kind: str  # "provider" | "shard" | "reserve"
    index: int
    name: str
    scenario: Scenario
    layout: Layout
    start_date: date  # the calendar day of simulated t=0
    shard_no: int = 0
    bulk: tuple[BulkShare, ...] = field(default_factory=tuple)
    collect_rows: bool = False  # shards hand back one row per finished invoice
    persist: bool = False  # LPs hand back their database rows every window


def host_groups(specs: list[LpSpec], cpus: int) -> list[list[LpSpec]]:
    """The LPs of each host (actor): one per shard; the providers and the reserve share
    an actor of their own when the cluster has a CPU to spare for it, and otherwise join
    the shards' (the reserve shard 0's, the providers shard 1's, or shard 0's if it is
    the only one): a process more than there are cores makes every window wait for the
    scheduler (2 shards on 2 cores: 60 s of ``throughput_1000`` in 8.2 s instead of 10.3)."""
    shards = [[s] for s in sorted(specs, key=lambda s: s.index) if s.kind == "shard"]
    services = [s for s in specs if s.kind != "shard"]
    if not shards or cpus > len(shards):
        return [services, *shards]
    shards[0] = [s for s in services if s.kind == "reserve"] + shards[0]
    providers = 1 % len(shards)
    shards[providers] = [s for s in services if s.kind == "provider"] + shards[providers]
    return shards


def host_shard_no(group: list[LpSpec]) -> int:
    """The shard a host's node follows: its shard's number (the services alone: 0)."""
    return next((s.shard_no for s in group if s.kind == "shard"), 0)
