"""Routing: which providers may take a payment, in what order, and why others were skipped.

A provider is eligible when it is enabled, supports the method, its health is
not down and its breaker lets a call through. The order among eligible
providers comes from the policy:

- ``priority``: lowest priority number first (Tempo first by default);
- ``weighted``: a deterministic split by hashing the invoice id against the
  weights, so an invoice always lands on the same provider (never a fresh
  random pick per call); the rest follow by priority;
- ``cost``: cheapest fee for this amount first, ties by priority.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from operator import attrgetter

from actors.breaker import BreakerState, CircuitBreaker
from actors.frozen import frozen
from actors.health import Health, HealthMonitor
from actors.keyed import stable_hash
from actors.methods import PaymentMethod
from actors.money import fee_minor
from actors.provider_config import ProviderConfig

_BY_PRIORITY = attrgetter("priority", "name")  # lowest priority number first, ties by name


class Policy(StrEnum):
    PRIORITY = "priority"
    WEIGHTED = "weighted"
    COST = "cost"


@frozen
class RoutingDecision:
    """One routing decision: the provider chosen (or none) and why each other was skipped."""

    at: float
    invoice_id: str
    attempt_no: int
    policy: Policy
    chosen: str | None
    skipped: tuple[tuple[str, str], ...]


def skip_reason(
    now: float,
    config: ProviderConfig,
    method: PaymentMethod,
    health: HealthMonitor,
    breaker: CircuitBreaker,
) -> str | None:
    """Why ``config`` cannot take this payment now, or None when it is eligible."""
    if not config.enabled:
        return "disabled"
    if method not in config.methods:
        return f"does not support {method.value}"
    if health.status is Health.DOWN:
        return "health: down"
    if not breaker.would_allow(now):
        state = breaker.state
        if state is BreakerState.HALF_OPEN:
            return "breaker: half_open, trial call in flight"
        return f"breaker: {state.value}"
    return None


def order_candidates(
    policy: Policy,
    candidates: Iterable[ProviderConfig],
    invoice_id: str,
    amount_minor: int,
    weights: Mapping[str, int],
) -> list[ProviderConfig]:
    """Eligible providers in the order the policy tries them."""
    by_priority = sorted(candidates, key=_BY_PRIORITY)
    if policy is Policy.PRIORITY or len(by_priority) < 2:
        return by_priority
    if policy is Policy.COST:
        return sorted(
            by_priority,
            key=lambda c: (fee_minor(amount_minor, c.fee_bp, c.fee_fixed_minor), c.priority),
        )
    weighted = [c for c in by_priority if weights.get(c.name, 0) > 0]
    total = sum(weights[c.name] for c in weighted)
    if total == 0:
        return by_priority
    point = stable_hash(invoice_id) % total
    for config in weighted:
        point -= weights[config.name]
        if point < 0:
            return [config] + [c for c in by_priority if c is not config]
    raise AssertionError("unreachable: the point falls inside the total weight")
