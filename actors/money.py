"""Money as integer minor units with a currency; floats never hold money.

Amounts are parsed from decimal text (``"12.50"``) exactly, and fees in basis
points are rounded half-up in integer arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actors.errors import CurrencyMismatch, MoneyError

# Minor-unit exponent of each supported currency (ISO 4217).
CURRENCY_EXPONENTS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}

_DECIMAL_RE = re.compile(r"^(?P<sign>-)?(?P<int>[0-9]{1,18})(?:\.(?P<frac>[0-9]*))?$")

BP_PER_UNIT = 10_000


def check_currency(currency: str) -> str:
    """Return ``currency`` if supported, else raise a MoneyError naming the choices."""
    if currency not in CURRENCY_EXPONENTS:
        known = ", ".join(sorted(CURRENCY_EXPONENTS))
        raise MoneyError(f"unknown currency {currency!r}; use one of {known}")
    return currency


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount: ``amount_minor`` units of 10^-exponent ``currency``."""

    amount_minor: int
    currency: str = "USD"

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:
            raise MoneyError(f"amount_minor must be an int, got {type(self.amount_minor).__name__}")
        check_currency(self.currency)

    @classmethod
    def parse(cls, text: str, currency: str = "USD") -> Money:
        """Parse decimal text exactly; too many decimals is an error, not a rounding."""
        exponent = CURRENCY_EXPONENTS[check_currency(currency)]
        match = _DECIMAL_RE.match(text.strip())
        if match is None:
            raise MoneyError(f"{text!r} is not a decimal amount (expected e.g. 12.50)")
        frac = match["frac"] or ""
        if len(frac) > exponent:
            raise MoneyError(
                f"{text!r} has {len(frac)} decimals; {currency} allows at most {exponent}"
            )
        minor = int(match["int"]) * 10**exponent + int(frac.ljust(exponent, "0") or "0")
        return cls(-minor if match["sign"] else minor, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def is_positive(self) -> bool:
        return self.amount_minor > 0

    def decimal_text(self) -> str:
        """The amount as plain decimal text, e.g. ``12.50`` (``1234`` for JPY)."""
        exponent = CURRENCY_EXPONENTS[self.currency]
        sign = "-" if self.amount_minor < 0 else ""
        units, minor = divmod(abs(self.amount_minor), 10**exponent)
        body = f"{units}.{minor:0{exponent}d}" if exponent else str(units)
        return f"{sign}{body}"

    def format(self) -> str:
        """Decimal text with the currency, e.g. ``12.50 USD``."""
        return f"{self.decimal_text()} {self.currency}"

    def readable(self) -> str:
        """As people read it, with thousands separators: ``10,756.44 USD``."""
        return readable_amount(self.amount_minor, self.currency)

    def __str__(self) -> str:
        return self.format()


def readable_amount(minor: int, currency: str) -> str:
    """``1075644`` USD -> ``10,756.44 USD``; JPY has no decimals; a currency this module
    does not know is read with two."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    sign = "-" if minor < 0 else ""
    units, rest = divmod(abs(int(minor)), 10**exponent)
    body = f"{units:,}.{rest:0{exponent}d}" if exponent else f"{units:,}"
    return f"{sign}{body} {currency}"


def fee_minor(amount_minor: int, fee_bp: int, fixed_minor: int = 0) -> int:
    """Fee of ``fee_bp`` basis points plus a fixed part, rounded half-up, never above the amount."""
    if amount_minor < 0 or fee_bp < 0 or fixed_minor < 0:
        raise MoneyError("fees are computed on non-negative amounts and rates")
    variable = (amount_minor * fee_bp + BP_PER_UNIT // 2) // BP_PER_UNIT
    return min(amount_minor, variable + fixed_minor)


def ratio_bp(numerator_minor: int, denominator_minor: int) -> int:
    """``numerator / denominator`` in basis points, rounded half-up; 0/0 is 10,000 (1:1)."""
    if denominator_minor == 0:
        return BP_PER_UNIT if numerator_minor == 0 else 0
    return (numerator_minor * BP_PER_UNIT * 2 + denominator_minor) // (2 * denominator_minor)
