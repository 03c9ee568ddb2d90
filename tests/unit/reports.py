"""A small hand-built report.json for the page, chart and summary tests: a 60 s load with
a tempo outage (10-20 s) and a circle rate limit (30-40 s), then a long drain to 600 s."""

from __future__ import annotations

from typing import Any


def bucket(t: float, paid: int, failed: int, share: dict[str, int]) -> dict[str, Any]:
    return {
        "t": t,
        "created": paid + failed,
        "paid": paid,
        "failed": failed,
        "p50_ms": 200.0 if paid else None,
        "p99_ms": 400.0 if paid else None,
        "share": share,
    }


def small_report() -> dict[str, Any]:
    providers = {"tempo": {"attempts": 10, "succeeded": 8, "failed": 2, "timeouts": 0}}
    for name in ("circle", "stripe", "zeta", "acme"):
        providers[name] = {"attempts": 3, "succeeded": 3, "failed": 0, "timeouts": 0}
    history = [
        {
            "at": 30.0,
            "status": "balanced",
            "discrepancy_bp": 0,
            "discrepancy_minor": 0,
            "as_of": 30.0,
            "custodian_minor": 100_00,
            "book_reserve_minor": 100_00,
            "in_transit_minor": 0,
            "minted_minor": 100_00,
        },
        {
            "at": 60.0,
            "status": "warning",
            "discrepancy_bp": 12,
            "discrepancy_minor": 12,
            "as_of": 55.0,
            "custodian_minor": 200_00,
            "book_reserve_minor": 200_12,
            "in_transit_minor": 5_00,
            "minted_minor": 205_00,
        },
    ]
    rows = [bucket(float(t), 5, 0, {"tempo": 5}) for t in range(0, 10)]
    rows += [bucket(float(t), 3, 2, {"circle": 2, "stripe": 1}) for t in range(10, 20)]
    rows += [bucket(float(t), 5, 0, {"tempo": 4, "acme": 1}) for t in range(20, 30)]
    rows += [bucket(float(t), 4, 0, {"tempo": 3, "zeta": 1}) for t in range(30, 60, 2)]
    rows.append({**bucket(300.0, 0, 1, {}), "created": 0})  # an invoice failing in the drain
    return {
        "scenario": "tempo_outage",
        "seed": 7,
        "runtime": "local",
        "shards": 2,
        "digest": "abc123",
        "simulated_s": 600.0,
        "wall_s": 1.989311,
        "started_at": "2026-01-01T00:00:00Z",
        "windows": 100,
        "stopped_by": "no_more_events",
        "clock": {"mode": "virtual", "speed": None, "drift_max_s": None, "drift_mean_s": None},
        "throughput_invoices_per_s": 12_345.6,
        "invoices": {
            "created": 222,
            "paid": 217,
            "expired": 1,
            "failed": 2,
            "underpaid": 1,
            "overpaid": 1,
            "open": 0,
        },
        "double_pays": 0,
        "lost": 0,
        "late_payments": 0,
        "providers": providers,
        "failover": [
            {
                "provider": "tempo",
                "kind": "outage",
                "fault_start_s": 10.0,
                "fault_end_s": 20.0,
                "time_to_detect_s": 0.041,
                "time_to_failover_s": 0.381696,
                "time_to_failback_s": 60.420322,
                "failed_during_fault": 20,
            },
            {
                "provider": "circle",
                "kind": "rate_limit",
                "fault_start_s": 30.0,
                "fault_end_s": 70.0,
                "time_to_detect_s": 1.989311,
                "time_to_failover_s": None,
                "time_to_failback_s": None,
                "failed_during_fault": 0,
            },
        ],
        "faults": [
            {"target": "tempo", "kind": "outage", "start_s": 10.0, "end_s": 20.0},
            {"target": "custodian", "kind": "feed_delay", "start_s": 15.0, "end_s": 25.0},
            {"target": "circle", "kind": "rate_limit", "start_s": 30.0, "end_s": 70.0},
        ],
        "latency_ms": {"p50": 200.0, "p95": 350.4, "p99": 400.0},
        "reserves": {
            "fiat_minor": 505_188_230,
            "in_transit_minor": 500,
            "minted_minor": 505_188_730,
            "fees_minor": 10,
            "review_minor": 0,
            "ratio_bp": 10000,
            "discrepancy_bp": 12,
            "status": "warning",
            "reconciliations": 2,
            "reconciliation_errors": [],
            "alerts": [
                {
                    "at": 60.0,
                    "key": "reserve_drift:USD",
                    "severity": "warning",
                    "message": "reserve drift of 0.12 USD",
                }
            ],
            "currency": "USD",
        },
        "bulk": [],
        "series": {"bucket_s": 1.0, "rows": rows},
        "reserve_history": history,
        "invariants": [
            {"name": "money_conserved", "held": True, "detail": "charged 1"},
            {"name": "nothing_lost", "held": True, "detail": "lost 0 (must be 0)"},
        ],
        "assertions": [
            {
                "name": "no double pays",
                "metric": "double_pays",
                "op": "==",
                "limit": 0.0,
                "value": 0,
                "passed": True,
            },
            {
                "name": "payments succeed",
                "metric": "success_rate",
                "op": ">=",
                "limit": 0.95,
                "value": 0.9823,
                "passed": True,
            },
        ],
    }
