"""The reference orchestrator over real HTTP, against the emulators: invoices created,
paid once per key, failed over when Tempo is down or silent, never charged twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from actors.money import fee_minor
from exercise.emulators import MemoryRecords
from exercise.orchestrator.server import Orchestrator, OrchestratorOptions, start_in_thread
from simulation.scenario import Scenario, load_scenario
from tests.exercise.helpers import QUICK, emulating, scenario

INVOICESIM = str(Path(sys.executable).with_name("invoicesim"))
PROVIDERS = f"providers:\n  tempo: {QUICK}\n  circle: {QUICK}\n  stripe: {QUICK}\n"


@contextmanager
def serving(emulated: Scenario, speed: float = 1.0) -> Iterator[tuple[httpx.Client, MemoryRecords]]:
    """The scenario's emulators and the reference orchestrator in front of them."""
    records = MemoryRecords()
    with emulating(emulated, speed=speed, records=records) as running:
        urls = {e.provider: e.url for e in running.endpoints}
        options = OrchestratorOptions(providers=urls, speed=speed, clock=running.clock)
        service = start_in_thread(Orchestrator(emulated, options))
        try:
            with httpx.Client(base_url=service.url, timeout=10) as client:
                yield client, records
        finally:
            service.stop()
        time.sleep(0.1)  # the emulators collect charges that took effect every 50 ms


def invoice(invoice_id: str, amount_minor: int = 2_500) -> dict[str, object]:
    return {"invoice_id": invoice_id, "amount_minor": amount_minor, "currency": "USD",
            "method": "card"}  # fmt: skip


def pay_all(client: httpx.Client, ids: list[str], wait_s: float = 20.0) -> dict[str, dict]:
    for invoice_id in ids:
        assert client.post("/invoices", json=invoice(invoice_id)).status_code == 201
        paid = client.post(
            f"/invoices/{invoice_id}/pay", headers={"Idempotency-Key": f"p-{invoice_id}"}
        )
        assert paid.status_code == 202, paid.text
    deadline = time.monotonic() + wait_s
    while True:
        ended = {i: client.get(f"/invoices/{i}").json() for i in ids}
        if all(e["status"] in ("paid", "failed") for e in ended.values()):
            return ended
        assert time.monotonic() < deadline, {i: e["status"] for i, e in ended.items()}
        time.sleep(0.05)


def charged(records: MemoryRecords) -> Counter[str]:
    """Charges that took effect, by invoice, over every provider."""
    return Counter(row[3] for row in records.charge_rows if row[8] == "charged")


def test_invoices_are_paid_by_the_first_provider_once_whatever_the_repeats() -> None:
    with serving(scenario(PROVIDERS)) as (client, records):
        ended = pay_all(client, [f"INV-{n}" for n in range(10)])
        again = client.post("/invoices/INV-0/pay", headers={"Idempotency-Key": "p-INV-0"})
        other_key = client.post("/invoices/INV-0/pay", headers={"Idempotency-Key": "another"})
        other_values = client.post("/invoices", json=invoice("INV-0", amount_minor=1))
        same_values = client.post("/invoices", json=invoice("INV-0"))
        missing = client.get("/invoices/NOPE")
        bad = client.post("/invoices", json=invoice("INV-x") | {"amount_minor": "12"})
    assert {e["status"] for e in ended.values()} == {"paid"}
    assert {e["provider"] for e in ended.values()} == {"tempo"}
    tempo = next(c for c in scenario(PROVIDERS).provider_configs() if c.name == "tempo")
    assert ended["INV-0"]["fee_minor"] == fee_minor(2_500, tempo.fee_bp, tempo.fee_fixed_minor)
    assert again.status_code == 200 and again.json()["status"] == "paid"
    assert other_key.status_code == 409 and "never paid twice" in other_key.json()["detail"]
    assert other_values.status_code == 409 and same_values.status_code == 200
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.amount_minor"]
    assert charged(records) == Counter({f"INV-{n}": 1 for n in range(10)})


def test_with_tempo_down_every_invoice_fails_over_and_is_charged_once() -> None:
    fault = "faults:\n  - {target: tempo, kind: outage, start_s: 0, duration_s: 600}\n"
    with serving(scenario(PROVIDERS + fault)) as (client, records):
        ended = pay_all(client, [f"DOWN-{n}" for n in range(10)])
    assert {e["status"] for e in ended.values()} == {"paid"}
    assert {e["provider"] for e in ended.values()} == {"circle"}  # the next by priority
    assert charged(records) == Counter({f"DOWN-{n}": 1 for n in range(10)})


def test_a_pay_request_naming_a_provider_is_charged_there_only() -> None:
    """A bulk file's `provider:` over the invoice API: every attempt at that provider,
    Tempo's first place notwithstanding; a provider the orchestrator lacks is refused
    before anything starts, naming it."""
    with serving(scenario(PROVIDERS)) as (client, records):
        client.post("/invoices", json=invoice("FORCED-1"))
        client.post("/invoices", json=invoice("FORCED-2"))
        forced = client.post(
            "/invoices/FORCED-1/pay",
            headers={"Idempotency-Key": "k-forced-1"},
            json={"provider": "stripe"},
        )
        unknown = client.post(
            "/invoices/FORCED-2/pay",
            headers={"Idempotency-Key": "k-forced-2"},
            json={"provider": "paypal"},
        )
        malformed = client.post(
            "/invoices/FORCED-2/pay",
            headers={"Idempotency-Key": "k-forced-2"},
            json={"provider": "Not A Name"},
        )
        deadline = time.monotonic() + 20
        while (got := client.get("/invoices/FORCED-1").json())["status"] == "processing":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        still = client.get("/invoices/FORCED-2").json()
    assert forced.status_code == 202
    assert (got["status"], got["provider"]) == ("paid", "stripe")
    assert unknown.status_code == 422 and "'paypal' is not one of" in unknown.json()["detail"]
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["body.provider"]
    assert still["status"] == "pending"  # refused before a payment started
    assert charged(records) == Counter({"FORCED-1": 1})
    assert {row[0] for row in records.charge_rows} == {"stripe"}


@pytest.mark.parametrize("silent_s", [10, 600])
def test_with_tempo_silent_a_payment_is_failed_over_only_once_tempo_says_nothing_was_charged(
    silent_s: int,
) -> None:
    # Tempo accepts and never answers: each attempt times out, its status checks and its
    # void go unanswered, and the payment is in doubt: failing over could charge twice.
    # It asks Tempo again every 5 s; once Tempo answers (silent for 10 s) that nothing was
    # charged, it fails over to Circle. If Tempo never answers (600 s), the payment is
    # held for review after 30 s (half of drain_s). Three failed probes 30 s apart mark
    # Tempo down, so every invoice of the first seconds goes to Tempo first. 10 times the
    # wall clock here.
    fault = f"faults:\n  - {{target: tempo, kind: silent, start_s: 0, duration_s: {silent_s}}}\n"
    routing = "routing: {health_interval_s: 30, health: {down_after: 3}}\ndrain_s: 60\n"
    ids = [f"MUTE-{n}" for n in range(5)]
    with serving(scenario(PROVIDERS + fault + routing), speed=10.0) as (client, records):
        ended = pay_all(client, ids, wait_s=30.0)
    outcomes = {(e["status"], e["provider"], e["attempts"]) for e in ended.values()}
    if silent_s == 10:
        assert outcomes == {("paid", "circle", 2)}
        assert all(e["ended_at_s"] >= 10 for e in ended.values())  # once Tempo answered
        assert charged(records) == Counter(dict.fromkeys(ids, 1))
    else:
        assert outcomes == {("failed", "tempo", 1)}
        assert all("held for review" in e["reason"] for e in ended.values())
        assert charged(records) == Counter()


def test_the_serve_command_pays_through_the_addresses_it_is_given_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    # Emulators on free ports, the command pointed at them with --provider; Tempo down.
    fault = "faults:\n  - {target: tempo, kind: outage, start_s: 0, duration_s: 600}\n"
    scenario_file = tmp_path / "served.yaml"
    scenario_file.write_text(f"name: served\nduration_s: 600\n{PROVIDERS}{fault}")
    emulated = load_scenario(scenario_file)
    with emulating(emulated) as running:
        given = [f"--provider={e.provider}={e.url}" for e in running.endpoints]
        command = [INVOICESIM, "orchestrator", "serve", str(scenario_file), "--port", "0", *given]
        env = os.environ | {"COLUMNS": "200"}
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert process.stderr is not None
            banner = ""
            while "Ctrl-C stops" not in banner:
                line = process.stderr.readline()
                assert line, f"the command ended: {banner}"
                banner += line
            found = re.search(r"at (http://127\.0\.0\.1:\d+) ", banner)
            assert found is not None, banner
            with httpx.Client(base_url=found.group(1), timeout=10) as client:
                ended = pay_all(client, ["CLI-1", "CLI-2"])
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
            said = process.stderr.read()
        finally:
            process.kill()
    assert {(e["status"], e["provider"]) for e in ended.values()} == {("paid", "circle")}
    assert "Stopped: 2 invoices, 2 paid." in said


def test_the_serve_command_refuses_a_provider_it_does_not_know(tmp_path: Path) -> None:
    scenario_file = tmp_path / "served.yaml"
    scenario_file.write_text("name: served\nduration_s: 60\n")
    command = [
        INVOICESIM,
        "orchestrator",
        "serve",
        str(scenario_file),
        "--provider",
        "paypal=http://x",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert (
        "--provider 'paypal=http://x': write NAME=URL with NAME one of tempo, circle, stripe"
        in " ".join(done.stderr.split())
    )
