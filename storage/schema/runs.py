"""A run, and what it keeps beside its domain records: the checkpoints of its
logical processes (for crash recovery) and the alerts it raised."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from actors.alerts import Severity
from storage.schema.base import Base, BigInt, one_of, run_fk

RUN_STATUSES = ("running", "passed", "failed", "error", "stopped")


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


class Checkpoint(Base):
    """State of a logical process at the end of a window, for crash recovery."""

    __tablename__ = "checkpoints"
    run_id: Mapped[str] = run_fk()
    lp: Mapped[str] = mapped_column(primary_key=True)
    window_no: Mapped[BigInt] = mapped_column(primary_key=True)
    at_s: Mapped[float]
    state: Mapped[bytes]
