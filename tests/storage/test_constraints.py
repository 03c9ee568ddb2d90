"""The database itself refuses bad rows: keys, CHECKs, one payment per invoice, append-only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.schema import (
    EphemeralWallet,
    Invoice,
    LedgerEntry,
    LedgerTransfer,
    PaymentAttempt,
    ProviderHealth,
    Run,
    WalletDestructionLog,
)
from tests.storage.rows import attempt, destruction, entry, invoice, new_run, transfer


@contextmanager
def rejected(by: str) -> Iterator[None]:
    """Expect an IntegrityError naming the constraint ``by`` or saying ``by``."""
    with pytest.raises(IntegrityError) as caught:
        yield
    diag = caught.value.orig.diag  # type: ignore[union-attr]
    assert by in (diag.constraint_name or "") or by in (diag.message_primary or ""), diag


def insert_rows(db: Database, model: Any, *rows: dict[str, Any]) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(model), list(rows))


@pytest.fixture
def run_id(migrated_database: Database) -> str:
    with migrated_database.engine.begin() as connection:
        return new_run(connection)


def test_the_database_rejects_a_second_successful_payment_for_one_invoice(
    migrated_database: Database, run_id: str
) -> None:
    insert_rows(migrated_database, PaymentAttempt, attempt(run_id, 1))
    with rejected("ix_payment_attempts_one_success"):
        insert_rows(migrated_database, PaymentAttempt, attempt(run_id, 2))


def test_failed_attempts_before_the_successful_one_are_all_kept(
    migrated_database: Database, run_id: str
) -> None:
    insert_rows(
        migrated_database,
        PaymentAttempt,
        attempt(run_id, 1, result="refused", succeeded=False),
        attempt(run_id, 2, result="timeout", succeeded=False),
        attempt(run_id, 3),
    )


def test_a_duplicate_attempt_key_is_rejected(migrated_database: Database, run_id: str) -> None:
    insert_rows(migrated_database, PaymentAttempt, attempt(run_id, 1, succeeded=False))
    with rejected("pk_payment_attempts"):
        insert_rows(migrated_database, PaymentAttempt, attempt(run_id, 1, succeeded=False))


def test_a_declined_attempt_cannot_be_marked_as_the_successful_one(
    migrated_database: Database, run_id: str
) -> None:
    with rejected("ck_payment_attempts_succeeded"):
        insert_rows(migrated_database, PaymentAttempt, attempt(run_id, 1, result="declined"))


@pytest.mark.parametrize("amount_minor", [0, -1])
def test_check_constraints_reject_a_non_positive_amount(
    migrated_database: Database, run_id: str, amount_minor: int
) -> None:
    with rejected("ck_invoices_amount_minor"):
        insert_rows(migrated_database, Invoice, invoice(run_id, amount_minor=amount_minor))


def test_check_constraints_reject_an_unknown_status(
    migrated_database: Database, run_id: str
) -> None:
    with rejected("ck_invoices_status"):
        insert_rows(migrated_database, Invoice, invoice(run_id, status="refunded"))


@pytest.mark.parametrize("column", ["hash", "prev_hash"])
@pytest.mark.parametrize("value", ["a" * 63, "A" * 64, "a" * 63 + "g", "a" * 63 + " ", ""])
def test_a_destruction_log_hash_must_be_64_lowercase_hex_digits(
    migrated_database: Database, run_id: str, column: str, value: str
) -> None:
    insert_rows(migrated_database, WalletDestructionLog, destruction(run_id) | {column: "a" * 64})
    with rejected(f"ck_wallet_destruction_logs_{column}"):
        insert_rows(
            migrated_database, WalletDestructionLog, destruction(run_id, 1) | {column: value}
        )


def test_a_breaker_state_is_rejected_as_a_health_state(
    migrated_database: Database, run_id: str
) -> None:
    row = {"run_id": run_id, "source": "shard-0", "seq": 0, "provider": "tempo", "at_s": 0.0}
    insert_rows(migrated_database, ProviderHealth, row | {"kind": "breaker", "state": "open"})
    with rejected("ck_provider_health_state"):
        insert_rows(
            migrated_database, ProviderHealth, row | {"seq": 1, "kind": "health", "state": "open"}
        )


def test_a_wallet_cannot_accept_more_than_it_received(
    migrated_database: Database, run_id: str
) -> None:
    wallet = {
        "run_id": run_id,
        "address": "0x1",
        "invoice_id": "inv-1",
        "state": "paid",
        "expected_minor": 100,
        "currency": "USD",
        "created_at_s": 0.0,
        "expires_at_s": 1_800.0,
        "received_minor": 100,
        "accepted_minor": 101,
    }
    with rejected("ck_ephemeral_wallets_accepted_minor"):
        insert_rows(migrated_database, EphemeralWallet, wallet)


def add_logged_rows(db: Database, run_id: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(WalletDestructionLog), [destruction(run_id)])
        connection.execute(insert(LedgerTransfer), [transfer(run_id, 1)])
        # One statement: executemany would send one INSERT per entry.
        both = [entry(run_id, 1, "debit"), entry(run_id, 1, "credit")]
        connection.execute(insert(LedgerEntry).values(both))


APPEND_ONLY = [
    (WalletDestructionLog, {"reason": "tampered"}),
    (LedgerEntry, {"amount_minor": 1}),
    (LedgerTransfer, {"memo": "tampered"}),
]


@pytest.mark.parametrize(("model", "change"), APPEND_ONLY)
def test_append_only_tables_reject_update(
    migrated_database: Database, run_id: str, model: Any, change: dict[str, Any]
) -> None:
    add_logged_rows(migrated_database, run_id)
    with rejected("append-only"), migrated_database.engine.begin() as connection:
        connection.execute(update(model).where(model.run_id == run_id).values(**change))


@pytest.mark.parametrize(("model", "change"), APPEND_ONLY)
def test_append_only_tables_reject_delete(
    migrated_database: Database, run_id: str, model: Any, change: dict[str, Any]
) -> None:
    add_logged_rows(migrated_database, run_id)
    with rejected("append-only"), migrated_database.engine.begin() as connection:
        connection.execute(delete(model).where(model.run_id == run_id))


def count(db: Database, model: Any, run_id: str) -> int:
    with db.engine.connect() as connection:
        query = select(func.count()).select_from(model).where(model.run_id == run_id)
        return int(connection.execute(query).scalar_one())


def test_deleting_a_run_removes_its_rows_including_the_append_only_ones(
    migrated_database: Database, run_id: str
) -> None:
    add_logged_rows(migrated_database, run_id)
    insert_rows(migrated_database, Invoice, invoice(run_id))
    with migrated_database.engine.begin() as connection:
        connection.execute(delete(Run).where(Run.run_id == run_id))
    for model in (WalletDestructionLog, LedgerTransfer, LedgerEntry, Invoice):
        assert count(migrated_database, model, run_id) == 0


def test_truncate_stays_possible_for_an_admin_reset(
    migrated_database: Database, run_id: str
) -> None:
    add_logged_rows(migrated_database, run_id)
    with migrated_database.engine.connect() as connection:
        transaction = connection.begin()  # rolled back: other tests share this database
        connection.execute(text("TRUNCATE wallet_destruction_logs, ledger_entries"))
        connection.execute(text("TRUNCATE ledger_transfers CASCADE"))
        assert connection.scalar(text("SELECT count(*) FROM ledger_entries")) == 0
        transaction.rollback()
    assert count(migrated_database, LedgerEntry, run_id) == 2
