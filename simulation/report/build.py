"""The run report: what report.json holds, built from the LPs' summaries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from simulation.processes.bulk_progress import BulkBoard
from simulation.processes.failover import merge_failover
from simulation.processes.layout import Layout
from simulation.processes.metrics import ENDED_STATES, merge_shards, percentile
from simulation.report.assertions import evaluate_assertions
from simulation.runtime.coordinator import WindowStats
from simulation.scenario import FaultSpec, Scenario


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFacts:
    """What the report says of the run itself, besides what its LPs summarised."""

    runtime: str
    speed: float | None  # None: virtual time
    started: float  # wall time (time.time()) the run started at
    bulk: BulkBoard  # every bulk job of the run, each with its final state


def build_report(
    scenario: Scenario, layout: Layout, stats: WindowStats, facts: RunFacts
) -> dict[str, Any]:
    summaries = {s["name"]: s for s in stats.summaries}
    shard_summaries = [summaries[f"shard-{i}"] for i in range(len(layout.shards))]
    reserve = summaries["reserve"]
    merged = merge_shards([s["metrics"] for s in shard_summaries])
    invoices = merged["invoices"]
    extra = merged["extra"]
    open_invoices = sum(s["open_invoices"] for s in shard_summaries)
    live_wallets = sum(s["live_wallets"] for s in shard_summaries)
    provider_faults = [f for f in scenario.faults if f.is_provider_fault]
    faults = [(f.target, float(f.start_s), float(f.end_s)) for f in provider_faults]
    failover = merge_failover([s["failover"] for s in shard_summaries], faults)
    for row, fault in zip(failover, provider_faults, strict=True):
        row["kind"] = str(fault.kind)
    done = sum(invoices.get(state, 0) for state in ENDED_STATES)
    wall_s = max(stats.wall_s, 1e-9)
    last = reserve["last_reconciliation"] or {}
    alerts = reserve["alerts"]
    report: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "runtime": facts.runtime,
        "shards": len(layout.shards),
        "digest": stats.digest(),
        "simulated_s": round(stats.sim_end_s, 6),
        "wall_s": round(stats.wall_s, 3),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(facts.started)),
        "windows": stats.windows,
        # Logical processes lost and recovered (LP, window, windows replayed, cause).
        "recoveries": stats.checkpoints.get("recoveries", []),
        "checkpoints": {k: v for k, v in stats.checkpoints.items() if k != "recoveries"},
        "stopped_by": stats.stopped_by,
        "clock": {
            "mode": "paced" if facts.speed is not None else "virtual",
            "speed": facts.speed,
            "drift_max_s": round(stats.drift_max_s, 6) if facts.speed is not None else None,
            "drift_mean_s": round(stats.drift_mean_s, 6) if facts.speed is not None else None,
        },
        "throughput_invoices_per_s": round(done / wall_s, 1),
        "invoices": {
            "created": invoices["created"],
            "paid": invoices["paid"],
            "expired": invoices["expired"],
            "failed": invoices["failed"],
            # Sent the wrong amount straight to the wallet: held for review (an overpaid
            # invoice's amount is applied, its extra held).
            "underpaid": invoices["underpaid"],
            "overpaid": invoices["overpaid"],
            "open": open_invoices,
        },
        "double_pays": extra["double_pays"],
        "lost": extra["lost"],
        "late_payments": extra["late_payments"],
        "providers": merged["providers"],
        "failover": failover,
        # Every fault of the scenario (provider, custodian, actor crash), for the report's
        # charts; end_s is None for one that happens at an instant (actor_crash).
        "faults": [fault_of(f, stats.sim_end_s) for f in scenario.faults],
        "latency_ms": {
            "p50": percentile(merged["hist"], 0.50),
            "p95": percentile(merged["hist"], 0.95),
            "p99": percentile(merged["hist"], 0.99),
        },
        "reserves": {
            "fiat_minor": reserve["balances"]["custodian_reserve"],
            "in_transit_minor": reserve["balances"]["fiat_in_transit"],
            "minted_minor": reserve["balances"]["tokens_minted"],
            "fees_minor": reserve["balances"]["provider_fees"],
            "review_minor": reserve["balances"]["review_hold"],
            "ratio_bp": reserve["ratio_bp"],
            "discrepancy_bp": last.get("discrepancy_bp"),
            "status": last.get("status"),
            "reconciliations": len(reserve["history"]),
            "reconciliation_errors": reserve["failures"],
            "alerts": alerts,
            "currency": reserve.get("currency", "USD"),
        },
        "bulk": [
            {**job.summary(), **facts.bulk.summary(job.job)}
            for job in sorted(facts.bulk.jobs.values(), key=lambda j: j.job)
        ],
        "series": series_of(merged),
        "reserve_history": reserve["history"],
    }
    placement = {s["name"]: s["node_id"] for s in stats.summaries if "node_id" in s}
    if placement:
        report["placement"] = placement  # which Ray node hosted each logical process
    report["invariants"] = _invariants(report, summaries, merged, reserve, live_wallets)
    report["assertions"] = evaluate_assertions(scenario, report, merged)
    return report


def fault_of(fault: FaultSpec, run_end_s: float) -> dict[str, Any]:
    end = None if fault.is_actor_crash else min(float(fault.end_s), run_end_s)
    return {
        "target": fault.target,
        "kind": str(fault.kind),
        "start_s": float(fault.start_s),
        "end_s": end,
    }


def _invariants(
    report: dict[str, Any],
    summaries: dict[str, Any],
    merged: dict[str, Any],
    reserve: dict[str, Any],
    live_wallets: int,
) -> list[dict[str, Any]]:
    extra = merged["extra"]
    charged = sum(
        s["counts"]["charged_minor"]
        for s in summaries.values()
        if "counts" in s and "charged_minor" in s["counts"]
    )
    balances = reserve["balances"]
    booked = balances["tokens_minted"] + balances["provider_fees"]
    created = report["invoices"]["created"]
    # Providers charged what was paid through them; the reserve booked that and what was
    # applied from money sent straight to wallets; it holds what the shards held.
    paid, direct = extra["paid_minor"], extra["direct_paid_minor"]
    money = (
        charged == paid
        and booked == paid + direct
        and balances["review_hold"] == extra["review_minor"]
    )
    return [
        {
            "name": "money_conserved",
            "held": money,
            "detail": f"charged {charged}, paid {paid} (+{direct} to wallets), booked {booked}, "
            f"review {balances['review_hold']}/{extra['review_minor']}",
        },
        {"name": "transfers_balanced", "held": bool(reserve["balanced"])},
        {
            "name": "no_invoice_paid_twice",
            "held": report["double_pays"] == 0,
            "detail": f"double_pays {report['double_pays']} (must be 0)",
        },
        {
            "name": "nothing_lost",
            "held": report["lost"] == 0,
            "detail": f"lost {report['lost']} (must be 0)",
        },
        {
            "name": "every_wallet_destroyed_once",
            "held": extra["destroyed_wallets"] + live_wallets == created,
            "detail": f"{extra['destroyed_wallets']} destroyed + {live_wallets} live "
            f"of {created} created",
        },
        {
            "name": "every_invoice_terminal",
            "held": report["invoices"]["open"] == 0,
            "detail": f"{report['invoices']['open']} open (must be 0)",
        },
    ]


def series_of(merged: dict[str, Any]) -> dict[str, Any]:
    """Per time bucket: created, paid, failed, p50/p99 latency and provider share."""
    bucket_s = merged["bucket_s"]
    rows = []
    for index in sorted(merged["buckets"]):
        b = merged["buckets"][index]
        rows.append(
            {
                "t": round(index * bucket_s, 3),
                "created": b["created"],
                "paid": b["paid"],
                "failed": b["failed"],
                "p50_ms": percentile(b["hist"], 0.5),
                "p99_ms": percentile(b["hist"], 0.99),
                "share": b["share"],
            }
        )
    return {"bucket_s": bucket_s, "rows": rows}
