"""What a real day has and a quiet one lacks: late scratchings, an abandoned race, a start put
back, a foreign evening meeting past NZ midnight and an early-morning one; and the composition."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from raceday.demo import DayOptions, SimRace, SimulatedDay
from raceday.demo.formats import TICK_S
from raceday.nztab import MeetingsList, parse_payload
from raceday.nztab.times import parse_nz_clock, parse_tote_clock
from raceday.racing_day import day_bounds
from tests.demo.conftest import PLAIN_DAY

NZ = ZoneInfo("Pacific/Auckland")
TICK = timedelta(seconds=TICK_S)
LATER = timedelta(hours=30)  # long after everything settled


def _listing(day: SimulatedDay, at_offset: timedelta = timedelta(0)) -> MeetingsList:
    at = day.first_start() - timedelta(hours=1) + at_offset
    body = {
        "header": {"title": "Race Meetings", "generated_time": at.isoformat(), "url": "/affiliates/v1/racing/meetings"},
        "params": {},
        "data": {"meetings": day.meetings_data(at)},
    }  # fmt: skip
    listing = parse_payload(body)
    assert isinstance(listing, MeetingsList)
    return listing


def test_the_defaults_make_a_full_mixed_day(scenario_day: SimulatedDay) -> None:
    assert len(scenario_day.races) >= 100 and len(scenario_day.meetings) >= 8
    local = [m for m in scenario_day.meetings if m.country in ("NZ", "AUS")]
    assert {m.country for m in local} == {"NZ", "AUS"}
    assert {m.category for m in local} == {"T", "H", "G"}
    assert len({m.venue for m in scenario_day.meetings}) == len(scenario_day.meetings)  # no repeats
    for meeting in local:
        first = meeting.races[0].scheduled_start.astimezone(NZ)
        assert 11 <= first.hour <= 19  # late morning into the evening
        for a, b in pairwise(meeting.races):
            assert (
                timedelta(minutes=25)
                <= b.scheduled_start - a.scheduled_start
                <= timedelta(minutes=35)
            )
    starts = sorted({m.races[0].scheduled_start for m in local})
    assert len(starts) == len(local)  # staggered
    assert [m.races[0].scheduled_start for m in scenario_day.meetings] == sorted(
        m.races[0].scheduled_start for m in scenario_day.meetings
    )


def test_a_quiet_day_plays_no_scenario() -> None:
    quiet = SimulatedDay(DayOptions(day=PLAIN_DAY, scenarios=False))
    assert {m.country for m in quiet.meetings} <= {"NZ", "AUS"}
    assert len(quiet.races) == 100
    for race in quiet.races:
        assert not (race.scratchings or race.abandoned_at or race.postponed_at)


def test_about_one_race_in_ten_has_a_late_scratching(scenario_day: SimulatedDay) -> None:
    scratched = [r for r in scenario_day.races if r.scratchings]
    assert len(scratched) == len(scenario_day.races) // 10
    for race in scratched:
        (scratching,) = race.scratchings
        assert timedelta(minutes=2) <= race.start - scratching.at <= timedelta(minutes=60)
        assert scratching.at.timestamp() % TICK_S == 0
        before = scenario_day.race_event_data(
            race.race_id, scratching.at - timedelta(microseconds=1)
        )
        runner = before["runners"][scratching.runner_number - 1]
        assert not runner["is_scratched"] and runner["scratch_time"] == 0
        assert runner["odds"]["fixed_win"] > 0
        for at in (scratching.at, scratching.at + 3 * TICK, race.settled_at + LATER):
            data = scenario_day.race_event_data(race.race_id, at)
            runner = data["runners"][scratching.runner_number - 1]
            assert runner["is_scratched"] and runner["is_late_scratched"]
            assert runner["scratch_time"] == int(scratching.at.timestamp())
            assert set(runner["odds"].values()) == {0}
            assert not runner["favourite"] and not runner["mover"]
            assert data["race"]["field_size"] == data["race"]["entrant_count"] - 1
        assert runner["entrant_id"] not in {r["entrant_id"] for r in data["results"]}


def test_one_race_is_abandoned_before_its_start_and_stays_abandoned(
    scenario_day: SimulatedDay,
) -> None:
    (race,) = [r for r in scenario_day.races if r.abandoned_at is not None]
    assert race.abandoned_at is not None
    assert timedelta(minutes=5) <= race.scheduled_start - race.abandoned_at <= timedelta(minutes=45)
    assert race.jump_at is None and race.settled_at == race.abandoned_at
    just_before = race.abandoned_at - timedelta(microseconds=1)
    assert scenario_day.status_at(race.race_id, just_before) == "Open"
    for at in (
        race.abandoned_at,
        race.scheduled_start + timedelta(minutes=10),
        race.abandoned_at + LATER,
    ):
        assert scenario_day.status_at(race.race_id, at) == "Abandoned"
        data = scenario_day.race_event_data(race.race_id, at)
        assert data["race"]["status"] == "Abandoned" and "actual_start" not in data["race"]
        assert data["results"] == [] and data["dividends"] == []
        assert {p["status"] for p in data["tote_pools"] if "quaddie" not in p} == {"CLOSED"}
    listed = {r["id"]: r for m in scenario_day.meetings_data(race.abandoned_at) for r in m["races"]}
    assert listed[str(race.race_id)]["status"] == "Abandoned"


def _start_everywhere(day: SimulatedDay, race: SimRace, offset: timedelta) -> set[object]:
    at = race.postponed_at + offset  # type: ignore[operator]
    listed = {r["id"]: r for m in day.meetings_data(at) for r in m["races"]}[str(race.race_id)]
    summary = {s["id"]: s for s in day.race_summaries(at)}[str(race.race_id)]
    event = day.race_event_data(race.race_id, at)["race"]
    return {
        listed["start_time"].replace("Z", "+00:00"),
        summary["advertised_start"].replace("Z", "+00:00"),
        event["advertised_start_string"].replace(" +0000 UTC", "+00:00").replace(" ", "T"),
        day.advertised_start_at(race.race_id, at).isoformat(),
    }


def test_one_race_is_put_back_and_shows_its_new_start_from_then_on(
    scenario_day: SimulatedDay,
) -> None:
    (race,) = [r for r in scenario_day.races if r.postponed_at is not None]
    assert race.postponed_at is not None and race.postponed_start is not None
    assert (
        timedelta(minutes=30) <= race.scheduled_start - race.postponed_at <= timedelta(minutes=60)
    )
    assert (
        timedelta(minutes=10)
        <= race.postponed_start - race.scheduled_start
        <= timedelta(minutes=20)
    )
    old, new = race.scheduled_start.isoformat(), race.postponed_start.isoformat()
    assert _start_everywhere(scenario_day, race, -timedelta(microseconds=1)) == {old}
    assert _start_everywhere(scenario_day, race, timedelta(0)) == {new}
    assert _start_everywhere(scenario_day, race, timedelta(hours=2)) == {new}
    # It runs at the new start.
    assert (
        race.jump_at is not None
        and 5 <= (race.jump_at - race.postponed_start).total_seconds() <= 25
    )
    assert (
        scenario_day.status_at(race.race_id, race.scheduled_start + timedelta(minutes=5)) == "Open"
    )


def test_the_evening_meeting_runs_past_midnight_on_the_racing_day(
    scenario_day: SimulatedDay,
) -> None:
    (evening,) = [m for m in scenario_day.meetings if m.kind == "evening"]
    assert evening.country not in ("NZ", "AUS")
    _, end = day_bounds(PLAIN_DAY)
    late = [r for r in evening.races if r.scheduled_start >= end]
    assert late and late != list(evening.races)
    meeting = next(
        m for m in _listing(scenario_day).data.meetings if m.meeting_id == evening.meeting_id
    )
    assert meeting.date_nz == PLAIN_DAY and meeting.tote_raceday_date == PLAIN_DAY
    hours = [int(r.tote_start_time.split(":")[0]) for r in meeting.races if r.tote_start_time]
    assert max(hours) >= 24 and len(hours) == len(meeting.races)
    for race in meeting.races:
        assert meeting.tote_start(race) == race.start_time
    for race in late:
        data = scenario_day.race_event_data(race.race_id, race.scheduled_start)["race"]
        assert data["race_date_nz"] == PLAIN_DAY.isoformat()
        # The wall clock is the next calendar day's.
        wall_day = PLAIN_DAY + timedelta(days=1)
        assert parse_nz_clock(data["start_time_nz"], wall_day) == race.scheduled_start
        tote = parse_tote_clock(
            next(r.tote_start_time for r in meeting.races if r.id == race.race_id) or "", PLAIN_DAY
        )
        assert tote == race.scheduled_start


def test_the_early_meeting_races_in_the_nz_small_hours(scenario_day: SimulatedDay) -> None:
    (early,) = [m for m in scenario_day.meetings if m.kind == "early"]
    assert early.country not in ("NZ", "AUS")
    start, _ = day_bounds(PLAIN_DAY)
    walls = [r.scheduled_start.astimezone(NZ) for r in early.races]
    assert walls[0].date() == PLAIN_DAY and 1 <= walls[0].hour < 2
    assert all(w.hour < 7 for w in walls) and all(r.scheduled_start > start for r in early.races)


def test_small_days_play_what_fits() -> None:
    one = SimulatedDay(DayOptions(day=PLAIN_DAY, meetings=1, races_per_meeting=1, runners=4))
    (race,) = one.races
    assert race.postponed_at is not None and not race.scratchings  # the only race is put back
    assert one.race_event_data(race.race_id, race.settled_at)["race"]["status"] == "Final"
    three = SimulatedDay(DayOptions(day=PLAIN_DAY, meetings=3, races_per_meeting=2, runners=6))
    assert Counter(m.kind for m in three.meetings) == {"local": 2, "evening": 1}
