"""The reference orchestrator's invoice API (``create_orchestrator_app``).

Three verbs, as docs/exercise.md documents them for any orchestrator under test:
create an invoice, pay it with an ``Idempotency-Key`` (once, whatever the repeats),
and read it. Paying answers at once (202) with the invoice as it stands: the
payment goes on behind, and a read shows how it ended. Errors are problem+json
(``ui.api.problems``), bodies as strict as the product API's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

from actors.invoice import MAX_AMOUNT_MINOR
from actors.methods import PaymentMethod
from exercise.emulators.api import INVALID, KEY_PATTERN, Limits
from exercise.orchestrator.payments import Invoice, Payments
from simulation.scenario.model import PROVIDER_NAME_PATTERN
from ui.api import problems
from ui.api.problems import MEDIA_TYPE, Problem
from ui.api.requests import Body, Currency, Method, _utf8
from ui.api.strict_input import strict_parameters

ID_PATTERN = r"^[!-.0-~]{1,200}$"  # visible ASCII without "/": a path segment


class NewInvoice(Body):
    invoice_id: Annotated[str, AfterValidator(_utf8)] = Field(
        pattern=ID_PATTERN, description="The caller's own id of the invoice."
    )
    amount_minor: int = Field(gt=0, le=MAX_AMOUNT_MINOR, description="Integer minor units.")
    currency: Currency
    method: Method


class PayRequest(Body):
    provider: str | None = Field(
        default=None,
        pattern=PROVIDER_NAME_PATTERN,
        description="Charge through this provider only (a bulk file's `provider:`); "
        "absent or null: routed as the orchestrator decides.",
    )


class InvoiceOut(BaseModel):
    """An invoice as it stands; times are the orchestrator's simulated seconds."""

    invoice_id: str
    amount_minor: int
    currency: str
    method: Method
    status: Literal["pending", "processing", "paid", "failed"]
    provider: str | None = Field(description="Who charged it (paid) or was tried last.")
    attempts: int
    fee_minor: int
    reason: str | None = Field(description="Why it failed.")
    created_at_s: float
    ended_at_s: float | None


class Health(BaseModel):
    status: Literal["ok"]
    invoices: int
    open_payments: int


def _out(invoice: Invoice) -> dict[str, object]:
    return InvoiceOut(
        invoice_id=invoice.invoice_id,
        amount_minor=invoice.amount_minor,
        currency=invoice.currency,
        method=invoice.method.value,
        status=invoice.status,
        provider=invoice.provider,
        attempts=invoice.attempts,
        fee_minor=invoice.fee_minor,
        reason=invoice.reason,
        created_at_s=invoice.created_at_s,
        ended_at_s=invoice.ended_at_s,
    ).model_dump(mode="json")


def _payments(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments


Service = Annotated[Payments, Depends(_payments)]
IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", pattern=KEY_PATTERN, description="One key per payment."),
]
InvoiceId = Annotated[str, Path(pattern=ID_PATTERN)]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {MEDIA_TYPE: {}}}


Responses = dict[int | str, dict[str, Any]]
CONFLICT: Responses = {409: _problem("Clashes with what was asked before; `detail` says how.")}
MISSING: Responses = {404: _problem("No invoice with this id.")}
FULL: Responses = {503: _problem("The orchestrator keeps no more invoices.")}


def _ok(description: str) -> Responses:
    return {200: {"model": InvoiceOut, "description": description}}


def create_orchestrator_app(payments: Payments) -> Limits:
    app = FastAPI(
        title="invoicesim reference orchestrator",
        version="1",
        summary="actors.orchestrator as a service: invoices paid through provider APIs.",
        description="Create an invoice, pay it once per `Idempotency-Key`, read how it ended. "
        "Times are simulated seconds on the paced clock. Errors are RFC 9457 problem+json.",
        dependencies=[Depends(strict_parameters)],
    )
    app.state.payments = payments
    problems.install(app)

    @app.post(
        "/invoices",
        status_code=201,
        response_model=InvoiceOut,
        responses=_ok("Known already, with the same values.") | CONFLICT | FULL | INVALID,
    )
    async def create_invoice(body: NewInvoice, service: Service) -> JSONResponse:
        """Create an invoice; the same id with the same values again is answered 200."""
        invoice, new = service.create(
            body.invoice_id, body.amount_minor, body.currency, PaymentMethod(body.method)
        )
        return JSONResponse(_out(invoice), 201 if new else 200)

    @app.post(
        "/invoices/{invoice_id}/pay",
        status_code=202,
        response_model=InvoiceOut,
        responses=_ok("A repeat with the same key: nothing started.")
        | CONFLICT
        | MISSING
        | INVALID,
    )
    async def pay_invoice(
        invoice_id: InvoiceId,
        key: IdempotencyKey,
        service: Service,
        body: PayRequest | None = None,
    ) -> JSONResponse:
        """Start paying the invoice (202); a repeat with the same key starts nothing (200).
        The body is optional: `{"provider": NAME}` forces the provider."""
        provider = None if body is None else body.provider
        invoice, started = service.pay(invoice_id, key, provider)
        return JSONResponse(_out(invoice), 202 if started else 200)

    @app.get("/invoices/{invoice_id}", response_model=InvoiceOut, responses=MISSING | INVALID)
    async def get_invoice(invoice_id: InvoiceId, service: Service) -> JSONResponse:
        """The invoice as it stands."""
        invoice = service.invoices.get(invoice_id)
        if invoice is None:
            return problems.problem(404, f"no invoice {invoice_id}", "not-found")
        return JSONResponse(_out(invoice))

    @app.get("/health", response_model=Health)
    async def health(service: Service) -> Health:
        return Health(
            status="ok", invoices=len(service.invoices), open_payments=service.open_payments
        )

    return Limits(app)
