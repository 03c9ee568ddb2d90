"""Invoices and their ephemeral wallets: one wallet per invoice, and the
hash-chained, append-only log of every wallet destroyed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from actors.invoice import InvoiceState
from actors.methods import PaymentMethod
from actors.wallet import WalletState
from storage.schema.base import Base, BigInt, Hash64, one_of, run_fk


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
        CheckConstraint("payer <> ''", name="payer"),
        CheckConstraint("merchant <> ''", name="merchant"),
        Index("ix_invoices_run_id_status", "run_id", "status"),
        Index(
            "ix_invoices_run_id_bulk_job",
            "run_id",
            "bulk_job",
            postgresql_where=text("bulk_job IS NOT NULL"),
        ),
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
    due_date: Mapped[date]
