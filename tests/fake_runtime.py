"""A tiny event loop that connects an orchestrator to providers, for unit tests.

It carries out the orchestrator's commands the way a logical process does:
attempts reach the provider when sent, replies come back after the latency the
provider chose, timeouts and status-check and void deadlines fire in time order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actors.orchestrator import Orchestrator
from actors.orchestrator_records import (
    CheckStatus,
    Command,
    PaymentDone,
    SendAttempt,
    VoidAttempt,
)
from actors.provider import Provider


@dataclass
class FakeRuntime:
    orchestrator: Orchestrator
    providers: dict[str, Provider]
    done: list[PaymentDone] = field(default_factory=list)
    voids: list[VoidAttempt] = field(default_factory=list)
    now: float = 0.0
    _queue: list[tuple[float, int, Callable[[float], None]]] = field(default_factory=list)
    _seq: Any = field(default_factory=itertools.count)

    def at(self, t: float, action: Callable[[float], None]) -> None:
        heapq.heappush(self._queue, (t, next(self._seq), action))

    def pay(self, t: float, invoice_id: str, method: Any, amount_minor: int, **kw: Any) -> None:
        self.at(
            t,
            lambda now: self.apply(
                self.orchestrator.begin(now, invoice_id, method, amount_minor, **kw)
            ),
        )

    def run(self, until: float = 1e9) -> list[PaymentDone]:
        while self._queue and self._queue[0][0] <= until:
            t, _, action = heapq.heappop(self._queue)
            self.now = t
            for provider in self.providers.values():
                provider.advance(t)
            action(t)
        return self.done

    def apply(self, commands: tuple[Command, ...]) -> None:
        for command in commands:
            if isinstance(command, SendAttempt):
                self._send(command)
            elif isinstance(command, CheckStatus):
                self.at(command.send_at, lambda now, c=command: self._check(now, c))
            elif isinstance(command, VoidAttempt):
                self.voids.append(command)
                self.at(command.sent_at, lambda now, v=command: self._void(now, v))
            else:
                self.done.append(command)

    def _send(self, a: SendAttempt) -> None:
        reply = self.providers[a.provider].submit(
            a.sent_at, a.invoice_id, a.invoice_key, a.attempt_key, a.amount_minor, a.method
        )
        orchestrator = self.orchestrator
        if reply.reply_after_ms is not None:
            reply_at = a.sent_at + reply.reply_after_ms / 1000.0
            self.at(
                reply_at,
                lambda now: self.apply(
                    orchestrator.on_reply(now, a.attempt_key, reply.outcome, reply.fee_minor)
                ),
            )
        self.at(a.timeout_at, lambda now: self.apply(orchestrator.on_timeout(now, a.attempt_key)))

    def _check(self, now: float, c: CheckStatus) -> None:
        orchestrator = self.orchestrator
        answer = self.providers[c.attempt.provider].status(now, c.attempt.invoice_key)
        key, no = c.attempt.attempt_key, c.check_no
        if answer is not None and now + answer.reply_after_ms / 1000.0 <= c.deadline:
            self.at(
                now + answer.reply_after_ms / 1000.0,
                lambda t: self.apply(orchestrator.on_status(t, key, no, answer.state)),
            )
        else:
            self.at(c.deadline, lambda t: self.apply(orchestrator.on_status(t, key, no, None)))

    def _void(self, now: float, v: VoidAttempt) -> None:
        orchestrator = self.orchestrator
        answer = self.providers[v.provider].void(now, v.invoice_key)
        key, no = v.attempt_key, v.void_no
        if answer is not None and now + answer.reply_after_ms / 1000.0 <= v.deadline:
            self.at(
                now + answer.reply_after_ms / 1000.0,
                lambda t: self.apply(orchestrator.on_void(t, key, no, answer.state)),
            )
        else:
            self.at(v.deadline, lambda t: self.apply(orchestrator.on_void(t, key, no, None)))

    def probe_all(self, t: float) -> None:
        def run_probes(now: float) -> None:
            for name in self.orchestrator.due_probes(now):
                self.orchestrator.on_probe(now, name, self.providers[name].probe(now))

        self.at(t, run_probes)
