"""A client in a process of its own (so the emulators do not share its interpreter): creates
at a steady rate, open loop, and prints each one's wall time over the configured latency.

    python -m tests.exercise.load_client URL RATE_PER_S REQUESTS LATENCY_MS
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp

WARM_UP = 30  # requests first, to open the connections


async def added_ms(url: str, rate_per_s: float, requests: int, latency_ms: float) -> list[float]:
    # aiohttp, as the exercise's own clients: its cost per request is a tenth of httpx's,
    # and this client's costs count in what it measures.
    connector = aiohttp.TCPConnector(limit=100)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:

        async def one(key: str) -> float:
            started = time.monotonic()
            body = {"invoice_id": key, "amount_minor": 100, "currency": "USD", "method": "card"}
            headers = {"Idempotency-Key": key}
            async with client.post(f"{url}/charges", json=body, headers=headers) as answer:
                text = await answer.text()
                assert answer.status == 201, text
            return (time.monotonic() - started) * 1000 - latency_ms

        await asyncio.gather(*(one(f"warm-{n}") for n in range(WARM_UP)))
        start = time.monotonic()
        tasks = []
        for n in range(requests):
            await asyncio.sleep(max(0.0, start + n / rate_per_s - time.monotonic()))
            tasks.append(asyncio.create_task(one(f"load-{n}")))
        return list(await asyncio.gather(*tasks))


def main() -> None:
    url, rate, requests, latency = sys.argv[1:5]
    added = asyncio.run(added_ms(url, float(rate), int(requests), float(latency)))
    print(json.dumps(added))


if __name__ == "__main__":
    main()
