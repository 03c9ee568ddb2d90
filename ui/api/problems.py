"""RFC 9457 problem details: every error the API answers is ``application/problem+json``.

``type`` is a URN naming the kind of problem, ``title`` its short name,
``status`` the HTTP status, ``detail`` what went wrong and what to do, and for
invalid requests ``errors``: one entry per field, with its path
(``body.amount_minor``, ``query.limit``). The handlers cover invoicesim's own
errors, FastAPI's validation errors, Starlette's 404/405, a database that cannot
be reached (503 with ``Retry-After``: the live engine goes on and writes its
rows once the database is back) and anything unexpected (500, details only in
the server log).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
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
from storage.database import CONNECTION_ERRORS, DatabaseError, connection_lost
from storage.queries import NotFound

MEDIA_TYPE = "application/problem+json"
DATABASE_RETRY_AFTER_S = 5  # a restarting PostgreSQL takes seconds, not milliseconds
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
    if isinstance(exc, DatabaseError) and connection_lost(exc):
        return _database_unavailable(request, exc)  # lost or unreachable, as opposed to refused
    if isinstance(exc, DatabaseError) and isinstance(exc.__cause__, DBAPIError):
        # The server answered and refused the statement: a bug here, not an outage (and
        # the driver's message may quote the data, so it stays in the log).
        return _unexpected(request, exc)
    status, slug = status_of(exc)
    if status >= 500 and status != 503:
        log.error("%s %s: %s", request.method, request.url.path, exc, exc_info=exc)
    headers = {"Retry-After": "1"} if status == 503 else None
    return problem(status, _public(request, str(exc)), slug, headers)


def _public(request: Request, detail: str) -> str:
    """``detail`` with the database named as answers name it: a message written for the log
    and the command line names the embedded server's folder (``url_for_display``)."""
    db = getattr(request.app.state, "db", None)
    if db is None or not db.url_for_display:
        return detail
    return detail.replace(db.url_for_display, db.public_name)


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database is down or restarting: say so and when to retry, never how it is reached.

    The driver's message can name hosts, users and socket folders, so it goes to the server
    log only; the detail names the database by its ``public_name``.
    """
    shown = getattr(getattr(request.app.state, "db", None), "public_name", None)
    name = "the database" if shown is None else f"the database ({shown})"
    log.warning(
        "%s %s: database unavailable (%s: %s)",
        request.method,
        request.url.path,
        type(exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
    )
    detail = (
        f"{name} is unavailable, so this request could not be answered. "
        "A running scenario goes on and keeps its new rows until the database is back, "
        f"then writes them; retry in {DATABASE_RETRY_AFTER_S} s (GET /healthz says when "
        "the database answers again)"
    )
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
    return problem(503, detail, "database-unavailable", headers)


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
    for connection_error in CONNECTION_ERRORS:  # psycopg's own, or wrapped by SQLAlchemy
        if not issubclass(connection_error, InvoicesimError):
            app.add_exception_handler(connection_error, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
