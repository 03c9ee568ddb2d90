"""Double-entry reserve ledger: fiat received against tokens minted, in minor units.

Every transfer debits one account and credits another by the same positive
amount. A domain operation (confirm a payment, settle, redeem, hold or
release funds under review) is a list of legs posted all-or-nothing: every
leg is checked, then all are applied; a rejected one raises ``LedgerError``.

Balance convention: each account keeps ``debits_posted`` and
``credits_posted``; ``balance(account)`` is the amount on its natural side:
debits - credits for assets and expenses (custodian reserve, fiat in transit,
provider fees); credits - debits for liabilities and the outside world
(tokens minted, funds held for review, external). No account but
``external`` may go below zero: that one rule rejects settling more than is
in transit, redeeming more than was minted or is in reserve, and releasing
more than is held.

Memory stays bounded: the ledger keeps a snapshot of the totals before
``snapshot_at`` plus the legs posted after it (``compact`` moves that point).
Those legs are kept as columns of machine numbers (time, accounts, amount:
18 bytes a leg) rather than as ``Transfer`` objects (about 200 bytes each with
their fields): at 1,000 payments/s a reconciliation horizon holds millions.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import NamedTuple

from actors.errors import InputError, InvariantViolation, LedgerError
from actors.frozen import frozen
from actors.methods import PaymentMethod, parse_method
from actors.money import check_currency, ratio_bp

# Storage keeps amounts in BIGINT; a larger amount could never be recorded.
MAX_LEG_MINOR = 2**63 - 1
MAX_LEGS = 16

DEFAULT_SETTLEMENT_DELAY_S: Mapping[PaymentMethod, float] = {
    PaymentMethod.CRYPTO: 0.0,  # on-chain finality is the settlement
    PaymentMethod.BANK: 86_400.0,  # next-day bank transfer
    PaymentMethod.CARD: 172_800.0,  # card acquirers pay out after about two days
}


class Account(StrEnum):
    CUSTODIAN_RESERVE = "custodian_reserve"
    FIAT_IN_TRANSIT = "fiat_in_transit"
    TOKENS_MINTED = "tokens_minted"
    PROVIDER_FEES = "provider_fees"
    REVIEW_HOLD = "review_hold"
    EXTERNAL = "external"


DEBIT_NORMAL = frozenset(
    {Account.CUSTODIAN_RESERVE, Account.FIAT_IN_TRANSIT, Account.PROVIDER_FEES}
)
_ACCOUNTS = tuple(Account)  # the history columns store an account as its index here
_EXTERNAL = Account.EXTERNAL  # a global read, where Account.EXTERNAL is an enum lookup
_INDEX = {account: i for i, account in enumerate(_ACCOUNTS)}


class Kind(StrEnum):
    PAYMENT_CONFIRMED = "payment_confirmed"
    SETTLEMENT = "settlement"
    REDEMPTION = "redemption"
    REVIEW_HOLD = "review_hold"
    REVIEW_RELEASE = "review_release"
    REVIEW_APPLIED = "review_applied"


class Leg(NamedTuple):
    debit: Account
    credit: Account
    amount_minor: int


@frozen
class Transfer:
    """One posted leg; ``operation_id`` groups the legs of one atomic operation."""

    id: int
    operation_id: int
    kind: str
    ref: str
    at: float
    debit: Account
    credit: Account
    amount_minor: int
    currency: str
    memo: str = ""


def settlement_delay_s(
    method: PaymentMethod | str, overrides: Mapping[str, float] | None = None
) -> float:
    """Seconds from confirmation to settlement for ``method``; ``overrides`` wins."""
    known = parse_method(method)
    delay_s = (overrides or {}).get(known.value, DEFAULT_SETTLEMENT_DELAY_S[known])
    if not (math.isfinite(delay_s) and delay_s >= 0):
        raise InputError(f"settlement delay for {known.value} must be >= 0 s, got {delay_s}")
    return float(delay_s)


def natural_balance(account: Account, debits_minor: int, credits_minor: int) -> int:
    if account in DEBIT_NORMAL:
        return debits_minor - credits_minor
    return credits_minor - debits_minor


class Ledger:
    """The reserve ledger of one currency. Drain ``take_transfers()`` every window."""

    def __init__(self, currency: str = "USD", max_pending_transfers: int = 100_000) -> None:
        self.currency = check_currency(currency)
        self.snapshot_at = -math.inf
        self._max_pending = max_pending_transfers
        self._debits = dict.fromkeys(Account, 0)
        self._credits = dict.fromkeys(Account, 0)
        self._snap_debits = dict.fromkeys(Account, 0)
        self._snap_credits = dict.fromkeys(Account, 0)
        # Legs posted after snapshot_at, one column each; sorted by time, as posts never
        # go back in time. Amounts fit: a leg is at most MAX_LEG_MINOR.
        self._history_at = array("d")
        self._history_debit = array("B")
        self._history_credit = array("B")
        self._history_amount = array("q")
        self._pending: list[Transfer] = []
        self._last_at = -math.inf
        self._next_transfer_id = 1
        self._next_operation_id = 1

    def debits_posted(self, account: Account) -> int:
        return self._debits[account]

    def credits_posted(self, account: Account) -> int:
        return self._credits[account]

    def balance(self, account: Account) -> int:
        return natural_balance(account, self._debits[account], self._credits[account])

    def balances(self) -> dict[Account, int]:
        return {a: self.balance(a) for a in Account}

    def balances_at(self, t: float) -> dict[Account, int]:
        """Every balance after all transfers posted at times <= ``t``."""
        if t < self.snapshot_at:
            raise LedgerError(
                f"balances at t={t} are no longer in memory (history starts at "
                f"t={self.snapshot_at}); query storage for older balances"
            )
        # The totals now, minus the legs posted after t: statements are recent, so
        # that is a few legs where adding up from the snapshot would be millions.
        debits, credits = dict(self._debits), dict(self._credits)
        amounts = self._history_amount
        for i in range(bisect_right(self._history_at, t), len(amounts)):
            debits[_ACCOUNTS[self._history_debit[i]]] -= amounts[i]
            credits[_ACCOUNTS[self._history_credit[i]]] -= amounts[i]
        return {a: natural_balance(a, debits[a], credits[a]) for a in Account}

    def balance_at(self, account: Account, t: float) -> int:
        return self.balances_at(t)[account]

    def reserve_ratio_bp(self) -> int:
        """Fiat backing tokens vs tokens minted (10,000 is 1:1), in transit included.

        Funds held for review are owed back to payers and back no token.
        """
        b = self.balances()
        backing = b[Account.CUSTODIAN_RESERVE] + b[Account.FIAT_IN_TRANSIT] - b[Account.REVIEW_HOLD]
        return ratio_bp(max(backing, 0), b[Account.TOKENS_MINTED])

    def check_balanced(self) -> None:
        """Raise InvariantViolation unless debits equal credits and no balance is negative."""
        total_debits, total_credits = sum(self._debits.values()), sum(self._credits.values())
        if total_debits != total_credits:
            raise InvariantViolation(
                f"ledger unbalanced: debits {total_debits} != credits {total_credits}"
            )
        for account in Account:
            if account is not Account.EXTERNAL and self.balance(account) < 0:
                raise InvariantViolation(f"{account} is negative: {self.balance(account)}")

    def post(
        self,
        now: float,
        kind: str,
        ref: str,
        legs: Sequence[tuple[Account, Account, int]],
        memo: str = "",
    ) -> tuple[Transfer, ...]:
        """Post ``legs`` (debit, credit, amount_minor) atomically, or raise and change nothing."""
        self._check_operation(now, kind, ref, legs)
        checked: list[Leg] = []
        for i, leg in enumerate(legs, 1):
            # The legs this module builds pass as they are; any other is checked (and
            # converted, or rejected with its reason) by _checked_leg.
            if not (
                type(leg) is Leg
                and type(leg[0]) is Account
                and type(leg[1]) is Account
                and leg[0] is not leg[1]
                and type(leg[2]) is int
                and 0 < leg[2] <= MAX_LEG_MINOR
            ):
                leg = _checked_leg(kind, ref, i, leg)
            checked.append(leg)
        self._check_balances(kind, ref, checked)
        if len(self._pending) + len(checked) > self._max_pending:
            raise InvariantViolation(
                f"{len(self._pending)} ledger transfers not drained; the runtime must call "
                "take_transfers() every window"
            )
        debits, credits = self._debits, self._credits
        self._last_at = now
        operation_id, self._next_operation_id = self._next_operation_id, self._next_operation_id + 1
        first_id = self._next_transfer_id
        self._next_transfer_id += len(checked)
        kind_text, currency = str(kind), self.currency
        transfers = []
        for i, (debit, credit, amount) in enumerate(checked):
            debits[debit] += amount
            credits[credit] += amount
            transfers.append(
                Transfer(first_id + i, operation_id, kind_text, ref, now, debit, credit, amount,
                         currency, memo)
            )  # fmt: skip
            self._history_at.append(now)
            self._history_debit.append(_INDEX[debit])
            self._history_credit.append(_INDEX[credit])
            self._history_amount.append(amount)
        self._pending.extend(transfers)
        return tuple(transfers)

    def _check_balances(self, kind: str, ref: str, legs: list[Leg]) -> None:
        """Raise unless every account but ``external`` stays >= 0 after each leg in turn."""
        debits, credits = self._debits, self._credits
        moved: dict[Account, int] = {}  # change of each touched account's debits - credits
        for index, (debit, credit, amount) in enumerate(legs, 1):
            moved[debit] = moved.get(debit, 0) + amount
            moved[credit] = moved.get(credit, 0) - amount
            for account in (debit, credit):
                if account is _EXTERNAL:
                    continue  # the one account allowed below zero
                after = debits[account] - credits[account] + moved[account]
                if account not in DEBIT_NORMAL:
                    after = -after
                if after < 0:
                    raise LedgerError(
                        f"{kind} {ref!r} rejected at leg {index} (debit {debit}, credit "
                        f"{credit}, {amount}): {account} would fall to {after}; "
                        "nothing was posted"
                    )

    def confirm_payment(
        self, now: float, ref: str, amount_minor: int, fee_minor: int
    ) -> tuple[Transfer, ...]:
        """Net fiat goes in transit and as many tokens are minted; the fee is an expense."""
        valid = type(amount_minor) is type(fee_minor) is int and amount_minor > 0
        if not (valid and 0 <= fee_minor <= amount_minor):
            raise LedgerError(
                f"payment {ref!r}: need int minor units with amount > 0 and 0 <= fee <= amount, "
                f"got amount {amount_minor!r} and fee {fee_minor!r}"
            )
        legs = [
            Leg(Account.FIAT_IN_TRANSIT, Account.TOKENS_MINTED, amount_minor - fee_minor),
            Leg(Account.PROVIDER_FEES, Account.EXTERNAL, fee_minor),
        ]
        return self.post(now, Kind.PAYMENT_CONFIRMED, ref, _non_zero(legs))

    def settle(self, now: float, ref: str, amount_minor: int) -> tuple[Transfer, ...]:
        legs = [Leg(Account.CUSTODIAN_RESERVE, Account.FIAT_IN_TRANSIT, amount_minor)]
        return self.post(now, Kind.SETTLEMENT, ref, legs)

    def redeem(self, now: float, ref: str, amount_minor: int) -> tuple[Transfer, ...]:
        """Burn tokens and pay the same fiat out of the reserve."""
        legs = [Leg(Account.TOKENS_MINTED, Account.CUSTODIAN_RESERVE, amount_minor)]
        return self.post(now, Kind.REDEMPTION, ref, legs)

    def hold_for_review(
        self, now: float, ref: str, amount_minor: int, reason: str
    ) -> tuple[Transfer, ...]:
        """Fiat that matches no invoice (late, under- or over-paid) arrives but is owed back."""
        if not reason:
            raise LedgerError(f"hold for {ref!r} needs a reason (late, underpaid, overpaid...)")
        legs = [Leg(Account.FIAT_IN_TRANSIT, Account.REVIEW_HOLD, amount_minor)]
        return self.post(now, Kind.REVIEW_HOLD, ref, legs, memo=reason)

    def release_review(
        self,
        now: float,
        ref: str,
        amount_minor: int,
        paid_from: Account = Account.FIAT_IN_TRANSIT,
    ) -> tuple[Transfer, ...]:
        """Refund held funds from where they sit: in transit, or the reserve once settled."""
        if paid_from not in (Account.FIAT_IN_TRANSIT, Account.CUSTODIAN_RESERVE):
            raise LedgerError(f"refund for {ref!r} must be paid from fiat, not {paid_from}")
        legs = [Leg(Account.REVIEW_HOLD, paid_from, amount_minor)]
        return self.post(now, Kind.REVIEW_RELEASE, ref, legs)

    def apply_review(self, now: float, ref: str, amount_minor: int) -> tuple[Transfer, ...]:
        """Accept held funds as payment: they now back newly minted tokens."""
        legs = [Leg(Account.REVIEW_HOLD, Account.TOKENS_MINTED, amount_minor)]
        return self.post(now, Kind.REVIEW_APPLIED, ref, legs)

    def take_transfers(self) -> list[Transfer]:
        """Transfers posted since the last call, for the recorder."""
        taken, self._pending = self._pending, []
        return taken

    def compact(self, before_t: float) -> int:
        """Fold transfers before ``before_t`` into the snapshot; return how many.

        Posts before ``before_t`` are refused afterwards: the snapshot holds all before it.
        """
        if not math.isfinite(before_t):
            raise LedgerError(f"compact needs a finite time, got {before_t}")
        if before_t <= self.snapshot_at:
            return 0
        cut = bisect_left(self._history_at, before_t)
        amounts = self._history_amount
        for i in range(cut):
            self._snap_debits[_ACCOUNTS[self._history_debit[i]]] += amounts[i]
            self._snap_credits[_ACCOUNTS[self._history_credit[i]]] += amounts[i]
        for column in (self._history_at, self._history_debit, self._history_credit, amounts):
            del column[:cut]
        self.snapshot_at = before_t
        return cut

    @property
    def history_len(self) -> int:
        return len(self._history_at)

    def _check_operation(self, now: float, kind: str, ref: str, legs: Sequence[object]) -> None:
        if not math.isfinite(now):
            raise LedgerError(f"{kind} {ref!r}: time must be finite, got {now}")
        floor = max(self._last_at, self.snapshot_at)
        if now < floor:
            raise LedgerError(
                f"{kind} {ref!r} at t={now} is before t={floor} (last post or compaction); "
                "ledger time must not go backwards"
            )
        if not kind or not ref:
            raise LedgerError(f"every operation needs a kind and a reference, got {kind!r} {ref!r}")
        if not 1 <= len(legs) <= MAX_LEGS:
            raise LedgerError(f"{kind} {ref!r} has {len(legs)} legs; use 1 to {MAX_LEGS}")


def _checked_leg(kind: str, ref: str, index: int, leg: tuple[Account, Account, int]) -> Leg:
    if type(leg) is Leg and type(leg.debit) is Account and type(leg.credit) is Account:
        debit, credit, amount = leg  # built by an operation of this module: accounts are typed
    else:
        try:
            debit_name, credit_name, amount = leg
            debit, credit = Account(debit_name), Account(credit_name)
        except (TypeError, ValueError):
            raise LedgerError(
                f"{kind} {ref!r} leg {index}: expected (debit, credit, amount_minor), got {leg!r}"
            ) from None
        leg = Leg(debit, credit, amount)
    if debit is credit:
        raise LedgerError(
            f"{kind} {ref!r} leg {index}: debits and credits the same account {debit}"
        )
    if type(amount) is not int or not 0 < amount <= MAX_LEG_MINOR:
        raise LedgerError(
            f"{kind} {ref!r} leg {index}: amount must be a positive int of minor units, "
            f"not {amount!r}"
        )
    return leg


def _non_zero(legs: Iterable[Leg]) -> list[Leg]:
    # A fee of 0, or a fee equal to the amount, leaves a leg with nothing to move.
    return [leg for leg in legs if leg.amount_minor != 0]
