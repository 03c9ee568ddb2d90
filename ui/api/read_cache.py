"""Answers of the hottest read routes, computed once and shared for a moment.

``GET /providers/health`` (public, polled by every dashboard), ``GET
/reserves/balance`` and ``GET /reserves/history`` (a pass over the run's whole
ledger each) cost a few queries; under load every request ran them.
Here one computation serves every request for ``ttl_s`` (no longer than the
engine's flush, so nothing is staler than the database already is). Past that,
a stale answer younger than ``max_stale_s`` is still served at once while one
refresh runs behind it; older, requests wait for the refresh. A key is computed
by one task at a time, whatever the number of requests waiting for it.

The cache lives on the app (``create_app``) and is used from its event loop only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

MAX_KEYS = 64  # keys are (route, run id): a handful; past this the oldest go


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    made_at: float  # when its computation started: the data is at least this fresh


class ReadCache:
    def __init__(
        self,
        ttl_s: float,
        max_stale_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        assert 0 <= ttl_s <= max_stale_s, (ttl_s, max_stale_s)
        self.ttl_s = ttl_s
        self.max_stale_s = max_stale_s
        self.clock = clock
        self.max_keys = max_keys
        self._entries: dict[Hashable, _Entry] = {}
        self._refreshing: dict[Hashable, asyncio.Task[Any]] = {}

    def peek(self, key: Hashable) -> Any | None:
        """``key``'s value as ``get`` would answer it without starting anything: computed
        within ``ttl_s``, or within ``max_stale_s`` while its refresh runs; else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        age_s = self.clock() - entry.made_at
        if age_s <= self.ttl_s or (age_s <= self.max_stale_s and key in self._refreshing):
            return entry.value
        return None

    async def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` (blocking; run in a worker thread) for ``key``, or its recent value."""
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry.made_at <= self.ttl_s:
            return entry.value
        task = self._refreshing.get(key)
        if task is None:
            task = asyncio.ensure_future(self._refresh(key, compute))
            # A refresh nobody waits for may fail: its error is read here, and the next
            # request, finding the entry still stale, tries again.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._refreshing[key] = task
        if entry is not None and now - entry.made_at <= self.max_stale_s:
            return entry.value
        return await asyncio.shield(task)

    async def _refresh(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        started = self.clock()
        try:
            value = await run_in_threadpool(compute)
        finally:
            del self._refreshing[key]
        self._entries.pop(key, None)
        self._entries[key] = _Entry(value, started)  # newest last
        while len(self._entries) > self.max_keys:
            del self._entries[next(iter(self._entries))]
        return value
