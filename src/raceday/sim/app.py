"""The simulated NZTAB affiliates API as a Starlette app: routes, faults, errors, the record.

    GET /affiliates/v1/racing/meetings        meetings of the NZ days overlapping the UTC range
    GET /affiliates/v1/racing/meetings/{id}   one meeting with the detail-only keys
    GET /affiliates/v1/racing/list            races by start, paged with next_page_token
    GET /affiliates/v1/racing/events/{id}     one race as of the simulated now
    GET /_sim/clock, GET /_sim/health, GET|PUT /_sim/faults   the simulator's own controls

Every API answer is built at the simulated instant it is served (`clock.now()` after any slow
or held fault), so its `header.generated_time` is when it was served in simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from raceday.clock import Clock
from raceday.logs import get_logger
from raceday.sim.bodies import (
    EVENT_TITLE,
    LIST_TITLE,
    MEETING_TITLE,
    MEETINGS_TITLE,
    encode,
    error_body,
    meeting_detail,
    reason_phrase,
)
from raceday.sim.days import DayBook
from raceday.sim.faulting import DroppedResponse, hold_until_gone, mangle
from raceday.sim.faults import FaultConfigError, FaultDecision, FaultDrawer, fault_config_from_json
from raceday.sim.instants import rfc3339_of, to_ns
from raceday.sim.listing import list_meetings, list_races
from raceday.sim.model import ModelKit
from raceday.sim.paging import PageToken, encode_token, page_of
from raceday.sim.query import (
    QueryError,
    QueryItems,
    canonical_url,
    read_event_query,
    read_meeting_query,
    read_meetings_query,
    read_races_list_query,
)
from raceday.sim.record import RecordWriter

__all__ = ["BASE_PATH", "SimState", "create_app"]

BASE_PATH = "/affiliates/v1"
JsonDict = dict[str, Any]
_JSON = "application/json"

_log = get_logger("raceday.sim")


class NotFound(LookupError):
    """The id in the path names nothing the simulator serves."""


@dataclass
class SimState:
    """Everything a request needs: the clock, the days, the model kit, faults and the record."""

    clock: Clock
    speed: float
    book: DayBook
    kit: ModelKit
    home_day: date
    faults: FaultDrawer = field(default_factory=FaultDrawer)
    recorder: RecordWriter | None = None
    served: int = 0

    def near_days(self, at: datetime) -> tuple[date, ...]:
        """Where an id is looked for when the index does not know it yet."""
        return (self.home_day, self.book.day_of(at))


Builder = Callable[[SimState, QueryItems, str, datetime], JsonDict]


# --- builders: (state, query items, header.url, at) -> body; QueryError/NotFound for errors ---


def _meetings(state: SimState, items: QueryItems, url: str, at: datetime) -> JsonDict:
    query = read_meetings_query(items, to_ns(at))
    page, more = page_of(list_meetings(state.book, query, at), query.start, query.limit)
    data: JsonDict = {"meetings": list(page)}
    if more:
        data["next_page_token"] = encode_token(PageToken(query.page_number + 1, query.request_hash))
    return state.kit.envelope(MEETINGS_TITLE, url, query.params(), data, at)


def _races_list(state: SimState, items: QueryItems, url: str, at: datetime) -> JsonDict:
    query = read_races_list_query(items, to_ns(at))
    page, more = page_of(list_races(state.book, query, at), query.start, query.limit)
    token = encode_token(PageToken(query.page_number + 1, query.request_hash)) if more else ""
    data = {"races": list(page), "next_page_token": token}
    return state.kit.envelope(LIST_TITLE, url, query.params(), data, at)


def _meeting(meeting_id: str) -> Builder:
    def build(state: SimState, items: QueryItems, url: str, at: datetime) -> JsonDict:
        wanted = str(read_meeting_query(meeting_id, items))
        day = state.book.find_meeting(wanted, state.near_days(at))
        found = None
        if day is not None:
            found = next(
                (m for m in state.book.model(day).meetings_data(at) if m["meeting"] == wanted), None
            )
        if day is None or found is None:
            raise NotFound(f"meeting {meeting_id} not found")
        params = {"enc": "json", "id": meeting_id}
        data = {"meetings": [meeting_detail(found, day)]}
        return state.kit.envelope(MEETING_TITLE, url, params, data, at)

    return build


def _event(race_id: str) -> Builder:
    def build(state: SimState, items: QueryItems, url: str, at: datetime) -> JsonDict:
        query = read_event_query(race_id, items)
        day = state.book.find_race(query.race_id, state.near_days(at))
        if day is None:
            raise NotFound(f"race {race_id} not found")
        try:
            data = state.book.model(day).race_event_data(query.race_id, at)
        except KeyError:
            raise NotFound(f"race {race_id} not found") from None
        try:
            params = state.kit.event_params(race_id, query.query)
        except ValueError as exc:  # the model's own reading of the query refused it
            raise QueryError("query", str(exc)) from None
        return state.kit.envelope(EVENT_TITLE.format(id=race_id), url, params, data, at)

    return build


# --- serving ----------------------------------------------------------------------------------


def _items(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)


def _json_response(status: int, body: JsonDict, headers: dict[str, str] | None = None) -> Response:
    return Response(encode(body), status, headers=headers, media_type=_JSON)


def _error(
    state: SimState,
    title: str,
    url: str,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    body = error_body(title, url, rfc3339_of(state.clock.now()), status, message)
    return _json_response(status, body, headers)


async def _before(
    state: SimState, request: Request, decision: FaultDecision, title: str, url: str
) -> Response | None:
    """Faults that replace or delay the answer; None lets the answer be built."""
    rule = decision.rule
    if decision.kind == "5xx":
        return _error(state, title, url, decision.status, reason_phrase(decision.status))
    if decision.kind == "429":
        return _error(
            state,
            title,
            url,
            429,
            "rate limit exceeded (simulated)",
            {"Retry-After": str(rule.retry_after_s)},
        )
    if decision.kind == "timeout":
        if await hold_until_gone(request, rule.timeout_s):
            return Response(b"", 499)  # nobody is listening any more
        return _error(state, title, url, 504, reason_phrase(504))
    if decision.kind == "slow":
        await anyio.sleep(rule.slow_ms / 1000)
    return None


async def _serve(
    state: SimState, request: Request, route: str, title: str, build: Builder
) -> Response:
    items = _items(request)
    url = canonical_url(request.url.path, items)
    decision = state.faults.draw(route)
    if decision is not None:
        _log.debug("sim_fault", route=route, kind=decision.kind, url=url)
        early = await _before(state, request, decision, title, url)
        if early is not None:
            return early
    at = state.clock.now()
    try:
        body = build(state, items, url, at)
    except QueryError as exc:
        return _error(state, title, url, 400, str(exc))
    except NotFound as exc:
        return _error(state, title, url, 404, str(exc))
    except Exception:  # the client gets the API's 500 envelope; the log gets the traceback
        _log.exception("sim_build_failed", route=route, url=url)
        return _error(state, title, url, 500, reason_phrase(500))
    raw = encode(body)
    state.served += 1
    fault = None
    if decision is not None and decision.kind == "drop":
        return DroppedResponse(raw)
    if decision is not None and decision.kind == "malformed":
        raw, fault = mangle(raw, decision), "malformed"
    background = None
    if state.recorder is not None:
        generated = body.get("header", {}).get("generated_time") or rfc3339_of(at)
        background = BackgroundTask(
            state.recorder.write, at=generated, url=url, status=200, body=raw, fault=fault
        )
    return Response(raw, 200, media_type=_JSON, background=background)


def create_app(state: SimState) -> Starlette:
    """The simulator's ASGI app over `state`."""

    async def meetings(request: Request) -> Response:
        return await _serve(state, request, "meetings", MEETINGS_TITLE, _meetings)

    async def meeting(request: Request) -> Response:
        meeting_id = request.path_params["id"]
        return await _serve(state, request, "meeting", MEETING_TITLE, _meeting(meeting_id))

    async def races_list(request: Request) -> Response:
        return await _serve(state, request, "list", LIST_TITLE, _races_list)

    async def event(request: Request) -> Response:
        race_id = request.path_params["id"]
        return await _serve(
            state, request, "events", EVENT_TITLE.format(id=race_id), _event(race_id)
        )

    async def clock(request: Request) -> Response:
        now = state.clock.now()
        return _json_response(
            200,
            {
                "now": rfc3339_of(now),
                "speed": state.speed,
                "day": state.home_day.isoformat(),
                "racing_day": state.book.day_of(now).isoformat(),
            },
        )

    async def health(request: Request) -> Response:
        return _json_response(200, {"status": "ok", "served": state.served})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            try:
                config = fault_config_from_json((await request.body()).decode("utf-8", "replace"))
            except FaultConfigError as exc:
                return _json_response(400, {"error": str(exc)})
            state.faults.replace(config)
            _log.info("sim_faults_changed", faults=config.document())
        return _json_response(200, state.faults.config.document())

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = (
            f"no such endpoint: {request.method} {request.url.path}"
            if status in (404, 405)
            else reason_phrase(status)
        )
        url = canonical_url(request.url.path, _items(request))
        return _error(state, reason_phrase(status), url, status, message)

    racing = f"{BASE_PATH}/racing"
    routes = [
        Route(f"{racing}/meetings", meetings, methods=["GET"]),
        Route(f"{racing}/meetings/{{id}}", meeting, methods=["GET"]),
        Route(f"{racing}/list", races_list, methods=["GET"]),
        Route(f"{racing}/events/{{id}}", event, methods=["GET"]),
        Route("/_sim/clock", clock, methods=["GET"]),
        Route("/_sim/health", health, methods=["GET"]),
        Route("/_sim/faults", faults, methods=["GET", "PUT"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found})
