"""Serving the emulators: a listener per provider on the paced clock, faults on schedule.

``Emulators`` builds one ``ProviderBehaviour`` and one app per provider of the
scenario, binds provider *i* to ``base_port + i`` (any free port with base port 0),
then starts the paced clock (simulated 0) and, for each provider, follows its fault
timeline: each fault starts and ends at its simulated time, as the simulation's
provider process schedules them (``simulation.processes.provider``), and while the
provider is down (an outage, a flapping fault's down phase) its listening socket is
closed, so a client's connection is refused, and the connections it had are closed
as soon as each has answered. When the provider is up again a new socket listens on
the same port.

Connections are served by uvicorn's HTTP protocol (h11, which bounds what a connection
holds of a request's head); the listening sockets are this module's own, since uvicorn's
``Server`` owns its sockets for its whole life and cannot close one for a while.
``start_in_thread`` runs the whole on a thread of its own (tests, and the exercise
that starts emulators beside an orchestrator); ``serve_until_signal`` (``invoicesim
emulate``) on the main thread until SIGINT or SIGTERM. Both use uvloop, as ``invoicesim
serve`` does.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from actors.errors import InvoicesimError
from actors.provider_config import Fault
from exercise import serving
from exercise.emulators.api import EmulatorContext, create_emulator_app
from exercise.emulators.behaviour import ProviderBehaviour
from exercise.emulators.clock import PacedClock
from exercise.emulators.records import FLUSH_S, RecordSink
from exercise.serving import ServingThread
from simulation.scenario import Scenario
from simulation.scenario.model import ClockMode

log = logging.getLogger("invoicesim.emulate")

# A request head still incomplete past this many bytes is refused (400) by h11: with what
# one read brings (256 KiB) the most a connection holds of a head. The app then refuses
# a head of more fields or bytes than it takes (``api.Limits``: 431).
INCOMPLETE_HEAD_BYTES = 16 * 1_024
MAX_IN_FLIGHT = 1_000  # connections (and requests) per provider; past it uvicorn answers 503
KEEP_ALIVE_S = 5.0
BACKLOG = 1_024
STOP_GRACE_S = 2.0  # answers still on their way get this long when the emulators stop
SETTLE_S = 0.05  # how often charges that took effect are collected for the records
MAX_SWITCHES = 1_000  # listener switches kept per provider (a flapping fault makes many)
REBIND_TRIES = 100  # a port taken while its provider was down is tried again, 10 ms apart


@dataclass(frozen=True, slots=True, kw_only=True)
class EmulateOptions:
    speed: float = 1.0  # simulated seconds per wall second
    host: str = "127.0.0.1"
    base_port: int = 8100  # provider i listens on base_port + i; 0: any free port each
    lead_s: float = 0.0  # wall seconds from serving to simulated 0 (PacedClock)

    def __post_init__(self) -> None:
        if not 0 < self.speed <= 1_000:
            raise InvoicesimError(f"--speed must be within (0, 1000], got {self.speed:g}")
        if not 0 <= self.base_port <= 65_535:
            raise InvoicesimError(f"--base-port must be within 0..65535, got {self.base_port}")


def default_speed(scenario: Scenario) -> float:
    """The scenario's clock speed if its clock is paced, else 1 (real time)."""
    return scenario.clock.speed if scenario.clock.mode is ClockMode.PACED else 1.0


@dataclass(frozen=True, slots=True)
class Endpoint:
    provider: str
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class FaultChange:
    at_s: float
    fault: Fault | None  # None: the fault ends


def fault_timeline(scenario: Scenario, provider: str) -> list[FaultChange]:
    """The provider's faults as the simulation schedules them: each starts at its start_s
    and, given a duration_s, ends then (an open-ended one lasts until the emulators stop)."""
    changes = []
    for spec in scenario.faults:
        if spec.target != provider or not spec.is_provider_fault:
            continue
        changes.append(FaultChange(float(spec.start_s), spec.to_fault()))
        if spec.duration_s is not None:
            changes.append(FaultChange(float(spec.start_s + spec.duration_s), None))
    # Changes at one time in the order the provider's timers run them (the simulation's
    # timer heap: by time, then as scheduled), so a tie ends as in a simulated run.
    return sorted(changes, key=lambda change: change.at_s)


class Listener:
    """One provider's listening socket, opened and closed at will, with uvicorn's h11
    protocol on the connections it accepts."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.config = uvicorn.Config(
            app,
            host=host,
            port=port,
            http="h11",
            lifespan="off",
            log_config=None,
            log_level=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            limit_concurrency=MAX_IN_FLIGHT,
            timeout_keep_alive=int(KEEP_ALIVE_S),
            h11_max_incomplete_event_size=INCOMPLETE_HEAD_BYTES,
        )
        self.config.load()
        self.state = ServerState()
        self._socket: socket.socket | None = None
        self._server: asyncio.Server | None = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    def bound_address(self) -> tuple[str, int] | None:
        """The (host, port) the socket is bound to; None while the provider is down."""
        if self._socket is not None:
            host, port = self._socket.getsockname()[:2]
            return host, port
        if self._server is not None and self._server.sockets:
            host, port = self._server.sockets[0].getsockname()[:2]
            return host, port
        return None

    def bind(self) -> int:
        """Take the port (bound, not yet listening: a connection is refused); its number."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        # A closed listener leaves its connections in TIME_WAIT: the port is bound again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._socket = sock
        return self.port

    async def open(self) -> None:
        if self._server is not None:
            return
        sock = self._socket if self._socket is not None else await self._bind_again()
        self._socket = None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, sock=sock, backlog=BACKLOG)

    def close(self) -> None:
        """Stop listening now; each connection closes once it has answered."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for connection in list(self.state.connections):
            connection.shutdown()

    def release(self) -> None:
        """Give back a port bound and never listened on."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    async def stop(self, grace_s: float) -> None:
        """Close, give answers on their way ``grace_s``, then drop what is left."""
        self.close()
        self.release()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while self.state.connections and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for connection in list(self.state.connections):
            connection.transport.abort()
        tasks = list(self.state.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # their requests are recorded

    def _protocol(self) -> asyncio.Protocol:
        protocol: asyncio.Protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.state, app_state={}
        )
        return protocol

    async def _bind_again(self) -> socket.socket:
        for _ in range(REBIND_TRIES):
            try:
                self.bind()
            except OSError as error:
                last = error
                await asyncio.sleep(0.01)
                continue
            assert self._socket is not None
            return self._socket
        raise InvoicesimError(f"cannot listen on {self.host}:{self.port} again: {last}")


class ProviderEmulator:
    """One provider: its behaviour, its app, its listener and its fault timeline."""

    def __init__(
        self,
        scenario: Scenario,
        behaviour: ProviderBehaviour,
        context: EmulatorContext,
        listener: Listener,
    ) -> None:
        self.behaviour = behaviour
        self.context = context
        self.listener = listener
        self.changes = deque(fault_timeline(scenario, behaviour.name))
        # When the listener actually opened or closed: (simulated s, listening), the latest.
        self.switches: deque[tuple[float, bool]] = deque(maxlen=MAX_SWITCHES)

    async def follow(self, clock: PacedClock) -> None:
        """Apply each fault change at its time; listen exactly while the provider is up."""
        behaviour, changes = self.behaviour, self.changes
        while True:
            now = clock.now_s()
            while changes and changes[0].at_s <= now:
                change = changes.popleft()
                behaviour.set_fault(change.at_s, change.fault)
            up = not behaviour.is_down(now)
            if up != self.listener.listening:
                if up:
                    await self.listener.open()
                else:
                    self.listener.close()
                self.switches.append((clock.now_s(), up))
            next_change = changes[0].at_s if changes else None
            wake = [at for at in (next_change, behaviour.next_switch_s(now)) if at is not None]
            if not wake:
                return
            await clock.sleep_until(min(wake))


class Emulators:
    """Every provider of ``scenario``, served over HTTP until ``serve``'s event is set."""

    def __init__(self, scenario: Scenario, options: EmulateOptions, records: RecordSink) -> None:
        self.scenario = scenario
        self.options = options
        self.records = records
        self.clock = PacedClock.start(options.speed)  # restarted when serving starts
        self.providers: list[ProviderEmulator] = []
        for index, config in enumerate(scenario.provider_configs()):
            behaviour = ProviderBehaviour(config, scenario.seed, options.speed)
            context = EmulatorContext(behaviour, self.clock)
            app = create_emulator_app(context, records)
            port = 0 if options.base_port == 0 else options.base_port + index
            listener = Listener(app, options.host, port)
            self.providers.append(ProviderEmulator(scenario, behaviour, context, listener))

    def bind(self) -> list[Endpoint]:
        """Take every provider's port (refusing connections until serving starts)."""
        endpoints = []
        for emulator in self.providers:
            listener = emulator.listener
            try:
                port = listener.bind()
            except OSError as error:
                self.release()
                option = "--base-port" if self.options.base_port else "--host"
                raise InvoicesimError(
                    f"{option}: cannot listen on {listener.host}:{listener.port} for "
                    f"{emulator.behaviour.name} ({error.strerror or error}); pick another "
                    f"{option}"
                ) from None
            endpoints.append(Endpoint(emulator.behaviour.name, listener.host, port))
        return endpoints

    def release(self) -> None:
        """Give back the ports ``bind`` took (serving never started)."""
        for emulator in self.providers:
            emulator.listener.release()

    async def serve(
        self, stopping: asyncio.Event, on_start: Callable[[PacedClock], None] | None = None
    ) -> None:
        """Start the clock, serve until ``stopping`` is set, then stop in order."""
        self.clock = clock = PacedClock.start(self.options.speed, self.options.lead_s)
        for emulator in self.providers:
            emulator.context.clock = clock
        tasks = [asyncio.create_task(e.follow(clock)) for e in self.providers]
        settle = asyncio.create_task(self._settle(clock))
        for task in (*tasks, settle):
            task.add_done_callback(partial(_stop_on_error, stopping))
        if on_start is not None:
            on_start(clock)
        try:
            await stopping.wait()
        finally:
            for task in (*tasks, settle):
                task.cancel()
            for emulator in self.providers:
                emulator.context.stop(STOP_GRACE_S)  # held requests and late answers end
            await asyncio.gather(
                *(e.listener.stop(STOP_GRACE_S) for e in self.providers), return_exceptions=True
            )
            self._collect(clock)
            self.records.hand_over()

    async def _settle(self, clock: PacedClock) -> None:
        """Collect the charges that took effect, and hand the rows to the records."""
        handed_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SETTLE_S)
            self._collect(clock)
            if loop.time() - handed_at >= FLUSH_S:
                self.records.hand_over()
                handed_at = loop.time()

    def _collect(self, clock: PacedClock) -> None:
        now = clock.now_s()
        for emulator in self.providers:
            name = emulator.behaviour.name
            for record in emulator.behaviour.settle(now):
                self.records.charge(name, record, clock.wall_at(record.ended_at_s))


def _stop_on_error(stopping: asyncio.Event, task: asyncio.Task[None]) -> None:
    """A provider that cannot follow its timeline (or rows that cannot be collected) would
    serve the wrong behaviour: say why and stop them all."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("the emulators stop: %s", error, exc_info=error)
        stopping.set()


@dataclass(slots=True)
class RunningEmulators:
    """Emulators serving on a thread of their own (``start_in_thread``)."""

    emulators: Emulators
    endpoints: list[Endpoint]
    clock: PacedClock
    _serving: ServingThread

    def url(self, provider: str) -> str:
        return next(e.url for e in self.endpoints if e.provider == provider)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._serving.stop(timeout_s)


def serve_until_signal(
    emulators: Emulators, on_start: Callable[[PacedClock], None] | None = None
) -> None:
    """Serve on this thread (its ports bound already) until SIGINT or SIGTERM."""
    serving.serve_until_signal(emulators.serve, on_start or (lambda _clock: None))


def start_in_thread(emulators: Emulators, ready_timeout_s: float = 10.0) -> RunningEmulators:
    """Bind every port, then serve on a new thread (with its own event loop)."""
    endpoints = emulators.bind()
    try:
        thread = serving.serve_in_thread(emulators.serve, "emulators", ready_timeout_s)
    except RuntimeError:
        emulators.release()
        raise InvoicesimError("the emulators did not start") from None
    return RunningEmulators(emulators, endpoints, thread.started, thread)
