"""Provider health over time, as the dashboard samples it: pure functions, no Streamlit.

The API answers provider health *now*; the dashboard polls it every refresh
and keeps the samples (at most ``MAX_SAMPLES`` per session), stamped with the
run's simulated clock. From them come the lines of the health charts and the
fault marks: an interval where a provider was reported down (start and end),
and faults injected from the dashboard (their start and planned end).
"""

from __future__ import annotations

from typing import Any, TypedDict

from ui.dashboard.models import ProviderHealth

MAX_SAMPLES = 3_000  # 1,000 refreshes of three providers: over half an hour at 2 s


class Sample(TypedDict):
    t_s: float
    provider: str
    status: str
    breaker: str | None
    success_pct: float | None
    latency_p99_ms: float | None


class Mark(TypedDict):
    provider: str
    label: str
    start_s: float
    end_s: float | None


def add_samples(
    samples: list[Sample],
    run_id: str | None,
    seen: dict[str, Any],
    t_s: float,
    health: list[ProviderHealth],
) -> list[Sample]:
    """``samples`` plus one per provider at ``t_s``; emptied when the run changed."""
    if seen.get("run_id") != run_id:
        samples = []
        seen["run_id"] = run_id
    if samples and samples[-1]["t_s"] >= t_s:
        return samples  # the clock has not moved: nothing new to plot
    for h in health:
        rate = h["success_rate"]
        samples.append(
            Sample(
                t_s=t_s,
                provider=h["provider"],
                status=h["status"],
                breaker=h["breaker"],
                success_pct=None if rate is None else round(rate * 100, 2),
                latency_p99_ms=h["latency_p99_ms"],
            )
        )
    return samples[-MAX_SAMPLES:]


def down_intervals(samples: list[Sample]) -> list[Mark]:
    """Each stretch a provider was reported down: from the first sample down to the first
    sample up again (``end_s`` None while it is still down)."""
    open_: dict[str, float] = {}
    marks: list[Mark] = []
    for s in samples:
        name = s["provider"]
        if s["status"] == "down" and name not in open_:
            open_[name] = s["t_s"]
        elif s["status"] != "down" and name in open_:
            marks.append(Mark(provider=name, label="down", start_s=open_.pop(name), end_s=s["t_s"]))
    marks.extend(Mark(provider=n, label="down", start_s=t, end_s=None) for n, t in open_.items())
    return sorted(marks, key=lambda mark: mark["start_s"])


def system_health_pct(health: list[ProviderHealth]) -> float | None:
    """Share of providers serving: healthy counts 1, degraded 1/2, down 0; unknown is left out."""
    weights = {"healthy": 1.0, "degraded": 0.5, "down": 0.0}
    known = [weights[h["status"]] for h in health if h["status"] in weights]
    return None if not known else round(100 * sum(known) / len(known), 1)
