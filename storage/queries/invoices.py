"""Invoices and the ephemeral wallets they are paid into."""

from __future__ import annotations

import typing

from sqlalchemy import and_, func, select

from actors.invoice import InvoiceState
from actors.wallet import WalletState
from storage.queries.common import MAX_LIMIT, Source, _bounded, _connect
from storage.queries.shapes import ActiveWallet, InvoicePage, InvoiceRow
from storage.schema import EphemeralWallet, Invoice


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
