"""Payment methods a payer can choose."""

from __future__ import annotations

from enum import StrEnum


class PaymentMethod(StrEnum):
    CARD = "card"
    BANK = "bank"
    CRYPTO = "crypto"
