"""``create_app(settings, db, engine)``: the API, built by the composition root.

Nothing is built at import time. The app holds the three on ``app.state``, with
the log of faults the API injected, the read cache and the verified tokens, for the
dependencies in ``deps`` and ``auth``; every
error is problem+json (``problems``); bodies are bounded (``limits``); parameters are as
strict as bodies (``strict_input``); CORS stays closed unless origins are set.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from storage.database import Database
from ui.api import methods, problems
from ui.api.deps import document_page_size
from ui.api.faults import FaultLog
from ui.api.hot_path import HotPath
from ui.api.limits import BodyLimit
from ui.api.live_port import Engine
from ui.api.metrics import Metrics, MetricsMiddleware
from ui.api.read_cache import ReadCache
from ui.api.routes import bulk, faults, invoices, ops, providers, reserves, runs
from ui.api.settings import ApiSettings
from ui.api.strict_input import document_closed_forms, strict_parameters
from ui.api.token_cache import TokenCache


def _version() -> str:
    try:
        return version("invoicesim")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(settings: ApiSettings, db: Database, engine: Engine) -> FastAPI:
    app = FastAPI(
        title="invoicesim",
        version=_version(),
        summary="A live simulation of an invoice-first stablecoin payment platform.",
        description="Bearer tokens come from `invoicesim token create --role ROLE`. "
        "Errors are RFC 9457 problem+json.",
        dependencies=[Depends(strict_parameters)],
    )
    app.state.settings = settings
    app.state.db = db
    app.state.engine = engine
    app.state.metrics = Metrics(engine)
    app.state.faults = FaultLog()
    app.state.reads = ReadCache(settings.read_cache_ttl_s, settings.read_max_stale_s)
    app.state.tokens = TokenCache(settings.token_cache_ttl_s, settings.token_cache_size)
    problems.install(app)
    methods.install(app)
    for area in (providers, faults, reserves, bulk, invoices, runs):
        app.include_router(area.router)  # bulk before invoices/{id}
    app.include_router(ops.router)
    app.add_middleware(
        BodyLimit,
        default_bytes=settings.max_body_bytes,
        upload_bytes=settings.max_upload_bytes,
        upload_path=bulk.UPLOAD_PATH,
    )
    app.add_middleware(HotPath, reads=app.state.reads, engine=engine)  # inside CORS, metrics
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    _document_settings(app, settings)
    return app


def _document_settings(app: FastAPI, settings: ApiSettings) -> None:
    """The OpenAPI schema states the limits of this server's settings, not the defaults, and
    that a form takes no field it does not list."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = document_page_size(generate(), settings.max_page_size)
            app.openapi_schema = document_closed_forms(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
