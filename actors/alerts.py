"""Alert book: alerts raised by the domain, deduplicated per period.

A condition that persists (a reserve shortfall seen at every reconciliation,
a provider down at every probe) must page once per period, not once per
check. The same key at the same or a lower severity within ``period_s`` of
the last alert raised for it is suppressed; a higher severity (warning ->
breach) is raised at once because it asks for a different response.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from actors.errors import InputError, InvariantViolation

MAX_KEY_LEN = 200
MAX_MESSAGE_LEN = 2_000


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    BREACH = "breach"


_RANK: dict[Severity, int] = {Severity.INFO: 0, Severity.WARNING: 1, Severity.BREACH: 2}


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    at: float
    key: str
    severity: Severity
    message: str


class AlertBook:
    """Raises alerts and remembers, per key, only the last one raised within the period.

    Memory is bounded: entries older than ``period_s`` can no longer
    suppress anything and are dropped; beyond ``max_keys`` live keys the
    oldest is forgotten (at worst it alerts again). Drain ``take_alerts()``
    every window.
    """

    def __init__(self, period_s: float, *, max_keys: int = 10_000, max_pending: int = 10_000):
        if not (math.isfinite(period_s) and period_s >= 0):
            raise InputError(
                f"alert period must be a finite number of seconds >= 0, got {period_s}"
            )
        if max_keys < 1 or max_pending < 1:
            raise InputError("alert book limits max_keys and max_pending must be >= 1")
        self.period_s = period_s
        self.suppressed = 0
        self._max_keys = max_keys
        self._max_pending = max_pending
        # Insertion order is the order of last raise: the oldest entry is always first.
        self._last: dict[str, Alert] = {}
        self._pending: list[Alert] = []
        self._last_now = -math.inf
        self._next_id = 1

    def raise_alert(
        self, now: float, key: str, severity: Severity | str, message: str
    ) -> Alert | None:
        """Record an alert, or return None if one for ``key`` already covers it."""
        level = self._check(now, key, severity, message)
        self._last_now = now
        self._forget_expired(now)
        last = self._last.get(key)
        if last is not None and _RANK[level] <= _RANK[last.severity]:
            self.suppressed += 1
            return None
        if len(self._pending) >= self._max_pending:
            raise InvariantViolation(
                f"{len(self._pending)} alerts not drained; the runtime must call take_alerts()"
            )
        alert = Alert(self._next_id, now, key, level, message)
        self._next_id += 1
        self._last.pop(key, None)
        self._last[key] = alert
        if len(self._last) > self._max_keys:
            del self._last[next(iter(self._last))]
        self._pending.append(alert)
        return alert

    def last(self, key: str) -> Alert | None:
        """The last alert raised for ``key`` if it still suppresses repeats."""
        return self._last.get(key)

    def take_alerts(self) -> list[Alert]:
        """Alerts raised since the last call, for the recorder."""
        taken, self._pending = self._pending, []
        return taken

    @property
    def tracked_keys(self) -> int:
        return len(self._last)

    def _forget_expired(self, now: float) -> None:
        while self._last:
            oldest = next(iter(self._last.values()))
            if now - oldest.at < self.period_s:
                return
            del self._last[oldest.key]

    def _check(self, now: float, key: str, severity: Severity | str, message: str) -> Severity:
        if not math.isfinite(now) or now < self._last_now:
            raise InputError(
                f"alert {key!r} at t={now} is before t={self._last_now}; time must not go back"
            )
        if not key or len(key) > MAX_KEY_LEN:
            raise InputError(f"alert key must be 1 to {MAX_KEY_LEN} characters, got {key!r}")
        if not message or len(message) > MAX_MESSAGE_LEN:
            raise InputError(f"alert {key!r} message must be 1 to {MAX_MESSAGE_LEN} characters")
        try:
            return Severity(severity)
        except ValueError:
            choices = ", ".join(s.value for s in Severity)
            raise InputError(f"unknown severity {severity!r}; use one of {choices}") from None
