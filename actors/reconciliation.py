"""Reconciliation of the book reserve against a custodian statement.

The custodian's balance is compared with the ledger's custodian reserve *as of
the statement's time*, so fiat still in transit (settlement lag) is never a
discrepancy. Every run keeps the snapshot it used, the signed discrepancy and
its size in basis points. A statement that is empty, partial, in another
currency or dated in the future cannot prove anything: it raises
``ReconciliationError`` and is never reported "balanced".
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from actors.alerts import Alert, AlertBook, Severity
from actors.errors import InputError, InvariantViolation, LedgerError, ReconciliationError
from actors.ledger import Account, Ledger
from actors.money import BP_PER_UNIT, Money, ratio_bp
from actors.sim_time import run_time


class Trigger(StrEnum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"


class Status(StrEnum):
    BALANCED = "balanced"
    WARNING = "warning"
    BREACH = "breach"


class Direction(StrEnum):
    SURPLUS = "surplus"  # the custodian holds more than the book says
    SHORTFALL = "shortfall"  # the custodian holds less than the book says
    NONE = "none"


@dataclass(frozen=True, slots=True)
class CustodianStatement:
    as_of: float
    balance_minor: int | None
    currency: str
    complete: bool = True
    deposit_count: int | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A discrepancy of at least ``warning_bp`` is a warning, of ``breach_bp`` a breach."""

    warning_bp: int = 10
    breach_bp: int = 50

    def __post_init__(self) -> None:
        if not 0 < self.warning_bp <= self.breach_bp:
            raise InputError(
                f"thresholds need 0 < warning_bp <= breach_bp, got {self.warning_bp} "
                f"and {self.breach_bp}"
            )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a run compared: the statement as received and the book at its ``as_of``."""

    as_of: float
    statement_balance_minor: int
    currency: str
    complete: bool
    deposit_count: int | None
    book_reserve_minor: int
    book_in_transit_minor: int
    book_minted_minor: int
    book_held_minor: int


@dataclass(frozen=True, slots=True)
class Reconciliation:
    sequence: int
    at: float
    trigger: Trigger
    snapshot: Snapshot
    thresholds: Thresholds
    discrepancy_minor: int  # statement - book reserve
    discrepancy_bp: int  # |discrepancy| / book reserve, rounded down
    direction: Direction
    status: Status
    # Fiat backing tokens by the custodian's count, held-for-review funds excluded.
    backing_ratio_bp: int


def reconcile(
    now: float,
    ledger: Ledger,
    statement: CustodianStatement,
    thresholds: Thresholds | None = None,
    trigger: Trigger | str = Trigger.SCHEDULED,
    sequence: int = 1,
) -> Reconciliation:
    """Compare ``statement`` with the ledger at ``statement.as_of``; raise if it proves nothing."""
    limits = thresholds or Thresholds()
    balance = _checked_balance(now, ledger, statement)
    snapshot = _snapshot(ledger, statement, balance)
    discrepancy = balance - snapshot.book_reserve_minor
    discrepancy_bp = _discrepancy_bp(discrepancy, snapshot.book_reserve_minor)
    backing = balance + snapshot.book_in_transit_minor - snapshot.book_held_minor
    return Reconciliation(
        sequence=sequence,
        at=now,
        trigger=_trigger(trigger),
        snapshot=snapshot,
        thresholds=limits,
        discrepancy_minor=discrepancy,
        discrepancy_bp=discrepancy_bp,
        direction=_direction(discrepancy),
        status=_status(discrepancy_bp, limits),
        backing_ratio_bp=ratio_bp(max(backing, 0), snapshot.book_minted_minor),
    )


def _checked_balance(now: float, ledger: Ledger, statement: CustodianStatement) -> int:
    when = f"the custodian statement as of {run_time(statement.as_of)}"
    if statement.balance_minor is None:
        raise ReconciliationError(
            f"{when} is empty (no balance); fetch it again before reconciling"
        )
    if not statement.complete:
        raise ReconciliationError(f"{when} is partial; wait for the complete statement")
    if statement.currency != ledger.currency:
        raise ReconciliationError(
            f"{when} is in {statement.currency} but the ledger is in {ledger.currency}; "
            "reconcile it against the ledger of that currency"
        )
    if not math.isfinite(statement.as_of) or statement.as_of > now:
        raise ReconciliationError(
            f"{when} is not dated at or before now ({run_time(now)}); "
            "check the custodian feed's clock"
        )
    balance = statement.balance_minor
    if type(balance) is not int or balance < 0:
        raise ReconciliationError(f"{when} has balance {balance!r}; expected minor units >= 0")
    return balance


def _snapshot(ledger: Ledger, statement: CustodianStatement, balance: int) -> Snapshot:
    try:
        book = ledger.balances_at(statement.as_of)
    except LedgerError as err:
        raise ReconciliationError(
            f"the custodian statement as of {run_time(statement.as_of)} predates the ledger's "
            f"in-memory history; reconcile it from storage ({err})"
        ) from err
    return Snapshot(
        as_of=statement.as_of,
        statement_balance_minor=balance,
        currency=statement.currency,
        complete=statement.complete,
        deposit_count=statement.deposit_count,
        book_reserve_minor=book[Account.CUSTODIAN_RESERVE],
        book_in_transit_minor=book[Account.FIAT_IN_TRANSIT],
        book_minted_minor=book[Account.TOKENS_MINTED],
        book_held_minor=book[Account.REVIEW_HOLD],
    )


def _discrepancy_bp(discrepancy_minor: int, book_minor: int) -> int:
    # Rounded down so that "discrepancy_bp >= threshold" is exactly "discrepancy >= threshold".
    if book_minor <= 0:
        return 0 if discrepancy_minor == 0 else BP_PER_UNIT
    return abs(discrepancy_minor) * BP_PER_UNIT // book_minor


def _direction(discrepancy_minor: int) -> Direction:
    if discrepancy_minor > 0:
        return Direction.SURPLUS
    return Direction.SHORTFALL if discrepancy_minor < 0 else Direction.NONE


def _status(discrepancy_bp: int, limits: Thresholds) -> Status:
    if discrepancy_bp >= limits.breach_bp:
        return Status.BREACH
    return Status.WARNING if discrepancy_bp >= limits.warning_bp else Status.BALANCED


def _trigger(trigger: Trigger | str) -> Trigger:
    try:
        return Trigger(trigger)
    except ValueError:
        raise InputError(f"unknown trigger {trigger!r}; use scheduled or manual") from None


class Reconciler:
    """Runs reconciliations, counts drift by direction and keeps the last results.

    With an ``AlertBook``, a warning or breach raises an alert keyed by
    currency (so a lasting drift pages once per period) and a failed run
    raises a warning before the error propagates.
    """

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        *,
        alerts: AlertBook | None = None,
        history_limit: int = 100,
        max_pending: int = 10_000,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.failures = 0
        self.last_error: str | None = None
        self._alerts = alerts
        self._max_pending = max_pending
        self._counts = dict.fromkeys(Direction, 0)
        self._recent: deque[Reconciliation] = deque(maxlen=history_limit)
        self._pending: list[Reconciliation] = []
        self._sequence = 0

    def run(
        self,
        now: float,
        ledger: Ledger,
        statement: CustodianStatement,
        trigger: Trigger | str = Trigger.SCHEDULED,
    ) -> Reconciliation:
        try:
            result = reconcile(now, ledger, statement, self.thresholds, trigger, self._sequence + 1)
        except ReconciliationError as err:
            self.failures += 1
            self.last_error = str(err)
            if self._alerts is not None:
                key = f"reconciliation_failed:{ledger.currency}"
                self._alerts.raise_alert(now, key, Severity.WARNING, str(err))
            raise
        if len(self._pending) >= self._max_pending:
            raise InvariantViolation("reconciliations not drained; call take_results()")
        self._sequence = result.sequence
        self._counts[result.direction] += 1
        self._recent.append(result)
        self._pending.append(result)
        self._alert(now, result)
        return result

    @property
    def drift_counts(self) -> dict[Direction, int]:
        """How many runs found the custodian above, below or equal to the book."""
        return dict(self._counts)

    @property
    def recent(self) -> tuple[Reconciliation, ...]:
        return tuple(self._recent)

    def take_results(self) -> list[Reconciliation]:
        """Runs completed since the last call, for the recorder."""
        taken, self._pending = self._pending, []
        return taken

    def _alert(self, now: float, result: Reconciliation) -> Alert | None:
        if self._alerts is None or result.status is Status.BALANCED:
            return None
        snap = result.snapshot
        message = (
            f"reserve {result.direction} of "
            f"{Money(abs(result.discrepancy_minor), snap.currency).readable()} "
            f"({result.discrepancy_bp} bp): the custodian's statement shows "
            f"{Money(snap.statement_balance_minor, snap.currency).readable()} and the book "
            f"{Money(snap.book_reserve_minor, snap.currency).readable()}, "
            f"as of {run_time(snap.as_of)}"
        )
        key = f"reserve_drift:{snap.currency}"
        return self._alerts.raise_alert(now, key, Severity(result.status.value), message)
