"""The idempotency keys a provider remembers, and what each one maps to.

A provider keeps every key it charged for a retention time after the charge took
effect (``Provider.advance`` decides when a key is forgotten), so a retry with the
same key gets the same charge. Under a steady load that is a large table with one
key added and one forgotten for every payment: 600,000 keys at 1,000 payments/s.

In a single dict that churn costs memory. A deleted key's slot stays taken until
the table is rebuilt, and CPython rebuilds it at about three times the live keys,
copying it whenever the taken slots run out: a long run holds a table twice the
size a short one needs, plus for a moment a second copy. So keys live in
generations by arrival instead: a generation takes new keys for ``generation_s``,
afterwards only loses them (a dict that only loses keys is never rebuilt), and is
dropped once empty. A key put again lands in the newest generation and hides its
older entry until ``discard`` removes both.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

V = TypeVar("V")


class KeyStore(Generic[V]):
    """A mapping from key to value, stored in generations by arrival time."""

    __slots__ = ("_generation_s", "_generations")

    def __init__(self, generation_s: float) -> None:
        self._generation_s = generation_s
        self._generations: deque[tuple[float, dict[str, V]]] = deque()  # (opened at, keys)

    def get(self, key: str) -> V | None:
        for _, keys in reversed(self._generations):  # newest first
            value = keys.get(key)
            if value is not None:
                return value
        return None

    def put(self, now: float, key: str, value: V) -> None:
        """Map ``key`` to ``value``; ``now`` picks the generation."""
        generations = self._generations
        if not generations or now >= generations[-1][0] + self._generation_s:
            generations.append((now, {}))
        generations[-1][1][key] = value

    def discard(self, key: str) -> None:
        generations = self._generations
        for _, keys in generations:
            keys.pop(key, None)
        while generations and not generations[0][1]:
            generations.popleft()

    # ---- checkpoints ---------------------------------------------------------------
    def export(self) -> tuple[float, list[tuple[float, list[str], list[V]]]]:
        """Everything held, as (generation_s, [(opened at, keys, values)]), oldest first."""
        return self._generation_s, [
            (opened_at, list(keys), list(keys.values())) for opened_at, keys in self._generations
        ]

    @classmethod
    def restore(
        cls, generation_s: float, generations: Iterable[tuple[float, list[str], list[V]]]
    ) -> KeyStore[V]:
        """The store ``export`` described."""
        store: KeyStore[V] = cls(generation_s)
        for opened_at, keys, values in generations:
            store._generations.append((opened_at, dict(zip(keys, values, strict=True))))
        return store
