"""A circuit breaker per provider, one set per orchestrator replica.

closed -> open after ``failure_threshold`` failures within ``window_s``, or a
failure rate of at least ``failure_rate`` over at least ``min_calls`` calls in
the window; open for ``open_s``; then half-open lets ``half_open_probes`` trial
calls through: a success closes it, a failure opens it again. An admin can
force it open or disable the provider; only an admin reset leaves those states.
A passing health probe moves an open breaker to half-open early, so recovery
is noticed within one health interval instead of one ``open_s``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from actors.errors import IllegalTransition, InputError


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"
    FORCED_OPEN = "forced_open"
    DISABLED = "disabled"


_ADMIN = frozenset({BreakerState.FORCED_OPEN, BreakerState.DISABLED})

LEGAL_TRANSITIONS: frozenset[tuple[BreakerState, BreakerState]] = frozenset(
    {
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
        (BreakerState.HALF_OPEN, BreakerState.OPEN),
    }
    | {(s, a) for s in BreakerState for a in _ADMIN if s is not a}
    | {(a, BreakerState.CLOSED) for a in _ADMIN}
)


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    failure_threshold: int = 5
    window_s: float = 10.0
    failure_rate: float = 0.5
    min_calls: int = 20
    open_s: float = 30.0
    half_open_probes: int = 1

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise InputError("breaker failure_threshold must be >= 1")
        if self.window_s <= 0 or self.open_s <= 0:
            raise InputError("breaker window_s and open_s must be > 0")
        if not 0.0 < self.failure_rate <= 1.0:
            raise InputError("breaker failure_rate must be within (0, 1]")
        if self.min_calls < 1 or self.half_open_probes < 1:
            raise InputError("breaker min_calls and half_open_probes must be >= 1")


@dataclass(frozen=True, slots=True)
class BreakerTransition:
    at: float
    provider: str
    from_state: BreakerState
    to_state: BreakerState
    reason: str


_BUCKETS = 10  # the rate window is kept as 10 buckets: bounded memory at any load


class CircuitBreaker:
    """State machine guarding calls to one provider."""

    __slots__ = (
        "_bucket_s",
        "_buckets",
        "_calls",
        "_failure_times",
        "_failures",
        "_opened_at",
        "_trials",
        "config",
        "provider",
        "state",
        "transitions",
    )

    def __init__(self, provider: str, config: BreakerConfig | None = None) -> None:
        self.provider = provider
        self.config = config or BreakerConfig()
        self.state = BreakerState.CLOSED
        self.transitions: list[BreakerTransition] = []
        self._opened_at = 0.0
        self._trials = 0
        self._reset_window()

    def reconfigure(self, config: BreakerConfig) -> None:
        """New parameters (an admin's change): the failure window restarts under them."""
        self.config = config
        self._reset_window()

    def _reset_window(self) -> None:
        config = self.config
        # Exact threshold check needs only the last `failure_threshold` failure times.
        self._failure_times: deque[float] = deque(maxlen=config.failure_threshold)
        self._bucket_s = config.window_s / _BUCKETS
        self._buckets: deque[list[int]] = deque()  # [bucket index, calls, failures]
        self._calls = 0
        self._failures = 0

    def _move(self, now: float, to: BreakerState, reason: str) -> None:
        frm = self.state
        if (frm, to) not in LEGAL_TRANSITIONS:
            raise IllegalTransition(f"breaker {self.provider}: {frm} -> {to} is not allowed")
        self.state = to
        self.transitions.append(BreakerTransition(now, self.provider, frm, to, reason))
        if to is BreakerState.OPEN:
            self._opened_at = now
        if to in (BreakerState.HALF_OPEN, BreakerState.CLOSED):
            self._trials = 0
        if to is BreakerState.CLOSED:
            self._reset_window()

    def current(self, now: float) -> BreakerState:
        """The state at ``now``, moving open -> half-open once ``open_s`` has passed."""
        if self.state is BreakerState.OPEN and now - self._opened_at >= self.config.open_s:
            self._move(now, BreakerState.HALF_OPEN, f"open for {self.config.open_s:g}s")
        return self.state

    def would_allow(self, now: float) -> bool:
        state = self.current(now)
        if state is BreakerState.CLOSED:
            return True
        return state is BreakerState.HALF_OPEN and self._trials < self.config.half_open_probes

    def allow(self, now: float) -> bool:
        """Whether a call may go out now; in half-open this takes one trial slot."""
        if not self.would_allow(now):
            return False
        if self.state is BreakerState.HALF_OPEN:
            self._trials += 1
        return True

    def record_success(self, now: float) -> None:
        if self.state is BreakerState.HALF_OPEN:
            self._move(now, BreakerState.CLOSED, "trial call succeeded")
        elif self.state is BreakerState.CLOSED:
            self._count(now, failed=False)
        # Late answers to calls made before the breaker opened change nothing.

    def record_failure(self, now: float, reason: str = "call failed") -> None:
        if self.state is BreakerState.HALF_OPEN:
            self._move(now, BreakerState.OPEN, f"trial call failed: {reason}")
        elif self.state is BreakerState.CLOSED:
            self._count(now, failed=True)
            config = self.config
            times = self._failure_times
            times.append(now)
            if len(times) == config.failure_threshold and now - times[0] <= config.window_s:
                self._move(
                    now,
                    BreakerState.OPEN,
                    f"{config.failure_threshold} failures within {config.window_s:g}s ({reason})",
                )
            elif (
                self._calls >= config.min_calls
                and self._failures >= config.failure_rate * self._calls
            ):
                self._move(
                    now,
                    BreakerState.OPEN,
                    f"failure rate {self._failures}/{self._calls} in {config.window_s:g}s",
                )

    def _count(self, now: float, failed: bool) -> None:
        index = int(now // self._bucket_s)
        buckets = self._buckets
        while buckets and buckets[0][0] <= index - _BUCKETS:
            _, calls, failures = buckets.popleft()
            self._calls -= calls
            self._failures -= failures
        if not buckets or buckets[-1][0] != index:
            buckets.append([index, 0, 0])
        last = buckets[-1]
        last[1] += 1
        self._calls += 1
        if failed:
            last[2] += 1
            self._failures += 1

    def probe_succeeded(self, now: float) -> None:
        """An active health probe passed: let trial calls through without waiting out open_s."""
        if self.state is BreakerState.OPEN:
            self._move(now, BreakerState.HALF_OPEN, "health probe passed")

    def force_open(self, now: float, reason: str = "forced open by admin") -> None:
        if self.state is not BreakerState.FORCED_OPEN:
            self._move(now, BreakerState.FORCED_OPEN, reason)

    def disable(self, now: float, reason: str = "disabled by admin") -> None:
        if self.state is not BreakerState.DISABLED:
            self._move(now, BreakerState.DISABLED, reason)

    def reset(self, now: float, reason: str = "reset by admin") -> None:
        """Admin reset: back to closed from any state."""
        if self.state is BreakerState.CLOSED:
            return
        if self.state in (BreakerState.OPEN, BreakerState.HALF_OPEN):
            # Through forced-open keeps the transition table small and the audit trail honest.
            self._move(now, BreakerState.FORCED_OPEN, reason)
        self._move(now, BreakerState.CLOSED, reason)

    def take_transitions(self) -> list[BreakerTransition]:
        out, self.transitions = self.transitions, []
        return out
