"""The scenario's fault timeline over real HTTP: each kind as the simulation means it, on
time on the paced clock."""

from __future__ import annotations

import time

import httpx
import pytest

from actors.keyed import KeyedRandom
from exercise.emulators import MemoryRecords
from tests.exercise.helpers import (
    QUICK,
    charge_body,
    client_of,
    create,
    emulating,
    refused,
    scenario,
    wait_until,
)

LATE = {"Idempotency-Key": "late"}
ONSET_S = 0.05  # a fault starts (and ends) within 50 ms of its time on the paced clock


def first_change(host: str, port: int, refusing: bool, until: float) -> float | None:
    """When (time.monotonic()) connections first are refused (``refusing``) or accepted."""
    while time.monotonic() < until:
        if refused(host, port) == refusing:
            return time.monotonic()
        time.sleep(0.001)
    return None


def test_an_outage_refuses_connections_from_its_onset_and_serves_again_after_it_on_time() -> None:
    # At 4x: the outage runs from simulated 4 s to 6 s, wall 1 s to 1.5 s.
    faults = "faults:\n  - {target: tempo, kind: outage, start_s: 4, duration_s: 2}\n"
    with emulating(scenario(f"providers:\n  tempo: {QUICK}\n" + faults), speed=4) as running:
        tempo = next(e for e in running.endpoints if e.provider == "tempo")
        clock = running.clock
        with httpx.Client(base_url=tempo.url, timeout=5) as client:
            assert client.get("/health").status_code == 200
            wait_until(clock.monotonic_at(4.0) - 0.1)
            assert not refused(tempo.host, tempo.port)
            down_at = first_change(tempo.host, tempo.port, True, clock.monotonic_at(5.0))
            up_at = first_change(tempo.host, tempo.port, False, clock.monotonic_at(7.0))
            assert client.get("/health").status_code == 200
        circle = next(e for e in running.endpoints if e.provider == "circle")
        assert not refused(circle.host, circle.port)  # the other providers serve throughout
    assert down_at is not None and up_at is not None
    assert 0 <= down_at - clock.monotonic_at(4.0) <= ONSET_S
    assert 0 <= up_at - clock.monotonic_at(6.0) <= ONSET_S


def test_flapping_refuses_connections_in_its_down_phases_only() -> None:
    params = "{period_s: 0.4, duty: 0.5}"
    flapping = f"{{target: tempo, kind: flapping, start_s: 0.5, duration_s: 1.2, params: {params}}}"
    with emulating(scenario(f"faults:\n  - {flapping}\n")) as running:
        tempo = next(e for e in running.endpoints if e.provider == "tempo")
        seen = []
        for at_s in (0.3, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.9):  # mid-phase: down, up, down, ...
            wait_until(running.clock.monotonic_at(at_s))
            seen.append(refused(tempo.host, tempo.port))
    assert seen == [False, True, False, True, False, True, False, False]


def test_a_silent_provider_accepts_the_connection_and_never_answers() -> None:
    records = MemoryRecords()
    faults = "faults:\n  - {target: tempo, kind: silent, start_s: 0, duration_s: 1.2}\n"
    with emulating(
        scenario(f"providers:\n  tempo: {QUICK}\n" + faults), records=records
    ) as running:
        with httpx.Client(base_url=running.url("tempo"), timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):  # connected, then nothing: not refused
                create(client, "s")
            waited = time.monotonic() - started
            wait_until(running.clock.monotonic_at(1.3))
            after = create(client, "after")
        time.sleep(0.1)
    assert waited >= 0.5
    assert after.status_code == 201
    silent = [row for row in records.requests if row[0] == "tempo" and row[4] == "s"]
    assert [(row[5], row[6]) for row in silent] == [(None, "silent")]  # status NULL


def test_an_error_rate_fault_answers_5xx_for_the_share_the_keyed_draws_pick() -> None:
    faults = (
        "faults:\n  - {target: tempo, kind: error_rate, start_s: 0, params: {error_rate: 0.5}}\n"
    )
    with client_of(scenario(f"providers:\n  tempo: {QUICK}\n" + faults, seed=5)) as client:
        statuses = {f"e-{n}": create(client, f"e-{n}").status_code for n in range(60)}
    rng = KeyedRandom(5)
    failing = {
        f"e-{n}" for n in range(60) if rng.chance(0.5, "tempo", f"e-{n}#1", stream="fault-error")
    }
    assert {key for key, status in statuses.items() if status == 500} == failing
    assert {key for key, status in statuses.items() if status == 201} == set(statuses) - failing
    assert 10 < len(failing) < 50


def test_a_rate_limit_fault_answers_429_with_retry_after() -> None:
    limit = "{target: tempo, kind: rate_limit, start_s: 0, params: {rate_limit_per_s: 5}}"
    faults = f"faults:\n  - {limit}\n"
    with emulating(scenario(f"providers:\n  tempo: {QUICK}\n" + faults)) as running:
        wait_until(running.clock.monotonic_at(1.0))  # the bucket holds a second: 5 tokens
        with httpx.Client(base_url=running.url("tempo"), timeout=5) as client:
            answers = [create(client, f"r-{n}") for n in range(12)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:5] == [201] * 5
    assert statuses.count(429) >= 6
    limited = next(answer for answer in answers if answer.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["content-type"] == "application/problem+json"


def test_a_latency_fault_answers_late_by_its_extra_latency() -> None:
    faults = (
        "faults:\n  - {target: tempo, kind: latency, start_s: 0, params: {extra_latency_ms: 300}}\n"
    )
    with client_of(scenario(f"providers:\n  tempo: {QUICK}\n" + faults)) as client:
        started = time.monotonic()
        answer = create(client, "slow")
        took_s = time.monotonic() - started
    assert answer.status_code == 201
    assert 0.305 <= took_s < 0.305 + ONSET_S


def test_a_late_success_charges_but_answers_after_the_clients_timeout() -> None:
    tempo = "{latency_base_ms: 20, latency_jitter_ms: 0, timeout_ms: 400}"
    faults = (
        "faults:\n  - {target: tempo, kind: late_success, start_s: 0, params: {late_by_ms: 300}}\n"
    )
    with client_of(scenario(f"providers:\n  tempo: {tempo}\n" + faults)) as client:
        with pytest.raises(httpx.ReadTimeout):
            # The provider's timeout_ms, as a client has it.
            client.post("/charges", json=charge_body("INV-late"), headers=LATE, timeout=0.4)
        status = client.get("/charges/late")
    assert status.status_code == 200
    assert status.json()["status"] == "charged"
