"""The initial schema: runs and every simulation table, with their guard triggers.

A migration is a frozen snapshot: allowed values are spelled out here, not
imported from the domain, so later changes to the code cannot rewrite history.
Its column helpers and guard triggers live beside it, frozen with it
(``storage/migrations/initial_columns.py``, ``initial_indexes.py`` and
``initial_guards.py``).

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from storage.migrations.initial_columns import (
    big,
    ck,
    col,
    int_,
    jsonb,
    pk,
    seconds,
    simulation_table,
    text_,
)
from storage.migrations.initial_guards import FUNCTIONS, create_guards
from storage.migrations.initial_indexes import create_indexes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEALTH = "'healthy', 'degraded', 'down'"
BREAKER = "'closed', 'open', 'half_open', 'forced_open', 'disabled'"
TABLES = (  # parents first; downgrade drops them in reverse
    "runs",
    "api_tokens",
    "provider_config",
    "provider_health",
    "ephemeral_wallets",
    "reserve_reconciliation",
    "wallet_destruction_logs",
    "invoices",
    "payment_attempts",
    "routing_decisions",
    "ledger_transfers",
    "ledger_entries",
    "alerts",
    "bulk_jobs",
    "bulk_job_rows",
    "checkpoints",
)


def upgrade() -> None:
    create_run_and_token_tables()
    create_provider_tables()
    create_wallet_and_reserve_tables()
    create_payment_tables()
    create_ledger_tables()
    create_alert_bulk_and_checkpoint_tables()
    create_indexes()
    create_guards()


def create_run_and_token_tables() -> None:
    t = "runs"
    op.create_table(
        t,
        text_("run_id"),
        text_("scenario_name"),
        text_("scenario_hash"),
        big("seed"),
        int_("shards"),
        text_("runtime"),
        text_("git_commit", null=True),
        jsonb("options", default="'{}'::jsonb"),
        col("started_at", sa.TIMESTAMP(timezone=True)),
        col("ended_at", sa.TIMESTAMP(timezone=True), null=True),
        text_("status"),
        jsonb("summary", null=True),
        text_("digest", null=True),
        pk(t, "run_id"),
        ck(t, "status", "status IN ('running', 'passed', 'failed', 'error', 'stopped')"),
        ck(t, "shards", "shards >= 1"),
    )
    t = "api_tokens"
    op.create_table(
        t,
        text_("token_id"),
        text_("name"),
        text_("role"),
        text_("token_hash"),
        col("created_at", sa.TIMESTAMP(timezone=True), default="now()"),
        col("revoked_at", sa.TIMESTAMP(timezone=True), null=True),
        pk(t, "token_id"),
        ck(t, "role", "role IN ('admin', 'enterprise', 'consumer')"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )


def create_provider_tables() -> None:
    t = "provider_config"
    simulation_table(
        t,
        text_("name"),
        int_("version"),
        int_("priority"),
        col("enabled", sa.Boolean()),
        col("methods", pg.ARRAY(sa.Text())),
        int_("fee_bp"),
        big("fee_fixed_minor"),
        col("timeout_ms", pg.DOUBLE_PRECISION()),
        jsonb("config", default="'{}'::jsonb"),
        seconds("changed_at_s"),
        pk(t, "run_id", "name", "version"),
        ck(t, "methods", "methods <@ ARRAY['card', 'bank', 'crypto']::text[]"),
        ck(t, "fee_bp", "fee_bp >= 0"),
        ck(t, "fee_fixed_minor", "fee_fixed_minor >= 0"),
        ck(t, "timeout_ms", "timeout_ms > 0"),
    )
    t = "provider_health"
    simulation_table(
        t,
        text_("source"),
        big("seq"),
        text_("provider"),
        seconds("at_s"),
        text_("kind"),
        text_("state"),
        text_("previous", null=True),
        text_("reason", null=True),
        pk(t, "run_id", "source", "seq"),
        ck(t, "kind", "kind IN ('health', 'breaker')"),
        ck(
            t,
            "state",
            f"(kind = 'health' AND state IN ({HEALTH})"
            f" AND (previous IS NULL OR previous IN ({HEALTH})))"
            f" OR (kind = 'breaker' AND state IN ({BREAKER})"
            f" AND (previous IS NULL OR previous IN ({BREAKER})))",
        ),
    )


def create_wallet_and_reserve_tables() -> None:
    t = "ephemeral_wallets"
    simulation_table(
        t,
        text_("address"),
        text_("invoice_id"),
        text_("state"),
        big("expected_minor"),
        text_("currency"),
        seconds("created_at_s"),
        seconds("expires_at_s"),
        big("received_minor", default="0"),
        big("accepted_minor", default="0"),
        seconds("destroyed_at_s", null=True),
        text_("destroy_reason", null=True),
        pk(t, "run_id", "address"),
        ck(
            t,
            "state",
            "state IN ('created', 'paid', 'underpaid', 'overpaid', 'expired', 'late_paid',"
            " 'destroyed')",
        ),
        ck(t, "expected_minor", "expected_minor > 0"),
        ck(t, "expires_at_s", "expires_at_s > created_at_s"),
        ck(t, "received_minor", "received_minor >= 0"),
        ck(t, "accepted_minor", "accepted_minor >= 0 AND accepted_minor <= received_minor"),
        ck(t, "destroyed", "(state = 'destroyed') = (destroyed_at_s IS NOT NULL)"),
    )
    t = "reserve_reconciliation"
    simulation_table(
        t,
        int_("seq"),
        seconds("at_s"),
        text_("trigger"),
        text_("status"),
        big("discrepancy_minor"),
        int_("discrepancy_bp"),
        text_("direction"),
        jsonb("snapshot"),
        pk(t, "run_id", "seq"),
        ck(t, "trigger", "trigger IN ('scheduled', 'manual')"),
        ck(t, "status", "status IN ('balanced', 'warning', 'breach')"),
        ck(t, "discrepancy_bp", "discrepancy_bp >= 0"),
        ck(t, "direction", "direction IN ('surplus', 'shortfall', 'none')"),
    )
    t = "wallet_destruction_logs"
    simulation_table(
        t,
        text_("chain_id"),
        big("seq"),
        seconds("at_s"),
        text_("address"),
        text_("invoice_id"),
        text_("reason"),
        col("prev_hash", sa.CHAR(64)),
        col("hash", sa.CHAR(64)),
        pk(t, "run_id", "chain_id", "seq"),
        sa.UniqueConstraint("run_id", "hash", name=op.f(f"uq_{t}_run_id_hash")),
        sa.UniqueConstraint("run_id", "address", name=op.f(f"uq_{t}_run_id_address")),
        ck(t, "hash", "hash ~ '^[0-9a-f]{64}$'"),
        ck(t, "prev_hash", "prev_hash ~ '^[0-9a-f]{64}$'"),
    )


def create_payment_tables() -> None:
    t = "invoices"
    simulation_table(
        t,
        text_("invoice_id"),
        int_("shard"),
        text_("status"),
        big("amount_minor"),
        text_("currency"),
        text_("method"),
        text_("merchant"),
        text_("payer"),
        text_("provider", null=True),
        int_("attempts", default="0"),
        big("fee_minor", default="0"),
        seconds("created_at_s"),
        seconds("ended_at_s", null=True),
        text_("reason", null=True),
        text_("wallet_address", null=True),
        int_("bulk_job", null=True),
        pk(t, "run_id", "invoice_id"),
        ck(t, "shard", "shard >= 0"),
        ck(t, "status", "status IN ('pending', 'processing', 'paid', 'failed', 'expired')"),
        ck(t, "amount_minor", "amount_minor > 0"),
        ck(t, "method", "method IN ('card', 'bank', 'crypto')"),
        ck(t, "attempts", "attempts >= 0"),
        ck(t, "fee_minor", "fee_minor >= 0"),
    )
    t = "payment_attempts"
    simulation_table(
        t,
        text_("attempt_key"),
        text_("invoice_key"),
        text_("invoice_id"),
        int_("attempt_no"),
        text_("provider"),
        seconds("sent_at_s"),
        seconds("finished_at_s"),
        text_("result"),
        col("latency_ms", pg.DOUBLE_PRECISION()),
        col("succeeded", sa.Boolean()),
        pk(t, "run_id", "attempt_key"),
        ck(t, "attempt_no", "attempt_no >= 1"),
        ck(t, "finished_at_s", "finished_at_s >= sent_at_s"),
        ck(
            t,
            "result",
            "result IN ('succeeded', 'declined', 'error', 'refused', 'rate_limited', 'timeout')",
        ),
        ck(t, "latency_ms", "latency_ms >= 0"),
        ck(t, "succeeded", "NOT succeeded OR result IN ('succeeded', 'timeout')"),
    )
    t = "routing_decisions"
    simulation_table(
        t,
        text_("source"),
        big("seq"),
        seconds("at_s"),
        text_("invoice_id"),
        int_("attempt_no"),
        text_("policy"),
        text_("chosen", null=True),
        jsonb("skipped", default="'[]'::jsonb"),
        pk(t, "run_id", "source", "seq"),
        ck(t, "attempt_no", "attempt_no >= 1"),
    )


def create_ledger_tables() -> None:
    t = "ledger_transfers"
    simulation_table(
        t,
        big("transfer_id"),
        big("operation_id"),
        text_("kind"),
        text_("ref"),
        seconds("at_s"),
        big("amount_minor"),
        text_("currency"),
        col("memo", sa.Text(), default="''"),
        pk(t, "run_id", "transfer_id"),
        ck(t, "amount_minor", "amount_minor > 0"),
    )
    t = "ledger_entries"
    simulation_table(
        t,
        big("transfer_id"),
        text_("side"),
        text_("account"),
        big("amount_minor"),
        pk(t, "run_id", "transfer_id", "side"),
        sa.ForeignKeyConstraint(
            ["run_id", "transfer_id"],
            ["ledger_transfers.run_id", "ledger_transfers.transfer_id"],
            name=op.f(f"fk_{t}_run_id_transfer_id"),
            ondelete="CASCADE",
        ),
        ck(t, "side", "side IN ('debit', 'credit')"),
        ck(
            t,
            "account",
            "account IN ('custodian_reserve', 'fiat_in_transit', 'tokens_minted',"
            " 'provider_fees', 'review_hold', 'external')",
        ),
        ck(t, "amount_minor", "amount_minor > 0"),
        run_fk=False,
    )


def create_alert_bulk_and_checkpoint_tables() -> None:
    t = "alerts"
    simulation_table(
        t,
        big("alert_id"),
        seconds("at_s"),
        text_("key"),
        text_("severity"),
        text_("message"),
        pk(t, "run_id", "alert_id"),
        ck(t, "severity", "severity IN ('info', 'warning', 'breach')"),
    )
    t = "bulk_jobs"
    simulation_table(
        t,
        int_("job_id"),
        text_("file"),
        text_("provider"),
        int_("total_rows"),
        int_("accepted"),
        int_("rejected"),
        text_("status"),
        seconds("created_at_s"),
        seconds("finished_at_s", null=True),
        pk(t, "run_id", "job_id"),
        ck(t, "total_rows", "total_rows >= 0"),
        ck(t, "counts", "accepted >= 0 AND rejected >= 0 AND accepted + rejected <= total_rows"),
        ck(t, "status", "status IN ('queued', 'running', 'done', 'failed')"),
    )
    t = "bulk_job_rows"
    simulation_table(
        t,
        int_("job_id"),
        int_("line"),
        int_("error_no", default="0"),
        text_("invoice_id", null=True),
        text_("status"),
        text_("column_name", null=True),
        text_("error", null=True),
        pk(t, "run_id", "job_id", "line", "error_no"),
        sa.ForeignKeyConstraint(
            ["run_id", "job_id"],
            ["bulk_jobs.run_id", "bulk_jobs.job_id"],
            name=op.f(f"fk_{t}_run_id_job_id"),
            ondelete="CASCADE",
        ),
        ck(t, "line", "line >= 1"),
        ck(t, "error_no", "error_no >= 0"),
        ck(t, "status", "status IN ('rejected', 'accepted', 'paid', 'failed', 'expired')"),
        run_fk=False,
    )
    t = "checkpoints"
    simulation_table(
        t,
        text_("lp"),
        big("window_no"),
        seconds("at_s"),
        col("state", sa.LargeBinary()),
        pk(t, "run_id", "lp", "window_no"),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # drops its indexes and triggers too
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}()")
