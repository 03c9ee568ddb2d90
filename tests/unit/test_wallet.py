"""Ephemeral wallets: their addresses, their lifecycle and the money they take."""

import re
from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.errors import CurrencyMismatch, IllegalTransition, InputError
from actors.money import Money
from actors.wallet import (
    ALLOWED_TRANSITIONS,
    DEFAULT_WALLET_TTL_S,
    ReviewReason,
    WalletFactory,
    WalletState,
)
from tests.unit.wallets import DUE, new_wallet

S = WalletState


# --- addresses -------------------------------------------------------------


def test_the_address_is_sha256_of_namespace_counter_and_invoice_id() -> None:
    factory = WalletFactory("ns")
    first = factory.create("INV-1", DUE, 0.0)
    second = factory.create("INV-2", DUE, 0.0)
    assert first.address == "0x" + sha256(b"ns|0|INV-1").hexdigest()[:40]
    assert second.address == "0x" + sha256(b"ns|1|INV-2").hexdigest()[:40]
    assert re.fullmatch(r"0x[0-9a-f]{40}", first.address)


def test_addresses_are_deterministic_for_the_same_namespace_and_sequence() -> None:
    ids = ["a", "b", "a"]
    runs = []
    for _ in range(2):
        factory = WalletFactory("ns")
        runs.append([factory.create(i, DUE, 0.0).address for i in ids])
    assert runs[0] == runs[1]
    assert len(set(runs[0])) == 3
    assert WalletFactory("other").create("a", DUE, 0.0).address != runs[0][0]


def test_an_address_never_repeats_even_when_an_invoice_id_does() -> None:
    factory = WalletFactory("ns")
    addresses = {factory.create("SAME-ID", DUE, 0.0).address for _ in range(2000)}
    assert len(addresses) == 2000


def test_the_counter_belongs_to_the_factory_not_the_class() -> None:
    one, two = WalletFactory("ns"), WalletFactory("ns")
    one.create("x", DUE, 0.0)
    one.create("y", DUE, 0.0)
    assert (one.next_counter, two.next_counter) == (2, 0)


def test_a_factory_restored_from_its_counter_continues_the_sequence() -> None:
    original = WalletFactory("ns")
    original.create("x", DUE, 0.0)
    expected = original.create("y", DUE, 0.0).address
    restored = WalletFactory("ns", next_counter=1)
    assert restored.create("y", DUE, 0.0).address == expected


def test_a_factory_keeps_no_record_of_the_addresses_it_issued() -> None:
    factory = WalletFactory("ns")
    for n in range(100):
        factory.create(f"INV-{n}", DUE, 0.0)
    assert not hasattr(factory, "__dict__")
    held = [getattr(factory, name) for name in type(factory).__slots__]
    assert all(isinstance(value, str | int) for value in held)


def test_a_namespace_with_the_separator_is_refused_so_inputs_cannot_alias() -> None:
    # "a|1" with counter 2 would otherwise hash the same input as "a" with counter 1.
    with pytest.raises(InputError, match="without '\\|'"):
        WalletFactory("a|1")
    with pytest.raises(InputError):
        WalletFactory("")
    with pytest.raises(InputError, match="negative"):
        WalletFactory("ns", next_counter=-1)


# --- lifecycle -------------------------------------------------------------


def test_a_wallet_expires_ttl_after_its_creation_by_default_30_minutes() -> None:
    wallet = new_wallet(now=100.0)
    assert DEFAULT_WALLET_TTL_S == 1800
    assert (wallet.state, wallet.created_at, wallet.expires_at) == (S.CREATED, 100.0, 1900.0)
    assert wallet.remaining_s(400.0) == 1500.0
    assert wallet.remaining_s(5000.0) == 0.0
    with pytest.raises(InputError, match="TTL"):
        new_wallet(ttl_s=0)


def test_an_exact_payment_is_accepted_in_full() -> None:
    wallet = new_wallet()
    receipt = wallet.receive(200.0, Money(10_000))
    assert (receipt.amount, receipt.accepted_minor, receipt.to_review_minor) == (DUE, 10_000, 0)
    assert receipt.reason is None
    assert receipt.state is S.PAID is wallet.state
    assert (receipt.address, receipt.invoice_id, receipt.at) == (wallet.address, "INV-1", 200.0)


def test_an_underpayment_goes_to_review_and_pays_nothing() -> None:
    wallet = new_wallet()
    receipt = wallet.receive(200.0, Money(9_999))
    assert (receipt.accepted_minor, receipt.to_review_minor) == (0, 9_999)
    assert receipt.reason is ReviewReason.UNDERPAID
    assert wallet.state is S.UNDERPAID


def test_an_overpayment_pays_the_invoice_and_sends_the_excess_to_review() -> None:
    wallet = new_wallet()
    receipt = wallet.receive(200.0, Money(12_500))
    assert (receipt.accepted_minor, receipt.to_review_minor) == (10_000, 2_500)
    assert receipt.reason is ReviewReason.OVERPAID
    assert wallet.state is S.OVERPAID


def test_a_second_payment_after_paid_goes_to_review_as_a_duplicate() -> None:
    wallet = new_wallet()
    wallet.receive(200.0, DUE)
    receipt = wallet.receive(300.0, DUE)
    assert (receipt.accepted_minor, receipt.to_review_minor) == (0, 10_000)
    assert receipt.reason is ReviewReason.DUPLICATE
    assert wallet.state is S.OVERPAID
    assert (wallet.received_minor, wallet.accepted_minor, wallet.review_minor) == (
        20_000,
        10_000,
        10_000,
    )


def test_more_money_on_an_underpaid_wallet_also_goes_to_review() -> None:
    wallet = new_wallet()
    wallet.receive(200.0, Money(4_000))
    receipt = wallet.receive(300.0, Money(6_000))
    assert (receipt.accepted_minor, receipt.reason) == (0, ReviewReason.UNDERPAID)
    assert wallet.state is S.UNDERPAID


def test_paying_after_expiry_is_late_paid_with_the_whole_amount_to_review() -> None:
    wallet = new_wallet(now=0.0)
    wallet.expire(1800.0)
    assert (wallet.state, wallet.received_minor) == (S.EXPIRED, 0)
    receipt = wallet.receive(1900.0, DUE)
    assert (receipt.accepted_minor, receipt.to_review_minor) == (0, 10_000)
    assert receipt.reason is ReviewReason.LATE
    assert wallet.state is S.LATE_PAID


def test_paying_after_the_ttl_but_before_the_expiry_timer_fired_is_still_late() -> None:
    wallet = new_wallet(now=0.0)
    receipt = wallet.receive(1800.0, DUE)
    assert receipt.reason is ReviewReason.LATE
    assert receipt.accepted_minor == 0
    assert wallet.state is S.LATE_PAID


def test_money_sent_to_a_destroyed_address_goes_to_review_and_never_reactivates_it() -> None:
    wallet = new_wallet()
    wallet.receive(200.0, DUE)
    wallet.destroy(300.0, "settled")
    receipt = wallet.receive(400.0, Money(777))
    assert (receipt.accepted_minor, receipt.to_review_minor) == (0, 777)
    assert receipt.reason is ReviewReason.DESTROYED
    assert wallet.state is S.DESTROYED
    with pytest.raises(IllegalTransition):
        wallet.expire(5000.0)


def test_a_payment_must_be_positive_and_in_the_wallet_currency() -> None:
    wallet = new_wallet()
    with pytest.raises(InputError, match="positive"):
        wallet.receive(200.0, Money(0))
    with pytest.raises(CurrencyMismatch, match="takes USD, got EUR"):
        wallet.receive(200.0, Money(10_000, "EUR"))
    assert (wallet.state, wallet.received_minor) == (S.CREATED, 0)


def test_a_wallet_cannot_expire_before_its_ttl_lapses() -> None:
    wallet = new_wallet(now=0.0)
    with pytest.raises(IllegalTransition, match=r"TTL runs until t=1800\.0s"):
        wallet.expire(1799.9)
    assert wallet.state is S.CREATED


@pytest.mark.parametrize("paid", [Money(10_000), Money(1), Money(20_000)])
def test_only_a_wallet_still_waiting_can_expire(paid: Money) -> None:
    wallet = new_wallet(now=0.0)
    wallet.receive(10.0, paid)
    state = wallet.state
    with pytest.raises(IllegalTransition, match=f"cannot move from {state} to expired"):
        wallet.expire(5000.0)
    assert wallet.state is state


def test_a_waiting_wallet_cannot_be_destroyed_nor_destroyed_twice() -> None:
    wallet = new_wallet()
    with pytest.raises(IllegalTransition, match=f"wallet {wallet.address}.*created to destroyed"):
        wallet.destroy(200.0, "cleanup")
    wallet.receive(200.0, DUE)
    wallet.destroy(300.0, "settled")
    with pytest.raises(IllegalTransition, match="destroyed to destroyed"):
        wallet.destroy(400.0, "again")
    assert (wallet.destroyed_at, wallet.destroy_reason) == (300.0, "settled")


@pytest.mark.parametrize(
    ("setup", "state"),
    [
        (lambda w: w.receive(10.0, DUE), S.PAID),
        (lambda w: w.receive(10.0, Money(1)), S.UNDERPAID),
        (lambda w: w.receive(10.0, Money(10_001)), S.OVERPAID),
        (lambda w: w.expire(1800.0), S.EXPIRED),
        (lambda w: (w.expire(1800.0), w.receive(1900.0, DUE)), S.LATE_PAID),
    ],
)
def test_a_settled_or_expired_wallet_is_destroyed_with_its_reason(setup: object, state: S) -> None:
    wallet = new_wallet(now=0.0)
    setup(wallet)  # type: ignore[operator]
    assert wallet.state is state
    wallet.destroy(2000.0, "ttl housekeeping")
    assert wallet.state is S.DESTROYED
    assert (wallet.destroyed_at, wallet.destroy_reason) == (2000.0, "ttl housekeeping")


def test_destroying_needs_a_reason() -> None:
    wallet = new_wallet()
    wallet.receive(200.0, DUE)
    with pytest.raises(InputError, match="why"):
        wallet.destroy(300.0, "")
    assert wallet.state is S.PAID


# --- property: random sequences stay inside the table and conserve money ---

_operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "expire", "destroy"]),
        st.floats(min_value=0.0, max_value=1000.0),  # time step
        st.integers(min_value=1, max_value=30_000),  # amount of a payment
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(_operations, st.integers(min_value=1, max_value=20_000))
def test_random_operations_stay_in_the_table_and_conserve_money(
    operations: list[tuple[str, float, int]], due_minor: int
) -> None:
    wallet = WalletFactory("prop").create("INV-P", Money(due_minor), 0.0, ttl_s=1800.0)
    now, received, accepted, review = 0.0, 0, 0, 0
    for name, step, amount in operations:
        now += step
        before = wallet.state
        try:
            if name == "receive":
                receipt = wallet.receive(now, Money(amount))
                assert receipt.amount.amount_minor == amount
                assert receipt.accepted_minor + receipt.to_review_minor == amount
                assert receipt.state is wallet.state
                received += amount
                accepted += receipt.accepted_minor
                review += receipt.to_review_minor
            elif name == "expire":
                wallet.expire(now)
            else:
                wallet.destroy(now, "prop")
        except IllegalTransition:
            assert wallet.state is before
        if wallet.state is not before:
            assert wallet.state in ALLOWED_TRANSITIONS[before]
        if before is S.DESTROYED:
            assert wallet.state is S.DESTROYED
    assert wallet.received_minor == received == accepted + review
    assert wallet.accepted_minor == accepted <= due_minor
    assert wallet.review_minor == review
