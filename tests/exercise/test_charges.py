"""The charge API over real HTTP: create, status, void, and a repeated key."""

from __future__ import annotations

import threading
import time

import httpx

from exercise.emulators import MemoryRecords
from tests.exercise.helpers import QUICK, charge_body, client_of, create, emulating, scenario


def test_a_charge_is_created_found_by_its_key_and_stays_charged_when_voided_too_late() -> None:
    with client_of(scenario(f"providers:\n  tempo: {QUICK}\n")) as client:
        created = create(client, "k-1", amount_minor=12_345)
        found = client.get("/charges/k-1")
        voided = client.post("/charges/k-1/void")
        unknown = client.get("/charges/never-used")
    assert created.status_code == 201
    charge = created.json()
    assert charge["status"] == "charged"
    assert (charge["key"], charge["invoice_id"], charge["amount_minor"]) == (
        "k-1",
        "INV-k-1",
        12_345,
    )
    assert charge["fee_minor"] == 12  # tempo's 10 bp of 123.45 USD
    assert found.status_code == 200 and found.json() == charge | {"attempts": 1}
    assert voided.status_code == 200 and voided.json()["status"] == "charged"
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


def test_repeating_a_create_with_the_same_key_returns_the_same_charge_and_charges_once() -> None:
    records = MemoryRecords()
    with client_of(scenario(f"providers:\n  tempo: {QUICK}\n"), records=records) as client:
        first = create(client, "same")
        again = create(client, "same")
        time.sleep(0.1)  # the charge's record is collected within 50 ms
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() | {"attempts": 2}
    charged = [row for row in records.charge_rows if row[8] == "charged"]
    assert [(row[0], row[1], row[3]) for row in charged] == [("tempo", "same", "INV-same")]


def test_a_key_used_again_with_another_amount_is_refused_naming_what_differs() -> None:
    with client_of(scenario(f"providers:\n  tempo: {QUICK}\n")) as client:
        create(client, "k")
        other = create(client, "k", amount_minor=999)
    assert other.status_code == 409
    assert "amount_minor" in other.json()["detail"]


def test_a_charge_voided_before_it_takes_effect_is_never_charged() -> None:
    records = MemoryRecords()
    slow = "{latency_base_ms: 400, latency_jitter_ms: 0}"
    with emulating(scenario(f"providers:\n  tempo: {slow}\n"), records=records) as running:
        url = running.url("tempo")
        answers: dict[str, httpx.Response] = {}

        def create_in_background() -> None:
            with httpx.Client(base_url=url, timeout=5) as client:
                answers["create"] = create(client, "v")

        creating = threading.Thread(target=create_in_background)
        creating.start()
        time.sleep(0.15)  # the create is being processed: 400 ms
        with httpx.Client(base_url=url, timeout=5) as client:
            voided = client.post("/charges/v/void")
            creating.join()
            found = client.get("/charges/v")
        time.sleep(0.1)
    assert voided.status_code == 200 and voided.json()["status"] == "voided"
    assert answers["create"].json()["status"] == "voided"
    assert found.json()["status"] == "voided"
    assert [(row[1], row[8]) for row in records.charge_rows] == [("v", "voided")]


def test_a_method_the_provider_does_not_take_is_refused_naming_the_method() -> None:
    with client_of(scenario(), "stripe") as client:
        body = charge_body("INV-1", method="crypto")
        answer = client.post("/charges", json=body, headers={"Idempotency-Key": "c"})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("method: stripe does not take crypto")


def test_stopping_answers_what_is_due_within_the_grace_and_cuts_later_answers_with_503() -> None:
    records = MemoryRecords()
    providers = "providers:\n  tempo: {latency_base_ms: 5000, latency_jitter_ms: 0}\n"
    providers += "  circle: {latency_base_ms: 1000, latency_jitter_ms: 0}\n"
    answers: dict[str, httpx.Response] = {}
    with emulating(scenario(providers), records=records) as running:

        def create_at(provider: str) -> None:
            with httpx.Client(base_url=running.url(provider), timeout=10) as client:
                answers[provider] = create(client, f"stop-{provider}")

        clients = [threading.Thread(target=create_at, args=(p,)) for p in ("tempo", "circle")]
        for client in clients:
            client.start()
        time.sleep(0.3)
        started = time.monotonic()
    stopped_s = time.monotonic() - started  # leaving ``emulating`` stops the emulators
    for client in clients:
        client.join()
    assert answers["tempo"].status_code == 503  # due in 4.7 s: cut
    assert answers["tempo"].json()["type"] == "urn:invoicesim:problem:stopping"
    assert answers["circle"].status_code == 201  # due in 0.7 s, within the 2 s grace
    assert stopped_s < 2.0
    statuses = {row[0]: row[5] for row in records.requests}
    assert statuses == {"tempo": 503, "circle": 201}


def test_a_charge_answered_201_has_always_taken_effect_by_its_answer() -> None:
    # The answer waits for the charge's effect to the last bit: an event loop's timer may
    # fire up to a millisecond early, and simulated time is wall time scaled.
    tempo = "{latency_base_ms: 7, latency_jitter_ms: 3}"
    with (
        emulating(scenario(f"providers:\n  tempo: {tempo}\n"), speed=4) as running,
        httpx.Client(base_url=running.url("tempo"), timeout=5) as client,
    ):
        statuses = {create(client, f"e-{n}").json()["status"] for n in range(200)}
    assert statuses == {"charged"}
