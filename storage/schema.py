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
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, JSONB, TIMESTAMP
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

from actors.alerts import Severity
from actors.breaker import BreakerState
from actors.health import Health
from actors.invoice import InvoiceState
from actors.ledger import Account
from actors.methods import PaymentMethod
from actors.provider import Outcome
from actors.reconciliation import Direction, Status, Trigger
from actors.wallet import WalletState

RUN_STATUSES = ("running", "passed", "failed", "error", "stopped")
ATTEMPT_RESULTS = (*(o.value for o in Outcome), "timeout")
HEALTH_KINDS = ("health", "breaker")
BULK_JOB_STATUSES = ("queued", "running", "done", "failed")
BULK_ROW_STATUSES = ("rejected", "accepted", "paid", "failed", "expired")
ROLES = ("admin", "enterprise", "consumer")

BigInt = Annotated[int, "BIGINT"]
Hash64 = Annotated[str, "CHAR(64)"]
JsonList = Annotated[list[Any], "JSONB"]

_NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
}


def one_of(column: str, values: Iterable[str | StrEnum]) -> str:
    """SQL ``column IN ('a', 'b')`` for plain lowercase identifiers."""
    listed = [str(v) for v in values]
    assert all(re.fullmatch(r"[a-z_]+", v) for v in listed), listed
    return f"{column} IN ({', '.join(repr(v) for v in listed)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map = {
        BigInt: BigInteger(),
        Hash64: CHAR(64),
        JsonList: JSONB(),
        int: Integer(),
        float: DOUBLE_PRECISION(),
        str: Text(),
        bool: Boolean(),
        bytes: LargeBinary(),
        datetime: TIMESTAMP(timezone=True),
        dict[str, Any]: JSONB(),
        list[str]: ARRAY(Text()),
    }


def run_fk() -> MappedColumn[str]:
    return mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(one_of("status", RUN_STATUSES), name="status"),
        CheckConstraint("shards >= 1", name="shards"),
        Index("ix_runs_started_at", "started_at"),
    )
    run_id: Mapped[str] = mapped_column(primary_key=True)
    scenario_name: Mapped[str]
    scenario_hash: Mapped[str]
    seed: Mapped[BigInt]
    shards: Mapped[int]
    runtime: Mapped[str]
    git_commit: Mapped[str | None]
    options: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    status: Mapped[str]
    summary: Mapped[dict[str, Any] | None]
    digest: Mapped[str | None]


class ProviderConfig(Base):
    __tablename__ = "provider_config"
    __table_args__ = (
        CheckConstraint("methods <@ ARRAY['card', 'bank', 'crypto']::text[]", name="methods"),
        CheckConstraint("fee_bp >= 0", name="fee_bp"),
        CheckConstraint("fee_fixed_minor >= 0", name="fee_fixed_minor"),
        CheckConstraint("timeout_ms > 0", name="timeout_ms"),
    )
    run_id: Mapped[str] = run_fk()
    name: Mapped[str] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int]
    enabled: Mapped[bool]
    methods: Mapped[list[str]]
    fee_bp: Mapped[int]
    fee_fixed_minor: Mapped[BigInt]
    timeout_ms: Mapped[float]
    config: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    changed_at_s: Mapped[float]


_HEALTH = list(Health)
_BREAKER = list(BreakerState)


class ProviderHealth(Base):
    __tablename__ = "provider_health"
    __table_args__ = (
        CheckConstraint(one_of("kind", HEALTH_KINDS), name="kind"),
        CheckConstraint(
            f"(kind = 'health' AND {one_of('state', _HEALTH)}"
            f" AND (previous IS NULL OR {one_of('previous', _HEALTH)}))"
            f" OR (kind = 'breaker' AND {one_of('state', _BREAKER)}"
            f" AND (previous IS NULL OR {one_of('previous', _BREAKER)}))",
            name="state",
        ),
        Index("ix_provider_health_run_id_provider_at_s", "run_id", "provider", "at_s"),
    )
    run_id: Mapped[str] = run_fk()
    source: Mapped[str] = mapped_column(primary_key=True)
    seq: Mapped[BigInt] = mapped_column(primary_key=True)
    provider: Mapped[str]
    at_s: Mapped[float]
    kind: Mapped[str]
    state: Mapped[str]
    previous: Mapped[str | None]
    reason: Mapped[str | None]


class EphemeralWallet(Base):
    __tablename__ = "ephemeral_wallets"
    __table_args__ = (
        CheckConstraint(one_of("state", WalletState), name="state"),
        CheckConstraint("expected_minor > 0", name="expected_minor"),
        CheckConstraint("expires_at_s > created_at_s", name="expires_at_s"),
        CheckConstraint("received_minor >= 0", name="received_minor"),
        CheckConstraint(
            "accepted_minor >= 0 AND accepted_minor <= received_minor", name="accepted_minor"
        ),
        CheckConstraint("(state = 'destroyed') = (destroyed_at_s IS NOT NULL)", name="destroyed"),
        Index(
            "ix_ephemeral_wallets_active",
            "run_id",
            "state",
            "expires_at_s",
            postgresql_where=text("state <> 'destroyed'"),
        ),
    )
    run_id: Mapped[str] = run_fk()
    address: Mapped[str] = mapped_column(primary_key=True)
    invoice_id: Mapped[str]
    state: Mapped[str]
    expected_minor: Mapped[BigInt]
    currency: Mapped[str]
    created_at_s: Mapped[float]
    expires_at_s: Mapped[float]
    received_minor: Mapped[BigInt] = mapped_column(server_default=text("0"))
    accepted_minor: Mapped[BigInt] = mapped_column(server_default=text("0"))
    destroyed_at_s: Mapped[float | None]
    destroy_reason: Mapped[str | None]


class ReserveReconciliation(Base):
    __tablename__ = "reserve_reconciliation"
    __table_args__ = (
        CheckConstraint(one_of("trigger", Trigger), name="trigger"),
        CheckConstraint(one_of("status", Status), name="status"),
        CheckConstraint("discrepancy_bp >= 0", name="discrepancy_bp"),
        CheckConstraint(one_of("direction", Direction), name="direction"),
        Index("ix_reserve_reconciliation_run_id_at_s", "run_id", "at_s"),
    )
    run_id: Mapped[str] = run_fk()
    seq: Mapped[int] = mapped_column(primary_key=True)
    at_s: Mapped[float]
    trigger: Mapped[str]
    status: Mapped[str]
    discrepancy_minor: Mapped[BigInt]
    discrepancy_bp: Mapped[int]
    direction: Mapped[str]
    snapshot: Mapped[dict[str, Any]]


class WalletDestructionLog(Base):
    """Hash-chained audit trail; append-only. An address is destroyed once."""

    __tablename__ = "wallet_destruction_logs"
    __table_args__ = (
        UniqueConstraint("run_id", "hash"),
        UniqueConstraint("run_id", "address"),
        # 64 hex digits; a bounded regex ({64}) costs ~10x more per row
        CheckConstraint("length(hash) = 64 AND hash ~ '^[0-9a-f]+$'", name="hash"),
        CheckConstraint("length(prev_hash) = 64 AND prev_hash ~ '^[0-9a-f]+$'", name="prev_hash"),
    )
    run_id: Mapped[str] = run_fk()
    chain_id: Mapped[str] = mapped_column(primary_key=True)
    seq: Mapped[BigInt] = mapped_column(primary_key=True)
    at_s: Mapped[float]
    address: Mapped[str]
    invoice_id: Mapped[str]
    reason: Mapped[str]
    prev_hash: Mapped[Hash64]
    hash: Mapped[Hash64]


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("shard >= 0", name="shard"),
        CheckConstraint(one_of("status", InvoiceState), name="status"),
        CheckConstraint("amount_minor > 0", name="amount_minor"),
        CheckConstraint(one_of("method", PaymentMethod), name="method"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("fee_minor >= 0", name="fee_minor"),
        Index("ix_invoices_run_id_status", "run_id", "status"),
    )
    run_id: Mapped[str] = run_fk()
    invoice_id: Mapped[str] = mapped_column(primary_key=True)
    shard: Mapped[int]
    status: Mapped[str]
    amount_minor: Mapped[BigInt]
    currency: Mapped[str]
    method: Mapped[str]
    merchant: Mapped[str]
    payer: Mapped[str]
    provider: Mapped[str | None]
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    fee_minor: Mapped[BigInt] = mapped_column(server_default=text("0"))
    created_at_s: Mapped[float]
    ended_at_s: Mapped[float | None]
    reason: Mapped[str | None]
    wallet_address: Mapped[str | None]
    bulk_job: Mapped[int | None]


class PaymentAttempt(Base):
    """The primary key is the per-attempt idempotency key; one success per invoice."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        CheckConstraint("attempt_no >= 1", name="attempt_no"),
        CheckConstraint("finished_at_s >= sent_at_s", name="finished_at_s"),
        CheckConstraint(one_of("result", ATTEMPT_RESULTS), name="result"),
        CheckConstraint("latency_ms >= 0", name="latency_ms"),
        # A timeout counts when a status check later found it charged.
        CheckConstraint("NOT succeeded OR result IN ('succeeded', 'timeout')", name="succeeded"),
        Index(
            "ix_payment_attempts_one_success",
            "run_id",
            "invoice_id",
            unique=True,
            postgresql_where=text("succeeded"),
        ),
        Index("ix_payment_attempts_run_id_provider_sent_at_s", "run_id", "provider", "sent_at_s"),
    )
    run_id: Mapped[str] = run_fk()
    attempt_key: Mapped[str] = mapped_column(primary_key=True)
    invoice_key: Mapped[str]
    invoice_id: Mapped[str]
    attempt_no: Mapped[int]
    provider: Mapped[str]
    sent_at_s: Mapped[float]
    finished_at_s: Mapped[float]
    result: Mapped[str]
    latency_ms: Mapped[float]
    succeeded: Mapped[bool]


class RoutingDecision(Base):
    __tablename__ = "routing_decisions"
    __table_args__ = (CheckConstraint("attempt_no >= 1", name="attempt_no"),)
    run_id: Mapped[str] = run_fk()
    source: Mapped[str] = mapped_column(primary_key=True)
    seq: Mapped[BigInt] = mapped_column(primary_key=True)
    at_s: Mapped[float]
    invoice_id: Mapped[str]
    attempt_no: Mapped[int]
    policy: Mapped[str]
    chosen: Mapped[str | None]
    skipped: Mapped[JsonList] = mapped_column(server_default=text("'[]'::jsonb"))


class LedgerTransfer(Base):
    """Append-only; balanced by its two ``LedgerEntry`` rows (checked by triggers)."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_minor"),)
    run_id: Mapped[str] = run_fk()
    transfer_id: Mapped[BigInt] = mapped_column(primary_key=True)
    operation_id: Mapped[BigInt]
    kind: Mapped[str]
    ref: Mapped[str]
    at_s: Mapped[float]
    amount_minor: Mapped[BigInt]
    currency: Mapped[str]
    memo: Mapped[str] = mapped_column(server_default=text("''"))


class LedgerEntry(Base):
    """Append-only; insert both entries of a transfer in one statement."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["run_id", "transfer_id"],
            ["ledger_transfers.run_id", "ledger_transfers.transfer_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("side IN ('debit', 'credit')", name="side"),
        CheckConstraint(one_of("account", Account), name="account"),
        CheckConstraint("amount_minor > 0", name="amount_minor"),
    )
    # No foreign key of its own to runs: the one to ledger_transfers covers it
    # (and spares a lookup per row on the busiest table).
    run_id: Mapped[str] = mapped_column(primary_key=True)
    transfer_id: Mapped[BigInt] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(primary_key=True)
    account: Mapped[str]
    amount_minor: Mapped[BigInt]


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(one_of("severity", Severity), name="severity"),
        Index("ix_alerts_run_id_at_s", "run_id", "at_s"),
    )
    run_id: Mapped[str] = run_fk()
    alert_id: Mapped[BigInt] = mapped_column(primary_key=True)
    at_s: Mapped[float]
    key: Mapped[str]
    severity: Mapped[str]
    message: Mapped[str]


class BulkJob(Base):
    __tablename__ = "bulk_jobs"
    __table_args__ = (
        CheckConstraint("total_rows >= 0", name="total_rows"),
        CheckConstraint(
            "accepted >= 0 AND rejected >= 0 AND accepted + rejected <= total_rows", name="counts"
        ),
        CheckConstraint(one_of("status", BULK_JOB_STATUSES), name="status"),
    )
    run_id: Mapped[str] = run_fk()
    job_id: Mapped[int] = mapped_column(primary_key=True)
    file: Mapped[str]
    provider: Mapped[str]  # "auto" or a provider name
    total_rows: Mapped[int]
    accepted: Mapped[int]
    rejected: Mapped[int]
    status: Mapped[str]
    created_at_s: Mapped[float]
    finished_at_s: Mapped[float | None]


class BulkJobRow(Base):
    """One row per CSV line and error: a line with three errors has error_no 0, 1, 2."""

    __tablename__ = "bulk_job_rows"
    __table_args__ = (
        ForeignKeyConstraint(
            ["run_id", "job_id"], ["bulk_jobs.run_id", "bulk_jobs.job_id"], ondelete="CASCADE"
        ),
        CheckConstraint("line >= 1", name="line"),
        CheckConstraint("error_no >= 0", name="error_no"),
        CheckConstraint(one_of("status", BULK_ROW_STATUSES), name="status"),
    )
    run_id: Mapped[str] = mapped_column(primary_key=True)  # runs is reached through bulk_jobs
    job_id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    error_no: Mapped[int] = mapped_column(primary_key=True, server_default=text("0"))
    invoice_id: Mapped[str | None]
    status: Mapped[str]
    column_name: Mapped[str | None]
    error: Mapped[str | None]


class ApiToken(Base):
    """Only a hash of a token is ever stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        UniqueConstraint("token_hash"),
    )
    token_id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    role: Mapped[str]
    token_hash: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    revoked_at: Mapped[datetime | None]


class Checkpoint(Base):
    """State of a logical process at the end of a window, for crash recovery."""

    __tablename__ = "checkpoints"
    run_id: Mapped[str] = run_fk()
    lp: Mapped[str] = mapped_column(primary_key=True)
    window_no: Mapped[BigInt] = mapped_column(primary_key=True)
    at_s: Mapped[float]
    state: Mapped[bytes]


class LedgerTransferCheck(Base):
    """The transfers one statement inserted, waiting for COMMIT, where a deferred trigger
    checks that each has its entries and deletes the row: empty between transactions,
    hence UNLOGGED. Written by a trigger on ``ledger_transfers`` only."""

    __tablename__ = "ledger_transfer_checks"
    __table_args__ = {"prefixes": ["UNLOGGED"]}
    check_id: Mapped[BigInt] = mapped_column(Identity(always=True), primary_key=True)
    run_id: Mapped[str]
    transfer_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger()))


# Column order a bulk writer COPYs in, for every table keyed by run_id but
# ``runs`` itself and the checks' scratch table; tables are listed parents
# first, so COPYing in this order satisfies the foreign keys.
COPY_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(column.name for column in table.columns)
    for table in Base.metadata.sorted_tables
    if "run_id" in table.columns and table.name not in ("runs", "ledger_transfer_checks")
}


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` of the API: the request it was first used with and the
    response given, replayed when the same key comes with the same request. While
    ``status_code`` is NULL the first request is still being answered."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        ForeignKeyConstraint(["token_id"], ["api_tokens.token_id"], ondelete="CASCADE"),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="key"),
        CheckConstraint("request_hash ~ '^[0-9a-f]{64}$'", name="request_hash"),
        CheckConstraint("(status_code IS NULL) = (response IS NULL)", name="response"),
    )
    run_id: Mapped[str] = run_fk()
    token_id: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)
    request_hash: Mapped[Hash64]
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
