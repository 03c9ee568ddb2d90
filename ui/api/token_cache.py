"""Bearer tokens verified recently, so a request does not cost a database query.

A valid token's caller is kept ``ttl_s`` (short: a revoked token is refused at
most that long after ``invoicesim token revoke``), at most ``max_entries`` of
them, the oldest dropped first. Only the token's SHA-256 is kept, as in the
database; an unknown token is never kept, so it is looked up every time. A token
that is not cached is looked up once however many requests bring it at the same
moment (when its entry expires under load, hundreds may).

The cache lives on the app (``create_app``) and is used from its event loop only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

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
        self._lookups: dict[str, asyncio.Task[T | None]] = {}

    async def verify(self, token: str, lookup: Callable[[str], T | None]) -> T | None:
        """The caller of ``token``: cached, or ``lookup(token)`` (blocking: run in a worker
        thread) shared by every request asking meanwhile; None for an invalid token."""
        key = hash_token(token)
        cached = self._get(key)
        if cached is not None:
            return cached
        task = self._lookups.get(key)
        if task is None:
            task = asyncio.ensure_future(self._lookup(key, token, lookup))
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._lookups[key] = task
        return await asyncio.shield(task)

    async def _lookup(self, key: str, token: str, lookup: Callable[[str], T | None]) -> T | None:
        try:
            caller = await run_in_threadpool(lookup, token)
        finally:
            del self._lookups[key]
        if caller is not None:
            self._put(key, caller)
        return caller

    def get(self, token: str) -> T | None:
        return self._get(hash_token(token))

    def put(self, token: str, caller: T) -> None:
        self._put(hash_token(token), caller)

    def _get(self, key: str) -> T | None:
        found = self._callers.get(key)
        if found is None:
            return None
        caller, expires_at = found
        if self.clock() >= expires_at:
            del self._callers[key]
            return None
        return caller

    def _put(self, key: str, caller: T) -> None:
        if self.ttl_s <= 0 or self.max_entries <= 0:
            return
        self._callers.pop(key, None)
        self._callers[key] = (caller, self.clock() + self.ttl_s)  # newest last
        while len(self._callers) > self.max_entries:
            del self._callers[next(iter(self._callers))]
