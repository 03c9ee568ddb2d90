"""Sending a scenario's load to an orchestrator's invoice API, on the paced clock.

``drive`` creates every invoice of the scenario's load (``schedule.arrivals``) at its
simulated time and pays those whose payer pays at theirs, over the invoice API of
docs/exercise.md, to the one address it is given and no other. At most
``MAX_IN_FLIGHT`` requests are open at once; a request that would start later than
``LATE_LIMIT_S`` (wall) after its time is still sent, and counted late. After the
load it reads every paid invoice until each has ended (or the scenario's drain
limit passes), and hands back what the target said of each. A payer due to pay after
the drain limit (the scenario's duration plus its drain) does not: a simulated run
has stopped by then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from exercise.client import Answer, Client
from exercise.drive.schedule import Arrival, arrivals
from exercise.emulators.clock import PacedClock
from simulation.scenario import Scenario

MAX_IN_FLIGHT = 256  # requests open at once
LATE_LIMIT_S = 0.05  # a request sent later than this (wall) after its time is counted late
REQUEST_TIMEOUT_S = 30.0  # wall: an invoice API answers a create or a pay at once
READ_EVERY_S = 0.5  # wall: how often open invoices are read after the load
MAX_INVOICES = 2_000_000  # a drive keeps one small record per invoice


class DriveError(Exception):
    """The target refused a request the driver sends right, or cannot be reached."""


class Target:
    """The one address a drive sends to; what it cannot reach is a ``DriveError``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = Client(self.base_url, MAX_IN_FLIGHT, REQUEST_TIMEOUT_S)

    async def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        try:
            return await self._client.request(method, path, **kwargs)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DriveError(
                f"{self.base_url} did not answer {method} {path}: {type(error).__name__}"
            ) from None

    async def close(self) -> None:
        await self._client.close()


def _invoice(answer: Answer) -> dict[str, Any]:
    """The invoice the target answered with; a body that is not JSON is a ``DriveError``."""
    try:
        invoice = answer.json()
    except ValueError:
        raise DriveError(
            f"the target answered {answer.status} with a body that is not JSON: "
            f"{answer.text[:100]!r}"
        ) from None
    return invoice if isinstance(invoice, dict) else {}


def invoice_path(invoice_id: str, tail: str = "") -> str:
    """``/invoices/{id}``, the id percent-encoded (an id may hold ``?``, ``#`` or ``%``)."""
    return f"/invoices/{quote(invoice_id, safe='')}{tail}"


@dataclass(slots=True)
class Sent:
    """One invoice as driven: when it was created and paid, and how it ended there."""

    arrival: Arrival
    created: bool = False
    paid_sent_s: float | None = None  # simulated time the pay request went out
    status: str | None = None  # as the target last said
    provider: str | None = None
    attempts: int = 0
    reason: str | None = None
    # The target's own times (its clock): when it created the invoice, when it ended.
    created_at_s: float | None = None
    ended_at_s: float | None = None

    def ended_s(self) -> float | None:
        """When it ended, on the driver's clock (the target's may start elsewhere)."""
        if self.ended_at_s is None or self.created_at_s is None:
            return None
        return self.arrival.at_s + self.ended_at_s - self.created_at_s

    def latency_s(self) -> float | None:
        """From the pay request to the end, in simulated seconds: the target's time from
        create to end, less the driver's from create to pay (so the two clocks need only
        run at the same speed)."""
        if self.ended_at_s is None or self.created_at_s is None or self.paid_sent_s is None:
            return None
        return max(
            0.0, self.ended_at_s - self.created_at_s - (self.paid_sent_s - self.arrival.at_s)
        )


@dataclass(slots=True)
class DriveResult:
    sent: dict[str, Sent] = field(default_factory=dict)
    late: int = 0  # requests sent later than LATE_LIMIT_S after their time
    refused: list[str] = field(default_factory=list)  # what the target refused, at most 20
    drained: bool = True  # every paid invoice ended before the drain limit

    def count(self, status: str) -> int:
        return sum(1 for s in self.sent.values() if s.status == status)


Progress = Callable[[float, DriveResult], None]  # simulated time, the result so far


async def drive(
    scenario: Scenario,
    target: str,
    clock: PacedClock,
    progress: Progress | None = None,
) -> DriveResult:
    """Drive the scenario's load against ``target`` (a base URL), then wait for it."""
    result = DriveResult()
    client = Target(target)
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()
    end_s = float(scenario.duration_s + scenario.drain_limit_s)  # a simulated run's hard end
    try:
        last_report = 0.0
        for arrival in arrivals(scenario):
            if len(result.sent) >= MAX_INVOICES:
                raise DriveError(f"the load has more than {MAX_INVOICES:,} invoices")
            await clock.sleep_until(arrival.at_s)
            sent = result.sent[arrival.invoice_id] = Sent(arrival)
            await gate.acquire()
            task = asyncio.create_task(_one(client, sent, clock, gate, result, end_s))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if progress is not None and time.monotonic() - last_report > 0.1:
                progress(clock.now_s(), result)
                last_report = time.monotonic()
        if tasks:
            await asyncio.gather(*tasks)
        await _drain(client, result, clock, end_s)
        if progress is not None:
            progress(clock.now_s(), result)
    finally:
        for task in tasks:
            task.cancel()
        await client.close()
    return result


async def _one(
    client: Target,
    sent: Sent,
    clock: PacedClock,
    gate: asyncio.Semaphore,
    result: DriveResult,
    end_s: float,
) -> None:
    """Create the invoice; pay it at its time if its payer pays."""
    arrival = sent.arrival
    try:
        _note_late(clock, arrival.at_s, result)
        body = {
            "invoice_id": arrival.invoice_id,
            "amount_minor": arrival.amount_minor,
            "currency": arrival.currency,
            "method": arrival.method,
        }
        answer = await client.request("POST", "/invoices", json=body)
        if answer.status not in (200, 201):
            _refused(result, arrival.invoice_id, "create", answer)
            return
        sent.created = True
        sent.status = "pending"
        if arrival.pay_at_s is None:
            return
    finally:
        gate.release()
    if arrival.pay_at_s >= end_s:
        return  # past the drain limit: a simulated run stops before this payer pays
    await clock.sleep_until(arrival.pay_at_s)
    async with gate:
        _note_late(clock, arrival.pay_at_s, result)
        sent.paid_sent_s = clock.now_s()
        headers = {"Idempotency-Key": f"pay-{arrival.invoice_id}"}
        path = invoice_path(arrival.invoice_id, "/pay")
        forced = None if arrival.provider is None else {"provider": arrival.provider}
        answer = await client.request("POST", path, headers=headers, json=forced)
        if answer.status not in (200, 202):
            _refused(result, arrival.invoice_id, "pay", answer)
            return
        _read_into(sent, _invoice(answer))


async def _drain(client: Target, result: DriveResult, clock: PacedClock, limit_s: float) -> None:
    """Read the invoices still processing until each has ended or ``limit_s`` passes (then
    once more: what they are at the end)."""
    while True:
        open_ = [s for s in result.sent.values() if s.status == "processing"]
        if not open_:
            return
        last = clock.now_s() >= limit_s
        if not last:
            await asyncio.sleep(READ_EVERY_S)
        for chunk_start in range(0, len(open_), MAX_IN_FLIGHT):
            chunk = open_[chunk_start : chunk_start + MAX_IN_FLIGHT]
            answers = await asyncio.gather(
                *(client.request("GET", invoice_path(s.arrival.invoice_id)) for s in chunk)
            )
            for sent, answer in zip(chunk, answers, strict=True):
                if answer.status == 200:
                    _read_into(sent, _invoice(answer))
        if last:
            result.drained = not any(s.status == "processing" for s in result.sent.values())
            return


def _read_into(sent: Sent, invoice: dict[str, Any]) -> None:
    sent.status = str(invoice.get("status"))
    sent.provider = invoice.get("provider")
    sent.attempts = int(invoice.get("attempts") or 0)
    sent.reason = invoice.get("reason")
    sent.created_at_s = _seconds(invoice.get("created_at_s"))
    sent.ended_at_s = _seconds(invoice.get("ended_at_s"))


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _note_late(clock: PacedClock, at_s: float, result: DriveResult) -> None:
    if (clock.now_s() - at_s) / clock.speed > LATE_LIMIT_S:
        result.late += 1


def _refused(result: DriveResult, invoice_id: str, what: str, answer: Answer) -> None:
    if len(result.refused) < 20:
        detail = answer.text[:300]
        result.refused.append(f"{what} {invoice_id}: {answer.status} {detail}")
