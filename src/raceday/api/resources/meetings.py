"""The meetings resource: the meetings of an NZ racing day (B2) and one meeting (B4, B6, B10).

The dashboard sorts its meeting cards by the first race's start and asked every meeting for its
races to find it (N+1, contract §2 B3); `first_race_time` comes with each meeting here, from one
query (the meetings of a day by `meetings_meeting_date_category_idx`, their races aggregated by
`races_meeting_id_race_number_idx`). Beyond what the earlier backend sent, each meeting carries
`category`, `created_at`, `updated_at`, `weather` and `track_condition` (M5).

Choices the contract leaves open:
- `race_type` is the readable racing code, in the earlier backend's spelling ('thoroughbred',
  'harness', and 'greyhound', which it never stored); `category` is NZTAB's letter.
- `status` is derived from the meeting's races, in NZTAB's race vocabulary: 'Abandoned' when
  every race is abandoned, 'Final' when every race is settled (Final or Abandoned), 'Open' while
  any race still takes bets, else 'Interim' (a result awaits confirmation) or 'Closed'. A meeting
  without races says its NZ tote status (Open/Closed), 'Open' when it has none. The tote status
  itself goes out as `tote_status` (NULL for meetings without an NZ tote).
- NZTAB reports weather per race only, and a meeting known only from a race event has no
  meeting-level track condition: both come from the race observed last that reports them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from raceday.api.db import Conn, fetch_all, fetch_one
from raceday.api.errors import NotFound
from raceday.api.types import IsoDate, NzTime
from raceday.racing_day import racing_day_of

__all__ = ["Meeting", "race_type_of", "router"]

router = APIRouter(tags=["meetings"])

_RACE_TYPES = {"T": "thoroughbred", "H": "harness", "G": "greyhound"}


def race_type_of(category: str) -> str:
    """NZTAB's racing code letter as the readable race type the dashboard shows."""
    return _RACE_TYPES.get(category, "unknown")


class Meeting(BaseModel):
    meeting_id: UUID
    meeting_name: str
    country: str
    state: str | None
    race_type: str  # 'thoroughbred' | 'harness' | 'greyhound'
    category: str  # 'T' | 'H' | 'G'
    category_name: str | None
    date: date  # the NZ racing day, YYYY-MM-DD
    status: str  # derived from the races (module docstring)
    tote_status: str | None  # 'Open' | 'Closed' | None
    track_condition: str | None
    weather: str | None
    race_count: int
    first_race_time: NzTime | None  # None for a meeting without races
    created_at: NzTime
    updated_at: NzTime


# One row per meeting, its races aggregated in a lateral (an index scan per meeting).
_MEETINGS = """
select m.meeting_id, m.meeting_name, m.country, m.state, m.category, m.category_name,
       m.meeting_date as date, m.tote_status, m.created_at, m.updated_at,
       coalesce(m.track_condition, r.track_condition) as track_condition,
       r.weather, r.race_count, r.first_race_time,
       case
           when r.race_count = 0 then coalesce(m.tote_status, 'Open')
           when r.abandoned = r.race_count then 'Abandoned'
           when r.settled = r.race_count then 'Final'
           when r.open > 0 then 'Open'
           when r.interim > 0 then 'Interim'
           else 'Closed'
       end as status
from meetings m
cross join lateral (
    select count(*) as race_count,
           min(x.start_time) as first_race_time,
           count(*) filter (where x.status = 'Open') as open,
           count(*) filter (where x.status = 'Interim') as interim,
           count(*) filter (where x.status in ('Final', 'Abandoned')) as settled,
           count(*) filter (where x.status = 'Abandoned') as abandoned,
           (array_agg(x.weather order by x.api_generated_time desc nulls last, x.race_number)
               filter (where x.weather is not null))[1] as weather,
           (array_agg(x.track_condition
                      order by x.api_generated_time desc nulls last, x.race_number)
               filter (where x.track_condition is not null))[1] as track_condition
    from races x
    where x.meeting_id = m.meeting_id
) r
"""

_MEETINGS_OF_DAY = (
    _MEETINGS
    + """where m.meeting_date = %(day)s
order by r.first_race_time nulls last, m.meeting_name, m.meeting_id"""
)

_ONE_MEETING = _MEETINGS + "where m.meeting_id = %(meeting_id)s"


def _meeting(row: dict[str, Any]) -> Meeting:
    return Meeting(**row, race_type=race_type_of(row["category"]))


def _today(request: Request) -> date:
    """The NZ racing day now is in, by the app's clock."""
    return racing_day_of(request.app.state.clock.now(), request.app.state.settings.timezone)


@router.get("/meetings", response_model=list[Meeting])
async def meetings_of_day(
    request: Request,
    conn: Conn,
    date: Annotated[
        IsoDate | None,
        Query(
            description="NZ racing day, YYYY-MM-DD; today's (by the service clock) when absent",
            examples=["2025-07-17"],
        ),
    ] = None,
) -> list[Meeting]:
    """The meetings of an NZ racing day, in the order of their first race's start (meetings
    without races last), then by name."""
    day = _today(request) if date is None else date
    rows = await fetch_all(conn, _MEETINGS_OF_DAY, {"day": day})
    return [_meeting(row) for row in rows]


@router.get("/meetings/{meeting_id}", response_model=Meeting)
async def meeting(meeting_id: UUID, conn: Conn) -> Meeting:
    """One meeting, by its NZTAB uuid (every race's `meeting_id` names one)."""
    row = await fetch_one(conn, _ONE_MEETING, {"meeting_id": meeting_id})
    if row is None:
        raise NotFound(f"meeting {meeting_id} not found")
    return _meeting(row)
