"""The wallet destruction log: a hash chain of every destroyed wallet, kept small,
checked for missing records and tampering."""

import dataclasses
import re
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.errors import InvariantViolation
from actors.wallet import (
    GENESIS_HASH,
    DestructionLog,
    DestructionRecord,
    EphemeralWallet,
    WalletFactory,
    WalletState,
    verify_chain,
)
from tests.unit.wallets import DUE, new_wallet

S = WalletState


# --- destruction log -------------------------------------------------------


def destroyed_wallets(count: int) -> list[EphemeralWallet]:
    factory = WalletFactory("log")
    wallets = []
    for n in range(count):
        wallet = factory.create(f"INV-{n}", DUE, float(n))
        wallet.receive(n + 1.0, DUE)
        wallet.destroy(n + 2.0, "settled")
        wallets.append(wallet)
    return wallets


def test_destruction_records_are_chained_from_a_genesis_of_64_zeros() -> None:
    log = DestructionLog("shard-0")
    first, second = (log.append(w) for w in destroyed_wallets(2))
    assert GENESIS_HASH == "0" * 64
    assert (first.seq, first.prev_hash) == (0, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (1, first.hash)
    assert (first.chain_id, first.at, first.reason) == ("shard-0", 2.0, "settled")
    assert re.fullmatch(r"[0-9a-f]{64}", first.hash)
    assert log.head_hash == second.hash
    verify_chain([first, second])


def test_the_log_keeps_only_its_head_and_the_records_not_yet_drained() -> None:
    log = DestructionLog("shard-0")
    wallets = destroyed_wallets(3)
    records = [log.append(w) for w in wallets[:2]]
    assert log.drain() == records
    assert log.drain() == []
    records.append(log.append(wallets[2]))
    assert log.drain() == records[2:]
    verify_chain(records)


def test_a_log_restored_from_its_head_continues_the_same_chain() -> None:
    wallets = destroyed_wallets(3)
    log = DestructionLog("shard-0")
    records = [log.append(w) for w in wallets[:2]]
    restored = DestructionLog("shard-0", head_hash=log.head_hash, next_seq=log.next_seq)
    records.append(restored.append(wallets[2]))
    verify_chain(records)
    verify_chain(records[2:], prev_hash=records[1].hash, first_seq=2)


def test_only_a_destroyed_wallet_can_be_logged() -> None:
    wallet = new_wallet()
    with pytest.raises(InvariantViolation, match="is not"):
        DestructionLog("c").append(wallet)


def test_a_chain_missing_a_record_is_broken_at_that_seq() -> None:
    log = DestructionLog("c")
    records = [log.append(w) for w in destroyed_wallets(4)]
    with pytest.raises(InvariantViolation, match="broken at seq 2: expected seq 2"):
        verify_chain([*records[:2], *records[3:]])


def test_a_self_consistent_record_from_another_history_breaks_the_link() -> None:
    first, second = DestructionLog("c"), DestructionLog("c")
    ours = [first.append(w) for w in destroyed_wallets(2)]
    theirs = [second.append(w) for w in reversed(destroyed_wallets(2))]
    verify_chain(theirs)
    with pytest.raises(InvariantViolation, match="broken at seq 1: prev_hash"):
        verify_chain([ours[0], theirs[1]])


def test_a_chain_must_start_at_genesis_unless_told_where_it_continues() -> None:
    log = DestructionLog("c")
    records = [log.append(w) for w in destroyed_wallets(3)]
    with pytest.raises(InvariantViolation, match="broken at seq 0"):
        verify_chain(records[1:])


_TAMPERS = {
    "chain_id": "other",
    "seq": 99,
    "at": 12345.5,
    "address": "0x" + "f" * 40,
    "invoice_id": "INV-X",
    "reason": "tampered",
    "prev_hash": "1" * 64,
    "hash": "2" * 64,
}


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n - 1))
    ),
    st.sampled_from(sorted(_TAMPERS)),
    st.one_of(st.text(max_size=8), st.integers(), st.floats(allow_nan=True)),
)
def test_any_single_field_tamper_is_detected_at_the_tampered_seq(
    size_and_victim: tuple[int, int], field: str, value: object
) -> None:
    size, victim = size_and_victim
    log = DestructionLog("c")
    records = [log.append(w) for w in destroyed_wallets(size)]
    verify_chain(records)
    original = getattr(records[victim], field)
    new = value if type(value) is type(original) and value != original else _TAMPERS[field]
    records[victim] = dataclasses.replace(records[victim], **{field: cast(Any, new)})
    with pytest.raises(InvariantViolation, match=f"broken at seq {victim}:"):
        verify_chain(records)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1e9), st.text(max_size=20), st.text(min_size=1, max_size=20)),
        max_size=8,
    )
)
def test_chains_of_any_content_verify(entries: list[tuple[float, str, str]]) -> None:
    factory, log = WalletFactory("any"), DestructionLog("c|\"'\n")
    records: list[DestructionRecord] = []
    for at, invoice_id, reason in entries:
        wallet = factory.create(invoice_id, DUE, 0.0, ttl_s=1.0)
        wallet.expire(1.0)
        wallet.destroy(at, reason)
        records.append(log.append(wallet))
    verify_chain(records)
    assert log.drain() == records
