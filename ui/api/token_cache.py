"""Bearer tokens verified recently, so a request does not cost a database query.

A valid token's caller is kept ``ttl_s`` (short: a revoked token is refused at
most that long after ``invoicesim token revoke``), at most ``max_entries`` of
them, the oldest dropped first. Only the token's SHA-256 is kept, as in the
database; an unknown token is never kept, so it is looked up every time.

The cache lives on the app (``create_app``) and is used from its event loop only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from storage.tokens import hash_token

T = TypeVar("T")


class TokenCache(Generic[T]):
    def __init__(
        self, ttl_s: float, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._callers: dict[str, tuple[T, float]] = {}  # token hash -> (caller, expires at)

    def get(self, token: str) -> T | None:
        key = hash_token(token)
        found = self._callers.get(key)
        if found is None:
            return None
        caller, expires_at = found
        if self.clock() >= expires_at:
            del self._callers[key]
            return None
        return caller

    def put(self, token: str, caller: T) -> None:
        if self.ttl_s <= 0 or self.max_entries <= 0:
            return
        key = hash_token(token)
        self._callers.pop(key, None)
        self._callers[key] = (caller, self.clock() + self.ttl_s)  # newest last
        while len(self._callers) > self.max_entries:
            del self._callers[next(iter(self._callers))]
