"""Keyed randomness: every draw is a pure function of its key.

A draw depends on (seed, entity, event id, attempt, stream), never on how many
draws came before it, so results do not depend on batching, sharding or the
runtime that hosts an entity. Uses BLAKE2b, which is in the standard library
and fast for short inputs.
"""

from __future__ import annotations

import math
from hashlib import blake2b

_TWO_POW_53 = float(1 << 53)


class KeyedRandom:
    """Deterministic draws keyed by what is being decided, not by call order."""

    __slots__ = ("_prefix", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._prefix = seed.to_bytes(8, "little", signed=True)

    def bits64(self, entity: str, event: int | str, attempt: int = 0, stream: str = "") -> int:
        """64 uniformly distributed bits for this key."""
        key = f"{entity}\x1f{event}\x1f{attempt}\x1f{stream}".encode()
        digest = blake2b(key, digest_size=8, key=self._prefix).digest()
        return int.from_bytes(digest, "little")

    def uniform(self, entity: str, event: int | str, attempt: int = 0, stream: str = "") -> float:
        """A float in [0, 1) for this key."""
        return (self.bits64(entity, event, attempt, stream) >> 11) / _TWO_POW_53

    def exponential(
        self, mean: float, entity: str, event: int | str, attempt: int = 0, stream: str = ""
    ) -> float:
        """An exponential draw with the given mean for this key."""
        return -mean * math.log1p(-self.uniform(entity, event, attempt, stream))

    def chance(
        self, probability: float, entity: str, event: int | str, attempt: int = 0, stream: str = ""
    ) -> bool:
        """True with ``probability`` for this key."""
        if probability <= 0.0:
            return False
        if probability >= 1.0:
            return True
        return self.uniform(entity, event, attempt, stream) < probability


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that is the same in every process (unlike ``hash``)."""
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "little")
