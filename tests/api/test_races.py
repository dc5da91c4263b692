"""/races, /races/{id}, /races/navigation, /races/upcoming and /races/next-scheduled on a real
PostgreSQL: the sample races (the meetings list of 2025-07-17 and the race events 0f57e087 and
a413cb06), the generated day (foreign races past NZ midnight), both prefixes and spellings,
navigation ties, and "now" from the app's clock.

Expected values come from the sample files, or from plain reads of the races table sorted and
filtered here (the oracle for navigation and the upcoming window).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from raceday.clock import FixedClock
from tests.api.test_meetings import (
    AWAPUNI,
    CAMBRIDGE_SYNTHETIC,
    LIST_TIME,
    get_json,
    nz_instant,
    query,
)
from tests.fixtures.api import api_client
from tests.fixtures.samples import read_sample

RACE_0F57 = "0f57e087-00d9-4c61-9549-835abe2ae2ed"  # Awapuni Synthetic R1, 00:50Z
RACE_A413 = "a413cb06-e120-422b-8452-ce19287467cb"  # Cambridge Synthetic R5, 2025-08-20
MOUNTAINEER_R4 = "2033921e-9560-4a1c-b659-0acdfe01d929"  # starts at 00:50Z too (M15)
UNKNOWN = "00000000-0000-4000-8000-000000000000"

RACE_FIELDS = {
    "race_id",
    "meeting_id",
    "meeting_name",
    "name",
    "race_number",
    "start_time",
    "actual_start",
    "status",
    "distance",
    "track_condition",
    "weather",
    "type",
    "race_type",
    "category",
    "runner_count",
    "created_at",
    "updated_at",
}
LINK_FIELDS = {"race_id", "name", "start_time", "meeting_name"}
STATUSES = {"Open", "Closed", "Interim", "Final", "Abandoned"}


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(LIST_TIME)


@pytest.fixture(scope="module")
def clocked(samples_database: str, clock: FixedClock) -> Iterator[httpx.Client]:
    with api_client(samples_database, clock=clock) as client:
        yield client


def all_races(database_url: str) -> list[dict[str, Any]]:
    """Every stored race with its meeting's name, in (start_time, race_id) order."""
    rows = query(
        database_url,
        "select r.race_id, r.name, r.start_time, r.status, r.race_number, r.meeting_id,"
        " m.meeting_name from races r join meetings m using (meeting_id)",
    )
    keys = ("race_id", "name", "start_time", "status", "race_number", "meeting_id", "meeting")
    races = [dict(zip(keys, row, strict=True)) for row in rows]
    return sorted(races, key=lambda r: (r["start_time"], r["race_id"]))


def link_of(race: dict[str, Any] | None) -> dict[str, Any] | None:
    if race is None:
        return None
    return {
        "race_id": str(race["race_id"]),
        "name": race["name"],
        "start_time": race["start_time"],
        "meeting_name": race["meeting"],
    }


def parsed_link(link: dict[str, Any] | None) -> dict[str, Any] | None:
    if link is None:
        return None
    assert set(link) == LINK_FIELDS
    return link | {"start_time": nz_instant(link["start_time"])}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- /races?meeting_id ---------------------------------------------------------------------


def test_a_meetings_races_in_card_order_at_both_prefixes_and_spellings(
    samples_api: httpx.Client, samples_dir: Path
) -> None:
    listed = read_sample(samples_dir, "meetings-list.json")["data"]["meetings"]
    card = next(m for m in listed if m["meeting"] == AWAPUNI)["races"]
    expected = [(r["id"], r["race_number"], r["name"]) for r in card]
    for path in ("/races", "/api/races"):
        for key in ("meeting_id", "meetingId"):
            races = get_json(samples_api, path, **{key: AWAPUNI})
            assert [(r["race_id"], r["race_number"], r["name"]) for r in races] == expected
    first = races[0]
    assert set(first) == RACE_FIELDS | {"$id", "meeting"}
    assert first["$id"] == RACE_0F57 == first["race_id"]
    assert first["meeting"] == {
        "meeting_id": AWAPUNI,
        "meeting_name": "Awapuni Synthetic",
        "country": "NZ",
    }


def test_a_race_of_a_meeting_carries_the_race_events_values(
    samples_api: httpx.Client, samples_dir: Path
) -> None:
    event = read_sample(samples_dir, "race-event-0f57e087-final.json")["data"]
    race = get_json(samples_api, "/races", meeting_id=AWAPUNI)[0]
    assert {k: race[k] for k in RACE_FIELDS - {"created_at", "updated_at"}} == {
        "race_id": RACE_0F57,
        "meeting_id": AWAPUNI,
        "meeting_name": "Awapuni Synthetic",
        "name": event["race"]["description"],
        "race_number": 1,
        "start_time": "2025-07-17T12:50:00+12:00",
        "actual_start": "2025-07-17T12:52:46+12:00",
        "status": "Final",
        "distance": event["race"]["distance"],
        "track_condition": "Synthetic",
        "weather": "Overcast",
        "type": "thoroughbred",
        "race_type": "thoroughbred",
        "category": "T",
        "runner_count": sum(not r["is_scratched"] for r in event["runners"]),
    }
    assert race["runner_count"] == 8 and is_number(race["distance"])
    assert nz_instant(race["updated_at"]) >= nz_instant(race["created_at"])


def test_the_races_list_types_every_field(samples_api: httpx.Client) -> None:
    for race in get_json(samples_api, "/races", meeting_id=AWAPUNI):
        assert UUID(race["race_id"]).version == 4 and UUID(race["meeting_id"])
        assert is_number(race["race_number"]) and is_number(race["distance"])
        assert race["runner_count"] is None or is_number(race["runner_count"])
        assert race["status"] in STATUSES
        nz_instant(race["start_time"])


def test_races_list_needs_a_valid_meeting_id(samples_api: httpx.Client) -> None:
    for path in ("/races", "/api/races"):
        missing = samples_api.get(path)
        assert missing.status_code == 400 and "meeting_id" in missing.json()["error"]
        bad = samples_api.get(path, params={"meetingId": "nope"})
        assert bad.status_code == 400 and "meeting_id" in bad.json()["error"]
        assert get_json(samples_api, path, meeting_id=UNKNOWN) == []


# --- /races/{race_id} ----------------------------------------------------------------------


def test_one_race_at_both_prefixes(samples_api: httpx.Client) -> None:
    listed = get_json(samples_api, "/races", meeting_id=AWAPUNI)[0]
    for path in (f"/races/{RACE_0F57}", f"/api/races/{RACE_0F57}"):
        race = get_json(samples_api, path)
        assert set(race) == RACE_FIELDS
        assert race == {k: listed[k] for k in RACE_FIELDS}


def test_a_race_known_from_its_race_event(samples_api: httpx.Client, samples_dir: Path) -> None:
    event = read_sample(samples_dir, "race-event-a413cb06-final.json")["data"]
    race = get_json(samples_api, f"/api/races/{RACE_A413}")
    assert race["name"] == event["race"]["description"] == "BRIGHT FAMILY HANDICAP"
    assert race["meeting_id"] == CAMBRIDGE_SYNTHETIC
    assert race["meeting_name"] == "Cambridge Synthetic"
    assert (race["race_number"], race["distance"], race["weather"]) == (5, 1550, "Fine")
    assert race["start_time"] == "2025-08-20T14:52:00+12:00"
    assert race["actual_start"] == "2025-08-20T14:52:25+12:00"
    assert race["status"] == "Final" and race["runner_count"] == 7


def test_an_unknown_race_is_a_404_and_a_bad_id_a_400(samples_api: httpx.Client) -> None:
    for prefix in ("", "/api"):
        response = samples_api.get(f"{prefix}/races/{UNKNOWN}")
        assert response.status_code == 404
        assert response.json() == {"error": f"race {UNKNOWN} not found"}
        bad = samples_api.get(f"{prefix}/races/12345")
        assert bad.status_code == 400 and "race_id" in bad.json()["error"]


def test_foreign_races_past_nz_midnight_are_written_with_hour_00(
    generated_api: httpx.Client,
) -> None:
    meetings = get_json(generated_api, "/meetings", date="2026-04-05")
    paris = next(m for m in meetings if m["meeting_name"] == "ParisLongchamp")
    races = get_json(generated_api, "/races", meetingId=paris["meeting_id"])
    late = [(r["race_number"], r["start_time"]) for r in races if r["race_number"] >= 7]
    # 12:01Z and 12:33Z on the 5th: past midnight in NZ (NZST since 03:00), same racing day.
    assert late == [(7, "2026-04-06T00:01:00+12:00"), (8, "2026-04-06T00:33:00+12:00")]
    one = get_json(generated_api, f"/api/races/{races[6]['race_id']}")
    assert one["start_time"] == "2026-04-06T00:01:00+12:00"
    assert datetime.fromisoformat(one["start_time"]) == datetime(2026, 4, 5, 12, 1, tzinfo=UTC)


def test_sample_races_after_nz_midnight_are_written_with_hours_00_to_05(
    samples_api: httpx.Client, samples_database: str
) -> None:
    late = [r for r in all_races(samples_database) if r["start_time"] >= LIST_TIME.replace(hour=12)]
    assert len(late) > 20
    meeting_ids = {str(r["meeting_id"]) for r in late[:40]}
    served = [
        race["start_time"]
        for meeting_id in meeting_ids
        for race in get_json(samples_api, "/races", meeting_id=meeting_id)
        if race["start_time"].startswith("2025-07-18")
    ]
    assert served and {s[11:13] for s in served} <= {"00", "01", "02", "03", "04", "05"}
    assert "00" in {s[11:13] for s in served}


# --- /races/navigation ---------------------------------------------------------------------


def test_navigation_keys_are_camel_case_and_both_spellings_work(
    samples_api: httpx.Client,
) -> None:
    for path in ("/races/navigation", "/api/races/navigation"):
        for key in ("race_id", "raceId"):
            body = get_json(samples_api, path, **{key: RACE_0F57})
            assert set(body) == {"previousRace", "nextRace", "nextScheduledRace"}


def test_races_at_the_same_instant_are_neighbours(samples_api: httpx.Client) -> None:
    # 0f57e087 and Mountaineer Park R4 both start at 00:50Z; by race_id 0f57e087 comes first.
    ahead = get_json(samples_api, "/api/races/navigation", raceId=RACE_0F57)["nextRace"]
    assert ahead == {
        "race_id": MOUNTAINEER_R4,
        "name": "Race 4 - Maiden Special Weight",
        "start_time": "2025-07-17T12:50:00+12:00",
        "meeting_name": "Mountaineer Park",
    }
    behind = get_json(samples_api, "/api/races/navigation", raceId=MOUNTAINEER_R4)
    assert behind["previousRace"]["race_id"] == RACE_0F57
    assert behind["previousRace"]["meeting_name"] == "Awapuni Synthetic"


def test_walking_next_visits_every_race_once_in_start_order(
    samples_api: httpx.Client, samples_database: str
) -> None:
    """Across all meetings and days (the step from 2025-07-17 to 2025-08-20 crosses a month
    without races), with ties of up to five races at one instant."""
    races = all_races(samples_database)
    assert len(races) == 749
    ties = max(sum(r["start_time"] == s["start_time"] for r in races) for s in races)
    assert ties >= 5
    for index, race in enumerate(races):
        body = get_json(samples_api, "/api/races/navigation", raceId=str(race["race_id"]))
        before = races[index - 1] if index > 0 else None
        after = races[index + 1] if index + 1 < len(races) else None
        assert parsed_link(body["previousRace"]) == link_of(before), race
        assert parsed_link(body["nextRace"]) == link_of(after), race


def test_next_scheduled_in_navigation_is_the_next_open_race_by_the_app_clock(
    clocked: httpx.Client, clock: FixedClock, samples_database: str
) -> None:
    clock.instant = LIST_TIME
    races = all_races(samples_database)
    expected = next(r for r in races if r["status"] == "Open" and r["start_time"] > LIST_TIME)
    body = get_json(clocked, "/races/navigation", race_id=RACE_0F57)
    assert parsed_link(body["nextScheduledRace"]) == link_of(expected)
    assert body["nextScheduledRace"]["start_time"] == "2025-07-17T22:49:00+12:00"
    clock.instant = datetime(2025, 7, 18, tzinfo=UTC)  # after the sample day's last start
    body = get_json(clocked, "/races/navigation", race_id=RACE_0F57)
    assert body["nextScheduledRace"] is None and body["nextRace"] is not None


def test_navigation_needs_a_known_race(samples_api: httpx.Client) -> None:
    unknown = samples_api.get("/api/races/navigation", params={"raceId": UNKNOWN})
    assert unknown.status_code == 404 and UNKNOWN in unknown.json()["error"]
    bad = samples_api.get("/api/races/navigation", params={"raceId": "x"})
    assert bad.status_code == 400 and "race_id" in bad.json()["error"]
    missing = samples_api.get("/races/navigation")
    assert missing.status_code == 400 and "race_id" in missing.json()["error"]


def test_the_first_and_last_races_have_no_previous_and_no_next(
    generated_api: httpx.Client, generated_database: str
) -> None:
    races = all_races(generated_database)
    first = get_json(generated_api, "/races/navigation", race_id=str(races[0]["race_id"]))
    last = get_json(generated_api, "/races/navigation", race_id=str(races[-1]["race_id"]))
    assert first["previousRace"] is None
    assert parsed_link(first["nextRace"]) == link_of(races[1])
    assert last["nextRace"] is None
    assert parsed_link(last["previousRace"]) == link_of(races[-2])
    assert last["previousRace"]["start_time"] == "2026-04-06T00:01:00+12:00"


# --- /races/upcoming -----------------------------------------------------------------------


def upcoming_oracle(
    database_url: str, now: datetime, window: int, lookback: int
) -> list[dict[str, Any]]:
    lower, upper = now - timedelta(minutes=lookback), now + timedelta(minutes=window)
    return [
        r
        for r in all_races(database_url)
        if lower <= r["start_time"] <= upper and r["status"] not in ("Final", "Abandoned")
    ]


def test_upcoming_is_the_unsettled_races_of_the_window(
    clocked: httpx.Client, clock: FixedClock, samples_database: str
) -> None:
    clock.instant = LIST_TIME
    expected = upcoming_oracle(samples_database, LIST_TIME, 120, 5)
    for path in ("/races/upcoming", "/api/races/upcoming"):
        body = get_json(clocked, path)  # the client's defaults: 120, 5, 50
        assert set(body) == {"races", "total", "timestamp", "window"}
        assert [r["race_id"] for r in body["races"]] == [str(r["race_id"]) for r in expected[:50]]
        assert body["total"] == len(expected) > 50
        assert body["timestamp"] == "2025-07-17T22:48:11+12:00"
        assert body["window"] == {
            "lower_bound": "2025-07-17T22:43:11+12:00",
            "upper_bound": "2025-07-18T00:48:11+12:00",
            "window_minutes": 120,
            "lookback_minutes": 5,
        }
    first = body["races"][0]
    assert set(first) == {
        "race_id",
        "meeting_id",
        "name",
        "race_number",
        "start_time",
        "status",
        "race_type",
        "meeting_name",
    }
    source = expected[0]
    assert first["meeting_name"] == source["meeting"] and first["name"] == source["name"]
    assert nz_instant(first["start_time"]) == source["start_time"]
    assert first["race_type"] in {"thoroughbred", "harness", "greyhound"}


def test_upcoming_keeps_closed_and_interim_races_and_drops_settled_ones(
    clocked: httpx.Client, clock: FixedClock, samples_database: str
) -> None:
    clock.instant = LIST_TIME
    body = get_json(clocked, "/api/races/upcoming", lookbackMinutes="10", windowMinutes="30")
    expected = upcoming_oracle(samples_database, LIST_TIME, 30, 10)
    assert [r["race_id"] for r in body["races"]] == [str(r["race_id"]) for r in expected]
    statuses = {r["status"] for r in body["races"]}
    assert statuses == {"Open", "Closed", "Interim"}
    settled_in_window = [
        r
        for r in all_races(samples_database)
        if LIST_TIME - timedelta(minutes=10) <= r["start_time"] <= LIST_TIME + timedelta(minutes=30)
        and r["status"] in ("Final", "Abandoned")
    ]
    assert settled_in_window  # there were some to drop
    assert body["window"]["window_minutes"] == 30 and body["window"]["lookback_minutes"] == 10


def test_upcoming_spellings_and_limit(clocked: httpx.Client, clock: FixedClock) -> None:
    clock.instant = LIST_TIME
    snake = get_json(clocked, "/api/races/upcoming", window_minutes="60", limit="3")
    camel = get_json(clocked, "/api/races/upcoming", windowMinutes="60", limit="3")
    assert snake == camel and len(snake["races"]) == 3 and snake["total"] > 3
    assert snake["window"]["upper_bound"] == "2025-07-17T23:48:11+12:00"


def test_upcoming_is_empty_after_the_last_race(clocked: httpx.Client, clock: FixedClock) -> None:
    clock.instant = datetime(2025, 7, 19, tzinfo=UTC)
    body = get_json(clocked, "/races/upcoming")
    assert body["races"] == [] and body["total"] == 0
    assert body["timestamp"] == "2025-07-19T12:00:00+12:00"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"windowMinutes": "0"},
        {"window_minutes": "1441"},
        {"lookbackMinutes": "-1"},
        {"lookback_minutes": "241"},
    ],
)
def test_upcoming_refuses_out_of_range_parameters(
    samples_api: httpx.Client, params: dict[str, str]
) -> None:
    response = samples_api.get("/api/races/upcoming", params=params)
    assert response.status_code == 400
    assert next(iter(params)).replace("M", "_m") in response.json()["error"]


# --- /races/next-scheduled -----------------------------------------------------------------


def test_next_scheduled_is_the_next_open_race_with_its_meeting_name(
    clocked: httpx.Client, clock: FixedClock, samples_database: str
) -> None:
    clock.instant = LIST_TIME
    expected = next(
        r
        for r in all_races(samples_database)
        if r["status"] == "Open" and r["start_time"] > LIST_TIME
    )
    for path in ("/races/next-scheduled", "/api/races/next-scheduled"):
        body = get_json(clocked, path)
        assert body == {
            "race_id": str(expected["race_id"]),
            "meeting_id": str(expected["meeting_id"]),
            "meeting_name": "Warrnambool",
            "name": expected["name"],
            "race_number": expected["race_number"],
            "start_time": "2025-07-17T22:49:00+12:00",
            "status": "Open",
        }
    # Just before the 10:40Z Interim race: the next Open one still is the 10:49Z race.
    clock.instant = datetime(2025, 7, 17, 10, 39, tzinfo=UTC)
    assert get_json(clocked, "/races/next-scheduled")["race_id"] == str(expected["race_id"])


def test_next_scheduled_is_null_when_nothing_is_left(
    clocked: httpx.Client, clock: FixedClock
) -> None:
    clock.instant = datetime(2025, 7, 18, 6, tzinfo=UTC)
    response = clocked.get("/api/races/next-scheduled")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() is None and response.text == "null"


# --- OpenAPI -------------------------------------------------------------------------------


def test_openapi_documents_camel_case_navigation_and_the_dollar_id(
    samples_api: httpx.Client,
) -> None:
    schemas = samples_api.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["Navigation"]["properties"]) == {
        "previousRace",
        "nextRace",
        "nextScheduledRace",
    }
    assert "$id" in schemas["RaceOfMeeting"]["properties"]
    assert set(schemas["Race"]["properties"]) == RACE_FIELDS
    assert set(schemas["Window"]["properties"]) == {
        "lower_bound",
        "upper_bound",
        "window_minutes",
        "lookback_minutes",
    }
