"""The read cache of the hot routes (and the hot path of the health route) and the cache of
verified tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from storage.database import Database
from storage.queries import reserves_daily
from tests.api.conftest import bearer
from tests.api.fake_engine import FakeEngine
from tests.storage.recorded import ledger, record
from tests.storage.rows import new_run
from ui.api import ApiSettings, create_app
from ui.api.read_cache import ReadCache
from ui.api.routes import providers, reserves
from ui.api.token_cache import TokenCache
from ui.api.views import ProvidersHealthOut


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


def test_health_is_answered_from_the_cache_within_the_ttl_by_the_hot_path(
    migrated_database: Database, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []
    real = providers.provider_health

    def counted(db: Database, engine: FakeEngine, run_id: str, *args: Any) -> Any:
        computed.append(run_id)
        return real(db, engine, run_id, *args)

    monkeypatch.setattr(providers, "provider_health", counted)
    settings = ApiSettings(read_cache_ttl_s=5.0, read_max_stale_s=5.0)
    with TestClient(create_app(settings, migrated_database, engine)) as client:
        answers = [client.get("/api/v1/providers/health") for _ in range(3)]
        assert [a.status_code for a in answers] == [200] * 3
        assert answers[0].content == answers[2].content
        assert answers[2].headers["content-type"] == "application/json"
        assert computed == [engine.run_id]  # the first by the route, the others cached
        metrics = client.get("/metrics").text
        label = 'method="GET",route="/api/v1/providers/health",status="200"'
        assert f"invoicesim_http_requests_total{{{label}}} 3.0" in metrics
        engine.run_id = None  # no scenario: the hot path steps aside, the route says 503
        assert client.get("/api/v1/providers/health").status_code == 503


def test_a_new_run_is_never_answered_with_the_previous_runs_health(
    migrated_database: Database, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []

    def counted(db: Database, engine: FakeEngine, run_id: str, *_: Any) -> ProvidersHealthOut:
        computed.append(run_id)
        return ProvidersHealthOut(database="available", providers=[])

    monkeypatch.setattr(providers, "provider_health", counted)
    settings = ApiSettings(read_cache_ttl_s=5.0, read_max_stale_s=5.0)
    with TestClient(create_app(settings, migrated_database, engine)) as client:
        first = engine.run_id
        assert client.get("/api/v1/providers/health").status_code == 200
        with migrated_database.engine.begin() as connection:
            engine.run_id = new_run(connection)
        assert client.get("/api/v1/providers/health").status_code == 200
    assert computed == [first, engine.run_id]  # each run computed its own


def test_reserve_history_is_read_once_within_the_ttl_for_both_lengths_and_again_per_run(
    migrated_database: Database,
    engine: FakeEngine,
    tokens: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert engine.run_id is not None
    day_s = 86_400.0
    transfers = [(n, n * day_s + 10, "fiat_in_transit", "tokens_minted", 100) for n in range(10)]
    record(migrated_database, engine.run_id, ledger(transfers))
    computed: list[tuple[str, int]] = []

    def counted(db: Database, run_id: str, days: int) -> Any:
        computed.append((run_id, days))
        return reserves_daily(db, run_id, days)

    monkeypatch.setattr(reserves, "reserves_daily", counted)
    settings = ApiSettings(read_cache_ttl_s=5.0, read_max_stale_s=5.0)
    admin = bearer(tokens["admin"])
    with TestClient(create_app(settings, migrated_database, engine)) as client:
        weeks = [client.get("/api/v1/reserves/history", headers=admin) for _ in range(3)]
        month = client.get("/api/v1/reserves/history?days=30", headers=admin)
        assert [a.status_code for a in [*weeks, month]] == [200] * 4
        assert weeks[0].content == weeks[2].content
        assert weeks[0].headers["content-type"] == "application/json"
        assert [d["day"] for d in month.json()] == list(range(10))
        assert weeks[0].json() == month.json()[-7:]
        assert [d["minted_minor"] for d in weeks[0].json()] == [400, 500, 600, 700, 800, 900, 1000]
        assert computed == [(engine.run_id, 30)]  # one read answered both lengths
        first = engine.run_id
        with migrated_database.engine.begin() as connection:
            engine.run_id = new_run(connection)
        assert client.get("/api/v1/reserves/history", headers=admin).json() == []
    assert computed == [(first, 30), (engine.run_id, 30)]  # each run read its own


def test_peek_answers_as_get_would_without_starting_a_refresh() -> None:
    clock = Clock()
    cache = ReadCache(ttl_s=0.25, max_stale_s=1.0, clock=clock)
    calls, compute = counter()

    async def scenario() -> list[object]:
        seen: list[object] = [cache.peek("k")]  # nothing yet
        await cache.get("k", compute)
        seen.append(cache.peek("k"))  # fresh
        clock.now = 0.5
        seen.append(cache.peek("k"))  # stale, no refresh running: the caller must get()
        task = asyncio.ensure_future(cache.get("k", compute))  # starts the refresh
        await asyncio.sleep(0)
        seen.append(cache.peek("k"))  # stale while it refreshes: still served
        await task  # the stale value, at once
        await asyncio.sleep(0.05)  # the refresh lands
        clock.now = 5.0
        seen.append(cache.peek("k"))  # too old
        return seen

    assert asyncio.run(scenario()) == [None, 1, None, 1, None]
    assert calls == [1, 2]


def test_requests_bringing_one_uncached_token_share_one_lookup() -> None:
    tokens: TokenCache[str] = TokenCache(ttl_s=2.0, max_entries=10, clock=Clock())
    lookups: list[str] = []

    def lookup(token: str) -> str | None:
        lookups.append(token)
        return "caller" if token == "good" else None

    async def scenario() -> list[str | None]:
        asked = [tokens.verify(t, lookup) for t in ["good"] * 20 + ["bad"] * 5]
        return list(await asyncio.gather(*asked))

    assert asyncio.run(scenario()) == ["caller"] * 20 + [None] * 5
    assert sorted(lookups) == ["bad", "good"]
    assert asyncio.run(tokens.verify("good", lookup)) == "caller"  # cached now
    assert sorted(lookups) == ["bad", "good"]
