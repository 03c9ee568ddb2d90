"""The invoice as the user's record in a live run, on the real PostgreSQL: its own id,
every field as given, one payment method, a bulk job's lifecycle, and no second charge
when the same file comes again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from actors.errors import ConflictError, InputError
from simulation.commands import BulkSubmitted, CreateInvoice, PayInvoice, SubmitBulk
from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database
from storage.queries import bulk_job_progress, get_invoice
from tests.engine.live_helpers import QUIET, eventually, finished_row

HEADER = b"invoice_id,payer,merchant,amount,currency,method,due_date\n"
TODAY = datetime.now(UTC).date()


def rows(db: Database, query: str, **params: Any) -> list[Any]:
    with db.engine.connect() as connection:
        return list(connection.execute(text(query), params).all())


@pytest.fixture(scope="module")
def live(migrated_database: Database) -> Iterator[tuple[LiveEngine, str]]:
    engine = LiveEngine(migrated_database, shards=2, speed=5.0)
    run_id = engine.start(parse_scenario(QUIET))
    yield engine, run_id
    engine.close()


def test_an_invoice_keeps_the_id_and_fields_it_was_given_and_is_readable_at_once(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    due = TODAY + timedelta(days=10)
    created = engine.submit(
        CreateInvoice(
            amount_minor=8419, method="bank", payer="Ann Lee", merchant="Acme Corp",
            invoice_id="ACME-2026-001", due_date=due,
        )
    )  # fmt: skip
    assert (created.invoice_id, created.due_date) == ("ACME-2026-001", due)
    # No waiting: the answer comes once the invoice's row is written.
    invoice = get_invoice(migrated_database, run_id, "ACME-2026-001")["invoice"]
    assert (invoice["payer"], invoice["merchant"], invoice["method"]) == (
        "Ann Lee", "Acme Corp", "bank")  # fmt: skip
    assert (invoice["amount_minor"], invoice["due_date"]) == (8419, due)


def test_invoices_without_an_id_get_readable_ones_and_a_due_date_thirty_days_out(
    live: tuple[LiveEngine, str],
) -> None:
    engine, _ = live
    first = engine.submit(CreateInvoice(amount_minor=100))
    second = engine.submit(CreateInvoice(amount_minor=100))
    assert first.invoice_id.startswith("INV-") and len(first.invoice_id) == len("INV-000001")
    assert int(second.invoice_id[4:]) > int(first.invoice_id[4:])
    assert first.due_date == TODAY + timedelta(days=30)


def test_an_id_given_twice_is_a_conflict_naming_the_first_and_a_past_due_date_is_refused(
    live: tuple[LiveEngine, str],
) -> None:
    engine, _ = live
    engine.submit(CreateInvoice(amount_minor=500, invoice_id="DUP-1"))
    with pytest.raises(ConflictError, match="DUP-1 already exists"):
        engine.submit(CreateInvoice(amount_minor=700, invoice_id="DUP-1"))
    with pytest.raises(InputError, match="due_date"):
        engine.submit(CreateInvoice(amount_minor=500, due_date=date(2020, 1, 1)))
    with pytest.raises(ConflictError, match="reserved for the simulated load"):
        engine.submit(CreateInvoice(amount_minor=500, invoice_id="SIM-0000001"))
    # A refused invoice leaves its id free.
    with pytest.raises(InputError, match="amount_minor"):
        engine.submit(CreateInvoice(amount_minor=0, invoice_id="FREE-1"))
    assert engine.submit(CreateInvoice(amount_minor=1, invoice_id="FREE-1")).invoice_id == "FREE-1"


def test_an_invoice_is_paid_by_its_own_method_only_and_the_record_keeps_it(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    created = engine.submit(CreateInvoice(amount_minor=1200, method="card"))
    with pytest.raises(ConflictError, match="accepts card only"):
        engine.submit(PayInvoice(created.invoice_id, "crypto"))
    engine.submit(PayInvoice(created.invoice_id, "card"))
    eventually(lambda: finished_row(migrated_database, run_id, created.invoice_id))
    assert get_invoice(migrated_database, run_id, created.invoice_id)["invoice"]["method"] == "card"


def charged(db: Database, run_id: str, invoice_ids: list[str]) -> list[tuple[str, int]]:
    """(invoice, successful attempts) of each invoice, and how many invoice rows."""
    return [
        (row.invoice_id, row.paid)
        for row in rows(
            db,
            "SELECT i.invoice_id, count(a.*) FILTER (WHERE a.result = 'succeeded') AS paid"
            " FROM invoices i LEFT JOIN payment_attempts a"
            " ON a.run_id = i.run_id AND a.invoice_id = i.invoice_id"
            " WHERE i.run_id = :run AND i.invoice_id = ANY(:ids)"
            " GROUP BY i.invoice_id ORDER BY i.invoice_id",
            run=run_id,
            ids=invoice_ids,
        )
    ]


def test_uploading_the_same_file_twice_charges_nothing_again_and_names_the_first_import(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    due = (TODAY + timedelta(days=5)).isoformat().encode()
    csv = HEADER + b"".join(
        b"RE-%d,payer %d,Acme Corp,%d.25,USD,card,%s\n" % (n, n, 10 + n, due) for n in range(3)
    )
    first = engine.submit(SubmitBulk(csv, name="orders.csv"))
    assert isinstance(first, BulkSubmitted) and first.accepted == 3
    ids = [f"RE-{n}" for n in range(3)]
    done = eventually(
        lambda: (
            (p := bulk_job_progress(migrated_database, run_id, first.job_id))["status"] == "done"
            and p
        )
    )
    assert done["succeeded"] == 3
    before = charged(migrated_database, run_id, ids)
    assert before == [(i, 1) for i in ids]
    second = engine.submit(SubmitBulk(csv, name="orders again.csv"))
    assert (second.rows, second.accepted) == (3, 0)
    assert [e.line for e in second.errors] == [2, 3, 4]
    assert all(e.column == "invoice_id" for e in second.errors)
    assert f"job {first.job_id} (orders.csv), line 2" in second.errors[0].reason
    assert "nothing was charged again" in second.errors[0].reason
    eventually(
        lambda: bulk_job_progress(migrated_database, run_id, second.job_id)["status"] == "done"
    )
    assert charged(migrated_database, run_id, ids) == before
    invoice = get_invoice(migrated_database, run_id, "RE-1")["invoice"]
    assert (invoice["payer"], invoice["merchant"], invoice["bulk_job"]) == (
        "payer 1", "Acme Corp", first.job_id)  # fmt: skip


def test_a_bulk_job_is_queued_then_running_then_done_with_its_times(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    due = (TODAY + timedelta(days=5)).isoformat().encode()
    csv = (
        HEADER
        + b"".join(b"LC-%d,p,m,1.00,USD,card,%s\n" % (n, due) for n in range(20))
        + b"LC-bad,p,m,1.00,USD,card,2020-01-01\n"
    )
    job = engine.submit(SubmitBulk(csv, name="life.csv"))
    assert job.accepted == 20 and [e.column for e in job.errors] == ["due_date"]
    seen = set()

    def status() -> Any:
        found = rows(
            migrated_database,
            "SELECT status, started_at_s, started_at, finished_at_s, finished_at, failure"
            " FROM bulk_jobs WHERE run_id = :run AND job_id = :job",
            run=run_id,
            job=job.job_id,
        )[0]
        seen.add(found.status)
        return found if found.status == "done" else None

    done = eventually(status)
    assert seen <= {"queued", "running", "done"} and "done" in seen
    assert done.started_at_s is not None and done.finished_at_s >= done.started_at_s
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert done.failure is None
    progress = bulk_job_progress(migrated_database, run_id, job.job_id)
    assert (progress["status"], progress["failure"]) == ("done", None)
    assert progress["started_at_s"] == done.started_at_s
    assert progress["finished_at_s"] == done.finished_at_s
