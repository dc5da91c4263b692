"""The meetings-list body (GET /racing/meetings) of a planned day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from raceday.demo.catalog import CATEGORY_NAMES
from raceday.demo.formats import nz_wall, utc_text
from raceday.demo.plan import MeetingPlan

JsonDict = dict[str, Any]

# --- meetings list ------------------------------------------------------------------------------


def meetings_list_body(day: date, plans: list[MeetingPlan], generated_ns: int) -> JsonDict:
    """GET /racing/meetings as captured before the first race: every race still Open."""
    generated = utc_text(generated_ns)
    minute = generated[:16] + ":00Z"  # the server echoes "now" cut to the minute
    midnight = datetime.combine(day, time(0))
    meetings = []
    for plan in plans:
        venue = plan.venue
        races = []
        for race in plan.races:
            # tote_start_time counts NZ wall-clock hours from the tote raceday's midnight.
            wall = nz_wall(race.start).replace(tzinfo=None) - midnight
            hours, rest = divmod(int(wall.total_seconds()), 3600)
            races.append(
                {
                    "id": str(race.race_id),
                    "race_number": race.race_number,
                    "name": race.name,
                    "start_time": datetime.fromtimestamp(race.start, UTC).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "tote_start_time": f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
                    "track_condition": plan.track_condition,
                    "distance": race.distance,
                    "weather": plan.weather,
                    "country": venue.country,
                    "state": venue.state,
                    "status": "Open",
                }
            )
        meetings.append(
            {
                "meeting": str(plan.meeting_id),
                "name": venue.name,
                "date": f"{day.isoformat()}T00:00:00Z",  # the NZ day dressed as UTC midnight
                "track_condition": plan.track_condition,
                "category": venue.category,
                "category_name": CATEGORY_NAMES[venue.category],
                "country": venue.country,
                "state": venue.state,
                "races": races,
                "video_channels": list(plan.video_channels),
                "quaddie": list(plan.quaddie),
                "early_quaddie": list(plan.early_quaddie),
                "tote_meeting_number": plan.tote_number,
                "tote_raceday_date": day.isoformat(),
                "tote_status": "Open",
            }
        )
    return {
        "header": {"title": "Race Meetings", "generated_time": generated, "url": "/affiliates/v1/racing/meetings"},
        "params": {
            "enc": "json", "ids": None, "date_from": minute, "date_to": minute, "type": " ",
            "country": " ", "limit": 100, "offset": 0, "futures": False, "meeting_numbers": None,
        },
        "data": {"meetings": meetings},
    }  # fmt: skip
