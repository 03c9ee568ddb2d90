"""The window channel: a TCP connection from the driver to each Ray host.

A window's call through Ray (``actor.method.remote`` and ``ray.get``) costs
about a millisecond of Ray's own machinery per actor on this machine, several
times the work of a typical window. So Ray places, starts, restarts and
restores the hosts, and the windows themselves travel over a connection of
their own: the host listens on a port of its node (``listen``, ``serve``), the
driver connects (``connect``), and each window is one message each way. On this
2-core machine a round trip to three hosts took about 0.3 ms against 2.8 ms
through Ray calls, and a Ray run of ``throughput_1000`` about half the wall time.

Messages are pickles, so before either end reads one, each proves it holds the
key the driver drew for the run and handed the host through Ray
(``_host_handshake``, ``_driver_handshake``):
the host sends a nonce; the driver answers with its own nonce and
HMAC-SHA256(key, "driver" + both nonces); only if that is right does the host
prove itself with HMAC-SHA256(key, "host" + both nonces). The proofs are bound
to their role and to both nonces, and a host checks the driver before it proves
anything, so no host can be made to produce a proof another host would take.
Every handshake read has a deadline, so a client that stalls or hangs up only
costs the host that one attempt. The channel authenticates but does not
encrypt, as Ray's own traffic: keep a cluster on a network you trust.

Nagle's algorithm is off (with it, every message waited some 40 ms for the
acknowledgement of the one before) and TCP keepalive on, so a peer that vanished
without closing its end is noticed in about 25 s. A lost host shows as a broken
connection or as silence; the driver then asks Ray about it
(``simulation.runtime.ray.runtime``).
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
import time
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0  # to reach a host's port ...
HANDSHAKE_TIMEOUT_S = 5.0  # ... and for each read of the handshake
NONCE_BYTES = 32
PROOF_BYTES = 32  # an HMAC-SHA256
KEEPALIVE_S = (10, 5, 3)  # idle before the first probe, between probes, probes unanswered
REFUSED_PAUSE_S = 0.1  # after a failed handshake, before the host accepts the next client
_DRIVER, _HOST = b"invoicesim channel driver", b"invoicesim channel host"


def listen(host: str) -> socket.socket:
    """A listening socket on a free port of ``host`` (the node's address)."""
    return socket.create_server((host, 0), backlog=4)


def accept(listener: socket.socket, authkey: bytes) -> Connection:
    """The next client's connection, once it has proved it holds ``authkey``.

    Raises AuthenticationError for one that does not, OSError for one that hangs up or
    stalls; either way its connection is closed.
    """
    sock, _ = listener.accept()
    return _authenticated(sock, authkey, _host_handshake)


def connect(address: tuple[str, int], authkey: bytes) -> Connection:
    """Connect to a host's listener; OSError if it cannot be reached or stalls,
    AuthenticationError if it does not hold ``authkey``."""
    sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT_S)
    return _authenticated(sock, authkey, _driver_handshake)


def serve(listener: socket.socket, authkey: bytes, handle: Callable[[bytes], bytes]) -> None:
    """Answer every message of one client after another with ``handle(message)``, until
    the listener is closed. ``handle`` must not raise."""
    while listener.fileno() != -1:
        try:
            conn = accept(listener, authkey)
        except Exception as error:  # a client that failed, stalled or hung up: the next one
            if listener.fileno() != -1:
                log.warning("refused a channel client: %s", error or type(error).__name__)
                time.sleep(REFUSED_PAUSE_S)
            continue
        with conn:
            while True:
                try:
                    message = conn.recv_bytes()
                except (EOFError, OSError):
                    break  # the driver closed it (the run ended, or it gave this host up)
                answer = handle(message)
                try:
                    conn.send_bytes(answer)
                except OSError:
                    break


def _authenticated(
    sock: socket.socket, authkey: bytes, handshake: Callable[[socket.socket, bytes], None]
) -> Connection:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _keepalive(sock)
        sock.settimeout(HANDSHAKE_TIMEOUT_S)
        handshake(sock, authkey)
        sock.settimeout(None)  # the connection reads and writes its descriptor blocking
    except BaseException:
        sock.close()
        raise
    return Connection(sock.detach())


def _host_handshake(sock: socket.socket, authkey: bytes) -> None:
    mine = os.urandom(NONCE_BYTES)
    sock.sendall(mine)
    theirs = _read(sock, NONCE_BYTES)
    proof = _read(sock, PROOF_BYTES)
    if not hmac.compare_digest(proof, _proof(authkey, _DRIVER, mine, theirs)):
        raise AuthenticationError("the client does not hold the run's key")
    sock.sendall(_proof(authkey, _HOST, theirs, mine))


def _driver_handshake(sock: socket.socket, authkey: bytes) -> None:
    theirs = _read(sock, NONCE_BYTES)
    mine = os.urandom(NONCE_BYTES)
    sock.sendall(mine + _proof(authkey, _DRIVER, theirs, mine))
    proof = _read(sock, PROOF_BYTES)
    if not hmac.compare_digest(proof, _proof(authkey, _HOST, mine, theirs)):
        raise AuthenticationError("the host does not hold the run's key")


def _proof(authkey: bytes, role: bytes, challenge: bytes, answer: bytes) -> bytes:
    return hmac.new(authkey, role + challenge + answer, "sha256").digest()


def _read(sock: socket.socket, size: int) -> bytes:
    """Exactly ``size`` bytes (each read within the socket's timeout)."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionAbortedError("the other end hung up during the handshake")
        data += chunk
    return data


def _keepalive(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    options = ("TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT")
    for name, value in zip(options, KEEPALIVE_S, strict=True):
        if hasattr(socket, name):  # Linux; elsewhere the system's keepalive timing applies
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
