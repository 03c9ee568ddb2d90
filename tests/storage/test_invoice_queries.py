"""Invoice queries on a real PostgreSQL: active wallets, invoices by state and in
pages, and the progress and results of a bulk job; checked against hand counts."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.queries import (
    NotFound,
    active_wallets,
    bulk_job_progress,
    bulk_job_results,
    invoices_by_state,
    list_invoices,
)
from tests.storage.recorded import invoice, record, run_in
from tests.storage.rows import DUE


# ---- wallets and invoices --------------------------------------------------------------
def test_active_wallets_leave_out_destroyed_ones_and_count_down_to_expiry(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    # address, invoice_id, state, expected, currency, created, expires, received, accepted,
    # destroyed_at_s, destroy_reason
    record(db, run_id, {
        "invoices": [invoice("inv-a", provider="tempo"), invoice("inv-b"), invoice("inv-c")],
        "ephemeral_wallets": [
            ("0xb", "inv-b", "paid", 1_000, "USD", 100.0, 1_900.0, 1_000, 1_000, None, None),
            ("0xa", "inv-a", "created", 1_000, "USD", 0.0, 1_800.0, 0, 0, None, None),
            ("0xc", "inv-c", "destroyed", 1_000, "USD", 0.0, 1_700.0, 0, 0, 500.0, "paid"),
            ("0xd", "inv-d", "created", 1_000, "USD", 200.0, 2_000.0, 0, 0, None, None),
        ],
    })  # fmt: skip
    wallets = active_wallets(db, run_id, now_s=1_850.0)
    assert [w["address"] for w in wallets] == ["0xa", "0xb", "0xd"]
    assert [w["seconds_left"] for w in wallets] == [0.0, 50.0, 150.0]
    assert [w["provider"] for w in wallets] == ["tempo", None, None]  # inv-d not recorded
    assert wallets[1] == {"address": "0xb", "invoice_id": "inv-b", "state": "paid",
                          "expected_minor": 1_000, "currency": "USD", "created_at_s": 100.0,
                          "expires_at_s": 1_900.0, "provider": None,
                          "seconds_left": 50.0}  # fmt: skip
    assert [w["address"] for w in active_wallets(db, run_id, 0.0, limit=1)] == ["0xa"]
    with pytest.raises(ValueError, match="limit"):
        active_wallets(db, run_id, 0.0, limit=5_000)


def test_invoices_by_state_counts_every_state_including_empty_ones(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    states = ["paid"] * 3 + ["failed"] + ["pending"] * 2 + ["underpaid"] * 2 + ["overpaid"]
    record(db, run_id, {"invoices": [invoice(f"i{n}", s) for n, s in enumerate(states)]})
    expected = {"pending": 2, "processing": 0, "paid": 3, "failed": 1, "expired": 0,
                "underpaid": 2, "overpaid": 1}  # fmt: skip
    assert invoices_by_state(db, run_id) == expected
    with db.engine.connect() as connection:  # a caller's connection works as well
        assert invoices_by_state(connection, run_id) == expected


def test_invoices_are_listed_in_pages_of_at_most_a_thousand(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    rows = [invoice(f"i{n:02d}", "paid" if n % 5 == 0 else "pending", float(n)) for n in range(25)]
    record(db, run_id, {"invoices": rows})
    page = list_invoices(db, run_id, limit=10, offset=20)
    assert (page["total"], page["limit"], page["offset"]) == (25, 10, 20)
    assert [i["invoice_id"] for i in page["items"]] == ["i20", "i21", "i22", "i23", "i24"]
    assert page["items"][0]["status"] == "paid"
    assert page["items"][0]["created_at_s"] == 20.0
    paid = list_invoices(db, run_id, status="paid", limit=2)
    assert paid["total"] == 5
    assert [i["invoice_id"] for i in paid["items"]] == ["i00", "i05"]
    with pytest.raises(ValueError, match=r"limit must be within 1\.\.1,000, got 1001"):
        list_invoices(db, run_id, limit=1_001)
    with pytest.raises(ValueError, match="offset"):
        list_invoices(db, run_id, offset=-1)
    with pytest.raises(ValueError, match="invoice status must be one of"):
        list_invoices(db, run_id, status="lost")


# ---- bulk jobs -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bulk_run(migrated_database: Database) -> str:
    """Job 1: lines 2-5 accepted (paid, failed, expired, pending), 6 and 7 rejected."""
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, {
        "bulk_jobs": [
            (1, "march.csv", "auto", 6, 4, 2, "running", 0.0, None, 0.0, None, None, None)
        ],
        "invoices": [
            invoice("b2", "paid", 10.0, 10.25, provider="tempo", attempts=1, fee_minor=30,
                    wallet_address="0x2", bulk_job=1),
            invoice("b3", "failed", 11.0, 12.0, provider="circle", attempts=3,
                    reason="every provider declined", bulk_job=1),
            invoice("b4", "expired", 12.0, 1_812.0, reason="not paid in time", bulk_job=1),
            invoice("b5", "pending", 13.0, bulk_job=1),
        ],
        # job_id, line, error_no, invoice_id, status, column_name, error
        "bulk_job_rows": [
            (1, 2, 0, "b2", "paid", None, None),
            (1, 3, 0, "b3", "failed", None, None),
            (1, 4, 0, "b4", "expired", None, None),
            (1, 5, 0, "b5", "accepted", None, None),
            (1, 6, 0, None, "rejected", "amount", "amount must be positive"),
            (1, 6, 1, None, "rejected", "currency", "unknown currency 'XXX'"),
            (1, 7, 0, None, "rejected", "method", "method must be one of bank, card, crypto"),
        ],
    })  # fmt: skip
    return run_id


def test_bulk_progress_counts_lines_by_outcome_and_lists_row_errors(
    migrated_database: Database, bulk_run: str
) -> None:
    progress = bulk_job_progress(migrated_database, bulk_run, 1)
    counts = {k: v for k, v in progress.items() if k != "errors"}
    assert counts == {"job_id": 1, "file": "march.csv", "provider": "auto", "status": "running",
                      "total": 6, "accepted": 4, "rejected": 2, "processed": 3, "succeeded": 1,
                      "failed": 1, "expired": 1, "underpaid": 0, "overpaid": 0, "pending": 1,
                      "errors_total": 3,
                      "started_at_s": 0.0, "started_at": None, "finished_at_s": None,
                      "finished_at": None, "failure": None}  # fmt: skip
    assert progress["errors"] == [
        {"line": 6, "column": "amount", "error": "amount must be positive"},
        {"line": 6, "column": "currency", "error": "unknown currency 'XXX'"},
        {"line": 7, "column": "method", "error": "method must be one of bank, card, crypto"},
    ]
    bounded = bulk_job_progress(migrated_database, bulk_run, 1, errors_limit=2)
    assert (len(bounded["errors"]), bounded["errors_total"]) == (2, 3)


def test_underpaid_and_overpaid_rows_count_as_processed_each_under_its_own_name(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    held = "underpaid: 9.00 of 10.00 USD received; held for review"
    record(db, run_id, {
        "bulk_jobs": [(2, "may.csv", "auto", 3, 3, 0, "running", 0.0, None, 0.0, None, None,
                       None)],
        "invoices": [invoice("u1", "underpaid", 1.0, 1.0, reason=held, bulk_job=2),
                     invoice("o1", "overpaid", 1.0, 1.0, bulk_job=2),
                     invoice("p1", "paid", 1.0, 1.5, bulk_job=2)],
        "bulk_job_rows": [(2, 2, 0, "u1", "underpaid", None, None),
                          (2, 3, 0, "o1", "overpaid", None, None),
                          (2, 4, 0, "p1", "paid", None, None)],
    })  # fmt: skip
    progress = bulk_job_progress(db, run_id, 2)
    counts = ("accepted", "processed", "succeeded", "underpaid", "overpaid", "pending")
    assert {k: progress[k] for k in counts} == {  # type: ignore[literal-required]
        "accepted": 3, "processed": 3, "succeeded": 1, "underpaid": 1, "overpaid": 1,
        "pending": 0,
    }  # fmt: skip
    results = bulk_job_results(db, run_id, 2)
    assert [(r["invoice_id"], r["status"], r["reason"]) for r in results] == [
        ("u1", "underpaid", held), ("o1", "overpaid", None), ("p1", "paid", None)
    ]  # fmt: skip


def test_bulk_results_give_one_row_per_accepted_line_with_its_outcome(
    migrated_database: Database, bulk_run: str
) -> None:
    results = bulk_job_results(migrated_database, bulk_run, 1)
    assert [(r["line"], r["invoice_id"], r["status"]) for r in results] == [
        (2, "b2", "paid"), (3, "b3", "failed"), (4, "b4", "expired"), (5, "b5", "pending")
    ]  # fmt: skip
    paid, failed, expired, pending = results
    assert paid == {"line": 2, "invoice_id": "b2", "status": "paid", "provider": "tempo",
                    "attempts": 1, "wallet_address": "0x2", "amount_minor": 1_000,
                    "currency": "USD", "fee_minor": 30, "latency_ms": 250.0,
                    "reason": None, "payer": "p-1", "merchant": "m-1", "method": "card",
                    "due_date": DUE}  # fmt: skip
    assert (failed["provider"], failed["attempts"], failed["reason"]) == (
        "circle", 3, "every provider declined")  # fmt: skip
    assert expired["latency_ms"] == 1_800_000.0
    assert pending["latency_ms"] is None
    assert len(bulk_job_results(migrated_database, bulk_run, 1, limit=2)) == 2


def test_an_unknown_bulk_job_is_not_found(migrated_database: Database, bulk_run: str) -> None:
    with pytest.raises(NotFound, match=f"no bulk job 9 in run '{bulk_run}'"):
        bulk_job_progress(migrated_database, bulk_run, 9)
    with pytest.raises(NotFound):
        bulk_job_results(migrated_database, bulk_run, 9)
