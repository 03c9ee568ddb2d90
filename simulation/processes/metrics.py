"""Run metrics that merge across shards: counters, latency histograms, time series.

Everything here is plain data (dicts of ints and floats) so a shard can hand
it to the coordinator from any runtime, and merging is addition. Latency is a
log-bucket histogram with 1% resolution: bounded memory at any load.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from actors.invoice import TERMINAL_STATES, InvoiceState

_K = 1.0 / math.log(1.01)  # bucket width: 1% of the value

PROVIDER_COUNTERS = ("attempts", "succeeded", "failed", "timeouts")
# The states an invoice ends in, as counted (report.json's ``invoices``): a shard's
# invoices are done when they reach one.
ENDED_STATES = tuple(state.value for state in InvoiceState if state in TERMINAL_STATES)


def latency_bin(ms: float) -> int:
    return int(math.log1p(max(ms, 0.0)) * _K)


def bin_value(b: int) -> float:
    return math.expm1((b + 0.5) / _K)


def merge_hist(into: dict[int, int], other: dict[int, int]) -> None:
    for b, n in other.items():
        into[b] = into.get(b, 0) + n


def percentile(hist: dict[int, int], q: float) -> float | None:
    total = sum(hist.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= rank:
            return round(bin_value(b), 3)
    return round(bin_value(max(hist)), 3)


class Bucket:
    """What happened in one slice of simulated time."""

    __slots__ = ("created", "failed", "hist", "paid", "share")

    def __init__(self) -> None:
        self.created = 0
        self.paid = 0
        self.failed = 0
        self.hist: dict[int, int] = {}
        self.share: dict[str, int] = {}  # successful payments per provider

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "paid": self.paid,
            "failed": self.failed,
            "hist": self.hist,
            "share": self.share,
        }


class ShardMetrics:
    """Counters of one shard; the coordinator merges them."""

    def __init__(self, providers: Iterable[str], bucket_s: float) -> None:
        self.bucket_s = bucket_s
        self.invoices = {"created": 0} | dict.fromkeys(ENDED_STATES, 0)
        self.providers = {name: dict.fromkeys(PROVIDER_COUNTERS, 0) for name in providers}
        self.hist: dict[int, int] = {}
        self.buckets: dict[int, Bucket] = {}
        self._history = Bucket()
        self.extra = {"double_pays": 0, "lost": 0, "late_payments": 0, "review_minor": 0}
        self.extra |= {"paid_minor": 0, "charged_minor": 0, "destroyed_wallets": 0}
        # Applied from money sent straight to a wallet (an overpaid invoice's amount): paid
        # without a provider, so never charged by one.
        self.extra["direct_paid_minor"] = 0

    def bucket(self, now: float) -> Bucket:
        """The time-series bucket of ``now``; a history's (before t=0) counts in the totals
        only: the series tell the story of the run's live part."""
        if now < 0:
            return self._history
        index = int(now // self.bucket_s)
        bucket = self.buckets.get(index)
        if bucket is None:
            bucket = self.buckets[index] = Bucket()
        return bucket

    def created(self, now: float) -> None:
        self.invoices["created"] += 1
        self.bucket(now).created += 1

    def paid(self, now: float, provider: str, latency_ms: float, amount_minor: int) -> None:
        self.invoices["paid"] += 1
        self.extra["paid_minor"] += amount_minor
        b = latency_bin(latency_ms)
        self.hist[b] = self.hist.get(b, 0) + 1
        bucket = self.bucket(now)
        bucket.paid += 1
        bucket.hist[b] = bucket.hist.get(b, 0) + 1
        bucket.share[provider] = bucket.share.get(provider, 0) + 1

    def ended(self) -> int:
        """Invoices that reached an end state."""
        invoices = self.invoices
        return sum(invoices[state] for state in ENDED_STATES)

    def failed(self, now: float) -> None:
        self.invoices["failed"] += 1
        self.bucket(now).failed += 1

    def attempt(self, provider: str, result: str) -> None:
        counters = self.providers[provider]
        counters["attempts"] += 1
        if result == "succeeded" or result == "declined":
            counters["succeeded"] += 1
        elif result == "timeout":
            counters["timeouts"] += 1
        else:
            counters["failed"] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket_s": self.bucket_s,
            "invoices": self.invoices,
            "providers": self.providers,
            "hist": self.hist,
            "buckets": {i: b.to_dict() for i, b in self.buckets.items()},
            "extra": self.extra,
        }


def merge_shards(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up the metrics of every shard."""
    out: dict[str, Any] = {
        "bucket_s": parts[0]["bucket_s"],
        "invoices": {},
        "providers": {},
        "hist": {},
        "buckets": {},
        "extra": {},
    }
    for part in parts:
        for key in ("invoices", "extra"):
            for name, n in part[key].items():
                out[key][name] = out[key].get(name, 0) + n
        for name, counters in part["providers"].items():
            mine = out["providers"].setdefault(name, dict.fromkeys(PROVIDER_COUNTERS, 0))
            for counter, n in counters.items():
                mine[counter] += n
        merge_hist(out["hist"], part["hist"])
        for index, bucket in part["buckets"].items():
            mine = out["buckets"].setdefault(
                int(index), {"created": 0, "paid": 0, "failed": 0, "hist": {}, "share": {}}
            )
            for counter in ("created", "paid", "failed"):
                mine[counter] += bucket[counter]
            merge_hist(mine["hist"], bucket["hist"])
            for name, n in bucket["share"].items():
                mine["share"][name] = mine["share"].get(name, 0) + n
    return out
