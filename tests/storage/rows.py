"""Valid rows for the storage tests; each test changes the one field it is about."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert

from storage.schema import Run

DUE = date(2027, 1, 31)  # every test invoice's due date


def new_run(connection: Connection) -> str:
    """Insert a run with a fresh id and return the id."""
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    connection.execute(
        insert(Run).values(
            run_id=run_id,
            scenario_name="test",
            scenario_hash="0" * 64,
            seed=1,
            shards=1,
            runtime="local",
            started_at=datetime(2025, 1, 1, tzinfo=UTC),
            status="running",
        )
    )
    return run_id


def attempt(run_id: str, attempt_no: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": run_id,
        "attempt_key": f"inv-1#{attempt_no}",
        "invoice_key": "inv-1",
        "invoice_id": "inv-1",
        "attempt_no": attempt_no,
        "provider": "tempo",
        "sent_at_s": 1.0,
        "finished_at_s": 1.2,
        "result": "succeeded",
        "latency_ms": 200.0,
        "succeeded": True,
    }
    return row | changes


def invoice(run_id: str, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": run_id,
        "invoice_id": "inv-1",
        "shard": 0,
        "status": "pending",
        "amount_minor": 1_000,
        "currency": "USD",
        "method": "card",
        "merchant": "m-1",
        "payer": "p-1",
        "created_at_s": 0.0,
        "due_date": DUE,
    }
    return row | changes


def transfer(run_id: str, transfer_id: int, amount_minor: int = 100) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "transfer_id": transfer_id,
        "operation_id": transfer_id,
        "kind": "payment_confirmed",
        "ref": f"inv-{transfer_id}",
        "at_s": float(transfer_id),
        "amount_minor": amount_minor,
        "currency": "USD",
        "memo": "",
    }


def entry(run_id: str, transfer_id: int, side: str, amount_minor: int = 100) -> dict[str, Any]:
    account = "fiat_in_transit" if side == "debit" else "tokens_minted"
    return {
        "run_id": run_id,
        "transfer_id": transfer_id,
        "side": side,
        "account": account,
        "amount_minor": amount_minor,
    }


def destruction(run_id: str, seq: int = 0) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "chain_id": "shard-0",
        "seq": seq,
        "at_s": 1_800.0,
        "address": f"0x{seq:040x}",
        "invoice_id": f"inv-{seq}",
        "reason": "expired",
        "prev_hash": "0" * 64,
        "hash": f"{seq + 1:064x}",
    }


def invoice_row(
    invoice_id: str, status: str = "pending", ended: float | None = None
) -> tuple[Any, ...]:
    # invoice_id, shard, status, amount_minor, currency, method, merchant, payer, provider,
    # attempts, fee_minor, created_at_s, ended_at_s, reason, wallet_address, bulk_job,
    # due_date
    provider = "tempo" if status == "paid" else None
    attempts = 1 if status == "paid" else 0
    return (invoice_id, 0, status, 1000, "USD", "card", "m", "p", provider, attempts, 0, 0.0,
            ended, None, None, None, DUE)  # fmt: skip


def window(n: int, base: int = 0) -> dict[str, list[tuple[Any, ...]]]:
    """One window's rows: invoices, their attempts and a balanced ledger transfer each."""
    invoices, attempts, transfers, entries = [], [], [], []
    for i in range(base, base + n):
        invoices.append(invoice_row(f"i{i}"))
        attempts.append((f"i{i}#1", f"inv:i{i}", f"i{i}", 1, "tempo", 0.1, 0.3, "succeeded",
                         200.0, True))  # fmt: skip
        transfers.append((i, i, "payment_confirmed", f"i{i}", 0.3, 1000, "USD", ""))
        entries.append((i, "debit", "fiat_in_transit", 1000))
        entries.append((i, "credit", "tokens_minted", 1000))
    return {
        "invoices": invoices,
        "payment_attempts": attempts,
        "ledger_transfers": transfers,
        "ledger_entries": entries,
    }
