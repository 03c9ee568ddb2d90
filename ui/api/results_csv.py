"""A bulk job's results as CSV, with every cell a spreadsheet could execute neutralised."""

from __future__ import annotations

import csv
import io

from simulation.export import safe_cell
from storage.queries import BulkResult

COLUMNS = (
    "line",
    "invoice_id",
    "status",
    "provider",
    "attempts",
    "wallet_address",
    "amount_minor",
    "currency",
    "fee_minor",
    "latency_ms",
    "error",
)


def results_csv(results: list[BulkResult]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in results:
        row = (r["line"], r["invoice_id"], r["status"], r["provider"], r["attempts"],
               r["wallet_address"], r["amount_minor"], r["currency"], r["fee_minor"],
               r["latency_ms"], r["reason"])  # fmt: skip
        writer.writerow([safe_cell("" if v is None else v) for v in row])
    return buffer.getvalue()
