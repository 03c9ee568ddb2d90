"""The database rows a shard emits, in ``storage.schema.COPY_COLUMNS`` order (without run_id).

Kept apart from the shard so the shard's hot path only pays for persistence
when a run is persisted: the shard holds ``None`` instead of this object
otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from actors.breaker import BreakerTransition
from actors.health import HealthChange
from actors.invoice import Invoice
from actors.orchestrator_records import AttemptFinished, PaymentDone
from actors.routing import RoutingDecision
from actors.wallet import DestructionRecord, EphemeralWallet

Rows = dict[str, list[tuple[Any, ...]]]

# A decision's skipped providers as JSON, by value: a run has a handful of distinct ones
# (one per mix of providers out of the running), and json.dumps cost ~2.5 us a decision.
_SKIPPED_JSON: dict[tuple[tuple[str, str], ...], str] = {}
MAX_SKIPPED_JSON = 4096


class ShardRecords:
    """Builds a shard's rows. Enum members are read as ``_value_``, a plain attribute,
    where ``.value`` is a property call (~0.3 us; some ten a recorded invoice)."""

    def __init__(self, source: str, shard_no: int, out: Rows) -> None:
        self.source = source
        self.shard_no = shard_no
        self.out = out
        self._seq = 0
        self._open_attempts: dict[str, list[list[Any]]] = {}
        self._paid_attempt: dict[str, int] = {}  # invoice -> attempt_no that paid (0: none)
        self.bulk_lines: dict[str, tuple[int, int]] = {}  # invoice -> (job, line)

    def _add(self, table: str, row: tuple[Any, ...]) -> None:
        self.out.setdefault(table, []).append(row)

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def invoice(self, invoice: Invoice, wallet: str, attempts: int = 0, fee: int = 0) -> None:
        job = self.bulk_lines.get(invoice.id)
        self._add(
            "invoices",
            (
                invoice.id, self.shard_no, invoice.state._value_, invoice.amount.amount_minor,
                invoice.amount.currency, invoice.method._value_, invoice.merchant, invoice.payer,
                invoice.provider, attempts, fee, invoice.created_at, invoice.ended_at,
                invoice.reason, wallet, None if job is None else job[0], invoice.due_date,
            ),
        )  # fmt: skip
        if job is not None and invoice.ended_at is not None:
            del self.bulk_lines[invoice.id]
            status = invoice.state.value
            self._add(
                "bulk_job_rows", (job[0], job[1], 0, invoice.id, status, None, invoice.reason)
            )

    def wallet(self, w: EphemeralWallet) -> None:
        self._add(
            "ephemeral_wallets",
            (
                w.address, w.invoice_id, w.state._value_, w.expected.amount_minor,
                w.expected.currency, w.created_at, w.expires_at, w.received_minor,
                w.accepted_minor, w.destroyed_at, w.destroy_reason,
            ),
        )  # fmt: skip

    def payment_done(self, done: PaymentDone) -> None:
        self._paid_attempt[done.invoice_id] = done.attempts if done.succeeded else 0

    def window(
        self,
        events: list[Any],
        decisions: list[RoutingDecision],
        transitions: list[BreakerTransition],
        changes: list[HealthChange],
        destroyed: list[DestructionRecord],
    ) -> None:
        """Everything the orchestrator and the destruction log recorded in one window."""
        for event in events:
            if type(event) is AttemptFinished:
                a = event.attempt
                row = [a.attempt_key, a.invoice_key, a.invoice_id, a.attempt_no, a.provider,
                       a.sent_at, event.at, event.result, event.latency_ms]  # fmt: skip
                self._open_attempts.setdefault(a.invoice_id, []).append(row)
        # Attempts are written once their payment has ended, when it is known which one paid.
        for invoice_id, paid_no in self._paid_attempt.items():
            for row in self._open_attempts.pop(invoice_id, []):
                self._add("payment_attempts", (*row, row[3] == paid_no))
        self._paid_attempt.clear()
        source = self.source
        for d in decisions:
            skipped = _SKIPPED_JSON.get(d.skipped)
            if skipped is None:
                skipped = json.dumps(d.skipped)
                if len(_SKIPPED_JSON) < MAX_SKIPPED_JSON:
                    _SKIPPED_JSON[d.skipped] = skipped
            self._add(
                "routing_decisions",
                (source, self._next(), d.at, d.invoice_id, d.attempt_no, d.policy._value_,
                 d.chosen, skipped),
            )  # fmt: skip
        for t in transitions:
            self._add(
                "provider_health",
                (source, self._next(), t.provider, t.at, "breaker", t.to_state.value,
                 t.from_state.value, t.reason),
            )  # fmt: skip
        for c in changes:
            self._add(
                "provider_health",
                (source, self._next(), c.provider, c.at, "health", c.to_status.value,
                 c.from_status.value, c.reason),
            )  # fmt: skip
        for r in destroyed:
            self._add(
                "wallet_destruction_logs",
                (r.chain_id, r.seq, r.at, r.address, r.invoice_id, r.reason, r.prev_hash, r.hash),
            )
