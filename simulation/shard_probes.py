"""The active health probes of one shard's orchestrator replica.

Every ``health_interval_s`` the shard probes each enabled provider that is not
still owing an answer; the answer's latency, or its absence by the probe
timeout, goes to the orchestrator's health monitor. Rounds stop at the end of
the scenario's load.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from simulation.messages import Probe

if TYPE_CHECKING:
    from simulation.shard import ShardLP


class Prober:
    __slots__ = ("_last_no", "_owed", "_providers", "_shard")

    def __init__(self, shard: ShardLP, providers: dict[str, int]) -> None:
        self._shard = shard
        self._providers = providers  # provider name -> LP index
        self._last_no = 0
        self._owed: dict[str, int] = {}  # provider -> number of the probe it owes an answer to

    def round(self) -> None:
        shard = self._shard
        now, orch = shard.now, shard.orch
        # One probe per provider per round; a provider still owing an answer is skipped.
        due = [n for n, c in orch.providers.items() if c.enabled and n not in self._owed]
        for name in due:
            self._last_no += 1
            no = self._last_no
            self._owed[name] = no
            probe = Probe(shard.shard_no, name, no, now)
            shard.send(self._providers[name], now + shard.net_s[name], probe)
            timeout_s = orch.health[name].config.probe_timeout_ms / 1000.0
            shard.call_at(now + timeout_s, partial(self.done, name, no, None))
        interval = orch.config.health.interval_s
        if now + interval < shard.scenario.duration_s:
            shard.call_at(now + interval, self.round)

    def done(self, name: str, probe_no: int, latency_ms: float | None) -> None:
        """A probe answered (its latency) or timed out (None); stale answers are ignored."""
        if self._owed.get(name) == probe_no:
            del self._owed[name]
            self._shard.orch.on_probe(self._shard.now, name, latency_ms)
