"""Serving the reference orchestrator: its invoice API on one port, its health probes
beside, on the paced clock (``invoicesim orchestrator serve``; ``start_in_thread`` for
tests and for the exercise that starts it beside the emulators)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from actors.errors import InvoicesimError
from exercise import serving
from exercise.emulators.clock import PacedClock
from exercise.orchestrator.api import create_orchestrator_app
from exercise.orchestrator.payments import Payments
from exercise.orchestrator.providers import ProviderLink
from exercise.serving import ServingThread
from simulation.scenario import Scenario

MAX_IN_FLIGHT = 2_000  # requests at once; past it uvicorn answers 503
STOP_GRACE_S = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class OrchestratorOptions:
    providers: dict[str, str]  # provider name -> the base URL of its API
    speed: float = 1.0
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    clock: PacedClock | None = field(default=None)  # None: its own, started when serving

    def __post_init__(self) -> None:
        if not 0 < self.speed <= 1_000:
            raise InvoicesimError(f"--speed must be within (0, 1000], got {self.speed}")
        if not 0 <= self.port <= 65_535:
            raise InvoicesimError(f"--port must be within 0..65535, got {self.port}")


class Orchestrator:
    """The service for ``scenario``'s providers and routing, until ``serve`` is told to stop."""

    def __init__(self, scenario: Scenario, options: OrchestratorOptions) -> None:
        self.scenario = scenario
        self.options = options
        self.payments: Payments | None = None
        family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((options.host, options.port))
        except OSError as error:
            self._socket.close()
            raise InvoicesimError(
                f"--port: cannot listen on {options.host}:{options.port} "
                f"({error.strerror or error}); pick another --port"
            ) from None
        self.port: int = self._socket.getsockname()[1]

    @property
    def url(self) -> str:
        host = f"[{self.options.host}]" if ":" in self.options.host else self.options.host
        return f"http://{host}:{self.port}"

    async def serve(
        self, stopping: asyncio.Event, on_start: Callable[[], None] | None = None
    ) -> None:
        options, scenario = self.options, self.scenario
        clock = options.clock or PacedClock.start(options.speed)
        links = {name: ProviderLink(name, url, clock) for name, url in options.providers.items()}
        payments = Payments(scenario.provider_configs(), scenario.routing_config(), links, clock)
        self.payments = payments
        config = uvicorn.Config(
            create_orchestrator_app(payments),
            http="h11",
            lifespan="off",
            log_config=None,
            log_level=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            limit_concurrency=MAX_IN_FLIGHT,
            timeout_graceful_shutdown=int(STOP_GRACE_S),
        )
        server = _Server(config)
        serving = asyncio.create_task(server.serve(sockets=[self._socket]))
        probing = asyncio.create_task(payments.probe_forever())
        try:
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                    return
                await asyncio.sleep(0.01)
            if on_start is not None:
                on_start()
            stopped = asyncio.create_task(stopping.wait())
            await asyncio.wait({stopped, serving}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
        finally:
            server.should_exit = True
            probing.cancel()
            await asyncio.gather(serving, probing, return_exceptions=True)
            await payments.close()
            self._socket.close()


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handlers: whoever serves it decides when
    it stops (``serve_until_signal`` on SIGINT or SIGTERM)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def serve_until_signal(
    orchestrator: Orchestrator, on_start: Callable[[], None] | None = None
) -> None:
    """Serve on this thread until SIGINT or SIGTERM."""
    serving.serve_until_signal(_serve(orchestrator), _started(on_start))


@dataclass(slots=True)
class RunningOrchestrator:
    """The orchestrator serving on a thread of its own (``start_in_thread``)."""

    orchestrator: Orchestrator
    _serving: ServingThread

    @property
    def url(self) -> str:
        return self.orchestrator.url

    def stop(self, timeout_s: float = 10.0) -> None:
        self._serving.stop(timeout_s)


def start_in_thread(
    orchestrator: Orchestrator, ready_timeout_s: float = 10.0
) -> RunningOrchestrator:
    thread = serving.serve_in_thread(_serve(orchestrator), "orchestrator", ready_timeout_s)
    return RunningOrchestrator(orchestrator, thread)


def _serve(orchestrator: Orchestrator) -> serving.Serve:
    async def serve(stopping: asyncio.Event, on_start: Callable[[Any], None]) -> None:
        await orchestrator.serve(stopping, lambda: on_start(orchestrator.url))

    return serve


def _started(on_start: Callable[[], None] | None) -> Callable[[Any], None]:
    def started(_url: Any) -> None:
        if on_start is not None:
            on_start()

    return started
