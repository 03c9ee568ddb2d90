"""Invoice ids: the user's own, unique within a run, and readable ones where none is given.

An invoice keeps the id its user gave it (a CSV row's ``invoice_id``, or the
``invoice_id`` of an API request) everywhere a person or a program sees it. A
run's ``InvoiceIds`` remembers every id a user gave and where it came from, so
the same id given again (the same file uploaded twice, a retried request) is
refused with where it was first imported, and nothing is charged twice.

Ids the engine makes are readable and stable for a seed: ``INV-000001`` for an
invoice created through the API without an id (the next number not taken), and
``SIM-0000042`` for an invoice of the scenario's simulated load. ``SIM-`` is
reserved for the latter, so those never need remembering: their numbers are
unique by construction (shard ``k`` of ``n`` makes k, k + n, k + 2n, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from actors.bulk_csv import (
    DEFAULT_LIMITS,
    CsvLimits,
    ImportResult,
    InvoiceDraft,
    parse_invoices_csv,
)
from actors.errors import ConflictError, InputError

LOAD_PREFIX = "SIM-"
API_PREFIX = "INV-"
MAX_IDS = 1_000_000  # ids a run remembers: uploads and API invoices, at most
_LOAD_ID = re.compile(r"^SIM-(\d{7,})$")


def load_invoice_id(number: int) -> str:
    """The id of the simulated load's invoice number ``number`` (from 0)."""
    return f"{LOAD_PREFIX}{number:07d}"


def load_invoice_number(invoice_id: str) -> int | None:
    """The number of a simulated load's invoice id, or None for any other id."""
    match = _LOAD_ID.match(invoice_id)
    return None if match is None else int(match.group(1))


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an id was first given: a line of a bulk job, or an API request."""

    job: int | None = None
    file: str | None = None
    line: int | None = None
    at_s: float | None = None

    def describe(self) -> str:
        if self.job is not None:
            return f"job {self.job} ({self.file}), line {self.line}"
        return "an API request" if self.at_s is None else f"an API request at {self.at_s:.1f} s"


class InvoiceIds:
    """The ids users gave in one run, with where each came from (bounded: ``MAX_IDS``)."""

    def __init__(self, limit: int = MAX_IDS) -> None:
        self._origins: dict[str, Origin] = {}
        self._limit = limit
        self._next_api = 1

    def __len__(self) -> int:
        return len(self._origins)

    def origin(self, invoice_id: str) -> Origin | None:
        return self._origins.get(invoice_id)

    def problem(self, invoice_id: str) -> str | None:
        """Why ``invoice_id`` cannot be given now, or None if it can."""
        if invoice_id.startswith(LOAD_PREFIX):
            return (
                f"invoice ids starting with {LOAD_PREFIX} are reserved for the simulated load; "
                "choose another id"
            )
        first = self._origins.get(invoice_id)
        if first is not None:
            return f"invoice {invoice_id} already exists: it was imported from {first.describe()}"
        if len(self._origins) >= self._limit:
            return (
                f"this run already holds {self._limit:,} invoices given by users; start a new run"
            )
        return None

    def claim(self, invoice_id: str, origin: Origin) -> None:
        """Remember ``invoice_id``; a ``ConflictError`` if it exists or clashes with the
        simulated load's, an ``InputError`` once the run holds too many."""
        problem = self.problem(invoice_id)
        if problem is None:
            self._origins[invoice_id] = origin
        elif invoice_id in self._origins or invoice_id.startswith(LOAD_PREFIX):
            raise ConflictError(f"invoice_id: {problem}")
        else:
            raise InputError(f"invoice_id: {problem}")

    def release(self, invoice_id: str) -> None:
        """Forget an id whose invoice was never created (its request was refused)."""
        self._origins.pop(invoice_id, None)

    def next_api_id(self) -> str:
        """The next ``INV-`` id no user has given."""
        while True:
            invoice_id = f"{API_PREFIX}{self._next_api:06d}"
            self._next_api += 1
            if invoice_id not in self._origins:
                return invoice_id

    def import_csv(
        self, job: int, file: str, data: bytes, run_date: date, limits: CsvLimits = DEFAULT_LIMITS
    ) -> ImportResult:
        """The rows of an upload that may be created, their ids claimed for ``job``. A row
        whose id was given before (in this run, by this file or another) or whose due date
        is before ``run_date`` is an error on its line, and its id stays free."""

        def refusal(draft: InvoiceDraft) -> tuple[str, str] | None:
            problem = self.problem(draft.invoice_id)
            if problem is not None:
                return "invoice_id", _row_problem(problem)
            if draft.due_date < run_date:
                return "due_date", _past_due(draft, run_date)
            return None

        parsed = parse_invoices_csv(data, limits, refusal)
        for draft in parsed.accepted:
            self._origins[draft.invoice_id] = Origin(job, file, draft.line)
        return parsed


def _row_problem(problem: str) -> str:
    return f"{problem}; this row was not imported and nothing was charged again"


def _past_due(draft: InvoiceDraft, run_date: date) -> str:
    return (
        f"due date {draft.due_date.isoformat()} is in the past (today is "
        f"{run_date.isoformat()}); give today or a later date"
    )
