"""What the routers share: the error responses every route documents, and a path name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response

from ui.api.problems import MEDIA_TYPE, Problem

PREFIX = "/api/v1"


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {MEDIA_TYPE: {}}}


PUBLIC: dict[int | str, dict[str, Any]] = {
    400: _problem("The body cannot be parsed (not UTF-8 JSON, or broken multipart)."),
    413: _problem("The body is over the size limit."),
    422: _problem("The request is not valid; `errors` names each field."),
    503: _problem("No scenario is running, or the database or engine is unavailable."),
}
PROTECTED: dict[int | str, dict[str, Any]] = PUBLIC | {
    401: _problem("Missing, unknown or revoked bearer token."),
    403: _problem("The token's role may not use this route."),
}
FOUND: dict[int | str, dict[str, Any]] = {404: _problem("No such entity.")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _problem("Clashes with the current state.")}

ProviderName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]


def json_body(body: bytes) -> Response:
    """An answer already serialized (a cached one): FastAPI sends it as it is."""
    return Response(body, media_type="application/json")
