"""Keyed randomness: every draw is a pure function of its key.

A draw depends on (seed, entity, event id, attempt, stream), never on how many
draws came before it, so results do not depend on batching, sharding or the
runtime that hosts an entity. Uses BLAKE2b keyed with the seed, which is in the
standard library and fast for short inputs. The keyed hasher is set up once and
copied for each draw: setting up the key cost more than hashing the draw's key
(2.4 against 1.5 us a draw), and the copy gives the very same bits.
"""

from __future__ import annotations

import math
from hashlib import blake2b

_TWO_POW_53 = float(1 << 53)


class KeyedRandom:
    """Deterministic draws keyed by what is being decided, not by call order."""

    __slots__ = ("_keyed", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._keyed = blake2b(digest_size=8, key=seed.to_bytes(8, "little", signed=True))

    def __getstate__(self) -> int:
        return self.seed  # a hasher does not pickle (checkpoints): it is rebuilt from the seed

    def __setstate__(self, seed: int) -> None:
        self.__init__(seed)  # type: ignore[misc]

    def bits64(self, entity: str, event: int | str, attempt: int = 0, stream: str = "") -> int:
        """64 uniformly distributed bits for this key."""
        hasher = self._keyed.copy()
        hasher.update(f"{entity}\x1f{event}\x1f{attempt}\x1f{stream}".encode())
        return int.from_bytes(hasher.digest(), "little")

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
