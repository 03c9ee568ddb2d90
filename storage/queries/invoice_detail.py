"""One invoice with its payment attempts and its wallet: what ``GET /invoices/{id}`` shows."""

from __future__ import annotations

import typing
from typing import TypedDict

from sqlalchemy import and_, select

from storage.queries.common import NotFound, Source, _connect, _where
from storage.queries.shapes import InvoiceRow
from storage.schema import EphemeralWallet, Invoice, PaymentAttempt

MAX_ATTEMPTS = 100  # an invoice is retried across a handful of providers, never more


class AttemptRow(TypedDict):
    attempt_no: int
    provider: str
    sent_at_s: float
    finished_at_s: float
    result: str
    latency_ms: float
    succeeded: bool


class WalletRow(TypedDict):
    address: str
    state: str
    expected_minor: int
    received_minor: int
    created_at_s: float
    expires_at_s: float
    destroyed_at_s: float | None


class InvoiceDetail(TypedDict):
    invoice: InvoiceRow
    attempts: list[AttemptRow]
    wallet: WalletRow | None


_INVOICE_COLUMNS = [c for c in Invoice.__table__.columns if c.name != "run_id"]


def get_invoice(db: Source, run_id: str, invoice_id: str) -> InvoiceDetail:
    """The invoice, its attempts in order and its wallet; ``NotFound`` if no such invoice."""
    p, w = PaymentAttempt, EphemeralWallet
    attempts = (
        select(p.attempt_no, p.provider, p.sent_at_s, p.finished_at_s, p.result, p.latency_ms,
               p.succeeded)
        .where(p.run_id == run_id, p.invoice_id == invoice_id)
        .order_by(p.attempt_no, p.sent_at_s)
        .limit(MAX_ATTEMPTS)
    )  # fmt: skip
    wallet = select(w.address, w.state, w.expected_minor, w.received_minor, w.created_at_s,
                    w.expires_at_s, w.destroyed_at_s)  # fmt: skip
    with _connect(db) as connection:
        found = connection.execute(
            select(*_INVOICE_COLUMNS).where(
                and_(Invoice.run_id == run_id, Invoice.invoice_id == invoice_id)
            )
        ).first()
        if found is None:
            raise NotFound(
                f"no invoice {invoice_id!r} in run {run_id!r} in {_where(db)}; "
                "list the invoices with GET /api/v1/invoices"
            )
        tried = [typing.cast(AttemptRow, row._asdict()) for row in connection.execute(attempts)]
        held = connection.execute(
            wallet.where(w.run_id == run_id, w.invoice_id == invoice_id)
            .order_by(w.created_at_s.desc())
            .limit(1)
        ).first()
    return InvoiceDetail(
        invoice=typing.cast(InvoiceRow, found._asdict()),
        attempts=tried,
        wallet=None if held is None else typing.cast(WalletRow, held._asdict()),
    )
