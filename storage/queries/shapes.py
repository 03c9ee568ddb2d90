"""The shapes of what the read side returns: ``TypedDict``s of plain values and dates.

Simulated times are seconds from the run's start (``*_s``); money is integer
minor units; calendar days are ``date``. ``None`` marks a figure not known (yet), as
each field says.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict


class SourceState(TypedDict):
    source: str
    health: str | None
    health_at_s: float | None
    breaker: str | None
    breaker_at_s: float | None


class ProviderStatus(TypedDict):
    provider: str
    health: str | None  # worst current health across sources; None: never reported
    breaker: str | None  # worst current breaker state across sources
    last_change_s: float | None
    sources: list[SourceState]


class HealthEvent(TypedDict):
    at_s: float
    provider: str
    source: str
    kind: str
    state: str
    previous: str | None
    reason: str | None


class ProviderChange(HealthEvent):
    provider_health: str | None  # the provider's worst health across replicas after it
    provider_breaker: str | None  # and its worst breaker state; None: none reported yet


class ReconciliationRow(TypedDict):
    seq: int
    at_s: float
    trigger: str
    status: str
    discrepancy_minor: int
    discrepancy_bp: int
    direction: str
    snapshot: dict[str, Any]


class Reserves(TypedDict):
    fiat_minor: int
    in_transit_minor: int
    minted_minor: int
    fees_minor: int
    review_minor: int
    ratio_bp: int
    discrepancy_bp: int | None
    status: str | None
    last_reconciliation: ReconciliationRow | None


class DailyReserves(TypedDict):
    day: int
    start_s: float
    end_s: float
    fiat_minor: int
    in_transit_minor: int
    minted_minor: int
    fees_minor: int
    review_minor: int
    ratio_bp: int
    status: str | None  # the worst reconciliation of the day; None: none that day
    reconciliations: int


class ActiveWallet(TypedDict):
    address: str
    invoice_id: str
    state: str
    expected_minor: int
    currency: str
    created_at_s: float
    expires_at_s: float
    seconds_left: float
    provider: str | None


class InvoiceRow(TypedDict):
    invoice_id: str
    shard: int
    status: str
    amount_minor: int
    currency: str
    method: str
    merchant: str
    payer: str
    provider: str | None
    attempts: int
    fee_minor: int
    created_at_s: float
    ended_at_s: float | None
    reason: str | None
    wallet_address: str | None
    bulk_job: int | None
    due_date: date


class InvoicePage(TypedDict):
    total: int
    limit: int
    offset: int
    items: list[InvoiceRow]


class RowErrorRow(TypedDict):
    line: int
    column: str | None
    error: str | None


class BulkProgress(TypedDict):
    job_id: int
    file: str
    provider: str
    status: str  # queued | running | done | failed
    started_at_s: float | None  # its first row started (simulated)
    started_at: datetime | None  # and by the wall clock
    finished_at_s: float | None  # its last accepted row ended
    finished_at: datetime | None
    failure: str | None  # why a failed job could not go on
    total: int
    accepted: int
    rejected: int
    processed: int  # succeeded + failed + expired + underpaid + overpaid
    succeeded: int
    failed: int
    expired: int
    underpaid: int  # too little sent to the wallet: held for review
    overpaid: int  # too much: the amount applied, the extra held for review
    pending: int
    errors_total: int
    errors: list[RowErrorRow]


class BulkResult(TypedDict):
    line: int
    invoice_id: str
    payer: str | None  # None: the invoice is not written yet
    merchant: str | None
    method: str | None
    due_date: date | None
    status: str
    provider: str | None
    attempts: int | None
    wallet_address: str | None
    amount_minor: int | None
    currency: str | None
    fee_minor: int | None
    latency_ms: float | None  # invoice created to ended; None while open
    reason: str | None


class RunSummary(TypedDict):
    run_id: str
    scenario_name: str
    seed: int
    shards: int
    runtime: str
    status: str
    started_at: str
    ended_at: str | None
    digest: str | None
    created: int | None
    paid: int | None
    double_pays: int | None
    throughput_invoices_per_s: float | None


class RunRecord(TypedDict):
    run_id: str
    scenario_name: str
    scenario_hash: str
    seed: int
    shards: int
    runtime: str
    git_commit: str | None
    options: dict[str, Any]
    started_at: str
    ended_at: str | None
    status: str
    digest: str | None
    summary: dict[str, Any] | None


Value = int | float | str | bool | None


class ComparedFigure(TypedDict):
    figure: str
    a: Value
    b: Value
    difference: int | float | None  # b - a when both are numbers


class Comparison(TypedDict):
    run_a: str
    run_b: str
    digest_a: str | None
    digest_b: str | None
    digests_equal: bool
    figures: list[ComparedFigure]
