"""Reserves: ledger balances, the reserve ratio and reconciliations, now and day by day."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, and_, cast, func, select

from actors.ledger import Account, natural_balance
from actors.money import ratio_bp
from actors.reconciliation import Status
from storage.queries.common import MAX_LIMIT, Source, _bounded, _connect, _worst
from storage.queries.shapes import DailyReserves, ReconciliationRow, Reserves
from storage.schema import LedgerEntry, LedgerTransfer, ReserveReconciliation

DAY_S = 86_400
HISTORY_DAYS = (7, 30)
STATUS_ORDER = (Status.BALANCED, Status.WARNING, Status.BREACH)
BALANCE_KEYS = {
    Account.CUSTODIAN_RESERVE: "fiat_minor",
    Account.FIAT_IN_TRANSIT: "in_transit_minor",
    Account.TOKENS_MINTED: "minted_minor",
    Account.PROVIDER_FEES: "fees_minor",
    Account.REVIEW_HOLD: "review_minor",
}


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


def _balance_sums(run_id: str) -> Any:
    """The run's ledger summed by account and side: entries alone (no join to their
    transfers, whose time the balances now do not need)."""
    e = LedgerEntry
    return (
        select(e.account, e.side, func.sum(e.amount_minor))
        .where(e.run_id == run_id)
        .group_by(e.account, e.side)
    )


def _newest_reconciliations(run_id: str, limit: int) -> Any:
    rr = ReserveReconciliation
    return (
        select(rr.seq, rr.at_s, rr.trigger, rr.status, rr.discrepancy_minor, rr.discrepancy_bp,
               rr.direction, rr.snapshot)
        .where(rr.run_id == run_id)
        .order_by(rr.at_s.desc(), rr.seq.desc())
        .limit(limit)
    )  # fmt: skip


def list_reconciliations(db: Source, run_id: str, limit: int = 100) -> list[ReconciliationRow]:
    """The run's reconciliations, newest first, each with the statement snapshot it used."""
    query = _newest_reconciliations(run_id, _bounded(limit, MAX_LIMIT))
    with _connect(db) as connection:
        return [typing.cast(ReconciliationRow, row._asdict()) for row in connection.execute(query)]


def reserves_now(db: Source, run_id: str) -> Reserves:
    """Ledger balances now, the reserve ratio, and the latest reconciliation (or None)."""
    with _connect(db) as connection:
        balances = _balances(connection.execute(_balance_sums(run_id)))
        found = connection.execute(_newest_reconciliations(run_id, 1)).first()
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
    """One row per simulated day (``at_s // 86400``; negative in a history), the ``days``
    (7 or 30) most recent up to the last day with a transfer or a reconciliation: closing
    balances, ratio and the day's worst reconciliation status. Days without activity
    carry balances over."""
    if days not in HISTORY_DAYS:
        raise ValueError(f"days must be one of {', '.join(map(str, HISTORY_DAYS))}, got {days}")
    t, rr = LedgerTransfer, ReserveReconciliation
    t_day = cast(func.floor(t.at_s / DAY_S), Integer)
    rr_day = cast(func.floor(rr.at_s / DAY_S), Integer)
    # One pass over the run's ledger, summed by day: the span, the opening balances and the
    # days shown all come from it. Reading the ledger once per part (the span, then what
    # came before the first day shown, then each day's moves) cost three passes a request.
    by_day = _ledger_sums(run_id).add_columns(t_day.label("day")).group_by(t_day)
    with _connect(db) as connection:
        moves = connection.execute(by_day).all()
        statuses = connection.execute(
            select(rr_day, rr.status, func.count())
            .where(rr.run_id == run_id)
            .group_by(rr_day, rr.status)
        ).all()
    active = {int(move.day) for move in moves} | {int(day) for day, _, _ in statuses}
    if not active:
        return []
    # A run with a history has days before day 0 (its live part starts at t=0).
    last_day = max(active)
    first_day = max(min(active), last_day - days + 1)
    opening = [(account, side, amount) for account, side, amount, day in moves if day < first_day]
    shown = [move for move in moves if move.day >= first_day]
    recent = [status for status in statuses if status[0] >= first_day]
    return _days(range(first_day, last_day + 1), opening, shown, recent)


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
