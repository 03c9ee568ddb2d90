"""Response bodies of the read routes: the shapes of ``storage.queries`` as pydantic models,
so /docs shows them. Simulated times are seconds from the run's start; money is minor units."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

HealthState = Literal["healthy", "degraded", "down"]
BreakerStateName = Literal["closed", "open", "half_open", "forced_open", "disabled"]


class ProviderHealthOut(BaseModel):
    provider: str
    status: HealthState
    breaker: BreakerStateName
    attempts_last_minute: int
    success_rate: float | None  # over the last simulated minute; None: no attempt
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    last_change_s: float | None
    last_change_at: datetime | None


class ProviderChangeOut(BaseModel):
    """One recorded change of one replica's view of a provider, and the provider's state
    after it: the worst across the replicas (as ``GET /providers/health`` reports it)."""

    at_s: float
    at: datetime
    provider: str
    source: str  # the orchestrator replica (shard) that saw the change
    kind: Literal["health", "breaker"]
    state: str
    previous: str | None
    reason: str | None
    provider_status: HealthState
    provider_breaker: BreakerStateName


class TrafficBucketOut(BaseModel):
    """One provider's attempts that finished in ``[start_s, start_s + bucket_s)``."""

    provider: str
    start_s: float
    attempts: int
    succeeded: int
    success_rate: float
    latency_p50_ms: float
    latency_p99_ms: float


DatabaseState = Literal["available", "unavailable"]
DATABASE_FIELD = Field(
    description='"unavailable" when PostgreSQL cannot be reached: the answer then comes from '
    "what the engine holds in memory (every replica's latest state, the last 10,000 changes "
    'and the last 100,000 finished attempts); "available" otherwise.'
)


class ProvidersHealthOut(BaseModel):
    """``GET /providers/health``: each provider now, and where the answer comes from."""

    database: DatabaseState = DATABASE_FIELD
    providers: list[ProviderHealthOut]


class ProviderTimelineOut(BaseModel):
    """``GET /providers/health/timeline``: the changes asked for, and where they come from."""

    database: DatabaseState = DATABASE_FIELD
    changes: list[ProviderChangeOut]


class ProviderTrafficOut(BaseModel):
    """``GET /providers/traffic``: the buckets asked for, and where they come from."""

    database: DatabaseState = DATABASE_FIELD
    buckets: list[TrafficBucketOut]


class FaultOut(BaseModel):
    """A fault of the running scenario: scheduled by its file or injected through the API."""

    origin: Literal["scenario", "api"]
    target: str  # a provider, "custodian", or for actor_crash a logical process
    kind: str
    params: dict[str, float]
    start_s: float
    end_s: float | None  # when it ended or will end as known now; None: until restored
    planned_end_s: float | None  # start + duration as scheduled or injected
    start_at: datetime
    end_at: datetime | None
    state: Literal["scheduled", "active", "ended"]


class ProviderSettingsOut(BaseModel):
    name: str
    version: int
    priority: int
    enabled: bool
    methods: list[str]
    fee_bp: int
    fee_fixed_minor: int
    timeout_ms: float
    config: dict[str, Any]
    changed_at_s: float


class ReconciliationOut(BaseModel):
    seq: int
    at_s: float
    trigger: str
    status: str
    discrepancy_minor: int
    discrepancy_bp: int
    direction: str
    snapshot: dict[str, Any]


class ReservesOut(BaseModel):
    fiat_minor: int
    in_transit_minor: int
    minted_minor: int
    fees_minor: int
    review_minor: int
    ratio_bp: int
    discrepancy_bp: int | None
    status: str | None
    last_reconciliation: ReconciliationOut | None


class DailyReservesOut(BaseModel):
    day: int
    start_s: float
    end_s: float
    fiat_minor: int
    in_transit_minor: int
    minted_minor: int
    fees_minor: int
    review_minor: int
    ratio_bp: int
    status: str | None
    reconciliations: int


class AlertOut(BaseModel):
    alert_id: int
    at_s: float
    key: str
    severity: str
    message: str


class InvoiceOut(BaseModel):
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


class InvoicePageOut(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[InvoiceOut]


class AttemptOut(BaseModel):
    attempt_no: int
    provider: str
    sent_at_s: float
    finished_at_s: float
    result: str
    latency_ms: float
    succeeded: bool


class WalletOut(BaseModel):
    address: str
    state: str
    expected_minor: int
    received_minor: int
    created_at_s: float
    expires_at_s: float
    destroyed_at_s: float | None
    expires_at: datetime | None = None  # wall time of expiry on the running scenario's clock


class InvoiceDetailOut(BaseModel):
    invoice: InvoiceOut
    attempts: list[AttemptOut]
    wallet: WalletOut | None


class ActiveWalletOut(BaseModel):
    address: str
    invoice_id: str
    state: str
    expected_minor: int
    currency: str
    created_at_s: float
    expires_at_s: float
    expires_at: datetime
    seconds_left: float
    provider: str | None


class RowErrorOut(BaseModel):
    line: int
    column: str | None
    error: str | None


class BulkProgressOut(BaseModel):
    job_id: int
    file: str
    provider: str
    status: str  # queued | running | done | failed
    started_at_s: float | None
    started_at: datetime | None
    finished_at_s: float | None
    finished_at: datetime | None
    failure: str | None
    total: int
    accepted: int
    rejected: int
    processed: int
    succeeded: int
    failed: int
    expired: int
    underpaid: int  # too little sent to the wallet: held for review
    overpaid: int  # too much: the amount applied, the extra held for review
    pending: int
    errors_total: int
    errors: list[RowErrorOut]


class ComparedFigureOut(BaseModel):
    figure: str
    a: int | float | str | bool | None
    b: int | float | str | bool | None
    difference: int | float | None  # b - a when both are numbers


class ComparisonOut(BaseModel):
    run_a: str
    run_b: str
    digest_a: str | None
    digest_b: str | None
    digests_equal: bool
    figures: list[ComparedFigureOut]


class RunSummaryOut(BaseModel):
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
