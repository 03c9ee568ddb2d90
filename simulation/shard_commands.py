"""What a shard does with a command from outside the simulation (live runs).

A consumer's invoice is created in the shard the live engine picked, with its
wallet and a TTL timer, and is paid when its payer says so; a bulk upload's
rows are scheduled like a scenario's; a provider's new routing settings reach
this shard's orchestrator replica. Each function returns the command's result
or raises an ``InvoicesimError`` naming the field or entity at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from actors.errors import ConflictError, InputError, NotFoundError
from actors.invoice import InvoiceState
from actors.methods import PaymentMethod
from actors.money import Money
from simulation.commands import CreateInvoice, InvoiceCreated, PayInvoice, PaymentStarted
from simulation.layout import BulkShare

if TYPE_CHECKING:
    from simulation.shard import ShardLP

MAX_AMOUNT_MINOR = 10**12  # one invoice; the scenario limits allow no more either


@dataclass(frozen=True, slots=True)
class ScheduleBulk:
    """The live engine hands a shard its rows of one upload."""

    share: BulkShare


@dataclass(frozen=True, slots=True)
class RouteSettings:
    """New routing settings of one provider, for every orchestrator replica."""

    provider: str
    priority: int | None = None
    enabled: bool | None = None
    failure_threshold: int | None = None
    open_s: float | None = None


def handle(shard: ShardLP, command: Any) -> Any:
    kind = type(command)
    if kind is CreateInvoice:
        return _create(shard, command)
    if kind is PayInvoice:
        return _pay(shard, command)
    if kind is ScheduleBulk:
        return _schedule_bulk(shard, command.share)
    if kind is RouteSettings:
        return _route(shard, command)
    raise InputError(f"{shard.name} does not take {kind.__name__} commands")


def _method(text: str) -> PaymentMethod:
    try:
        return PaymentMethod(text)
    except ValueError:
        known = ", ".join(m.value for m in PaymentMethod)
        raise InputError(f"method: unknown payment method {text!r}; use one of: {known}") from None


def _create(shard: ShardLP, command: CreateInvoice) -> InvoiceCreated:
    if not 0 < command.amount_minor <= MAX_AMOUNT_MINOR:
        raise InputError(
            f"amount_minor: must be within 1..{MAX_AMOUNT_MINOR}, got {command.amount_minor}"
        )
    method = _method(command.method)
    amount = Money(command.amount_minor, command.currency)
    now = shard.now
    invoice_id = f"a{shard.shard_no}-{shard.api_seq}"
    shard.api_seq += 1
    shard.create_invoice(now, invoice_id, amount, method, command.payer, "api")
    wallet = shard.wallets[invoice_id]
    shard.call_at(wallet.expires_at, partial(shard.expire_invoice, invoice_id))
    return InvoiceCreated(invoice_id, wallet.address, now, wallet.expires_at)


def _pay(shard: ShardLP, command: PayInvoice) -> PaymentStarted:
    method = _method(command.method)
    invoice = shard.invoices.get(command.invoice_id)
    if invoice is None:
        ended = shard.book.state(command.invoice_id)
        if ended is None:
            raise NotFoundError(f"invoice {command.invoice_id!r} is not open in the live run")
        raise ConflictError(f"invoice {command.invoice_id!r} is already {ended}")
    if invoice.state is not InvoiceState.PENDING:
        raise ConflictError(
            f"invoice {command.invoice_id!r} is {invoice.state.value}; only a pending invoice"
            " can be paid"
        )
    invoice.method = method
    shard.pay_invoice(command.invoice_id)
    return PaymentStarted(command.invoice_id, method.value, shard.now)


def _schedule_bulk(shard: ShardLP, share: BulkShare) -> int:
    shard.schedule_bulk(share)
    return len(share.drafts)


def _route(shard: ShardLP, settings: RouteSettings) -> tuple[int, bool]:
    orch = shard.orch
    config = orch.providers.get(settings.provider)
    if config is None:
        raise NotFoundError(
            f"unknown provider {settings.provider!r}; known: {sorted(orch.providers)}"
        )
    changes: dict[str, Any] = {}
    if settings.priority is not None:
        changes["priority"] = settings.priority
    if settings.enabled is not None:
        changes["enabled"] = settings.enabled
    if changes:
        config = replace(config, **changes)
        orch.update_provider(config)
    breaker = orch.breaker(settings.provider)
    tuning: dict[str, Any] = {}
    if settings.failure_threshold is not None:
        tuning["failure_threshold"] = settings.failure_threshold
    if settings.open_s is not None:
        tuning["open_s"] = settings.open_s
    if tuning:
        breaker.reconfigure(replace(breaker.config, **tuning))
    return config.priority, config.enabled
