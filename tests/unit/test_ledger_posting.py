"""The generic ``Ledger.post``: legs checked in order and all-or-nothing, malformed
legs named, natural-side balances; and the records it keeps: ids, transfers
drained once, time that never goes backwards, bounded pending transfers."""

import math

import pytest

from actors.errors import InvariantViolation, LedgerError, MoneyError
from actors.ledger import DEBIT_NORMAL, MAX_LEGS, Account, Kind, Ledger, Transfer
from tests.unit.ledgers import funded, state

A = Account


# -- the generic post --------------------------------------------------------------------


def test_one_bad_leg_rejects_the_whole_operation_and_is_named() -> None:
    ledger = funded(1_000)
    before = state(ledger)
    legs = [
        (A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT, 600),
        (A.TOKENS_MINTED, A.CUSTODIAN_RESERVE, 700),
    ]
    with pytest.raises(LedgerError, match=r"batch 'b-1' rejected at leg 2 .*custodian_reserve"):
        ledger.post(3.0, "batch", "b-1", legs)
    assert state(ledger) == before
    assert ledger.take_transfers()[-1].kind == Kind.PAYMENT_CONFIRMED


def test_legs_are_checked_in_order_so_an_earlier_leg_can_fund_a_later_one() -> None:
    ledger = funded(1_000)
    legs = [
        (A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT, 600),
        (A.TOKENS_MINTED, A.CUSTODIAN_RESERVE, 600),
    ]
    ledger.post(3.0, "batch", "b-1", legs)
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 0
    assert ledger.balance(A.TOKENS_MINTED) == 400


@pytest.mark.parametrize(
    ("leg", "message"),
    [
        ((A.EXTERNAL, A.EXTERNAL, 5), "same account"),
        (("treasury", A.EXTERNAL, 5), "expected"),
        ((A.EXTERNAL, A.TOKENS_MINTED), "expected"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, 0), "positive int"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, -5), "positive int"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, 5.0), "positive int"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, 2**63), "positive int"),
    ],
)
def test_a_malformed_leg_is_rejected_with_its_number(
    leg: tuple[Account, ...], message: str
) -> None:
    ledger = funded()
    before = state(ledger)
    good = (A.CUSTODIAN_RESERVE, A.EXTERNAL, 1)
    with pytest.raises(LedgerError, match=f"leg 2.*{message}"):
        ledger.post(1.0, "adjust", "a-1", [good, leg])  # type: ignore[list-item]
    assert state(ledger) == before


def test_account_names_given_as_text_are_accepted() -> None:
    ledger = Ledger()
    (transfer,) = ledger.post(0.0, "adjust", "a-1", [("custodian_reserve", "external", 5)])  # type: ignore[list-item]
    assert transfer.debit is A.CUSTODIAN_RESERVE
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 5


@pytest.mark.parametrize(
    ("kind", "ref", "n_legs"), [("", "a-1", 1), ("adjust", "", 1), ("adjust", "a-1", 0)]
)
def test_an_operation_needs_a_kind_a_reference_and_at_least_one_leg(
    kind: str, ref: str, n_legs: int
) -> None:
    with pytest.raises(LedgerError):
        Ledger().post(0.0, kind, ref, [(A.CUSTODIAN_RESERVE, A.EXTERNAL, 5)] * n_legs)


def test_an_operation_with_too_many_legs_is_rejected() -> None:
    legs = [(A.CUSTODIAN_RESERVE, A.EXTERNAL, 1)] * (MAX_LEGS + 1)
    with pytest.raises(LedgerError, match="legs"):
        Ledger().post(0.0, "adjust", "a-1", legs)
    Ledger().post(0.0, "adjust", "a-1", legs[:MAX_LEGS])


def test_only_the_external_account_may_go_below_zero() -> None:
    ledger = Ledger()
    ledger.post(0.0, "airdrop", "x-1", [(A.EXTERNAL, A.TOKENS_MINTED, 5)])
    assert ledger.balance(A.EXTERNAL) == -5
    ledger.check_balanced()


def test_balances_are_on_each_accounts_natural_side() -> None:
    ledger = Ledger()
    ledger.confirm_payment(0.0, "inv-1", 1_000, 30)
    ledger.settle(1.0, "inv-1", 400)
    ledger.redeem(2.0, "red-1", 100)
    for account in Account:
        debits, credits = ledger.debits_posted(account), ledger.credits_posted(account)
        sign = 1 if account in DEBIT_NORMAL else -1
        assert ledger.balance(account) == sign * (debits - credits)
    assert {A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT, A.PROVIDER_FEES} == DEBIT_NORMAL
    assert (
        ledger.debits_posted(A.CUSTODIAN_RESERVE),
        ledger.credits_posted(A.CUSTODIAN_RESERVE),
    ) == (
        400,
        100,
    )
    assert ledger.balance(A.TOKENS_MINTED) == 870


# -- records, ids and time ---------------------------------------------------------------


def test_transfer_ids_are_sequential_per_ledger_and_legs_share_an_operation_id() -> None:
    first, second = Ledger(), Ledger()
    a = first.confirm_payment(0.0, "inv-1", 1_000, 30)
    b = first.settle(1.0, "inv-1", 970)
    c = second.confirm_payment(0.0, "inv-7", 10, 0)
    assert [t.id for t in a + b] == [1, 2, 3]
    assert [t.operation_id for t in a + b] == [1, 1, 2]
    assert [t.id for t in c] == [1]


def test_transfers_record_kind_reference_time_currency_and_are_drained_once() -> None:
    ledger = Ledger("EUR")
    ledger.confirm_payment(4.5, "inv-1", 1_000, 0)
    taken = ledger.take_transfers()
    assert taken == [
        Transfer(
            1,
            1,
            "payment_confirmed",
            "inv-1",
            4.5,
            A.FIAT_IN_TRANSIT,
            A.TOKENS_MINTED,
            1_000,
            "EUR",
        )
    ]
    assert ledger.take_transfers() == []


def test_posting_in_the_past_is_rejected_and_the_same_time_is_allowed() -> None:
    ledger = funded()
    ledger.settle(10.0, "inv-1", 100)
    ledger.settle(10.0, "inv-1", 100)
    before = state(ledger)
    with pytest.raises(LedgerError, match="backwards"):
        ledger.settle(9.5, "inv-1", 100)
    assert state(ledger) == before


@pytest.mark.parametrize("now", [math.nan, math.inf])
def test_a_non_finite_time_is_rejected(now: float) -> None:
    with pytest.raises(LedgerError, match="finite"):
        Ledger().confirm_payment(now, "inv-1", 100, 0)


def test_undrained_transfers_beyond_the_limit_stop_the_run_and_change_nothing() -> None:
    ledger = Ledger(max_pending_transfers=2)
    ledger.confirm_payment(0.0, "inv-1", 100, 0)
    before = state(ledger)
    with pytest.raises(InvariantViolation, match="take_transfers"):
        ledger.confirm_payment(1.0, "inv-2", 100, 5)
    assert state(ledger) == before
    ledger.take_transfers()
    ledger.confirm_payment(1.0, "inv-2", 100, 5)


def test_a_ledger_in_an_unknown_currency_is_refused() -> None:
    with pytest.raises(MoneyError, match="XYZ"):
        Ledger("XYZ")
