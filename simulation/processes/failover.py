"""Failover measurements of one orchestrator replica, for every provider fault.

For a fault on provider P from ``start`` to ``end``:

- detected_at: the first time at or after ``start`` this replica stopped routing
  new payments to P (breaker no longer lets calls through, health down, or P
  disabled). The run's time_to_detect_s is the latest replica's.
- failover_at: the first success on another provider, at or after ``start``, of
  an invoice that went to P or was meant for it (its first routing decision chose
  P or skipped P for health or breaker reasons). The run takes the earliest.
- failback_at: the first success on P at or after ``end``. The run takes the earliest.
- failed_during: payments of this replica that failed between start and end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actors.breaker import BreakerState, BreakerTransition
from actors.health import Health, HealthChange
from actors.orchestrator import Orchestrator
from actors.orchestrator_records import PaymentDone
from actors.routing import RoutingDecision

_EXCLUDING = frozenset({BreakerState.OPEN, BreakerState.FORCED_OPEN, BreakerState.DISABLED})


@dataclass(slots=True)
class _Track:
    provider: str
    start: float
    end: float
    detected_at: float | None = None
    failover_at: float | None = None
    failback_at: float | None = None
    failed_during: int = 0
    meant: set[str] = field(default_factory=set)


class FailoverTracker:
    def __init__(self, faults: list[tuple[str, float, float]]) -> None:
        self.tracks = [_Track(p, start, end) for p, start, end in faults]

    def active(self, now: float) -> bool:
        return any(t.start <= now <= t.end for t in self.tracks)

    def at_fault_start(self, now: float, orchestrator: Orchestrator, index: int) -> None:
        track = self.tracks[index]
        if track.detected_at is None and not orchestrator.routes_to(now, track.provider):
            track.detected_at = now  # already out of routing when the fault began

    def on_window(
        self,
        transitions: list[BreakerTransition],
        changes: list[HealthChange],
        decisions: list[RoutingDecision],
    ) -> None:
        """Breaker and health changes and routing decisions drained this window."""
        exclusions = [(t.at, t.provider) for t in transitions if t.to_state in _EXCLUDING]
        exclusions += [(c.at, c.provider) for c in changes if c.to_status is Health.DOWN]
        for track in self.tracks:
            if track.detected_at is None:
                times = [at for at, p in exclusions if p == track.provider and at >= track.start]
                if times:
                    track.detected_at = min(times)
            if not decisions or track.failover_at is not None:
                continue
            for d in decisions:
                if (
                    d.attempt_no == 1
                    and track.start <= d.at <= track.end
                    and _meant_for(d, track.provider)
                ):
                    track.meant.add(d.invoice_id)

    def on_done(self, done: PaymentDone) -> None:
        now = done.at
        for track in self.tracks:
            was_meant = done.invoice_id in track.meant
            if was_meant:
                track.meant.discard(done.invoice_id)
            if done.succeeded:
                if (
                    was_meant
                    and track.failover_at is None
                    and done.provider != track.provider
                    and now >= track.start
                ):
                    track.failover_at = now
                    track.meant.clear()  # read only until the failover is found
                if (
                    track.failback_at is None
                    and done.provider == track.provider
                    and now >= track.end
                ):
                    track.failback_at = now
            elif track.start <= now < track.end:
                track.failed_during += 1

    def to_list(self) -> list[dict[str, Any]]:
        return [
            {
                "provider": t.provider,
                "detected_at": t.detected_at,
                "failover_at": t.failover_at,
                "failback_at": t.failback_at,
                "failed_during": t.failed_during,
            }
            for t in self.tracks
        ]


def _meant_for(decision: RoutingDecision, provider: str) -> bool:
    if decision.chosen == provider:
        return True
    return any(
        name == provider and (reason.startswith("breaker") or reason.startswith("health"))
        for name, reason in decision.skipped
    )


def merge_failover(
    parts: list[list[dict[str, Any]]], faults: list[tuple[str, float, float]]
) -> list[dict[str, Any]]:
    """Combine every replica's view into the run's failover table."""
    out = []
    for i, (provider, start, end) in enumerate(faults):
        rows = [part[i] for part in parts]
        detected = [r["detected_at"] for r in rows]
        failovers = [r["failover_at"] for r in rows if r["failover_at"] is not None]
        failbacks = [r["failback_at"] for r in rows if r["failback_at"] is not None]
        detect_s = None if any(d is None for d in detected) else max(detected) - start
        out.append(
            {
                "provider": provider,
                "fault_start_s": start,
                "fault_end_s": end,
                "time_to_detect_s": _round(detect_s),
                "time_to_failover_s": _round(min(failovers) - start if failovers else None),
                "time_to_failback_s": _round(min(failbacks) - end if failbacks else None),
                "failed_during_fault": sum(r["failed_during"] for r in rows),
            }
        )
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
