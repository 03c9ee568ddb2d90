"""A bulk job's counts as recorded: rejected is the rows read but not imported."""

from __future__ import annotations

from sqlalchemy import select

from actors import bulk_csv
from actors.bulk_csv import CsvLimits, parse_invoices_csv
from storage.database import Database
from storage.runs import insert_bulk_job
from storage.schema import BulkJob
from tests.storage.rows import new_run

HEADER = "invoice_id,payer,merchant,amount,currency,method,due_date\n"


def recorded(db: Database, data: bytes, limits: CsvLimits | None = None) -> tuple[int, int, int]:
    parsed = parse_invoices_csv(data, limits) if limits else parse_invoices_csv(data)
    with db.engine.begin() as connection:
        run_id = new_run(connection)
    insert_bulk_job(db, run_id, bulk_csv.BulkJob.of(1, "f.csv", 0.0, None, parsed))
    with db.engine.connect() as connection:
        row = connection.execute(
            select(BulkJob.total_rows, BulkJob.accepted, BulkJob.rejected).where(
                BulkJob.run_id == run_id
            )
        ).one()
    return row.total_rows, row.accepted, row.rejected


def test_a_file_whose_header_is_refused_is_recorded_with_no_rows(
    migrated_database: Database,
) -> None:
    assert recorded(migrated_database, b"nope,nada\n1,2\n") == (0, 0, 0)


def test_a_row_with_two_bad_fields_is_one_rejected_row(migrated_database: Database) -> None:
    data = (HEADER + "A,p,m,1.00,USD,card,2026-01-01\nB,p,m,x,XXX,card,2026-01-01\n").encode()
    assert recorded(migrated_database, data) == (2, 1, 1)


def test_every_row_past_the_row_limit_counts_as_rejected(migrated_database: Database) -> None:
    rows = "".join(f"I{n},p,m,1.00,USD,card,2026-01-01\n" for n in range(5))
    limits = CsvLimits(max_rows=2)
    assert recorded(migrated_database, (HEADER + rows).encode(), limits) == (5, 2, 3)
