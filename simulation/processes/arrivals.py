"""Load shapes: when invoices arrive, and what each payer does.

Each shard generates its own share (rate / shards) of every load phase. An
arrival time comes from inverting the cumulative rate Λ(t) of the phase:
arrival n of shard k is where Λ reaches (n·shards + k + ½) for the smooth
shapes (constant, ramp, spike), or a running sum of exponential gaps for
``poisson``. Every draw is keyed by shard, phase and arrival number, so a
shard's arrivals do not depend on anything else that happens.
"""

from __future__ import annotations

import math
from typing import Any

from actors.frozen import frozen
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod

# A segment of piecewise-linear rate: (t0, t1, rate at t0, rate at t1), absolute seconds.
Segment = tuple[float, float, float, float]


def rate_segments(phase: Any) -> list[Segment]:
    start, end = phase.start_s, phase.start_s + phase.duration_s
    shape, rate = phase.shape, phase.rate_per_s
    if shape == "ramp":
        return [(start, end, rate, phase.rate_end_per_s)]
    if shape == "spike":
        s0 = min(end, start + phase.spike.at_s)
        s1 = min(end, s0 + phase.spike.duration_s)
        spike = phase.spike.rate_per_s
        parts = [(start, s0, rate, rate), (s0, s1, spike, spike), (s1, end, rate, rate)]
        return [p for p in parts if p[1] > p[0]]
    return [(start, end, rate, rate)]


def _invert(segments: list[Segment], target: float) -> float | None:
    """The time where the cumulative rate reaches ``target``, or None past the end."""
    for t0, t1, r0, r1 in segments:
        span = t1 - t0
        area = (r0 + r1) / 2.0 * span
        if target > area:
            target -= area
            continue
        slope = (r1 - r0) / span if span > 0 else 0.0
        if abs(slope) < 1e-12:
            return t0 + (target / r0 if r0 > 0 else 0.0)
        # r0·x + slope·x²/2 = target
        disc = r0 * r0 + 2.0 * slope * target
        return t0 + (-r0 + math.sqrt(max(disc, 0.0))) / slope
    return None


class ArrivalStream:
    """Arrival times of one shard's share of one phase, generated lazily."""

    __slots__ = ("_entity", "_n", "_poisson", "_rng", "_segments", "_shard", "_shards", "_u")

    def __init__(
        self, phase: Any, phase_index: int, shard: int, shards: int, rng: KeyedRandom
    ) -> None:
        self._segments = rate_segments(phase)
        self._poisson = phase.shape == "poisson"
        self._shard, self._shards = shard, shards
        self._rng = rng
        self._entity = f"arrivals:{phase_index}:{shard}"
        self._n = 0
        self._u = 0.0

    def next(self) -> float | None:
        n = self._n
        self._n += 1
        if self._poisson:
            self._u += self._rng.exponential(float(self._shards), self._entity, n)
            target = self._u
        else:
            target = n * self._shards + self._shard + 0.5
        return _invert(self._segments, target)


# What a payer does: pays through a provider, never pays, pays after the wallet expired,
# or sends too little or too much straight to the wallet (the crypto-native path).
PAYS, NEVER, LATE, UNDERPAYS, OVERPAYS = "pays", "never", "late", "underpays", "overpays"
MISPAYS = (UNDERPAYS, OVERPAYS)


@frozen
class PayerPlan:
    method: PaymentMethod
    amount_minor: int
    behaviour: str  # PAYS, NEVER, LATE, UNDERPAYS or OVERPAYS
    pay_after_s: float  # from invoice creation
    sends_minor: int  # what the payer sends (0: nothing); off the amount for MISPAYS


def mispaid_minor(amount_minor: int, behaviour: str, mispay_by: float) -> int | None:
    """What a payer who gets ``amount_minor`` wrong sends: ``mispay_by`` of it less or more,
    rounded to the minor unit and off by one at least. None for an underpayment of one
    minor unit, which cannot be: nothing sent is no payment at all."""
    off = max(1, round(amount_minor * mispay_by))
    if behaviour == OVERPAYS:
        return amount_minor + off
    off = min(off, amount_minor - 1)
    return amount_minor - off if off > 0 else None


@frozen
class Mispayers:
    """Payers who send the wrong amount to the wallet: ``underpay_share`` of them too
    little, ``overpay_share`` too much, each off by ``mispay_by`` of the amount."""

    underpay_share: float
    overpay_share: float
    mispay_by: float

    @classmethod
    def of(cls, spec: Any) -> Mispayers | None:
        """The mispayers of a load phase or bulk job; None when every payer pays right."""
        if spec.underpay_share == 0 and spec.overpay_share == 0:
            return None
        return cls(float(spec.underpay_share), float(spec.overpay_share), float(spec.mispay_by))

    def pick(self, u: float, amount_minor: int) -> tuple[str, int] | None:
        """(behaviour, what the payer sends) for a uniform draw ``u`` that falls in the
        mispayers' part of [0, 1) (the underpayers first); None past it, or when the
        amount cannot be got wrong that way."""
        if u < self.underpay_share:
            behaviour = UNDERPAYS
        elif u < self.underpay_share + self.overpay_share:
            behaviour = OVERPAYS
        else:
            return None
        sends = mispaid_minor(amount_minor, behaviour, self.mispay_by)
        return None if sends is None else (behaviour, sends)


def _amount_minor(spec: Any, rng: KeyedRandom, invoice_id: str) -> int:
    kind = spec.distribution
    if kind == "fixed":
        return int(spec.value_minor)
    if kind == "uniform":
        lo, hi = int(spec.min_minor), int(spec.max_minor)
        return lo + int(rng.uniform(invoice_id, 0, stream="amount") * (hi - lo + 1))
    # lognormal around the median: Box-Muller from two keyed uniforms
    u1 = rng.uniform(invoice_id, 0, stream="amount")
    u2 = rng.uniform(invoice_id, 1, stream="amount")
    z = math.sqrt(-2.0 * math.log1p(-u1)) * math.cos(2.0 * math.pi * u2)
    value = round(spec.median_minor * math.exp(spec.sigma * z))
    if spec.min_minor is not None:
        value = max(value, int(spec.min_minor))
    if spec.max_minor is not None:
        value = min(value, int(spec.max_minor))
    return max(int(value), 1)


LATE_MEAN_S = 120.0  # how long after expiry a late payer pays, on average


class PayerModel:
    """The payers of one load phase; ``plan`` draws one invoice's payer, keyed by its id.

    Built once per phase so that per invoice only the draws are left: the method
    members and the total weight do not change from one invoice to the next.
    """

    __slots__ = (
        "_amount",
        "_late_below",
        "_methods",
        "_mispay_below",
        "_mispayers",
        "_never_below",
        "_think_s",
        "_total",
        "_ttl_s",
        "currency",
    )

    def __init__(self, phase: Any, ttl_s: float) -> None:
        weights: dict[Any, float] = phase.methods
        self._methods = [(PaymentMethod(name), weight) for name, weight in weights.items()]
        self._total = sum(weights.values())
        self._amount = phase.amount
        # One behaviour draw u per invoice, cut in this order: never, late, mispays, pays.
        # Without mispayers their part is empty and every payer does what it did before.
        self._never_below = phase.never_pay_share
        self._late_below = phase.never_pay_share + phase.late_pay_share
        self._mispayers = Mispayers.of(phase)
        self._mispay_below = self._late_below + phase.underpay_share + phase.overpay_share
        self._think_s = phase.think_s
        self._ttl_s = ttl_s
        self.currency: str = phase.currency

    def plan(self, rng: KeyedRandom, invoice_id: str) -> PayerPlan:
        """Everything random about one invoice's payer."""
        ttl_s = self._ttl_s
        method = self._pick_method(rng.uniform(invoice_id, 0, stream="method"))
        amount = _amount_minor(self._amount, rng, invoice_id)
        u = rng.uniform(invoice_id, 0, stream="behaviour")
        if u < self._never_below:
            return PayerPlan(method, amount, NEVER, ttl_s, 0)
        if u < self._late_below:
            late = ttl_s + 1.0 + rng.exponential(LATE_MEAN_S, invoice_id, 0, stream="late")
            return PayerPlan(PaymentMethod.CRYPTO, amount, LATE, late, amount)
        think_s = self._think_s
        think = rng.exponential(think_s, invoice_id, 0, stream="think") if think_s else 0
        pay_after_s = min(think, ttl_s * 0.9)
        if u < self._mispay_below:
            assert self._mispayers is not None
            mispaid = self._mispayers.pick(u - self._late_below, amount)
            if mispaid is not None:  # to the wallet's address: a crypto payment
                behaviour, sends = mispaid
                return PayerPlan(PaymentMethod.CRYPTO, amount, behaviour, pay_after_s, sends)
        return PayerPlan(method, amount, PAYS, pay_after_s, amount)

    def _pick_method(self, u: float) -> PaymentMethod:
        point = u * self._total
        for method, weight in self._methods:
            point -= weight
            if point < 0:
                return method
        return next(m for m, w in reversed(self._methods) if w > 0)  # rounding at the top end


def plan_payer(phase: Any, rng: KeyedRandom, invoice_id: str, ttl_s: float) -> PayerPlan:
    """Everything random about one invoice's payer, keyed by the invoice id."""
    return PayerModel(phase, ttl_s).plan(rng, invoice_id)
