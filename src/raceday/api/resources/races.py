"""The races resource: a meeting's races (B3), one race (B5, B10), the neighbours of a race
(B8), the races about to start (B13) and the next race to start (B14).

Every answer is one query. Choices the contract leaves open:
- Statuses go out as NZTAB spells them (M11). `type` and `race_type` are the meeting's readable
  racing code ('thoroughbred', ...: the client renames `type` to `race_type`), `category` its
  letter.
- `runner_count` counts the race's runners not scratched when its field is stored, else NZTAB's
  field size (races known only from the meetings list have neither: null).
- Navigation orders every race of every meeting by (start_time, race_id): races that start at
  the same instant are neighbours, never skipped (M15).
- "Still to run" is status Open: `nextScheduledRace` and /races/next-scheduled are the first
  Open race starting after now. /races/upcoming keeps every race not settled yet (Open, Closed,
  Interim: a race being run or awaiting its result still belongs to the alert window) and drops
  Final and Abandoned ones.
- "Now" is the app's clock, so tests and simulated days see their own time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from raceday.api.db import Conn, fetch_all, fetch_one
from raceday.api.errors import NotFound
from raceday.api.resources.meetings import race_type_of
from raceday.api.types import NzTime

__all__ = ["router"]

router = APIRouter(tags=["races"])


class Race(BaseModel):
    race_id: UUID
    meeting_id: UUID
    meeting_name: str
    name: str
    race_number: int
    start_time: NzTime
    actual_start: NzTime | None
    status: str  # Open | Closed | Interim | Final | Abandoned
    distance: int | None  # metres
    track_condition: str | None
    weather: str | None
    type: str  # readable racing code, as race_type
    race_type: str
    category: str  # T | H | G
    runner_count: int | None
    created_at: NzTime
    updated_at: NzTime


class MeetingRef(BaseModel):
    meeting_id: UUID
    meeting_name: str
    country: str


class RaceOfMeeting(Race):
    """A race of /races: `$id` and `meeting` are what the client's validator keeps rows by
    (M6)."""

    dollar_id: str = Field(serialization_alias="$id")
    meeting: MeetingRef


class RaceLink(BaseModel):
    race_id: UUID
    name: str
    start_time: NzTime
    meeting_name: str


class Navigation(BaseModel):
    """The client reads these keys in camelCase (contract §3, M15)."""

    previous_race: RaceLink | None = Field(serialization_alias="previousRace")
    next_race: RaceLink | None = Field(serialization_alias="nextRace")
    next_scheduled_race: RaceLink | None = Field(serialization_alias="nextScheduledRace")


class NextRace(BaseModel):
    race_id: UUID
    meeting_id: UUID
    meeting_name: str
    name: str
    race_number: int
    start_time: NzTime
    status: str


class UpcomingRace(NextRace):
    race_type: str


class Window(BaseModel):
    lower_bound: NzTime
    upper_bound: NzTime
    window_minutes: int
    lookback_minutes: int


class Upcoming(BaseModel):
    races: list[UpcomingRace]
    total: int  # races in the window; `races` holds the first `limit` of them
    timestamp: NzTime
    window: Window


_RACE_COLUMNS = """
select r.race_id, r.meeting_id, m.meeting_name, m.country, m.category, r.name, r.race_number,
       r.start_time, r.actual_start, r.status, r.distance, r.track_condition, r.weather,
       r.created_at, r.updated_at,
       case when e.runners > 0 then e.active else coalesce(r.field_size, r.entrant_count) end
           as runner_count
from races r
join meetings m on m.meeting_id = r.meeting_id
cross join lateral (
    select count(*) as runners, count(*) filter (where not n.is_scratched) as active
    from entrants n
    where n.race_id = r.race_id
) e
"""

_RACES_OF_MEETING = (
    _RACE_COLUMNS + "where r.meeting_id = %(meeting_id)s order by r.race_number, r.start_time"
)

_ONE_RACE = _RACE_COLUMNS + "where r.race_id = %(race_id)s"

# The neighbours of a race by (start_time, race_id), across meetings. There is no index on
# start_time alone, so each neighbour is looked for within an hour of the race, then a day:
# there a race's racing day (race_date_nz, the NZ date of its start or the day before) is
# bounded, and races_race_date_nz_start_time_idx finds it. Only past a day without races (the
# first or last race stored, a gap in the calendar) does the last branch search every day.
# LIMIT 1 over the UNION ALL stops at the first branch with a row: each branch holds every
# race nearer than its reach, so its nearest race is the nearest of all.
_NEAR = """
(select x.race_id, x.name, x.start_time, x.meeting_id from races x
 where x.race_date_nz between c.nz_day - {days_before} and c.nz_day + {days_after}
   and x.start_time {reach_cmp} c.start_time {sign} interval '{reach}'
   and (x.start_time, x.race_id) {cmp} (c.start_time, c.race_id)
 order by x.start_time {order}, x.race_id {order} limit 1)
"""
_FAR = """
(select x.race_id, x.name, x.start_time, x.meeting_id from races x
 where (x.start_time, x.race_id) {cmp} (c.start_time, c.race_id)
 order by x.start_time {order}, x.race_id {order} limit 1)
"""


def _neighbour(*, before: bool) -> str:
    # Within a day before a race's start, the NZ date of a start is at most 2 days earlier
    # (a 23-hour day), its racing day at most 3; within a day after, 2 days later at most.
    shape: dict[str, Any] = (
        {"cmp": "<", "reach_cmp": ">=", "sign": "-", "order": "desc"}
        | {"days_before": 3, "days_after": 0}
        if before
        else {"cmp": ">", "reach_cmp": "<=", "sign": "+", "order": "asc"}
        | {"days_before": 1, "days_after": 2}
    )
    near = [_NEAR.format(reach=reach, **shape) for reach in ("1 hour", "1 day")]
    return "\nunion all\n".join([*near, _FAR.format(**shape)]) + "limit 1"


_PREVIOUS = _neighbour(before=True)
_NEXT = _neighbour(before=False)

# The first Open race to start after now (races_open_start_time_idx: status implies its
# predicate).
_NEXT_OPEN = """
select x.race_id, x.name, x.start_time, x.meeting_id, x.race_number, x.status from races x
where x.status = 'Open' and x.start_time > %(now)s
order by x.start_time, x.race_id limit 1
"""

_NAVIGATION = f"""
with c as (
    select race_id, start_time, (start_time at time zone %(zone)s)::date as nz_day
    from races where race_id = %(race_id)s
)
select p.race_id as previous_id, p.name as previous_name,
       p.start_time as previous_start, pm.meeting_name as previous_meeting,
       n.race_id as next_id, n.name as next_name,
       n.start_time as next_start, nm.meeting_name as next_meeting,
       s.race_id as scheduled_id, s.name as scheduled_name,
       s.start_time as scheduled_start, sm.meeting_name as scheduled_meeting
from c
left join lateral ({_PREVIOUS}) p on true
left join meetings pm on pm.meeting_id = p.meeting_id
left join lateral ({_NEXT}) n on true
left join meetings nm on nm.meeting_id = n.meeting_id
left join lateral ({_NEXT_OPEN}) s on true
left join meetings sm on sm.meeting_id = s.meeting_id
"""

# Not settled yet (the predicate of races_open_start_time_idx), within the window.
_UPCOMING = """
select r.race_id, r.meeting_id, m.meeting_name, m.category, r.name, r.race_number,
       r.start_time, r.status, count(*) over () as total
from races r
join meetings m on m.meeting_id = r.meeting_id
where r.status in ('Open', 'Closed', 'Interim')
  and r.start_time between %(lower)s and %(upper)s
order by r.start_time, r.race_id
limit %(limit)s
"""

_NEXT_SCHEDULED = f"""
select s.*, m.meeting_name
from ({_NEXT_OPEN}) s
join meetings m on m.meeting_id = s.meeting_id
"""


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def _race(row: dict[str, Any]) -> dict[str, Any]:
    race_type = race_type_of(row["category"])
    return row | {"type": race_type, "race_type": race_type}


def _link(row: dict[str, Any], prefix: str) -> RaceLink | None:
    if row[f"{prefix}_id"] is None:
        return None
    return RaceLink(
        race_id=row[f"{prefix}_id"],
        name=row[f"{prefix}_name"],
        start_time=row[f"{prefix}_start"],
        meeting_name=row[f"{prefix}_meeting"],
    )


@router.get("/races", response_model=list[RaceOfMeeting])
async def races_of_meeting(
    conn: Conn,
    meeting_id: Annotated[UUID, Query(description="the meeting's NZTAB uuid")],
) -> list[RaceOfMeeting]:
    """A meeting's races in card order (an unknown meeting has none)."""
    rows = await fetch_all(conn, _RACES_OF_MEETING, {"meeting_id": meeting_id})
    return [
        RaceOfMeeting(
            **_race(row),
            dollar_id=str(row["race_id"]),
            meeting=MeetingRef(
                meeting_id=row["meeting_id"],
                meeting_name=row["meeting_name"],
                country=row["country"],
            ),
        )
        for row in rows
    ]


@router.get(
    "/races/navigation",
    response_model=Navigation,
)
async def navigation(
    request: Request,
    conn: Conn,
    race_id: Annotated[UUID, Query(description="the race to navigate from")],
) -> Navigation:
    """The races before and after this one in start order, across meetings, and the next race
    still to run."""
    params = {
        "race_id": race_id,
        "zone": request.app.state.settings.timezone,
        "now": _now(request),
    }
    row = await fetch_one(conn, _NAVIGATION, params)
    if row is None:
        raise NotFound(f"race {race_id} not found")
    return Navigation(
        previous_race=_link(row, "previous"),
        next_race=_link(row, "next"),
        next_scheduled_race=_link(row, "scheduled"),
    )


@router.get("/races/upcoming", response_model=Upcoming)
async def upcoming(
    request: Request,
    conn: Conn,
    window_minutes: Annotated[int, Query(ge=1, le=1440, description="minutes ahead")] = 120,
    lookback_minutes: Annotated[int, Query(ge=0, le=240, description="minutes back")] = 5,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Upcoming:
    """Races not settled yet whose start is within [now - lookback, now + window], by start."""
    now = _now(request)
    lower = now - timedelta(minutes=lookback_minutes)
    upper = now + timedelta(minutes=window_minutes)
    rows = await fetch_all(conn, _UPCOMING, {"lower": lower, "upper": upper, "limit": limit})
    return Upcoming(
        races=[UpcomingRace(**_race(row)) for row in rows],
        total=rows[0]["total"] if rows else 0,
        timestamp=now,
        window=Window(
            lower_bound=lower,
            upper_bound=upper,
            window_minutes=window_minutes,
            lookback_minutes=lookback_minutes,
        ),
    )


@router.get("/races/next-scheduled", response_model=NextRace | None)
async def next_scheduled(request: Request, conn: Conn) -> NextRace | None:
    """The first Open race to start after now, or null."""
    row = await fetch_one(conn, _NEXT_SCHEDULED, {"now": _now(request)})
    return None if row is None else NextRace(**row)


@router.get("/races/{race_id}", response_model=Race)
async def race(race_id: UUID, conn: Conn) -> Race:
    """One race, with its meeting's name."""
    row = await fetch_one(conn, _ONE_RACE, {"race_id": race_id})
    if row is None:
        raise NotFound(f"race {race_id} not found")
    return Race(**_race(row))
