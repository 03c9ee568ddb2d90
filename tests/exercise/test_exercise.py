"""The exercise: emulators, the reference orchestrator and the load, and a report of a
simulated run's shape computed from what the providers recorded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from exercise.drive.driver import DriveResult, Sent
from exercise.drive.schedule import Arrival
from exercise.figures import ExerciseFacts, exercise_report
from exercise.orchestrator.server import Orchestrator, OrchestratorOptions, start_in_thread
from exercise.session import ExerciseOptions, run_exercise
from simulation.scenario import parse_scenario
from storage.database import Database
from tests.exercise.test_orchestrator import INVOICESIM, PROVIDERS

OUTAGE = f"""name: exercised
seed: 5
duration_s: 12
drain_s: 20
routing: {{health_interval_s: 2}}
{PROVIDERS}load:
  - {{start_s: 0, duration_s: 12, shape: poisson, rate_per_s: 12}}
faults:
  - {{target: tempo, kind: outage, start_s: 4, duration_s: 4}}
assertions:
  - {{metric: double_pays, op: "==", limit: 0}}
  - {{metric: time_to_failover_s, fault: 0, op: "<=", limit: 2}}
"""
FACTS = ExerciseFacts(target="http://t", reference=True, speed=1.0, started=0.0, wall_s=1.0)
WHEN = datetime(2026, 12, 5, tzinfo=UTC)


def sent(invoice_id: str, status: str, paid_at: float = 1.0) -> Sent:
    arrival = Arrival(
        at_s=0.5,
        invoice_id=invoice_id,
        amount_minor=100,
        currency="USD",
        method="card",
        pay_at_s=paid_at,
    )
    return Sent(
        arrival,
        created=True,
        paid_sent_s=paid_at,
        status=status,
        provider="tempo",
        attempts=1,
        created_at_s=0.5,
        ended_at_s=paid_at + 0.2,
    )


def charge(provider: str, invoice_id: str, at_s: float, outcome: str = "charged") -> tuple:
    return (
        provider,
        f"inv:{invoice_id}",
        1,
        invoice_id,
        100,
        "USD",
        "card",
        0,
        outcome,
        at_s - 0.1,
        at_s,
        WHEN,
    )


def request(provider: str, invoice_id: str, at_s: float, status: int | None = 201) -> tuple:
    return (
        provider,
        1,
        "POST",
        "/charges",
        f"inv:{invoice_id}",
        status,
        "succeeded",
        at_s,
        WHEN,
        5.0,
    )


def test_double_charges_and_lost_invoices_are_found_from_the_records_alone() -> None:
    scenario = parse_scenario(OUTAGE)
    drive = DriveResult(
        sent={
            i: sent(i, s) for i, s in [("A", "paid"), ("B", "paid"), ("C", "failed"), ("D", "paid")]
        }
    )
    requests = [
        request("tempo", "A", 1.0),
        request("circle", "A", 1.5),
        request("tempo", "B", 1.0),
        request("tempo", "C", 1.0),
        request("tempo", "D", 1.0),
    ]
    charges = [
        charge("tempo", "A", 1.1),
        charge("circle", "A", 1.6),  # A twice
        charge("tempo", "C", 1.1),  # C charged, yet the orchestrator says failed
        charge("tempo", "D", 1.1, outcome="voided"),
    ]  # D paid, never charged
    # B: paid and charged once: fine.
    charges.append(charge("tempo", "B", 1.1))
    report = exercise_report(scenario, drive, requests, charges, FACTS)
    assert report["double_pays"] == 1
    assert report["lost"] == 2  # C and D
    held = {i["name"]: i["held"] for i in report["invariants"]}
    assert held == {"no_double_charges": False, "nothing_lost": False, "every_request_taken": True}
    assert report["providers"]["tempo"]["attempts"] == 4
    assert report["providers"]["circle"]["succeeded"] == 1


def test_failover_figures_come_from_where_first_charges_went_and_what_took_effect() -> None:
    scenario = parse_scenario(OUTAGE)  # tempo out from 4 s to 8 s
    ids = [f"I{n}" for n in range(6)]
    drive = DriveResult(sent={i: sent(i, "paid") for i in ids})
    requests = [
        request("tempo", "I0", 1.0),
        request("tempo", "I1", 3.9),
        request("tempo", "I2", 4.0),  # still sent to Tempo: not yet detected
        request("circle", "I3", 4.3),
        request("circle", "I4", 6.0),
        request("tempo", "I5", 8.5),
    ]
    charges = [
        charge("tempo", "I0", 1.1),
        charge("tempo", "I1", 3.95),
        charge("circle", "I2", 4.6),
        charge("circle", "I3", 4.5),
        charge("circle", "I4", 6.1),
        charge("tempo", "I5", 8.7),
    ]
    report = exercise_report(scenario, drive, requests, charges, FACTS)
    (fault,) = report["failover"]
    assert (fault["time_to_detect_s"], fault["time_to_failover_s"]) == (0.3, 0.5)
    assert fault["time_to_failback_s"] == 0.7
    assert [a["passed"] for a in report["assertions"]] == [True, True]


def test_the_exercise_command_writes_a_report_a_simulated_run_would_and_exits_0(
    tmp_path: Path, migrated_database: Database
) -> None:
    scenario_file = tmp_path / "exercised.yaml"
    scenario_file.write_text(OUTAGE)
    out = tmp_path / "out"
    command = [INVOICESIM, "exercise", str(scenario_file), "--speed", "2", "--out", str(out)]
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"DATABASE_URL": url}
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    said = " ".join(done.stderr.split())
    assert done.returncode == 0, said
    report = json.loads((out / "report.json").read_text())
    assert report["runtime"] == "exercise" and report["orchestrator"] == "reference"
    assert report["invoices"]["created"] > 100
    invoices = report["invoices"]
    # Every payer who pays before the drain limit was paid (a simulated run stops there).
    assert invoices["paid"] + invoices["unpaid"] == invoices["created"]
    assert invoices["unpaid"] <= 3 and invoices["open"] == invoices["failed"] == 0
    assert (report["double_pays"], report["lost"]) == (0, 0)
    (fault,) = report["failover"]
    assert fault["provider"] == "tempo" and 0 <= fault["time_to_failover_s"] <= 2
    assert fault["time_to_detect_s"] is not None and fault["time_to_failback_s"] is not None
    assert all(i["held"] for i in report["invariants"])
    assert report["providers"]["circle"]["succeeded"] > 0  # paid there during the outage
    page = (out / "report.html").read_text()
    assert "exercised" in page and "Failover" in page
    assert "tempo outage: detect / failover / failback" in said
    # Recorded as a run, as a simulated run is: its report, its verdict, every charge.
    assert f"recorded as run {report['run_id']}" in said
    with migrated_database.engine.connect() as connection:
        run = connection.execute(
            text("SELECT status, runtime, summary FROM runs WHERE run_id = :r"),
            {"r": report["run_id"]},
        ).one()
        charged = connection.execute(
            text("SELECT count(*) FROM emulator_charges WHERE run_id = :r AND outcome = 'charged'"),
            {"r": report["run_id"]},
        ).scalar_one()
    assert (run.status, run.runtime) == ("passed", "exercise")
    assert run.summary["invoices"] == invoices and run.summary["failover"] == report["failover"]
    assert charged == invoices["paid"]


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65_535:
            continue
        taken = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                taken.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in taken:
                sock.close()
        return first
    raise RuntimeError("no free ports")


def test_an_exercise_drives_an_orchestrator_of_ones_own_at_the_emulators_it_was_told_of() -> None:
    scenario = parse_scenario(OUTAGE.replace("rate_per_s: 12", "rate_per_s: 5"))
    base = free_ports(3)
    urls = {name: f"http://127.0.0.1:{base + i}" for i, name in
            enumerate(("tempo", "circle", "stripe"))}  # fmt: skip
    settings = OrchestratorOptions(providers=urls, speed=2.0)
    own = start_in_thread(Orchestrator(scenario, settings))
    told: list[dict[str, str]] = []
    try:
        options = ExerciseOptions(speed=2.0, target=own.url, base_port=base)
        report = run_exercise(scenario, options, on_ready=lambda u, _t: told.append(u))
    finally:
        own.stop()
    assert told == [urls]
    assert report["orchestrator"] == "under test" and report["target"] == own.url
    invoices = report["invoices"]
    assert invoices["created"] > 30
    assert invoices["paid"] + invoices["unpaid"] + invoices["failed"] == invoices["created"]
    assert invoices["paid"] > invoices["created"] / 2
    assert (report["double_pays"], report["lost"]) == (0, 0)


def test_a_recorded_exercise_computes_its_report_from_the_rows_it_wrote(
    migrated_database: Database,
) -> None:
    """The emulators write every request and charge to the run's tables, and the report
    counts what was read back: the same invoices, charges and requests the driver and the
    providers saw, none lost, none twice."""
    scenario = parse_scenario(OUTAGE.replace("rate_per_s: 12", "rate_per_s: 6"))
    report = run_exercise(scenario, ExerciseOptions(speed=3.0), db=migrated_database)
    with migrated_database.engine.connect() as connection:

        def one(query: str) -> object:
            return connection.execute(text(query), {"r": report["run_id"]}).scalar_one()

        status = one("SELECT status FROM runs WHERE run_id = :r")
        charges = one(
            "SELECT count(*) FROM emulator_charges WHERE run_id = :r AND outcome = 'charged'"
        )
        invoices_charged = one(
            "SELECT count(DISTINCT invoice_id) FROM emulator_charges "
            "WHERE run_id = :r AND outcome = 'charged'"
        )
        attempts = one(
            "SELECT count(*) FROM emulator_requests "
            "WHERE run_id = :r AND method = 'POST' AND path = '/charges'"
        )
    invoices = report["invoices"]
    assert status == "passed" and invoices["paid"] > 20
    assert charges == invoices_charged == invoices["paid"]  # each paid invoice charged once
    providers = report["providers"].values()
    assert attempts == sum(p["attempts"] for p in providers) >= invoices["paid"]
    assert sum(p["succeeded"] for p in providers) == charges
    recorded = next(i for i in report["invariants"] if i["name"] == "every_request_recorded")
    assert recorded["held"], recorded["detail"]
