"""Create or pay an invoice at most once per ``Idempotency-Key``: a repeat gets the stored
answer.

The key is claimed before the command goes to the engine (``storage.idempotency``).
A command that fails with a client error (404, 409, 422) is an answer too and
is stored; one that fails with 5xx releases the key so the client can retry
with it. Without a key the command is simply submitted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi.responses import JSONResponse

from actors.errors import ConflictError, InvoicesimError
from simulation.commands import CreateInvoice, InvoiceCreated, PayInvoice, PaymentStarted
from storage import idempotency
from storage.database import Database
from ui.api.auth import Caller
from ui.api.live_port import Engine
from ui.api.problems import MEDIA_TYPE, problem, status_of
from ui.api.requests import NewInvoice, Payment
from ui.api.responses import InvoiceCreatedOut, PaymentStartedOut

ACCEPTED = 202
CREATED = 201


def _started(engine: Engine, result: PaymentStarted) -> dict[str, Any]:
    out = PaymentStartedOut(
        invoice_id=result.invoice_id,
        method=result.method,
        started_at_s=result.started_at_s,
        started_at=engine.wall_time(result.started_at_s),
    )
    return out.model_dump(mode="json")


def _created(engine: Engine, result: InvoiceCreated) -> dict[str, Any]:
    out = InvoiceCreatedOut(
        **asdict(result),
        created_at=engine.wall_time(result.created_at_s),
        expires_at=engine.wall_time(result.expires_at_s),
    )
    return out.model_dump(mode="json")


def pay(
    db: Database,
    engine: Engine,
    run_id: str,
    caller: Caller,
    invoice_id: str,
    payment: Payment,
    key: str | None,
    timeout_s: float,
) -> JSONResponse:
    """Pay ``invoice_id``: 202 with when the payment started."""
    command = PayInvoice(invoice_id=invoice_id, method=payment.method)

    def submit() -> dict[str, Any]:
        result = engine.submit(command, timeout_s)
        assert isinstance(result, PaymentStarted), type(result)
        return _started(engine, result)

    request = ("POST", f"invoices/{invoice_id}/pay", payment.model_dump())
    return _once(db, run_id, caller, key, request, submit, ACCEPTED)


def create(
    db: Database,
    engine: Engine,
    run_id: str,
    caller: Caller,
    new: NewInvoice,
    key: str | None,
    timeout_s: float,
) -> JSONResponse:
    """Create an invoice: 201 with its id, wallet and expiry; an id that exists is a 409
    naming where it came from."""
    command = CreateInvoice(**new.model_dump())

    def submit() -> dict[str, Any]:
        result = engine.submit(command, timeout_s)
        assert isinstance(result, InvoiceCreated), type(result)
        return _created(engine, result)

    request = ("POST", "invoices", new.model_dump(mode="json"))
    return _once(db, run_id, caller, key, request, submit, CREATED)


def _once(
    db: Database,
    run_id: str,
    caller: Caller,
    key: str | None,
    request: tuple[str, str, dict[str, Any]],
    submit: Callable[[], dict[str, Any]],
    status: int,
) -> JSONResponse:
    """``submit`` at most once per ``key``: a repeat with the same request gets the stored
    answer, with another request a 409."""
    if key is None:
        return JSONResponse(submit(), status)
    digest = idempotency.request_hash(*request)
    claim = idempotency.claim(db, run_id, caller.token_id, key, digest)
    if claim.outcome == "mismatch":
        raise ConflictError(
            "this Idempotency-Key was first used with a different request; "
            "send a new key for a new request"
        )
    if claim.outcome == "in_progress":
        raise ConflictError(
            "the first request with this Idempotency-Key is still being processed; "
            "retry in a moment with the same key"
        )
    if claim.outcome == "replay":
        assert claim.status_code is not None and claim.response is not None
        media = MEDIA_TYPE if claim.status_code >= 400 else "application/json"
        headers = {"Idempotent-Replayed": "true"}
        return JSONResponse(claim.response, claim.status_code, headers, media_type=media)
    try:
        body = submit()
    except InvoicesimError as exc:
        code, slug = status_of(exc)
        if code >= 500:
            idempotency.release(db, run_id, caller.token_id, key)
            raise
        answer = problem(code, str(exc), slug)
        idempotency.store(db, run_id, caller.token_id, key, code, _json(answer))
        return answer
    except BaseException:
        idempotency.release(db, run_id, caller.token_id, key)
        raise
    idempotency.store(db, run_id, caller.token_id, key, status, body)
    return JSONResponse(body, status)


def _json(response: JSONResponse) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(bytes(response.body))
    return loaded
