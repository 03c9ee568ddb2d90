"""Property tests of the ledger: an independent model decides which legs each random
operation should post and whether it must be rejected, and the ledger must agree
with it after every step, before and after compaction."""

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.errors import LedgerError
from actors.ledger import DEBIT_NORMAL, Account, Ledger, Transfer
from tests.unit.ledgers import state

A = Account

Legs = list[tuple[Account, Account, int]]

amounts = st.integers(min_value=-5, max_value=1_500)
accounts = st.sampled_from(list(Account))
operations = st.one_of(
    st.tuples(st.just("confirm"), amounts, amounts),
    st.tuples(st.just("settle"), amounts),
    st.tuples(st.just("redeem"), amounts),
    st.tuples(st.just("hold"), amounts),
    st.tuples(
        st.just("release"), amounts, st.sampled_from([A.FIAT_IN_TRANSIT, A.CUSTODIAN_RESERVE])
    ),
    st.tuples(st.just("apply"), amounts),
    st.tuples(st.just("post"), st.lists(st.tuples(accounts, accounts, amounts), max_size=4)),
)
steps = st.lists(st.tuples(st.sampled_from([-1.0, 0.0, 0.5, 3.0]), operations), max_size=40)


def model_legs(op: tuple[Any, ...]) -> Legs:
    name, *args = op
    single = {
        "settle": (A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT),
        "redeem": (A.TOKENS_MINTED, A.CUSTODIAN_RESERVE),
        "hold": (A.FIAT_IN_TRANSIT, A.REVIEW_HOLD),
        "apply": (A.REVIEW_HOLD, A.TOKENS_MINTED),
    }
    if name in single:
        return [(*single[name], args[0])]
    if name == "release":
        return [(A.REVIEW_HOLD, args[1], args[0])]
    if name == "confirm":
        amount, fee = args
        legs = [
            (A.FIAT_IN_TRANSIT, A.TOKENS_MINTED, amount - fee),
            (A.PROVIDER_FEES, A.EXTERNAL, fee),
        ]
        return [leg for leg in legs if leg[2] != 0]
    return list(args[0])


def model_accepts(op: tuple[Any, ...], balances: dict[Account, int]) -> bool:
    if op[0] == "confirm" and not (op[1] > 0 and 0 <= op[2] <= op[1]):
        return False
    legs = model_legs(op)
    if not legs or any(d == c or amount <= 0 for d, c, amount in legs):
        return False
    after = dict(balances)
    for debit, credit, amount in legs:
        after[debit] += amount if debit in DEBIT_NORMAL else -amount
        after[credit] += -amount if credit in DEBIT_NORMAL else amount
        if any(after[a] < 0 for a in (debit, credit) if a is not A.EXTERNAL):
            return False
    return True


def apply(ledger: Ledger, now: float, op: tuple[Any, ...]) -> tuple[Transfer, ...]:
    name, *args = op
    if name == "confirm":
        return ledger.confirm_payment(now, "r", args[0], args[1])
    if name == "release":
        return ledger.release_review(now, "r", args[0], paid_from=args[1])
    if name == "hold":
        return ledger.hold_for_review(now, "r", args[0], "late")
    if name == "post":
        return ledger.post(now, "adjust", "r", args[0])
    method = {"settle": ledger.settle, "redeem": ledger.redeem, "apply": ledger.apply_review}
    return method[name](now, "r", args[0])


def run_steps(ledger: Ledger, script: list[tuple[float, tuple[Any, ...]]]) -> list[Transfer]:
    """Apply ``script`` checking every step against the model; return the accepted transfers."""
    accepted: list[Transfer] = []
    now, last_at = 0.0, -math.inf
    for dt, op in script:
        now += dt
        before = state(ledger)
        expected_ok = now >= last_at and model_accepts(op, ledger.balances())
        try:
            posted = apply(ledger, now, op)
        except LedgerError:
            assert not expected_ok, op
            assert state(ledger) == before
            continue
        assert expected_ok, op
        assert [(t.debit, t.credit, t.amount_minor) for t in posted] == model_legs(op)
        accepted.extend(posted)
        last_at = now
        ledger.check_balanced()
    return accepted


def replayed_balances(transfers: list[Transfer], t: float) -> dict[Account, int]:
    totals = dict.fromkeys(Account, 0)
    for transfer in transfers:
        if transfer.at <= t:
            debit, credit, amount = transfer.debit, transfer.credit, transfer.amount_minor
            totals[debit] += amount if debit in DEBIT_NORMAL else -amount
            totals[credit] += -amount if credit in DEBIT_NORMAL else amount
    return totals


@settings(max_examples=200, deadline=None)
@given(script=steps)
def test_random_operations_keep_the_books_balanced_and_equal_to_the_applied_legs(
    script: list[tuple[float, tuple[Any, ...]]],
) -> None:
    ledger = Ledger()
    accepted = run_steps(ledger, script)
    assert ledger.balances() == replayed_balances(accepted, math.inf)
    assert sum(ledger.debits_posted(a) for a in Account) == sum(t.amount_minor for t in accepted)
    assert sum(ledger.credits_posted(a) for a in Account) == sum(t.amount_minor for t in accepted)
    assert ledger.take_transfers() == accepted
    assert [t.id for t in accepted] == list(range(1, len(accepted) + 1))


@settings(max_examples=200, deadline=None)
@given(script=steps, cuts=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4), data=st.data())
def test_balances_at_any_time_survive_compaction_at_arbitrary_points(
    script: list[tuple[float, tuple[Any, ...]]], cuts: list[float], data: st.DataObject
) -> None:
    ledger = Ledger()
    accepted = run_steps(ledger, script)
    times = sorted({t.at for t in accepted} | {-1.0, 0.0, 200.0})
    span = times[-1] - times[0]
    for fraction in sorted(cuts):
        ledger.compact(times[0] + fraction * span)
        for t in [*times, data.draw(st.floats(-2.0, 200.0), label="query")]:
            if t < ledger.snapshot_at:
                with pytest.raises(LedgerError, match="query storage"):
                    ledger.balances_at(t)
            else:
                assert ledger.balances_at(t) == replayed_balances(accepted, t)
    ledger.check_balanced()
    assert ledger.history_len == sum(t.at >= ledger.snapshot_at for t in accepted)
