"""How the live engine routes a command to the logical processes, and combines their answers.

The one place that knows which LP owns what: invoices made by command are
spread over the shards in turn; a payment for the simulated load's invoice
``SIM-k`` goes to the shard that made it (k mod n), a payment for any other id
is asked of every shard and answered by the one that has it; provider settings
reach every orchestrator replica; a bulk upload's rows are dealt out like a
scenario's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from actors.bulk_csv import BulkJob
from actors.errors import InvoicesimError, NotFoundError
from actors.invoice_ids import load_invoice_number
from simulation.commands import (
    ClearFault,
    ConfigureProvider,
    CreateInvoice,
    PayInvoice,
    Reconcile,
    StartFault,
)
from simulation.processes.layout import Layout, bulk_shares
from simulation.processes.messages import ScheduleBulk

ROUTED = (CreateInvoice, PayInvoice, StartFault, ClearFault, ConfigureProvider, Reconcile)


@dataclass
class Pending:
    """A submitted command until every LP it went to has answered."""

    command: Any
    future: Future[Any] = field(default_factory=Future)
    expected: int = 0
    results: list[Any] = field(default_factory=list)
    combine: Callable[[list[Any]], Any] = field(default=lambda results: first_error_or(results))
    # The batch of database rows that holds what the command changed (read after write).
    written_mark: int | None = None


class Router:
    """Turns commands into (LP index, LP command) pairs for one run's layout."""

    def __init__(self, layout: Layout, upload_row_interval_s: float | None = None) -> None:
        self.layout = layout
        self._turn = count()  # the shard of the next invoice made by command
        self._upload_row_interval_s = upload_row_interval_s  # None: as a scenario's files

    def targets(self, command: Any, at: float) -> list[tuple[int, Any]]:
        layout = self.layout
        shards = layout.shards
        kind = type(command)
        if kind is CreateInvoice:
            shard = shards[next(self._turn) % len(shards)]
            return [(shard, command)]
        if kind is PayInvoice:
            number = load_invoice_number(command.invoice_id)
            if number is not None:  # the load's invoice k is made by shard k mod n
                return [(shards[number % len(shards)], command)]
            return [(shard, command) for shard in shards]
        if kind in (StartFault, ClearFault):  # every partition: the fault is the provider's
            return [(partition, command) for partition in layout.providers[command.provider]]
        if kind is ConfigureProvider:  # every orchestrator replica
            return [(shard, command) for shard in shards]
        if kind is Reconcile:
            return [(layout.reserve, command)]
        return self._bulk_targets(command, at)

    def _bulk_targets(self, job: BulkJob, at: float) -> list[tuple[int, Any]]:
        shards = self.layout.shards
        return [
            (shards[shard_no], ScheduleBulk(share))
            for shard_no, share in bulk_shares(
                job, at, len(shards), row_interval_s=self._upload_row_interval_s
            )
        ]


def resolve(pending: Pending) -> None:
    try:
        pending.future.set_result(pending.combine(pending.results))
    except InvoicesimError as error:
        pending.future.set_exception(error)


def first_error_or(results: list[Any], value: Any = None) -> Any:
    """The first LP's error if any refused, else ``value`` (default: the first answer)."""
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return value if value is not None else results[0]


def owner_answer(results: list[Any]) -> Any:
    """A payment asked of every shard: the answer of the shard that has the invoice."""
    for result in results:
        if not isinstance(result, NotFoundError):
            if isinstance(result, BaseException):
                raise result
            return result
    raise results[0]
