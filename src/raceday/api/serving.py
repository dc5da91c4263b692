"""uvicorn inside a loop that owns its signals (`raceday run`, `raceday serve`).

uvicorn's own signal handling re-raises SIGTERM/SIGINT after its graceful shutdown, so the
process would end "killed by signal" instead of exiting 0; the caller's handlers set
`should_exit` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator

import uvicorn

__all__ = ["QuietServer", "bind", "serve_until_signal"]


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to its caller."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 gets a free one (getsockname says)."""
    # IPPROTO_TCP spelled out: asyncio turns Nagle off (TCP_NODELAY) on accepted sockets only
    # when the listening socket says TCP; with proto 0 every kept-alive response's body waited
    # ~40 ms for the client's delayed ACK (measured by `raceday bench api`).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening from here on: a client told the URL may connect before uvicorn starts serving
    # (its connection waits in the backlog instead of being refused: bench api once was).
    sock.listen(2048)
    return sock


async def serve_until_signal(server: QuietServer, sock: socket.socket) -> None:
    """Serve on `sock` until SIGINT or SIGTERM, then shut down gracefully."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, setattr, server, "should_exit", True)
    await server.serve(sockets=[sock])
