"""The suite may reach loopback only: nothing a test runs can call the real NZTAB by accident."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketConnectBlockedError

# TEST-NET-1 (RFC 5737): routable-looking, reserved for documentation, never a real host.
OUTSIDE = ("192.0.2.1", 443)


def test_a_connection_off_the_machine_is_refused_before_it_leaves() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(SocketConnectBlockedError),
    ):
        sock.connect(OUTSIDE)


def test_the_nztab_host_is_refused_too() -> None:
    # The block applies to names as well as addresses (resolved before the check).
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(SocketConnectBlockedError),
    ):
        sock.connect(("api.tab.co.nz", 443))


def test_loopback_stays_open() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            peer, _ = server.accept()
            with peer:
                client.sendall(b"ping")
                assert peer.recv(4) == b"ping"
