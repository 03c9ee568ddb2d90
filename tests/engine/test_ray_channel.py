"""Windows travel to Ray hosts over authenticated channels, or as Ray calls.

The first tests drive ``simulation.runtime.ray.channel`` over loopback without Ray: who
the handshake admits, and that clients which fail, stall or hang up cost the
host only their own attempt. The rest run the Ray runtime (real Ray): windows go
over the channels, or as Ray calls when a channel cannot be reached; a silent
host is waited for, a broken channel recovered, an LP's error raised in the
driver; every run ends with the digest of the local runtime.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from actors.errors import InvariantViolation
from simulation.runtime.interface import Runtime
from simulation.runtime.ray import channel as ray_channel
from simulation.runtime.ray.host import _failure
from simulation.runtime.ray.runtime import RayRuntime, _answer
from tests.engine.recovery_helpers import CRASH_AT_S, figures, run, scenario

KEY = b"k" * 32


@pytest.fixture
def host() -> Iterator[socket.socket]:
    """A channel host on loopback that answers every message with the message twice."""
    listener = ray_channel.listen("127.0.0.1")
    server = threading.Thread(
        target=ray_channel.serve, args=(listener, KEY, lambda m: m * 2), daemon=True
    )
    server.start()
    yield listener
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept; serve then sees it closed
    listener.close()
    server.join(timeout=10)
    assert not server.is_alive()


def _address(listener: socket.socket) -> tuple[str, int]:
    host, port = listener.getsockname()[:2]
    return str(host), int(port)


def _refusals(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    """Wait until the host has logged ``count`` refused clients; their messages."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        refused = [r.getMessage() for r in caplog.records if "refused a channel" in r.getMessage()]
        if len(refused) >= count:
            return refused
        time.sleep(0.05)
    raise AssertionError(f"the host refused fewer than {count} clients")


def test_the_host_answers_a_driver_with_the_key_and_refuses_one_without(
    host: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="simulation.runtime.ray.channel")
    with pytest.raises(ConnectionAbortedError):  # the host hangs up before proving itself
        ray_channel.connect(_address(host), b"x" * 32)
    refused = _refusals(caplog, 1)
    assert refused == ["refused a channel client: the client does not hold the run's key"]
    with ray_channel.connect(_address(host), KEY) as conn:
        conn.send_bytes(b"window")
        assert conn.recv_bytes() == b"windowwindow"


def test_a_host_proves_nothing_to_a_client_that_cannot_prove_itself(host: socket.socket) -> None:
    """So no host can be made to produce a proof that another host of the run would take:
    all a client without the key ever gets is the host's nonce."""
    with socket.create_connection(_address(host), timeout=10) as raw:
        nonce = ray_channel._read(raw, ray_channel.NONCE_BYTES)
        raw.sendall(nonce + os.urandom(ray_channel.PROOF_BYTES))  # its own nonce back
        assert raw.recv(1024) == b""  # hung up, nothing sent


def test_clients_that_hang_up_or_stall_cost_the_host_only_their_attempt(
    host: socket.socket, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.WARNING, logger="simulation.runtime.ray.channel")
    monkeypatch.setattr(ray_channel, "HANDSHAKE_TIMEOUT_S", 0.3)
    clients = [socket.create_connection(_address(host), timeout=10) for _ in range(3)]
    clients[0].close()  # hangs up at once
    clients[1].sendall(b"abc")  # a few bytes of a nonce, then nothing
    _refusals(caplog, 3)  # the third sent nothing at all
    for client in clients[1:]:
        client.close()
    monkeypatch.setattr(ray_channel, "HANDSHAKE_TIMEOUT_S", 5.0)
    with ray_channel.connect(_address(host), KEY) as conn:
        conn.send_bytes(b"w")
        assert conn.recv_bytes() == b"ww"


def test_an_error_raised_in_a_host_is_raised_in_the_driver() -> None:
    try:
        raise InvariantViolation("shard-0: money appeared")
    except InvariantViolation as error:
        payload = _failure("incarnation", error)
    with pytest.raises(InvariantViolation, match="money appeared") as raised:
        _answer(payload)
    assert any("raised in a Ray host" in note for note in raised.value.__notes__)

    class Unpicklable(Exception):
        def __init__(self, a: int, b: int) -> None:
            super().__init__(f"{a} and {b}")

    try:
        raise Unpicklable(1, 2)
    except Unpicklable as error:
        payload = _failure("incarnation", error)
    with pytest.raises(RuntimeError, match="Unpicklable: 1 and 2"):
        _answer(payload)


# ---- the Ray runtime ------------------------------------------------------------------
@pytest.fixture(scope="module")
def undisturbed() -> dict[str, Any]:
    return run(scenario())


def _ray_run(progress: Any = None) -> tuple[dict[str, Any], RayRuntime]:
    held: list[Runtime] = []

    def hook(sim_s: float, counts: dict[str, int]) -> None:
        if progress is not None:
            runtime = held[0]
            assert isinstance(runtime, RayRuntime)
            progress(sim_s, runtime)

    report = run(scenario(), hook, runtime="ray", on_start=held.append)
    runtime = held[0]
    assert isinstance(runtime, RayRuntime)
    return report, runtime


def test_windows_go_over_the_channels(ray_session: Any, undisturbed: dict[str, Any]) -> None:
    report, runtime = _ray_run()
    assert runtime.windows_sent["channel"] >= report["windows"] > 0  # every window
    assert runtime.windows_sent["ray call"] == 0
    assert figures(report) == figures(undisturbed) and report["recoveries"] == []


def test_hosts_whose_channel_cannot_be_reached_get_their_windows_as_ray_calls(
    ray_session: Any, undisturbed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(address: tuple[str, int], authkey: bytes) -> Any:
        raise ConnectionRefusedError(f"{address} refused the connection")

    monkeypatch.setattr(ray_channel, "connect", unreachable)
    report, runtime = _ray_run()
    assert runtime.windows_sent["ray call"] >= report["windows"] > 0
    assert runtime.windows_sent["channel"] == 0
    assert figures(report) == figures(undisturbed) and report["recoveries"] == []


def test_a_silent_host_is_waited_for_not_recovered(
    ray_session: Any, undisturbed: dict[str, Any]
) -> None:
    """A host stopped (SIGSTOP) longer than the driver's patience is asked about through
    Ray; it does not answer either, so it may be busy: the driver waits on."""
    stopped: list[int] = []

    def stop_shard_0(sim_s: float, runtime: RayRuntime) -> None:
        if not stopped and sim_s >= CRASH_AT_S:
            pid = runtime.pids[runtime.host_of("shard-0")]
            os.kill(pid, signal.SIGSTOP)
            threading.Timer(3.0, os.kill, (pid, signal.SIGCONT)).start()
            stopped.append(pid)

    report, runtime = _ray_run(stop_shard_0)
    assert stopped and runtime.pids[runtime.host_of("shard-0")] == stopped[0]  # it went on
    assert figures(report) == figures(undisturbed) and report["recoveries"] == []


def test_a_channel_broken_while_its_host_lives_is_recovered(
    ray_session: Any, undisturbed: dict[str, Any]
) -> None:
    broken: list[bool] = []

    def break_shard_0(sim_s: float, runtime: RayRuntime) -> None:
        conn = runtime.channels[runtime.host_of("shard-0")]
        if not broken and sim_s >= CRASH_AT_S and conn is not None:
            conn.close()  # the next window cannot be sent to it
            broken.append(True)

    report, runtime = _ray_run(break_shard_0)
    assert broken
    assert [(r["lp"], r["cause"]) for r in report["recoveries"]] == [
        (lp, "channel lost") for lp in runtime.lps_on(runtime.host_of("shard-0"))
    ]
    assert runtime.windows_sent["ray call"] == 0  # its channel was opened again
    assert figures(report) == figures(undisturbed)
