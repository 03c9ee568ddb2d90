"""RFC 9457 problem details: every error the API answers is ``application/problem+json``.

``type`` is a URN naming the kind of problem, ``title`` its short name,
``status`` the HTTP status, ``detail`` what went wrong and what to do, and for
invalid requests ``errors``: one entry per field, with its path
(``body.amount_minor``, ``query.limit``). The handlers cover invoicesim's own
errors, FastAPI's validation errors, Starlette's 404/405 and anything
unexpected (500, details only in the server log).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from actors.errors import (
    ConflictError,
    IllegalTransition,
    InputError,
    InvariantViolation,
    InvoicesimError,
    LedgerError,
    NotFoundError,
    ReconciliationError,
    UnavailableError,
)
from storage.database import DatabaseError
from storage.queries import NotFound

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("invoicesim.api")

# Most specific first: the first class an error is an instance of decides.
_STATUS: tuple[tuple[type[InvoicesimError], int, str], ...] = (
    (InvariantViolation, 500, "invariant-violation"),
    (NotFound, 404, "not-found"),
    (NotFoundError, 404, "not-found"),
    (InputError, 422, "invalid-input"),
    (ConflictError, 409, "conflict"),
    (IllegalTransition, 409, "conflict"),
    (LedgerError, 409, "conflict"),
    (ReconciliationError, 422, "reconciliation-failed"),
    (UnavailableError, 503, "unavailable"),
    (DatabaseError, 503, "database-unavailable"),
)


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


def problem(
    status: int,
    detail: str,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[FieldProblem] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"urn:invoicesim:problem:{slug}" if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status, headers=headers, media_type=MEDIA_TYPE
    )


def status_of(exc: InvoicesimError) -> tuple[int, str]:
    for kind, status, slug in _STATUS:
        if isinstance(exc, kind):
            return status, slug
    return 400, "bad-request"


def _invoicesim_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvoicesimError)
    status, slug = status_of(exc)
    if status >= 500 and status != 503:
        log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)
    headers = {"Retry-After": "1"} if status == 503 else None
    return problem(status, str(exc), slug, headers)


def _field(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "request"


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldProblem(field=_field(tuple(e["loc"])), message=e["msg"]) for e in exc.errors()]
    fields = ", ".join(dict.fromkeys(e.field for e in errors))
    detail = f"the request is not valid; fix these fields: {fields}"
    return problem(422, detail, "validation-error", errors=errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}; the routes are listed at /docs"
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    detail = "an unexpected error; the server log has the details, retry or report it"
    return problem(500, detail, "internal-error")


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with problem+json."""
    app.add_exception_handler(InvoicesimError, _invoicesim_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
