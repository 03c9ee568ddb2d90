"""One provider as the reference orchestrator reaches it: the emulator API over HTTP.

``ProviderLink`` turns the orchestrator's questions into requests of the provider API
(docs/emulators.md) and their answers back into what ``actors.orchestrator`` reads:
an ``Outcome`` for a charge, a ``StatusState`` for a status check or a void, a
latency for a health probe. ``None`` means *no answer in time*: the orchestrator
treats it as it treats a timeout in the simulation (a charge whose outcome is
unknown, a check or void that went unanswered). Every request carries the
orchestrator's deadline, converted from simulated to wall seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from actors.provider import Outcome, StatusState
from exercise.client import Answer, Client
from exercise.emulators.clock import PacedClock

# A provider's answer to a charge, by HTTP status, when the body does not say more.
_BY_STATUS = {402: Outcome.DECLINED, 429: Outcome.RATE_LIMITED}
# What a charge's ``status`` says to a status check or a void: anything but charged or
# processing (declined, voided) means nothing is or will be charged with the key.
_STANDS = {"charged": StatusState.CHARGED, "processing": StatusState.PROCESSING}
MAX_CONNECTIONS = 256  # per provider: a bound on the orchestrator's open requests


@dataclass(frozen=True, slots=True)
class ChargeAnswer:
    outcome: Outcome | None  # None: no answer in time (or one that says nothing yet)
    fee_minor: int = 0


class ProviderLink:
    """The HTTP client of one provider, on the orchestrator's paced clock."""

    def __init__(self, name: str, base_url: str, clock: PacedClock) -> None:
        self.name = name
        self.clock = clock
        self._client = Client(base_url, MAX_CONNECTIONS)

    async def charge(self, key: str, body: dict[str, Any], deadline_s: float) -> ChargeAnswer:
        """Create a charge with ``key``; its outcome, or no outcome by ``deadline_s``."""
        headers = {"Idempotency-Key": key}
        response = await self._request("POST", "/charges", deadline_s, json=body, headers=headers)
        if isinstance(response, Outcome) or response is None:
            return ChargeAnswer(response)
        if response.status in (200, 201):
            charge = response.json_object()
            stands = charge.get("status")
            if stands == "charged":
                fee = charge.get("fee_minor")
                return ChargeAnswer(Outcome.SUCCEEDED, fee if isinstance(fee, int) else 0)
            if stands == "declined":
                return ChargeAnswer(Outcome.DECLINED)
            return ChargeAnswer(None)  # processing: the outcome is not known yet
        if response.status == 504:  # a silent provider, given up by the emulator
            return ChargeAnswer(None)
        return ChargeAnswer(_BY_STATUS.get(response.status, Outcome.ERROR))

    async def status(self, key: str, deadline_s: float) -> StatusState | None:
        """What stands for ``key`` at the provider; None: no answer by ``deadline_s``."""
        return self._stands(await self._request("GET", f"/charges/{key}", deadline_s))

    async def void(self, key: str, deadline_s: float) -> StatusState | None:
        """Cancel ``key``'s charge unless it took effect: ``not_found`` (nothing will be
        charged) or ``charged``; None: no answer by ``deadline_s``."""
        return self._stands(await self._request("POST", f"/charges/{key}/void", deadline_s))

    async def probe(self, deadline_s: float) -> float | None:
        """The health probe's latency in simulated ms; None: failed or unanswered."""
        started = time.monotonic()
        response = await self._request("GET", "/health", deadline_s)
        if not isinstance(response, Answer) or response.status != 200:
            return None
        return (time.monotonic() - started) * 1000.0 * self.clock.speed

    async def close(self) -> None:
        await self._client.close()

    def _stands(self, response: Answer | Outcome | None) -> StatusState | None:
        if not isinstance(response, Answer):
            return None
        if response.status == 404:
            return StatusState.NOT_FOUND
        if response.status != 200:
            return None  # down, failing or silent: the orchestrator asks again or waits
        return _STANDS.get(str(response.json_object().get("status")), StatusState.NOT_FOUND)

    async def _request(
        self, method: str, path: str, deadline_s: float, **kwargs: Any
    ) -> Answer | Outcome | None:
        """The answer; ``Outcome.REFUSED`` when the connection is refused (the provider is
        down); None when no answer came by ``deadline_s`` (simulated)."""
        wait_s = (deadline_s - self.clock.now_s()) / self.clock.speed
        if wait_s <= 0:
            return None
        try:
            return await self._client.request(method, path, timeout_s=wait_s, **kwargs)
        except aiohttp.ClientConnectorError:
            return Outcome.REFUSED
        except (aiohttp.ClientError, TimeoutError):
            return None  # no answer (a connection closed mid-way says nothing either)
