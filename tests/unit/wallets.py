"""A wallet to test with, shared by the wallet test modules."""

from __future__ import annotations

from actors.money import Money
from actors.wallet import DEFAULT_WALLET_TTL_S, EphemeralWallet, WalletFactory

DUE = Money(10_000)


def new_wallet(now: float = 100.0, ttl_s: float = DEFAULT_WALLET_TTL_S) -> EphemeralWallet:
    return WalletFactory("run-1/shard-0").create("INV-1", DUE, now, ttl_s)
