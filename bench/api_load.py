"""The API under load: a fixed request rate against `invoicesim serve` while a scenario runs.

``python -m bench.api_load [--rate 1000] [--duration 60]`` starts the service in
its own process (``invoicesim serve`` on a scratch database of the embedded
PostgreSQL, or ``DATABASE_URL``), makes a token per role, then sends requests on
an open-loop schedule — request i leaves at i / rate whether or not earlier ones
have answered, so a slow server shows as latency, not as a lower rate — and
prints latency percentiles, the rate reached, errors by status, and the
server's resident memory over time.

The mix is what dashboards and programs do: the public health route, reserves,
invoice pages, active wallets, one invoice, and new invoices created and paid.
``drive`` is also what tests/api/test_api_under_load.py runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
MAX_IN_FLIGHT = 2_000  # requests awaiting an answer; past this the client sheds, and counts it
READ_PATHS = (
    ("/api/v1/providers/health", None),
    ("/api/v1/reserves/balance", "admin"),
    ("/api/v1/invoices?status=paid&limit=20", "admin"),
    ("/api/v1/wallets?status=active", "admin"),
    ("/api/v1/alerts", "admin"),
)
WRITE_EVERY = 10  # one request in ten creates an invoice (and every other one of those pays)

LOAD_SCENARIO = """
name: api-load
description: Background traffic while the API is under load.
seed: 2
duration_s: 86400
wallet_ttl_s: 600
load:
  - {start_s: 0, duration_s: 86400, shape: poisson, rate_per_s: 20}
"""


@dataclass
class LoadResult:
    rate_asked: float
    duration_s: float
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    shed: int = 0
    rss_mib: list[tuple[float, float]] = field(default_factory=list)  # (seconds in, RSS)
    wall_s: float = 0.0

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if not s.startswith(("2", "4"))) + self.shed

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "rate_asked_per_s": self.rate_asked,
            "rate_done_per_s": round(len(self.latencies_ms) / self.wall_s, 1) if self.wall_s else 0,
            "requests": self.sent,
            "p50_ms": round(self.percentile(0.50), 2),
            "p95_ms": round(self.percentile(0.95), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "statuses": dict(self.statuses),
            "shed": self.shed,
            "errors": self.errors,
            "rss_mib": self.rss_mib,
        }


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _one(
    client: httpx.AsyncClient, result: LoadResult, i: int, tokens: dict[str, str]
) -> None:
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    started = time.perf_counter()
    try:
        if i % WRITE_EVERY == 0:
            made = await client.post("/api/v1/invoices", json={"amount_minor": 1000}, headers=admin)
            response = made
            if made.status_code == 201 and i % (2 * WRITE_EVERY) == 0:
                invoice = made.json()["invoice_id"]
                response = await client.post(
                    f"/api/v1/invoices/{invoice}/pay", json={"method": "card"}, headers=admin
                )
        else:
            path, role = READ_PATHS[i % len(READ_PATHS)]
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else None
            response = await client.get(path, headers=headers)
        result.statuses[str(response.status_code)] += 1
    except httpx.HTTPError as error:
        result.statuses[type(error).__name__] += 1
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _drive(url: str, tokens: dict[str, str], result: LoadResult, pid: int | None) -> None:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        pending: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        total = int(result.rate_asked * result.duration_s)
        next_rss = 0.0
        for i in range(total):
            due = start + i / result.rate_asked
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elapsed = time.perf_counter() - start
            if pid is not None and elapsed >= next_rss:
                result.rss_mib.append((round(elapsed, 1), rss_mib(pid)))
                next_rss = elapsed + 5.0
            if len(pending) >= MAX_IN_FLIGHT:
                result.shed += 1
                continue
            task = asyncio.create_task(_one(client, result, i, tokens))
            pending.add(task)
            task.add_done_callback(pending.discard)
            result.sent += 1
        if pending:
            await asyncio.wait(pending)
        result.wall_s = time.perf_counter() - start
        if pid is not None:
            result.rss_mib.append((round(result.wall_s, 1), rss_mib(pid)))


def drive(
    url: str, tokens: dict[str, str], rate: float, duration_s: float, pid: int | None = None
) -> LoadResult:
    """Send ``rate`` requests per second for ``duration_s`` and measure every answer."""
    result = LoadResult(rate, duration_s)
    asyncio.run(_drive(url, tokens, result, pid))
    return result


@contextmanager
def served(
    database_url: str, port: int, workdir: Path
) -> Iterator[tuple[str, dict[str, str], int]]:
    """`invoicesim serve` in its own process on ``database_url``; (url, tokens by role, pid)."""
    cli = str(Path(sys.executable).parent / "invoicesim")
    env = dict(os.environ, DATABASE_URL=database_url)
    scenario = workdir / "api-load.yaml"
    scenario.write_text(LOAD_SCENARIO)
    subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    tokens = {}
    for role in ("admin", "enterprise", "consumer"):
        made = subprocess.run(
            [cli, "token", "create", "--role", role, "--name", f"load {role}"],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        tokens[role] = made.stdout.strip().splitlines()[-1].split()[-1]
    log = (workdir / "serve.log").open("w")
    server = subprocess.Popen(
        [cli, "serve", "--scenario", str(scenario), "--port", str(port), "--speed", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"serve exited: {(workdir / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v1/providers/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not answer within 60 s")
            time.sleep(0.2)
        yield url, tokens, server.pid
    finally:
        server.terminate()
        server.wait(60)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    from storage.database import DatabaseSettings, open_database, scratch_database

    with tempfile.TemporaryDirectory(prefix="isim-load-") as folder:
        base = DatabaseSettings.from_env()
        if base.database_url is None:
            base = DatabaseSettings(database_url=None, data_dir=Path(folder) / "pg")
        server_db = open_database(base)
        try:
            with scratch_database(server_db, "invoicesim_load") as db:
                url = db.engine.url.render_as_string(hide_password=False)
                with served(url, args.port, Path(folder)) as (api, tokens, pid):
                    result = drive(api, tokens, args.rate, args.duration, pid)
        finally:
            server_db.stop_embedded_server()
    print(json.dumps(result.summary(), indent=2))


if __name__ == "__main__":
    main()
