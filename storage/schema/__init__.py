"""The PostgreSQL record of a run, as SQLAlchemy 2 typed models.

Every simulation table carries ``run_id``; simulated times are DOUBLE
PRECISION seconds named ``*_s``; money is BIGINT minor units ``*_minor``.
Allowed values come from the domain enums, so the models and the actors name
the same states. The migrations in ``storage/migrations`` create exactly
these tables (a test compares them) plus the triggers, which live only there:
build a database with ``storage.database.upgrade``, never ``create_all``.

Append-only tables (``wallet_destruction_logs``, ``ledger_transfers``,
``ledger_entries``) reject UPDATE and DELETE; their rows go only with their
run (``DELETE FROM runs`` cascades) or with an admin ``TRUNCATE``. A ledger
transfer and its two entries are checked by the database: the entries of a
transfer must be inserted in one statement (one COPY or one INSERT), and a
transfer without its entries cannot be committed (checked at COMMIT through
``ledger_transfer_checks``, one row per statement that inserted transfers).

The models live in one module per concept; every one registers its tables on
the one ``Base.metadata`` (which Alembic reads) when this package is imported.
"""

from __future__ import annotations

from storage.schema.api import ROLES, ApiToken, IdempotencyKey
from storage.schema.base import Base, BigInt, Hash64, JsonList, one_of, run_fk
from storage.schema.bulk import BULK_JOB_STATUSES, BULK_ROW_STATUSES, BulkJob, BulkJobRow
from storage.schema.emulators import CHARGE_OUTCOMES, EmulatorCharge, EmulatorRequest
from storage.schema.invoices import EphemeralWallet, Invoice, WalletDestructionLog
from storage.schema.ledger import (
    LedgerEntry,
    LedgerTransfer,
    LedgerTransferCheck,
    ReserveReconciliation,
)
from storage.schema.providers import (
    ATTEMPT_RESULTS,
    HEALTH_KINDS,
    PaymentAttempt,
    ProviderConfig,
    ProviderHealth,
    RoutingDecision,
)
from storage.schema.runs import RUN_STATUSES, Alert, Checkpoint, Run

# Column order a bulk writer COPYs in, for every table keyed by run_id but
# ``runs`` itself, the checks' scratch table and the API's idempotency keys;
# tables are listed parents first, so COPYing in this order satisfies the
# foreign keys.
COPY_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(column.name for column in table.columns)
    for table in Base.metadata.sorted_tables
    if "run_id" in table.columns
    and table.name not in ("runs", "ledger_transfer_checks", "idempotency_keys")
}

__all__ = [
    "ATTEMPT_RESULTS",
    "BULK_JOB_STATUSES",
    "BULK_ROW_STATUSES",
    "CHARGE_OUTCOMES",
    "COPY_COLUMNS",
    "HEALTH_KINDS",
    "ROLES",
    "RUN_STATUSES",
    "Alert",
    "ApiToken",
    "Base",
    "BigInt",
    "BulkJob",
    "BulkJobRow",
    "Checkpoint",
    "EmulatorCharge",
    "EmulatorRequest",
    "EphemeralWallet",
    "Hash64",
    "IdempotencyKey",
    "Invoice",
    "JsonList",
    "LedgerEntry",
    "LedgerTransfer",
    "LedgerTransferCheck",
    "PaymentAttempt",
    "ProviderConfig",
    "ProviderHealth",
    "ReserveReconciliation",
    "RoutingDecision",
    "Run",
    "WalletDestructionLog",
    "one_of",
    "run_fk",
]
