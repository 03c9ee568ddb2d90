"""Pay an invoice at most once per ``Idempotency-Key``: a repeat gets the stored answer.

The key is claimed before the command goes to the engine (``storage.idempotency``).
A command that fails with a client error (404, 409, 422) is an answer too and
is stored; one that fails with 5xx releases the key so the client can retry
with it. Without a key the command is simply submitted.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse

from actors.errors import ConflictError, InvoicesimError
from simulation.commands import PayInvoice, PaymentStarted
from storage import idempotency
from storage.database import Database
from ui.api.auth import Caller
from ui.api.live_port import Engine
from ui.api.problems import MEDIA_TYPE, problem, status_of
from ui.api.requests import Payment
from ui.api.responses import PaymentStartedOut

ACCEPTED = 202


def _started(engine: Engine, result: PaymentStarted) -> dict[str, Any]:
    out = PaymentStartedOut(
        invoice_id=result.invoice_id,
        method=result.method,
        started_at_s=result.started_at_s,
        started_at=engine.wall_time(result.started_at_s),
    )
    return out.model_dump(mode="json")


def _submit(engine: Engine, command: PayInvoice, timeout_s: float) -> dict[str, Any]:
    result = engine.submit(command, timeout_s)
    assert isinstance(result, PaymentStarted), type(result)
    return _started(engine, result)


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
    command = PayInvoice(invoice_id=invoice_id, method=payment.method)
    if key is None:
        return JSONResponse(_submit(engine, command, timeout_s), ACCEPTED)
    digest = idempotency.request_hash("POST", f"invoices/{invoice_id}/pay", payment.model_dump())
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
        body = _submit(engine, command, timeout_s)
    except InvoicesimError as exc:
        status, slug = status_of(exc)
        if status >= 500:
            idempotency.release(db, run_id, caller.token_id, key)
            raise
        answer = problem(status, str(exc), slug)
        idempotency.store(db, run_id, caller.token_id, key, status, _json(answer))
        return answer
    except BaseException:
        idempotency.release(db, run_id, caller.token_id, key)
        raise
    idempotency.store(db, run_id, caller.token_id, key, ACCEPTED, body)
    return JSONResponse(body, ACCEPTED)


def _json(response: JSONResponse) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(bytes(response.body))
    return loaded
