"""Every request and every charge an emulator sees lands in PostgreSQL, as the run of the
emulation, from the command line too (stopped cleanly by SIGTERM)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from exercise.emulators import DatabaseRecords, default_speed
from exercise.emulators.records import RequestRow
from simulation.scenario import Scenario
from storage.database import Database
from storage.runs import NewRun, start_run
from tests.exercise.helpers import QUICK, create, emulating, scenario

ROOT = Path(__file__).parents[2]
INVOICESIM = str(Path(sys.executable).parent / "invoicesim")


def new_run(db: Database, emulated: Scenario) -> str:
    run = NewRun(
        scenario_name=emulated.name,
        scenario_hash=emulated.digest(),
        seed=emulated.seed,
        shards=1,
        runtime="emulators",
        options={},
        providers=emulated.provider_configs(),
    )
    return start_run(db, run)


def rows(db: Database, query: str, run_id: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query), {"run": run_id})]


def test_requests_and_charges_land_in_postgresql_under_the_emulations_run(
    migrated_database: Database,
) -> None:
    emulated = scenario(f"providers:\n  tempo: {QUICK}\n")
    run_id = new_run(migrated_database, emulated)
    records = DatabaseRecords().start(migrated_database, run_id)
    with emulating(emulated, records=records) as running:
        with httpx.Client(base_url=running.url("tempo"), timeout=5) as client:
            create(client, "db-1", amount_minor=2_500)
            create(client, "db-1", amount_minor=2_500)
            client.get("/charges/db-1")
            client.post("/charges", json={"amount_minor": 1})
        time.sleep(0.1)
    records.close()
    requests = rows(
        migrated_database,
        "SELECT provider, seq, method, path, idempotency_key, status, outcome"
        " FROM emulator_requests WHERE run_id = :run ORDER BY seq",
        run_id,
    )
    assert requests == [
        ("tempo", 1, "POST", "/charges", "db-1", 201, "succeeded"),
        ("tempo", 2, "POST", "/charges", "db-1", 200, "succeeded"),
        ("tempo", 3, "GET", "/charges/db-1", "db-1", 200, "charged"),
        ("tempo", 4, "POST", "/charges", None, 422, None),
    ]
    charges = rows(
        migrated_database,
        "SELECT provider, charge_key, attempt_no, invoice_id, amount_minor, currency, outcome,"
        " ended_at_s > created_at_s, ended_at IS NOT NULL"
        " FROM emulator_charges WHERE run_id = :run",
        run_id,
    )
    assert charges == [("tempo", "db-1", 1, "INV-db-1", 2_500, "USD", "charged", True, True)]
    latency = rows(
        migrated_database,
        "SELECT latency_ms >= 5 FROM emulator_requests WHERE run_id = :run AND seq = 1",
        run_id,
    )
    assert latency == [(True,)]  # tempo's 5 ms, waited for
    assert records.lost == 0


def test_the_emulate_command_serves_until_sigterm_then_records_the_run_as_stopped(
    migrated_database: Database, tmp_path: Path
) -> None:
    scenario_file = tmp_path / "emulated.yaml"
    scenario_file.write_text(f"name: by-command\nduration_s: 60\nproviders:\n  tempo: {QUICK}\n")
    url = migrated_database.engine.url.render_as_string(hide_password=False)
    command = [INVOICESIM, "emulate", str(scenario_file), "--base-port", "0"]
    env = os.environ | {"DATABASE_URL": url, "COLUMNS": "200"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        banner = ""
        while "Ctrl-C stops" not in banner:
            line = process.stderr.readline()
            assert line, f"the command ended: {banner}"
            banner += line
        tempo = re.search(r"tempo\s+(http://127\.0\.0\.1:\d+)", banner)
        run = re.search(r"Run\s+([0-9a-f]{32})", banner)
        assert tempo is not None and run is not None, banner
        with httpx.Client(base_url=tempo.group(1), timeout=5) as client:
            answer = create(client, "cli-1")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert answer.status_code == 201
    assert rows(
        migrated_database, "SELECT status, runtime FROM runs WHERE run_id = :run", run.group(1)
    ) == [("stopped", "emulators")]
    assert rows(
        migrated_database,
        "SELECT charge_key FROM emulator_charges WHERE run_id = :run",
        run.group(1),
    ) == [("cli-1",)]


def test_rows_written_again_after_a_lost_commit_answer_are_skipped_not_doubled(
    migrated_database: Database,
) -> None:
    run_id = new_run(migrated_database, scenario())
    row = RequestRow(
        provider="tempo",
        seq=1,
        method="GET",
        path="/health",
        idempotency_key=None,
        status=200,
        outcome="ok",
        received_at_s=0.5,
        received_at=datetime.now(UTC),
        latency_ms=2.0,
    )
    records = DatabaseRecords().start(migrated_database, run_id)
    records.request(row)
    records.hand_over()
    records.request(row)  # as the writer does when a commit's answer was lost
    records.request(replace(row, seq=2))
    records.close()
    assert rows(
        migrated_database,
        "SELECT seq FROM emulator_requests WHERE run_id = :run ORDER BY seq",
        run_id,
    ) == [(1,), (2,)]
    assert records.lost == 0


def test_the_emulate_command_names_a_port_already_taken_and_exits_2(tmp_path: Path) -> None:
    scenario_file = tmp_path / "emulated.yaml"
    scenario_file.write_text("name: taken\nduration_s: 60\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [INVOICESIM, "emulate", str(scenario_file), "--base-port", str(port)]
        env = os.environ | {"COLUMNS": "200", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert f"--base-port: cannot listen on 127.0.0.1:{port} for tempo" in done.stderr


def test_the_emulators_run_at_the_scenarios_paced_speed_unless_told_otherwise() -> None:
    assert default_speed(scenario("clock: {mode: paced, speed: 5}\n")) == 5.0
    assert default_speed(scenario("clock: {mode: virtual, speed: 5}\n")) == 1.0
