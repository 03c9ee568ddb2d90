"""The reserve logical process: the ledger, the custodian's view, reconciliation, alerts.

Confirmed payments mint tokens against fiat in transit; fiat settles into the
custodian reserve after a delay per method. The custodian keeps its own
record of deposits; its statement can lag (``feed_delay``) or miss deposits
(``missing_deposit``). Reconciliation runs on a schedule and raises alerts.
"""

from __future__ import annotations

import bisect
import json
from array import array
from collections import deque
from dataclasses import asdict
from functools import partial
from typing import Any

from actors.alerts import Alert, AlertBook, Severity
from actors.errors import InvariantViolation, ReconciliationError
from actors.ledger import Account, Ledger
from actors.money import Money
from actors.reconciliation import CustodianStatement, Reconciler, Thresholds
from actors.sim_time import run_time
from simulation.commands import Reconcile, Reconciled
from simulation.processes.base import LogicalProcess
from simulation.processes.layout import LpSpec
from simulation.processes.messages import FundsForReview, PaymentConfirmed
from simulation.scenario import Scenario

MAX_RECONCILIATIONS_KEPT = 2000
# Old ledger legs and custodian entries are folded away this often, besides at every
# reconciliation: with reconciliations every 300 s, trimming only then lets the history
# grow a third past its horizon before each trim.
TRIM_EVERY_S = 60.0
# Legs are folded away this long before the horizon: a window ends a hair before its
# nominal end (``LogicalProcess._run``), so a leg can still be posted just before it.
HISTORY_MARGIN_S = 1.0


class ReserveLP(LogicalProcess):
    def __init__(self, spec: LpSpec) -> None:
        scenario, layout = spec.scenario, spec.layout
        super().__init__(spec.index, spec.name, layout.lookahead_s, scenario.start_s)
        rec = scenario.reconciliation
        self._rec = rec
        self.ledger = Ledger(_currency(scenario))
        self.alerts = AlertBook(float(rec.alert_period_s))
        self.reconciler = Reconciler(
            Thresholds(int(rec.warning_bp), int(rec.breach_bp)), alerts=self.alerts
        )
        self._delays = {str(m): float(d) for m, d in rec.settlement_delay_s.items()}
        self._queues: dict[str, deque[tuple[float, str, int]]] = {}
        self._armed: set[str] = set()
        # The custodian's own deposit record: (time, running balance), trimmed to a horizon.
        # Columns of machine numbers: one entry per settled payment, so a horizon at
        # 1,000 payments/s holds about a million. The balance fits in 64 bits: the
        # scenario limits (rate, duration, amount) cap the total near 10^18.
        self._start_s = scenario.start_s
        self._custodian_t = array("d", [self._start_s])
        self._custodian_bal = array("q", [0])
        self._feed_delays = [
            (float(f.start_s), float(f.end_s), float(f.params.delay_s or 0.0))
            for f in scenario.faults
            if f.target == "custodian" and f.kind == "feed_delay"
        ]
        self._missing = [
            (float(f.start_s), float(f.end_s))
            for f in scenario.faults
            if f.target == "custodian" and f.kind == "missing_deposit"
        ]
        # The oldest statement a reconciliation asks for is as of now - the longest feed
        # delay, and nothing else reads older legs or deposits. Keeping more costs: a horizon
        # of max_statement_age_s + interval_s (900 s by default) would keep 2.6 million legs
        # at 1,000 payments/s, and every checkpoint would copy them.
        max_delay = max((d for _, _, d in self._feed_delays), default=0.0)
        self._horizon_s = max_delay + HISTORY_MARGIN_S
        self.history: list[dict[str, Any]] = []
        self._alerts_seen: list[Alert] = []  # alerts are few: deduplicated per period
        if spec.persist:
            self.records = {}
        self.failures: list[str] = []
        self.counts = {"confirmed": 0, "settled": 0, "review": 0, "missing_deposits": 0}
        self._end_s = float(scenario.duration_s)
        self._next_trim_at = self._start_s + TRIM_EVERY_S
        history = scenario.history
        if history is not None:  # the days before t=0 are reconciled at their own pace
            every = float(history.reconcile_every_s)
            self.call_at(self._start_s + every, partial(self._reconcile_history, every))
        self.call_at(float(rec.interval_s), self._reconcile)

    def receive(self, payload: Any, src: int) -> None:
        now = self.now
        if type(payload) is PaymentConfirmed:
            p: PaymentConfirmed = payload
            self.ledger.confirm_payment(now, p.invoice_id, p.amount_minor, p.fee_minor)
            self.counts["confirmed"] += 1
            net = p.amount_minor - p.fee_minor
            if net > 0:
                self._queue_settlement(p.method, p.invoice_id, net)
        elif type(payload) is FundsForReview:
            f: FundsForReview = payload
            self.ledger.hold_for_review(now, f.invoice_id, f.amount_minor, f.reason)
            self.counts["review"] += 1
        else:
            raise TypeError(f"{self.name} cannot handle {type(payload).__name__}")

    # ---- settlement: one FIFO per method (equal delays keep it ordered) -----------
    def _queue_settlement(self, method: str, ref: str, amount_minor: int) -> None:
        due = self.now + self._delays.get(method, 0.0)
        self._queues.setdefault(method, deque()).append((due, ref, amount_minor))
        if method not in self._armed:
            self._armed.add(method)
            self.call_at(due, partial(self._settle_due, method))

    def _settle_due(self, method: str) -> None:
        now = self.now
        queue = self._queues[method]
        missing = any(start <= now < end for start, end in self._missing)
        while queue and queue[0][0] <= now:
            _, ref, amount = queue.popleft()
            self.ledger.settle(now, ref, amount)
            self.counts["settled"] += 1
            if missing:
                self.counts["missing_deposits"] += 1  # the custodian never sees it
            else:
                self._custodian_t.append(now)
                self._custodian_bal.append(self._custodian_bal[-1] + amount)
        if queue:
            self.call_at(queue[0][0], partial(self._settle_due, method))
        else:
            self._armed.discard(method)

    # ---- reconciliation ------------------------------------------------------------
    def _statement(self, now: float) -> CustodianStatement:
        delay = max((d for s, e, d in self._feed_delays if s <= now < e), default=0.0)
        as_of = max(self._start_s, now - delay)
        i = bisect.bisect_right(self._custodian_t, as_of) - 1
        return CustodianStatement(as_of, self._custodian_bal[i], self.ledger.currency)

    def reconcile_now(self, trigger: str = "scheduled") -> dict[str, Any] | None:
        now = self.now
        statement = self._statement(now)
        age = now - statement.as_of
        if age > self._rec.max_statement_age_s:
            self.alerts.raise_alert(
                now,
                "custodian_feed_delay",
                Severity.WARNING,
                f"custodian statement is {age:.0f} s old (limit {self._rec.max_statement_age_s} s)",
            )
        try:
            result = self.reconciler.run(now, self.ledger, statement, trigger=trigger)
        except ReconciliationError as error:
            self.failures.append(f"t={now:.3f}: {error}")
            return None
        row = {
            "at": now,
            "status": result.status.value,
            "discrepancy_bp": result.discrepancy_bp,
            "discrepancy_minor": result.discrepancy_minor,
            "as_of": statement.as_of,
            "custodian_minor": statement.balance_minor,
            "book_reserve_minor": result.snapshot.book_reserve_minor,
            "in_transit_minor": self.ledger.balance(Account.FIAT_IN_TRANSIT),
            "minted_minor": self.ledger.balance(Account.TOKENS_MINTED),
        }
        if len(self.history) < MAX_RECONCILIATIONS_KEPT:
            self.history.append(row)
        self.log_event(f"R|{now:.6f}|{result.status.value}|{result.discrepancy_bp}")
        return row

    def command(self, command: Any) -> Any:
        if type(command) is not Reconcile:
            return super().command(command)
        now = self.now
        row = self.reconcile_now("manual")
        if row is None:
            return Reconciled(now, "error", 0, self.failures[-1])
        currency = self.ledger.currency
        return Reconciled(
            now,
            row["status"],
            row["discrepancy_bp"],
            f"the custodian's statement shows {Money(row['custodian_minor'], currency).readable()}"
            f" and the book {Money(row['book_reserve_minor'], currency).readable()}, "
            f"as of {run_time(row['as_of'])}",
        )

    def _reconcile_history(self, every_s: float) -> None:
        self.reconcile_now()
        self._trim(self.now - self._horizon_s)
        if self.now + every_s < 0:
            self.call_at(self.now + every_s, partial(self._reconcile_history, every_s))

    def _reconcile(self) -> None:
        self.reconcile_now()
        now = self.now
        self._trim(now - self._horizon_s)
        if now + self._rec.interval_s <= self._end_s:
            self.call_at(now + self._rec.interval_s, self._reconcile)

    def _trim(self, before: float) -> None:
        if before <= self._start_s:
            return
        self.ledger.compact(before)
        i = bisect.bisect_right(self._custodian_t, before) - 1
        if i > 0:
            del self._custodian_t[:i]
            del self._custodian_bal[:i]

    def after_window(self, until: float) -> None:
        if until >= self._next_trim_at:
            self._trim(until - self._horizon_s)
            self._next_trim_at = until + TRIM_EVERY_S
        transfers = self.ledger.take_transfers()
        results = self.reconciler.take_results()
        alerts = self.alerts.take_alerts()
        self._alerts_seen.extend(alerts)
        out = self.records
        if out is None:
            return
        if transfers:
            out.setdefault("ledger_transfers", []).extend(
                (t.id, t.operation_id, t.kind, t.ref, t.at, t.amount_minor, t.currency, t.memo)
                for t in transfers
            )
            entries = out.setdefault("ledger_entries", [])
            for t in transfers:  # _value_: a plain attribute; .value is a property call
                entries.append((t.id, "debit", t.debit._value_, t.amount_minor))
                entries.append((t.id, "credit", t.credit._value_, t.amount_minor))
        for r in results:
            snapshot = json.dumps(asdict(r.snapshot))
            out.setdefault("reserve_reconciliation", []).append(
                (r.sequence, r.at, r.trigger.value, r.status.value, r.discrepancy_minor,
                 r.discrepancy_bp, r.direction.value, snapshot)
            )  # fmt: skip
        for a in alerts:
            out.setdefault("alerts", []).append((a.id, a.at, a.key, a.severity.value, a.message))

    def finish(self) -> dict[str, Any]:
        try:
            self.ledger.check_balanced()
            balanced = True
        except InvariantViolation:
            balanced = False
        alerts = self._alerts_seen + self.alerts.take_alerts()
        for alert in alerts:
            self.log_event(f"A|{alert.at:.6f}|{alert.key}|{alert.severity.value}")
        ledger = self.ledger
        last = self.history[-1] if self.history else None
        return {
            "name": self.name,
            "digest": self.digest(),
            "counts": self.counts,
            "balanced": balanced,
            "balances": {a.value: ledger.balance(a) for a in Account},
            "ratio_bp": ledger.reserve_ratio_bp(),
            "currency": ledger.currency,
            "last_reconciliation": last,
            "history": self.history,
            "failures": self.failures[:50],
            "alerts": [
                {"at": a.at, "key": a.key, "severity": a.severity.value, "message": a.message}
                for a in alerts
            ],
        }


def _currency(scenario: Scenario) -> str:
    currencies = {phase.currency for phase in scenario.load} or {"USD"}
    if len(currencies) > 1:
        raise ReconciliationError(
            f"one reserve currency per run; the load phases use {sorted(currencies)}"
        )
    return str(currencies.pop())
