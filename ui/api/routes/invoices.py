"""Invoices and wallets: create (enterprise, consumer), read, pay (consumer, idempotent)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from storage.queries import MAX_LIMIT, active_wallets, get_invoice, list_invoices
from ui.api import idempotent
from ui.api.auth import AnyRole, ConsumerOnly, Invoicer
from ui.api.deps import Db, LiveEngine, LiveRun, LiveStatus, Page, Reads, Settings
from ui.api.requests import PRINTABLE, NewInvoice, Payment
from ui.api.responses import InvoiceCreatedOut, PaymentStartedOut
from ui.api.routes.common import CONFLICT, FOUND, PREFIX, PROTECTED, json_body
from ui.api.views import ActiveWalletOut, InvoiceDetailOut, InvoicePageOut

router = APIRouter(prefix=PREFIX, tags=["invoices"])

InvoiceId = Annotated[str, Path(min_length=1, max_length=200, pattern=PRINTABLE)]
# actors.invoice.InvoiceState, spelled out for the OpenAPI schema (a test holds them equal).
Status = Literal["pending", "processing", "paid", "failed", "expired", "underpaid", "overpaid"]


IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=255,
        pattern=PRINTABLE,
        description="Same key, same body: same answer.",
    ),
]


@router.post(
    "/invoices",
    status_code=201,
    response_model=InvoiceCreatedOut,
    responses=PROTECTED | CONFLICT,
)
def create(
    caller: Invoicer,
    db: Db,
    engine: LiveEngine,
    run: LiveRun,
    new: NewInvoice,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create an invoice (your own id, or the next free INV-000001) and its ephemeral
    wallet; the address and when it expires. An id that exists already is a 409."""
    return idempotent.create(
        db, engine, run, caller, new, idempotency_key, settings.command_timeout_s
    )


@router.get("/invoices", responses=PROTECTED, response_model=InvoicePageOut)
async def page(
    caller: AnyRole, db: Db, run: LiveRun, reads: Reads, paging: Page, status: Status | None = None
) -> Response:
    """One page of invoices, oldest first, optionally of one status (shared for a quarter
    second: the engine writes as often)."""

    def compute() -> bytes:
        found = list_invoices(db, run, status, paging.limit, paging.offset)
        return InvoicePageOut.model_validate(found).model_dump_json().encode()

    key = ("invoices", run, status, paging.limit, paging.offset)
    return json_body(await reads.get(key, compute))


@router.get("/invoices/{invoice_id}", responses=PROTECTED | FOUND)
def one(
    caller: AnyRole, db: Db, engine: LiveEngine, run: LiveRun, invoice_id: InvoiceId
) -> InvoiceDetailOut:
    """The invoice, its payment attempts and its wallet (with its expiry in wall time)."""
    detail = InvoiceDetailOut.model_validate(get_invoice(db, run, invoice_id))
    if detail.wallet is not None:
        detail.wallet.expires_at = engine.wall_time(detail.wallet.expires_at_s)
    return detail


@router.post(
    "/invoices/{invoice_id}/pay",
    status_code=202,
    response_model=PaymentStartedOut,
    responses=PROTECTED | FOUND | CONFLICT,
)
def pay(
    caller: ConsumerOnly,
    db: Db,
    engine: LiveEngine,
    run: LiveRun,
    settings: Settings,
    invoice_id: InvoiceId,
    payment: Payment,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Pay with card, bank or crypto; the payment completes in the simulation."""
    return idempotent.pay(
        db, engine, run, caller, invoice_id, payment, idempotency_key, settings.command_timeout_s
    )


_WALLETS = TypeAdapter(list[ActiveWalletOut])


@router.get("/wallets", tags=["wallets"], responses=PROTECTED, response_model=list[ActiveWalletOut])
async def wallets(
    caller: AnyRole,
    db: Db,
    engine: LiveEngine,
    live: LiveStatus,
    reads: Reads,
    status: Literal["active"] = "active",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 500,
) -> Response:
    """Wallets not destroyed yet, soonest to expire first, with the seconds they have left
    (shared for a quarter second)."""
    run_id, now_s = live.run_id, live.sim_now_s
    assert run_id is not None

    def compute() -> bytes:
        found = active_wallets(db, run_id, now_s, limit)
        return _WALLETS.dump_json(
            [ActiveWalletOut(**w, expires_at=engine.wall_time(w["expires_at_s"])) for w in found]
        )

    return json_body(await reads.get(("wallets", run_id, limit), compute))
