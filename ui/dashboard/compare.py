"""Two run reports side by side, figure by figure, with ``b - a`` where both are numbers.

The API serves each run's report (GET /runs/{id}/report) but no comparison, so
the dashboard lines the two up itself: the headline figures, then each fault's
failover times matched by (provider, start).
"""

from __future__ import annotations

from typing import Any

FIGURES = (
    *((f"invoices {k}", ("invoices", k)) for k in ("created", "paid", "expired", "failed")),
    ("double pays", ("double_pays",)),
    ("lost", ("lost",)),
    *((f"latency {k} (ms)", ("latency_ms", k)) for k in ("p50", "p95", "p99")),
    ("throughput (invoices/s)", ("throughput_invoices_per_s",)),
    ("reserve ratio (bp)", ("reserves", "ratio_bp")),
)
FAULT_FIGURES = ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")


def _at(report: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = report
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _row(name: str, a: Any, b: Any) -> dict[str, Any]:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    delta = round(b - a, 6) if numbers else None
    return {"figure": name, "a": _text(a), "b": _text(b), "b - a": _text(delta)}


def _text(value: Any) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _faults(report: dict[str, Any]) -> dict[tuple[str, float], dict[str, Any]]:
    rows = report.get("failover") or []
    return {(f["provider"], f["fault_start_s"]): f for f in rows if isinstance(f, dict)}


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [_row(name, _at(a, path), _at(b, path)) for name, path in FIGURES]
    faults_a, faults_b = _faults(a), _faults(b)
    for key in [*faults_a, *(k for k in faults_b if k not in faults_a)]:
        provider, start = key
        for field in FAULT_FIGURES:
            rows.append(
                _row(
                    f"{provider} fault at {start:g} s: {field}",
                    faults_a.get(key, {}).get(field),
                    faults_b.get(key, {}).get(field),
                )
            )
    same = a.get("digest") is not None and a.get("digest") == b.get("digest")
    rows.append(
        {
            "figure": "same digest",
            "a": str(a.get("digest", "—"))[:12],
            "b": str(b.get("digest", "—"))[:12],
            "b - a": "yes" if same else "no",
        }
    )
    return rows
