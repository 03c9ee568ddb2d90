"""The live engine: a paced run that takes commands, on the real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from actors.errors import ConflictError, InputError, NotFoundError, UnavailableError
from simulation.commands import (
    BulkSubmitted,
    ClearFault,
    ConfigureProvider,
    CreateInvoice,
    FaultCleared,
    FaultStarted,
    InvoiceCreated,
    PayInvoice,
    PaymentStarted,
    Reconcile,
    Reconciled,
    StartFault,
    SubmitBulk,
)
from simulation.live.service import LiveEngine
from simulation.scenario import parse_scenario
from storage.database import Database
from storage.queries import bulk_job_progress
from tests.engine.live_helpers import QUIET, eventually, finished_row


@pytest.fixture(scope="module")
def live(migrated_database: Database) -> Iterator[tuple[LiveEngine, str]]:
    engine = LiveEngine(migrated_database, shards=2, speed=5.0)
    run_id = engine.start(parse_scenario(QUIET))
    yield engine, run_id
    engine.close()


def test_a_created_invoice_has_a_wallet_that_expires_after_the_ttl(
    live: tuple[LiveEngine, str],
) -> None:
    engine, _ = live
    created = engine.submit(CreateInvoice(amount_minor=2500, currency="USD", method="card"))
    assert isinstance(created, InvoiceCreated)
    assert created.wallet_address
    assert created.expires_at_s == pytest.approx(created.created_at_s + 120)
    other = engine.submit(CreateInvoice(amount_minor=100))
    assert other.invoice_id != created.invoice_id
    assert other.wallet_address != created.wallet_address


def test_a_paid_invoice_is_recorded_paid_by_tempo(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    created = engine.submit(CreateInvoice(amount_minor=4200, method="card"))
    started = engine.submit(PayInvoice(created.invoice_id, "card"))
    assert isinstance(started, PaymentStarted)
    assert started.method == "card"
    row = eventually(lambda: finished_row(migrated_database, run_id, created.invoice_id))
    assert (row.state, row.provider) == ("paid", "tempo")


def test_paying_twice_is_a_conflict_and_an_unknown_invoice_is_not_found(
    live: tuple[LiveEngine, str],
) -> None:
    engine, _ = live
    created = engine.submit(CreateInvoice(amount_minor=900, method="bank"))
    engine.submit(PayInvoice(created.invoice_id, "bank"))
    with pytest.raises(ConflictError, match=created.invoice_id):
        engine.submit(PayInvoice(created.invoice_id, "bank"))
    with pytest.raises(NotFoundError, match="nope"):
        engine.submit(PayInvoice("nope", "bank"))
    with pytest.raises(InputError, match="method"):
        engine.submit(PayInvoice(created.invoice_id, "cheque"))


def test_bad_commands_name_the_field(live: tuple[LiveEngine, str]) -> None:
    engine, _ = live
    with pytest.raises(InputError, match="amount_minor"):
        engine.submit(CreateInvoice(amount_minor=0))
    with pytest.raises(InputError, match="kind"):
        engine.submit(StartFault("tempo", "meltdown"))
    with pytest.raises(NotFoundError, match="venmo"):
        engine.submit(StartFault("venmo", "outage"))
    with pytest.raises(InputError, match="priority"):
        engine.submit(ConfigureProvider("tempo", priority=0))


def test_with_tempo_down_circle_takes_the_payment_and_tempo_serves_again_once_cleared(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    fault = engine.submit(StartFault("tempo", "outage", duration_s=600))
    assert isinstance(fault, FaultStarted)
    assert fault.ends_at_s == pytest.approx(fault.started_at_s + 600)
    created = engine.submit(CreateInvoice(amount_minor=1500, method="card"))
    engine.submit(PayInvoice(created.invoice_id, "card"))
    row = eventually(lambda: finished_row(migrated_database, run_id, created.invoice_id))
    assert (row.state, row.provider) == ("paid", "circle")
    cleared = engine.submit(ClearFault("tempo"))
    assert isinstance(cleared, FaultCleared)


def test_a_bulk_upload_creates_its_good_rows_and_reports_the_bad_line(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    csv = (
        b"invoice_id,payer,merchant,amount,currency,method,due_date\n"
        b"L-1,ann,acme,10.00,USD,crypto,2030-02-01\n"
        b"L-2,bob,acme,not-money,USD,card,2030-02-01\n"
        b"L-3,cat,acme,12.50,USD,bank,2030-02-01\n"
    )
    submitted = engine.submit(SubmitBulk(csv, provider="stripe", name="three.csv"))
    assert isinstance(submitted, BulkSubmitted)
    assert (submitted.rows, submitted.accepted) == (3, 2)
    assert [e.line for e in submitted.errors] == [3]
    progress = eventually(
        lambda: (
            (p := bulk_job_progress(migrated_database, run_id, submitted.job_id))
            and p["processed"] == 2
            and p
        )
    )
    assert progress["rejected"] == 1
    assert progress["succeeded"] == 1  # stripe takes card and bank, not crypto
    assert progress["file"] == "three.csv"


def test_a_provider_change_is_stored_as_a_new_version(
    live: tuple[LiveEngine, str], migrated_database: Database
) -> None:
    engine, run_id = live
    changed = engine.submit(ConfigureProvider("stripe", priority=7, failure_threshold=2))
    assert (changed.version, changed.priority, changed.enabled) == (2, 7, True)
    with migrated_database.engine.connect() as connection:
        versions = connection.execute(
            text(
                "SELECT version, priority FROM provider_config"
                " WHERE run_id = :run AND name = 'stripe' ORDER BY version"
            ),
            {"run": run_id},
        ).all()
    assert [tuple(v) for v in versions] == [(1, 3), (2, 7)]


def test_a_manual_reconciliation_answers_with_its_verdict(live: tuple[LiveEngine, str]) -> None:
    engine, _ = live
    result = engine.submit(Reconcile())
    assert isinstance(result, Reconciled)
    assert result.status in ("balanced", "warning", "breach", "error")
    assert result.at_s > 0


def test_status_reports_the_running_scenario_and_its_clock(live: tuple[LiveEngine, str]) -> None:
    engine, run_id = live
    first = engine.status()
    time.sleep(0.3)
    second = engine.status()
    assert first.running and first.run_id == run_id and first.scenario == "live-quiet"
    assert second.sim_now_s > first.sim_now_s
    assert first.started_at is not None


def test_stopping_marks_the_run_stopped_and_refuses_further_commands(
    migrated_database: Database,
) -> None:
    engine = LiveEngine(migrated_database, shards=1, speed=10.0)
    run_id = engine.start(parse_scenario(QUIET))
    created = engine.submit(CreateInvoice(amount_minor=700))
    assert engine.stop() == run_id
    assert not engine.status().running
    with pytest.raises(UnavailableError, match="no scenario is running"):
        engine.submit(PayInvoice(created.invoice_id, "card"))
    with migrated_database.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM runs WHERE run_id = :run"), {"run": run_id}
        ).scalar_one()
        invoices = connection.execute(
            text("SELECT count(*) FROM invoices WHERE run_id = :run"), {"run": run_id}
        ).scalar_one()
    assert status == "stopped"
    assert invoices == 1  # what was accepted before the stop is kept
