"""Payment providers (rails): configuration, fault state and request handling.

A ``Provider`` answers three kinds of request from an orchestrator: a payment
attempt, a status check by idempotency key, and a health probe. It decides the
outcome and its timing when the request arrives; a charge becomes effective at
``charged_at`` and is recorded then (``advance``). Charges are idempotent per
invoice key, as real providers honour idempotency keys: the same key never
charges twice at one provider. Double charges can only happen *across*
providers, which is what the orchestrator's status check prevents.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Any

from actors.frozen import frozen
from actors.idempotency import KeyStore
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from actors.money import fee_minor
from actors.packed import pack_columns, pack_strings, unpack_rows, unpack_strings
from actors.provider_config import DEFAULT_PROVIDERS, Fault, FaultKind, ProviderConfig

__all__ = [
    "DEFAULT_PROVIDERS",
    "Charge",
    "Fault",
    "FaultKind",
    "Outcome",
    "Provider",
    "ProviderConfig",
    "ProviderReply",
    "StatusReply",
    "StatusState",
]


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"  # the payer's bank said no: an outcome, not a provider failure
    ERROR = "error"  # 5xx
    REFUSED = "refused"  # connection refused: the provider is down
    RATE_LIMITED = "rate_limited"  # 429


class StatusState(StrEnum):
    CHARGED = "charged"
    PROCESSING = "processing"
    NOT_FOUND = "not_found"


@frozen
class ProviderReply:
    """What the provider will answer; ``reply_after_ms`` None means it never answers."""

    outcome: Outcome
    reply_after_ms: float | None
    fee_minor: int = 0


@frozen
class StatusReply:
    state: StatusState
    reply_after_ms: float


@frozen
class Charge:
    """A charge that took effect at a provider (the fact double-pay checks count)."""

    provider: str
    invoice_id: str
    attempt_key: str
    amount_minor: int
    fee_minor: int
    charged_at: float
    origin: int = 0  # which orchestrator replica sent the attempt


_KEY_GENERATIONS = 4  # idempotency keys are stored in generations of a quarter retention


@dataclass(slots=True)
class _Pending:
    invoice_id: str
    attempt_key: str
    amount_minor: int
    fee_minor: int
    charged_at: float
    origin: int
    voided: bool = False


_PENDING_FIELDS = [attrgetter(f.name) for f in fields(_Pending)]
_PENDING_TEXT = (0, 1)  # its string fields: invoice_id, attempt_key
_SETTLED_FIELDS = [itemgetter(0), itemgetter(1)]  # (effect time, key)


@dataclass(slots=True)
class _Capacity:
    """In-flight requests (by answer time) and a token bucket for the rate limit."""

    busy_until: list[float] = field(default_factory=list)
    tokens: float = 0.0
    refilled_at: float = 0.0


class Provider:
    """One payment rail with its configuration, fault state and charges."""

    def __init__(self, config: ProviderConfig, rng: KeyedRandom) -> None:
        self.config = config
        self.fault: Fault | None = None
        self._rng = rng
        # Pending charges ordered by effect time; keys kept for idempotency and status.
        self._due: list[tuple[float, str]] = []
        self._keys: KeyStore[_Pending] = KeyStore(
            max(1.0, config.idempotency_retention_s / _KEY_GENERATIONS)
        )
        # Keys whose charge took effect (or was voided), in effect-time order: each is
        # forgotten idempotency_retention_s later.
        self._settled: deque[tuple[float, str]] = deque()
        self._cap = _Capacity(tokens=config.rate_limit_per_s or 0.0)
        self._probe_seq = 0
        self.charges: list[Charge] = []

    @property
    def name(self) -> str:
        return self.config.name

    def __getstate__(self) -> dict[str, Any]:
        """For checkpoints: the idempotency keys and their entries packed (``packed``).

        A long run remembers 600,000 keys; pickled as objects, 300,000 of them took
        4.8 s to checkpoint (2.8 s as objects, 1 s as plain tuples); packed, ~0.3 s.
        """
        state = self.__dict__.copy()
        generation_s, generations = self._keys.export()
        state["_keys"] = (
            generation_s,
            [
                (at, pack_strings(keys), pack_columns(values, _PENDING_FIELDS, _PENDING_TEXT))
                for at, keys, values in generations
            ],
        )
        state["_settled"] = pack_columns(self._settled, _SETTLED_FIELDS, (1,))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        generation_s, packed = state.pop("_keys")
        generations = [
            (at, unpack_strings(keys), [_Pending(*row) for row in unpack_rows(rows, _PENDING_TEXT)])
            for at, keys, rows in packed
        ]
        settled = deque(unpack_rows(state.pop("_settled"), (1,)))
        self.__dict__.update(state)
        self._keys = KeyStore.restore(generation_s, generations)
        self._settled = settled

    def reconfigure(self, config: ProviderConfig) -> None:
        if config.name != self.config.name:
            raise ValueError(f"cannot rename provider {self.config.name!r} to {config.name!r}")
        self.config = config

    def set_fault(self, now: float, fault: Fault | None) -> None:
        """Start (or with None, clear) a fault."""
        self.advance(now)
        if fault is not None and fault.started_at != now:
            fault = replace(fault, started_at=now)
        # Requests already being processed finish and answer; a fault changes new requests.
        self.fault = fault

    def is_down(self, now: float) -> bool:
        fault = self.fault
        if fault is None:
            return False
        if fault.kind is FaultKind.OUTAGE:
            return True
        if fault.kind is FaultKind.FLAPPING:
            phase = (now - fault.started_at) % fault.period_s
            return phase < fault.period_s * fault.duty
        return False

    def _is_silent(self) -> bool:
        return self.fault is not None and self.fault.kind is FaultKind.SILENT

    def advance(self, now: float) -> None:
        """Make due charges effective (recording them) and forget old idempotency keys."""
        due = self._due
        while due and due[0][0] <= now:
            charged_at, key = heapq.heappop(due)
            self._settled.append((charged_at, key))
            pending = self._keys.get(key)
            if pending is not None and not pending.voided:
                self.charges.append(
                    Charge(
                        self.config.name,
                        pending.invoice_id,
                        pending.attempt_key,
                        pending.amount_minor,
                        pending.fee_minor,
                        pending.charged_at,
                        pending.origin,
                    )
                )
        # Keys age from when their charge took effect, not from when the request arrived:
        # a key checked while its charge is still in the future would never be forgotten,
        # and the provider's memory would grow with the run.
        horizon = now - self.config.idempotency_retention_s
        settled = self._settled
        while settled and settled[0][0] < horizon:
            _, key = settled.popleft()
            pending = self._keys.get(key)
            if pending is not None and pending.charged_at < horizon:
                self._keys.discard(key)

    def next_due(self) -> float | None:
        """When the next pending charge takes effect (the runtime must wake the provider then)."""
        return self._due[0][0] if self._due else None

    def take_charges(self) -> list[Charge]:
        charges, self.charges = self.charges, []
        return charges

    def submit(
        self,
        now: float,
        invoice_id: str,
        invoice_key: str,
        attempt_key: str,
        amount_minor: int,
        method: PaymentMethod,
        origin: int = 0,
    ) -> ProviderReply:
        """Handle a payment attempt arriving at ``now``."""
        self.advance(now)
        config = self.config
        if self._is_silent():
            return ProviderReply(Outcome.ERROR, None)
        if self.is_down(now):
            return ProviderReply(Outcome.REFUSED, config.connect_ms)
        existing = self._keys.get(invoice_key)
        if existing is not None and not existing.voided:
            # Idempotent replay: the same invoice key gets the same charge, never a second one.
            wait_ms = max(config.connect_ms, (existing.charged_at - now) * 1000.0)
            return ProviderReply(Outcome.SUCCEEDED, wait_ms, existing.fee_minor)
        if not self._admit(now):
            return ProviderReply(Outcome.RATE_LIMITED, config.connect_ms)
        latency_ms = self._latency_ms(attempt_key)
        rng, fault = self._rng, self.fault
        self._occupy(now + latency_ms / 1000.0)
        if self._errors(attempt_key):
            return ProviderReply(Outcome.ERROR, latency_ms)
        if rng.chance(config.decline_rate, config.name, attempt_key, stream="decline"):
            return ProviderReply(Outcome.DECLINED, latency_ms)
        fee = fee_minor(amount_minor, config.fee_bp, config.fee_fixed_minor)
        charged_at = now + latency_ms / 1000.0
        self._remember(
            now,
            invoice_key,
            _Pending(invoice_id, attempt_key, amount_minor, fee, charged_at, origin),
        )
        reply_ms = latency_ms
        if fault is not None and fault.kind is FaultKind.LATE_SUCCESS:
            # The charge goes through on time; only the answer is late (after the timeout).
            reply_ms = config.timeout_ms + fault.late_by_ms
        return ProviderReply(Outcome.SUCCEEDED, reply_ms, fee)

    def status(self, now: float, invoice_key: str) -> StatusReply | None:
        """What the provider knows of ``invoice_key``; None when it does not answer."""
        self.advance(now)
        if self._is_silent():
            return None
        if self.is_down(now):
            return None
        pending = self._keys.get(invoice_key)
        reply_ms = self.config.connect_ms * 2
        if pending is None or pending.voided:
            return StatusReply(StatusState.NOT_FOUND, reply_ms)
        if pending.charged_at <= now:
            return StatusReply(StatusState.CHARGED, reply_ms)
        return StatusReply(StatusState.PROCESSING, reply_ms)

    def void(self, now: float, invoice_key: str) -> StatusReply | None:
        """Cancel a charge not yet effective, and say what stands: ``not_found`` (nothing
        will be charged: cancelled now, before, or never there) or ``charged`` (too late,
        the charge took effect). None: no answer (silent, or down)."""
        self.advance(now)
        if self._is_silent() or self.is_down(now):
            return None
        reply_ms = self.config.connect_ms * 2
        pending = self._keys.get(invoice_key)
        if pending is None or pending.voided:
            return StatusReply(StatusState.NOT_FOUND, reply_ms)
        if pending.charged_at <= now:
            return StatusReply(StatusState.CHARGED, reply_ms)
        pending.voided = True
        return StatusReply(StatusState.NOT_FOUND, reply_ms)

    def probe(self, now: float) -> float | None:
        """A health probe: the answer latency in ms, or None for a failed or unanswered probe."""
        self.advance(now)
        self._probe_seq += 1
        if self._is_silent() or self.is_down(now):
            return None
        key = f"probe:{self._probe_seq}"
        if self._errors(key):
            return None
        return self._latency_ms(key)

    def _errors(self, key: str) -> bool:
        """Whether an error_rate fault fails the request with this key."""
        fault = self.fault
        if fault is None or fault.kind is not FaultKind.ERROR_RATE:
            return False
        return self._rng.chance(fault.error_rate, self.config.name, key, stream="fault-error")

    def _latency_ms(self, key: str) -> float:
        config = self.config
        latency = config.latency_base_ms + self._rng.exponential(
            config.latency_jitter_ms, config.name, key, stream="latency"
        )
        fault = self.fault
        if fault is not None and fault.kind is FaultKind.LATENCY:
            latency += fault.extra_latency_ms
        return latency

    def _remember(self, now: float, key: str, pending: _Pending) -> None:
        self._keys.put(now, key, pending)
        heapq.heappush(self._due, (pending.charged_at, key))

    def _admit(self, now: float) -> bool:
        """Concurrency and rate limits; a rate_limit fault lowers the rate."""
        config, cap = self.config, self._cap
        busy = cap.busy_until
        while busy and busy[0] <= now:
            heapq.heappop(busy)
        if config.max_concurrency is not None and len(busy) >= config.max_concurrency:
            return False
        rate = config.rate_limit_per_s
        fault = self.fault
        if fault is not None and fault.kind is FaultKind.RATE_LIMIT:
            rate = fault.rate_limit_per_s if rate is None else min(rate, fault.rate_limit_per_s)
        if rate is None:
            return True
        # Token bucket holding one second of burst.
        cap.tokens = min(rate, cap.tokens + (now - cap.refilled_at) * rate)
        cap.refilled_at = now
        if cap.tokens < 1.0:
            return False
        cap.tokens -= 1.0
        return True

    def _occupy(self, until: float) -> None:
        if self.config.max_concurrency is not None:
            heapq.heappush(self._cap.busy_until, until)
