"""Rows as a run records them (in ``COPY_COLUMNS`` order, without run_id, through
the Recorder) and runs with a report, shared by the query tests and the API tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from storage.database import Database
from storage.recorder import Recorder
from storage.schema import Run
from tests.storage.rows import DUE, new_run


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
        "due_date": DUE,
    } | fields
    return (invoice_id, 0, status, 1_000, "USD", "card", "m-1", "p-1", row["provider"],
            row["attempts"], row["fee_minor"], created_at_s, ended_at_s, row["reason"],
            row["wallet_address"], row["bulk_job"], row["due_date"])  # fmt: skip


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


def attempt(key: str, invoice_id: str, no: int, provider: str, finished_s: float,
            result: str, latency_ms: float) -> tuple[object, ...]:  # fmt: skip
    succeeded = result == "succeeded"
    return (key, invoice_id, invoice_id, no, provider, finished_s - latency_ms / 1000,
            finished_s, result, latency_ms, succeeded)  # fmt: skip
