"""Bulk CSVs for fuzzed scenarios: good rows with bad ones among them.

About one row in six is bad, in one of the ways ``actors/bulk_csv.py`` must
report by line without dropping good rows: a duplicate id, a zero, negative or
over-precise amount, an unknown method or currency, a bad date, a missing or an
extra field, invalid UTF-8. Formula-looking payer names are good rows (import
keeps text as text). Every draw comes from the caller's ``random.Random``.
"""

from __future__ import annotations

import random

HEADER = b"invoice_id,payer,merchant,amount,currency,method,due_date"
PAYERS = ("alice", "bob", "carol", "=SUM(A1)", "dave, jr")
MERCHANTS = ("acme", "globex", "initech")
CURRENCIES = ("USD", "EUR", "GBP", "JPY")
METHODS = ("card", "bank", "crypto")
BAD_KINDS = (
    "duplicate_id",
    "zero_amount",
    "negative_amount",
    "three_decimals",
    "unknown_method",
    "unknown_currency",
    "bad_date",
    "missing_field",
    "extra_field",
    "invalid_utf8",
)
BAD_SHARE = 0.17


def bulk_csv(rng: random.Random, job: int, rows: int) -> bytes:
    """A CSV of ``rows`` data rows (ids ``FZ<job>-<n>``), about ``BAD_SHARE`` of them bad."""
    lines = [HEADER]
    for n in range(rows):
        cells = _good_cells(rng, job, n)
        if n > 0 and rng.random() < BAD_SHARE:
            cells = _spoil(rng, cells, job)
        lines.append(b",".join(cells))
    newline = rng.choice((b"\n", b"\r\n"))
    return newline.join(lines) + newline


def _good_cells(rng: random.Random, job: int, n: int) -> list[bytes]:
    currency = rng.choice(CURRENCIES)
    minor = rng.randint(1, 500_000)
    amount = str(minor) if currency == "JPY" else f"{minor // 100}.{minor % 100:02d}"
    payer = rng.choice(PAYERS)
    cells = [
        f"FZ{job}-{n:04d}",
        f'"{payer}"' if "," in payer else payer,
        rng.choice(MERCHANTS),
        amount,
        currency,
        rng.choice(METHODS),
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    ]
    return [cell.encode() for cell in cells]


def _spoil(rng: random.Random, cells: list[bytes], job: int) -> list[bytes]:
    kind = rng.choice(BAD_KINDS)
    cells = list(cells)
    if kind == "duplicate_id":
        cells[0] = f"FZ{job}-0000".encode()  # row 0 is always good
    elif kind == "zero_amount":
        cells[3] = b"0"
    elif kind == "negative_amount":
        cells[3] = b"-" + cells[3]
    elif kind == "three_decimals":
        cells[3], cells[4] = b"12.345", b"USD"
    elif kind == "unknown_method":
        cells[5] = b"cheque"
    elif kind == "unknown_currency":
        cells[4] = b"XYZ"
    elif kind == "bad_date":
        cells[6] = b"2026-13-40"
    elif kind == "missing_field":
        del cells[rng.randrange(1, len(cells))]
    elif kind == "extra_field":
        cells.append(b"surplus")
    else:
        cells[2] = b"glo\xffbex"
    return cells
