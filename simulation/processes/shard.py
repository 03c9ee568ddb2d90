"""The shard logical process: a partition of invoices, their wallets and an orchestrator.

A shard generates its share of the scenario's load, creates each invoice with
its ephemeral wallet, lets the payer pay (or not, or late, or the wrong amount
straight to the wallet), drives its orchestrator replica, and carries out the
orchestrator's commands as messages to the provider processes. Finished invoices
and destroyed wallets leave memory at once; a finished invoice is remembered for
``RECENT_S`` only, to catch a charge that arrives after the payment ended (a double
pay or lost money).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from actors.bulk_csv import InvoiceDraft
from actors.errors import ConflictError, InputError, InvariantViolation, NotFoundError
from actors.invoice import (
    DEFAULT_TERMS_DAYS,
    MAX_AMOUNT_MINOR,
    Invoice,
    InvoiceSpec,
    InvoiceState,
    InvoiceTerms,
)
from actors.invoice_ids import load_invoice_id
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod, parse_method
from actors.money import Money
from actors.orchestrator import Orchestrator
from actors.orchestrator_records import (
    AttemptFinished,
    CheckStatus,
    Command,
    PaymentDone,
    SendAttempt,
    VoidAttempt,
)
from actors.wallet import DestructionLog, EphemeralWallet, WalletFactory, WalletState
from simulation.commands import (
    ConfigureProvider,
    CreateInvoice,
    InvoiceCreated,
    PayInvoice,
    PaymentStarted,
)
from simulation.export import invoice_row
from simulation.processes.arrivals import LATE, MISPAYS, PAYS, ArrivalStream, PayerModel
from simulation.processes.base import LogicalProcess
from simulation.processes.bulk_progress import JobShare
from simulation.processes.charge_book import ChargeBook
from simulation.processes.failover import FailoverTracker
from simulation.processes.layout import LATE_GRACE_S, RECENT_S, BulkShare, LpSpec
from simulation.processes.messages import (
    ChargeNotice,
    FundsForReview,
    PaymentConfirmed,
    Probe,
    ProbeAnswer,
    Reply,
    ScheduleBulk,
    StatusAnswer,
    VoidAnswer,
)
from simulation.processes.metrics import ShardMetrics
from simulation.processes.shard_records import ShardRecords
from simulation.scenario.history import HistorySpec

Silence = Callable[[float], tuple[Command, ...]]
LOAD_MERCHANT = "Simulated merchant"  # the merchant of the scenario's load invoices
LOAD_PAYER = "Simulated payer"


class ShardLP(LogicalProcess):
    def __init__(self, spec: LpSpec) -> None:
        scenario, layout = spec.scenario, spec.layout
        super().__init__(spec.index, spec.name, layout.lookahead_s, scenario.start_s)
        self.scenario = scenario
        self.shard_no = spec.shard_no
        self._shards = len(layout.shards)
        self._layout = layout
        self._rng = KeyedRandom(scenario.seed)
        configs = scenario.provider_configs()
        self.orchestrator = Orchestrator(spec.name, configs, scenario.routing_config())
        self.net_s = {c.name: c.network_ms / 1000.0 for c in configs}
        # This shard's partition of each provider: the only providers it talks to.
        self._partitions = {c.name: layout.partition(c.name, spec.shard_no) for c in configs}
        self._factory = WalletFactory(f"seed{scenario.seed}-{spec.name}")
        self._dlog = DestructionLog(spec.name)
        self._ttl = float(scenario.wallet_ttl_s)
        self._duration_s = scenario.duration_s
        # Load invoices are due a net term after the run's first day: data, not the clock.
        self._load_due = spec.start_date + timedelta(days=DEFAULT_TERMS_DAYS)
        self.invoices: dict[str, Invoice] = {}
        self.wallets: dict[str, EphemeralWallet] = {}
        self._forced: dict[str, str] = {}
        self._bulk_jobs: dict[int, JobShare] = {}  # this shard's share of each bulk job
        self._bulk_of: dict[str, int] = {}  # open bulk invoice -> its job
        self._bulk_changed: set[int] = set()
        self._rec: ShardRecords | None = None
        if spec.persist:
            self.records = {}
            self._rec = ShardRecords(spec.name, spec.shard_no, self.records)
        self.book = ChargeBook()
        self._seq = 0
        self._last_probe_no = 0
        self._probe_owed: dict[str, int] = {}  # provider -> the probe it owes an answer to
        self._destroyed = 0
        self._rows: list[tuple[Any, ...]] | None = [] if spec.collect_rows else None
        bucket_s = max(1.0, float(scenario.duration_s) / 600.0)
        self.metrics = ShardMetrics([c.name for c in configs], bucket_s)
        faults = [
            (f.target, float(f.start_s), float(f.end_s))
            for f in scenario.faults
            if f.is_provider_fault
        ]
        self.tracker = FailoverTracker(faults)
        self._schedule(spec.bulk)

    # ---- set-up ------------------------------------------------------------------
    def _schedule(self, bulk: tuple[BulkShare, ...]) -> None:
        scenario = self.scenario
        for i, phase in enumerate(scenario.load):
            stream = ArrivalStream(phase, i, self.shard_no, self._shards, self._rng)
            self._next_arrival(stream, PayerModel(phase, self._ttl))
        for i, track in enumerate(self.tracker.tracks):
            self.call_at(track.start, partial(self._fault_started, i))
        self.call_at(0.0, self._probe_round)
        for share in bulk:
            self.schedule_bulk(share)
        if scenario.history is not None:
            self._schedule_history(scenario.history)

    def _schedule_history(self, history: HistorySpec) -> None:
        """The days before t=0: invoice k of the history (of ``total``) arrives in batch
        ``k * batches // total``; this shard makes those with k mod shards = its number."""
        payers = PayerModel(history.payers(), self._ttl)
        batches = history.days * history.batches_per_day
        total = history.days * history.invoices_per_day
        n, mine = self._shards, self.shard_no
        for batch in range(batches):
            first, end = -(-batch * total // batches), -(-(batch + 1) * total // batches)
            count = (end - mine + n - 1) // n - (first - mine + n - 1) // n
            if count > 0:
                at = history.start_s + batch * history.batch_every_s
                self.call_at(at, partial(self._history_batch, payers, count))

    def _history_batch(self, payers: PayerModel, count: int) -> None:
        for _ in range(count):
            self._new_load_invoice(payers)

    def schedule_bulk(self, share: BulkShare) -> None:
        self._bulk_jobs.setdefault(share.job, JobShare()).rows += len(share.drafts)
        self._bulk_changed.add(share.job)
        for j, draft in enumerate(share.drafts):
            at = share.at_s + j * share.row_interval_s
            self.call_at(at, partial(self._bulk_row, share, draft))

    def _fault_started(self, index: int) -> None:
        self.tracker.at_fault_start(self.now, self.orchestrator, index)

    def _next_arrival(self, stream: ArrivalStream, payers: PayerModel) -> None:
        at = stream.next()
        if at is None or at >= self._duration_s:
            return
        self.call_at(max(at, self.now), partial(self._arrive, stream, payers))

    # ---- invoices ----------------------------------------------------------------
    def _arrive(self, stream: ArrivalStream, payers: PayerModel) -> None:
        self._new_load_invoice(payers)
        self._next_arrival(stream, payers)

    def _new_load_invoice(self, payers: PayerModel) -> None:
        now = self.now
        invoice_id = load_invoice_id(self._seq * self._shards + self.shard_no)
        self._seq += 1
        plan = payers.plan(self._rng, invoice_id)
        amount = Money(plan.amount_minor, payers.currency)
        terms = InvoiceTerms(
            invoice_id, LOAD_MERCHANT, LOAD_PAYER, amount, plan.method, self._load_due
        )
        self.create_invoice(now, terms, plan.behaviour)
        if plan.behaviour == PAYS:
            self.call_at(now + plan.pay_after_s, partial(self.pay_invoice, invoice_id))
        elif plan.behaviour in MISPAYS:
            sent = Money(plan.sends_minor, payers.currency)
            self.call_at(now + plan.pay_after_s, partial(self._pay_wallet, invoice_id, sent))
        else:
            self.call_at(now + self._ttl, partial(self.expire_invoice, invoice_id))
            if plan.behaviour == LATE:
                self.call_at(now + plan.pay_after_s, partial(self._late_pay, invoice_id, amount))

    def create_invoice(self, now: float, terms: InvoiceSpec, behaviour: str) -> None:
        invoice = Invoice.from_draft(terms, now)
        invoice_id, amount, method = invoice.id, invoice.amount, invoice.method
        self.invoices[invoice_id] = invoice
        wallet = self._factory.create(invoice_id, amount, now, self._ttl)
        self.wallets[invoice_id] = wallet
        if self._rec is not None:
            self._rec.invoice(invoice, wallet.address)
            self._rec.wallet(wallet)
        self.metrics.created(now)
        self.log_event(f"C|{invoice_id}|{now:.6f}|{amount.amount_minor}|{method}|{behaviour}")

    def _bulk_row(self, share: BulkShare, draft: InvoiceDraft) -> None:
        now = self.now
        invoice_id = draft.invoice_id
        self._bulk_of[invoice_id] = share.job
        self._bulk_jobs[share.job].started(now)
        self._bulk_changed.add(share.job)
        if self._rec is not None:
            self._rec.bulk_lines[invoice_id] = (share.job, draft.line)
        mispayers = share.mispayers
        # Only a crypto payer sends to the wallet's address itself and can get the amount
        # wrong; a card or bank payment is charged for the amount by a provider.
        if mispayers is not None and draft.method is PaymentMethod.CRYPTO:
            u = self._rng.uniform(invoice_id, 0, stream="bulk-payer")
            mispaid = mispayers.pick(u, draft.amount.amount_minor)
            if mispaid is not None:
                behaviour, sends_minor = mispaid
                self.create_invoice(now, draft, f"bulk-{behaviour}")
                self._pay_wallet(invoice_id, Money(sends_minor, draft.amount.currency))
                return
        self.create_invoice(now, draft, "bulk")
        if share.provider is not None:
            self._forced[invoice_id] = share.provider
        self.pay_invoice(invoice_id)

    def pay_invoice(self, invoice_id: str) -> None:
        invoice = self.invoices.get(invoice_id)
        if invoice is None or invoice.state is not InvoiceState.PENDING:
            return
        invoice.start_processing(self.now)
        forced = self._forced.pop(invoice_id, None)
        self._apply(
            self.orchestrator.begin(
                self.now, invoice_id, invoice.method, invoice.amount.amount_minor, forced
            )
        )

    def _apply(self, commands: tuple[Command, ...]) -> None:
        for command in commands:
            if type(command) is SendAttempt:
                self._send_attempt(command)
            elif type(command) is CheckStatus:
                self._send_check(command)
            elif type(command) is VoidAttempt:
                self._send_void(command)
            else:
                assert type(command) is PaymentDone
                self._payment_done(command)

    def _ask(
        self, provider: str, sent_at: float, message: Any, deadline: float, silence: Silence
    ) -> None:
        """Send ``message`` to ``provider``; if no answer settles it by ``deadline``, the
        orchestrator hears ``silence(now)`` (a timeout, an unanswered check or void)."""
        self.send(self._partitions[provider], sent_at + self.net_s[provider], message)
        # Timers are partials of methods, never lambdas: a checkpoint pickles the timer
        # heap, and cloudpickle rebuilds a lambda from its code (about 100 times slower).
        self.call_at(deadline, partial(self._silence, silence))

    def _silence(self, silence: Silence) -> None:
        self._apply(silence(self.now))

    def _send_attempt(self, a: SendAttempt) -> None:
        silence = partial(_timed_out, self.orchestrator, a.attempt_key)
        self._ask(a.provider, a.sent_at, a, a.timeout_at, silence)

    def _send_check(self, c: CheckStatus) -> None:
        silence = partial(_unchecked, self.orchestrator, c.attempt.attempt_key, c.check_no)
        self._ask(c.attempt.provider, c.send_at, c, c.deadline, silence)

    def _send_void(self, v: VoidAttempt) -> None:
        silence = partial(_unvoided, self.orchestrator, v.attempt_key, v.void_no)
        self._ask(v.provider, v.sent_at, v, v.deadline, silence)

    def _payment_done(self, done: PaymentDone) -> None:
        now = self.now
        invoice_id = done.invoice_id
        invoice = self.invoices[invoice_id]
        wallet = self.wallets[invoice_id]
        if done.succeeded:
            assert done.provider is not None
            invoice.mark_paid(now, done.provider)
            wallet.receive(now, invoice.amount)  # the provider delivers the tokens
            amount = invoice.amount.amount_minor
            self.send(
                self._layout.reserve,
                now + self.lookahead_s,
                PaymentConfirmed(invoice_id, amount, done.fee_minor, invoice.method, now),
            )
            self.metrics.paid(now, done.provider, done.latency_ms, amount)
            self._retire(invoice_id, "paid", done.fee_minor, done.attempts)
            self._destroy(invoice_id, "paid")
        else:
            invoice.mark_failed(now, done.reason, done.provider)
            self.metrics.failed(now)
            self.call_at(max(now, wallet.expires_at), partial(self.expire_invoice, invoice_id))
            self._retire(invoice_id, "failed", 0, done.attempts)
        self.tracker.on_done(done)
        if self._rec is not None:
            self._rec.payment_done(done)
        self.log_event(
            f"D|{invoice_id}|{now:.6f}|{int(done.succeeded)}|{done.provider}|{done.attempts}"
            f"|{done.reason}"
        )

    def _retire(self, invoice_id: str, state: str, fee_minor: int = 0, attempts: int = 0) -> None:
        invoice = self.invoices.pop(invoice_id)
        if self._rec is not None:
            self._rec.invoice(invoice, self.wallets[invoice_id].address, attempts, fee_minor)
        if self._rows is not None:
            wallet = self.wallets.get(invoice_id)
            address = wallet.address if wallet is not None else ""
            self._rows.append(invoice_row(invoice, state, attempts, self.now, fee_minor, address))
        self.book.ended(invoice_id, state, self.now)
        job = self._bulk_of.pop(invoice_id, None)
        if job is not None:
            self._bulk_jobs[job].ended_one(self.now)
            self._bulk_changed.add(job)

    # ---- wallets -----------------------------------------------------------------
    def expire_invoice(self, invoice_id: str) -> None:
        now = self.now
        wallet = self.wallets.get(invoice_id)
        if wallet is None or wallet.state is not WalletState.CREATED:
            return
        wallet.expire(now)
        if self._rec is not None:
            self._rec.wallet(wallet)
        invoice = self.invoices.get(invoice_id)
        if invoice is not None and invoice.state is InvoiceState.PENDING:
            invoice.expire(now)
            self.metrics.invoices["expired"] += 1
            self.log_event(f"E|{invoice_id}|{now:.6f}")
            self._retire(invoice_id, "expired")
        self.call_at(now + LATE_GRACE_S, partial(self._destroy_if, invoice_id, WalletState.EXPIRED))

    def _late_pay(self, invoice_id: str, amount: Money) -> None:
        now = self.now
        wallet = self.wallets.get(invoice_id)
        self.metrics.extra["late_payments"] += 1
        if wallet is None:
            reason = "sent to a destroyed address"
        else:
            receipt = wallet.receive(now, amount)
            reason = str(receipt.reason)
            self._destroy(invoice_id, "late payment held for review")
        self._hold(invoice_id, amount.amount_minor, reason)
        self.log_event(f"L|{invoice_id}|{now:.6f}|{amount.amount_minor}|{reason}")

    def _pay_wallet(self, invoice_id: str, sent: Money) -> None:
        """The payer sends ``sent`` straight to the invoice's wallet (no provider), while
        the invoice waits: the wallet's receipt says what is applied and what is held for
        review, and the invoice ends underpaid or overpaid."""
        now = self.now
        invoice = self.invoices.get(invoice_id)
        wallet = self.wallets.get(invoice_id)
        if invoice is None or wallet is None or invoice.state is not InvoiceState.PENDING:
            # The invoice went on without this money (a live command paid it): all held.
            state = "ended" if invoice is None else invoice.state.value
            self._hold(invoice_id, sent.amount_minor, f"sent while the invoice was {state}")
            self.log_event(f"M|{invoice_id}|{now:.6f}|{sent.amount_minor}|{state}")
            return
        receipt = wallet.receive(now, sent)
        if receipt.state is WalletState.UNDERPAID:
            invoice.mark_underpaid(now, sent)
        elif receipt.state is WalletState.OVERPAID:
            invoice.mark_overpaid(now, sent)
        else:
            raise InvariantViolation(
                f"invoice {invoice_id}: {sent} sent to its wallet left it {receipt.state}; "
                "only a payment off the amount goes this way"
            )
        state = invoice.state.value
        self.metrics.invoices[state] += 1
        if receipt.accepted_minor:  # minted like a payment, with no provider fee
            self.metrics.extra["direct_paid_minor"] += receipt.accepted_minor
            self.send(
                self._layout.reserve,
                now + self.lookahead_s,
                PaymentConfirmed(invoice_id, receipt.accepted_minor, 0, invoice.method, now),
            )
        self._hold(invoice_id, receipt.to_review_minor, str(receipt.reason))
        self._retire(invoice_id, state)
        self._destroy(invoice_id, f"{state}: held for review")
        self.log_event(
            f"M|{invoice_id}|{now:.6f}|{sent.amount_minor}|{state}|{receipt.accepted_minor}"
        )

    def _hold(self, invoice_id: str, amount_minor: int, reason: str) -> None:
        """Money that pays no invoice: the reserve holds it for a person to review."""
        self.metrics.extra["review_minor"] += amount_minor
        message = FundsForReview(invoice_id, amount_minor, reason)
        self.send(self._layout.reserve, self.now + self.lookahead_s, message)

    def _destroy_if(self, invoice_id: str, state: WalletState) -> None:
        wallet = self.wallets.get(invoice_id)
        if wallet is not None and wallet.state is state:
            self._destroy(invoice_id, "expired")

    def _destroy(self, invoice_id: str, reason: str) -> None:
        wallet = self.wallets.pop(invoice_id)
        wallet.destroy(self.now, reason)
        self._dlog.append(wallet)
        self._destroyed += 1
        if self._rec is not None:
            self._rec.wallet(wallet)

    # ---- provider traffic --------------------------------------------------------
    def receive(self, payload: Any, src: int) -> None:
        kind = type(payload)
        now = self.now
        if kind is Reply:
            self._apply(
                self.orchestrator.on_reply(
                    now, payload.attempt_key, payload.outcome, payload.fee_minor
                )
            )
        elif kind is StatusAnswer:
            self._apply(
                self.orchestrator.on_status(
                    now, payload.attempt_key, payload.check_no, payload.state
                )
            )
        elif kind is ChargeNotice:
            self._on_charge(payload)
        elif kind is VoidAnswer:
            self._apply(
                self.orchestrator.on_void(now, payload.attempt_key, payload.void_no, payload.state)
            )
        elif kind is ProbeAnswer:
            self._probe_done(payload.provider, payload.probe_no, payload.latency_ms)
        else:
            raise TypeError(f"{self.name} cannot handle {kind.__name__}")

    # ---- commands from outside (live runs) -------------------------------------------
    def command(self, command: Any) -> Any:
        """Carry out a live command; its result, or an ``InvoicesimError`` naming the field
        or entity at fault."""
        kind = type(command)
        if kind is CreateInvoice:
            return self._create_by_command(command)
        if kind is PayInvoice:
            return self._pay_by_command(command)
        if kind is ScheduleBulk:
            self.schedule_bulk(command.share)
            return len(command.share.drafts)
        if kind is ConfigureProvider:
            return self._configure(command)
        raise InputError(f"{self.name} does not take {kind.__name__} commands")

    def _create_by_command(self, command: CreateInvoice) -> InvoiceCreated:
        """A consumer's invoice, with its wallet and a TTL timer; paid when its payer says."""
        if not 0 < command.amount_minor <= MAX_AMOUNT_MINOR:
            raise InputError(
                f"amount_minor: must be within 1..{MAX_AMOUNT_MINOR}, got {command.amount_minor}"
            )
        invoice_id, due_date = command.invoice_id, command.due_date
        if invoice_id is None or due_date is None:
            raise InputError("the live engine names every invoice and its due date")
        method = parse_method(command.method, "method")
        amount = Money(command.amount_minor, command.currency)
        now = self.now
        terms = InvoiceTerms(invoice_id, command.merchant, command.payer, amount, method, due_date)
        self.create_invoice(now, terms, "api")
        wallet = self.wallets[invoice_id]
        self.call_at(wallet.expires_at, partial(self.expire_invoice, invoice_id))
        return InvoiceCreated(invoice_id, due_date, wallet.address, now, wallet.expires_at)

    def _pay_by_command(self, command: PayInvoice) -> PaymentStarted:
        method = parse_method(command.method, "method")
        invoice = self.invoices.get(command.invoice_id)
        if invoice is None:
            ended = self.book.state(command.invoice_id)
            if ended is None:
                raise NotFoundError(f"invoice {command.invoice_id!r} is not open in the live run")
            raise ConflictError(f"invoice {command.invoice_id!r} is already {ended}")
        if invoice.state is not InvoiceState.PENDING:
            raise ConflictError(
                f"invoice {command.invoice_id!r} is {invoice.state.value}; only a pending invoice"
                " can be paid"
            )
        if method is not invoice.method:
            raise ConflictError(
                f"invoice {command.invoice_id} accepts {invoice.method.value} only; pay it with "
                f"method {invoice.method.value}"
            )
        self.pay_invoice(command.invoice_id)
        return PaymentStarted(command.invoice_id, method.value, self.now)

    def _configure(self, settings: ConfigureProvider) -> tuple[int, bool]:
        """A provider's new routing settings, for this shard's orchestrator replica."""
        orchestrator = self.orchestrator
        config = orchestrator.providers.get(settings.provider)
        if config is None:
            raise NotFoundError(
                f"unknown provider {settings.provider!r}; known: {sorted(orchestrator.providers)}"
            )
        changes: dict[str, Any] = {}
        if settings.priority is not None:
            changes["priority"] = settings.priority
        if settings.enabled is not None:
            changes["enabled"] = settings.enabled
        if changes:
            config = replace(config, **changes)
            orchestrator.update_provider(config)
        breaker = orchestrator.breaker(settings.provider)
        tuning: dict[str, Any] = {}
        if settings.failure_threshold is not None:
            tuning["failure_threshold"] = settings.failure_threshold
        if settings.open_s is not None:
            tuning["open_s"] = settings.open_s
        if tuning:
            breaker.reconfigure(replace(breaker.config, **tuning))
        return config.priority, config.enabled

    # ---- active health probes ---------------------------------------------------------
    def _probe_round(self) -> None:
        """Probe each enabled provider not still owing an answer; its latency, or its
        absence by the probe timeout, goes to the health monitor. Rounds stop at the end
        of the scenario's load."""
        now, orchestrator = self.now, self.orchestrator
        due = [
            n for n, c in orchestrator.providers.items() if c.enabled and n not in self._probe_owed
        ]
        for name in due:
            self._last_probe_no += 1
            probe_no = self._last_probe_no
            self._probe_owed[name] = probe_no
            probe = Probe(self.shard_no, name, probe_no, now)
            self.send(self._partitions[name], now + self.net_s[name], probe)
            timeout_s = orchestrator.health[name].config.probe_timeout_ms / 1000.0
            self.call_at(now + timeout_s, partial(self._probe_done, name, probe_no, None))
        interval = orchestrator.config.health.interval_s
        if now + interval < self._duration_s:
            self.call_at(now + interval, self._probe_round)

    def _probe_done(self, name: str, probe_no: int, latency_ms: float | None) -> None:
        """A probe answered (its latency) or timed out (None); stale answers are ignored."""
        if self._probe_owed.get(name) == probe_no:
            del self._probe_owed[name]
            self.orchestrator.on_probe(self.now, name, latency_ms)

    def _on_charge(self, notice: ChargeNotice) -> None:
        charge = notice.charge
        extra = self.metrics.extra
        extra["charged_minor"] += charge.amount_minor
        self.book.charged(charge.invoice_id, charge.invoice_id in self.invoices, extra)

    # ---- per window ----------------------------------------------------------------
    def after_window(self, until: float) -> None:
        orchestrator, metrics = self.orchestrator, self.metrics
        if orchestrator.events:
            for event in orchestrator.events:
                if type(event) is AttemptFinished:
                    metrics.attempt(event.attempt.provider, event.result)
        transitions = [t for b in orchestrator.breakers.values() for t in b.take_transitions()]
        changes = [c for h in orchestrator.health.values() for c in h.take_changes()]
        self.tracker.on_window(transitions, changes, orchestrator.decisions)
        destroyed = self._dlog.drain()
        if self._rec is not None:
            self._rec.window(
                orchestrator.events, orchestrator.decisions, transitions, changes, destroyed
            )
        orchestrator.events.clear()
        orchestrator.decisions.clear()
        self.book.settle(until - RECENT_S, self.metrics.extra)

    def take_rows(self) -> list[tuple[Any, ...]]:
        rows = self._rows
        if not rows:
            return []
        self._rows = []
        return rows

    def take_bulk_changes(self) -> dict[int, JobShare] | None:
        if not self._bulk_changed:
            return None
        changed = {job: self._bulk_jobs[job].copy() for job in sorted(self._bulk_changed)}
        self._bulk_changed.clear()
        return changed

    def open_items(self) -> int:
        return len(self.invoices) + len(self.wallets)

    def progress(self) -> dict[str, int]:
        counts = self.metrics.invoices
        return {
            "created": counts["created"],
            "done": self.metrics.ended(),
        }

    def finish(self) -> dict[str, Any]:
        self.book.settle(float("inf"), self.metrics.extra)
        self.metrics.extra["destroyed_wallets"] = self._destroyed
        self.log_event(f"H|{self._dlog.head_hash}")
        return {
            "name": self.name,
            "digest": self.digest(),
            "metrics": self.metrics.to_dict(),
            "failover": self.tracker.to_list(),
            "open_invoices": len(self.invoices),
            "live_wallets": len(self.wallets),
            "destruction_head": self._dlog.head_hash,
        }


# What the orchestrator hears when an attempt, a status check or a void goes unanswered.
def _timed_out(orchestrator: Orchestrator, key: str, now: float) -> tuple[Command, ...]:
    return orchestrator.on_timeout(now, key)


def _unchecked(
    orchestrator: Orchestrator, key: str, check_no: int, now: float
) -> tuple[Command, ...]:
    return orchestrator.on_status(now, key, check_no, None)


def _unvoided(
    orchestrator: Orchestrator, key: str, void_no: int, now: float
) -> tuple[Command, ...]:
    return orchestrator.on_void(now, key, void_no, None)
