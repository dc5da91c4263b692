"""Listing items of a simulated day as of an instant: `data.meetings[]` (data guide §4.1) and
the races list's `data.races[]` (§4.2). Pure: only the plan's timelines are read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from raceday.demo.card import race_token, sprite_url
from raceday.demo.catalog import CATEGORY_NAMES
from raceday.demo.formats import dressed_date, epoch_seconds, tote_clock, utc_seconds_text
from raceday.demo.plan import SimMeeting, SimRace

__all__ = ["meeting_item", "race_summaries"]

JsonDict = dict[str, Any]


def meeting_item(meeting: SimMeeting, day: date, zone: ZoneInfo, at: datetime) -> JsonDict:
    """One `data.meetings[]` item: race statuses and starts as known at `at`."""
    races = []
    for race in meeting.races:
        start = epoch_seconds(race.advertised_start_at(at))
        item: JsonDict = {
            "id": str(race.race_id),
            "race_number": race.race_number,
            "name": race.name,
            "start_time": utc_seconds_text(start),
        }
        # Wall hours from the racing day's midnight, past 24 after it; left out (as the API
        # does on many races) when the autumn change makes the wall time ambiguous.
        tote = tote_clock(start, day, zone)
        if tote is not None:
            item["tote_start_time"] = tote
        item |= {
            "track_condition": meeting.track_condition,
            "distance": race.distance,
            "weather": meeting.weather,
            "country": meeting.country,
            "state": meeting.state,
            "status": race.status_at(at),
        }
        races.append(item)
    settled = all(at >= race.settled_at for race in meeting.races)
    return {
        "meeting": str(meeting.meeting_id),
        "name": meeting.name,
        "date": dressed_date(day),  # the NZ day dressed as UTC midnight, even past midnight
        "track_condition": meeting.track_condition,
        "category": meeting.category,
        "category_name": CATEGORY_NAMES[meeting.category],
        "country": meeting.country,
        "state": meeting.state,
        "races": races,
        "video_channels": list(meeting.video_channels),
        "quaddie": list(meeting.quaddie),
        "early_quaddie": list(meeting.early_quaddie),
        "tote_meeting_number": meeting.tote_meeting_number,
        "tote_raceday_date": day.isoformat(),
        "tote_status": "Closed" if settled else "Open",
    }


def race_summaries(races: Sequence[SimRace], at: datetime) -> list[JsonDict]:
    """Races-list items as of `at`, ordered by advertised start (then meeting, race number)."""
    keyed = []
    for race in races:
        start = race.advertised_start_at(at)
        item: JsonDict = {
            "id": str(race.race_id),
            "name": race.name,
            "number": race.race_number,
            "meeting_id": str(race.meeting_id),
            "advertised_start": utc_seconds_text(epoch_seconds(start)),
        }
        closed = race.closed_at
        if race.jump_at is not None and closed is not None and at >= closed:
            item["actual_start"] = utc_seconds_text(epoch_seconds(race.jump_at))
        if race.category != "G":  # the samples' greyhound races have no silk sprite
            item["silk_url"] = sprite_url(race_token(race.seed))
        keyed.append(((start, str(race.meeting_id), race.race_number), item))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]
