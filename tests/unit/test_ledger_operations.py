"""The ledger's domain operations: confirming a payment (and its fee), settling,
redeeming, and holding, releasing or applying funds under review."""

import pytest

from actors.errors import LedgerError
from actors.ledger import Account, Kind, Ledger
from tests.unit.ledgers import funded, state

A = Account


def test_confirming_a_payment_puts_net_fiat_in_transit_and_mints_as_many_tokens() -> None:
    ledger = Ledger()
    ledger.confirm_payment(0.0, "inv-1", 10_000, 300)
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 9_700
    assert ledger.balance(A.TOKENS_MINTED) == 9_700
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 0


def test_the_provider_fee_is_an_expense_paid_to_the_outside_world() -> None:
    ledger = Ledger()
    transfers = ledger.confirm_payment(0.0, "inv-1", 10_000, 300)
    assert ledger.balance(A.PROVIDER_FEES) == 300
    assert ledger.balance(A.EXTERNAL) == 300
    assert [(t.debit, t.credit, t.amount_minor) for t in transfers] == [
        (A.FIAT_IN_TRANSIT, A.TOKENS_MINTED, 9_700),
        (A.PROVIDER_FEES, A.EXTERNAL, 300),
    ]


def test_a_payment_without_fee_posts_only_the_mint_leg() -> None:
    transfers = Ledger().confirm_payment(0.0, "inv-1", 500, 0)
    assert [(t.debit, t.credit, t.amount_minor) for t in transfers] == [
        (A.FIAT_IN_TRANSIT, A.TOKENS_MINTED, 500)
    ]


def test_a_fee_equal_to_the_amount_mints_nothing_but_still_records_the_fee() -> None:
    ledger = Ledger()
    transfers = ledger.confirm_payment(0.0, "inv-1", 500, 500)
    assert [(t.debit, t.credit, t.amount_minor) for t in transfers] == [
        (A.PROVIDER_FEES, A.EXTERNAL, 500)
    ]
    assert ledger.balance(A.TOKENS_MINTED) == 0


@pytest.mark.parametrize(
    ("amount", "fee"), [(500, 501), (500, -1), (0, 0), (-5, 0), (1.5, 0), (500, 0.5), (True, 0)]
)
def test_an_invalid_payment_amount_or_fee_is_rejected_and_changes_nothing(
    amount: int, fee: int
) -> None:
    ledger = funded()
    before = state(ledger)
    with pytest.raises(LedgerError, match="inv-2"):
        ledger.confirm_payment(1.0, "inv-2", amount, fee)
    assert state(ledger) == before


def test_settling_moves_fiat_from_in_transit_to_the_custodian_reserve() -> None:
    ledger = funded(1_000)
    ledger.settle(5.0, "inv-1", 600)
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 400
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 600
    assert ledger.balance(A.TOKENS_MINTED) == 1_000


def test_settling_more_than_in_transit_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000)
    before = state(ledger)
    with pytest.raises(LedgerError, match=r"leg 1.*fiat_in_transit would fall to -1"):
        ledger.settle(5.0, "inv-1", 1_001)
    assert state(ledger) == before
    assert len(ledger.take_transfers()) == 1  # only the original payment


def test_redeeming_burns_tokens_and_pays_fiat_out_of_the_reserve() -> None:
    ledger = funded(1_000, settled=1_000)
    ledger.redeem(9.0, "red-1", 250)
    assert ledger.balance(A.TOKENS_MINTED) == 750
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 750


def test_redeeming_more_than_was_minted_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000, settled=1_000)
    ledger.post(2.0, "top_up", "t-1", [(A.CUSTODIAN_RESERVE, A.EXTERNAL, 500)])
    before = state(ledger)
    with pytest.raises(LedgerError, match="tokens_minted would fall to -1"):
        ledger.redeem(9.0, "red-1", 1_001)
    assert state(ledger) == before


def test_redeeming_more_than_the_reserve_holds_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000, settled=300)  # 700 still in transit
    before = state(ledger)
    with pytest.raises(LedgerError, match="custodian_reserve would fall to -100"):
        ledger.redeem(9.0, "red-1", 400)
    assert state(ledger) == before


def test_holding_funds_for_review_puts_them_in_transit_owed_back_to_the_payer() -> None:
    ledger = Ledger()
    (transfer,) = ledger.hold_for_review(0.0, "inv-9", 800, "late")
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 800
    assert ledger.balance(A.REVIEW_HOLD) == 800
    assert ledger.balance(A.TOKENS_MINTED) == 0
    assert (transfer.kind, transfer.memo) == (Kind.REVIEW_HOLD, "late")


def test_a_hold_without_a_reason_is_rejected() -> None:
    with pytest.raises(LedgerError, match="reason"):
        Ledger().hold_for_review(0.0, "inv-9", 800, "")


def test_releasing_a_review_refunds_from_in_transit_or_from_the_reserve_once_settled() -> None:
    ledger = Ledger()
    ledger.hold_for_review(0.0, "inv-9", 800, "overpaid")
    ledger.release_review(1.0, "inv-9", 300)
    assert ledger.balance(A.REVIEW_HOLD) == 500
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 500
    ledger.settle(2.0, "batch-1", 500)
    ledger.release_review(3.0, "inv-9", 500, paid_from=A.CUSTODIAN_RESERVE)
    assert ledger.balances() == dict.fromkeys(Account, 0)


def test_releasing_more_than_is_held_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000)
    ledger.hold_for_review(1.0, "inv-9", 100, "underpaid")
    before = state(ledger)
    with pytest.raises(LedgerError, match="review_hold would fall to -1"):
        ledger.release_review(2.0, "inv-9", 101)
    assert state(ledger) == before


def test_a_refund_can_only_be_paid_from_fiat() -> None:
    ledger = Ledger()
    ledger.hold_for_review(0.0, "inv-9", 100, "late")
    with pytest.raises(LedgerError, match="paid from fiat"):
        ledger.release_review(1.0, "inv-9", 100, paid_from=A.TOKENS_MINTED)


def test_applying_held_funds_mints_tokens_for_them() -> None:
    ledger = Ledger()
    ledger.hold_for_review(0.0, "inv-9", 100, "late")
    ledger.apply_review(1.0, "inv-9", 100)
    assert ledger.balance(A.REVIEW_HOLD) == 0
    assert ledger.balance(A.TOKENS_MINTED) == 100
    assert ledger.reserve_ratio_bp() == 10_000
