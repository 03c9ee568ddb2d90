"""Ledgers for the ledger tests: a funded one, and a fingerprint of everything a
rejected operation must leave untouched."""

from __future__ import annotations

import math

from actors.ledger import Account, Ledger


def state(ledger: Ledger) -> tuple[object, ...]:
    """Everything a rejected operation must leave untouched."""
    return (
        {a: (ledger.debits_posted(a), ledger.credits_posted(a)) for a in Account},
        ledger.history_len,
        ledger.balances_at(math.inf),
    )


def funded(amount: int = 1_000, settled: int = 0) -> Ledger:
    ledger = Ledger("USD")
    ledger.confirm_payment(0.0, "inv-1", amount, 0)
    if settled:
        ledger.settle(1.0, "inv-1", settled)
    return ledger
