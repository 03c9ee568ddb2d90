"""The public provider reads, from the database or from what a live run holds in memory.

A live run must keep showing its operators its providers while PostgreSQL is away,
which is exactly when they need them. Its store keeps a ``ProviderMemory`` of the rows
it records (each orchestrator replica's latest health and breaker state, the last
``MAX_CHANGES`` changes with the provider's state after each, the last
``MAX_ATTEMPTS`` finished payment attempts); a ``ProviderRows`` snapshot of it answers
the four reads as ``DatabaseFacts`` does from the database: the same shapes, the same
worst-of rule (``providers.statuses``, ``providers.with_states``), success rates and
percentiles as PostgreSQL's ``percentile_cont`` gives them (tests/storage proves they
agree), over what it holds.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from storage.queries.common import MAX_LIMIT, Source, _bounded
from storage.queries.provider_live import (
    ProviderTraffic,
    TrafficBucket,
    check_series,
    provider_traffic,
    provider_traffic_series,
    success_rate,
)
from storage.queries.providers import (
    LatestState,
    provider_status,
    provider_timeline,
    statuses,
    with_states,
)
from storage.queries.shapes import HealthEvent, ProviderChange, ProviderStatus
from storage.schema import COPY_COLUMNS

MAX_CHANGES = 10_000  # health and breaker changes held (the latest state of each is kept too)
MAX_ATTEMPTS = 100_000  # finished payment attempts held: ~100 s at 1,000 a second


class ProviderFacts(Protocol):
    """What the public provider routes read; see ``storage.queries`` for each."""

    def status(self) -> list[ProviderStatus]: ...
    def timeline(self, since_s: float | None, limit: int) -> list[ProviderChange]: ...
    def traffic(self, since_s: float) -> dict[str, ProviderTraffic]: ...
    def traffic_series(
        self, since_s: float, until_s: float, bucket_s: float
    ) -> list[TrafficBucket]: ...


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """The reads of run ``run_id`` from the database."""

    db: Source
    run_id: str

    def status(self) -> list[ProviderStatus]:
        return provider_status(self.db, self.run_id)

    def timeline(self, since_s: float | None, limit: int) -> list[ProviderChange]:
        return provider_timeline(self.db, self.run_id, since_s, limit)

    def traffic(self, since_s: float) -> dict[str, ProviderTraffic]:
        return provider_traffic(self.db, self.run_id, since_s)

    def traffic_series(
        self, since_s: float, until_s: float, bucket_s: float
    ) -> list[TrafficBucket]:
        return provider_traffic_series(self.db, self.run_id, since_s, until_s, bucket_s)


class Attempt(NamedTuple):
    provider: str
    finished_at_s: float
    latency_ms: float
    succeeded: bool


def _columns(table: str) -> dict[str, int]:
    """Where each column is in a recorded row of ``table`` (COPY order, without run_id)."""
    names = [name for name in COPY_COLUMNS[table] if name != "run_id"]
    return {name: i for i, name in enumerate(names)}


_HEALTH = _columns("provider_health")
_ATTEMPT = _columns("payment_attempts")


class ProviderMemory:
    """A live run's recent provider rows, fed with every window's records (``observe``, the
    run's thread) and read as a ``snapshot`` (the API's threads)."""

    def __init__(
        self,
        providers: Iterable[str],
        max_changes: int = MAX_CHANGES,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.providers = tuple(providers)
        self.max_changes = max_changes
        self.max_attempts = max_attempts
        self._lock = threading.Lock()
        self._states: dict[tuple[str, str, str], str] = {}  # (provider, source, kind) -> state
        self._latest: dict[tuple[str, str, str], LatestState] = {}
        self._last_seq: dict[str, int] = {}  # per source: a replayed window adds nothing
        self._changes: list[ProviderChange] = []
        self._attempts: dict[str, Attempt] = {}  # by attempt key, oldest first

    def observe(self, records: dict[str, list[tuple[Any, ...]]]) -> None:
        health = records.get("provider_health")
        attempts = records.get("payment_attempts")
        if not health and not attempts:
            return
        with self._lock:
            if health:
                self._observe_health(health)
            if attempts:
                self._observe_attempts(attempts)

    def _observe_health(self, rows: list[tuple[Any, ...]]) -> None:
        c = _HEALTH
        seen = dict(self._last_seq)  # a replica's rows up to here were observed before
        # The database's order: by time, then replica, then the replica's sequence.
        for row in sorted(rows, key=lambda r: (r[c["at_s"]], r[c["source"]], r[c["seq"]])):
            source, seq = row[c["source"]], row[c["seq"]]
            if seq <= seen.get(source, 0):
                continue
            self._last_seq[source] = max(seq, self._last_seq.get(source, 0))
            event = HealthEvent(
                at_s=row[c["at_s"]], provider=row[c["provider"]], source=source,
                kind=row[c["kind"]], state=row[c["state"]], previous=row[c["previous"]],
                reason=row[c["reason"]],
            )  # fmt: skip
            self._changes.append(with_states(event, self._states))
            key = (event["provider"], source, event["kind"])
            self._latest[key] = (*key, event["state"], event["at_s"])
        if len(self._changes) > self.max_changes:
            del self._changes[: len(self._changes) - self.max_changes]

    def _observe_attempts(self, rows: list[tuple[Any, ...]]) -> None:
        c, held = _ATTEMPT, self._attempts
        for row in rows:
            held[row[c["attempt_key"]]] = Attempt(
                row[c["provider"]], row[c["finished_at_s"]], row[c["latency_ms"]],
                bool(row[c["succeeded"]]),
            )  # fmt: skip
        excess = len(held) - self.max_attempts
        if excess > 0:
            for key in list(itertools.islice(held, excess)):
                del held[key]

    def snapshot(self) -> ProviderRows:
        with self._lock:
            return ProviderRows(
                providers=self.providers,
                latest=tuple(sorted(self._latest.values())),  # the database's order
                changes=tuple(self._changes),
                attempts=tuple(self._attempts.values()),
            )


@dataclass(frozen=True, slots=True)
class ProviderRows:
    """A snapshot of a ``ProviderMemory``: the reads over what it held."""

    providers: tuple[str, ...]
    latest: tuple[LatestState, ...]
    changes: tuple[ProviderChange, ...]  # oldest first, in the database's order
    attempts: tuple[Attempt, ...]

    def status(self) -> list[ProviderStatus]:
        return statuses(self.providers, self.latest)

    def timeline(self, since_s: float | None, limit: int) -> list[ProviderChange]:
        limit = _bounded(limit, MAX_LIMIT)
        found = (
            self.changes if since_s is None else [c for c in self.changes if c["at_s"] >= since_s]
        )
        return list(found[:limit])

    def traffic(self, since_s: float) -> dict[str, ProviderTraffic]:
        groups: dict[str, list[Attempt]] = defaultdict(list)
        for attempt in self.attempts:
            if attempt.finished_at_s >= since_s:
                groups[attempt.provider].append(attempt)
        out = {}
        for provider, attempts in groups.items():
            latencies = sorted(a.latency_ms for a in attempts)
            succeeded = sum(a.succeeded for a in attempts)
            out[provider] = ProviderTraffic(
                provider=provider,
                attempts=len(attempts),
                succeeded=succeeded,
                success_rate=success_rate(succeeded, len(attempts)),
                latency_p50_ms=percentile_cont(latencies, 0.5),
                latency_p99_ms=percentile_cont(latencies, 0.99),
            )
        return out

    def traffic_series(
        self, since_s: float, until_s: float, bucket_s: float
    ) -> list[TrafficBucket]:
        check_series(since_s, until_s, bucket_s)
        groups: dict[tuple[int, str], list[Attempt]] = defaultdict(list)
        for attempt in self.attempts:
            if since_s <= attempt.finished_at_s < until_s:
                bucket = math.floor(attempt.finished_at_s / bucket_s)
                groups[(bucket, attempt.provider)].append(attempt)
        out = []
        for (bucket, provider), attempts in sorted(groups.items()):
            latencies = sorted(a.latency_ms for a in attempts)
            succeeded = sum(a.succeeded for a in attempts)
            out.append(
                TrafficBucket(
                    provider=provider,
                    start_s=float(bucket) * bucket_s,
                    attempts=len(attempts),
                    succeeded=succeeded,
                    success_rate=success_rate(succeeded, len(attempts)),
                    latency_p50_ms=percentile_cont(latencies, 0.5),
                    latency_p99_ms=percentile_cont(latencies, 0.99),
                )
            )
        return out


def percentile_cont(ordered: Sequence[float], fraction: float) -> float:
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY x)`` of ``ordered``
    (sorted, not empty): the two values around the rank, interpolated."""
    assert ordered and 0.0 <= fraction <= 1.0
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
