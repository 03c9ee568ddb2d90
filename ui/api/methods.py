"""405 answers that list every method the resource takes, as RFC 9110 asks of ``Allow``.

Starlette answers 405 from the first route whose path matches, so ``Allow`` named only
that route's methods (``OPTIONS /api/v1/invoices`` said ``POST``, though ``GET`` is
served there too). This handler lists the methods of the path in the OpenAPI schema;
where two paths match (``/invoices/bulk`` and ``/invoices/{invoice_id}``), the one with
fewer parameters is the resource.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from ui.api.problems import problem

IMPLIED = {"GET": "HEAD"}  # Starlette answers HEAD wherever it answers GET


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI schema lists for the resource at ``path`` (none if unknown)."""
    best: tuple[int, list[str]] | None = None
    for template, operations in app.openapi().get("paths", {}).items():
        regex, _, params = compile_path(template)
        if regex.match(path) and (best is None or len(params) < best[0]):
            best = (len(params), [m.upper() for m in operations])
    if best is None:
        return []
    methods = set(best[1])
    return sorted(methods | {IMPLIED[m] for m in methods if m in IMPLIED})


def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    allowed = ", ".join(allowed_methods(request.app, request.url.path))
    detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
    return problem(405, detail, headers=dict(exc.headers or {}) | {"Allow": allowed})


def install(app: FastAPI) -> None:
    """Answer 405 with the resource's methods (a status handler comes before the
    HTTPException handler of ``problems``)."""
    app.add_exception_handler(405, _method_not_allowed)
