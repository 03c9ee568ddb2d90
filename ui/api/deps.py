"""What a route can ask for: settings, database, engine, the fault log, the read cache, the
live run, as ``Annotated`` aliases.

The composition root puts the settings, the database and the engine on
``app.state`` (``create_app``, which adds the API's ``FaultLog`` and ``ReadCache``);
these dependencies only hand them over. They are async because they never block:
FastAPI runs a plain ``def`` dependency in a worker thread, a trip per request.
``LiveRun`` is the id of the running scenario's run; with none running, the
route answers 503 saying how to start one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from actors.errors import UnavailableError
from storage.database import Database
from storage.queries import MAX_LIMIT
from ui.api.faults import FaultLog
from ui.api.live_port import Engine, EngineStatus
from ui.api.read_cache import ReadCache
from ui.api.settings import ApiSettings

MAX_OFFSET = 10_000_000
DEFAULT_PAGE = 100
PAGE_LIMIT_DOC = "Page size (default 100, at most the server's INVOICESIM_MAX_PAGE_SIZE)."
NO_RUN = "no scenario is running; start one with POST /api/v1/scenarios/{name}/start"


async def _settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def _faults(request: Request) -> FaultLog:
    faults: FaultLog = request.app.state.faults
    return faults


async def _reads(request: Request) -> ReadCache:
    reads: ReadCache = request.app.state.reads
    return reads


Settings = Annotated[ApiSettings, Depends(_settings)]
Reads = Annotated[ReadCache, Depends(_reads)]
Faults = Annotated[FaultLog, Depends(_faults)]
Db = Annotated[Database, Depends(_db)]
LiveEngine = Annotated[Engine, Depends(_engine)]


async def _live_status(engine: LiveEngine) -> EngineStatus:
    status = engine.status()
    if status.run_id is None:
        raise UnavailableError(NO_RUN)
    return status


async def _live_run(status: Annotated[EngineStatus, Depends(_live_status)]) -> str:
    assert status.run_id is not None
    return status.run_id


LiveStatus = Annotated[EngineStatus, Depends(_live_status)]
LiveRun = Annotated[str, Depends(_live_run)]


class PageParams:
    """``limit`` (1..max_page_size) and ``offset`` of a paged list."""

    def __init__(self, limit: int, offset: int) -> None:
        self.limit = limit
        self.offset = offset


async def _page(
    settings: Settings,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description=PAGE_LIMIT_DOC)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    if limit is None:
        return PageParams(min(DEFAULT_PAGE, settings.max_page_size), offset)
    if limit > settings.max_page_size:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "limit"),
                    "msg": f"Input should be less than or equal to {settings.max_page_size}",
                    "type": "less_than_equal",
                }
            ]
        )
    return PageParams(limit, offset)


Page = Annotated[PageParams, Depends(_page)]


def document_page_size(schema: dict[str, Any], max_page_size: int) -> dict[str, Any]:
    """``schema`` (OpenAPI) with the largest page ``limit`` this server takes, its setting."""
    for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and parameter.get("description") == PAGE_LIMIT_DOC:
                for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    if option.get("type") == "integer":
                        option["maximum"] = max_page_size
    return schema
