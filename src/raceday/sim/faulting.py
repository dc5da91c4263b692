"""Fault injection, the I/O half: what the client sees for each drawn fault.

`drop` is the subtle one: the response starts with its full Content-Length and half the body,
then the app returns without finishing it, and uvicorn closes the connection mid-body. The
client sees a transport error (httpx.RemoteProtocolError), not an HTTP status.
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from raceday.sim.faults import FaultDecision

__all__ = ["DroppedResponse", "hold_until_gone", "mangle"]


class DroppedResponse(Response):
    """A 200 that promises `len(body)` bytes, sends half of them and stops."""

    def __init__(self, body: bytes) -> None:
        super().__init__(body, 200, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        half = bytes(self.body[: len(self.body) // 2])
        await send({"type": "http.response.body", "body": half, "more_body": True})
        # Returning here leaves the response incomplete: the server drops the connection.


def mangle(body: bytes, decision: FaultDecision) -> bytes:
    """The body broken as the malformed fault says: cut in half, or with a trailing comma."""
    if decision.variant == "truncated":
        return body[: len(body) // 2]
    return body[:-1] + b",}"


async def hold_until_gone(request: Request, seconds: float) -> bool:
    """Hold the request until its client disconnects (True) or `seconds` pass (False)."""
    with anyio.move_on_after(seconds):
        while (await request.receive())["type"] != "http.disconnect":
            pass
        return True
    return False
