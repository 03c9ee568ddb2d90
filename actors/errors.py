"""The one exception tree of invoicesim.

``InvoicesimError`` is the root. Messages are written for the person who has
to act on them: they name the field, row or entity and say what to change.
A declined payment is an outcome, never an exception; an ``InvariantViolation``
is a bug and stops the run.
"""

from __future__ import annotations


class InvoicesimError(Exception):
    """Root of every error invoicesim raises on purpose."""


class InputError(InvoicesimError):
    """Bad input from a user: a file, a field, a command argument."""


class MoneyError(InputError):
    """An amount or currency that cannot be represented exactly."""


class CurrencyMismatch(MoneyError):
    """Two amounts in different currencies were combined."""


class IllegalTransition(InvoicesimError):
    """An entity was asked to move to a state its state machine forbids."""


class LedgerError(InvoicesimError):
    """A ledger operation was rejected; nothing of it was applied."""


class ReconciliationError(InvoicesimError):
    """A reconciliation could not be done (empty, partial or stale statement)."""


class InvariantViolation(InvoicesimError):
    """A rule that must always hold was broken. This is a bug: stop the run."""


class NotFoundError(InvoicesimError):
    """An id that names nothing: an invoice, a provider, a job."""


class ConflictError(InvoicesimError):
    """A request that clashes with the current state (an invoice already paid)."""


class UnavailableError(InvoicesimError):
    """The engine cannot take commands now (no run, or shutting down); retry later."""
