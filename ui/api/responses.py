"""Response bodies of the command routes; times are simulated seconds (``*_s``) and wall
times (``*_at``, ISO 8601 UTC) of the running scenario."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InvoiceCreatedOut(Out):
    invoice_id: str
    due_date: date
    wallet_address: str
    created_at_s: float
    expires_at_s: float
    created_at: datetime
    expires_at: datetime


class PaymentStartedOut(Out):
    invoice_id: str
    method: str
    started_at_s: float
    started_at: datetime


class BulkRowErrorOut(Out):
    line: int
    column: str | None
    reason: str


class BulkSubmittedOut(Out):
    job_id: int
    rows: int
    accepted: int
    errors: list[BulkRowErrorOut]


class FaultStartedOut(Out):
    provider: str
    kind: str
    started_at_s: float
    ends_at_s: float | None


class FaultClearedOut(Out):
    provider: str
    cleared_at_s: float


class ProviderConfiguredOut(Out):
    provider: str
    version: int
    priority: int
    enabled: bool
    changed_at_s: float


class ReconciledOut(Out):
    at_s: float
    status: str
    discrepancy_bp: int
    message: str


class ScenarioOut(Out):
    name: str
    file: str
    description: str
    duration_s: float
    shards: int


class RunStarted(Out):
    run_id: str
    scenario: str


class RunStopped(Out):
    run_id: str | None


class EngineOut(Out):
    running: bool
    run_id: str | None
    scenario: str | None
    sim_now_s: float
    speed: float
    started_at: datetime | None
    drift_s: float
    windows: int


class Healthz(Out):
    status: str
    database: str
    engine: EngineOut
