"""Commands from outside a running simulation, and what each one returns.

In paced (live) mode the API changes the world while the simulation runs: a
consumer creates and pays an invoice, an enterprise uploads a CSV, an admin
takes Tempo down. Each of those is a command (imperative, frozen) handed to
``LiveEngine.submit``; the engine delivers it to the logical process that owns
the entity at the start of the next window, and ``submit`` returns that LP's
answer (a past-tense result, frozen) or raises an ``InvoicesimError`` whose
message names what was wrong. Simulated times are seconds from the run's start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DEFAULT_MERCHANT = "Demo merchant"  # an invoice created through the API names no merchant

# ---- commands ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateInvoice:
    """Create one invoice and its ephemeral wallet (the consumer flow).

    ``invoice_id`` None: the engine gives the next free ``INV-000001``-style id;
    ``due_date`` None: the run's date plus ``actors.invoice.DEFAULT_TERMS_DAYS``.
    """

    amount_minor: int
    currency: str = "USD"
    method: str = "crypto"  # card | bank | crypto: the one method the invoice accepts
    payer: str = "api"
    merchant: str = DEFAULT_MERCHANT
    invoice_id: str | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class PayInvoice:
    """The payer pays a pending invoice with ``method`` (card | bank | crypto)."""

    invoice_id: str
    method: str


@dataclass(frozen=True, slots=True)
class SubmitBulk:
    """A CSV of invoices (the enterprise flow); every accepted row is created and paid."""

    data: bytes
    provider: str | None = None  # None: automatic routing; else every row goes to it
    name: str = "upload.csv"


@dataclass(frozen=True, slots=True)
class StartFault:
    """Put a provider into a fault state now, for ``duration_s`` (None: until cleared)."""

    provider: str
    kind: str  # outage | silent | error_rate | latency | flapping | late_success | rate_limit
    duration_s: float | None = None
    error_rate: float = 0.5
    extra_latency_ms: float = 0.0
    period_s: float = 20.0
    duty: float = 0.5
    rate_limit_per_s: float = 10.0


@dataclass(frozen=True, slots=True)
class ClearFault:
    provider: str


@dataclass(frozen=True, slots=True)
class ConfigureProvider:
    """Change a provider's routing settings; None leaves a setting as it is."""

    provider: str
    priority: int | None = None
    enabled: bool | None = None
    failure_threshold: int | None = None  # breaker: failures in the window that open it
    open_s: float | None = None  # breaker: how long it stays open before a trial


@dataclass(frozen=True, slots=True)
class Reconcile:
    """Reconcile the reserve against the custodian's statement now."""


Command = (
    CreateInvoice
    | PayInvoice
    | SubmitBulk
    | StartFault
    | ClearFault
    | ConfigureProvider
    | Reconcile
)

# ---- results -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceCreated:
    invoice_id: str
    due_date: date
    wallet_address: str
    created_at_s: float
    expires_at_s: float


@dataclass(frozen=True, slots=True)
class PaymentStarted:
    invoice_id: str
    method: str
    started_at_s: float


@dataclass(frozen=True, slots=True)
class BulkRowError:
    line: int
    column: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class BulkSubmitted:
    job_id: int
    rows: int
    accepted: int
    errors: tuple[BulkRowError, ...]


@dataclass(frozen=True, slots=True)
class FaultStarted:
    provider: str
    kind: str
    started_at_s: float
    ends_at_s: float | None


@dataclass(frozen=True, slots=True)
class FaultCleared:
    provider: str
    cleared_at_s: float


@dataclass(frozen=True, slots=True)
class ProviderConfigured:
    provider: str
    version: int
    priority: int
    enabled: bool
    changed_at_s: float


@dataclass(frozen=True, slots=True)
class Reconciled:
    at_s: float
    status: str  # balanced | warning | breach | error
    discrepancy_bp: int
    message: str
