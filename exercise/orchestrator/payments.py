"""The reference orchestrator's payments: ``actors.orchestrator`` driven over real HTTP.

``actors.orchestrator.Orchestrator`` is a pure state machine: it is told what
happened (a reply, a timeout, a status answer, a probe) and returns the commands
to carry out. In the simulation a shard carries them out with messages and
timers; here ``Payments`` carries them out with requests to the providers
(``ProviderLink``) on an asyncio loop, and feeds the answers back. Routing,
breakers, health, status checks, voids and the rule never to pay twice are the
very code the simulation runs. Time is the paced clock's simulated seconds, so
the scenario's timeouts and intervals mean what they mean in a simulated run.

Everything runs on one event loop, so the orchestrator is never entered twice at
once. Invoices are kept in memory, at most ``MAX_INVOICES``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from actors.errors import ConflictError, InputError, NotFoundError, UnavailableError
from actors.methods import PaymentMethod
from actors.orchestrator import Orchestrator
from actors.orchestrator_records import (
    CheckStatus,
    Command,
    PaymentDone,
    SendAttempt,
    VoidAttempt,
)
from actors.provider_config import ProviderConfig
from actors.routing_config import RoutingConfig
from exercise.emulators.clock import PacedClock
from exercise.orchestrator.providers import ProviderLink

log = logging.getLogger(__name__)

MAX_INVOICES = 1_000_000
Status = Literal["pending", "processing", "paid", "failed"]


@dataclass(slots=True)
class Invoice:
    invoice_id: str
    amount_minor: int
    currency: str
    method: PaymentMethod
    created_at_s: float
    status: Status = "pending"
    pay_key: str | None = None  # the Idempotency-Key of the pay request
    provider: str | None = None
    attempts: int = 0
    fee_minor: int = 0
    reason: str | None = None
    paid_at_s: float | None = None
    ended_at_s: float | None = None


class Payments:
    """Invoices, and the orchestrator paying them through the providers' links."""

    def __init__(
        self,
        providers: tuple[ProviderConfig, ...],
        routing: RoutingConfig,
        links: dict[str, ProviderLink],
        clock: PacedClock,
        max_invoices: int = MAX_INVOICES,
    ) -> None:
        missing = sorted(p.name for p in providers if p.name not in links)
        if missing:
            raise InputError(f"no address for provider(s) {', '.join(missing)}")
        self.orchestrator = Orchestrator("reference", providers, routing)
        self.links = links
        self.clock = clock
        self.max_invoices = max_invoices
        self.invoices: dict[str, Invoice] = {}
        self._keys: dict[str, str] = {}  # pay Idempotency-Key -> invoice id
        self._tasks: set[asyncio.Task[None]] = set()
        self._probe_owed: set[str] = set()
        self.failovers = 0  # attempts after an invoice's first

    # ---- the invoice API's verbs -------------------------------------------------
    def create(
        self, invoice_id: str, amount_minor: int, currency: str, method: PaymentMethod
    ) -> tuple[Invoice, bool]:
        """The invoice, and whether it is new; the same id with other values is a
        ``ConflictError``."""
        known = self.invoices.get(invoice_id)
        if known is not None:
            if (known.amount_minor, known.currency, known.method) != (
                amount_minor,
                currency,
                method,
            ):
                raise ConflictError(
                    f"invoice {invoice_id} exists with amount_minor {known.amount_minor}, "
                    f"currency {known.currency} and method {known.method}; send those "
                    "values or another invoice_id"
                )
            return known, False
        if len(self.invoices) >= self.max_invoices:
            raise UnavailableError(
                f"this orchestrator keeps at most {self.max_invoices:,} invoices"
            )
        invoice = Invoice(invoice_id, amount_minor, currency, method, self.clock.now_s())
        self.invoices[invoice_id] = invoice
        return invoice, True

    def pay(self, invoice_id: str, key: str, provider: str | None = None) -> tuple[Invoice, bool]:
        """Start paying the invoice, once per key: the invoice, and whether this call
        started its payment (a repeat with the same key starts nothing). ``provider``
        forces every attempt to that provider (a bulk file's ``provider:``)."""
        if provider is not None and provider not in self.orchestrator.providers:
            known = ", ".join(sorted(self.orchestrator.providers))
            raise InputError(f"provider {provider!r} is not one of this orchestrator's: {known}")
        owner = self._keys.get(key)
        if owner is not None and owner != invoice_id:
            raise ConflictError(f"Idempotency-Key {key!r} was used to pay invoice {owner}")
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise NotFoundError(f"no invoice {invoice_id}: create it first (POST /invoices)")
        if owner == invoice_id:
            return invoice, False
        if invoice.status != "pending":
            raise ConflictError(
                f"invoice {invoice_id} is {invoice.status} already (paid for with another "
                "Idempotency-Key): it is never paid twice"
            )
        self._keys[key] = invoice_id
        invoice.pay_key = key
        invoice.status = "processing"
        now = self.clock.now_s()
        commands = self.orchestrator.begin(
            now, invoice_id, invoice.method, invoice.amount_minor, provider
        )
        self._apply(commands)
        return invoice, True

    # ---- carrying out the orchestrator's commands ------------------------------------
    def _apply(self, commands: tuple[Command, ...]) -> None:
        for command in commands:
            if type(command) is SendAttempt:
                self._spawn(self._send(command))
            elif type(command) is CheckStatus:
                self._spawn(self._check(command))
            elif type(command) is VoidAttempt:
                self._spawn(self._void(command))
            else:
                assert type(command) is PaymentDone
                self._done(command)
        # The orchestrator's logs are for the simulation's records; this service keeps
        # its own figures, so they are let go of at once.
        self.orchestrator.events.clear()
        self.orchestrator.decisions.clear()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("a provider call failed: %s", error, exc_info=error)

    async def _send(self, attempt: SendAttempt) -> None:
        if attempt.attempt_no > 1:
            self.failovers += 1
        invoice = self.invoices[attempt.invoice_id]
        body = {
            "invoice_id": attempt.invoice_id,
            "amount_minor": attempt.amount_minor,
            "currency": invoice.currency,
            "method": attempt.method.value,
        }
        link = self.links[attempt.provider]
        answer = await link.charge(attempt.invoice_key, body, attempt.timeout_at)
        now = self.clock.now_s()
        if answer.outcome is None:
            await self.clock.sleep_until(attempt.timeout_at)  # the timeout, as simulated
            self._apply(self.orchestrator.on_timeout(self.clock.now_s(), attempt.attempt_key))
        else:
            self._apply(
                self.orchestrator.on_reply(
                    now, attempt.attempt_key, answer.outcome, answer.fee_minor
                )
            )

    async def _check(self, check: CheckStatus) -> None:
        await self.clock.sleep_until(check.send_at)
        attempt = check.attempt
        link = self.links[attempt.provider]
        state = await link.status(attempt.invoice_key, check.deadline)
        if state is None:
            await self.clock.sleep_until(check.deadline)
        now = self.clock.now_s()
        self._apply(self.orchestrator.on_status(now, attempt.attempt_key, check.check_no, state))

    async def _void(self, void: VoidAttempt) -> None:
        await self.clock.sleep_until(void.sent_at)
        state = await self.links[void.provider].void(void.invoice_key, void.deadline)
        if state is None:
            await self.clock.sleep_until(void.deadline)
        now = self.clock.now_s()
        self._apply(self.orchestrator.on_void(now, void.attempt_key, void.void_no, state))

    def _done(self, done: PaymentDone) -> None:
        invoice = self.invoices[done.invoice_id]
        invoice.status = "paid" if done.succeeded else "failed"
        invoice.provider = done.provider
        invoice.attempts = done.attempts
        invoice.fee_minor = done.fee_minor
        invoice.reason = None if done.succeeded else done.reason
        invoice.ended_at_s = done.at
        if done.succeeded:
            invoice.paid_at_s = done.at

    # ---- health probes -----------------------------------------------------------
    async def probe_forever(self) -> None:
        """Probe every enabled provider each ``health.interval_s`` (simulated), as a
        shard does; a provider still owing an answer is not asked again."""
        interval_s = self.orchestrator.config.health.interval_s
        # Rounds at 0, interval, 2 x interval... of the clock, as in a simulated run (the
        # service may start after the clock did: it joins at the next round; or before
        # simulated 0, in an exercise's lead: the first round is at 0).
        round_no = max(0, math.ceil(self.clock.now_s() / interval_s))
        while True:
            await self.clock.sleep_until(round_no * interval_s)
            for name, config in self.orchestrator.providers.items():
                if config.enabled and name not in self._probe_owed:
                    self._probe_owed.add(name)
                    self._spawn(self._probe(name))
            round_no += 1

    async def _probe(self, name: str) -> None:
        timeout_s = self.orchestrator.health[name].config.probe_timeout_ms / 1000.0
        deadline = self.clock.now_s() + timeout_s
        try:
            latency_ms = await self.links[name].probe(deadline)
            if latency_ms is None:
                await self.clock.sleep_until(deadline)
            self.orchestrator.on_probe(self.clock.now_s(), name, latency_ms)
        finally:
            self._probe_owed.discard(name)

    # ---- the end -------------------------------------------------------------------
    @property
    def open_payments(self) -> int:
        return self.orchestrator.in_flight

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for link in self.links.values():
            await link.close()
