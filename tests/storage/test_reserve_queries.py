"""Reserve queries on a real PostgreSQL: the reserves now, summed from the ledger on
each account's natural side, and the daily history; checked against hand counts."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.queries import reserves_daily, reserves_now
from tests.storage.recorded import ledger, reconciliation, record, run_in

DAY_S = 86_400.0


# ---- reserves --------------------------------------------------------------------------
def test_reserves_now_sums_the_ledger_on_each_accounts_natural_side(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    rows = ledger([
        (1, 10.0, "fiat_in_transit", "tokens_minted", 10_000),
        (2, 20.0, "fiat_in_transit", "tokens_minted", 500),
        (3, 30.0, "custodian_reserve", "fiat_in_transit", 6_000),
        (4, 40.0, "provider_fees", "tokens_minted", 300),
        (5, 50.0, "fiat_in_transit", "review_hold", 200),
        (6, 55.0, "tokens_minted", "external", 500),  # a redemption of 500 tokens
    ])  # fmt: skip
    rows["reserve_reconciliation"] = [
        reconciliation(1, 30.0, "balanced", 0),
        reconciliation(2, 60.0, "warning", 12),
        reconciliation(3, 45.0, "breach", 80),  # a higher sequence, but older
    ]
    record(db, run_id, rows)
    reserves = reserves_now(db, run_id)
    assert reserves["fiat_minor"] == 6_000
    assert reserves["in_transit_minor"] == 10_000 + 500 + 200 - 6_000
    assert reserves["minted_minor"] == 10_000 + 500 + 300 - 500
    assert reserves["fees_minor"] == 300
    assert reserves["review_minor"] == 200
    assert reserves["ratio_bp"] == 10_388  # (6,000 + 4,700) / 10,300 = 1.038835
    assert reserves["discrepancy_bp"] == 12
    assert reserves["status"] == "warning"
    last = reserves["last_reconciliation"]
    assert last is not None
    assert (last["seq"], last["at_s"], last["direction"]) == (2, 60.0, "shortfall")
    assert last["snapshot"] == {"as_of": 60.0, "book_reserve_minor": 6_000}


def test_reserves_of_a_run_without_a_ledger_are_zero_at_one_to_one(
    migrated_database: Database,
) -> None:
    reserves = reserves_now(migrated_database, run_in(migrated_database))
    assert reserves == {"fiat_minor": 0, "in_transit_minor": 0, "minted_minor": 0,
                        "fees_minor": 0, "review_minor": 0, "ratio_bp": 10_000,
                        "discrepancy_bp": None, "status": None,
                        "last_reconciliation": None}  # fmt: skip


def test_daily_reserves_close_each_simulated_day_with_its_worst_status(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    rows = ledger([
        (1, 100.0, "fiat_in_transit", "tokens_minted", 1_000),
        (2, 80_000.0, "fiat_in_transit", "tokens_minted", 500),
        (3, 2 * DAY_S + 10, "custodian_reserve", "fiat_in_transit", 1_200),
    ])  # fmt: skip
    rows["reserve_reconciliation"] = [
        reconciliation(1, 3_600.0, "balanced", 0),
        reconciliation(2, 7_200.0, "warning", 15),
        reconciliation(3, 2 * DAY_S + 20, "balanced", 0),
    ]
    record(db, run_id, rows)
    days = reserves_daily(db, run_id, 7)
    assert [d["day"] for d in days] == [0, 1, 2]
    first, quiet, last = days
    assert (first["start_s"], first["end_s"]) == (0.0, DAY_S)
    assert (first["fiat_minor"], first["in_transit_minor"], first["minted_minor"]) == (
        0, 1_500, 1_500)  # fmt: skip
    assert (first["status"], first["reconciliations"], first["ratio_bp"]) == ("warning", 2, 10_000)
    assert (quiet["in_transit_minor"], quiet["status"], quiet["reconciliations"]) == (
        1_500,
        None,
        0,
    )
    assert (last["fiat_minor"], last["in_transit_minor"], last["minted_minor"]) == (
        1_200, 300, 1_500)  # fmt: skip
    assert last["status"] == "balanced"


def test_daily_reserves_keep_the_most_recent_days_and_carry_earlier_balances(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, ledger([
        (1, 100.0, "fiat_in_transit", "tokens_minted", 1_000),
        (2, 9 * DAY_S + 1, "fiat_in_transit", "tokens_minted", 500),
    ]))  # fmt: skip
    days = reserves_daily(db, run_id, 7)
    assert [d["day"] for d in days] == [3, 4, 5, 6, 7, 8, 9]
    assert [d["minted_minor"] for d in days] == [1_000] * 6 + [1_500]
    assert [d["day"] for d in reserves_daily(db, run_id, 30)] == list(range(10))
    assert reserves_daily(db, run_in(db), 30) == []


def test_daily_reserves_reject_a_history_other_than_7_or_30_days(
    migrated_database: Database,
) -> None:
    with pytest.raises(ValueError, match="days must be one of 7, 30, got 14"):
        reserves_daily(migrated_database, run_in(migrated_database), 14)


def test_a_week_of_daily_reserves_is_the_end_of_the_month_history_days_included(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, ledger([
        (n + 20, n * DAY_S + 5, "fiat_in_transit", "tokens_minted", 100 + n) for n in range(-12, 1)
    ]))  # fmt: skip
    rows = ledger([(99, -3 * DAY_S, "custodian_reserve", "fiat_in_transit", 50)])
    rows["reserve_reconciliation"] = [reconciliation(1, 2 * DAY_S, "warning", 9)]
    record(db, run_id, rows)
    month = reserves_daily(db, run_id, 30)
    assert [d["day"] for d in month] == list(range(-12, 3))  # to the reconciliation's day
    assert reserves_daily(db, run_id, 7) == month[-7:]
    assert month[-1]["status"] == "warning"
    assert month[-1]["minted_minor"] == month[-3]["minted_minor"]  # day 2 carries day 0 over
    assert month[-4]["fiat_minor"] == 50  # day -1 closes with day -3's settlement
