"""The read side on a real PostgreSQL: every figure is checked against a hand count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from storage.database import Database, upgrade
from storage.queries import (
    NotFound,
    active_wallets,
    bulk_job_progress,
    bulk_job_results,
    compare_runs,
    get_run,
    health_timeline,
    invoices_by_state,
    list_invoices,
    list_runs,
    provider_status,
    reserves_daily,
    reserves_now,
    run_report,
)
from storage.recorder import Recorder
from storage.schema import Run
from tests.storage.rows import new_run

DAY_S = 86_400.0


def run_in(db: Database) -> str:
    with db.engine.begin() as connection:
        return new_run(connection)


def record(db: Database, run_id: str, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    recorder = Recorder(db, run_id)
    recorder.add(rows)
    recorder.close()


def health(source: str, seq: int, at_s: float, kind: str, state: str) -> tuple[Any, ...]:
    # source, seq, provider, at_s, kind, state, previous, reason
    return (source, seq, "tempo", at_s, kind, state, None, "test")


def invoice(
    invoice_id: str,
    status: str = "pending",
    created_at_s: float = 0.0,
    ended_at_s: float | None = None,
    **fields: Any,
) -> tuple[Any, ...]:
    row = {
        "provider": None,
        "attempts": 0,
        "fee_minor": 0,
        "reason": None,
        "wallet_address": None,
        "bulk_job": None,
    } | fields
    return (invoice_id, 0, status, 1_000, "USD", "card", "m-1", "p-1", row["provider"],
            row["attempts"], row["fee_minor"], created_at_s, ended_at_s, row["reason"],
            row["wallet_address"], row["bulk_job"])  # fmt: skip


def ledger(
    transfers: list[tuple[int, float, str, str, int]],
) -> dict[str, list[tuple[Any, ...]]]:
    """(transfer id, at_s, debited account, credited account, amount) -> ledger rows."""
    return {
        "ledger_transfers": [
            (tid, tid, "payment_confirmed", f"ref-{tid}", at_s, amount, "USD", "")
            for tid, at_s, _, _, amount in transfers
        ],
        "ledger_entries": [
            entry
            for tid, _, debit, credit, amount in transfers
            for entry in ((tid, "debit", debit, amount), (tid, "credit", credit, amount))
        ],
    }


def reconciliation(seq: int, at_s: float, status: str, bp: int) -> tuple[Any, ...]:
    snapshot = json.dumps({"as_of": at_s, "book_reserve_minor": 6_000})
    direction = "none" if bp == 0 else "shortfall"
    return (seq, at_s, "scheduled", status, -bp, bp, direction, snapshot)


# ---- providers -------------------------------------------------------------------------
def test_provider_status_takes_each_replicas_latest_state_and_reports_the_worst(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, {
        "provider_config": [("circle", 1, 2, True, ["card", "bank"], 30, 10, 2_000.0, "{}", 0.0)],
        "provider_health": [
            health("shard-0", 0, 0.0, "health", "healthy"),
            health("shard-0", 1, 10.0, "health", "down"),
            health("shard-0", 2, 50.0, "health", "healthy"),
            health("shard-0", 3, 12.0, "breaker", "open"),
            health("shard-0", 4, 40.0, "breaker", "half_open"),
            health("shard-1", 0, 30.0, "health", "degraded"),
            health("shard-1", 1, 20.0, "breaker", "open"),
            # A later sequence number but an earlier time: not the current state.
            health("shard-1", 2, 5.0, "health", "healthy"),
        ],
    })  # fmt: skip
    circle, tempo = provider_status(db, run_id)
    assert circle == {"provider": "circle", "health": None, "breaker": None,
                      "last_change_s": None, "sources": []}  # fmt: skip
    assert tempo["provider"] == "tempo"
    assert tempo["health"] == "degraded"  # healthy on shard-0, degraded on shard-1
    assert tempo["breaker"] == "open"  # half-open on shard-0, open on shard-1
    assert tempo["last_change_s"] == 50.0
    assert tempo["sources"] == [
        {"source": "shard-0", "health": "healthy", "health_at_s": 50.0,
         "breaker": "half_open", "breaker_at_s": 40.0},
        {"source": "shard-1", "health": "degraded", "health_at_s": 30.0,
         "breaker": "open", "breaker_at_s": 20.0},
    ]  # fmt: skip
    assert provider_status(db, run_in(db)) == []


def test_health_timeline_is_oldest_first_filtered_and_bounded(
    migrated_database: Database,
) -> None:
    db = migrated_database
    run_id = run_in(db)
    record(db, run_id, {"provider_health": [
        health("shard-0", 0, 10.0, "health", "down"),
        health("shard-0", 1, 12.0, "breaker", "open"),
        health("shard-1", 0, 11.0, "health", "degraded"),
        ("shard-0", 2, "circle", 13.0, "health", "degraded", "healthy", "slow"),
    ]})  # fmt: skip
    everything = health_timeline(db, run_id)
    assert [(e["at_s"], e["provider"]) for e in everything] == [
        (10.0, "tempo"), (11.0, "tempo"), (12.0, "tempo"), (13.0, "circle")
    ]  # fmt: skip
    assert everything[3] == {"at_s": 13.0, "provider": "circle", "source": "shard-0",
                             "kind": "health", "state": "degraded", "previous": "healthy",
                             "reason": "slow"}  # fmt: skip
    tempo_since_11 = health_timeline(db, run_id, provider="tempo", since_s=11.0)
    assert [e["state"] for e in tempo_since_11] == ["degraded", "open"]
    assert [e["at_s"] for e in health_timeline(db, run_id, limit=2)] == [10.0, 11.0]
    for bad in (0, 1_001):
        with pytest.raises(ValueError, match=r"limit must be within 1\.\.1,000"):
            health_timeline(db, run_id, limit=bad)


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
    states = ["paid"] * 3 + ["failed"] + ["pending"] * 2
    record(db, run_id, {"invoices": [invoice(f"i{n}", s) for n, s in enumerate(states)]})
    expected = {"pending": 2, "processing": 0, "paid": 3, "failed": 1, "expired": 0}
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
        "bulk_jobs": [(1, "march.csv", "auto", 6, 4, 2, "running", 0.0, None)],
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
                      "failed": 1, "expired": 1, "pending": 1, "errors_total": 3}  # fmt: skip
    assert progress["errors"] == [
        {"line": 6, "column": "amount", "error": "amount must be positive"},
        {"line": 6, "column": "currency", "error": "unknown currency 'XXX'"},
        {"line": 7, "column": "method", "error": "method must be one of bank, card, crypto"},
    ]
    bounded = bulk_job_progress(migrated_database, bulk_run, 1, errors_limit=2)
    assert (len(bounded["errors"]), bounded["errors_total"]) == (2, 3)


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
                    "reason": None}  # fmt: skip
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


# ---- runs ------------------------------------------------------------------------------
def add_run(db: Database, run_id: str, day: int, **fields: Any) -> None:
    row = {
        "run_id": run_id,
        "scenario_name": "tempo_outage",
        "scenario_hash": "0" * 64,
        "seed": 7,
        "shards": 2,
        "runtime": "local",
        "started_at": datetime(2030, 1, day, tzinfo=UTC),
        "status": "passed",
    } | fields
    with db.engine.begin() as connection:
        connection.execute(insert(Run).values(**row))


def report(paid: int, p50_ms: float, detect_s: float, passed: bool, digest: str) -> dict[str, Any]:
    return {
        "scenario": "tempo_outage",
        "seed": 7,
        "digest": digest,
        "invoices": {"created": 100, "paid": paid, "expired": 0, "failed": 100 - paid, "open": 0},
        "double_pays": 0,
        "lost": 0,
        "latency_ms": {"p50": p50_ms, "p95": 400.0, "p99": 900.0},
        "throughput_invoices_per_s": 50.0,
        "failover": [{"provider": "tempo", "kind": "outage", "fault_start_s": 60.0,
                      "fault_end_s": 120.0, "time_to_detect_s": detect_s,
                      "time_to_failover_s": 1.5, "time_to_failback_s": None}],
        "assertions": [{"name": "detect within 5 s", "passed": passed}],
        "invariants": [{"name": "no_invoice_paid_twice", "held": True}],
    }  # fmt: skip


def test_runs_are_listed_newest_first_with_figures_of_their_report(
    empty_database: Database,
) -> None:
    db = empty_database
    upgrade(db)
    add_run(db, "run-old", 1, summary=report(90, 200.0, 4.0, True, "d1"), digest="d1")
    add_run(db, "run-new", 3, status="running")
    add_run(db, "run-mid", 2, status="failed", ended_at=datetime(2030, 1, 2, 1, tzinfo=UTC))
    runs = list_runs(db)
    assert [r["run_id"] for r in runs] == ["run-new", "run-mid", "run-old"]
    old = runs[2]
    assert (old["created"], old["paid"], old["double_pays"]) == (100, 90, 0)
    assert (old["throughput_invoices_per_s"], old["digest"]) == (50.0, "d1")
    assert old["started_at"] == "2030-01-01T00:00:00+00:00"
    assert runs[1]["ended_at"] == "2030-01-02T01:00:00+00:00"
    assert (runs[0]["created"], runs[0]["status"], runs[0]["ended_at"]) == (None, "running", None)
    assert [r["run_id"] for r in list_runs(db, limit=1)] == ["run-new"]
    with pytest.raises(ValueError, match="limit"):
        list_runs(db, limit=0)
    json.dumps(runs)  # JSON-ready as returned


def test_get_run_returns_the_row_with_its_summary(migrated_database: Database) -> None:
    summary = report(90, 200.0, 4.0, True, "d1")
    add_run(migrated_database, "run-get", 5, summary=summary, digest="d1")
    run = get_run(migrated_database, "run-get")
    assert (run["run_id"], run["status"], run["digest"], run["seed"]) == (
        "run-get", "passed", "d1", 7)  # fmt: skip
    assert run["summary"] == summary
    assert run["options"] == {}
    assert run_report(migrated_database, "run-get") == summary | {"run_id": "run-get"}


def test_an_unknown_run_is_not_found_and_the_message_says_how_to_list_runs(
    migrated_database: Database,
) -> None:
    with pytest.raises(NotFound, match="no run 'run-nope'") as raised:
        get_run(migrated_database, "run-nope")
    assert "invoicesim runs list" in str(raised.value)


def test_a_run_still_running_has_no_report_yet(migrated_database: Database) -> None:
    run_id = run_in(migrated_database)
    with pytest.raises(NotFound, match=r"has no report yet \(status running\)"):
        run_report(migrated_database, run_id)


def test_comparing_two_runs_gives_b_minus_a_and_whether_the_digests_match(
    migrated_database: Database,
) -> None:
    db = migrated_database
    add_run(db, "cmp-a", 6, summary=report(90, 200.0, 4.0, True, "same"), digest="same")
    add_run(db, "cmp-b", 7, summary=report(95, 180.5, 3.5, False, "same"), digest="same")
    add_run(db, "cmp-c", 8, summary=report(90, 200.0, 4.0, True, "other"), digest="other")
    found = compare_runs(db, "cmp-a", "cmp-b")
    assert (found["run_a"], found["run_b"], found["digests_equal"]) == ("cmp-a", "cmp-b", True)
    rows = {f["figure"]: (f["a"], f["b"], f["difference"]) for f in found["figures"]}
    assert rows["invoices.paid"] == (90, 95, 5)
    assert rows["invoices.failed"] == (10, 5, -5)
    assert rows["invoices.created"] == (100, 100, 0)
    assert rows["latency_ms.p50"] == (200.0, 180.5, -19.5)
    assert rows["double_pays"] == (0, 0, 0)
    fault = "failover tempo outage at 60 s: "
    assert rows[fault + "time_to_detect_s"] == (4.0, 3.5, -0.5)
    assert rows[fault + "time_to_failback_s"] == (None, None, None)
    assert rows["assertion detect within 5 s"] == (True, False, None)
    assert rows["invariant no_invoice_paid_twice"] == (True, True, None)
    other = compare_runs(db, "cmp-a", "cmp-c")
    assert (other["digest_a"], other["digest_b"], other["digests_equal"]) == (
        "same", "other", False)  # fmt: skip
    with pytest.raises(NotFound, match="no run 'cmp-x'"):
        compare_runs(db, "cmp-a", "cmp-x")
