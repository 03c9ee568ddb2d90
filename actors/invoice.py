"""The invoice: what a merchant asks a payer to pay, and where that request stands.

An invoice moves through a small state machine kept in one table,
``ALLOWED_TRANSITIONS``::

    pending ──► processing ──► paid | failed | expired
       ├───────────────────────────────────► expired   (wallet TTL lapsed, no payment)
       └───────────────────────────────────► underpaid | overpaid

The last two are the crypto-native path: the payer sends money straight to the
invoice's wallet address, no provider involved, and gets the amount wrong.
``underpaid``: less than the amount arrived; none of it is applied and all of it
is held for review (to refund, or to apply once the rest arrives). ``overpaid``:
more arrived; the invoice's amount is applied (the invoice is paid) and the extra
is held for review, to refund. Both are end states of their own so that a person
sees the money to sort out.

Every other move raises ``IllegalTransition``. Paying an invoice twice is worse
than illegal: it means money moved twice, so a second ``mark_paid`` raises
``InvariantViolation`` and stops the run.

The invoice is on the simulation's hot path (one per simulated payment), so it
is a plain ``__slots__`` class and a transition allocates nothing: the fields
themselves are the record the runtime reads after each window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from actors.errors import IllegalTransition, InputError, InvariantViolation
from actors.methods import PaymentMethod
from actors.money import Money

# The largest amount of one invoice, in minor units: 1,000,000.00 in a 2-decimal
# currency. The CSV import, the API and the scenario schema all take this one limit.
MAX_AMOUNT_MINOR = 100_000_000
# An invoice given no due date is due this many days after the day it is made.
DEFAULT_TERMS_DAYS = 30


def day_at(start_date: date, now_s: float) -> date:
    """The calendar day at simulated time ``now_s`` of a run that started on ``start_date``."""
    return start_date + timedelta(seconds=now_s)


class InvoiceState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    UNDERPAID = "underpaid"  # too little arrived at the wallet: all of it held for review
    OVERPAID = "overpaid"  # too much arrived: the amount applied, the extra held for review


# The one place the invoice state machine is written down. Processing may still
# expire: an attempt can be in flight when the wallet's TTL lapses, and the
# orchestrator settles it as expired. Processing never goes back to pending: a
# retry on another provider stays in processing under the same idempotency key.
ALLOWED_TRANSITIONS: dict[InvoiceState, frozenset[InvoiceState]] = {
    InvoiceState.PENDING: frozenset(
        {
            InvoiceState.PROCESSING,
            InvoiceState.EXPIRED,
            InvoiceState.UNDERPAID,
            InvoiceState.OVERPAID,
        }
    ),
    InvoiceState.PROCESSING: frozenset(
        {InvoiceState.PAID, InvoiceState.FAILED, InvoiceState.EXPIRED}
    ),
    InvoiceState.PAID: frozenset(),
    InvoiceState.FAILED: frozenset(),
    InvoiceState.EXPIRED: frozenset(),
    InvoiceState.UNDERPAID: frozenset(),
    InvoiceState.OVERPAID: frozenset(),
}

TERMINAL_STATES: frozenset[InvoiceState] = frozenset(
    state for state, targets in ALLOWED_TRANSITIONS.items() if not targets
)


class InvoiceSpec(Protocol):
    """What is needed to create an invoice; ``bulk_csv.InvoiceDraft`` is one.

    A protocol rather than an import so the dependency points one way:
    importers know the invoice, the invoice knows no importer.
    """

    @property
    def invoice_id(self) -> str: ...
    @property
    def merchant(self) -> str: ...
    @property
    def payer(self) -> str: ...
    @property
    def amount(self) -> Money: ...
    @property
    def method(self) -> PaymentMethod: ...
    @property
    def due_date(self) -> date: ...


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    """An invoice's terms as given (by the API, or made for the simulated load)."""

    invoice_id: str
    merchant: str
    payer: str
    amount: Money
    method: PaymentMethod
    due_date: date


class Invoice:
    """One invoice and its lifecycle; ``now`` is simulated seconds since run start."""

    __slots__ = (
        "amount",
        "created_at",
        "due_date",
        "ended_at",
        "id",
        "merchant",
        "method",
        "payer",
        "provider",
        "reason",
        "state",
    )

    def __init__(
        self,
        *,
        id: str,
        merchant: str,
        payer: str,
        amount: Money,
        method: PaymentMethod,
        due_date: date,
        created_at: float,
    ) -> None:
        if not id:
            raise InputError("an invoice needs a non-empty id")
        if amount.amount_minor <= 0:
            raise InputError(f"invoice {id}: amount must be greater than 0, got {amount}")
        self.id = id
        self.merchant = merchant
        self.payer = payer
        self.amount = amount
        self.method = method
        self.due_date = due_date
        self.created_at = created_at
        self.state = InvoiceState.PENDING
        # Set once, on reaching a terminal state: when, and (but for paid) why.
        self.ended_at: float | None = None
        self.reason: str | None = None
        # The provider that handled the payment (the last one tried, if it failed).
        self.provider: str | None = None

    @classmethod
    def from_draft(cls, draft: InvoiceSpec, now: float) -> Invoice:
        """Create a pending invoice from a validated draft (e.g. a bulk CSV row)."""
        return cls(
            id=draft.invoice_id,
            merchant=draft.merchant,
            payer=draft.payer,
            amount=draft.amount,
            method=draft.method,
            due_date=draft.due_date,
            created_at=now,
        )

    @property
    def paid_at(self) -> float | None:
        """When its amount was paid: an overpaid invoice is paid too (the extra is held)."""
        paid = self.state is InvoiceState.PAID or self.state is InvoiceState.OVERPAID
        return self.ended_at if paid else None

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def _move(self, to: InvoiceState, now: float) -> None:
        if now < self.created_at:
            # Simulated time never runs backwards; if it seems to, the caller is broken.
            raise InvariantViolation(
                f"invoice {self.id}: moved to {to} at t={now}s, before it was created "
                f"at t={self.created_at}s"
            )
        if to not in ALLOWED_TRANSITIONS[self.state]:
            raise IllegalTransition(f"invoice {self.id}: cannot move from {self.state} to {to}")
        self.state = to

    def start_processing(self, now: float, provider: str | None = None) -> None:
        """A payment attempt began (``provider`` is the first one tried, if known)."""
        self._move(InvoiceState.PROCESSING, now)
        if provider is not None:
            self.provider = provider

    def mark_paid(self, now: float, provider: str) -> None:
        """The payment settled through ``provider``. Paying twice is a bug."""
        if self.state is InvoiceState.PAID:
            raise InvariantViolation(
                f"invoice {self.id} paid twice: first by {self.provider} at t={self.ended_at}s, "
                f"again by {provider} at t={now}s"
            )
        self._move(InvoiceState.PAID, now)
        self.provider = provider
        self.ended_at = now

    def mark_failed(self, now: float, reason: str, provider: str | None = None) -> None:
        """Every attempt failed; a declined payment is an outcome, not an error."""
        self._move(InvoiceState.FAILED, now)
        if provider is not None:
            self.provider = provider
        self.ended_at = now
        self.reason = reason

    def expire(self, now: float, reason: str = "wallet_ttl_lapsed") -> None:
        """The invoice can no longer be paid (its wallet's TTL lapsed)."""
        self._move(InvoiceState.EXPIRED, now)
        self.ended_at = now
        self.reason = reason

    def mark_underpaid(self, now: float, received: Money) -> None:
        """Less than the amount arrived at the wallet: none of it is applied, all of it is
        held for review."""
        if not 0 < received.amount_minor < self.amount.amount_minor:
            raise InvariantViolation(
                f"invoice {self.id}: {received} received is not short of {self.amount}"
            )
        self._received(InvoiceState.UNDERPAID, now, received, "held for review")

    def mark_overpaid(self, now: float, received: Money) -> None:
        """More than the amount arrived at the wallet: the amount is applied (the invoice
        is paid), the extra is held for review."""
        extra_minor = received.amount_minor - self.amount.amount_minor
        if extra_minor <= 0:
            raise InvariantViolation(
                f"invoice {self.id}: {received} received is not more than {self.amount}"
            )
        extra = Money(extra_minor, self.amount.currency).decimal_text()
        applied = self.amount.decimal_text()
        self._received(
            InvoiceState.OVERPAID, now, received, f"{applied} applied, {extra} held for review"
        )

    def _received(self, to: InvoiceState, now: float, received: Money, outcome: str) -> None:
        if received.currency != self.amount.currency:
            raise InvariantViolation(
                f"invoice {self.id} is in {self.amount.currency}, {received} arrived"
            )
        self._move(to, now)
        self.ended_at = now
        self.reason = f"{to.value}: {received.decimal_text()} of {self.amount} received; {outcome}"

    def __repr__(self) -> str:
        return f"Invoice({self.id!r}, {self.amount}, {self.method}, {self.state})"
