"""Providers and routing in a scenario file: provider overrides, breaker, health, policy.

Defaults are read from the domain's own config classes (``BreakerConfig``,
``HealthConfig``, ``RoutingConfig``), so they are written once.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import Field, Strict, model_validator

from actors.breaker import BreakerConfig
from actors.health import HealthConfig
from actors.methods import PaymentMethod
from actors.routing import Policy
from actors.routing_config import RoutingConfig
from simulation.scenario.base import Bool, FieldProblems, Float, Int, Problems, Spec

_BREAKER = BreakerConfig()
_HEALTH = HealthConfig()
_ROUTING = RoutingConfig()
_NULLABLE_OVERRIDES = frozenset({"max_concurrency", "rate_limit_per_s"})  # null = no limit


class ProviderOverride(Spec):
    """Fields to change on a default provider, or the whole of a new one."""

    priority: Int | None = Field(default=None, ge=1, le=1000)
    enabled: Bool | None = None
    methods: list[PaymentMethod] | None = Field(default=None, min_length=1, max_length=3)
    fee_bp: Int | None = Field(default=None, ge=0, le=10_000)
    fee_fixed_minor: Int | None = Field(default=None, ge=0, le=1_000_000)
    latency_base_ms: Float | None = Field(default=None, ge=0, le=600_000)
    latency_jitter_ms: Float | None = Field(default=None, ge=0, le=600_000)
    network_ms: Float | None = Field(default=None, gt=0, le=60_000)
    connect_ms: Float | None = Field(default=None, gt=0, le=60_000)
    timeout_ms: Float | None = Field(default=None, gt=0, le=600_000)
    max_concurrency: Int | None = Field(default=None, ge=1, le=1_000_000)
    rate_limit_per_s: Float | None = Field(default=None, gt=0, le=1_000_000)
    decline_rate: Float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _nulls_only_for_limits(self) -> Self:
        problems = Problems()
        for name in sorted(self.model_fields_set - _NULLABLE_OVERRIDES):
            if getattr(self, name) is None:
                problems.add((name,), "must not be null (only max_concurrency, rate_limit_per_s)")
        problems.raise_any()
        return self

    def changes(self) -> dict[str, Any]:
        """The fields written in the file, as ``ProviderConfig`` keyword arguments."""
        out = {name: getattr(self, name) for name in sorted(self.model_fields_set)}
        if out.get("methods") is not None:
            out["methods"] = frozenset(out["methods"])
        return out


class BreakerSpec(Spec):
    failure_threshold: Int = Field(default=_BREAKER.failure_threshold, ge=1, le=10_000)
    window_s: Float = Field(default=_BREAKER.window_s, gt=0, le=3600)
    failure_rate: Float = Field(default=_BREAKER.failure_rate, gt=0, le=1)
    min_calls: Int = Field(default=_BREAKER.min_calls, ge=1, le=1_000_000)
    open_s: Float = Field(default=_BREAKER.open_s, gt=0, le=3600)
    half_open_probes: Int = Field(default=_BREAKER.half_open_probes, ge=1, le=1000)

    def to_config(self) -> BreakerConfig:
        return BreakerConfig(**self.model_dump())


class HealthSpec(Spec):
    probe_timeout_ms: Float = Field(default=_HEALTH.probe_timeout_ms, gt=0, le=60_000)
    degraded_latency_ms: Float = Field(default=_HEALTH.degraded_latency_ms, gt=0, le=600_000)
    degraded_success_rate: Float = Field(default=_HEALTH.degraded_success_rate, ge=0, le=1)
    min_calls: Int = Field(default=_HEALTH.min_calls, ge=1, le=1_000_000)
    down_after: Int = Field(default=_HEALTH.down_after, ge=1, le=100)
    up_after: Int = Field(default=_HEALTH.up_after, ge=1, le=100)

    def to_config(self, interval_s: float) -> HealthConfig:
        return HealthConfig(interval_s=interval_s, **self.model_dump())


class RoutingSpec(Spec):
    policy: Policy = _ROUTING.policy
    weights: dict[str, Annotated[int, Strict(), Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, max_length=16
    )
    max_attempts: Int = Field(default=_ROUTING.max_attempts, ge=1, le=10)
    status_timeout_ms: Float = Field(default=_ROUTING.status_timeout_ms, gt=0, le=60_000)
    status_retry_ms: Float = Field(default=_ROUTING.status_retry_ms, gt=0, le=60_000)
    max_status_checks: Int = Field(default=_ROUTING.max_status_checks, ge=1, le=10)
    health_interval_s: Float = Field(default=_HEALTH.interval_s, gt=0, le=3600)
    breaker: BreakerSpec = BreakerSpec()
    health: HealthSpec = HealthSpec()

    @model_validator(mode="after")
    def _weighted_needs_weights(self) -> Self:
        if self.policy is Policy.WEIGHTED and not any(w > 0 for w in self.weights.values()):
            raise FieldProblems([(("weights",), "policy weighted needs at least one weight > 0")])
        return self
