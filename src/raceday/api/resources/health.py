"""/health (readiness: 200 when ready, 503 with the failing checks), /health/live and /metrics.

The dashboard needs a 2xx and `status == "healthy"` (contract B1); the body says why not
otherwise. The checks are `HealthProbe`'s: database, schema at head, partition runway, and,
when this process polls, a recent stored poll.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from raceday.api.ops import HealthProbe
from raceday.metrics import REGISTRY

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str  # "healthy" | "unhealthy"
    live: bool
    ready: bool
    problems: list[str]
    checks: dict[str, Any]
    timestamp: str


class Liveness(BaseModel):
    status: str
    live: bool
    role: str


def _probe(request: Request) -> HealthProbe:
    probe: HealthProbe = request.app.state.probe
    return probe


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "not ready; `problems` says why"}},
)
async def health(request: Request) -> JSONResponse:
    """Ready: the database answers, its schema is at head, the partition runway is at least 2
    days and, while this process polls, a poll was stored recently."""
    document = await asyncio.to_thread(_probe(request).check)
    return JSONResponse(document, status_code=200 if document["ready"] else 503)


@router.get("/health/live", response_model=Liveness)
async def live(request: Request) -> Liveness:
    """Alive: the process serves requests, whatever the database does."""
    return Liveness(status="alive", live=True, role=_probe(request).state.role)


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
