"""How an orchestrator routes and how long it waits: policy, attempts, status checks,
voids, doubt, and the breaker and health settings of every provider."""

from __future__ import annotations

from dataclasses import dataclass, field

from actors.breaker import BreakerConfig
from actors.errors import InputError
from actors.health import HealthConfig
from actors.routing import Policy


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    policy: Policy = Policy.PRIORITY
    weights: dict[str, int] = field(default_factory=dict)
    max_attempts: int = 3
    status_timeout_ms: float = 300.0
    status_retry_ms: float = 250.0
    max_status_checks: int = 3
    void_timeout_ms: float = 300.0
    doubt_retry_s: float = 5.0  # a payment in doubt asks its provider again this often
    doubt_limit_s: float = 900.0  # ... and ends as failed, held for review, after this
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    health: HealthConfig = field(default_factory=HealthConfig)

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= 10:
            raise InputError("routing max_attempts must be within 1..10")
        if not 1 <= self.max_status_checks <= 10:
            raise InputError("routing max_status_checks must be within 1..10")
        if self.status_timeout_ms <= 0 or self.status_retry_ms <= 0:
            raise InputError("routing status_timeout_ms and status_retry_ms must be > 0")
        if any(w < 0 for w in self.weights.values()):
            raise InputError("routing weights must be >= 0")
        if self.void_timeout_ms <= 0 or self.doubt_retry_s <= 0:
            raise InputError("routing void_timeout_ms and doubt_retry_s must be > 0")
        if self.doubt_limit_s < self.doubt_retry_s:
            raise InputError("routing doubt_limit_s must be >= doubt_retry_s")
