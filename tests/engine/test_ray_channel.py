"""Windows travel to Ray hosts over authenticated channels, or as Ray calls (real Ray)."""

from __future__ import annotations

import pickle
import socket
import struct
import threading
from multiprocessing import AuthenticationError
from typing import Any

import pytest

from simulation import ray_channel
from simulation.engine import RunOptions, run_scenario
from simulation.ray_runtime import RayRuntime
from simulation.runtime import Runtime
from simulation.scenario import parse_scenario
from tests.engine.ray_cluster import PARITY_SCENARIO


def test_a_channel_answers_only_a_driver_with_the_key() -> None:
    key = b"k" * 32
    listener = ray_channel.listen("127.0.0.1")
    refused: list[BaseException] = []

    def serve() -> None:
        try:
            ray_channel.accept(listener, key)
        except AuthenticationError as error:
            refused.append(error)
        with ray_channel.accept(listener, key) as conn:
            conn.send_bytes(conn.recv_bytes() * 2)

    server = threading.Thread(target=serve)
    server.start()
    with pytest.raises(AuthenticationError, match="key"):
        ray_channel.connect(listener.address, b"x" * 32)
    with ray_channel.connect(listener.address, key) as conn:
        conn.send_bytes(b"window")
        assert conn.recv_bytes() == b"windowwindow"
    server.join(timeout=10)
    listener.close()
    assert [str(e) for e in refused] == ["the other end does not hold the run's key"]


def test_a_host_reads_nothing_from_a_client_that_skips_the_handshake() -> None:
    """A client that sends a (pickled) message first is cut off at the handshake."""
    key = b"k" * 32
    listener = ray_channel.listen("127.0.0.1")
    refused: list[BaseException] = []

    def serve() -> None:
        try:
            ray_channel.accept(listener, key)
        except (AuthenticationError, OSError) as error:
            refused.append(error)

    server = threading.Thread(target=serve)
    server.start()
    with socket.create_connection(listener.address) as raw:
        payload = pickle.dumps(("not", "a", "nonce"))
        raw.sendall(struct.pack("!i", len(payload)) + payload)
        server.join(timeout=10)
    listener.close()
    assert len(refused) == 1


def _parity_run(runtime: str) -> tuple[dict[str, Any], list[Any]]:
    """The parity scenario; on Ray also every host's channel as each window ended."""
    held: list[Runtime] = []
    seen: list[Any] = []

    def look(sim_s: float, counts: dict[str, int]) -> None:
        ray_runtime = held[0]
        assert isinstance(ray_runtime, RayRuntime)
        seen.append(list(ray_runtime.channels))

    remote = runtime == "ray"
    options = RunOptions(shards=2, runtime=runtime, on_start=held.append)
    report = run_scenario(parse_scenario(PARITY_SCENARIO), options, look if remote else None)
    return report, seen


def test_windows_go_over_the_channels(ray_session: Any) -> None:
    report, seen = _parity_run("ray")
    assert seen and all(len(channels) == 3 and all(channels) for channels in seen)
    assert report["digest"] == _parity_run("local")[0]["digest"]


def test_hosts_whose_channel_cannot_be_reached_get_their_windows_as_ray_calls(
    ray_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(address: tuple[str, int], authkey: bytes) -> Any:
        raise ConnectionRefusedError(f"{address} refused the connection")

    monkeypatch.setattr(ray_channel, "connect", unreachable)
    report, seen = _parity_run("ray")
    assert seen and all(channels == [None, None, None] for channels in seen)
    assert report["digest"] == _parity_run("local")[0]["digest"]
