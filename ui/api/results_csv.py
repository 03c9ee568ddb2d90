"""A bulk job's results as CSV for people: the user's own ids and fields, money as decimal
amounts, column names in words, and every cell a spreadsheet could execute neutralised."""

from __future__ import annotations

import csv
import io

from simulation.export import safe_cell
from storage.queries import BulkResult
from ui.formatting import decimal_amount

COLUMNS = (
    "Line",
    "Invoice",
    "Payer",
    "Merchant",
    "Amount",
    "Currency",
    "Method",
    "Due date",
    "Status",
    "Provider",
    "Attempts",
    "Fee",
    "Time to pay (ms)",
    "Wallet",
    "Reason",
)


def results_csv(results: list[BulkResult]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in results:
        currency = r["currency"] or "USD"
        due = r["due_date"]
        latency = r["latency_ms"]
        row = (
            r["line"], r["invoice_id"], r["payer"], r["merchant"],
            decimal_amount(r["amount_minor"], currency), r["currency"], r["method"],
            None if due is None else due.isoformat(), r["status"], r["provider"], r["attempts"],
            decimal_amount(r["fee_minor"], currency), None if latency is None else round(latency),
            r["wallet_address"], r["reason"],
        )  # fmt: skip
        writer.writerow([safe_cell("" if v is None else v) for v in row])
    return buffer.getvalue()
