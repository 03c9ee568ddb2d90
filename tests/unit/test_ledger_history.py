"""The ledger over time: balances at a past time, compaction into a snapshot, and
``check_balanced`` catching books that no longer balance."""

import math

import pytest

from actors.errors import InvariantViolation, LedgerError
from actors.ledger import Account, Ledger

A = Account


# -- history and compaction --------------------------------------------------------------


def history_ledger() -> Ledger:
    ledger = Ledger()
    ledger.confirm_payment(10.0, "inv-1", 1_000, 0)
    ledger.settle(20.0, "inv-1", 600)
    ledger.confirm_payment(30.0, "inv-2", 500, 0)
    ledger.redeem(40.0, "red-1", 100)
    return ledger


def test_balance_at_a_past_time_sees_only_what_was_posted_by_then() -> None:
    ledger = history_ledger()
    assert ledger.balance_at(A.TOKENS_MINTED, 5.0) == 0
    assert ledger.balance_at(A.TOKENS_MINTED, 10.0) == 1_000
    assert ledger.balance_at(A.CUSTODIAN_RESERVE, 29.9) == 600
    assert ledger.balance_at(A.TOKENS_MINTED, 40.0) == 1_400
    assert ledger.balances_at(1e9) == ledger.balances()


def test_compaction_folds_old_transfers_and_keeps_later_balances_exact() -> None:
    ledger, reference = history_ledger(), history_ledger()
    assert ledger.compact(30.0) == 2
    assert ledger.history_len == 2
    assert ledger.snapshot_at == 30.0
    for t in (30.0, 35.0, 40.0, 50.0):
        assert ledger.balances_at(t) == reference.balances_at(t)
    ledger.check_balanced()


def test_a_balance_before_the_snapshot_says_to_query_storage() -> None:
    ledger = history_ledger()
    ledger.compact(25.0)
    with pytest.raises(LedgerError, match="query storage"):
        ledger.balance_at(A.CUSTODIAN_RESERVE, 24.0)


def test_posting_before_the_compaction_point_is_rejected() -> None:
    ledger = history_ledger()
    ledger.compact(100.0)
    with pytest.raises(LedgerError, match="backwards"):
        ledger.settle(50.0, "inv-1", 10)
    ledger.settle(100.0, "inv-1", 10)


def test_compacting_to_an_earlier_point_than_the_snapshot_does_nothing() -> None:
    ledger = history_ledger()
    ledger.compact(30.0)
    assert ledger.compact(20.0) == 0
    assert ledger.snapshot_at == 30.0
    with pytest.raises(LedgerError, match="finite"):
        ledger.compact(math.nan)


# -- invariants --------------------------------------------------------------------------


def test_check_balanced_fails_when_total_debits_differ_from_credits() -> None:
    ledger = history_ledger()
    ledger.check_balanced()
    ledger._debits[A.CUSTODIAN_RESERVE] += 1  # simulate a bug
    with pytest.raises(InvariantViolation, match="unbalanced"):
        ledger.check_balanced()


def test_check_balanced_fails_when_an_account_is_negative() -> None:
    ledger = history_ledger()
    ledger._debits[A.TOKENS_MINTED] += 10_000  # balanced totals, impossible balance
    ledger._credits[A.EXTERNAL] += 10_000
    with pytest.raises(InvariantViolation, match="tokens_minted is negative"):
        ledger.check_balanced()
