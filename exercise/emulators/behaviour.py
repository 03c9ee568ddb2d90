"""What an emulated provider answers, and when: the simulation's own ``Provider`` decides.

Each emulator holds an ``actors.provider.Provider`` built as the simulation builds
one (``simulation.processes.provider.ProviderLP``: the scenario's config, the
scenario's seed) and turns the scenario's faults on and off at their simulated
times. A request is handed to it at the simulated time it arrives; what it
decides (succeeded, declined, error, rate limited, refused, no answer, and after
how long) becomes an ``Answer``: an HTTP status, a simulated delay, and the
outcome recorded. Nothing here knows of HTTP or asyncio, so a unit test drives it
with plain numbers.

What the emulator adds is what HTTP needs and the simulation does not: the
charge's currency and method kept by key (so a repeat can be checked against the
first request and a status shows the whole charge), the number of creates seen
per key (a create is attempt ``n`` of its key: the simulation's attempt key is
``<invoice>#<attempt>``, here ``<Idempotency-Key>#<n>``, so declines, latencies
and errors are keyed draws of (seed, provider, key, n)), and declines and voids
remembered for status.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from actors.provider import (
    Charge,
    Fault,
    FaultKind,
    Outcome,
    Provider,
    ProviderConfig,
    StatusState,
)

# Keys a provider's emulator holds at most (each kept for the provider's
# idempotency_retention_s after its last use, as the provider keeps its own):
# 600 s at 200 charges/s is 120,000. Past the bound a new key is refused (503).
MAX_KEYS = 250_000


class ChargeStatus(StrEnum):
    PROCESSING = "processing"  # accepted, not yet in effect
    CHARGED = "charged"
    DECLINED = "declined"  # the last create with the key was declined: nothing charged
    VOIDED = "voided"  # cancelled before it took effect: nothing charged


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    key: str  # the Idempotency-Key
    invoice_id: str
    amount_minor: int
    currency: str
    method: PaymentMethod


@dataclass(frozen=True, slots=True)
class ChargeView:
    """A charge as it stands."""

    key: str
    provider: str
    invoice_id: str
    amount_minor: int
    currency: str
    method: str
    fee_minor: int
    status: ChargeStatus
    attempts: int
    created_at_s: float
    charged_at_s: float | None


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    """A charge that ended: took effect (``charged``) or was voided before it did."""

    key: str
    attempt_no: int
    invoice_id: str
    amount_minor: int
    currency: str
    method: str
    fee_minor: int
    outcome: str  # charged or voided
    created_at_s: float
    ended_at_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What to answer and when. ``after_s`` is simulated seconds from the request; None:
    never (a silent provider). ``close``: the provider is down, the connection goes with
    the answer. ``key``: the charge whose state the body shows, read when answering."""

    status: int
    outcome: str
    after_s: float | None
    key: str | None = None
    detail: str | None = None
    slug: str | None = None
    retry_after_s: int | None = None
    close: bool = False
    replayed: bool = False


@dataclass(slots=True)
class _Entry:
    """What the emulator keeps of one key."""

    request: ChargeRequest
    created_at_s: float
    last_used_s: float
    attempts: int = 0
    charge_attempt: int = 0  # the create whose charge stands (0: none)
    fee_minor: int = 0
    pending: bool = False  # accepted; charged_at_s says whether it took effect
    charged_at_s: float | None = None
    declined: bool = False
    voided: bool = False


class ProviderBehaviour:
    """One provider's decisions, on simulated time."""

    def __init__(self, config: ProviderConfig, seed: int, speed: float) -> None:
        self.provider = Provider(config, KeyedRandom(seed))
        self.speed = speed
        self._keys: dict[str, _Entry] = {}
        self._used: deque[tuple[float, str]] = deque()  # (last used, key), for retention
        self._ended: list[ChargeRecord] = []

    @property
    def config(self) -> ProviderConfig:
        return self.provider.config

    @property
    def name(self) -> str:
        return self.provider.config.name

    # ---- the fault timeline --------------------------------------------------------
    def set_fault(self, at_s: float, fault: Fault | None) -> None:
        """Start (or with None, end) a fault at its scheduled simulated time."""
        self.provider.set_fault(at_s, fault)
        self._collect()

    def is_down(self, now: float) -> bool:
        """Refusing connections now (an outage, or a flapping fault's down phase)."""
        return self.provider.is_down(now)

    def next_switch_s(self, now: float) -> float | None:
        """When a flapping fault next goes down or up; None without one."""
        fault = self.provider.fault
        if fault is None or fault.kind is not FaultKind.FLAPPING:
            return None
        down_s = fault.period_s * fault.duty
        phase = (now - fault.started_at) % fault.period_s
        return now + (down_s - phase if phase < down_s else fault.period_s - phase)

    # ---- requests ------------------------------------------------------------------
    def create(self, now: float, request: ChargeRequest) -> Answer:
        """``POST /charges``: a charge with an idempotency key."""
        config = self.config
        quick_s = config.connect_ms / 1000.0
        if request.method not in config.methods:
            served = ", ".join(sorted(config.methods))
            detail = f"method: {self.name} does not take {request.method}; it takes {served}"
            return Answer(
                status=422,
                outcome="invalid",
                after_s=quick_s,
                detail=detail,
                slug="method-not-supported",
            )
        entry = self._entry(now, request)
        if entry is None:
            detail = (
                f"{self.name} holds {MAX_KEYS:,} idempotency keys already; retry once older "
                f"ones expire ({config.idempotency_retention_s:g} simulated s after last use)"
            )
            return Answer(
                status=503,
                outcome="overloaded",
                after_s=quick_s,
                detail=detail,
                slug="too-many-keys",
                retry_after_s=1,
            )
        if entry.request != request:
            return Answer(
                status=409,
                outcome="conflict",
                after_s=quick_s,
                detail=_reuse_detail(entry.request, request),
                slug="key-reused",
            )
        # A repeat of a key whose charge stands: the provider says so (it may have forgotten
        # a key this emulator still holds, and then charges anew).
        known = self.provider.status(now, request.key)
        replay = known is not None and known.state is not StatusState.NOT_FOUND
        entry.attempts += 1
        reply = self.provider.submit(
            now,
            request.invoice_id,
            request.key,
            f"{request.key}#{entry.attempts}",
            request.amount_minor,
            request.method,
        )
        self._collect()
        return self._created(
            now, entry, reply.outcome, reply.reply_after_ms, replay, reply.fee_minor
        )

    def _created(
        self,
        now: float,
        entry: _Entry,
        outcome: Outcome,
        reply_after_ms: float | None,
        replay: bool,
        fee_minor: int,
    ) -> Answer:
        key = entry.request.key
        after_s = None if reply_after_ms is None else reply_after_ms / 1000.0
        if reply_after_ms is None:
            return Answer(status=504, outcome="silent", after_s=None)
        if outcome is Outcome.SUCCEEDED:
            if not replay:
                entry.pending, entry.declined, entry.voided = True, False, False
                entry.charge_attempt, entry.fee_minor, entry.charged_at_s = (
                    entry.attempts,
                    fee_minor,
                    None,
                )
            return Answer(
                status=200 if replay else 201,
                outcome=str(outcome),
                after_s=after_s,
                key=key,
                replayed=replay,
            )
        if outcome is Outcome.DECLINED:
            entry.declined = True
            detail = (
                f"{self.name} declined the charge (the payer's bank said no); nothing was charged"
            )
            return Answer(
                status=402, outcome=str(outcome), after_s=after_s, detail=detail, slug="declined"
            )
        if outcome is Outcome.RATE_LIMITED:
            detail = f"{self.name} is over its rate or concurrency limit; retry later"
            return Answer(
                status=429,
                outcome=str(outcome),
                after_s=after_s,
                detail=detail,
                slug="rate-limited",
                retry_after_s=self.retry_after_s(),
            )
        if outcome is Outcome.REFUSED:
            return self._down(now, after_s)
        detail = f"{self.name} failed (an emulated 5xx); the charge was not made"
        return Answer(
            status=500, outcome=str(outcome), after_s=after_s, detail=detail, slug="provider-error"
        )

    def status(self, now: float, key: str) -> Answer:
        """``GET /charges/{key}``: what the provider knows of the key."""
        reply = self.provider.status(now, key)
        self._collect()
        if reply is None:
            return self._unanswered(now)
        after_s = reply.reply_after_ms / 1000.0
        entry = self._live(now, key)
        if entry is None or (
            reply.state is StatusState.NOT_FOUND and not entry.declined and not entry.voided
        ):
            return self._not_found(key, after_s)
        return Answer(status=200, outcome=str(reply.state), after_s=after_s, key=key)

    def void(self, now: float, key: str) -> Answer:
        """``POST /charges/{key}/void``: cancel a charge not yet in effect."""
        self.provider.advance(now)
        self._collect()
        entry = self._live(now, key)
        was_pending = entry is not None and entry.pending and entry.charged_at_s is None
        reply = self.provider.void(now, key)
        self._collect()
        if reply is None:
            return self._unanswered(now)
        after_s = reply.reply_after_ms / 1000.0
        if entry is None or not (entry.pending or entry.declined or entry.voided):
            return self._not_found(key, after_s)
        if was_pending and reply.state is StatusState.NOT_FOUND:
            entry.voided, entry.pending = True, False
            self._ended.append(_record(entry, "voided", now))
        view = self.view(now, key)
        outcome = "not_found" if view is None else str(view.status)
        return Answer(status=200, outcome=outcome, after_s=after_s, key=key)

    def health(self, now: float) -> Answer:
        """``GET /health``: the provider's health probe."""
        latency_ms = self.provider.probe(now)
        if latency_ms is not None:
            return Answer(status=200, outcome="ok", after_s=latency_ms / 1000.0)
        if self.provider.fault is not None and self.provider.fault.kind is FaultKind.SILENT:
            return Answer(status=504, outcome="silent", after_s=None)
        if self.is_down(now):
            return self._down(now, self.config.connect_ms / 1000.0)
        detail = f"{self.name} failed its health check (an emulated 5xx)"
        return Answer(
            status=503,
            outcome="error",
            after_s=self.config.connect_ms / 1000.0,
            detail=detail,
            slug="provider-error",
        )

    def view(self, now: float, key: str) -> ChargeView | None:
        """The charge of ``key`` as it stands at ``now``; None once the key is forgotten."""
        self.provider.advance(now)
        self._collect()
        entry = self._keys.get(key)
        if entry is None:
            return None
        request = entry.request
        if entry.voided:
            status = ChargeStatus.VOIDED
        elif entry.charged_at_s is not None:
            status = ChargeStatus.CHARGED
        elif entry.pending:
            status = ChargeStatus.PROCESSING
        else:
            status = ChargeStatus.DECLINED
        return ChargeView(
            key=key,
            provider=self.name,
            invoice_id=request.invoice_id,
            amount_minor=request.amount_minor,
            currency=request.currency,
            method=str(request.method),
            fee_minor=entry.fee_minor,
            status=status,
            attempts=entry.attempts,
            created_at_s=entry.created_at_s,
            charged_at_s=entry.charged_at_s,
        )

    def settle(self, now: float) -> list[ChargeRecord]:
        """Charges that ended since the last call: in effect by ``now``, or voided."""
        self.provider.advance(now)
        self._collect()
        ended, self._ended = self._ended, []
        return ended

    def retry_after_s(self) -> int:
        """Whole wall seconds until the token bucket has a token again (at least 1)."""
        rate = self.config.rate_limit_per_s
        fault = self.provider.fault
        if fault is not None and fault.kind is FaultKind.RATE_LIMIT:
            rate = fault.rate_limit_per_s if rate is None else min(rate, fault.rate_limit_per_s)
        simulated_s = 1.0 if rate is None else max(1.0, 1.0 / rate)
        return max(1, math.ceil(simulated_s / self.speed))

    # ---- keys ----------------------------------------------------------------------
    def _entry(self, now: float, request: ChargeRequest) -> _Entry | None:
        self._forget(now)
        entry = self._keys.get(request.key)
        if entry is None:
            if len(self._keys) >= MAX_KEYS:
                return None
            entry = self._keys[request.key] = _Entry(request, now, now)
            self._used.append((now, request.key))
        entry.last_used_s = now
        return entry

    def _live(self, now: float, key: str) -> _Entry | None:
        self._forget(now)
        entry = self._keys.get(key)
        if entry is not None:
            entry.last_used_s = now
        return entry

    def _forget(self, now: float) -> None:
        """Drop keys unused for the retention time, unless their charge is still pending.

        ``_used`` holds each key once, queued by when it was last known to be used; a key
        found used since is queued again, so the queue is as long as the keys held."""
        horizon = now - self.config.idempotency_retention_s
        used = self._used
        while used and used[0][0] < horizon:
            _, key = used.popleft()
            entry = self._keys[key]
            if entry.last_used_s >= horizon:
                used.append((entry.last_used_s, key))
            elif entry.pending and entry.charged_at_s is None and not entry.voided:
                used.append((now, key))  # its charge is still to take effect: keep it
            else:
                del self._keys[key]

    def _collect(self) -> None:
        """Charges the provider made effective: noted on their keys, kept for ``settle``."""
        for charge in self.provider.take_charges():
            self._took_effect(charge)

    def _took_effect(self, charge: Charge) -> None:
        key, _, attempt = charge.attempt_key.rpartition("#")
        entry = self._keys.get(key)
        # A charge outlives neither its key (kept while pending) nor its create.
        assert entry is not None and entry.charge_attempt == int(attempt), charge
        entry.charged_at_s = charge.charged_at
        # Kept at least as long as the provider keeps the key (retention from the effect).
        entry.last_used_s = max(entry.last_used_s, charge.charged_at)
        self._ended.append(_record(entry, "charged", charge.charged_at))

    def _unanswered(self, now: float) -> Answer:
        if self.is_down(now):
            return self._down(now, self.config.connect_ms / 1000.0)
        return Answer(status=504, outcome="silent", after_s=None)

    def _down(self, now: float, after_s: float | None) -> Answer:
        # The listening socket is closed for an outage, so this is a request that raced
        # the close on a connection accepted before it: it goes with the connection.
        detail = f"{self.name} is down (refusing connections); retry later"
        return Answer(
            status=503,
            outcome=str(Outcome.REFUSED),
            after_s=after_s,
            detail=detail,
            slug="provider-down",
            close=True,
        )

    def _not_found(self, key: str, after_s: float) -> Answer:
        detail = f"{self.name} has no charge with Idempotency-Key {key!r}"
        return Answer(
            status=404,
            outcome=str(StatusState.NOT_FOUND),
            after_s=after_s,
            detail=detail,
            slug="not-found",
        )


def _record(entry: _Entry, outcome: str, ended_at_s: float) -> ChargeRecord:
    request = entry.request
    return ChargeRecord(
        key=request.key,
        attempt_no=entry.charge_attempt,
        invoice_id=request.invoice_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        method=str(request.method),
        fee_minor=entry.fee_minor,
        outcome=outcome,
        created_at_s=entry.created_at_s,
        ended_at_s=ended_at_s,
    )


def _reuse_detail(first: ChargeRequest, again: ChargeRequest) -> str:
    differs = [
        name
        for name in ("invoice_id", "amount_minor", "currency", "method")
        if getattr(first, name) != getattr(again, name)
    ]
    return (
        f"Idempotency-Key {first.key!r} was first used with other values of "
        f"{', '.join(differs)}; use a new key for a different charge"
    )
