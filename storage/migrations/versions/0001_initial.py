"""The initial schema: runs and every simulation table, with their guard triggers.

A migration is a frozen snapshot: allowed values are spelled out here, not
imported from the domain, so later changes to the code cannot rewrite history.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.types import TypeEngine

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEALTH = "'healthy', 'degraded', 'down'"
BREAKER = "'closed', 'open', 'half_open', 'forced_open', 'disabled'"
APPEND_ONLY = ("wallet_destruction_logs", "ledger_transfers", "ledger_entries")
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


def col(
    name: str, type_: TypeEngine[Any], *, null: bool = False, default: str | None = None
) -> sa.Column[Any]:
    server_default = sa.text(default) if default is not None else None
    return sa.Column(name, type_, nullable=null, server_default=server_default)


def text_(name: str, *, null: bool = False) -> sa.Column[Any]:
    return col(name, sa.Text(), null=null)


def seconds(name: str, *, null: bool = False) -> sa.Column[Any]:
    return col(name, pg.DOUBLE_PRECISION(), null=null)


def big(name: str, *, default: str | None = None) -> sa.Column[Any]:
    return col(name, sa.BigInteger(), default=default)


def int_(name: str, *, null: bool = False, default: str | None = None) -> sa.Column[Any]:
    return col(name, sa.Integer(), null=null, default=default)


def jsonb(name: str, *, null: bool = False, default: str | None = None) -> sa.Column[Any]:
    return col(name, pg.JSONB(), null=null, default=default)


def simulation_table(table: str, *items: sa.schema.SchemaItem, run_fk: bool = True) -> None:
    """``run_id`` first, then ``items``, and a cascading foreign key to runs, unless
    ``run_fk`` is False: a child table reaches runs through its parent's key."""
    extra: list[sa.schema.SchemaItem] = []
    if run_fk:
        extra.append(
            sa.ForeignKeyConstraint(
                ["run_id"], ["runs.run_id"], name=op.f(f"fk_{table}_run_id"), ondelete="CASCADE"
            )
        )
    op.create_table(table, text_("run_id"), *items, *extra)


def pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


# op.f() marks a name as final: the naming convention of the models (which Alembic
# applies to target_metadata) must not rewrite the names of a frozen migration.
def ck(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


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


def create_indexes() -> None:
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index(
        "ix_provider_health_run_id_provider_at_s",
        "provider_health",
        ["run_id", "provider", "at_s"],
    )
    op.create_index(
        "ix_ephemeral_wallets_active",
        "ephemeral_wallets",
        ["run_id", "state", "expires_at_s"],
        postgresql_where=sa.text("state <> 'destroyed'"),
    )
    op.create_index(
        "ix_reserve_reconciliation_run_id_at_s", "reserve_reconciliation", ["run_id", "at_s"]
    )
    op.create_index("ix_invoices_run_id_status", "invoices", ["run_id", "status"])
    # At most one successful payment per invoice: the double-pay guard.
    op.create_index(
        "ix_payment_attempts_one_success",
        "payment_attempts",
        ["run_id", "invoice_id"],
        unique=True,
        postgresql_where=sa.text("succeeded"),
    )
    op.create_index(
        "ix_payment_attempts_run_id_provider_sent_at_s",
        "payment_attempts",
        ["run_id", "provider", "sent_at_s"],
    )
    op.create_index("ix_alerts_run_id_at_s", "alerts", ["run_id", "at_s"])


# Append-only tables. UPDATE is always refused. DELETE is refused unless the
# row's run is gone, i.e. the delete is the cascade of DELETE FROM runs. TRUNCATE
# fires neither trigger on purpose: it stays the admin's reset of the whole table.
REJECT_UPDATE = """
CREATE FUNCTION reject_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows are never updated', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$
"""
REJECT_DELETE = """
CREATE FUNCTION reject_delete_of_live_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows AS o JOIN runs AS r ON r.run_id = o.run_id) THEN
        RAISE EXCEPTION '% is append-only: rows go only with their run (DELETE FROM runs)',
            TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$
"""

# Per statement, over the transition table: a COPY or INSERT of many entries
# costs one check. Both entries of a transfer must come in the same statement.
ENTRIES_BALANCED = """
CREATE FUNCTION ledger_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT t.run_id, t.transfer_id, t.amount_minor,
           coalesce(sum(e.amount_minor) FILTER (WHERE e.side = 'debit'), 0) AS debit_minor,
           coalesce(sum(e.amount_minor) FILTER (WHERE e.side = 'credit'), 0) AS credit_minor
      INTO bad
      FROM (SELECT DISTINCT run_id, transfer_id FROM new_rows) AS touched
      JOIN ledger_transfers AS t
        ON t.run_id = touched.run_id AND t.transfer_id = touched.transfer_id
      JOIN ledger_entries AS e
        ON e.run_id = touched.run_id AND e.transfer_id = touched.transfer_id
     GROUP BY t.run_id, t.transfer_id, t.amount_minor
    HAVING count(*) <> 2 OR bool_or(e.amount_minor <> t.amount_minor)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transfer % of run % is unbalanced: amount %, debit %, credit %',
            bad.transfer_id, bad.run_id, bad.amount_minor, bad.debit_minor, bad.credit_minor
            USING ERRCODE = 'check_violation',
                  HINT = 'insert one debit and one credit entry of the transfer amount, '
                         'both in the same statement';
    END IF;
    RETURN NULL;
END $$
"""

# Deferred to COMMIT, per transfer: a transfer whose entries never came.
TRANSFER_HAS_ENTRIES = """
CREATE FUNCTION ledger_transfer_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries AS e
         WHERE e.run_id = NEW.run_id AND e.transfer_id = NEW.transfer_id) <> 2
       AND EXISTS (SELECT 1 FROM ledger_transfers AS t
                    WHERE t.run_id = NEW.run_id AND t.transfer_id = NEW.transfer_id) THEN
        RAISE EXCEPTION 'ledger transfer % of run % has no entries at commit',
            NEW.transfer_id, NEW.run_id
            USING ERRCODE = 'check_violation',
                  HINT = 'insert its debit and credit entries in the same transaction';
    END IF;
    RETURN NULL;
END $$
"""


def create_guards() -> None:
    for function in (REJECT_UPDATE, REJECT_DELETE, ENTRIES_BALANCED, TRANSFER_HAS_ENTRIES):
        op.execute(function)
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION reject_update()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_delete AFTER DELETE ON {table}"
            " REFERENCING OLD TABLE AS old_rows"
            " FOR EACH STATEMENT EXECUTE FUNCTION reject_delete_of_live_run()"
        )
    op.execute(
        "CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balanced()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_transfers_have_entries AFTER INSERT ON ledger_transfers"
        " DEFERRABLE INITIALLY DEFERRED"
        " FOR EACH ROW EXECUTE FUNCTION ledger_transfer_has_entries()"
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)  # drops its indexes and triggers too
    for function in (
        "ledger_transfer_has_entries",
        "ledger_entries_balanced",
        "reject_delete_of_live_run",
        "reject_update",
    ):
        op.execute(f"DROP FUNCTION {function}()")
