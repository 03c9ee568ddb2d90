"""Bulk invoice import from CSV (the enterprise flow).

``parse_invoices_csv`` turns an uploaded file into validated ``InvoiceDraft``
rows and a list of ``RowError`` naming the physical line (the header is line
1; a row with a quoted multi-line field is reported at the line it starts on),
the column and the reason. A bad row never drops a good one: every row is
either accepted or rejected with at least one error, and every error found in
a row is reported. Only an over-size file is refused as a whole.

Import keeps text as text: a cell such as ``=SUM(A1)`` is a valid payer name
here; neutralising formulas is the job of the CSV export. Every error says what
to write instead (``actors.csv_advice``), in the user's own values where it can.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TypeVar

from actors.csv_advice import (
    EXAMPLES,
    Unreadable,
    amount_advice,
    currency_advice,
    date_advice,
    decimals_advice,
    explain_unreadable,
    not_utf8,
    ordinal,
    shown,
    too_few_values,
    too_many_values,
)
from actors.errors import InputError, InvariantViolation
from actors.invoice import MAX_AMOUNT_MINOR
from actors.methods import PaymentMethod, parse_method
from actors.money import CURRENCY_EXPONENTS, Money, check_currency

REQUIRED_COLUMNS = ("invoice_id", "payer", "merchant", "amount", "currency", "method", "due_date")
_BOM = b"\xef\xbb\xbf"
# Decoding with surrogateescape maps each invalid UTF-8 byte to one of these
# code points and nothing else does, so a row can be blamed for its own bytes.
_INVALID_UTF8 = re.compile("[\udc80-\udcff]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]*))?")
_MAX_AMOUNT_DIGITS = 18  # whole digits Money.parse reads: more is over any limit
_HEADER_LINE = ",".join(REQUIRED_COLUMNS)
_UTF16_BOMS = ("\udcff\udcfe", "\udcfe\udcff")  # FF FE, FE FF as surrogateescape reads them
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class CsvLimits:
    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 10_000
    max_amount_minor: int = MAX_AMOUNT_MINOR
    max_field_chars: int = 256

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_rows", "max_amount_minor", "max_field_chars"):
            if getattr(self, name) <= 0:
                raise InputError(f"CSV limit {name} must be positive, got {getattr(self, name)}")


DEFAULT_LIMITS = CsvLimits()


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str | None  # None when the problem is the row (or header) as a whole
    reason: str


@dataclass(frozen=True, slots=True)
class InvoiceDraft:
    """A validated row, ready for ``Invoice.from_draft``."""

    line: int
    invoice_id: str
    payer: str
    merchant: str
    amount: Money
    method: PaymentMethod
    due_date: date


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Outcome of one import. ``rows_rejected`` includes the rows over the row limit."""

    accepted: list[InvoiceDraft]
    errors: list[RowError]
    warnings: list[RowError]
    rows_seen: int
    rows_rejected: int
    rows_over_limit: int

    def __post_init__(self) -> None:
        if len(self.accepted) + self.rows_rejected != self.rows_seen:
            raise InvariantViolation(
                f"CSV import lost rows: {len(self.accepted)} accepted + {self.rows_rejected} "
                f"rejected != {self.rows_seen} seen"
            )


@dataclass(frozen=True, slots=True)
class BulkJob:
    """One bulk upload in a run: when it came, where its rows go, what was accepted."""

    job: int  # unique within the run
    file: str  # the file's name as given, for people
    at_s: float  # simulated time of the upload
    provider: str | None  # None: automatic routing; else every row goes to it
    drafts: tuple[InvoiceDraft, ...]  # the accepted rows, in file order
    rows: int  # rows read
    errors: tuple[RowError, ...]

    @classmethod
    def of(
        cls, job: int, file: str, at_s: float, provider: str | None, parsed: ImportResult
    ) -> BulkJob:
        drafts, errors = tuple(parsed.accepted), tuple(parsed.errors)
        return cls(job, file, at_s, provider, drafts, parsed.rows_seen, errors)

    @property
    def accepted(self) -> int:
        return len(self.drafts)

    def summary(self) -> dict[str, object]:
        """The job as a report shows it: everything but the rows themselves."""
        return {
            "job": self.job,
            "file": self.file,
            "at_s": self.at_s,
            "provider": self.provider,
            "rows": self.rows,
            "accepted": self.accepted,
            "errors": [
                {"line": e.line, "column": e.column, "reason": e.reason} for e in self.errors
            ],
        }


# Why a valid row may still not be imported (its id was given before, its due date has
# passed): (column, reason), or None when it may.
RowCheck = Callable[[InvoiceDraft], tuple[str, str] | None]


def parse_invoices_csv(
    data: bytes, limits: CsvLimits = DEFAULT_LIMITS, check: RowCheck | None = None
) -> ImportResult:
    """Validate every row of an invoice CSV; raise ``InputError`` only for an over-size file.
    ``check`` refuses valid rows for reasons outside the file (a refused row's id stays
    free for a later row of the file)."""
    if len(data) > limits.max_bytes:
        raise InputError(
            f"the CSV file is {len(data):,} bytes; the limit is {limits.max_bytes:,} bytes "
            "(split it into smaller files)"
        )
    rows = _rows(data.removeprefix(_BOM).decode("utf-8", errors="surrogateescape"))
    errors: list[RowError] = []
    warnings: list[RowError] = []
    header = _read_header(next(rows, None), errors, warnings)
    if header is None:
        return ImportResult([], errors, warnings, 0, 0, 0)
    accepted: list[InvoiceDraft] = []
    first_line_of: dict[str, int] = {}  # accepted invoice id -> its line, to name duplicates
    seen = rejected = over = 0
    first_over_line = 0
    for line, fields, problem in rows:
        seen += 1
        if seen > limits.max_rows:
            over += 1
            first_over_line = first_over_line or line
            continue
        if fields is None:
            assert problem is not None
            errors.append(_unreadable(problem, header))
            rejected += 1
            continue
        outcome = _check_row(line, fields, header, limits, first_line_of)
        if isinstance(outcome, InvoiceDraft) and check is not None:
            refused = check(outcome)
            if refused is not None:
                outcome = [RowError(line, *refused)]
        if isinstance(outcome, InvoiceDraft):
            accepted.append(outcome)
            first_line_of[outcome.invoice_id] = line
        else:
            errors.extend(outcome)
            rejected += 1
    if over:
        errors.append(
            RowError(
                first_over_line,
                None,
                f"{over:,} rows from this line on were not imported: "
                f"a file may hold at most {limits.max_rows:,} rows; upload them in another file",
            )
        )
    return ImportResult(accepted, errors, warnings, seen, rejected + over, over)


def _rows(text: str) -> Iterator[tuple[int, list[str] | None, Unreadable | None]]:
    """(start line, fields or None, the record the csv module refused or None) for each
    non-blank row."""
    # newline="" hands line endings to the csv module, which knows about quoted
    # newlines; reader.line_num then counts physical lines, so the row that was
    # just read starts on the line after the previous row ended, and a refused
    # record's own lines can be handed to the advice.
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines, strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num
            yield start, None, Unreadable(start, tuple(lines[start - 1 : end]), str(exc))
            continue
        end = reader.line_num
        if any(field.strip() for field in fields):
            yield start, fields, None


@dataclass(frozen=True, slots=True)
class _Header:
    positions: dict[str, int]  # required column -> index in a row
    width: int

    @property
    def columns(self) -> dict[int, str]:
        """Index in a row -> required column."""
        return {position: column for column, position in self.positions.items()}


def _read_header(
    first: tuple[int, list[str] | None, Unreadable | None] | None,
    errors: list[RowError],
    warnings: list[RowError],
) -> _Header | None:
    """Where the required columns are, or None (with one error) if rows cannot be read."""
    if first is None:
        reason = (
            f"the file is empty; its first line must be the header {_HEADER_LINE}, "
            "and each line after it an invoice"
        )
        errors.append(RowError(1, None, reason))
        return None
    line, fields, problem = first
    if fields is None:
        assert problem is not None
        index, reason = explain_unreadable(problem, None)
        where = "header" if index is None else f"header, {ordinal(index + 1)} column"
        errors.append(RowError(line, None, f"{where}: {reason}"))
        return None
    names = [field.strip().lower() for field in fields]
    wrong = _header_problem(names)
    if wrong is not None:
        errors.append(RowError(line, None, wrong))
        return None
    unknown = [repr(name) for name in names if name not in REQUIRED_COLUMNS]
    if unknown:
        warnings.append(RowError(line, None, f"unknown columns ignored: {', '.join(unknown)}"))
    return _Header({column: names.index(column) for column in REQUIRED_COLUMNS}, len(names))


def _header_problem(names: list[str]) -> str | None:
    """Why a header of these (stripped, lower-case) names cannot be read, or None."""
    if names and names[0].startswith(_UTF16_BOMS):
        return "the file is UTF-16 (Excel's Unicode Text); save it as CSV UTF-8 and upload that"
    for position, name in enumerate(names):
        if bad := _INVALID_UTF8.search(name):
            byte = ord(bad.group()) - 0xDC00
            advice = not_utf8(name, bad.start(), byte)
            return f"header, {ordinal(position + 1)} column: {advice}"
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    doubled = [column for column in REQUIRED_COLUMNS if names.count(column) > 1]
    if not (missing or doubled):
        return None
    unknown = [name for name in names if name not in REQUIRED_COLUMNS]
    said = []
    if missing:
        named = []
        for column in missing:
            close = difflib.get_close_matches(column, unknown, n=1, cutoff=0.7)
            named.append(f"{column} (is {close[0]!r} meant? rename it)" if close else column)
        said.append(f"missing columns: {', '.join(named)}")
    if doubled:
        said.append(f"columns given twice: {', '.join(doubled)} (keep one of each)")
    looks_like_data = len(missing) == len(REQUIRED_COLUMNS)
    hint = " (this line looks like an invoice: add the header above it)" if looks_like_data else ""
    return f"header {'; '.join(said)}; the first line must be the header {_HEADER_LINE}{hint}"


def _unreadable(record: Unreadable, header: _Header) -> RowError:
    """The error of a row the csv module refused, on the column at fault where known."""
    index, reason = explain_unreadable(record, header.width)
    column = header.columns.get(index) if index is not None else None
    if index is not None and column is None:
        reason = f"{ordinal(index + 1)} value: {reason}"
    return RowError(record.first_line, column, reason)


def _check_row(
    line: int,
    fields: list[str],
    header: _Header,
    limits: CsvLimits,
    first_line_of: dict[str, int],
) -> InvoiceDraft | list[RowError]:
    """The draft for a row, or every error found in it."""
    errors: list[RowError] = []
    if len(fields) > header.width:
        errors.append(RowError(line, None, too_many_values(fields, header.width)))
    text: dict[str, str] = {}
    for column, position in header.positions.items():
        if position >= len(fields):
            reason = too_few_values(len(fields), header.width, column)
            errors.append(RowError(line, column, reason))
            continue
        value = fields[position].strip()
        problem = _field_problem(column, value, limits.max_field_chars)
        if problem:
            errors.append(RowError(line, column, problem))
        else:
            text[column] = value

    def convert(column: str, parse: Callable[[str], _T]) -> _T | None:
        if column not in text:
            return None  # already reported
        try:
            return parse(text[column])
        except InputError as exc:
            errors.append(RowError(line, column, str(exc)))
            return None

    currency = convert("currency", _currency)
    amount = convert("amount", partial(_amount, currency=currency, limits=limits))
    method = convert("method", parse_method)
    due_date = convert("due_date", _due_date)
    invoice_id = text.get("invoice_id")
    if invoice_id is not None and invoice_id in first_line_of:
        first = first_line_of[invoice_id]
        reason = (
            f"duplicate invoice id {shown(invoice_id)!r}: give this row an id of its own, or "
            f"remove it if it is the invoice already imported from line {first}"
        )
        errors.append(RowError(line, "invoice_id", reason))
    if errors:
        return errors
    assert invoice_id is not None and amount is not None and method is not None
    assert due_date is not None
    return InvoiceDraft(line, invoice_id, text["payer"], text["merchant"], amount, method, due_date)


def _field_problem(column: str, value: str, max_chars: int) -> str | None:
    bad = _INVALID_UTF8.search(value)
    if bad:
        return not_utf8(value, bad.start(), ord(bad.group()) - 0xDC00)
    if len(value) > max_chars:
        return f"value is {len(value):,} characters; the limit is {max_chars:,}: shorten it"
    if not value:
        example = EXAMPLES[column]
        if column == "invoice_id":
            return f"empty invoice id; give each row an id of its own, e.g. {example}"
        return f"missing value; give this row its {column}, e.g. {example}"
    return None


def _currency(text: str) -> str:
    try:
        return check_currency(text.upper())
    except InputError:
        raise InputError(currency_advice(text)) from None


def _amount(text: str, currency: str | None, limits: CsvLimits) -> Money | None:
    if currency is None:
        return None  # cannot judge decimals without a currency; the currency is reported
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise InputError(amount_advice(text, currency))
    sign, whole, fraction = match.group(1), match.group(2).lstrip("0") or "0", match.group(3)
    not_positive = InputError(
        f"amount must be greater than 0, got {shown(text)}; write the amount due, "
        f"without a sign, e.g. {EXAMPLES['amount']}"
    )
    if sign:
        raise not_positive
    if fraction is not None and len(fraction) > CURRENCY_EXPONENTS[currency]:
        raise InputError(decimals_advice(text, len(fraction), currency))
    cap = Money(limits.max_amount_minor, currency)
    if len(whole) > _MAX_AMOUNT_DIGITS:  # past the digits Money.parse (and int()) read
        raise InputError(
            f"amount {shown(text)} ({len(whole):,} digits) is over the limit of {cap} per "
            "invoice; split it into several invoices"
        )
    if whole == "0" and not (fraction or "").strip("0"):
        raise not_positive
    amount = Money.parse(f"{whole}.{fraction}" if fraction is not None else whole, currency)
    if amount.amount_minor > limits.max_amount_minor:
        raise InputError(
            f"amount {amount} is over the limit of {cap} per invoice; split it into "
            "several invoices"
        )
    return amount


def _due_date(text: str) -> date:
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # e.g. 2025-02-30: shaped like a date, but there is no such day
    raise InputError(date_advice(text))
