"""Emulators for a small scenario on free ports, on a thread of their own, for one test."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from exercise.emulators import (
    EmulateOptions,
    Emulators,
    MemoryRecords,
    RecordSink,
    RunningEmulators,
    start_in_thread,
)
from simulation.scenario import Scenario, parse_scenario

# A provider as fast as a test wants it: latencies of a few ms, no jitter, no limits.
QUICK = "{latency_base_ms: 5, latency_jitter_ms: 0, connect_ms: 1}"


def scenario(text: str = "", seed: int = 7) -> Scenario:
    """A scenario of 10 simulated minutes with ``text`` (YAML: providers, faults) added."""
    head = f"name: emulated\nseed: {seed}\nduration_s: 600\n"
    return parse_scenario(head + text)


@contextmanager
def emulating(
    emulated: Scenario, speed: float = 1.0, records: RecordSink | None = None
) -> Iterator[RunningEmulators]:
    options = EmulateOptions(speed=speed, host="127.0.0.1", base_port=0)
    running = start_in_thread(Emulators(emulated, options, records or MemoryRecords()))
    try:
        yield running
    finally:
        running.stop()


def charge_body(
    invoice_id: str, amount_minor: int = 1_000, method: str = "card"
) -> dict[str, object]:
    return {
        "invoice_id": invoice_id,
        "amount_minor": amount_minor,
        "currency": "USD",
        "method": method,
    }


def create(
    client: httpx.Client, key: str, invoice_id: str | None = None, **body: object
) -> httpx.Response:
    payload = charge_body(invoice_id or f"INV-{key}") | body
    return client.post("/charges", json=payload, headers={"Idempotency-Key": key})


def refused(host: str, port: int) -> bool:
    """Whether a TCP connection to ``host:port`` is refused now."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return False
    except ConnectionRefusedError:
        return True


def wait_until(deadline: float) -> None:
    """Sleep until ``time.monotonic()`` reads ``deadline``."""
    time.sleep(max(0.0, deadline - time.monotonic()))


@contextmanager
def client_of(
    emulated: Scenario, provider: str = "tempo", records: RecordSink | None = None
) -> Iterator[httpx.Client]:
    """A client of ``provider``'s emulator (all of ``emulated``'s providers served)."""
    with (
        emulating(emulated, records=records) as running,
        httpx.Client(base_url=running.url(provider), timeout=5) as client,
    ):
        yield client
