"""Query parameters in both spellings: the dashboard client sends camelCase (`raceId`,
`poolType`, `cursorAfter`, …) where its server component sends snake_case (`meeting_id`), and
the earlier backend refused the camel ones (dashboard contract §5.1 M1).

One rule, in one place: before routing, every camelCase key of the query string is renamed to
its snake_case spelling, which is the canonical one (the OpenAPI document shows it). The same
parameter given in both spellings with different values is a 400 naming both.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["SnakeCaseQuery", "snake_case"]

_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_case(name: str) -> str:
    """`raceId` -> `race_id`, `windowMinutes` -> `window_minutes`; snake_case stays as it is."""
    return _HUMP.sub(lambda m: "_" + m.group(1).lower(), name)


class SnakeCaseQuery:
    """ASGI middleware: the query string's keys in snake_case (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: bytes = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if not re.search(rb"[A-Z]", raw):  # nothing to rename (values' capitals do no harm)
            await self.app(scope, receive, send)
            return
        groups: dict[str, dict[str, list[str]]] = {}  # snake name -> spelling -> values
        for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            groups.setdefault(snake_case(key), {}).setdefault(key, []).append(value)
        renamed: list[tuple[str, str]] = []
        for name, spellings in groups.items():
            first, *others = spellings.items()
            clash = next((spelling for spelling, values in others if values != first[1]), None)
            if clash is not None:
                response = JSONResponse(
                    {
                        "error": f"{first[0]} and {clash} are the same parameter ({name})"
                        " with different values"
                    },
                    status_code=400,
                )
                await response(scope, receive, send)
                return
            renamed.extend((name, value) for value in first[1])
        # In place: the middleware outside reads what routing adds to this scope (the route).
        scope["query_string"] = urlencode(renamed).encode("latin-1")
        await self.app(scope, receive, send)
