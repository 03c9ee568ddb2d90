"""An exercise's report: a simulated run's figures, computed from what the providers saw.

The emulators record every request and every charge that ended (``exercise.emulators
.records``); the driver knows which invoices it created and paid, and what the
orchestrator said of each. ``exercise_report`` turns these into a report of the
simulated run's shape (``simulation.report.build``), so the same assertions, verdict
and report page apply. A provider's side sees no refused connection, so a charge
attempt refused by a provider that is down is not counted at that provider.

For a fault on provider P from ``start`` to ``end``, as the providers saw it:

- **detected**: the first invoice after ``start`` whose first charge request went to
  another provider (the orchestrator routes new payments past P). Measurable only when
  P took the first requests before the fault (it was the first choice).
- **failed over**: the first charge at another provider that took effect at or after
  ``start``.
- **failed back**: the first charge at P that took effect at or after ``end``.
- **failed during**: invoices the orchestrator reported failed whose payment was
  asked between ``start`` and ``end``.

A **double charge** is an invoice charged more than once, at one provider or at
several. An invoice is **lost** when the orchestrator says it is paid and no
provider charged it, or a provider charged it and the orchestrator says it failed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from exercise.drive.driver import DriveResult
from simulation.processes.metrics import latency_bin, percentile
from simulation.report.assertions import evaluate_assertions
from simulation.report.build import fault_of, series_of
from simulation.scenario import Scenario

BUCKET_S = 1.0
Row = tuple[Any, ...]
# Columns of the emulators' rows (``records.request_values``, ``records.charge_values``).
REQ_PROVIDER, REQ_METHOD, REQ_PATH, REQ_KEY, REQ_STATUS, REQ_AT = 0, 2, 3, 4, 5, 7
CH_PROVIDER, CH_INVOICE, CH_OUTCOME, CH_ENDED = 0, 3, 8, 10


@dataclass(frozen=True, slots=True, kw_only=True)
class ExerciseFacts:
    target: str  # the orchestrator's address
    reference: bool  # whether it was the reference orchestrator, started here
    speed: float
    started: float  # time.time() at the start
    wall_s: float


def exercise_report(
    scenario: Scenario,
    drive: DriveResult,
    requests: list[Row],
    charges: list[Row],
    facts: ExerciseFacts,
) -> dict[str, Any]:
    charged = [c for c in charges if c[CH_OUTCOME] == "charged"]
    by_invoice = Counter(c[CH_INVOICE] for c in charged)
    sent = drive.sent
    statuses = Counter(s.status for s in sent.values())
    lost = sum(
        1
        for invoice_id, s in sent.items()
        if (s.status == "paid" and by_invoice[invoice_id] == 0)
        or (s.status == "failed" and by_invoice[invoice_id] > 0)
    )
    merged = _buckets(drive)
    provider_faults = [f for f in scenario.faults if f.is_provider_fault]
    failover = [
        _failover(str(f.target), float(f.start_s), float(f.end_s), requests, charged, drive)
        | {"kind": str(f.kind)}
        for f in provider_faults
    ]
    end_s = max([float(scenario.duration_s), *(r[REQ_AT] for r in requests)])
    report: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "runtime": "exercise",
        "target": facts.target,
        "orchestrator": "reference" if facts.reference else "under test",
        "shards": 1,
        "simulated_s": round(end_s, 6),
        "wall_s": round(facts.wall_s, 3),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(facts.started)),
        "recoveries": [],
        "stopped_by": "load sent, every paid invoice ended"
        if drive.drained
        else "drain limit reached",
        "clock": {"mode": "paced", "speed": facts.speed},
        "throughput_invoices_per_s": round(
            (statuses["paid"] + statuses["failed"]) / max(facts.wall_s, 1e-9), 1
        ),
        "requests_late": drive.late,
        "invoices": {
            "created": sum(1 for s in sent.values() if s.created),
            "paid": statuses["paid"],
            "failed": statuses["failed"],
            "unpaid": statuses["pending"],  # their payers never paid through a provider
            "open": statuses["processing"],
        },
        "double_pays": sum(1 for n in by_invoice.values() if n > 1),
        "lost": lost,
        "providers": _providers(scenario, requests, charged),
        "failover": failover,
        "faults": [fault_of(f, end_s) for f in scenario.faults],
        "latency_ms": {
            "p50": percentile(merged["hist"], 0.50),
            "p95": percentile(merged["hist"], 0.95),
            "p99": percentile(merged["hist"], 0.99),
        },
        "reserves": {"alerts": [], "discrepancy_bp": None},  # not the providers' to see
        "bulk": [],
        "series": series_of(merged),
        "reserve_history": [],
        "refused": drive.refused,
    }
    report["invariants"] = [
        {
            "name": "no_double_charges",
            "held": report["double_pays"] == 0,
            "detail": f"{report['double_pays']} invoices charged more than once",
        },
        {
            "name": "nothing_lost",
            "held": lost == 0,
            "detail": f"{lost} invoices paid without a charge, or charged and failed",
        },
        {
            "name": "every_request_taken",
            "held": not drive.refused,
            "detail": f"{len(drive.refused)} requests refused by the orchestrator",
        },
    ]
    report["assertions"] = evaluate_assertions(scenario, report, merged)
    return report


def _providers(
    scenario: Scenario, requests: list[Row], charged: list[Row]
) -> dict[str, dict[str, int]]:
    zero = {"attempts": 0, "succeeded": 0, "failed": 0, "timeouts": 0}
    out = {c.name: dict(zero) for c in scenario.provider_configs()}
    for row in requests:
        counters = out.get(row[REQ_PROVIDER])
        if counters is None or row[REQ_METHOD] != "POST" or row[REQ_PATH] != "/charges":
            continue
        counters["attempts"] += 1
        status = row[REQ_STATUS]
        if status is None:
            counters["timeouts"] += 1
        elif status >= 400 and status != 402:  # a decline is an answer, not a failure
            counters["failed"] += 1
    for row in charged:
        if row[CH_PROVIDER] in out:
            out[row[CH_PROVIDER]]["succeeded"] += 1
    return out


def _failover(
    provider: str,
    start: float,
    end: float,
    requests: list[Row],
    charged: list[Row],
    drive: DriveResult,
) -> dict[str, Any]:
    first: dict[str, tuple[float, str]] = {}  # charge key -> (time, provider) of its first
    for row in requests:
        if row[REQ_METHOD] == "POST" and row[REQ_PATH] == "/charges" and row[REQ_KEY]:
            known = first.get(row[REQ_KEY])
            if known is None or row[REQ_AT] < known[0]:
                first[row[REQ_KEY]] = (row[REQ_AT], row[REQ_PROVIDER])
    firsts = sorted(first.values())
    was_first = any(p == provider for at, p in firsts if at < start)
    detected = next((at for at, p in firsts if at >= start and p != provider), None)
    failover = min(
        (c[CH_ENDED] for c in charged if c[CH_PROVIDER] != provider and c[CH_ENDED] >= start),
        default=None,
    )
    failback = min(
        (c[CH_ENDED] for c in charged if c[CH_PROVIDER] == provider and c[CH_ENDED] >= end),
        default=None,
    )
    failed_during = sum(
        1
        for s in drive.sent.values()
        if s.status == "failed" and s.paid_sent_s is not None and start <= s.paid_sent_s <= end
    )

    def since(at: float | None, origin: float) -> float | None:
        return None if at is None else round(at - origin, 6)

    return {
        "provider": provider,
        "fault_start_s": start,
        "fault_end_s": end,
        "time_to_detect_s": since(detected, start) if was_first else None,
        "time_to_failover_s": since(failover, start),
        "time_to_failback_s": since(failback, end),
        "failed_during_fault": failed_during,
    }


def _buckets(drive: DriveResult) -> dict[str, Any]:
    """Per second: invoices created, paid and failed (by when they ended), payment
    latency and who charged, from what the orchestrator said."""
    buckets: dict[int, dict[str, Any]] = {}
    hist: dict[int, int] = {}

    def bucket(at_s: float) -> dict[str, Any]:
        return buckets.setdefault(
            int(at_s // BUCKET_S),
            {"created": 0, "paid": 0, "failed": 0, "hist": {}, "share": {}},
        )

    for s in drive.sent.values():
        if s.created:
            bucket(s.arrival.at_s)["created"] += 1
        ended_s = s.ended_s()
        if s.status not in ("paid", "failed") or ended_s is None:
            continue
        ended = bucket(ended_s)
        ended[s.status] += 1
        latency_s = s.latency_s()
        if s.status == "paid" and latency_s is not None:
            b = latency_bin(latency_s * 1000.0)
            ended["hist"][b] = ended["hist"].get(b, 0) + 1
            hist[b] = hist.get(b, 0) + 1
            if s.provider is not None:
                ended["share"][s.provider] = ended["share"].get(s.provider, 0) + 1
    return {"bucket_s": BUCKET_S, "buckets": buckets, "hist": hist}
