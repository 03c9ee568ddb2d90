"""Driving an orchestrator: the load a one-shard simulated run makes, sent over HTTP."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from exercise.drive.driver import drive
from exercise.drive.schedule import arrivals
from exercise.emulators.clock import PacedClock
from simulation.engine import RunOptions, run_scenario
from simulation.export import INVOICE_COLUMNS
from simulation.scenario import load_scenario, parse_scenario, with_overrides
from tests.exercise.helpers import scenario
from tests.exercise.test_orchestrator import INVOICESIM, PROVIDERS, serving

ROOT = Path(__file__).resolve().parents[2]

LOAD = """load:
  - {start_s: 0, duration_s: 4, shape: poisson, rate_per_s: 15, never_pay_share: 0.2,
     think_s: 0.5, methods: {card: 2, bank: 1, crypto: 1}}
  - {start_s: 2, duration_s: 2, shape: constant, rate_per_s: 10}
"""


def test_the_driven_load_arrives_when_a_one_shard_simulated_runs_load_does() -> None:
    emulated = parse_scenario(f"name: driven\nseed: 11\nduration_s: 4\n{LOAD}")
    rows: list[tuple] = []
    run_scenario(emulated, RunOptions(shards=1, sink=rows.extend))
    created = INVOICE_COLUMNS.index("created_at_s")
    simulated = sorted(float(r[created]) for r in rows)  # written to the microsecond
    driven = [a.at_s for a in arrivals(emulated)]
    assert len(driven) > 50
    assert driven == sorted(driven)
    assert [round(t, 6) for t in driven] == simulated
    assert {a.currency for a in arrivals(emulated)} == {"USD"}
    # The payers: about a fifth of the first phase never pays (never_pay_share 0.2).
    first = [a for a in arrivals(emulated) if a.at_s < 2]
    never = sum(a.pay_at_s is None for a in first) / len(first)
    assert 0.05 < never < 0.45


def test_a_drive_creates_every_invoice_pays_those_whose_payer_pays_and_reads_how_they_ended() -> (
    None
):
    emulated = scenario(PROVIDERS + LOAD, seed=11)
    expected = list(arrivals(emulated))
    payers = {a.invoice_id for a in expected if a.pay_at_s is not None}
    with serving(emulated, speed=4.0) as (client, _records):
        target = str(client.base_url)
        seen: list[float] = []

        async def go() -> object:
            return await drive(
                emulated, target, PacedClock.start(4.0), lambda now, _r: seen.append(now)
            )

        result = asyncio.run(go())
        listed = {i: client.get(f"/invoices/{i}").json()["status"] for i in result.sent}
    assert set(result.sent) == {a.invoice_id for a in expected}
    assert {i for i, s in result.sent.items() if s.paid_sent_s is not None} == payers
    assert {listed[i] for i in payers} == {"paid"}  # these providers decline nothing
    assert {result.sent[i].provider for i in payers} == {"tempo"}
    assert {listed[i] for i in set(listed) - payers} == {"pending"}
    assert all(result.sent[i].status == listed[i] for i in result.sent)
    assert result.refused == [] and result.drained
    assert seen and seen == sorted(seen)  # progress, in simulated time


def test_the_drive_command_reports_what_it_sent_and_refuses_a_target_that_is_not_a_url(
    tmp_path: Path,
) -> None:
    scenario_file = tmp_path / "driven.yaml"
    scenario_file.write_text(f"name: driven\nseed: 11\nduration_s: 4\n{PROVIDERS}{LOAD}")
    emulated = parse_scenario(scenario_file.read_text())
    with serving(emulated, speed=4.0) as (client, _records):
        command = [INVOICESIM, "drive", str(scenario_file), "--target", str(client.base_url),
                   "--speed", "4"]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        total = int(client.get("/health").json()["invoices"])
    said = " ".join(done.stderr.split())
    assert done.returncode == 0, said
    found = re.search(r"(\d+) invoices sent to http://127\.0\.0\.1:\d+/?: (\d+) paid", said)
    assert found is not None, said
    assert int(found.group(1)) == total == len(list(arrivals(emulated)))
    refused = subprocess.run(
        [INVOICESIM, "drive", str(scenario_file), "--target", "file:///etc/passwd"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "give an http:// or https:// address" in refused.stderr


def test_a_bulk_uploads_rows_are_driven_with_their_own_ids_at_the_pace_a_run_submits_them() -> None:
    shipped = load_scenario(ROOT / "scenarios" / "bulk.yaml")
    driven = list(arrivals(shipped))
    simulated = run_scenario(shipped, RunOptions(shards=1))
    assert len(driven) == simulated["invoices"]["created"]  # the load's and the file's
    (job,) = simulated["bulk"]
    rows = [a for a in driven if not a.invoice_id.startswith("SIM-")]
    assert len(rows) == job["accepted"] == 475
    assert rows[0].invoice_id == "INV-B500-0001" and rows[0].amount_minor == 8_419
    assert [a.at_s for a in rows[:3]] == pytest.approx([10.0, 10.01, 10.02])
    assert all(a.pay_at_s == a.at_s for a in rows)  # an uploaded row is paid at once
    assert {a.provider for a in driven} == {None}  # provider: auto, routed as any
    # A file's provider forces its rows', and only its rows', payments there.
    forced = list(arrivals(with_overrides(shipped, {"bulk.0.provider": "circle"})))
    assert {a.provider for a in forced if not a.invoice_id.startswith("SIM-")} == {"circle"}
    assert {a.provider for a in forced if a.invoice_id.startswith("SIM-")} == {None}
    assert [a.at_s for a in driven] == sorted(a.at_s for a in driven)
