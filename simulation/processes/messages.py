"""Messages between logical processes.

Every message carries the simulated time it is delivered at; the coordinator
hands a logical process its messages at the next window, sorted by
(time, source, sequence) so delivery order never depends on the runtime.
"""

from __future__ import annotations

from actors.frozen import frozen
from actors.orchestrator_records import CheckStatus, SendAttempt, VoidAttempt
from actors.provider import Charge, Outcome, StatusState
from simulation.processes.layout import BulkShare

# (deliver_at, source LP index, source sequence number, payload)
Envelope = tuple[float, int, int, object]

# The source index of commands from outside the simulation (the live engine): it sorts
# before every LP, so a command is handled before the messages due at the same time.
COMMAND_SOURCE = -1


@frozen
class Request:
    """A command (``simulation.commands``) for one LP; ``token`` pairs it with its reply."""

    token: int
    command: object


@frozen
class Addressed:
    """A message from outside a cell (a command) for one of its members."""

    dst: int
    payload: object


@frozen
class ScheduleBulk:
    """The live engine hands a shard its rows of one upload."""

    share: BulkShare


@frozen
class Probe:
    shard: int
    provider: str
    probe_no: int
    sent_at: float


@frozen
class Reply:
    attempt_key: str
    outcome: Outcome
    fee_minor: int


@frozen
class StatusAnswer:
    attempt_key: str
    check_no: int
    state: StatusState


@frozen
class VoidAnswer:
    attempt_key: str
    void_no: int
    state: StatusState  # not_found: nothing will be charged; charged: too late


@frozen
class ProbeAnswer:
    provider: str
    probe_no: int
    latency_ms: float | None


@frozen
class ChargeNotice:
    charge: Charge


@frozen
class PaymentConfirmed:
    """A shard tells the reserve that an invoice was paid: mint, then settle later."""

    invoice_id: str
    amount_minor: int
    fee_minor: int
    method: str
    paid_at: float


@frozen
class FundsForReview:
    invoice_id: str
    amount_minor: int
    reason: str


ToProvider = SendAttempt | CheckStatus | VoidAttempt | Probe
ToShard = Reply | StatusAnswer | ProbeAnswer | ChargeNotice
ToReserve = PaymentConfirmed | FundsForReview
