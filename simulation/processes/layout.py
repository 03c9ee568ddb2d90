"""Which logical process is which, and how each is built (the same for every runtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from actors.bulk_csv import BulkJob, InvoiceDraft
from simulation.processes.arrivals import Mispayers
from simulation.scenario import Scenario

# Lower bound for any message delay between logical processes, in seconds.
MIN_LOOKAHEAD_S = 0.001
# The coordinator's window on the virtual clock, in simulated seconds: one call per cell
# per window (a paced run keeps windows of one lookahead, so it answers commands at once).
COORDINATOR_WINDOW_S = 1.0
LATE_GRACE_S = 300.0  # an expired wallet waits this long for late money before destruction
RECENT_S = 60.0  # how long a finished invoice is remembered to catch late charges
BULK_ROW_INTERVAL_S = 0.01  # bulk rows are submitted at 100 rows/s per job


@dataclass(frozen=True, slots=True)
class Layout:
    """The LP indices of a run. Every shard has its own partition of every provider
    (``ProviderConfig.partition``): a shard sends only to its partitions, and they answer
    only it, so shards never exchange messages; only the reserve hears from all of them."""

    providers: dict[str, tuple[int, ...]]  # provider name -> its partitions' LP indices,
    # in shard order
    shards: tuple[int, ...]  # shard number -> LP index
    reserve: int
    lookahead_s: float
    # The coordinator's window on the virtual clock: each cell (a shard and its partitions,
    # ``CellLP``) runs this long in windows of one lookahead of its own, per call.
    window_s: float = 0.0  # 0: one lookahead

    @property
    def coordinator_window_s(self) -> float:
        return max(self.window_s, self.lookahead_s)

    def unit_of(self, index: int) -> int:
        """The LP the runtime hosts that holds LP ``index``: a provider partition's
        cell is its shard's (same index); a shard and the reserve are their own."""
        for partitions in self.providers.values():
            if index in partitions:
                return self.shards[partitions.index(index)]
        return index

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.providers.values()) + len(self.shards) + 1

    def partition(self, provider: str, shard_no: int) -> int:
        """The LP index of ``provider``'s partition that shard ``shard_no`` talks to."""
        return self.providers[provider][shard_no]


def partition_name(provider: str, shard_no: int, shards: int) -> str:
    """The LP name of a provider's partition: the provider's own name when there is one
    shard (one partition, the whole provider), else ``tempo@shard-1``."""
    return provider if shards == 1 else f"{provider}@shard-{shard_no}"


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
    members: tuple[LpSpec, ...] = ()  # a cell's: its partitions of the providers, its shard

    def with_members(self) -> tuple[LpSpec, ...]:
        """This LP and, for a cell, its members: every LP that reports a summary."""
        return (self, *self.members)


def summary_order(specs: list[LpSpec]) -> dict[str, int]:
    """LP name -> LP index over every LP, members of cells included: the order of the
    summaries (and so of the digest), whichever runtime hosts them."""
    return {m.name: m.index for spec in specs for m in spec.members or (spec,)}


def host_groups(specs: list[LpSpec], cpus: int) -> list[list[LpSpec]]:
    """The LPs of each host (actor): one per shard, with its partitions of the providers
    (they talk to it alone, as a cell); the reserve, which works on the last window
    while the cells work on this one, has an actor of its own when the cluster has a
    CPU to spare for it, and otherwise joins shard 0's. On 2 cores with 2 shards, an
    actor of its own made 60 s of ``throughput_1000`` 1.08 times the local runtime's
    throughput against 1.19 sharing shard 0's: a process more than there are cores
    waits for the scheduler."""
    ordered = sorted(specs, key=lambda s: s.index)
    shard_nos = sorted({s.shard_no for s in ordered if s.kind in ("shard", "cell")})
    groups = [
        [s for s in ordered if s.kind in ("provider", "shard", "cell") and s.shard_no == no]
        for no in shard_nos
    ]
    reserve = [s for s in ordered if s.kind == "reserve"]
    if not groups or cpus > len(groups):
        return [reserve, *groups] if reserve else groups
    groups[0] = reserve + groups[0]
    return groups


def host_shard_no(group: list[LpSpec]) -> int:
    """The shard a host's node follows: its shard's number (the services alone: 0)."""
    return next((s.shard_no for s in group if s.kind in ("shard", "cell")), 0)
