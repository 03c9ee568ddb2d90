"""The ledger checks probe an index per transfer, whatever the statistics say of the run.

0003's checks joined the statement's transfers to ``ledger_transfers`` and
``ledger_entries`` and let the planner choose how. For a run the statistics have
not seen yet (every new run: its run_id looks rare), it chose to hash every
transfer of the run, so each COMMIT read all the run had written so far: a run's
commits grew slower one after the other (60-100 s stalls at COMMIT measured 30
simulated seconds into a run). A LATERAL subquery with LIMIT 1 cannot be turned
into a join: each transfer costs one index probe, however large the run. The
array of noted transfer ids is stored uncompressed (it lives for one transaction).

Revision ID: 0005
Revises: 0004
Create Date: 2025-03-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Deferred to COMMIT, per statement that inserted transfers: any of them without entries
# (a transfer gone since, with its run, needs none).
TRANSFERS_HAVE_ENTRIES = """
CREATE OR REPLACE FUNCTION ledger_transfers_have_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    FOR missing IN
        SELECT n.transfer_id
          FROM unnest(NEW.transfer_ids) AS n(transfer_id)
          LEFT JOIN LATERAL (SELECT 1 AS found FROM ledger_entries AS e
                              WHERE e.run_id = NEW.run_id AND e.transfer_id = n.transfer_id
                              LIMIT 1) AS e ON true
         WHERE e.found IS NULL
    LOOP
        IF EXISTS (SELECT 1 FROM ledger_transfers AS t
                    WHERE t.run_id = NEW.run_id AND t.transfer_id = missing) THEN
            RAISE EXCEPTION 'ledger transfer % of run % has no entries at commit',
                missing, NEW.run_id
                USING ERRCODE = 'check_violation',
                      HINT = 'insert its debit and credit entries in the same transaction';
        END IF;
    END LOOP;
    DELETE FROM ledger_transfer_checks WHERE check_id = NEW.check_id;
    RETURN NULL;
END $$
"""

# Per statement, over the transition table only; one probe of ledger_transfers per transfer.
ENTRIES_BALANCED = """
CREATE OR REPLACE FUNCTION ledger_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.run_id, n.transfer_id, t.amount_minor, n.debit_minor, n.credit_minor
      INTO bad
      FROM (SELECT run_id, transfer_id, count(*) AS entries,
                   coalesce(sum(amount_minor) FILTER (WHERE side = 'debit'), 0) AS debit_minor,
                   coalesce(sum(amount_minor) FILTER (WHERE side = 'credit'), 0) AS credit_minor
              FROM new_rows GROUP BY run_id, transfer_id) AS n
      JOIN LATERAL (SELECT amount_minor FROM ledger_transfers AS t
                     WHERE t.run_id = n.run_id AND t.transfer_id = n.transfer_id
                     LIMIT 1) AS t ON true
     WHERE n.entries <> 2 OR n.debit_minor <> t.amount_minor OR n.credit_minor <> t.amount_minor
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

# 0003's versions, restored by the downgrade (a migration is a frozen snapshot).
TRANSFERS_HAVE_ENTRIES_0003 = """
CREATE OR REPLACE FUNCTION ledger_transfers_have_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    DELETE FROM ledger_transfer_checks WHERE check_id = NEW.check_id;
    SELECT n.transfer_id INTO missing
      FROM unnest(NEW.transfer_ids) AS n(transfer_id)
     WHERE NOT EXISTS (SELECT 1 FROM ledger_entries AS e
                        WHERE e.run_id = NEW.run_id AND e.transfer_id = n.transfer_id)
       AND EXISTS (SELECT 1 FROM ledger_transfers AS t
                    WHERE t.run_id = NEW.run_id AND t.transfer_id = n.transfer_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transfer % of run % has no entries at commit',
            missing, NEW.run_id
            USING ERRCODE = 'check_violation',
                  HINT = 'insert its debit and credit entries in the same transaction';
    END IF;
    RETURN NULL;
END $$
"""

ENTRIES_BALANCED_0003 = """
CREATE OR REPLACE FUNCTION ledger_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT t.run_id, t.transfer_id, t.amount_minor, n.debit_minor, n.credit_minor
      INTO bad
      FROM (SELECT run_id, transfer_id, count(*) AS entries,
                   coalesce(sum(amount_minor) FILTER (WHERE side = 'debit'), 0) AS debit_minor,
                   coalesce(sum(amount_minor) FILTER (WHERE side = 'credit'), 0) AS credit_minor
              FROM new_rows GROUP BY run_id, transfer_id) AS n
      JOIN ledger_transfers AS t
        ON t.run_id = n.run_id AND t.transfer_id = n.transfer_id
     WHERE n.entries <> 2 OR n.debit_minor <> t.amount_minor OR n.credit_minor <> t.amount_minor
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


def upgrade() -> None:
    op.execute(TRANSFERS_HAVE_ENTRIES)
    op.execute(ENTRIES_BALANCED)
    op.execute("ALTER TABLE ledger_transfer_checks ALTER COLUMN transfer_ids SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute("ALTER TABLE ledger_transfer_checks ALTER COLUMN transfer_ids SET STORAGE EXTENDED")
    op.execute(ENTRIES_BALANCED_0003)
    op.execute(TRANSFERS_HAVE_ENTRIES_0003)
