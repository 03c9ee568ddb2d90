"""Which logical process is which, and how each is built (the same for every runtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actors.bulk_csv import InvoiceDraft

# Lower bound for any message delay between logical processes, in seconds.
MIN_LOOKAHEAD_S = 0.001
LATE_GRACE_S = 300.0  # an expired wallet waits this long for late money before destruction
RECENT_S = 60.0  # how long a finished invoice is remembered to catch late charges


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


@dataclass(frozen=True, slots=True)
class LpSpec:
    kind: str  # "provider" | "shard" | "reserve"
    index: int
    name: str
    scenario: Any
    layout: Layout
    shard_no: int = 0
    bulk: tuple[BulkShare, ...] = field(default_factory=tuple)
    collect_rows: bool = False  # shards hand back one row per finished invoice
    persist: bool = False  # LPs hand back their database rows every window
