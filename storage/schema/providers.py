"""The payment rails and the orchestrator's record of them: each provider's
configuration versions, its health and breaker transitions, every routing
decision and every payment attempt sent to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from actors.breaker import BreakerState
from actors.health import Health
from actors.provider import Outcome
from storage.schema.base import Base, BigInt, JsonList, one_of, run_fk

ATTEMPT_RESULTS = (*(o.value for o in Outcome), "timeout")
HEALTH_KINDS = ("health", "breaker")


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
