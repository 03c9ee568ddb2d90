"""Ephemeral wallets: one fresh address per invoice, a TTL, and an audit trail.

A wallet is created with its invoice, waits ``ttl_s`` for the payment and is
then destroyed. Money that arrives is never lost and never silently kept:
``receive`` returns a ``Receipt`` that splits each payment into what counts
for the invoice and what goes to review (late, short, extra, or sent to a
destroyed address), and says why. Destructions are written to a hash-chained
``DestructionLog`` that ``verify_chain`` checks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from hashlib import sha256
from json.encoder import encode_basestring_ascii

from actors.errors import CurrencyMismatch, IllegalTransition, InputError, InvariantViolation
from actors.frozen import frozen
from actors.money import Money

DEFAULT_WALLET_TTL_S = 1800.0
GENESIS_HASH = "0" * 64


class WalletState(StrEnum):
    CREATED = "created"
    PAID = "paid"
    UNDERPAID = "underpaid"
    OVERPAID = "overpaid"
    EXPIRED = "expired"
    LATE_PAID = "late_paid"
    DESTROYED = "destroyed"


class ReviewReason(StrEnum):
    UNDERPAID = "underpaid"
    OVERPAID = "overpaid"
    DUPLICATE = "duplicate"  # more money after the invoice was already paid
    LATE = "late"
    DESTROYED = "destroyed"


_S = WalletState
# The one place the wallet state machine is written down (changes only; a
# payment to an underpaid, overpaid, late-paid or destroyed wallet leaves its
# state as it is). A destroyed wallet never leaves that state.
ALLOWED_TRANSITIONS: dict[WalletState, frozenset[WalletState]] = {
    _S.CREATED: frozenset({_S.PAID, _S.UNDERPAID, _S.OVERPAID, _S.EXPIRED, _S.LATE_PAID}),
    _S.PAID: frozenset({_S.OVERPAID, _S.DESTROYED}),
    _S.UNDERPAID: frozenset({_S.DESTROYED}),
    _S.OVERPAID: frozenset({_S.DESTROYED}),
    _S.EXPIRED: frozenset({_S.LATE_PAID, _S.DESTROYED}),
    _S.LATE_PAID: frozenset({_S.DESTROYED}),
    _S.DESTROYED: frozenset(),
}

# Where a payment lands once the wallet has stopped accepting money for its invoice.
_AFTER_FIRST_PAYMENT: dict[WalletState, tuple[WalletState, ReviewReason]] = {
    _S.PAID: (_S.OVERPAID, ReviewReason.DUPLICATE),
    _S.OVERPAID: (_S.OVERPAID, ReviewReason.DUPLICATE),
    _S.UNDERPAID: (_S.UNDERPAID, ReviewReason.UNDERPAID),
    _S.EXPIRED: (_S.LATE_PAID, ReviewReason.LATE),
    _S.LATE_PAID: (_S.LATE_PAID, ReviewReason.LATE),
    _S.DESTROYED: (_S.DESTROYED, ReviewReason.DESTROYED),
}


@frozen
class Receipt:
    """How one payment was split: ``amount == accepted_minor + to_review_minor`` (its currency)."""

    address: str
    invoice_id: str
    at: float
    amount: Money
    accepted_minor: int  # counts towards the invoice
    to_review_minor: int  # held for a person to refund or apply; never lost
    reason: ReviewReason | None
    state: WalletState  # the wallet's state after this payment


@dataclass(slots=True, eq=False)
class EphemeralWallet:
    """The single-use address an invoice is paid to. Build it with ``WalletFactory``."""

    address: str
    invoice_id: str
    expected: Money
    created_at: float
    expires_at: float
    state: WalletState = WalletState.CREATED
    received_minor: int = 0
    accepted_minor: int = 0
    destroyed_at: float | None = None
    destroy_reason: str | None = None

    @property
    def review_minor(self) -> int:
        return self.received_minor - self.accepted_minor

    def remaining_s(self, now: float) -> float:
        """Seconds until expiry (for the dashboard's wallet timers); 0 once lapsed."""
        return max(0.0, self.expires_at - now)

    def _fail(self, to: WalletState, why: str) -> IllegalTransition:
        return IllegalTransition(
            f"wallet {self.address} (invoice {self.invoice_id}): cannot move from "
            f"{self.state} to {to}: {why}"
        )

    def receive(self, now: float, amount: Money) -> Receipt:
        """Record money arriving at the address and say where it goes."""
        if amount.currency != self.expected.currency:
            raise CurrencyMismatch(
                f"wallet {self.address} takes {self.expected.currency}, got {amount.currency}"
            )
        if amount.amount_minor <= 0:
            raise InputError(f"wallet {self.address}: a payment must be positive, got {amount}")
        paid = amount.amount_minor
        accepted = 0
        if self.state is WalletState.CREATED and now >= self.expires_at:
            # The expiry timer has not fired yet, but the TTL has lapsed: late.
            state, reason = WalletState.LATE_PAID, ReviewReason.LATE
        elif self.state is WalletState.CREATED:
            due = self.expected.amount_minor
            if paid < due:
                state, reason = WalletState.UNDERPAID, ReviewReason.UNDERPAID
            elif paid > due:
                state, reason, accepted = WalletState.OVERPAID, ReviewReason.OVERPAID, due
            else:
                state, reason, accepted = WalletState.PAID, None, due
        else:
            state, reason = _AFTER_FIRST_PAYMENT[self.state]
        if state is not self.state and state not in ALLOWED_TRANSITIONS[self.state]:
            raise InvariantViolation(f"wallet receive moved {self.state} -> {state}, not in table")
        self.state = state
        self.received_minor += paid
        self.accepted_minor += accepted
        return Receipt(
            self.address, self.invoice_id, now, amount, accepted, paid - accepted, reason, state
        )

    def expire(self, now: float) -> None:
        """The TTL lapsed with no payment."""
        if WalletState.EXPIRED not in ALLOWED_TRANSITIONS[self.state]:
            raise self._fail(WalletState.EXPIRED, "only a wallet still waiting can expire")
        if now < self.expires_at:
            raise self._fail(
                WalletState.EXPIRED, f"TTL runs until t={self.expires_at}s, now is t={now}s"
            )
        self.state = WalletState.EXPIRED

    def destroy(self, now: float, reason: str) -> None:
        """Retire the address for good; append it to a ``DestructionLog`` next."""
        if WalletState.DESTROYED not in ALLOWED_TRANSITIONS[self.state]:
            raise self._fail(WalletState.DESTROYED, "it must be settled or expired first")
        if not reason:
            raise InputError(f"wallet {self.address}: say why it is destroyed")
        self.state = WalletState.DESTROYED
        self.destroyed_at = now
        self.destroy_reason = reason


class WalletFactory:
    """Derives a fresh address for every wallet it creates.

    address = "0x" + first 40 hex digits of sha256(namespace | counter | invoice id).

    Uniqueness without remembering addresses: the counter only grows, and the
    namespace cannot contain "|", so no two wallets of one factory, and no two
    factories with different namespaces, ever hash the same input, even when
    an invoice id repeats. Distinct inputs collide in 160 bits of sha256 with
    probability ~n^2 / 2^161, nil for any run. Memory stays one string and one
    int however long the run. Give each factory its own namespace (e.g. run id
    and shard), and restore ``next_counter`` from a checkpoint, never reset it.
    """

    __slots__ = ("_counter", "_prefix", "namespace")

    def __init__(self, namespace: str, next_counter: int = 0) -> None:
        if not namespace or "|" in namespace:
            raise InputError(f"wallet namespace must be non-empty without '|', got {namespace!r}")
        if next_counter < 0:
            raise InputError(f"wallet counter cannot be negative, got {next_counter}")
        self.namespace = namespace
        self._prefix = namespace + "|"
        self._counter = next_counter

    @property
    def next_counter(self) -> int:
        """What to checkpoint so a restored factory continues the sequence."""
        return self._counter

    def create(
        self, invoice_id: str, expected: Money, now: float, ttl_s: float = DEFAULT_WALLET_TTL_S
    ) -> EphemeralWallet:
        if not ttl_s > 0:
            raise InputError(f"wallet TTL must be a positive number of seconds, got {ttl_s}")
        key = f"{self._prefix}{self._counter}|{invoice_id}".encode()
        self._counter += 1
        address = "0x" + sha256(key).hexdigest()[:40]
        return EphemeralWallet(address, invoice_id, expected, now, now + ttl_s)


@frozen
class DestructionRecord:
    """One row of ``wallet_destruction_logs``; ``hash`` seals every other field."""

    chain_id: str
    seq: int
    at: float
    address: str
    invoice_id: str
    reason: str
    prev_hash: str
    hash: str


# The sealed fields, in hash order: every field of a record but its own hash.
_SEALED = tuple(f.name for f in fields(DestructionRecord) if f.name != "hash")


# Canonical JSON (ASCII, no spaces, no NaN) is unambiguous whatever the strings hold.
_CANONICAL = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def record_hash(sealed: tuple[object, ...]) -> str:
    """sha256 of the canonical JSON of the sealed field values, in ``_SEALED`` order."""
    return sha256(_canonical_json(sealed).encode()).hexdigest()


def _destruction_hash(
    chain_id: str, seq: int, at: float, address: str, invoice_id: str, reason: str, prev: str
) -> str:
    """``record_hash`` of a well-typed record (``at`` finite), the same bytes written at once.

    Once per destroyed wallet: the general loop's type tests cost as much as the hash.
    """
    text = (
        f"[{_ascii(chain_id)},{int.__repr__(seq)},{float.__repr__(at)},{_ascii(address)},"
        f"{_ascii(invoice_id)},{_ascii(reason)},{_ascii(prev)}]"
    )
    return sha256(text.encode()).hexdigest()


_ascii = encode_basestring_ascii


def _canonical_json(values: tuple[object, ...]) -> str:
    """``_CANONICAL.encode(values)``, byte for byte, for the field types a record holds.

    The general encoder sets up a new C encoder on every call, which cost more than
    the hash itself, once per destroyed wallet; anything unusual still goes to it.
    """
    parts = []
    for value in values:
        if isinstance(value, str):
            parts.append(encode_basestring_ascii(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            parts.append(int.__repr__(value))
        elif isinstance(value, float) and math.isfinite(value):
            parts.append(float.__repr__(value))
        else:
            parts.append(_CANONICAL.encode(value))  # true, null, nested values, errors
    return "[" + ",".join(parts) + "]"


class DestructionLog:
    """A hash chain of wallet destructions that keeps only its head in memory.

    New records wait in ``drain()`` for the recorder; restore a log from a
    checkpoint with the last record's ``hash`` and ``seq + 1``.
    """

    __slots__ = ("_pending", "chain_id", "head_hash", "next_seq")

    def __init__(self, chain_id: str, head_hash: str = GENESIS_HASH, next_seq: int = 0) -> None:
        self.chain_id = chain_id
        self.head_hash = head_hash
        self.next_seq = next_seq
        self._pending: list[DestructionRecord] = []

    def append(self, wallet: EphemeralWallet) -> DestructionRecord:
        """Seal the destruction of ``wallet`` (already destroyed) into the chain."""
        at, reason = wallet.destroyed_at, wallet.destroy_reason
        if wallet.state is not WalletState.DESTROYED or at is None or reason is None:
            raise InvariantViolation(f"wallet {wallet.address} logged as destroyed but is not")
        if not math.isfinite(at):
            raise InvariantViolation(f"wallet {wallet.address} destroyed at t={at}s")
        w = wallet
        sealed = (self.chain_id, self.next_seq, at, w.address, w.invoice_id, reason, self.head_hash)
        if type(at) is float and type(w.address) is type(w.invoice_id) is type(reason) is str:
            digest = _destruction_hash(*sealed)
        else:
            digest = record_hash(sealed)
        record = DestructionRecord(*sealed, hash=digest)
        self.head_hash, self.next_seq = record.hash, record.seq + 1
        self._pending.append(record)
        return record

    def drain(self) -> list[DestructionRecord]:
        """Hand new records to the recorder; the log forgets them."""
        drained, self._pending = self._pending, []
        return drained


def verify_chain(
    records: Iterable[DestructionRecord], prev_hash: str = GENESIS_HASH, first_seq: int = 0
) -> None:
    """Raise ``InvariantViolation`` at the first record that breaks the chain.

    By default the records must start at genesis; to check a later stretch pass
    the ``hash`` and ``seq + 1`` of the record before it.
    """
    expected_seq = first_seq
    for record in records:
        # A record moved in from another chain fails the prev_hash link or its hash.
        where = f"destruction chain {record.chain_id!r} broken at seq {expected_seq}"
        if record.seq != expected_seq:
            raise InvariantViolation(f"{where}: expected seq {expected_seq}")
        if record.prev_hash != prev_hash:
            raise InvariantViolation(f"{where}: prev_hash does not match the previous record")
        try:
            digest = record_hash(tuple(getattr(record, name) for name in _SEALED))
        except (TypeError, ValueError) as exc:
            raise InvariantViolation(f"{where}: fields cannot be hashed ({exc})") from exc
        if record.hash != digest:
            raise InvariantViolation(f"{where}: hash does not match its fields")
        prev_hash, expected_seq = record.hash, expected_seq + 1
