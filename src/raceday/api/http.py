"""What every response gets: security headers, a log line and Prometheus metrics per route
(latency histogram and status codes, labelled by the route's template, not the raw path, so
ids do not explode the series)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from raceday.logs import get_logger
from raceday.metrics import REGISTRY

__all__ = ["SECURITY_HEADERS", "RequestObserver"]

_log = get_logger("raceday.api")

REQUEST_SECONDS = Histogram(
    "raceday_api_request_seconds",
    "API request latency, by route template and method",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
RESPONSES = Counter(
    "raceday_api_responses",
    "API responses, by route template, method and status code",
    ["route", "method", "status"],
    registry=REGISTRY,
)

# The page is served by this app too: it loads only its own scripts and styles and calls only
# this origin. Nothing here is meant to be framed.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        b" connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
)
# The interactive /docs page loads its own script and styles from a CDN (FastAPI's default).
_DOCS_PATHS = ("/docs", "/redoc")


class RequestObserver:
    """ASGI middleware: headers on every response, then one log line and the metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        docs = scope.get("path", "").startswith(_DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name, value)
                    for name, value in SECURITY_HEADERS
                    if name not in present and not (docs and name == b"content-security-policy")
                ]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = str(scope.get("method", ""))
            REQUEST_SECONDS.labels(route, method).observe(elapsed)
            RESPONSES.labels(route, method, str(status)).inc()
            (_log.warning if status >= 500 else _log.info)(
                "api_request",
                method=method,
                path=scope.get("path"),
                route=route,
                status=status,
                ms=round(elapsed * 1000, 2),
            )


def _route_template(scope: dict[str, Any] | Scope) -> str:
    """The matched route's template with the prefix it was reached under: "/api/races/{race_id}"
    and "/races/{race_id}" are counted apart (FastAPI reports the router's own template)."""
    path = getattr(scope.get("route"), "path", None)
    if not path:
        return "(unmatched)"
    requested = str(scope.get("path", ""))
    if requested.startswith("/api/") and not str(path).startswith("/api/"):
        return "/api" + str(path)
    return str(path)
