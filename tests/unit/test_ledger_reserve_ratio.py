"""What backs the minted tokens: the reserve ratio (in-transit fiat counts, funds
under review do not) and the settlement delay of each payment method."""

import math

import pytest

from actors.errors import InputError
from actors.ledger import Account, Ledger, settlement_delay_s
from actors.methods import PaymentMethod
from tests.unit.ledgers import funded

A = Account


# -- the reserve ratio -------------------------------------------------------------------


def test_an_empty_ledger_is_one_to_one() -> None:
    assert Ledger().reserve_ratio_bp() == 10_000


def test_fiat_in_transit_counts_as_backing_so_settlement_lag_is_no_shortfall() -> None:
    ledger = funded(1_000, settled=250)
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 750
    assert ledger.reserve_ratio_bp() == 10_000


def test_funds_held_for_review_do_not_back_tokens() -> None:
    ledger = funded(1_000)
    ledger.hold_for_review(1.0, "inv-9", 500, "overpaid")
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 1_500
    assert ledger.reserve_ratio_bp() == 10_000


def test_fiat_leaving_without_burning_tokens_lowers_the_ratio() -> None:
    ledger = funded(1_000, settled=1_000)
    ledger.post(2.0, "bank_charge", "c-1", [(A.EXTERNAL, A.CUSTODIAN_RESERVE, 25)])
    assert ledger.reserve_ratio_bp() == 9_750


# -- settlement delays -------------------------------------------------------------------


def test_settlement_delay_defaults_by_method() -> None:
    assert settlement_delay_s(PaymentMethod.CRYPTO) == 0.0
    assert settlement_delay_s("bank") == 86_400.0
    assert settlement_delay_s(PaymentMethod.CARD) == 172_800.0


def test_settlement_delay_overrides_win_for_their_method_only() -> None:
    overrides = {"card": 60.0}
    assert settlement_delay_s("card", overrides) == 60.0
    assert settlement_delay_s("bank", overrides) == 86_400.0


@pytest.mark.parametrize(
    ("method", "overrides"),
    [("cheque", None), ("card", {"card": -1.0}), ("card", {"card": math.nan})],
)
def test_an_unknown_method_or_bad_delay_is_an_input_error(
    method: str, overrides: dict[str, float] | None
) -> None:
    with pytest.raises(InputError):
        settlement_delay_s(method, overrides)
