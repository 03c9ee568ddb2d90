"""Bulk invoices from a CSV (enterprise): upload, progress, results as CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from actors.bulk_csv import REQUIRED_COLUMNS
from simulation.commands import SubmitBulk
from storage.queries import MAX_RESULT_ROWS, bulk_job_progress, bulk_job_results
from ui.api.auth import EnterpriseOnly
from ui.api.deps import Db, LiveEngine, LiveRun, Settings
from ui.api.responses import BulkSubmittedOut
from ui.api.results_csv import results_csv
from ui.api.routes.common import FOUND, PREFIX, PROTECTED
from ui.api.uploads import read_csv
from ui.api.views import BulkProgressOut

UPLOAD_PATH = f"{PREFIX}/invoices/bulk"
router = APIRouter(prefix=UPLOAD_PATH, tags=["bulk"])

JobId = Annotated[int, Path(ge=0, le=2**31 - 1)]  # a scenario's own jobs are numbered from 0
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: PROTECTED[422] | {"description": "The file is over the byte or row limit."}
}
# What the schema can say of a file the route takes: the header line, then a row that is not
# blank. The columns may come in any order and letter case; a row is checked by the engine,
# which refuses a bad one by line and takes the rest.
CSV_PATTERN = "^" + ",".join(REQUIRED_COLUMNS) + r"\r?\n[^\r\n]*[A-Za-z0-9]"
CSV_DOC = (
    "CSV: a header line naming " + ", ".join(REQUIRED_COLUMNS) + " (in any order), then one "
    "invoice a line"
)


@router.post("", status_code=202, responses=PROTECTED | FOUND | TOO_LARGE)
async def upload(
    caller: EnterpriseOnly,
    engine: LiveEngine,
    run: LiveRun,
    settings: Settings,
    file: Annotated[UploadFile, File(description=CSV_DOC,
                                     json_schema_extra={"pattern": CSV_PATTERN})],
    provider: Annotated[
        str, Form(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="auto, or a provider name")
    ] = "auto",
) -> BulkSubmittedOut:  # fmt: skip
    """Create and pay every good row; bad rows come back with line, column and reason.
    A provider not of the running scenario is a 404."""
    data = await read_csv(file, settings.max_csv_bytes, settings.max_csv_rows)
    command = SubmitBulk(
        data=data,
        provider=None if provider == "auto" else provider,
        name=(file.filename or "upload.csv")[:200],
    )
    result = await run_in_threadpool(engine.submit, command, settings.command_timeout_s)
    return BulkSubmittedOut.model_validate(result)


@router.get("/{job_id}", responses=PROTECTED | FOUND)
def progress(caller: EnterpriseOnly, db: Db, run: LiveRun, job_id: JobId) -> BulkProgressOut:
    """Total, processed, succeeded, failed and the first row errors of a job."""
    return BulkProgressOut.model_validate(bulk_job_progress(db, run, job_id))


@router.get(
    "/{job_id}/results.csv",
    response_class=Response,
    responses=PROTECTED | FOUND | {200: {"content": {"text/csv": {}}, "description": "CSV"}},
)
def results(
    caller: EnterpriseOnly, db: Db, run: LiveRun, settings: Settings, job_id: JobId
) -> Response:
    """One row per accepted line: status, provider, attempts, wallet, fee, latency, error."""
    limit = min(settings.max_csv_rows, MAX_RESULT_ROWS)
    body = results_csv(bulk_job_results(db, run, job_id, limit))
    filename = f"bulk-{job_id}-results.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
