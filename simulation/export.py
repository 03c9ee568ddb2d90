"""CSV export that spreadsheets cannot execute, and the invoices.csv writer."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

from actors.invoice import Invoice
from actors.money import Money

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Amounts as decimals in the invoice's currency (``84.19``), never minor units.
INVOICE_COLUMNS = (
    "invoice_id",
    "payer",
    "merchant",
    "amount",
    "currency",
    "method",
    "due_date",
    "status",
    "provider",
    "attempts",
    "fee",
    "created_at_s",
    "ended_at_s",
    "reason",
    "wallet_address",
)


def invoice_row(
    invoice: Invoice, state: str, attempts: int, ended_at: float, fee_minor: int, address: str
) -> tuple[Any, ...]:
    """One finished invoice in ``INVOICE_COLUMNS`` order."""
    amount = invoice.amount
    return (
        invoice.id,
        invoice.payer,
        invoice.merchant,
        amount.decimal_text(),
        amount.currency,
        invoice.method.value,
        invoice.due_date.isoformat(),
        state,
        invoice.provider or "",
        attempts,
        Money(fee_minor, amount.currency).decimal_text(),
        round(invoice.created_at, 6),
        round(ended_at, 6),
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
