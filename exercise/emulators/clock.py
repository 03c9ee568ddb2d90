"""The emulators' paced clock: simulated seconds run at ``speed`` times the wall clock,
counted from the moment the emulators start serving (simulated 0), or a lead later: an
exercise gives its orchestrator and its driver time to start before simulated 0, so
the load's first invoices go out on time (before 0 the clock reads negative)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class PacedClock:
    speed: float  # simulated seconds per wall second
    started: float  # time.monotonic() at simulated 0
    started_at: datetime  # the wall clock (UTC) at simulated 0

    @classmethod
    def start(cls, speed: float, lead_s: float = 0.0) -> PacedClock:
        """Simulated 0 is ``lead_s`` wall seconds from now."""
        if not 0 < speed <= 1_000:
            raise ValueError(f"speed must be within (0, 1000], got {speed}")
        if not 0 <= lead_s <= 60:
            raise ValueError(f"lead_s must be within [0, 60], got {lead_s}")
        return cls(speed, time.monotonic() + lead_s, datetime.now(UTC) + timedelta(seconds=lead_s))

    def now_s(self) -> float:
        """Simulated seconds since the start."""
        return (time.monotonic() - self.started) * self.speed

    def monotonic_at(self, at_s: float) -> float:
        """The ``time.monotonic()`` reading at simulated ``at_s``."""
        return self.started + at_s / self.speed

    def wall_at(self, at_s: float) -> datetime:
        """The wall clock (UTC) at simulated ``at_s``."""
        return self.started_at + timedelta(seconds=at_s / self.speed)

    async def sleep_until(self, at_s: float) -> None:
        """Return at simulated ``at_s`` (at once if it is past), never before: the event
        loop's timers may fire up to a millisecond early (uvloop counts milliseconds),
        and whatever is decided "by ``at_s``" must have happened when this returns."""
        while (delay := self.monotonic_at(at_s) - time.monotonic()) > 0:
            await asyncio.sleep(max(delay, 0.0005))
