"""Provider configuration, fault descriptions and the shipped defaults.

Defaults follow the original system: Tempo first (priority 1, a stablecoin
chain with sub-second finality), Circle and Stripe as fallbacks, and every
payment method served by at least two providers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from actors.errors import InputError
from actors.methods import PaymentMethod


class FaultKind(StrEnum):
    OUTAGE = "outage"  # down: refuses at once
    SILENT = "silent"  # never answers
    ERROR_RATE = "error_rate"  # a share of requests fail with 5xx
    LATENCY = "latency"  # extra latency on every answer
    FLAPPING = "flapping"  # down for `duty` of every `period_s`
    LATE_SUCCESS = "late_success"  # charges on time, answers after the timeout
    RATE_LIMIT = "rate_limit"  # 429 above `rate_limit_per_s`


@dataclass(frozen=True, slots=True)
class Fault:
    kind: FaultKind
    started_at: float = 0.0
    error_rate: float = 0.5
    extra_latency_ms: float = 0.0
    period_s: float = 20.0
    duty: float = 0.5
    late_by_ms: float = 1000.0
    rate_limit_per_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise InputError(f"fault error_rate must be within 0..1, got {self.error_rate}")
        if not 0.0 <= self.duty <= 1.0:
            raise InputError(f"fault duty must be within 0..1, got {self.duty}")
        if self.period_s <= 0:
            raise InputError(f"fault period_s must be > 0, got {self.period_s}")
        if self.extra_latency_ms < 0 or self.late_by_ms < 0:
            raise InputError("fault latencies must be >= 0 ms")
        if self.rate_limit_per_s <= 0:
            raise InputError(f"fault rate_limit_per_s must be > 0, got {self.rate_limit_per_s}")

    def partition(self, parts: int) -> Fault:
        """The fault as one of ``parts`` equal partitions of the provider sees it: the
        same timeline, a ``rate_limit`` fault's rate split evenly."""
        if parts == 1 or self.kind is not FaultKind.RATE_LIMIT:
            return self
        return replace(self, rate_limit_per_s=self.rate_limit_per_s / parts)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """Everything that describes a provider when it is healthy."""

    name: str
    priority: int
    methods: frozenset[PaymentMethod]
    enabled: bool = True
    fee_bp: int = 0
    fee_fixed_minor: int = 0
    latency_base_ms: float = 100.0
    latency_jitter_ms: float = 50.0  # mean of an exponential tail on top of the base
    network_ms: float = 20.0  # one way, between an orchestrator and the provider
    connect_ms: float = 1.0  # how fast a refusal or a 429 is decided at the provider
    timeout_ms: float = 2000.0
    max_concurrency: int | None = None
    rate_limit_per_s: float | None = None
    decline_rate: float = 0.0
    idempotency_retention_s: float = 600.0

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("provider name must not be empty")
        if not self.methods:
            raise InputError(f"provider {self.name!r} must support at least one method")
        if self.fee_bp < 0 or self.fee_fixed_minor < 0:
            raise InputError(f"provider {self.name!r}: fees must be >= 0")
        if self.latency_base_ms < 0 or self.latency_jitter_ms < 0:
            raise InputError(f"provider {self.name!r}: latencies must be >= 0")
        if self.connect_ms <= 0 or self.network_ms <= 0:
            raise InputError(f"provider {self.name!r}: connect_ms and network_ms must be > 0")
        if self.timeout_ms <= 0:
            raise InputError(f"provider {self.name!r}: timeout_ms must be > 0")
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise InputError(f"provider {self.name!r}: max_concurrency must be >= 1")
        if self.rate_limit_per_s is not None and self.rate_limit_per_s <= 0:
            raise InputError(f"provider {self.name!r}: rate_limit_per_s must be > 0")
        if not 0.0 <= self.decline_rate <= 1.0:
            raise InputError(f"provider {self.name!r}: decline_rate must be within 0..1")

    def partition(self, parts: int) -> ProviderConfig:
        """One of ``parts`` equal partitions of the provider (one per shard): the rate
        limit split evenly, the concurrency too (at least 1 each); everything else, the
        latencies, fees, declines and timeouts, as the whole provider. This is how
        replicated orchestrators see a provider's limits: each its share."""
        if parts == 1:
            return self
        concurrency = self.max_concurrency
        return replace(
            self,
            max_concurrency=None if concurrency is None else max(1, concurrency // parts),
            rate_limit_per_s=None
            if self.rate_limit_per_s is None
            else self.rate_limit_per_s / parts,
        )


_ALL = frozenset(PaymentMethod)

DEFAULT_PROVIDERS: tuple[ProviderConfig, ...] = (
    ProviderConfig(
        name="tempo",
        priority=1,
        methods=_ALL,
        fee_bp=10,
        latency_base_ms=150.0,
        latency_jitter_ms=50.0,
        max_concurrency=5000,
    ),
    ProviderConfig(
        name="circle",
        priority=2,
        methods=_ALL,
        fee_bp=50,
        latency_base_ms=300.0,
        latency_jitter_ms=100.0,
        rate_limit_per_s=2000.0,
    ),
    ProviderConfig(
        name="stripe",
        priority=3,
        methods=frozenset({PaymentMethod.CARD, PaymentMethod.BANK}),
        fee_bp=290,
        fee_fixed_minor=30,
        latency_base_ms=400.0,
        latency_jitter_ms=150.0,
        rate_limit_per_s=2000.0,
    ),
)


def check_method_coverage(configs: tuple[ProviderConfig, ...] | list[ProviderConfig]) -> None:
    """Every payment method must be served by at least two enabled providers (no single point)."""
    for method in PaymentMethod:
        serving = [c.name for c in configs if c.enabled and method in c.methods]
        if len(serving) < 2:
            raise InputError(
                f"method {method.value!r} is served by {serving or 'no provider'}; "
                "at least two enabled providers must serve every method"
            )
