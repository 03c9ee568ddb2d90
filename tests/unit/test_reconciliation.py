import math

import pytest

from actors.alerts import AlertBook, Severity
from actors.errors import InputError, ReconciliationError
from actors.ledger import Account, Ledger
from actors.reconciliation import (
    CustodianStatement,
    Direction,
    Reconciler,
    Snapshot,
    Status,
    Thresholds,
    Trigger,
    reconcile,
)


def settled_ledger(reserve: int = 100_000, in_transit: int = 0) -> Ledger:
    """A USD ledger with ``reserve`` settled at t=10 and ``in_transit`` unsettled."""
    ledger = Ledger("USD")
    ledger.confirm_payment(0.0, "inv-1", reserve + in_transit, 0)
    if reserve:
        ledger.settle(10.0, "inv-1", reserve)
    return ledger


def statement(balance: int | None, as_of: float = 50.0, **kw: object) -> CustodianStatement:
    return CustodianStatement(as_of=as_of, balance_minor=balance, currency="USD", **kw)  # type: ignore[arg-type]


def test_a_statement_matching_the_book_reserve_is_balanced_with_no_direction() -> None:
    result = reconcile(60.0, settled_ledger(), statement(100_000))
    assert (result.discrepancy_minor, result.discrepancy_bp) == (0, 0)
    assert result.direction is Direction.NONE
    assert result.status is Status.BALANCED


def test_settlement_lag_shows_as_in_transit_not_as_a_discrepancy() -> None:
    ledger = settled_ledger(reserve=60_000, in_transit=40_000)
    result = reconcile(60.0, ledger, statement(60_000))
    assert result.status is Status.BALANCED
    assert result.snapshot.book_in_transit_minor == 40_000
    assert result.backing_ratio_bp == 10_000


def test_the_book_is_read_as_of_the_statement_time_not_now() -> None:
    ledger = settled_ledger(reserve=100_000)
    ledger.confirm_payment(70.0, "inv-2", 5_000, 0)
    ledger.settle(80.0, "inv-2", 5_000)
    result = reconcile(90.0, ledger, statement(100_000, as_of=50.0))
    assert result.snapshot.book_reserve_minor == 100_000
    assert result.status is Status.BALANCED
    later = reconcile(90.0, ledger, statement(100_000, as_of=85.0))
    assert later.discrepancy_minor == -5_000


def test_a_custodian_surplus_is_a_positive_discrepancy() -> None:
    result = reconcile(60.0, settled_ledger(), statement(100_600))
    assert result.discrepancy_minor == 600
    assert result.direction is Direction.SURPLUS
    assert (result.discrepancy_bp, result.status) == (60, Status.BREACH)


def test_a_custodian_shortfall_is_a_negative_discrepancy() -> None:
    result = reconcile(60.0, settled_ledger(), statement(99_800))
    assert result.discrepancy_minor == -200
    assert result.direction is Direction.SHORTFALL
    assert (result.discrepancy_bp, result.status) == (20, Status.WARNING)
    assert result.backing_ratio_bp == 9_980


@pytest.mark.parametrize(
    ("custodian", "bp", "status"),
    [
        (99_901, 9, Status.BALANCED),  # 9.9 bp rounds down
        (99_900, 10, Status.WARNING),
        (99_501, 49, Status.WARNING),
        (99_500, 50, Status.BREACH),
        (100_100, 10, Status.WARNING),
        (100_001, 0, Status.BALANCED),
    ],
)
def test_the_status_follows_the_thresholds_in_basis_points_of_the_book_reserve(
    custodian: int, bp: int, status: Status
) -> None:
    result = reconcile(60.0, settled_ledger(100_000), statement(custodian))
    assert (result.discrepancy_bp, result.status) == (bp, status)


def test_custom_thresholds_are_applied_and_kept_with_the_result() -> None:
    limits = Thresholds(warning_bp=1, breach_bp=5)
    result = reconcile(60.0, settled_ledger(100_000), statement(99_950), limits)
    assert (result.discrepancy_bp, result.status) == (5, Status.BREACH)
    assert result.thresholds == limits


def test_custodian_money_against_an_empty_book_is_a_full_breach() -> None:
    result = reconcile(60.0, Ledger(), statement(1))
    assert (result.discrepancy_bp, result.status) == (10_000, Status.BREACH)


def test_an_empty_custodian_account_against_an_empty_book_is_balanced() -> None:
    result = reconcile(60.0, Ledger(), statement(0))
    assert (result.discrepancy_bp, result.status) == (0, Status.BALANCED)


@pytest.mark.parametrize(
    ("stmt", "message"),
    [
        (statement(None), "empty"),
        (statement(100_000, complete=False), "partial"),
        (CustodianStatement(50.0, 100_000, "EUR"), "EUR.*USD"),
        (statement(100_000, as_of=61.0), "at or before now"),
        (statement(100_000, as_of=math.nan), "at or before now"),
        (statement(-1), "expected minor units"),
        (statement(1.5), "expected minor units"),  # type: ignore[arg-type]
    ],
)
def test_a_statement_that_proves_nothing_is_an_error_never_balanced(
    stmt: CustodianStatement, message: str
) -> None:
    with pytest.raises(ReconciliationError, match=message):
        reconcile(60.0, settled_ledger(), stmt)


def test_a_statement_older_than_the_in_memory_history_says_to_use_storage() -> None:
    ledger = settled_ledger()
    ledger.compact(40.0)
    with pytest.raises(ReconciliationError, match="storage"):
        reconcile(60.0, ledger, statement(100_000, as_of=30.0))


def test_the_snapshot_keeps_the_statement_and_the_book_balances_it_used() -> None:
    ledger = settled_ledger(reserve=70_000, in_transit=30_000)
    ledger.hold_for_review(20.0, "inv-9", 500, "late")
    stmt = statement(70_000, as_of=50.0, deposit_count=3)
    result = reconcile(60.0, ledger, stmt, trigger="manual", sequence=7)
    assert result.snapshot == Snapshot(
        as_of=50.0,
        statement_balance_minor=70_000,
        currency="USD",
        complete=True,
        deposit_count=3,
        book_reserve_minor=70_000,
        book_in_transit_minor=30_500,
        book_minted_minor=100_000,
        book_held_minor=500,
    )
    assert (result.sequence, result.at, result.trigger) == (7, 60.0, Trigger.MANUAL)
    assert result.backing_ratio_bp == 10_000


def test_an_unknown_trigger_is_an_input_error() -> None:
    with pytest.raises(InputError, match="scheduled or manual"):
        reconcile(60.0, settled_ledger(), statement(100_000), trigger="hourly")


@pytest.mark.parametrize(("warning", "breach"), [(0, 50), (60, 50), (-1, 5)])
def test_thresholds_must_be_positive_and_ordered(warning: int, breach: int) -> None:
    with pytest.raises(InputError):
        Thresholds(warning_bp=warning, breach_bp=breach)


# -- the Reconciler ------------------------------------------------------------------------


def test_the_reconciler_numbers_runs_and_counts_drift_by_direction() -> None:
    reconciler, ledger = Reconciler(), settled_ledger()
    results = [
        reconciler.run(60.0 + i, ledger, statement(b))
        for i, b in enumerate([100_000, 100_500, 99_000, 99_999])
    ]
    assert [r.sequence for r in results] == [1, 2, 3, 4]
    assert reconciler.drift_counts == {
        Direction.NONE: 1,
        Direction.SURPLUS: 1,
        Direction.SHORTFALL: 2,
    }


def test_the_reconciler_keeps_only_the_last_n_results_and_drains_each_once() -> None:
    reconciler, ledger = Reconciler(history_limit=3), settled_ledger()
    for i in range(5):
        reconciler.run(60.0 + i, ledger, statement(100_000))
    assert [r.sequence for r in reconciler.recent] == [3, 4, 5]
    assert [r.sequence for r in reconciler.take_results()] == [1, 2, 3, 4, 5]
    assert reconciler.take_results() == []


def test_a_failed_run_is_counted_and_reraised_without_using_a_sequence_number() -> None:
    reconciler, ledger = Reconciler(), settled_ledger()
    with pytest.raises(ReconciliationError, match="partial"):
        reconciler.run(60.0, ledger, statement(100_000, complete=False))
    assert reconciler.failures == 1
    assert reconciler.last_error is not None and "partial" in reconciler.last_error
    assert reconciler.take_results() == []
    assert reconciler.run(61.0, ledger, statement(100_000)).sequence == 1


def test_a_drift_alerts_once_per_period_and_escalates_to_breach_at_once() -> None:
    alerts = AlertBook(period_s=3_600.0)
    reconciler, ledger = Reconciler(alerts=alerts), settled_ledger()
    reconciler.run(60.0, ledger, statement(99_800))
    reconciler.run(120.0, ledger, statement(99_800))
    reconciler.run(180.0, ledger, statement(99_000))
    raised = alerts.take_alerts()
    assert [(a.key, a.severity) for a in raised] == [
        ("reserve_drift:USD", Severity.WARNING),
        ("reserve_drift:USD", Severity.BREACH),
    ]
    assert "shortfall of 2.00 USD (20 bp)" in raised[0].message


def test_a_drift_alert_reads_as_money_and_a_clock_as_a_stakeholder_reads_it() -> None:
    alerts = AlertBook(period_s=3_600.0)
    ledger = settled_ledger(reserve=108_159_412)
    Reconciler(alerts=alerts).run(300.0, ledger, statement(107_000_000, as_of=240.0))
    (alert,) = alerts.take_alerts()
    assert alert.message == (
        "reserve shortfall of 11,594.12 USD (107 bp): the custodian's statement shows "
        "1,070,000.00 USD and the book 1,081,594.12 USD, as of 04:00"
    )
    history = AlertBook(period_s=3_600.0)  # a statement from the history before the live part
    Reconciler(alerts=history).run(0.0, ledger, statement(107_000_000, as_of=-21_600.0))
    assert history.take_alerts()[0].message.endswith("as of day -1, 18:00")


def test_a_balanced_run_raises_no_alert_and_a_failed_run_raises_a_warning() -> None:
    alerts = AlertBook(period_s=3_600.0)
    reconciler, ledger = Reconciler(alerts=alerts), settled_ledger()
    reconciler.run(60.0, ledger, statement(100_000))
    assert alerts.take_alerts() == []
    with pytest.raises(ReconciliationError):
        reconciler.run(61.0, ledger, statement(None))
    (alert,) = alerts.take_alerts()
    assert (alert.key, alert.severity) == ("reconciliation_failed:USD", Severity.WARNING)
    assert "empty" in alert.message


def test_the_reconciler_uses_its_thresholds() -> None:
    reconciler = Reconciler(Thresholds(warning_bp=100, breach_bp=200))
    result = reconciler.run(60.0, settled_ledger(), statement(99_500))
    assert (result.discrepancy_bp, result.status) == (50, Status.BALANCED)


def test_book_balances_come_from_the_custodian_reserve_account() -> None:
    ledger = settled_ledger(100_000)
    assert reconcile(60.0, ledger, statement(100_000)).snapshot.book_reserve_minor == (
        ledger.balance(Account.CUSTODIAN_RESERVE)
    )
