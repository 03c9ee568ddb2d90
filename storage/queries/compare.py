"""Two runs side by side: each figure of their reports, and ``b - a`` where both are numbers."""

from __future__ import annotations

from typing import Any

from storage.queries.common import Source
from storage.queries.runs import get_run
from storage.queries.shapes import ComparedFigure, Comparison, Value

_FIGURES = (
    *(
        (f"invoices.{k}", ("invoices", k))
        for k in ("created", "paid", "expired", "failed", "underpaid", "overpaid", "open")
    ),
    ("double_pays", ("double_pays",)),
    ("lost", ("lost",)),
    *((f"latency_ms.{k}", ("latency_ms", k)) for k in ("p50", "p95", "p99")),
    ("throughput_invoices_per_s", ("throughput_invoices_per_s",)),
)
_FAULT_FIGURES = ("time_to_detect_s", "time_to_failover_s", "time_to_failback_s")


def compare_runs(db: Source, run_a: str, run_b: str) -> Comparison:
    """Each figure of two runs side by side, ``b - a`` where both are numbers. Faults are
    matched by (provider, kind, start), assertions and invariants by name."""
    a, b = get_run(db, run_a), get_run(db, run_b)
    report_a, report_b = a["summary"] or {}, b["summary"] or {}
    figures = [_figure(name, _at(report_a, path), _at(report_b, path)) for name, path in _FIGURES]
    faults_a, faults_b = _faults(report_a), _faults(report_b)
    for key in [*faults_a, *(k for k in faults_b if k not in faults_a)]:
        provider, kind, start = key
        for field in _FAULT_FIGURES:
            figures.append(
                _figure(
                    f"failover {provider} {kind} at {start:g} s: {field}",
                    faults_a.get(key, {}).get(field),
                    faults_b.get(key, {}).get(field),
                )
            )
    for section, label, flag in (("assertions", "assertion", "passed"),
                                 ("invariants", "invariant", "held")):  # fmt: skip
        checks_a = _checks(report_a, section, flag)
        checks_b = _checks(report_b, section, flag)
        for name in [*checks_a, *(n for n in checks_b if n not in checks_a)]:
            figures.append(_figure(f"{label} {name}", checks_a.get(name), checks_b.get(name)))
    digest_a = a["digest"] or report_a.get("digest")
    digest_b = b["digest"] or report_b.get("digest")
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        digest_a=digest_a,
        digest_b=digest_b,
        digests_equal=digest_a is not None and digest_a == digest_b,
        figures=figures,
    )


def _at(report: dict[str, Any], path: tuple[str, ...]) -> Value:
    value: Any = report
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int | float | str | bool) else None


def _number(value: Value) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _figure(name: str, a: Value, b: Value) -> ComparedFigure:
    x, y = _number(a), _number(b)
    difference = None if x is None or y is None else y - x
    if isinstance(difference, float):
        difference = round(difference, 6)
    return ComparedFigure(figure=name, a=a, b=b, difference=difference)


def _faults(report: dict[str, Any]) -> dict[tuple[str, str, float], dict[str, Any]]:
    return {
        (str(f.get("provider")), str(f.get("kind")), float(f.get("fault_start_s") or 0.0)): f
        for f in report.get("failover") or []
        if isinstance(f, dict)
    }


def _checks(report: dict[str, Any], section: str, flag: str) -> dict[str, bool]:
    return {
        str(c.get("name")): bool(c.get(flag))
        for c in report.get(section) or []
        if isinstance(c, dict)
    }
