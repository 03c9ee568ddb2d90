"""Scenario assertions: (metric, operator, limit), optionally for one fault,
one provider, or one window of simulated time. A metric that could not be
measured (None) fails its assertion: silence is not success."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from simulation.processes.metrics import merge_hist, percentile
from simulation.scenario import Scenario

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}
FAULT_METRICS = {
    "time_to_detect_s": "time_to_detect_s",
    "time_to_failover_s": "time_to_failover_s",
    "time_to_failback_s": "time_to_failback_s",
    "failed_during_fault": "failed_during_fault",
}
PROVIDER_METRICS = {
    "provider_attempts": "attempts",
    "provider_succeeded": "succeeded",
    "provider_failed": "failed",
    "provider_timeouts": "timeouts",
}


def evaluate_assertions(
    scenario: Scenario, report: dict[str, Any], merged: dict[str, Any]
) -> list[dict[str, Any]]:
    provider_fault_index = {}
    n = 0
    for i, fault in enumerate(scenario.faults):
        if fault.is_provider_fault:
            provider_fault_index[i] = n
            n += 1
    out = []
    for spec in scenario.assertions:
        window = _window(scenario, spec)
        value = _value(spec, report, merged, window, provider_fault_index)
        limit = float(spec.limit)
        passed = value is not None and OPS[spec.op](value, limit)
        out.append(
            {
                "name": spec.name or _describe(spec, window),
                "metric": spec.metric,
                "op": spec.op,
                "limit": limit,
                "value": value,
                "passed": passed,
            }
        )
    return out


def _describe(spec: Any, window: tuple[float, float] | None) -> str:
    parts = [spec.metric]
    if spec.metric in FAULT_METRICS:
        parts.append(f"[fault {spec.fault}]")
    if getattr(spec, "provider", None):
        parts.append(f"[{spec.provider}]")
    if window is not None:
        parts.append(f"[{window[0]:g}s..{window[1]:g}s]")
    return f"{''.join(parts)} {spec.op} {spec.limit:g}"


def _window(scenario: Scenario, spec: Any) -> tuple[float, float] | None:
    if getattr(spec, "window", None) is not None:
        return float(spec.window.start_s), float(spec.window.end_s)
    if getattr(spec, "phase", None) is not None:
        phase = scenario.load[spec.phase]
        return float(phase.start_s), float(phase.start_s + phase.duration_s)
    return None


def _value(
    spec: Any,
    report: dict[str, Any],
    merged: dict[str, Any],
    window: tuple[float, float] | None,
    fault_index: dict[int, int],
) -> float | None:
    metric = spec.metric
    if metric in FAULT_METRICS:
        index = fault_index.get(spec.fault)
        if index is None:
            return None
        value = report["failover"][index][FAULT_METRICS[metric]]
        return None if value is None else float(value)
    if metric in PROVIDER_METRICS:
        counters = report["providers"].get(spec.provider)
        return None if counters is None else float(counters[PROVIDER_METRICS[metric]])
    if (
        window is not None
        or metric in ("success_rate", "provider_share")
        or metric.startswith("latency_")
    ):
        return _from_buckets(spec, merged, window)
    if metric.startswith("invoices_"):
        return float(report["invoices"][metric.removeprefix("invoices_")])
    if metric in ("double_pays", "lost"):
        return float(report[metric])
    if metric in ("alerts_warning", "alerts_breach"):
        severity = metric.removeprefix("alerts_")
        return float(sum(1 for a in report["reserves"]["alerts"] if a["severity"] == severity))
    if metric == "reserve_discrepancy_bp":
        value = report["reserves"]["discrepancy_bp"]
        return None if value is None else float(value)
    raise ValueError(f"unknown metric {metric!r}")


def _from_buckets(
    spec: Any, merged: dict[str, Any], window: tuple[float, float] | None
) -> float | None:
    bucket_s = merged["bucket_s"]
    totals = {"created": 0, "paid": 0, "failed": 0}
    hist: dict[int, int] = {}
    share: dict[str, int] = {}
    for index, bucket in merged["buckets"].items():
        t = index * bucket_s
        if window is not None and not (window[0] <= t < window[1]):
            continue
        for key in totals:
            totals[key] += bucket[key]
        merge_hist(hist, bucket["hist"])
        for name, count in bucket["share"].items():
            share[name] = share.get(name, 0) + count
    metric = spec.metric
    if metric == "success_rate":
        finished = totals["paid"] + totals["failed"]
        return totals["paid"] / finished if finished else None
    if metric.startswith("latency_p"):
        q = float(metric.removeprefix("latency_p").removesuffix("_ms")) / 100.0
        return percentile(hist, q)
    if metric == "provider_share":
        paid = sum(share.values())
        return share.get(spec.provider, 0) / paid if paid else None
    return float(totals[metric.removeprefix("invoices_")])
