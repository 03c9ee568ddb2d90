"""What each load invoice's payer does (``PayerModel.plan``): keyed by the invoice id, and
with underpayers and overpayers taking a part of the behaviour draw of their own, so a
phase without them plans every invoice as it did before they existed."""

from __future__ import annotations

from typing import Any

import pytest

from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from simulation.processes.arrivals import (
    LATE,
    MISPAYS,
    NEVER,
    OVERPAYS,
    PAYS,
    UNDERPAYS,
    Mispayers,
    PayerModel,
    mispaid_minor,
)
from simulation.scenario.load import AmountSpec, BulkSpec, Distribution, LoadPhase

TTL_S = 1800.0
IDS = [f"SIM-{n:07d}" for n in range(4000)]
RNG = KeyedRandom(11)


def phase(**fields: Any) -> LoadPhase:
    amount = AmountSpec(distribution=Distribution.UNIFORM, min_minor=1, max_minor=20_000)
    return LoadPhase(duration_s=60, rate_per_s=1, amount=amount, **fields)


def plans(model: PayerModel, ids: list[str] = IDS) -> dict[str, Any]:
    return {invoice_id: model.plan(RNG, invoice_id) for invoice_id in ids}


def test_mispayers_take_their_part_and_leave_every_other_payer_as_it_was() -> None:
    shares = {"never_pay_share": 0.1, "late_pay_share": 0.1}
    before = plans(PayerModel(phase(**shares), TTL_S))
    after = plans(PayerModel(phase(**shares, underpay_share=0.1, overpay_share=0.05), TTL_S))
    changed = {i for i in IDS if after[i] != before[i]}
    assert changed == {i for i in IDS if after[i].behaviour in MISPAYS}
    assert all(before[i].behaviour == PAYS for i in changed)  # only payers became mispayers
    counts = {b: sum(p.behaviour == b for p in after.values()) for b in (NEVER, LATE, *MISPAYS)}
    expected = {NEVER: 0.1, LATE: 0.1, UNDERPAYS: 0.1, OVERPAYS: 0.05}
    for behaviour, share in expected.items():
        assert counts[behaviour] == pytest.approx(share * len(IDS), rel=0.15), behaviour


def test_a_plan_depends_on_the_invoice_id_not_on_the_order_it_is_asked_in() -> None:
    model = PayerModel(phase(underpay_share=0.3, overpay_share=0.3), TTL_S)
    forward = plans(model)
    backward = plans(model, IDS[::-1])
    assert forward == backward
    assert plans(PayerModel(phase(underpay_share=0.3, overpay_share=0.3), TTL_S)) == forward


def test_a_mispayer_sends_crypto_to_the_wallet_off_by_mispay_by_before_it_expires() -> None:
    model = PayerModel(phase(underpay_share=0.5, overpay_share=0.5, mispay_by=0.2), TTL_S)
    mispaid = [p for p in plans(model).values() if p.behaviour in MISPAYS]
    assert len(mispaid) > 0.99 * len(IDS)  # all but the invoices of 1 minor unit
    for plan in mispaid:
        off = max(1, round(plan.amount_minor * 0.2))
        if plan.behaviour == UNDERPAYS:
            assert plan.sends_minor == plan.amount_minor - min(off, plan.amount_minor - 1)
            assert 1 <= plan.sends_minor < plan.amount_minor
        else:
            assert plan.sends_minor == plan.amount_minor + off
        assert plan.method is PaymentMethod.CRYPTO
        assert 0 <= plan.pay_after_s < TTL_S


def test_every_other_payer_sends_the_amount_or_nothing() -> None:
    model = PayerModel(phase(never_pay_share=0.3, late_pay_share=0.3), TTL_S)
    for plan in plans(model).values():
        sends = 0 if plan.behaviour == NEVER else plan.amount_minor
        assert plan.sends_minor == sends


@pytest.mark.parametrize(
    ("amount_minor", "behaviour", "mispay_by", "sends"),
    [
        (4500, UNDERPAYS, 0.1, 4050),  # 45.00 -> 40.50
        (4500, OVERPAYS, 0.1, 4950),
        (3, UNDERPAYS, 0.1, 2),  # off by one minor unit at least
        (3, OVERPAYS, 0.1, 4),
        (2, UNDERPAYS, 0.9, 1),  # something is always sent
        (1, OVERPAYS, 0.9, 2),
        (1, UNDERPAYS, 0.5, None),  # one minor unit cannot be underpaid
    ],
)
def test_what_a_mispayer_sends(
    amount_minor: int, behaviour: str, mispay_by: float, sends: int | None
) -> None:
    assert mispaid_minor(amount_minor, behaviour, mispay_by) == sends


def test_an_underpayer_of_one_minor_unit_pays_it_instead() -> None:
    one = LoadPhase(
        duration_s=60, rate_per_s=1, amount=AmountSpec(value_minor=1), underpay_share=1.0
    )
    assert {p.behaviour for p in plans(PayerModel(one, TTL_S)).values()} == {PAYS}


def test_a_phase_or_bulk_job_without_mispayers_has_none() -> None:
    assert Mispayers.of(phase()) is None
    assert Mispayers.of(BulkSpec(at_s=0, file="b.csv")) is None
    bulk = BulkSpec(at_s=0, file="b.csv", overpay_share=0.2, mispay_by=0.5)
    assert Mispayers.of(bulk) == Mispayers(0.0, 0.2, 0.5)


def test_mispayers_pick_underpayers_first_then_overpayers_then_no_one() -> None:
    mispayers = Mispayers(0.2, 0.3, 0.1)
    assert mispayers.pick(0.0, 1000) == (UNDERPAYS, 900)
    assert mispayers.pick(0.2, 1000) == (OVERPAYS, 1100)
    assert mispayers.pick(0.49, 1000) == (OVERPAYS, 1100)
    assert mispayers.pick(0.5, 1000) is None
