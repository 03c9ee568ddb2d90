"""Invoices and wallets: create (enterprise, consumer), read, pay (consumer, idempotent)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from simulation.commands import CreateInvoice, InvoiceCreated
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
Status = Literal["pending", "processing", "paid", "failed", "expired"]


@router.post("/invoices", status_code=201, responses=PROTECTED)
def create(
    caller: Invoicer, new: NewInvoice, engine: LiveEngine, settings: Settings
) -> InvoiceCreatedOut:
    """Create an invoice and its ephemeral wallet; the address and when it expires."""
    result = engine.submit(CreateInvoice(**new.model_dump()), settings.command_timeout_s)
    assert isinstance(result, InvoiceCreated), type(result)
    return InvoiceCreatedOut(
        **asdict(result),
        created_at=engine.wall_time(result.created_at_s),
        expires_at=engine.wall_time(result.expires_at_s),
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
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=PRINTABLE,
            description="Same key, same body: same answer.",
        ),
    ] = None,
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
