"""Operations: liveness with the engine's state, and Prometheus metrics (both public)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ui.api.deps import Db, LiveEngine
from ui.api.responses import EngineOut, Healthz

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(db: Db, engine: LiveEngine) -> Healthz:
    """The service answers; which database it uses (no folder, user or password), whether
    that answers ("ok", else "database-unavailable": the engine goes on and writes its rows
    once it is back), and what the engine is doing."""
    return Healthz(
        status="ok" if db.reachable() else "database-unavailable",
        database=db.public_name,
        engine=EngineOut.model_validate(engine.status(), from_attributes=True),
    )


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    """Request counts and latencies by route, and the engine's clock, for Prometheus."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
