"""Every body of a simulated day parses and transforms the way ingest reads real ones: at many
instants of every race, scratched, abandoned and postponed races included."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from raceday.demo import SimRace, SimulatedDay, envelope, event_params
from raceday.ingest.transform import meetings_batch, race_batch, races_list_batch
from raceday.nztab import MeetingsList, RaceEvent, RacesList, parse_payload

MICRO = timedelta(microseconds=1)


def _instants(race: SimRace) -> list[datetime]:
    """Before the market walks, an hour out, both sides of every scenario instant, and each
    status change (one microsecond before it and at it)."""
    moments = [
        race.scheduled_start - timedelta(hours=26),
        race.scheduled_start - timedelta(hours=3, minutes=1),
        race.scheduled_start - timedelta(minutes=61),
    ]
    edges = [race.abandoned_at, race.postponed_at, race.closed_at, race.interim_at, race.final_at]
    edges += [s.at for s in race.scratchings]
    for edge in edges:
        if edge is not None:
            moments += [edge - MICRO, edge]
    return moments


def _body(title: str, url: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    return envelope(title, url, {}, data, at)


def test_every_race_event_parses_and_transforms(scenario_day: SimulatedDay) -> None:
    seen_statuses: set[str] = set()
    for race in scenario_day.races:
        for at in _instants(race):
            race_id = str(race.race_id)
            body = envelope(
                f"Event Details: {race_id}",
                f"/affiliates/v1/racing/events/{race_id}",
                event_params(race_id),
                scenario_day.race_event_data(race.race_id, at),
                at,
            )
            event = parse_payload(body)
            assert isinstance(event, RaceEvent)
            batch = race_batch(event)
            status = scenario_day.status_at(race.race_id, at)
            seen_statuses.add(status)
            assert batch.race.status == status and batch.observed_at == at
            assert batch.race.start_time == race.advertised_start_at(at)
            assert len(batch.entrants) == race.runners
            scratched = {s.runner_number for s in race.scratchings if s.at <= at}
            assert {e.runner_number for e in batch.entrants if e.is_scratched} == scratched
            assert (batch.result is not None) == (status in ("Interim", "Final"))
            assert len(batch.money) == race.runners  # every entrant has tracker rows
    assert seen_statuses == {"Open", "Closed", "Interim", "Final", "Abandoned"}


def test_listings_parse_and_transform_through_the_day(scenario_day: SimulatedDay) -> None:
    first, last = scenario_day.first_start(), scenario_day.last_settled()
    for at in (
        first - timedelta(hours=6),
        first + (last - first) / 2,
        last,
        last + timedelta(days=1),
    ):
        listing = parse_payload(
            _body("Race Meetings", "/affiliates/v1/racing/meetings",
                  {"meetings": scenario_day.meetings_data(at)}, at)
        )  # fmt: skip
        assert isinstance(listing, MeetingsList)
        batch = meetings_batch(listing)
        assert len(batch.races) == len(scenario_day.races) and not batch.skipped
        assert {r.race_id: r.status for r in batch.races} == {
            r.race_id: scenario_day.status_at(r.race_id, at) for r in scenario_day.races
        }
        summaries = scenario_day.race_summaries(at)
        page = parse_payload(
            _body("List Races", "/affiliates/v1/racing/list", {"races": summaries}, at)
        )
        assert isinstance(page, RacesList)
        rows = races_list_batch(page).races
        assert [r.start_time for r in rows] == sorted(r.start_time for r in rows)
        for row in rows:
            race = scenario_day.race(row.race_id)
            assert row.start_time == race.advertised_start_at(at)
            started = race.closed_at is not None and at >= race.closed_at
            assert (row.actual_start is not None) == started
