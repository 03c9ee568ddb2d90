"""The read side of the record: what the API, the dashboard and the CLI show of a run.

Every function takes a ``Database`` or an open SQLAlchemy ``Connection`` (to
share one transaction), runs SQLAlchemy selects with bound parameters and
returns plain dicts and lists that ``json.dumps(default=str)`` accepts (typed in ``shapes``
as ``TypedDict``). Every list is bounded: a ``limit`` outside ``1..max`` is a
``ValueError``; the few lists without one are bounded by the run's shape
(providers x orchestrator replicas, days, faults, assertions). Simulated times
are seconds from the run's start (``*_s``); money is integer minor units.

An unknown run or bulk job raises ``NotFound``, an ``InvoicesimError`` rather
than a ``DatabaseError``: the database is fine, the id is wrong (an API maps it
to 404, not 503). A query the server cannot answer raises ``DatabaseError``.

One module per concept: ``providers``, ``reserves``, ``invoices`` (and
wallets), ``invoice_detail``, ``alerts``, ``provider_live``, ``provider_facts`` (the
public provider reads from the database or a live run's memory), ``bulk``, ``runs``,
``compare``; ``shapes`` holds the result types
and ``common`` what they share. Import from here, not from the modules.
"""

from storage.queries.alerts import AlertRow, list_alerts
from storage.queries.bulk import bulk_job_progress, bulk_job_results
from storage.queries.common import MAX_LIMIT, MAX_RESULT_ROWS, RUNS_HINT, NotFound, Source
from storage.queries.compare import compare_runs
from storage.queries.invoice_detail import AttemptRow, InvoiceDetail, WalletRow, get_invoice
from storage.queries.invoices import active_wallets, invoices_by_state, list_invoices
from storage.queries.provider_facts import (
    DatabaseFacts,
    ProviderFacts,
    ProviderMemory,
    ProviderRows,
)
from storage.queries.provider_live import (
    ProviderSettings,
    ProviderTraffic,
    TrafficBucket,
    provider_settings,
    provider_traffic,
    provider_traffic_series,
    traffic_span,
)
from storage.queries.providers import (
    BREAKER_ORDER,
    HEALTH_ORDER,
    health_timeline,
    provider_status,
    provider_timeline,
)
from storage.queries.reserves import (
    BALANCE_KEYS,
    DAY_S,
    HISTORY_DAYS,
    STATUS_ORDER,
    list_reconciliations,
    reserves_daily,
    reserves_now,
)
from storage.queries.runs import get_run, list_runs, run_report
from storage.queries.shapes import (
    ActiveWallet,
    BulkProgress,
    BulkResult,
    ComparedFigure,
    Comparison,
    DailyReserves,
    HealthEvent,
    InvoicePage,
    InvoiceRow,
    ProviderChange,
    ProviderStatus,
    ReconciliationRow,
    Reserves,
    RowErrorRow,
    RunRecord,
    RunSummary,
    SourceState,
    Value,
)

__all__ = [
    "BALANCE_KEYS",
    "BREAKER_ORDER",
    "DAY_S",
    "HEALTH_ORDER",
    "HISTORY_DAYS",
    "MAX_LIMIT",
    "MAX_RESULT_ROWS",
    "RUNS_HINT",
    "STATUS_ORDER",
    "ActiveWallet",
    "AlertRow",
    "AttemptRow",
    "BulkProgress",
    "BulkResult",
    "ComparedFigure",
    "Comparison",
    "DailyReserves",
    "DatabaseFacts",
    "HealthEvent",
    "InvoiceDetail",
    "InvoicePage",
    "InvoiceRow",
    "NotFound",
    "ProviderChange",
    "ProviderFacts",
    "ProviderMemory",
    "ProviderRows",
    "ProviderSettings",
    "ProviderStatus",
    "ProviderTraffic",
    "ReconciliationRow",
    "Reserves",
    "RowErrorRow",
    "RunRecord",
    "RunSummary",
    "Source",
    "SourceState",
    "TrafficBucket",
    "Value",
    "WalletRow",
    "active_wallets",
    "bulk_job_progress",
    "bulk_job_results",
    "compare_runs",
    "get_invoice",
    "get_run",
    "health_timeline",
    "invoices_by_state",
    "list_alerts",
    "list_invoices",
    "list_reconciliations",
    "list_runs",
    "provider_settings",
    "provider_status",
    "provider_timeline",
    "provider_traffic",
    "provider_traffic_series",
    "reserves_daily",
    "reserves_now",
    "run_report",
    "traffic_span",
]
