"""What the provider emulators saw (``invoicesim emulate``): every request that reached
one, and every charge that ended at one. An emulation is a run of its own (``runs``,
runtime ``emulators``, its providers in ``provider_config``), so its rows go with it.

Times are both simulated (``*_s``, the emulators' paced clock from their start) and
wall (``*_at``); a request's ``latency_ms`` is wall time from its arrival to its answer
(or, never answered, to when the client went away). A connection refused during an
outage never reaches an emulator and leaves no row: these are the providers' records,
not the client's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column

from actors.methods import PaymentMethod
from storage.schema.base import Base, BigInt, one_of, run_fk

CHARGE_OUTCOMES = ("charged", "voided")


class EmulatorRequest(Base):
    """One request an emulator answered (``status`` NULL: it never answered: silent)."""

    __tablename__ = "emulator_requests"
    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq"),
        CheckConstraint("length(method) BETWEEN 1 AND 16", name="method"),
        CheckConstraint("length(path) BETWEEN 1 AND 512", name="path"),
        CheckConstraint("status IS NULL OR status BETWEEN 100 AND 599", name="status"),
        CheckConstraint("latency_ms >= 0", name="latency_ms"),
        Index(
            "ix_emulator_requests_run_id_provider_received_at_s",
            "run_id",
            "provider",
            "received_at_s",
        ),
    )
    run_id: Mapped[str] = run_fk()
    provider: Mapped[str] = mapped_column(primary_key=True)
    seq: Mapped[BigInt] = mapped_column(primary_key=True)  # the provider's nth request
    method: Mapped[str]
    path: Mapped[str]
    idempotency_key: Mapped[str | None]
    status: Mapped[int | None]
    outcome: Mapped[str | None]  # what the provider decided: succeeded, declined, silent, ...
    received_at_s: Mapped[float]
    received_at: Mapped[datetime]
    latency_ms: Mapped[float]


class EmulatorCharge(Base):
    """A charge that ended at a provider: in effect (``charged``), or voided before.
    A key charges again only after its charge was voided (or forgotten), so
    (key, attempt_no) names one charge; double charges are found by ``invoice_id``."""

    __tablename__ = "emulator_charges"
    __table_args__ = (
        CheckConstraint("attempt_no >= 1", name="attempt_no"),
        CheckConstraint("amount_minor > 0", name="amount_minor"),
        CheckConstraint("fee_minor >= 0", name="fee_minor"),
        CheckConstraint(one_of("method", PaymentMethod), name="method"),
        CheckConstraint(one_of("outcome", CHARGE_OUTCOMES), name="outcome"),
        CheckConstraint("ended_at_s >= created_at_s", name="ended_at_s"),
        Index("ix_emulator_charges_run_id_invoice_id", "run_id", "invoice_id"),
    )
    run_id: Mapped[str] = run_fk()
    provider: Mapped[str] = mapped_column(primary_key=True)
    charge_key: Mapped[str] = mapped_column(primary_key=True)  # the Idempotency-Key
    attempt_no: Mapped[int] = mapped_column(primary_key=True)  # the create that made it
    invoice_id: Mapped[str]
    amount_minor: Mapped[BigInt]
    currency: Mapped[str]
    method: Mapped[str]
    fee_minor: Mapped[BigInt]
    outcome: Mapped[str]
    created_at_s: Mapped[float]
    ended_at_s: Mapped[float]
    ended_at: Mapped[datetime]
