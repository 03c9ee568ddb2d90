"""Commands the orchestrator asks the runtime to carry out, and the facts it records.

Commands are imperative (``SendAttempt``, ``CheckStatus``, ``VoidAttempt``);
``PaymentDone`` tells the runtime how a payment ended. Records are past-tense
facts kept for the event log and the database.
"""

from __future__ import annotations

from actors.breaker import BreakerState
from actors.frozen import frozen
from actors.health import Health
from actors.methods import PaymentMethod
from actors.provider import Outcome


@frozen
class SendAttempt:
    invoice_id: str
    attempt_no: int
    provider: str
    invoice_key: str  # one per invoice: what providers deduplicate on
    attempt_key: str  # one per attempt
    amount_minor: int
    method: PaymentMethod
    sent_at: float
    timeout_at: float


@frozen
class CheckStatus:
    attempt: SendAttempt
    check_no: int
    send_at: float
    deadline: float


@frozen
class VoidAttempt:
    """Cancel an attempt whose outcome is unknown; the answer (or its absence by
    ``deadline``) decides whether failing over is safe."""

    provider: str
    invoice_key: str
    attempt_key: str
    sent_at: float
    void_no: int
    deadline: float


@frozen
class PaymentDone:
    at: float
    invoice_id: str
    succeeded: bool
    provider: str | None
    attempts: int
    reason: str
    fee_minor: int
    latency_ms: float


Command = SendAttempt | CheckStatus | VoidAttempt | PaymentDone


@frozen
class AttemptFinished:
    at: float
    attempt: SendAttempt
    result: str  # an Outcome value, or "timeout"
    latency_ms: float


@frozen
class StatusChecked:
    at: float
    attempt: SendAttempt
    check_no: int
    result: str  # charged | processing | not_found | unknown


@frozen
class VoidAnswered:
    at: float
    attempt: SendAttempt
    void_no: int
    result: str  # not_found (nothing will be charged) | charged | unknown


@frozen
class LateReply:
    """An answer to an attempt the orchestrator had already moved past."""

    at: float
    attempt_key: str
    outcome: Outcome


@frozen
class ProviderView:
    name: str
    priority: int
    enabled: bool
    health: Health
    breaker: BreakerState
    success_rate: float | None
    mean_latency_ms: float | None
    last_probe_at: float | None
