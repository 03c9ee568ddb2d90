"""Payment methods a payer can choose, and reading one from text."""

from __future__ import annotations

from enum import StrEnum

from actors.errors import InputError


class PaymentMethod(StrEnum):
    CARD = "card"
    BANK = "bank"
    CRYPTO = "crypto"


METHOD_NAMES = ", ".join(sorted(PaymentMethod))


def parse_method(text: str, field: str | None = None) -> PaymentMethod:
    """The method ``text`` names (any case), or an ``InputError`` saying which exist
    (prefixed with ``field`` when the caller's message does not name it already)."""
    try:
        return PaymentMethod(text.lower())
    except (ValueError, AttributeError):
        where = f"{field}: " if field else ""
        raise InputError(f"{where}unknown method {text!r}; use one of {METHOD_NAMES}") from None
