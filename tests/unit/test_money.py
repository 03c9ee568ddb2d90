import pytest

from actors.errors import CurrencyMismatch, MoneyError
from actors.money import Money, fee_minor, ratio_bp


def test_decimal_text_parses_exactly_into_minor_units() -> None:
    assert Money.parse("12.50").amount_minor == 1250
    assert Money.parse("0.01", "EUR") == Money(1, "EUR")
    assert Money.parse("7", "JPY") == Money(7, "JPY")
    assert Money.parse("-3.1").amount_minor == -310


def test_too_many_decimals_is_an_error_not_a_rounding() -> None:
    with pytest.raises(MoneyError, match="3 decimals; USD allows at most 2"):
        Money.parse("1.005")
    with pytest.raises(MoneyError, match="JPY allows at most 0"):
        Money.parse("1.5", "JPY")


def test_text_that_is_not_a_number_is_rejected() -> None:
    for text in ["", "abc", "1e3", "1,000.00", "--1", "1.2.3"]:
        with pytest.raises(MoneyError):
            Money.parse(text)


def test_floats_never_hold_money() -> None:
    with pytest.raises(MoneyError, match="must be an int"):
        Money(1.5)  # type: ignore[arg-type]


def test_unknown_currency_names_the_known_ones() -> None:
    with pytest.raises(MoneyError, match="unknown currency 'XYZ'; use one of EUR, GBP, JPY, USD"):
        Money(1, "XYZ")


def test_amounts_in_different_currencies_do_not_combine() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "USD") + Money(1, "EUR")
    assert Money(150, "EUR") - Money(50, "EUR") == Money(100, "EUR")


def test_format_shows_the_currency_exponent() -> None:
    assert Money(123456).format() == "1234.56 USD"
    assert Money(-5).format() == "-0.05 USD"
    assert Money(500, "JPY").format() == "500 JPY"


def test_fee_rounds_half_up_and_never_exceeds_the_amount() -> None:
    assert fee_minor(10_000, 290, 30) == 320
    assert fee_minor(50, 100) == 1  # 0.5 minor units rounds up
    assert fee_minor(49, 100) == 0
    assert fee_minor(10, 0, 30) == 10


def test_ratio_in_basis_points() -> None:
    assert ratio_bp(1, 1) == 10_000
    assert ratio_bp(1, 3) == 3333
    assert ratio_bp(2, 3) == 6667
    assert ratio_bp(0, 0) == 10_000
    assert ratio_bp(5, 0) == 0
