"""The API's JSON bodies as the dashboard reads them (only the fields it uses).

These are the client's side of the HTTP contract of ``ui/api``: the dashboard
never imports the API's own models, so it runs against any server of the API.
Simulated times are seconds from the run's start (``*_s``); wall times
(``*_at``) are ISO 8601 strings; money is integer minor units.
"""

from __future__ import annotations

from typing import Any, TypedDict


class EngineState(TypedDict):
    running: bool
    run_id: str | None
    scenario: str | None
    sim_now_s: float
    speed: float
    started_at: str | None
    drift_s: float
    windows: int


class ProviderHealth(TypedDict):
    provider: str
    status: str  # healthy | degraded | down
    breaker: str  # closed | open | half_open | forced_open | disabled
    attempts_last_minute: int
    success_rate: float | None
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    last_change_s: float | None
    last_change_at: str | None


class TrafficBucket(TypedDict):
    provider: str
    start_s: float
    attempts: int
    succeeded: int
    success_rate: float
    latency_p50_ms: float
    latency_p99_ms: float


class ProviderChange(TypedDict):
    at_s: float
    provider: str
    source: str
    kind: str  # health | breaker
    state: str
    previous: str | None
    reason: str | None
    provider_status: str  # the provider's health after the change (worst across replicas)
    provider_breaker: str  # and its breaker state


class Fault(TypedDict):
    origin: str  # scenario | api
    target: str
    kind: str
    start_s: float
    end_s: float | None  # as known now; None: until restored
    state: str  # scheduled | active | ended


class ProviderSettings(TypedDict):
    name: str
    version: int
    priority: int
    enabled: bool
    methods: list[str]
    fee_bp: int
    timeout_ms: float
    changed_at_s: float


class Reconciliation(TypedDict):
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
    last_reconciliation: Reconciliation | None


class DailyReserves(TypedDict):
    day: int  # 0: the day the live part began; -1 the day before (the run's history)
    start_s: float
    end_s: float
    fiat_minor: int
    in_transit_minor: int
    minted_minor: int
    ratio_bp: int
    status: str | None
    reconciliations: int


class Alert(TypedDict):
    alert_id: int
    at_s: float
    key: str
    severity: str
    message: str


class Invoice(TypedDict):
    invoice_id: str
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
    due_date: str  # ISO date


class InvoicePage(TypedDict):
    total: int
    items: list[Invoice]


class Attempt(TypedDict):
    attempt_no: int
    provider: str
    sent_at_s: float
    finished_at_s: float
    result: str
    latency_ms: float
    succeeded: bool


class Wallet(TypedDict):
    address: str
    state: str
    expected_minor: int
    received_minor: int
    created_at_s: float
    expires_at_s: float
    destroyed_at_s: float | None
    expires_at: str | None  # wall time, ISO 8601


class InvoiceDetail(TypedDict):
    invoice: Invoice
    attempts: list[Attempt]
    wallet: Wallet | None


class ActiveWallet(TypedDict):
    address: str
    invoice_id: str
    state: str
    expected_minor: int
    currency: str
    expires_at_s: float
    expires_at: str
    seconds_left: float
    provider: str | None


class BulkRowError(TypedDict):
    line: int
    column: str | None
    reason: str


class BulkSubmitted(TypedDict):
    job_id: int
    rows: int
    accepted: int
    errors: list[BulkRowError]


class BulkProgress(TypedDict):
    job_id: int
    file: str
    provider: str
    status: str  # queued | running | done | failed
    started_at_s: float | None
    finished_at_s: float | None
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
    errors: list[dict[str, Any]]


class Scenario(TypedDict):
    name: str
    description: str
    duration_s: float
    shards: int


class ComparedFigure(TypedDict):
    figure: str
    a: int | float | str | bool | None
    b: int | float | str | bool | None
    difference: int | float | None


class Comparison(TypedDict):
    run_a: str
    run_b: str
    digest_a: str | None
    digest_b: str | None
    digests_equal: bool
    figures: list[ComparedFigure]


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
