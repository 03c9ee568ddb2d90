"""Prometheus metrics of one app: requests by route and status, latency, and the engine.

Each app has its own registry (no global state): a test can build many apps.
Requests are labelled by route template (``/api/v1/invoices/{invoice_id}``),
never by raw path, so the label set stays bounded. Engine figures are read
from ``engine.status()`` at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api.live_port import Engine

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class _EngineCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        status = self.engine.status()
        figures = {
            "running": ("1 while a scenario runs", float(status.running)),
            "sim_now_seconds": ("simulated seconds since the run started", status.sim_now_s),
            "speed": ("simulated seconds per wall second", status.speed),
            "drift_seconds": ("how far the paced clock lags the wall clock", status.drift_s),
            "windows": ("windows run so far", float(status.windows)),
        }
        for name, (help_, value) in figures.items():
            yield GaugeMetricFamily(f"invoicesim_engine_{name}", help_, value=value)


class Metrics:
    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "invoicesim_http_requests",
            "HTTP requests answered, by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "invoicesim_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.registry.register(_EngineCollector(engine))


def _route(scope: Scope) -> str:
    """The matched route's template (the routers carry the full /api/v1 prefix)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = _route(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
