"""The guard triggers of the initial migration (0001), frozen with it.

Append-only tables and the ledger's balance checks, as 0001 created them; later
migrations (0003, 0005) replace some of these functions with their own copies.
"""

from __future__ import annotations

from alembic import op

APPEND_ONLY = ("wallet_destruction_logs", "ledger_transfers", "ledger_entries")
FUNCTIONS = (  # dropped by 0001's downgrade, in this order
    "ledger_transfer_has_entries",
    "ledger_entries_balanced",
    "reject_delete_of_live_run",
    "reject_update",
)


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
