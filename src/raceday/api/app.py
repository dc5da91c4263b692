"""`create_app(settings)`: the dashboard's REST API, its health and metrics, and raceday's page.

Every resource is served under /api/... and, because the real client also calls /health and the
meetings and races paths at the root (contract §1.2), at the root too (left out of the OpenAPI
document there). Query parameters are accepted in snake_case and camelCase (`params`); errors
are JSON (`errors`); responses get security headers, gzip, a log line and per-route metrics
(`http`). CORS is off unless RACEDAY_API_CORS_ORIGINS names origins.

The async pool belongs to the app's lifespan unless the caller hands one in (`raceday run`
shares its own); so does the health probe.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from raceday import __version__
from raceday.api.errors import install_error_handlers
from raceday.api.http import RequestObserver
from raceday.api.ops import HealthProbe, ServiceState
from raceday.api.params import SnakeCaseQuery
from raceday.api.resources import (
    alerts,
    entrants,
    health,
    meetings,
    page,
    pools,
    races,
    results,
    timeline,
)
from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db.pool import open_async_pool, open_pool

__all__ = ["RESOURCES", "create_app"]

# Each resource's router, served under /api and at the root. (races before anything that could
# shadow /races/navigation and friends; page last: it owns "/".)
RESOURCES: Sequence[APIRouter] = (
    health.router,
    meetings.router,
    races.router,
    entrants.router,
    pools.router,
    results.router,
    timeline.router,
    alerts.router,
)


def create_app(
    settings: Settings,
    *,
    pool: AsyncConnectionPool[Any] | None = None,
    probe: HealthProbe | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The API app. Without `pool`, it opens one on the settings' database for its lifespan
    (RACEDAY_API_POOL_SIZE connections at most); without `probe`, a health probe of its own
    (this process does not poll)."""
    the_clock = clock or SystemClock()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if pool is None:
                own = await open_async_pool(
                    settings, name="raceday-api", max_size=settings.api_pool_size
                )
                stack.push_async_callback(own.close)
                app.state.pool = own
            else:
                app.state.pool = pool
            if probe is None:
                checks = open_pool(settings, name="raceday-api-health", max_size=1)
                stack.callback(checks.close)
                app.state.probe = HealthProbe(checks, settings, the_clock, ServiceState("api"))
            else:
                app.state.probe = probe
            yield

    app = FastAPI(
        title="raceday",
        version=__version__,
        summary="New Zealand TAB racing markets: meetings, races, runners, pools, results and "
        "the history of odds and money flow.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = the_clock
    install_error_handlers(app)
    # Both base URLs the client documents work (contract §1.2): the bare host (paths as written:
    # /api/..., and /health, /meetings, /races at the root) and `.env.example`'s host + "/api",
    # which turns /api/races into /api/api/races and /health into /api/health.
    for router in RESOURCES:
        app.include_router(router, prefix="/api")
        app.include_router(router, include_in_schema=False)
        app.include_router(router, prefix="/api/api", include_in_schema=False)
    app.include_router(page.router)  # raceday's own page: "/" and its static files
    _document_our_errors(app)
    # Level 5, not Starlette's 9: a 150-KB timeline page compresses in 0.6 ms instead of 2.1,
    # to 12.1 KB instead of 11.5.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    app.add_middleware(SnakeCaseQuery)
    app.add_middleware(RequestObserver)  # outermost: sees every response, errors included
    return app


class ErrorBody(BaseModel):
    """Every error's body: what was wrong, and for bad input, where."""

    error: str
    details: list[dict[str, Any]] | None = None


def _document_our_errors(app: FastAPI) -> None:
    """The OpenAPI document as the app answers, in one place for every resource: bad input is
    a 400 (FastAPI documents 422), an unknown id a 404, both with ErrorBody."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorBody"] = ErrorBody.model_json_schema()
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        error = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        }
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                had_input = responses.pop("422", None) is not None
                if had_input or operation.get("parameters") or operation.get("requestBody"):
                    responses.setdefault("400", {"description": "Bad input", **error})
                    # An id (path or query) that names nothing.
                    responses.setdefault("404", {"description": "Not found", **error})
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
