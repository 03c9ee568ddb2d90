"""The provider logical process: one shard's partition of a payment rail.

Every shard has its own partition of every provider (``Layout``): its share of
the rate and concurrency limits (``ProviderConfig.partition``), the whole
provider's fault timeline. It answers attempts, status checks, voids and probes
after the delays its ``Provider`` decides plus the network's, turns scheduled
faults on and off, and tells its shard about every charge that takes effect.
With one shard the one partition is the whole provider.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from actors.errors import InputError
from actors.keyed import KeyedRandom
from actors.orchestrator_records import CheckStatus, SendAttempt, VoidAttempt
from actors.provider import Fault, FaultKind, Provider
from simulation.commands import ClearFault, FaultCleared, FaultStarted, StartFault
from simulation.processes.base import LogicalProcess
from simulation.processes.layout import LpSpec
from simulation.processes.messages import (
    ChargeNotice,
    Probe,
    ProbeAnswer,
    Reply,
    StatusAnswer,
    VoidAnswer,
)


class ProviderLP(LogicalProcess):
    def __init__(self, spec: LpSpec) -> None:
        scenario, layout = spec.scenario, spec.layout
        super().__init__(spec.index, spec.name, layout.lookahead_s, scenario.start_s)
        self._parts = parts = len(layout.shards)
        self.provider_name = name = next(n for n, p in layout.providers.items() if spec.index in p)
        config = next(c for c in scenario.provider_configs() if c.name == name)
        self.provider = Provider(config.partition(parts), KeyedRandom(scenario.seed))
        self._net = config.network_ms / 1000.0
        self.counts = {"attempts": 0, "charges": 0, "charged_minor": 0}
        self._live_faults = 0  # numbers the faults started by command, so an old end timer
        # cannot clear a newer fault
        for fault in scenario.faults:
            if fault.target != name or not fault.is_provider_fault:
                continue
            domain_fault = fault.to_fault().partition(parts)
            self.call_at(float(fault.start_s), partial(self._set_fault, domain_fault))
            if fault.duration_s is not None:
                end = float(fault.start_s + fault.duration_s)
                self.call_at(end, partial(self._set_fault, None))

    def _set_fault(self, fault: Fault | None) -> None:
        self.provider.set_fault(self.now, fault)

    def command(self, command: Any) -> Any:
        now = self.now
        if type(command) is StartFault:
            fault = _fault(command).partition(self._parts)
            self.provider.set_fault(now, fault)
            self._live_faults += 1
            ends_at = None
            if command.duration_s is not None:
                ends_at = now + command.duration_s
                self.call_at(ends_at, partial(self._end_live_fault, self._live_faults))
            self.log_event(f"F|{command.kind}|{now:.6f}")
            return FaultStarted(self.provider_name, command.kind, now, ends_at)
        if type(command) is ClearFault:
            self._live_faults += 1
            self.provider.set_fault(now, None)
            self.log_event(f"F|clear|{now:.6f}")
            return FaultCleared(self.provider_name, now)
        return super().command(command)

    def _end_live_fault(self, number: int) -> None:
        if number == self._live_faults:  # not replaced or cleared since
            self.provider.set_fault(self.now, None)

    def receive(self, payload: Any, src: int) -> None:
        now = self.now
        provider = self.provider
        kind = type(payload)
        if kind is SendAttempt:
            a: SendAttempt = payload
            self.counts["attempts"] += 1
            reply = provider.submit(
                now, a.invoice_id, a.invoice_key, a.attempt_key, a.amount_minor, a.method, src
            )
            if reply.reply_after_ms is not None:
                at = now + reply.reply_after_ms / 1000.0 + self._net
                self.send(src, at, Reply(a.attempt_key, reply.outcome, reply.fee_minor))
        elif kind is CheckStatus:
            c: CheckStatus = payload
            answer = provider.status(now, c.attempt.invoice_key)
            if answer is not None:
                at = now + answer.reply_after_ms / 1000.0 + self._net
                self.send(src, at, StatusAnswer(c.attempt.attempt_key, c.check_no, answer.state))
        elif kind is VoidAttempt:
            v: VoidAttempt = payload
            answer = provider.void(now, v.invoice_key)
            if answer is not None:
                at = now + answer.reply_after_ms / 1000.0 + self._net
                self.send(src, at, VoidAnswer(v.attempt_key, v.void_no, answer.state))
        elif kind is Probe:
            self._probe(payload, src)
        else:
            raise TypeError(f"{self.name} cannot handle {kind.__name__}")

    def _probe(self, probe: Probe, src: int) -> None:
        now = self.now
        latency_ms = self.provider.probe(now)
        if latency_ms is not None:
            at = now + latency_ms / 1000.0 + self._net
            self.send(
                src, at, ProbeAnswer(probe.provider, probe.probe_no, (at - probe.sent_at) * 1e3)
            )
        elif self.provider.is_down(now):
            # A refused connection answers at once, with a failure.
            at = now + self.provider.config.connect_ms / 1000.0 + self._net
            self.send(src, at, ProbeAnswer(probe.provider, probe.probe_no, None))

    def next_local(self) -> float | None:
        local = super().next_local()
        due = self.provider.next_due()
        if due is None:
            return local
        return due if local is None else min(local, due)

    def after_window(self, until: float) -> None:
        # Charges due before the window's end take effect now; each is told to its shard.
        self.provider.advance(until - 1e-9)
        for charge in self.provider.take_charges():
            self.counts["charges"] += 1
            self.counts["charged_minor"] += charge.amount_minor
            self.log_event(
                f"$|{charge.invoice_id}|{charge.attempt_key}|{charge.charged_at:.6f}"
                f"|{charge.amount_minor}"
            )
            self.send(charge.origin, charge.charged_at + self._net, ChargeNotice(charge))

    def finish(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "provider": self.provider_name,
            "digest": self.digest(),
            "counts": self.counts,
        }


def _fault(command: StartFault) -> Fault:
    try:
        kind = FaultKind(command.kind)
    except ValueError:
        known = ", ".join(k.value for k in FaultKind)
        raise InputError(
            f"kind: unknown fault kind {command.kind!r}; use one of: {known}"
        ) from None
    if command.duration_s is not None and not 0 < command.duration_s <= 86_400:
        raise InputError(f"duration_s: must be within (0, 86400] seconds, got {command.duration_s}")
    return Fault(
        kind,
        error_rate=command.error_rate,
        extra_latency_ms=command.extra_latency_ms,
        period_s=command.period_s,
        duty=command.duty,
        rate_limit_per_s=command.rate_limit_per_s,
    )
