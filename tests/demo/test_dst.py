"""Daylight-saving days: every wall time in the bodies is right for its instant.

Exhaustive over both change days of several years (the 23-hour day in September, the 25-hour
day in April) and the day before each, whose evening meeting runs into the change night.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from raceday.demo import DayOptions, SimulatedDay, dst_change_day, poll_instants
from raceday.nztab import MeetingsList, RaceEvent, parse_payload
from raceday.nztab.times import parse_nz_clock
from raceday.racing_day import day_bounds, racing_day_of

NZ = ZoneInfo("Pacific/Auckland")
YEARS = range(2025, 2030)
DAYS = [
    pytest.param(dst_change_day(year, kind) - timedelta(days=before), id=f"{year}-{kind}-{before}")
    for year in YEARS
    for kind in ("start", "end")
    for before in (0, 1)
]  # fmt: skip


def _repeated(instant: datetime) -> bool:
    """Whether NZ wall clocks show this instant's time twice (independently of raceday.demo)."""
    wall = instant.astimezone(NZ).replace(tzinfo=None)
    return (
        wall.replace(tzinfo=NZ, fold=0).utcoffset() != wall.replace(tzinfo=NZ, fold=1).utcoffset()
    )


def _event(day: SimulatedDay, race_id: object, at: datetime) -> RaceEvent:
    body = {
        "header": {"title": f"Event Details: {race_id}", "generated_time": at.isoformat(),
                   "url": f"/affiliates/v1/racing/events/{race_id}"},
        "params": {},
        "data": day.race_event_data(race_id, at),  # type: ignore[arg-type]
    }  # fmt: skip
    event = parse_payload(body)
    assert isinstance(event, RaceEvent)
    return event


@pytest.mark.parametrize("nz_day", DAYS)
def test_wall_times_dates_and_racing_days_are_right_for_their_instants(nz_day: date) -> None:
    sim = SimulatedDay(DayOptions(day=nz_day, runners=4))
    start, end = day_bounds(nz_day)
    # The meetings list: dates, and tote clocks counted from the racing day's midnight.
    listed_at = sim.first_start() - timedelta(hours=2)
    body = {"header": {"generated_time": listed_at.isoformat(), "url": "/affiliates/v1/racing/meetings"},
            "params": {}, "data": {"meetings": sim.meetings_data(listed_at)}}  # fmt: skip
    listing = parse_payload(body)
    assert isinstance(listing, MeetingsList)
    by_id = {race.race_id: race for race in sim.races}
    for meeting in listing.data.meetings:
        assert meeting.date_nz == nz_day and meeting.tote_raceday_date == nz_day
        for listed in meeting.races:
            assert listed.start_time == by_id[listed.id].scheduled_start
            if listed.tote_start_time is None:
                assert _repeated(listed.start_time)  # left out only where the text is ambiguous
            else:
                assert meeting.tote_start(listed) == listed.start_time
    for meeting in sim.meetings:
        # Every race's start; the bodies of every foreign race (the ones near the change) and of
        # every fifth local one (bodies cost a card and a market walk each).
        for race in meeting.races:
            begins = race.advertised_start_at(race.settled_at)
            # Local and early meetings start inside the racing day; the evening one may run on.
            assert racing_day_of(begins) == (nz_day if begins < end else nz_day + timedelta(days=1))
            if meeting.kind != "evening":
                assert start <= begins < end
            if meeting.kind == "local" and race.race_number % 5:
                continue
            for at in (race.scheduled_start - timedelta(minutes=61), race.settled_at):
                event = _event(sim, race.race_id, at)
                assert event.race.race_date_nz == nz_day
                shown = event.race.advertised_start
                assert shown == race.advertised_start_at(at)
                wall, text = shown.astimezone(NZ), event.race.start_time_nz or ""
                assert text == f"{wall:%H:%M:%S} {wall.tzname()}"
                assert parse_nz_clock(text, wall.date()) == shown
            # History observations: polls and flucs fall on the day racing_day says, and a local
            # meeting's polls (two hours before to ten minutes after) inside its own day.
            observations = [at for at, _ in poll_instants(race, 8)]
            for runner in event.data.runners:
                stamps = runner.flucs_with_timestamp or {}
                observations += [datetime.fromisoformat(s["timestamp"]) for s in stamps["last_six"]]
            for seen in observations:
                expected = nz_day if start <= seen < end else seen.astimezone(NZ).date()
                assert racing_day_of(seen) == expected
            if meeting.kind == "local":
                assert all(start <= at < end for at, _ in poll_instants(race, 8))


@pytest.mark.parametrize("kind", ["start", "end"])
@pytest.mark.parametrize("year", YEARS)
def test_the_early_meeting_straddles_the_change(year: int, kind: str) -> None:
    nz_day = dst_change_day(year, kind)  # type: ignore[arg-type]
    sim = SimulatedDay(DayOptions(day=nz_day, runners=4))
    (early,) = [m for m in sim.meetings if m.kind == "early"]
    offsets = [race.scheduled_start.astimezone(NZ).utcoffset() for race in early.races]
    assert offsets[0] != offsets[-1]  # races before and after the clocks change
    zones = {race.scheduled_start.astimezone(NZ).tzname() for race in early.races}
    assert zones == {"NZST", "NZDT"}
    listed = sim.meetings_data(sim.first_start())
    tote = [
        r.get("tote_start_time")
        for m in listed
        if m["meeting"] == str(early.meeting_id)
        for r in m["races"]
    ]
    if kind == "end":  # the repeated hour: some races cannot say which 02:30 they mean
        assert None in tote
    else:
        assert None not in tote
