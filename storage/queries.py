"""The read side of the record: what the API, the dashboard and the CLI show of a run.

Every function takes a ``Database`` or an open SQLAlchemy ``Connection`` (to
share one transaction), runs SQLAlchemy selects with bound parameters and
returns plain dicts and lists that ``json.dumps`` accepts (typed below as
``TypedDict``). Every list is bounded: a ``limit`` outside ``1..max`` is a
``ValueError``; the few lists without one are bounded by the run's shape
(providers x orchestrator replicas, days, faults, assertions). Simulated times
are seconds from the run's start (``*_s``); money is integer minor units.

An unknown run or bulk job raises ``NotFound``, an ``InvoicesimError`` rather
than a ``DatabaseError``: the database is fine, the id is wrong (an API maps it
to 404, not 503). A query the server cannot answer raises ``DatabaseError``.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Integer, and_, cast, func, select
from sqlalchemy.exc import DBAPIError

from actors.breaker import BreakerState
from actors.errors import InvoicesimError
from actors.health import Health
from actors.invoice import InvoiceState
from actors.ledger import Account, natural_balance
from actors.money import ratio_bp
from actors.reconciliation import Status
from actors.wallet import WalletState
from storage.database import Database, DatabaseError
from storage.schema import (
    BulkJob,
    BulkJobRow,
    EphemeralWallet,
    Invoice,
    LedgerEntry,
    LedgerTransfer,
    ProviderConfig,
    ProviderHealth,
    ReserveReconciliation,
    Run,
)

Source = Database | Connection

MAX_LIMIT = 1_000
MAX_RESULT_ROWS = 100_000  # a results CSV: ten times the default CSV row limit
DAY_S = 86_400
HISTORY_DAYS = (7, 30)
RUNS_HINT = "list the runs with `invoicesim runs list`"

# Worst last: the state a dashboard shows when replicas disagree.
HEALTH_ORDER = (Health.HEALTHY, Health.DEGRADED, Health.DOWN)
BREAKER_ORDER = (
    BreakerState.CLOSED,
    BreakerState.HALF_OPEN,
    BreakerState.OPEN,
    BreakerState.FORCED_OPEN,
    BreakerState.DISABLED,
)
STATUS_ORDER = (Status.BALANCED, Status.WARNING, Status.BREACH)
BALANCE_KEYS = {
    Account.CUSTODIAN_RESERVE: "fiat_minor",
    Account.FIAT_IN_TRANSIT: "in_transit_minor",
    Account.TOKENS_MINTED: "minted_minor",
    Account.PROVIDER_FEES: "fees_minor",
    Account.REVIEW_HOLD: "review_minor",
}


class NotFound(InvoicesimError):
    """No run or bulk job with that id; the message names it and says how to list them."""


# ---- result shapes ---------------------------------------------------------------------
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
    status: str
    total: int
    accepted: int
    rejected: int
    processed: int  # succeeded + failed + expired
    succeeded: int
    failed: int
    expired: int
    pending: int
    errors_total: int
    errors: list[RowErrorRow]


class BulkResult(TypedDict):
    line: int
    invoice_id: str
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


# ---- helpers ---------------------------------------------------------------------------
@contextmanager
def _connect(source: Source) -> Iterator[Connection]:
    if isinstance(source, Connection):
        yield source
        return
    try:
        with source.engine.connect() as connection:
            yield connection
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines() or [type(exc).__name__]
        raise DatabaseError(f"{source.url_for_display}: query failed: {reason[0]}") from exc


def _where(source: Source) -> str:
    return source.url_for_display if isinstance(source, Database) else "the database"


def _bounded(value: int, maximum: int, name: str = "limit") -> int:
    if not 1 <= value <= maximum:
        raise ValueError(f"{name} must be within 1..{maximum:,}, got {value}")
    return value


def _worst(states: Iterable[str], order: Sequence[str]) -> str | None:
    return max(states, key=order.index, default=None)


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, whatever the session's time zone."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _balances(sums: Iterable[tuple[str, str, int]]) -> dict[str, int]:
    """(account, side, amount) sums -> each account's balance on its natural side."""
    debits = dict.fromkeys(Account, 0)
    credits = dict.fromkeys(Account, 0)
    for account, side, amount in sums:
        (debits if side == "debit" else credits)[Account(account)] += int(amount)
    return {
        key: natural_balance(account, debits[account], credits[account])
        for account, key in BALANCE_KEYS.items()
    }


def _ratio(balances: dict[str, int]) -> int:
    backing = balances["fiat_minor"] + balances["in_transit_minor"]
    return ratio_bp(backing, balances["minted_minor"])


# ---- providers -------------------------------------------------------------------------
def provider_status(db: Source, run_id: str) -> list[ProviderStatus]:
    """Per provider (configured or reported), the worst current health and breaker state
    across the replicas that report them, each replica's latest, and the last change."""
    ph = ProviderHealth
    ranked = (
        select(
            ph.provider,
            ph.source,
            ph.kind,
            ph.state,
            ph.at_s,
            func.row_number()
            .over(
                partition_by=(ph.provider, ph.source, ph.kind),
                order_by=(ph.at_s.desc(), ph.seq.desc()),
            )
            .label("rank"),
        )
        .where(ph.run_id == run_id)
        .subquery()
    )
    latest = (
        select(ranked.c.provider, ranked.c.source, ranked.c.kind, ranked.c.state, ranked.c.at_s)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.provider, ranked.c.source)
    )
    configured = select(ProviderConfig.name).where(ProviderConfig.run_id == run_id).distinct()
    with _connect(db) as connection:
        rows = connection.execute(latest).all()
        names = set(connection.scalars(configured))
    sources: dict[str, dict[str, SourceState]] = {name: {} for name in names}
    for provider, source, kind, state, at_s in rows:
        detail = sources.setdefault(provider, {}).setdefault(
            source, SourceState(source=source, health=None, health_at_s=None, breaker=None,
                                breaker_at_s=None),
        )  # fmt: skip
        if kind == "health":
            detail["health"], detail["health_at_s"] = state, at_s
        else:
            detail["breaker"], detail["breaker_at_s"] = state, at_s
    return [_provider(name, list(sources[name].values())) for name in sorted(sources)]


def _provider(name: str, sources: list[SourceState]) -> ProviderStatus:
    times = [t for s in sources for t in (s["health_at_s"], s["breaker_at_s"]) if t is not None]
    return ProviderStatus(
        provider=name,
        health=_worst((s["health"] for s in sources if s["health"]), HEALTH_ORDER),
        breaker=_worst((s["breaker"] for s in sources if s["breaker"]), BREAKER_ORDER),
        last_change_s=max(times, default=None),
        sources=sources,
    )


def health_timeline(
    db: Source,
    run_id: str,
    provider: str | None = None,
    since_s: float | None = None,
    limit: int = MAX_LIMIT,
) -> list[HealthEvent]:
    """Health and breaker changes, oldest first, from ``since_s`` (inclusive) on."""
    ph = ProviderHealth
    query = select(ph.at_s, ph.provider, ph.source, ph.kind, ph.state, ph.previous, ph.reason)
    query = query.where(ph.run_id == run_id)
    if provider is not None:
        query = query.where(ph.provider == provider)
    if since_s is not None:
        query = query.where(ph.at_s >= since_s)
    query = query.order_by(ph.at_s, ph.source, ph.seq).limit(_bounded(limit, MAX_LIMIT))
    with _connect(db) as connection:
        return [typing.cast(HealthEvent, row._asdict()) for row in connection.execute(query)]


# ---- reserves --------------------------------------------------------------------------
def _ledger_sums(run_id: str) -> Any:
    e, t = LedgerEntry, LedgerTransfer
    joined = e.__table__.join(
        t.__table__, and_(e.run_id == t.run_id, e.transfer_id == t.transfer_id)
    )
    return (
        select(e.account, e.side, func.sum(e.amount_minor))
        .select_from(joined)
        .where(e.run_id == run_id)
        .group_by(e.account, e.side)
    )


def reserves_now(db: Source, run_id: str) -> Reserves:
    """Ledger balances now, the reserve ratio, and the latest reconciliation (or None)."""
    rr = ReserveReconciliation
    last = (
        select(rr.seq, rr.at_s, rr.trigger, rr.status, rr.discrepancy_minor, rr.discrepancy_bp,
               rr.direction, rr.snapshot)
        .where(rr.run_id == run_id)
        .order_by(rr.at_s.desc(), rr.seq.desc())
        .limit(1)
    )  # fmt: skip
    with _connect(db) as connection:
        balances = _balances(connection.execute(_ledger_sums(run_id)))
        found = connection.execute(last).first()
    reconciliation = None if found is None else typing.cast(ReconciliationRow, found._asdict())
    return Reserves(
        fiat_minor=balances["fiat_minor"],
        in_transit_minor=balances["in_transit_minor"],
        minted_minor=balances["minted_minor"],
        fees_minor=balances["fees_minor"],
        review_minor=balances["review_minor"],
        ratio_bp=_ratio(balances),
        discrepancy_bp=None if reconciliation is None else reconciliation["discrepancy_bp"],
        status=None if reconciliation is None else reconciliation["status"],
        last_reconciliation=reconciliation,
    )


def reserves_daily(db: Source, run_id: str, days: int) -> list[DailyReserves]:
    """One row per simulated day (``at_s // 86400``), the ``days`` (7 or 30) most recent
    up to the last day with a transfer or a reconciliation: closing balances, ratio and
    the day's worst reconciliation status. Days without activity carry balances over."""
    if days not in HISTORY_DAYS:
        raise ValueError(f"days must be one of {', '.join(map(str, HISTORY_DAYS))}, got {days}")
    t, rr = LedgerTransfer, ReserveReconciliation
    t_day = cast(func.floor(t.at_s / DAY_S), Integer)
    rr_day = cast(func.floor(rr.at_s / DAY_S), Integer)
    last_t = select(func.max(t_day)).where(t.run_id == run_id).scalar_subquery()
    last_rr = select(func.max(rr_day)).where(rr.run_id == run_id).scalar_subquery()
    with _connect(db) as connection:
        last_day = connection.execute(select(func.greatest(last_t, last_rr))).scalar()
        if last_day is None:
            return []
        first_day = max(0, int(last_day) - days + 1)
        sums = _ledger_sums(run_id)
        opening = connection.execute(sums.where(t.at_s < first_day * DAY_S)).all()
        moves = connection.execute(
            sums.add_columns(t_day.label("day")).where(t.at_s >= first_day * DAY_S).group_by(t_day)
        ).all()
        statuses = connection.execute(
            select(rr_day, rr.status, func.count())
            .where(rr.run_id == run_id, rr.at_s >= first_day * DAY_S)
            .group_by(rr_day, rr.status)
        ).all()
    return _days(range(first_day, int(last_day) + 1), opening, moves, statuses)


def _days(
    span: range,
    opening: Sequence[tuple[str, str, int]],
    moves: Sequence[Any],
    statuses: Sequence[Any],
) -> list[DailyReserves]:
    running = list(opening)
    out = []
    for day in span:
        running += [(account, side, amount) for account, side, amount, d in moves if d == day]
        balances = _balances(running)
        seen = {status: int(n) for d, status, n in statuses if d == day}
        out.append(
            DailyReserves(
                day=day,
                start_s=float(day * DAY_S),
                end_s=float((day + 1) * DAY_S),
                fiat_minor=balances["fiat_minor"],
                in_transit_minor=balances["in_transit_minor"],
                minted_minor=balances["minted_minor"],
                fees_minor=balances["fees_minor"],
                review_minor=balances["review_minor"],
                ratio_bp=_ratio(balances),
                status=_worst(seen, STATUS_ORDER),
                reconciliations=sum(seen.values()),
            )
        )
    return out


# ---- wallets and invoices --------------------------------------------------------------
def active_wallets(db: Source, run_id: str, now_s: float, limit: int = 500) -> list[ActiveWallet]:
    """Wallets not destroyed yet, soonest to expire first, with the seconds they have left."""
    w, i = EphemeralWallet, Invoice
    on_invoice = and_(i.run_id == w.run_id, i.invoice_id == w.invoice_id)
    query = (
        select(w.address, w.invoice_id, w.state, w.expected_minor, w.currency, w.created_at_s,
               w.expires_at_s, i.provider)
        .outerjoin(i, on_invoice)
        .where(w.run_id == run_id, w.state != WalletState.DESTROYED.value)
        .order_by(w.expires_at_s, w.address)
        .limit(_bounded(limit, MAX_LIMIT))
    )  # fmt: skip
    with _connect(db) as connection:
        rows = connection.execute(query).all()
    return [
        typing.cast(
            ActiveWallet, row._asdict() | {"seconds_left": max(0.0, row.expires_at_s - now_s)}
        )
        for row in rows
    ]


def invoices_by_state(db: Source, run_id: str) -> dict[str, int]:
    """Invoice count per state; every state is present, zero when none."""
    query = (
        select(Invoice.status, func.count())
        .where(Invoice.run_id == run_id)
        .group_by(Invoice.status)
    )
    with _connect(db) as connection:
        counts = {status: int(n) for status, n in connection.execute(query)}
    return {state.value: counts.get(state.value, 0) for state in InvoiceState}


_INVOICE_COLUMNS = [c for c in Invoice.__table__.columns if c.name != "run_id"]


def list_invoices(
    db: Source, run_id: str, status: str | None = None, limit: int = 100, offset: int = 0
) -> InvoicePage:
    """One page of invoices, oldest first, with the total that match."""
    _bounded(limit, MAX_LIMIT)
    if offset < 0:
        raise ValueError(f"offset must be 0 or more, got {offset}")
    conditions = [Invoice.run_id == run_id]
    if status is not None:
        if status not in set(InvoiceState):
            states = ", ".join(s.value for s in InvoiceState)
            raise ValueError(f"invoice status must be one of {states}, got {status!r}")
        conditions.append(Invoice.status == status)
    page = (
        select(*_INVOICE_COLUMNS)
        .where(*conditions)
        .order_by(Invoice.created_at_s, Invoice.invoice_id)
        .limit(limit)
        .offset(offset)
    )
    with _connect(db) as connection:
        total = connection.execute(select(func.count()).where(*conditions)).scalar_one()
        items = [typing.cast(InvoiceRow, row._asdict()) for row in connection.execute(page)]
    return InvoicePage(total=int(total), limit=limit, offset=offset, items=items)


# ---- bulk jobs -------------------------------------------------------------------------
def _job(connection: Connection, source: Source, run_id: str, job_id: int) -> Any:
    query = select(*BulkJob.__table__.columns)
    job = connection.execute(
        query.where(BulkJob.run_id == run_id, BulkJob.job_id == job_id)
    ).first()
    if job is None:
        raise NotFound(
            f"no bulk job {job_id} in run {run_id!r} in {_where(source)}; "
            f"see the run's bulk jobs in its report (invoicesim report {run_id})"
        )
    return job


def bulk_job_progress(
    db: Source, run_id: str, job_id: int, errors_limit: int = 100
) -> BulkProgress:
    """Counts of a bulk job's lines by outcome, and its first row errors in line order."""
    r = BulkJobRow
    of_job = (r.run_id == run_id, r.job_id == job_id)
    counts = select(r.status, func.count(r.line.distinct())).where(*of_job).group_by(r.status)
    errors = (
        select(r.line, r.column_name, r.error)
        .where(*of_job, r.error.is_not(None))
        .order_by(r.line, r.error_no)
        .limit(_bounded(errors_limit, MAX_LIMIT, "errors_limit"))
    )
    with _connect(db) as connection:
        job = _job(connection, db, run_id, job_id)
        by_status = {status: int(n) for status, n in connection.execute(counts)}
        error_total = connection.execute(
            select(func.count()).where(*of_job, r.error.is_not(None))
        ).scalar_one()
        shown = connection.execute(errors).all()
    succeeded, failed, expired = (by_status.get(s, 0) for s in ("paid", "failed", "expired"))
    processed = succeeded + failed + expired
    accepted = by_status.get("accepted", 0) + processed
    return BulkProgress(
        job_id=job.job_id,
        file=job.file,
        provider=job.provider,
        status=job.status,
        total=job.total_rows,
        accepted=accepted,
        rejected=by_status.get("rejected", 0),
        processed=processed,
        succeeded=succeeded,
        failed=failed,
        expired=expired,
        pending=accepted - processed,
        errors_total=int(error_total),
        errors=[RowErrorRow(line=ln, column=col, error=err) for ln, col, err in shown],
    )


def bulk_job_results(db: Source, run_id: str, job_id: int, limit: int = 10_000) -> list[BulkResult]:
    """One row per accepted line, in line order, with its invoice's outcome (results CSV)."""
    r, i = BulkJobRow, Invoice
    query = (
        select(r.line, r.invoice_id, r.status.label("row_status"), i.status, i.provider,
               i.attempts, i.wallet_address, i.amount_minor, i.currency, i.fee_minor,
               i.created_at_s, i.ended_at_s, i.reason)
        .outerjoin(i, and_(i.run_id == r.run_id, i.invoice_id == r.invoice_id))
        .where(r.run_id == run_id, r.job_id == job_id, r.status != "rejected",
               r.invoice_id.is_not(None), r.error_no == 0)
        .order_by(r.line)
        .limit(_bounded(limit, MAX_RESULT_ROWS))
    )  # fmt: skip
    with _connect(db) as connection:
        _job(connection, db, run_id, job_id)
        rows = connection.execute(query).all()
    return [
        BulkResult(
            line=row.line,
            invoice_id=row.invoice_id,
            status=row.status or row.row_status,
            provider=row.provider,
            attempts=row.attempts,
            wallet_address=row.wallet_address,
            amount_minor=row.amount_minor,
            currency=row.currency,
            fee_minor=row.fee_minor,
            latency_ms=None
            if row.ended_at_s is None
            else round((row.ended_at_s - row.created_at_s) * 1000.0, 3),
            reason=row.reason,
        )
        for row in rows
    ]


# ---- runs ------------------------------------------------------------------------------
_COUNTS = ("created", "paid", "double_pays")


def list_runs(db: Source, limit: int = 50) -> list[RunSummary]:
    """The newest runs first, with a few figures of their report."""
    s = Run.summary
    query = (
        select(Run.run_id, Run.scenario_name, Run.seed, Run.shards, Run.runtime, Run.status,
               Run.started_at, Run.ended_at, Run.digest,
               # as_float: a count written as 100.0 must not fail the cast
               s[("invoices", "created")].as_float().label("created"),
               s[("invoices", "paid")].as_float().label("paid"),
               s["double_pays"].as_float().label("double_pays"),
               s["throughput_invoices_per_s"].as_float().label("throughput_invoices_per_s"))
        .order_by(Run.started_at.desc(), Run.run_id.desc())
        .limit(_bounded(limit, MAX_LIMIT))
    )  # fmt: skip
    with _connect(db) as connection:
        rows = connection.execute(query).all()
    return [
        typing.cast(
            RunSummary,
            row._asdict()
            | {k: None if row._mapping[k] is None else int(row._mapping[k]) for k in _COUNTS}
            | {"started_at": _iso(row.started_at), "ended_at": _iso(row.ended_at)},
        )
        for row in rows
    ]


def get_run(db: Source, run_id: str) -> RunRecord:
    """The run's row with its summary (the full report once it ended); ``NotFound`` if none."""
    with _connect(db) as connection:
        query = select(*Run.__table__.columns).where(Run.run_id == run_id)
        run = connection.execute(query).first()
    if run is None:
        raise NotFound(f"no run {run_id!r} in {_where(db)}; {RUNS_HINT}")
    return RunRecord(
        run_id=run.run_id,
        scenario_name=run.scenario_name,
        scenario_hash=run.scenario_hash,
        seed=run.seed,
        shards=run.shards,
        runtime=run.runtime,
        git_commit=run.git_commit,
        options=run.options,
        started_at=run.started_at.astimezone(UTC).isoformat(),
        ended_at=_iso(run.ended_at),
        status=run.status,
        digest=run.digest,
        summary=run.summary,
    )


def run_report(db: Source, run_id: str) -> dict[str, Any]:
    """The report dict of an ended run (what report.json holds), with its run id."""
    run = get_run(db, run_id)
    if run["summary"] is None:
        raise NotFound(
            f"run {run_id!r} has no report yet (status {run['status']}): a report is stored "
            f"when the run ends; {RUNS_HINT}"
        )
    return run["summary"] | {"run_id": run_id}


# ---- comparison ------------------------------------------------------------------------
_FIGURES = (
    *((f"invoices.{k}", ("invoices", k)) for k in ("created", "paid", "expired", "failed", "open")),
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
