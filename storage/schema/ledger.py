"""The reserve: the double-entry ledger (transfers, their two entries, and the
scratch table that checks them at COMMIT) and the reconciliation runs.

``ledger_transfers`` and ``ledger_entries`` are append-only. The entries of a
transfer must be inserted in one statement (one COPY or one INSERT), and a
transfer without its entries cannot be committed: triggers in the migrations
check both, the second at COMMIT through ``ledger_transfer_checks``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Identity, Index, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from actors.ledger import Account
from actors.reconciliation import Direction, Status, Trigger
from storage.schema.base import Base, BigInt, one_of, run_fk


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


class LedgerTransferCheck(Base):
    """The transfers one statement inserted, waiting for COMMIT, where a deferred trigger
    checks that each has its entries and deletes the row: empty between transactions,
    hence UNLOGGED. Written by a trigger on ``ledger_transfers`` only."""

    __tablename__ = "ledger_transfer_checks"
    __table_args__ = {"prefixes": ["UNLOGGED"]}
    check_id: Mapped[BigInt] = mapped_column(Identity(always=True), primary_key=True)
    run_id: Mapped[str]
    transfer_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger()))
