"""The orchestrator: routes each payment, fails over, and never pays twice.

One orchestrator runs per shard, as real orchestrators are replicated. It is a
pure state machine: the runtime feeds it what happened (a reply, a timeout, a
status answer, a probe result) and it returns the commands to carry out next
(``SendAttempt``, ``CheckStatus``, ``VoidAttempt``, ``PaymentDone``). Time is
whatever ``now`` the runtime passes.

A timeout is an *unknown* outcome: the provider may have charged. So before
failing over, the orchestrator asks that provider for the status of the
invoice's idempotency key, a bounded number of times. ``charged`` ends the
payment as paid; ``not_found`` fails over; ``processing`` or no answer asks
again. When the checks run out, it voids the key at that provider and fails
over only once the void is answered: ``not_found`` (nothing will be charged)
fails over, ``charged`` (the charge took effect first) ends the payment as
paid. A void nobody answers leaves the payment *in doubt*: it is never failed
over then, only checked again every ``doubt_retry_s`` until the provider
answers, or ended as failed (held for review) after ``doubt_limit_s``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from actors.breaker import CircuitBreaker
from actors.errors import IllegalTransition, InputError
from actors.health import HealthMonitor
from actors.methods import PaymentMethod
from actors.money import fee_minor
from actors.orchestrator_records import (
    AttemptFinished,
    CheckStatus,
    Command,
    LateReply,
    PaymentDone,
    ProviderView,
    SendAttempt,
    StatusChecked,
    VoidAnswered,
    VoidAttempt,
)
from actors.provider import Outcome, StatusState
from actors.provider_config import ProviderConfig
from actors.routing import RoutingDecision, order_candidates, skip_reason
from actors.routing_config import RoutingConfig

_FAILOVER_OUTCOMES = frozenset({Outcome.ERROR, Outcome.REFUSED, Outcome.RATE_LIMITED})


@dataclass(slots=True)
class _Payment:
    invoice_id: str
    method: PaymentMethod
    amount_minor: int
    forced: str | None
    started_at: float
    tried: list[str] = field(default_factory=list)
    current: SendAttempt | None = None
    checking: bool = False
    checks: int = 0
    voids: int = 0
    voiding: bool = False  # a void of the current attempt is out and not answered yet
    doubt_since: float | None = None  # when a void went unanswered


class Orchestrator:
    """Routing, breakers, health and failover for one replica."""

    def __init__(
        self,
        replica: str,
        providers: Iterable[ProviderConfig],
        config: RoutingConfig | None = None,
    ) -> None:
        self.replica = replica
        self.config = config or RoutingConfig()
        self.providers: dict[str, ProviderConfig] = {}
        self.breakers: dict[str, CircuitBreaker] = {}
        self.health: dict[str, HealthMonitor] = {}
        for provider in providers:
            self.add_provider(provider)
        if not self.providers:
            raise InputError("an orchestrator needs at least one provider")
        self._payments: dict[str, _Payment] = {}
        self._by_attempt: dict[str, _Payment] = {}
        self.decisions: list[RoutingDecision] = []
        self.events: list[AttemptFinished | StatusChecked | VoidAnswered | LateReply] = []

    # ---- configuration (admin) -------------------------------------------------
    def add_provider(self, config: ProviderConfig) -> None:
        self.providers[config.name] = config
        self.breakers[config.name] = CircuitBreaker(config.name, self.config.breaker)
        self.health[config.name] = HealthMonitor(config.name, self.config.health)

    def update_provider(self, config: ProviderConfig) -> None:
        """New priority, enabled flag, fees...: effective for the next decision."""
        if config.name not in self.providers:
            raise InputError(f"unknown provider {config.name!r}; known: {sorted(self.providers)}")
        self.providers[config.name] = config

    def breaker(self, name: str) -> CircuitBreaker:
        try:
            return self.breakers[name]
        except KeyError:
            raise InputError(
                f"unknown provider {name!r}; known: {sorted(self.providers)}"
            ) from None

    # ---- the payment flow ------------------------------------------------------
    @property
    def in_flight(self) -> int:
        return len(self._payments)

    def begin(
        self,
        now: float,
        invoice_id: str,
        method: PaymentMethod,
        amount_minor: int,
        forced: str | None = None,
    ) -> tuple[Command, ...]:
        """Start paying an invoice; returns the first command."""
        if invoice_id in self._payments:
            raise IllegalTransition(f"invoice {invoice_id} already has a payment in flight")
        if forced is not None and forced not in self.providers:
            raise InputError(f"unknown provider {forced!r}; known: {sorted(self.providers)}")
        payment = _Payment(invoice_id, method, amount_minor, forced, now)
        self._payments[invoice_id] = payment
        return self._next_attempt(now, payment)

    def on_reply(
        self, now: float, attempt_key: str, outcome: Outcome, fee: int = 0
    ) -> tuple[Command, ...]:
        """A provider answered an attempt."""
        payment = self._live(attempt_key)
        if payment is None or payment.current is None:
            self.events.append(LateReply(now, attempt_key, outcome))
            return ()
        attempt = payment.current
        latency_ms = (now - attempt.sent_at) * 1000.0
        if payment.voiding:
            # A void is out: it may have cancelled the very charge this answer reports, so
            # only its answer (charged, or nothing will be) settles the attempt.
            self.events.append(LateReply(now, attempt_key, outcome))
            return ()
        if not payment.checking:
            ok = outcome is Outcome.SUCCEEDED or outcome is Outcome.DECLINED
            self.health[attempt.provider].record_call(now, ok, latency_ms)
            breaker = self.breakers[attempt.provider]
            if ok:
                breaker.record_success(now)
            else:
                breaker.record_failure(now, outcome.value)
        self.events.append(AttemptFinished(now, attempt, outcome._value_, latency_ms))
        if outcome is Outcome.SUCCEEDED:
            return (self._done(now, payment, True, "paid", fee),)
        if outcome is Outcome.DECLINED:
            return (self._done(now, payment, False, f"declined by {attempt.provider}"),)
        return self._next_attempt(now, payment)

    def on_timeout(self, now: float, attempt_key: str) -> tuple[Command, ...]:
        """An attempt's timeout fired: unknown outcome, so ask before failing over."""
        payment = self._live(attempt_key)
        if payment is None or payment.current is None or payment.checking:
            return ()
        attempt = payment.current
        timeout_ms = (now - attempt.sent_at) * 1000.0
        self.breakers[attempt.provider].record_failure(now, "timeout")
        self.health[attempt.provider].record_call(now, False, timeout_ms)
        self.events.append(AttemptFinished(now, attempt, "timeout", timeout_ms))
        payment.checking = True
        payment.checks = 0
        return (self._check(payment, now),)

    def on_status(
        self, now: float, attempt_key: str, check_no: int, state: StatusState | None
    ) -> tuple[Command, ...]:
        """A status check answered (``state``) or ran out of time (None)."""
        payment = self._live(attempt_key)
        if payment is None or payment.current is None or not payment.checking:
            return ()
        if check_no != payment.checks:
            return ()  # an answer to an earlier check that was already given up on
        attempt = payment.current
        result = state.value if state is not None else "unknown"
        self.events.append(StatusChecked(now, attempt, check_no, result))
        if state is StatusState.CHARGED:
            return (self._paid(now, payment, "paid (confirmed by status check)"),)
        if state is StatusState.NOT_FOUND:
            return self._next_attempt(now, payment)
        if payment.doubt_since is not None:
            # In doubt: only the provider can settle it; ask again, void what is pending.
            if state is StatusState.PROCESSING:
                return (self._void(payment, now),)
            return self._doubt(now, payment)
        if payment.checks < self.config.max_status_checks:
            return (self._check(payment, now + self.config.status_retry_ms / 1000.0),)
        return (self._void(payment, now),)

    def on_void(
        self, now: float, attempt_key: str, void_no: int, state: StatusState | None
    ) -> tuple[Command, ...]:
        """A void answered (``state``: ``not_found`` or ``charged``) or ran out of time."""
        payment = self._live(attempt_key)
        if payment is None or payment.current is None or void_no != payment.voids:
            return ()
        payment.voiding = False
        result = state.value if state is not None else "unknown"
        self.events.append(VoidAnswered(now, payment.current, void_no, result))
        if state is StatusState.CHARGED:
            return (self._paid(now, payment, "paid (the charge took effect before the void)"),)
        if state is StatusState.NOT_FOUND:
            return self._next_attempt(now, payment)  # nothing will be charged there: safe
        if payment.doubt_since is None:
            payment.doubt_since = now
        return self._doubt(now, payment)

    def _doubt(self, now: float, payment: _Payment) -> tuple[Command, ...]:
        """Failing over now could pay twice: wait for the provider, within a limit."""
        assert payment.doubt_since is not None and payment.current is not None
        if now - payment.doubt_since >= self.config.doubt_limit_s:
            provider = payment.current.provider
            reason = (
                f"outcome unknown: {provider} answered no status check or void for "
                f"{self.config.doubt_limit_s:g} s; held for review"
            )
            return (self._done(now, payment, False, reason),)
        return (self._check(payment, now + self.config.doubt_retry_s),)

    def _void(self, payment: _Payment, send_at: float) -> VoidAttempt:
        attempt = payment.current
        assert attempt is not None
        payment.voids += 1
        payment.voiding = True
        deadline = send_at + self.config.void_timeout_ms / 1000.0
        return VoidAttempt(
            attempt.provider, attempt.invoice_key, attempt.attempt_key, send_at, payment.voids,
            deadline,
        )  # fmt: skip

    def _paid(self, now: float, payment: _Payment, reason: str) -> PaymentDone:
        attempt = payment.current
        assert attempt is not None
        config = self.providers[attempt.provider]
        fee = fee_minor(payment.amount_minor, config.fee_bp, config.fee_fixed_minor)
        return self._done(now, payment, True, reason, fee)

    def _live(self, attempt_key: str) -> _Payment | None:
        payment = self._by_attempt.get(attempt_key)
        if payment is None or payment.current is None:
            return None
        return payment if payment.current.attempt_key == attempt_key else None

    def _check(self, payment: _Payment, send_at: float) -> CheckStatus:
        attempt = payment.current
        assert attempt is not None
        payment.checks += 1
        deadline = send_at + self.config.status_timeout_ms / 1000.0
        return CheckStatus(attempt, payment.checks, send_at, deadline)

    def _next_attempt(self, now: float, payment: _Payment) -> tuple[Command, ...]:
        if payment.current is not None:
            del self._by_attempt[payment.current.attempt_key]
            payment.current = None
        payment.checking = False
        payment.doubt_since = None
        attempt_no = len(payment.tried) + 1
        if attempt_no > self.config.max_attempts:
            reason = f"failed after {self.config.max_attempts} attempts"
            return (self._done(now, payment, False, reason),)
        chosen = self._choose(now, payment, attempt_no)
        if chosen is None:
            why = "; ".join(f"{n}: {r}" for n, r in self.decisions[-1].skipped)
            return (self._done(now, payment, False, f"no eligible provider ({why})"),)
        payment.tried.append(chosen.name)
        invoice_id = payment.invoice_id
        attempt = SendAttempt(
            invoice_id=invoice_id,
            attempt_no=attempt_no,
            provider=chosen.name,
            invoice_key=f"inv:{invoice_id}",
            attempt_key=f"{invoice_id}#{attempt_no}",
            amount_minor=payment.amount_minor,
            method=payment.method,
            sent_at=now,
            timeout_at=now + chosen.timeout_ms / 1000.0,
        )
        payment.current = attempt
        self._by_attempt[attempt.attempt_key] = payment
        return (attempt,)

    def _choose(self, now: float, payment: _Payment, attempt_no: int) -> ProviderConfig | None:
        skipped: list[tuple[str, str]] = []
        eligible: list[ProviderConfig] = []
        for name, config in self.providers.items():
            if name in payment.tried:
                skipped.append((name, "already tried for this invoice"))
                continue
            if payment.forced is not None and name != payment.forced:
                skipped.append((name, f"provider forced to {payment.forced}"))
                continue
            reason = skip_reason(
                now, config, payment.method, self.health[name], self.breakers[name]
            )
            if reason is None:
                eligible.append(config)
            else:
                skipped.append((name, reason))
        policy = self.config.policy
        ordered = order_candidates(
            policy, eligible, payment.invoice_id, payment.amount_minor, self.config.weights
        )
        chosen = ordered[0] if ordered else None
        if chosen is not None:
            allowed = self.breakers[chosen.name].allow(now)  # takes a half-open trial slot
            assert allowed, "would_allow said yes a moment ago"
        self.decisions.append(
            RoutingDecision(
                now,
                payment.invoice_id,
                attempt_no,
                policy,
                chosen.name if chosen is not None else None,
                tuple(skipped),
            )
        )
        return chosen

    def _done(
        self, now: float, payment: _Payment, succeeded: bool, reason: str, fee: int = 0
    ) -> PaymentDone:
        attempt = payment.current
        provider = payment.tried[-1] if payment.tried else None
        if attempt is not None:
            del self._by_attempt[attempt.attempt_key]
        del self._payments[payment.invoice_id]
        return PaymentDone(
            at=now,
            invoice_id=payment.invoice_id,
            succeeded=succeeded,
            provider=provider,
            attempts=len(payment.tried),
            reason=reason,
            fee_minor=fee,
            latency_ms=(now - payment.started_at) * 1000.0,
        )

    # ---- health probes ---------------------------------------------------------
    def due_probes(self, now: float) -> list[str]:
        return [
            name
            for name, monitor in self.health.items()
            if self.providers[name].enabled and monitor.probe_due(now)
        ]

    def on_probe(self, now: float, provider: str, latency_ms: float | None) -> None:
        monitor = self.health[provider]
        monitor.record_probe(now, latency_ms)
        if latency_ms is not None and latency_ms <= monitor.config.probe_timeout_ms:
            self.breakers[provider].probe_succeeded(now)

    # ---- views -----------------------------------------------------------------
    def routes_to(self, now: float, provider: str) -> bool:
        """Whether new payments could still be routed to ``provider`` (for any method)."""
        config = self.providers[provider]
        return any(
            skip_reason(now, config, m, self.health[provider], self.breakers[provider]) is None
            for m in config.methods
        )

    def views(self, now: float) -> list[ProviderView]:
        out = []
        for name, config in sorted(self.providers.items(), key=lambda kv: kv[1].priority):
            monitor = self.health[name]
            out.append(
                ProviderView(
                    name=name,
                    priority=config.priority,
                    enabled=config.enabled,
                    health=monitor.status,
                    breaker=self.breakers[name].current(now),
                    success_rate=monitor.success_rate(now),
                    mean_latency_ms=monitor.mean_latency_ms(now),
                    last_probe_at=monitor.last_probe_at,
                )
            )
        return out
