import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.errors import InputError, InvariantViolation, LedgerError, MoneyError
from actors.ledger import (
    DEBIT_NORMAL,
    MAX_LEGS,
    Account,
    Kind,
    Ledger,
    Transfer,
    settlement_delay_s,
)
from actors.methods import PaymentMethod

A = Account


def state(ledger: Ledger) -> tuple[object, ...]:
    """Everything a rejected operation must leave untouched."""
    return (
        {a: (ledger.debits_posted(a), ledger.credits_posted(a)) for a in Account},
        ledger.history_len,
        ledger.balances_at(math.inf),
    )


def funded(amount: int = 1_000, settled: int = 0) -> Ledger:
    ledger = Ledger("USD")
    ledger.confirm_payment(0.0, "inv-1", amount, 0)
    if settled:
        ledger.settle(1.0, "inv-1", settled)
    return ledger


# -- domain operations -------------------------------------------------------------------


def test_confirming_a_payment_puts_net_fiat_in_transit_and_mints_as_many_tokens() -> None:
    ledger = Ledger()
    ledger.confirm_payment(0.0, "inv-1", 10_000, 300)
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 9_700
    assert ledger.balance(A.TOKENS_MINTED) == 9_700
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 0


def test_the_provider_fee_is_an_expense_paid_to_the_outside_world() -> None:
    ledger = Ledger()
    transfers = ledger.confirm_payment(0.0, "inv-1", 10_000, 300)
    assert ledger.balance(A.PROVIDER_FEES) == 300
    assert ledger.balance(A.EXTERNAL) == 300
    assert [(t.debit, t.credit, t.amount_minor) for t in transfers] == [
        (A.FIAT_IN_TRANSIT, A.TOKENS_MINTED, 9_700),
        (A.PROVIDER_FEES, A.EXTERNAL, 300),
    ]


def test_a_payment_without_fee_posts_only_the_mint_leg() -> None:
    transfers = Ledger().confirm_payment(0.0, "inv-1", 500, 0)
    assert [(t.debit, t.credit, t.amount_minor) for t in transfers] == [
        (A.FIAT_IN_TRANSIT, A.TOKENS_MINTED, 500)
    ]


def test_a_fee_equal_to_the_amount_mints_nothing_but_still_records_the_fee() -> None:
    ledger = Ledger()
    transfers = ledger.confirm_payment(0.0, "inv-1", 500, 500)
    assert [(t.debit, t.credit, t.amount_minor) for t in transfers] == [
        (A.PROVIDER_FEES, A.EXTERNAL, 500)
    ]
    assert ledger.balance(A.TOKENS_MINTED) == 0


@pytest.mark.parametrize(
    ("amount", "fee"), [(500, 501), (500, -1), (0, 0), (-5, 0), (1.5, 0), (500, 0.5), (True, 0)]
)
def test_an_invalid_payment_amount_or_fee_is_rejected_and_changes_nothing(
    amount: int, fee: int
) -> None:
    ledger = funded()
    before = state(ledger)
    with pytest.raises(LedgerError, match="inv-2"):
        ledger.confirm_payment(1.0, "inv-2", amount, fee)
    assert state(ledger) == before


def test_settling_moves_fiat_from_in_transit_to_the_custodian_reserve() -> None:
    ledger = funded(1_000)
    ledger.settle(5.0, "inv-1", 600)
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 400
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 600
    assert ledger.balance(A.TOKENS_MINTED) == 1_000


def test_settling_more_than_in_transit_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000)
    before = state(ledger)
    with pytest.raises(LedgerError, match=r"leg 1.*fiat_in_transit would fall to -1"):
        ledger.settle(5.0, "inv-1", 1_001)
    assert state(ledger) == before
    assert len(ledger.take_transfers()) == 1  # only the original payment


def test_redeeming_burns_tokens_and_pays_fiat_out_of_the_reserve() -> None:
    ledger = funded(1_000, settled=1_000)
    ledger.redeem(9.0, "red-1", 250)
    assert ledger.balance(A.TOKENS_MINTED) == 750
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 750


def test_redeeming_more_than_was_minted_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000, settled=1_000)
    ledger.post(2.0, "top_up", "t-1", [(A.CUSTODIAN_RESERVE, A.EXTERNAL, 500)])
    before = state(ledger)
    with pytest.raises(LedgerError, match="tokens_minted would fall to -1"):
        ledger.redeem(9.0, "red-1", 1_001)
    assert state(ledger) == before


def test_redeeming_more_than_the_reserve_holds_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000, settled=300)  # 700 still in transit
    before = state(ledger)
    with pytest.raises(LedgerError, match="custodian_reserve would fall to -100"):
        ledger.redeem(9.0, "red-1", 400)
    assert state(ledger) == before


def test_holding_funds_for_review_puts_them_in_transit_owed_back_to_the_payer() -> None:
    ledger = Ledger()
    (transfer,) = ledger.hold_for_review(0.0, "inv-9", 800, "late")
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 800
    assert ledger.balance(A.REVIEW_HOLD) == 800
    assert ledger.balance(A.TOKENS_MINTED) == 0
    assert (transfer.kind, transfer.memo) == (Kind.REVIEW_HOLD, "late")


def test_a_hold_without_a_reason_is_rejected() -> None:
    with pytest.raises(LedgerError, match="reason"):
        Ledger().hold_for_review(0.0, "inv-9", 800, "")


def test_releasing_a_review_refunds_from_in_transit_or_from_the_reserve_once_settled() -> None:
    ledger = Ledger()
    ledger.hold_for_review(0.0, "inv-9", 800, "overpaid")
    ledger.release_review(1.0, "inv-9", 300)
    assert ledger.balance(A.REVIEW_HOLD) == 500
    assert ledger.balance(A.FIAT_IN_TRANSIT) == 500
    ledger.settle(2.0, "batch-1", 500)
    ledger.release_review(3.0, "inv-9", 500, paid_from=A.CUSTODIAN_RESERVE)
    assert ledger.balances() == dict.fromkeys(Account, 0)


def test_releasing_more_than_is_held_is_rejected_and_changes_nothing() -> None:
    ledger = funded(1_000)
    ledger.hold_for_review(1.0, "inv-9", 100, "underpaid")
    before = state(ledger)
    with pytest.raises(LedgerError, match="review_hold would fall to -1"):
        ledger.release_review(2.0, "inv-9", 101)
    assert state(ledger) == before


def test_a_refund_can_only_be_paid_from_fiat() -> None:
    ledger = Ledger()
    ledger.hold_for_review(0.0, "inv-9", 100, "late")
    with pytest.raises(LedgerError, match="paid from fiat"):
        ledger.release_review(1.0, "inv-9", 100, paid_from=A.TOKENS_MINTED)


def test_applying_held_funds_mints_tokens_for_them() -> None:
    ledger = Ledger()
    ledger.hold_for_review(0.0, "inv-9", 100, "late")
    ledger.apply_review(1.0, "inv-9", 100)
    assert ledger.balance(A.REVIEW_HOLD) == 0
    assert ledger.balance(A.TOKENS_MINTED) == 100
    assert ledger.reserve_ratio_bp() == 10_000


# -- the generic post --------------------------------------------------------------------


def test_one_bad_leg_rejects_the_whole_operation_and_is_named() -> None:
    ledger = funded(1_000)
    before = state(ledger)
    legs = [
        (A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT, 600),
        (A.TOKENS_MINTED, A.CUSTODIAN_RESERVE, 700),
    ]
    with pytest.raises(LedgerError, match=r"batch 'b-1' rejected at leg 2 .*custodian_reserve"):
        ledger.post(3.0, "batch", "b-1", legs)
    assert state(ledger) == before
    assert ledger.take_transfers()[-1].kind == Kind.PAYMENT_CONFIRMED


def test_legs_are_checked_in_order_so_an_earlier_leg_can_fund_a_later_one() -> None:
    ledger = funded(1_000)
    legs = [
        (A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT, 600),
        (A.TOKENS_MINTED, A.CUSTODIAN_RESERVE, 600),
    ]
    ledger.post(3.0, "batch", "b-1", legs)
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 0
    assert ledger.balance(A.TOKENS_MINTED) == 400


@pytest.mark.parametrize(
    ("leg", "message"),
    [
        ((A.EXTERNAL, A.EXTERNAL, 5), "same account"),
        (("treasury", A.EXTERNAL, 5), "expected"),
        ((A.EXTERNAL, A.TOKENS_MINTED), "expected"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, 0), "positive int"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, -5), "positive int"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, 5.0), "positive int"),
        ((A.CUSTODIAN_RESERVE, A.EXTERNAL, 2**63), "positive int"),
    ],
)
def test_a_malformed_leg_is_rejected_with_its_number(
    leg: tuple[Account, ...], message: str
) -> None:
    ledger = funded()
    before = state(ledger)
    good = (A.CUSTODIAN_RESERVE, A.EXTERNAL, 1)
    with pytest.raises(LedgerError, match=f"leg 2.*{message}"):
        ledger.post(1.0, "adjust", "a-1", [good, leg])  # type: ignore[list-item]
    assert state(ledger) == before


def test_account_names_given_as_text_are_accepted() -> None:
    ledger = Ledger()
    (transfer,) = ledger.post(0.0, "adjust", "a-1", [("custodian_reserve", "external", 5)])  # type: ignore[list-item]
    assert transfer.debit is A.CUSTODIAN_RESERVE
    assert ledger.balance(A.CUSTODIAN_RESERVE) == 5


@pytest.mark.parametrize(
    ("kind", "ref", "n_legs"), [("", "a-1", 1), ("adjust", "", 1), ("adjust", "a-1", 0)]
)
def test_an_operation_needs_a_kind_a_reference_and_at_least_one_leg(
    kind: str, ref: str, n_legs: int
) -> None:
    with pytest.raises(LedgerError):
        Ledger().post(0.0, kind, ref, [(A.CUSTODIAN_RESERVE, A.EXTERNAL, 5)] * n_legs)


def test_an_operation_with_too_many_legs_is_rejected() -> None:
    legs = [(A.CUSTODIAN_RESERVE, A.EXTERNAL, 1)] * (MAX_LEGS + 1)
    with pytest.raises(LedgerError, match="legs"):
        Ledger().post(0.0, "adjust", "a-1", legs)
    Ledger().post(0.0, "adjust", "a-1", legs[:MAX_LEGS])


def test_only_the_external_account_may_go_below_zero() -> None:
    ledger = Ledger()
    ledger.post(0.0, "airdrop", "x-1", [(A.EXTERNAL, A.TOKENS_MINTED, 5)])
    assert ledger.balance(A.EXTERNAL) == -5
    ledger.check_balanced()


def test_balances_are_on_each_accounts_natural_side() -> None:
    ledger = Ledger()
    ledger.confirm_payment(0.0, "inv-1", 1_000, 30)
    ledger.settle(1.0, "inv-1", 400)
    ledger.redeem(2.0, "red-1", 100)
    for account in Account:
        debits, credits = ledger.debits_posted(account), ledger.credits_posted(account)
        sign = 1 if account in DEBIT_NORMAL else -1
        assert ledger.balance(account) == sign * (debits - credits)
    assert {A.CUSTODIAN_RESERVE, A.FIAT_IN_TRANSIT, A.PROVIDER_FEES} == DEBIT_NORMAL
    assert (
        ledger.debits_posted(A.CUSTODIAN_RESERVE),
        ledger.credits_posted(A.CUSTODIAN_RESERVE),
    ) == (
        400,
        100,
    )
    assert ledger.balance(A.TOKENS_MINTED) == 870


# -- records, ids and time ---------------------------------------------------------------


def test_transfer_ids_are_sequential_per_ledger_and_legs_share_an_operation_id() -> None:
    first, second = Ledger(), Ledger()
    a = first.confirm_payment(0.0, "inv-1", 1_000, 30)
    b = first.settle(1.0, "inv-1", 970)
    c = second.confirm_payment(0.0, "inv-7", 10, 0)
    assert [t.id for t in a + b] == [1, 2, 3]
    assert [t.operation_id for t in a + b] == [1, 1, 2]
    assert [t.id for t in c] == [1]


def test_transfers_record_kind_reference_time_currency_and_are_drained_once() -> None:
    ledger = Ledger("EUR")
    ledger.confirm_payment(4.5, "inv-1", 1_000, 0)
    taken = ledger.take_transfers()
    assert taken == [
        Transfer(
            1,
            1,
            "payment_confirmed",
            "inv-1",
            4.5,
            A.FIAT_IN_TRANSIT,
            A.TOKENS_MINTED,
            1_000,
            "EUR",
        )
    ]
    assert ledger.take_transfers() == []


def test_posting_in_the_past_is_rejected_and_the_same_time_is_allowed() -> None:
    ledger = funded()
    ledger.settle(10.0, "inv-1", 100)
    ledger.settle(10.0, "inv-1", 100)
    before = state(ledger)
    with pytest.raises(LedgerError, match="backwards"):
        ledger.settle(9.5, "inv-1", 100)
    assert state(ledger) == before


@pytest.mark.parametrize("now", [math.nan, math.inf])
def test_a_non_finite_time_is_rejected(now: float) -> None:
    with pytest.raises(LedgerError, match="finite"):
        Ledger().confirm_payment(now, "inv-1", 100, 0)


def test_undrained_transfers_beyond_the_limit_stop_the_run_and_change_nothing() -> None:
    ledger = Ledger(max_pending_transfers=2)
    ledger.confirm_payment(0.0, "inv-1", 100, 0)
    before = state(ledger)
    with pytest.raises(InvariantViolation, match="take_transfers"):
        ledger.confirm_payment(1.0, "inv-2", 100, 5)
    assert state(ledger) == before
    ledger.take_transfers()
    ledger.confirm_payment(1.0, "inv-2", 100, 5)


def test_a_ledger_in_an_unknown_currency_is_refused() -> None:
    with pytest.raises(MoneyError, match="XYZ"):
        Ledger("XYZ")


# -- history and compaction --------------------------------------------------------------


def history_ledger() -> Ledger:
    ledger = Ledger()
    ledger.confirm_payment(10.0, "inv-1", 1_000, 0)
    ledger.settle(20.0, "inv-1", 600)
    ledger.confirm_payment(30.0, "inv-2", 500, 0)
    ledger.redeem(40.0, "red-1", 100)
    return ledger


def test_balance_at_a_past_time_sees_only_what_was_posted_by_then() -> None:
    ledger = history_ledger()
    assert ledger.balance_at(A.TOKENS_MINTED, 5.0) == 0
    assert ledger.balance_at(A.TOKENS_MINTED, 10.0) == 1_000
    assert ledger.balance_at(A.CUSTODIAN_RESERVE, 29.9) == 600
    assert ledger.balance_at(A.TOKENS_MINTED, 40.0) == 1_400
    assert ledger.balances_at(1e9) == ledger.balances()


def test_compaction_folds_old_transfers_and_keeps_later_balances_exact() -> None:
    ledger, reference = history_ledger(), history_ledger()
    assert ledger.compact(30.0) == 2
    assert ledger.history_len == 2
    assert ledger.snapshot_at == 30.0
    for t in (30.0, 35.0, 40.0, 50.0):
        assert ledger.balances_at(t) == reference.balances_at(t)
    ledger.check_balanced()


def test_a_balance_before_the_snapshot_says_to_query_storage() -> None:
    ledger = history_ledger()
    ledger.compact(25.0)
    with pytest.raises(LedgerError, match="query storage"):
        ledger.balance_at(A.CUSTODIAN_RESERVE, 24.0)


def test_posting_before_the_compaction_point_is_rejected() -> None:
    ledger = history_ledger()
    ledger.compact(100.0)
    with pytest.raises(LedgerError, match="backwards"):
        ledger.settle(50.0, "inv-1", 10)
    ledger.settle(100.0, "inv-1", 10)


def test_compacting_to_an_earlier_point_than_the_snapshot_does_nothing() -> None:
    ledger = history_ledger()
    ledger.compact(30.0)
    assert ledger.compact(20.0) == 0
    assert ledger.snapshot_at == 30.0
    with pytest.raises(LedgerError, match="finite"):
        ledger.compact(math.nan)


# -- invariants and the reserve ratio ----------------------------------------------------


def test_check_balanced_fails_when_total_debits_differ_from_credits() -> None:
    ledger = history_ledger()
    ledger.check_balanced()
    ledger._debits[A.CUSTODIAN_RESERVE] += 1  # simulate a bug
    with pytest.raises(InvariantViolation, match="unbalanced"):
        ledger.check_balanced()


def test_check_balanced_fails_when_an_account_is_negative() -> None:
    ledger = history_ledger()
    ledger._debits[A.TOKENS_MINTED] += 10_000  # balanced totals, impossible balance
    ledger._credits[A.EXTERNAL] += 10_000
    with pytest.raises(InvariantViolation, match="tokens_minted is negative"):
        ledger.check_balanced()


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


# -- properties --------------------------------------------------------------------------
#
# An independent model decides which legs each operation should post and whether
# it must be rejected; the ledger must agree with it after every step.

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
