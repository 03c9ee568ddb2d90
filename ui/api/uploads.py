"""A bulk CSV upload read within its limits: bytes counted as they arrive, then rows counted.

The middleware already refuses a request body over the upload limit; this
refuses the file itself over ``max_csv_bytes`` without reading past it, a file
of more than ``max_csv_rows`` data rows, one without any (an empty or
header-only file is a mistake, not a job of nothing) and one whose header the
engine's parser (``actors.bulk_csv``) refuses: the live engine recorded such a
file as a job of 0 rows with 1 rejected, which the database refuses. The rows themselves are
validated by the engine (``actors.bulk_csv``), which reports bad rows by line.
"""

from __future__ import annotations

import csv
import io

from fastapi import HTTPException, UploadFile

from actors.bulk_csv import parse_invoices_csv
from actors.errors import InputError

CHUNK_BYTES = 64 * 1024


async def read_csv(upload: UploadFile, max_bytes: int, max_rows: int) -> bytes:
    """The file's bytes; 413 when over ``max_bytes`` or ``max_rows`` data rows, 422 (an
    ``InputError``) when it has no data row."""
    parts: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise HTTPException(
                413,
                f"the CSV file is larger than {max_bytes:,} bytes; split it into smaller files",
            )
        parts.append(chunk)
    data = b"".join(parts)
    rows = count_rows(data)
    header = next((e for e in parse_invoices_csv(data.split(b"\n", 1)[0]).errors), None)
    if header is not None:
        raise InputError(f"file: line 1: {header.reason}")
    if rows == 0:
        raise InputError(
            "file: the CSV file has no data rows; send a header line and at least one "
            "invoice row (invoice_id, payer, merchant, amount, currency, method, due_date)"
        )
    if rows > max_rows:
        raise HTTPException(
            413,
            f"the CSV file has {rows:,} data rows; the limit is {max_rows:,} rows "
            "(split it into smaller files)",
        )
    return data


def count_rows(data: bytes) -> int:
    """Non-blank CSV records after the header (quoted newlines stay inside their record).

    An unreadable record counts, as the engine's parser counts it: the engine reports it
    by line, so a file whose only row is badly quoted is a job with one refused row, not a
    file without rows."""
    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return max(0, records - 1)
        except csv.Error:
            records += 1  # the reader goes on at the next line, as the parser's does
            continue
        if any(field.strip() for field in fields):
            records += 1
