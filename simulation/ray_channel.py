"""The window channel: a TCP connection from the driver to each Ray host.

A window's call through Ray (``actor.method.remote`` and ``ray.get``) costs
about a millisecond of Ray's own machinery per actor on this machine, several
times the work of a typical window. So Ray places, starts, restarts and
restores the hosts, and the windows themselves travel over a connection of
their own: the host listens on a port of its node (``listen``), the driver
connects (``connect``), and each window is one message each way. On this
2-core machine a round trip to three hosts took about 0.3 ms against 2.8 ms
through Ray calls, and a Ray run of ``throughput_1000`` about half the wall time.

Both ends prove they hold a key the driver draws for the run and hands the host
through Ray, before anything else is read (``_handshake``: HMAC-SHA256 over a
fresh nonce of each side): messages are pickles, so only the driver that
started the host may send it windows, and the driver reads answers only from
that host. Nagle's algorithm is turned off on both ends; with it, every message
waited some 40 ms for the acknowledgement of the one before.

A lost host shows as a broken connection (its process died) or as silence; the
driver then asks Ray about the host (``simulation.ray_runtime``).
"""

from __future__ import annotations

import hmac
import os
import socket
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener

CONNECT_TIMEOUT_S = 5.0  # a host whose port cannot be reached in this long is called through Ray
HANDSHAKE_TIMEOUT_S = 5.0
NONCE_BYTES = 32
_PROOF_BYTES = 32  # an HMAC-SHA256


def listen(host: str) -> Listener:
    """A listener on a free port of ``host`` (the node's address), for one driver at a time."""
    return Listener((host, 0), family="AF_INET", backlog=1)


def accept(listener: Listener, authkey: bytes) -> Connection:
    """The next driver's connection, once it has proved it holds ``authkey``.

    Raises AuthenticationError (the connection closed) for one that does not.
    """
    conn = listener.accept()
    try:
        _no_delay(conn)
        _handshake(conn, authkey)
    except BaseException:
        conn.close()
        raise
    return conn


def connect(address: tuple[str, int], authkey: bytes) -> Connection:
    """Connect to a host's listener and authenticate; OSError if it cannot be reached in time,
    AuthenticationError if it does not hold ``authkey``."""
    sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT_S)
    sock.settimeout(None)  # the connection reads and writes its descriptor blocking
    conn = Connection(sock.detach())
    try:
        _no_delay(conn)
        _handshake(conn, authkey)
    except BaseException:
        conn.close()
        raise
    return conn


def _handshake(conn: Connection, authkey: bytes) -> None:
    """Each side sends a nonce and answers the other's with HMAC-SHA256(key, nonce).

    Both sides run the same steps; the proof for the other side's nonce is only
    sent once that nonce has arrived, so neither can replay the other's proof.
    """
    mine = os.urandom(NONCE_BYTES)
    conn.send_bytes(mine)
    if not conn.poll(HANDSHAKE_TIMEOUT_S):
        raise AuthenticationError("the other end sent no nonce")
    theirs = conn.recv_bytes(NONCE_BYTES)
    if len(theirs) != NONCE_BYTES or hmac.compare_digest(theirs, mine):
        raise AuthenticationError("the other end sent a bad nonce")
    conn.send_bytes(_proof(authkey, theirs))
    if not conn.poll(HANDSHAKE_TIMEOUT_S):
        raise AuthenticationError("the other end sent no proof")
    proof = conn.recv_bytes(_PROOF_BYTES)
    if not hmac.compare_digest(proof, _proof(authkey, mine)):
        raise AuthenticationError("the other end does not hold the run's key")


def _proof(authkey: bytes, nonce: bytes) -> bytes:
    return hmac.new(authkey, b"invoicesim-channel" + nonce, "sha256").digest()


def _no_delay(conn: Connection) -> None:
    """Send each message at once (TCP_NODELAY) instead of waiting for the last one's ack."""
    sock = socket.socket(fileno=os.dup(conn.fileno()))
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    finally:
        sock.close()  # the duplicate only: the option stays on the connection's socket
