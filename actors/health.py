"""The health view of one provider, fed by active probes and by live traffic.

Probes run every ``interval_s`` (30 s by default, as in the original system).
``down_after`` failed probes in a row mark a provider down and take it out of
routing; ``up_after`` passing probes bring it back. A passing provider is
degraded when its probe is slow or its live success rate over the last minute
falls below ``degraded_success_rate``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from actors.errors import InputError


class Health(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class HealthConfig:
    interval_s: float = 30.0
    probe_timeout_ms: float = 1000.0
    degraded_latency_ms: float = 1000.0
    degraded_success_rate: float = 0.9
    min_calls: int = 20
    down_after: int = 1
    up_after: int = 1

    def __post_init__(self) -> None:
        if self.interval_s <= 0 or self.probe_timeout_ms <= 0:
            raise InputError("health interval_s and probe_timeout_ms must be > 0")
        if not 0.0 <= self.degraded_success_rate <= 1.0:
            raise InputError("health degraded_success_rate must be within 0..1")
        if self.down_after < 1 or self.up_after < 1 or self.min_calls < 1:
            raise InputError("health down_after, up_after and min_calls must be >= 1")


@dataclass(frozen=True, slots=True)
class HealthChange:
    at: float
    provider: str
    from_status: Health
    to_status: Health
    reason: str


WINDOW_S = 60  # "success rate and latency over the last minute", kept as 1-second buckets


class HealthMonitor:
    """Probe results and a one-minute traffic window for one provider."""

    __slots__ = (
        "_buckets",
        "_fails_in_row",
        "_oks_in_row",
        "_probe_slow",
        "calls",
        "changes",
        "config",
        "last_probe_at",
        "last_probe_latency_ms",
        "latency_sum_ms",
        "provider",
        "status",
        "successes",
    )

    def __init__(self, provider: str, config: HealthConfig | None = None) -> None:
        self.provider = provider
        self.config = config or HealthConfig()
        self.status = Health.HEALTHY
        self.changes: list[HealthChange] = []
        self.last_probe_at: float | None = None
        self.last_probe_latency_ms: float | None = None
        self._fails_in_row = 0
        self._oks_in_row = 0
        self._probe_slow = False
        self._buckets: deque[list[float]] = deque()  # [second, calls, successes, latency sum]
        self.calls = 0
        self.successes = 0
        self.latency_sum_ms = 0.0

    def probe_due(self, now: float) -> bool:
        last = self.last_probe_at
        return last is None or now - last >= self.config.interval_s

    def record_probe(self, now: float, latency_ms: float | None) -> None:
        """A probe answered in ``latency_ms``, or failed / timed out (None)."""
        config = self.config
        self.last_probe_at = now
        ok = latency_ms is not None and latency_ms <= config.probe_timeout_ms
        self.last_probe_latency_ms = latency_ms if ok else None
        if ok:
            self._oks_in_row += 1
            self._fails_in_row = 0
            self._probe_slow = latency_ms is not None and latency_ms > config.degraded_latency_ms
        else:
            self._fails_in_row += 1
            self._oks_in_row = 0
        self._reassess(now, "probe failed" if not ok else "probe passed")

    def record_call(self, now: float, ok: bool, latency_ms: float) -> None:
        """Live traffic: one payment attempt's result."""
        second = float(int(now))
        buckets = self._buckets
        self._expire(second)
        if not buckets or buckets[-1][0] != second:
            buckets.append([second, 0.0, 0.0, 0.0])
        last = buckets[-1]
        last[1] += 1
        self.calls += 1
        if ok:
            last[2] += 1
            last[3] += latency_ms
            self.successes += 1
            self.latency_sum_ms += latency_ms
        if self.status is not Health.DOWN:
            self._reassess(now, "live traffic")

    def _expire(self, second: float) -> None:
        buckets = self._buckets
        while buckets and buckets[0][0] <= second - WINDOW_S:
            _, calls, oks, lat = buckets.popleft()
            self.calls -= int(calls)
            self.successes -= int(oks)
            self.latency_sum_ms -= lat

    def success_rate(self, now: float) -> float | None:
        self._expire(float(int(now)))
        return self.successes / self.calls if self.calls else None

    def mean_latency_ms(self, now: float) -> float | None:
        self._expire(float(int(now)))
        return self.latency_sum_ms / self.successes if self.successes else None

    def _reassess(self, now: float, reason: str) -> None:
        config = self.config
        new = self.status
        if self._fails_in_row >= config.down_after or (
            self.status is Health.DOWN and self._oks_in_row < config.up_after
        ):
            new = Health.DOWN
        else:
            rate_low = (
                self.calls >= config.min_calls
                and self.successes < config.degraded_success_rate * self.calls
            )
            new = Health.DEGRADED if self._probe_slow or rate_low else Health.HEALTHY
            if rate_low and not self._probe_slow:
                reason = f"success rate {self.successes}/{self.calls} in the last minute"
            elif self._probe_slow:
                reason = f"probe slower than {config.degraded_latency_ms:g} ms"
        if new is not self.status:
            self.changes.append(HealthChange(now, self.provider, self.status, new, reason))
            self.status = new

    def take_changes(self) -> list[HealthChange]:
        out, self.changes = self.changes, []
        return out
