"""Simulation against reality: a simulated run and an exercise of the same scenario must
agree (#23). Two ways of running that must give the same answer, figure by figure:

- time to detect and time to fail over, per provider fault: within ``TOLERANCE_S`` or
  ``TOLERANCE_SHARE`` of the larger, whichever allows more (both unmeasured agrees);
- the success rate, paid over paid and failed: within ``SUCCESS_PP`` percentage points;
- double charges: none in either.
"""

from __future__ import annotations

from typing import Any

TOLERANCE_S = 0.5
TOLERANCE_SHARE = 0.25
SUCCESS_PP = 1.0


def success_rate_pct(report: dict[str, Any]) -> float | None:
    invoices = report["invoices"]
    ended = invoices["paid"] + invoices["failed"]
    return None if ended == 0 else 100.0 * invoices["paid"] / ended


def agreement(simulated: dict[str, Any], exercised: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: its name, both values, what difference is allowed, and whether
    they agree."""
    rows = []
    for sim, real in zip(simulated["failover"], exercised["failover"], strict=True):
        what = f"{sim['provider']} {sim.get('kind', 'fault')}"
        for key, label in (("time_to_detect_s", "detect"), ("time_to_failover_s", "fail over")):
            a, b = sim[key], real[key]
            allowed = (
                None if a is None or b is None else max(TOLERANCE_S, TOLERANCE_SHARE * max(a, b))
            )
            agrees = (a is None and b is None) or (allowed is not None and abs(a - b) <= allowed)
            rows.append(_row(f"{what}: time to {label} (s)", a, b, allowed, agrees))
    a, b = success_rate_pct(simulated), success_rate_pct(exercised)
    agrees = a is not None and b is not None and abs(a - b) <= SUCCESS_PP
    rows.append(_row("success rate (%)", a, b, SUCCESS_PP, agrees))
    a, b = simulated["double_pays"], exercised["double_pays"]
    rows.append(_row("double charges", a, b, 0, a == 0 and b == 0))
    return rows


def _row(
    name: str, simulated: float | None, exercised: float | None, allowed: float | None,
    agrees: bool,
) -> dict[str, Any]:  # fmt: skip
    return {
        "figure": name,
        "simulated": simulated,
        "exercised": exercised,
        "allowed": allowed,
        "agrees": agrees,
    }
