"""The read cache of the hot routes and the cache of verified tokens, on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from ui.api.read_cache import ReadCache
from ui.api.token_cache import TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(len(calls) + 1)
        return len(calls)

    return calls, compute


def test_a_read_is_computed_once_within_the_ttl_then_again() -> None:
    clock = Clock()
    cache = ReadCache(ttl_s=0.25, max_stale_s=0.25, clock=clock)
    calls, compute = counter()

    async def scenario() -> list[int]:
        first = [await cache.get("k", compute) for _ in range(3)]
        clock.now = 0.3
        return [*first, await cache.get("k", compute)]

    assert asyncio.run(scenario()) == [1, 1, 1, 2]
    assert calls == [1, 2]


def test_concurrent_requests_for_one_key_share_one_computation() -> None:
    cache = ReadCache(ttl_s=0.25, max_stale_s=1.0, clock=Clock())
    calls, compute = counter()

    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(cache.get("k", compute) for _ in range(20))))

    assert asyncio.run(scenario()) == [1] * 20
    assert calls == [1]


def test_a_stale_read_is_served_at_once_while_one_refresh_runs_until_max_stale() -> None:
    clock = Clock()
    cache = ReadCache(ttl_s=0.25, max_stale_s=1.0, clock=clock)
    calls, compute = counter()

    async def scenario() -> list[int]:
        seen = [await cache.get("k", compute)]
        clock.now = 0.5  # stale, within max_stale: the old value, a refresh behind it
        seen += [await cache.get("k", compute), await cache.get("k", compute)]
        await asyncio.sleep(0.05)  # the refresh lands
        seen.append(await cache.get("k", compute))
        clock.now = 5.0  # too stale: wait for the refresh
        seen.append(await cache.get("k", compute))
        return seen

    assert asyncio.run(scenario()) == [1, 1, 1, 2, 3]
    assert calls == [1, 2, 3]


def test_a_failed_computation_reaches_the_waiting_request_and_is_retried_next_time() -> None:
    cache = ReadCache(ttl_s=0.25, max_stale_s=1.0, clock=Clock())
    answers: list[object] = [RuntimeError("database down"), 7]

    def compute() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def scenario() -> object:
        with pytest.raises(RuntimeError, match="database down"):
            await cache.get("k", compute)
        return await cache.get("k", compute)

    assert asyncio.run(scenario()) == 7


def test_the_read_cache_keeps_a_bounded_number_of_keys() -> None:
    cache = ReadCache(ttl_s=10, max_stale_s=10, clock=Clock(), max_keys=3)
    calls, compute = counter()

    async def scenario() -> None:
        for key in range(5):
            await cache.get(key, compute)
        await cache.get(4, compute)  # kept
        await cache.get(0, compute)  # dropped, computed again

    asyncio.run(scenario())
    assert calls == [1, 2, 3, 4, 5, 6]


def test_a_verified_token_is_kept_ttl_s_then_forgotten() -> None:
    clock = Clock()
    tokens: TokenCache[str] = TokenCache(ttl_s=2.0, max_entries=10, clock=clock)
    tokens.put("secret", "caller")
    assert tokens.get("secret") == "caller"
    assert tokens.get("other") is None
    clock.now = 2.0
    assert tokens.get("secret") is None


def test_the_token_cache_is_bounded_and_keeps_only_hashes() -> None:
    tokens: TokenCache[str] = TokenCache(ttl_s=60, max_entries=2, clock=Clock())
    for name in ("a", "b", "c"):
        tokens.put(f"token-{name}", name)
    assert [tokens.get(f"token-{n}") for n in ("a", "b", "c")] == [None, "b", "c"]
    assert not any("token-" in key for key in tokens._callers)


def test_a_zero_ttl_token_cache_keeps_nothing() -> None:
    tokens: TokenCache[str] = TokenCache(ttl_s=0, max_entries=10)
    tokens.put("secret", "caller")
    assert tokens.get("secret") is None
