"""The envelope and the params echo look like the real API's (data guide §3, §4.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from raceday.demo import SimulatedDay, envelope, event_params
from raceday.nztab import RaceEvent, parse_payload
from raceday.nztab.times import parse_utc_timestamp
from tests.demo.conftest import PLAIN_DAY
from tests.fixtures.samples import read_sample

RACE_ID = "a413cb06-e120-422b-8452-ce19287467cb"


def test_envelope_has_the_three_parts_and_a_go_style_generated_time() -> None:
    at = datetime(2026, 3, 12, 1, 2, 3, 456789, tzinfo=UTC)
    body = envelope("List Races", "/affiliates/v1/racing/list", {"a": 1}, {"races": []}, at)
    assert list(body) == ["header", "params", "data"]
    assert list(body["header"]) == ["title", "generated_time", "url"]
    text = body["header"]["generated_time"]
    assert text.startswith("2026-03-12T01:02:03.456789") and text.endswith("Z")
    assert 6 <= len(text[20:-1]) <= 9 and not text[20:-1].endswith("0")
    assert parse_utc_timestamp(text) == at  # reads back as exactly the instant asked for
    assert envelope("t", "/u", {}, {}, at, nanos=0)["header"]["generated_time"] == (
        "2026-03-12T01:02:03.456789Z"
    )
    whole = datetime(2026, 3, 12, 1, 2, 3, tzinfo=UTC)
    assert envelope("t", "/u", {}, {}, whole, nanos=0)["header"]["generated_time"] == (
        "2026-03-12T01:02:03Z"
    )


def test_envelope_refuses_a_naive_instant_and_nanoseconds_out_of_range() -> None:
    with pytest.raises(ValueError, match="generated_at must be a timezone-aware"):
        envelope("t", "/u", {}, {}, datetime(2026, 3, 12))
    with pytest.raises(ValueError, match="nanos must be 0-999"):
        envelope("t", "/u", {}, {}, datetime(2026, 3, 12, tzinfo=UTC), nanos=1000)


def test_event_params_echo_the_real_sample_for_its_query(samples_dir: Path) -> None:
    sample = read_sample(samples_dir, "race-event-a413cb06-final.json")
    query = {
        name: "true"
        for name in ("with_big_bets", "with_biggest_bet", "with_live_bets",
                     "with_money_tracker", "with_tote_trends_data", "with_will_pays")
    }  # fmt: skip
    assert event_params(RACE_ID, query) == sample["params"]


def test_event_params_defaults_and_junk() -> None:
    params = event_params(RACE_ID)
    assert params["enc"] == "json" and params["bets_limit"] == 10
    assert params["bet_type_filter"] == "" and params["will_pays"] is False
    junk = event_params(RACE_ID, {"bet_type_filter": "aliquip sint sunt", "nonsense": "x"})
    assert junk["bet_type_filter"] == "aliquip sint sunt" and "nonsense" not in junk
    assert event_params(RACE_ID, {"with_will_pays": "1"})["will_pays"] is True


@pytest.mark.parametrize(("name", "value"), [("with_money_tracker", "yes"), ("bets_limit", "ten")])
def test_event_params_refuse_bad_values_naming_the_parameter(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{name}={value!r}"):
        event_params(RACE_ID, {name: value})


def test_a_whole_event_body_parses(scenario_day: SimulatedDay) -> None:
    race = scenario_day.races[0]
    at = race.scheduled_start
    body = envelope(
        f"Event Details: {race.race_id}",
        f"/affiliates/v1/racing/events/{race.race_id}",
        event_params(str(race.race_id)),
        scenario_day.race_event_data(race.race_id, at),
        at,
    )
    event = parse_payload(body)
    assert isinstance(event, RaceEvent) and event.race_id == race.race_id
    assert event.race.race_date_nz == PLAIN_DAY
    assert event.generated_time == at
