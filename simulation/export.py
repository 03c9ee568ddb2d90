"""CSV export that spreadsheets cannot execute, and the invoices.csv writer."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

INVOICE_COLUMNS = (
    "invoice_id",
    "status",
    "provider",
    "attempts",
    "amount_minor",
    "currency",
    "method",
    "created_at_s",
    "ended_at_s",
    "fee_minor",
    "reason",
    "wallet_address",
)


def invoice_row(
    invoice: Any, state: str, attempts: int, ended_at: float, fee_minor: int, address: str
) -> tuple[Any, ...]:
    """One finished invoice (``actors.invoice.Invoice``) in ``INVOICE_COLUMNS`` order."""
    amount = invoice.amount
    return (
        invoice.id,
        state,
        invoice.provider or "",
        attempts,
        amount.amount_minor,
        amount.currency,
        invoice.method.value,
        round(invoice.created_at, 6),
        round(ended_at, 6),
        fee_minor,
        invoice.reason or "",
        address,
    )


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would read as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class InvoiceCsv:
    """Streams finished invoices to a CSV file as windows complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self._writer.writerow(INVOICE_COLUMNS)
        self.rows = 0

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        self._writer.writerows([tuple(safe_cell(v) for v in row) for row in rows])
        self.rows += len(rows)

    def close(self) -> None:
        self._file.close()
