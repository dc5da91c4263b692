"""/meetings and /meetings/{id} on a real PostgreSQL: the sample day's meetings (the NZTAB
meetings list of 2025-07-17) and the one known only from a race event (Cambridge Synthetic, race
a413cb06), the generated day (2026-04-05, NZ daylight saving ends), the racing day by the app's
clock, both prefixes, 400s and 404s.

`api_client(..., clock=)` serves the app on a FixedClock the test moves (the shared fixtures' apps read the
real clock); test_races uses it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from raceday.clock import FixedClock
from tests.fixtures.api import GENERATED_DAY, api_client
from tests.fixtures.samples import read_sample

AWAPUNI = "e9f2039d-d489-4a7d-aae1-d66225f1a5f4"  # Awapuni Synthetic: race 0f57e087 is its R1
CAMBRIDGE_SYNTHETIC = "e594c5e3-58e5-4a27-beca-ac27b42aef29"  # only in race event a413cb06
YOUGHAL = "dd7edcea-84ec-4374-a614-f48222b6447a"  # every race abandoned
MOUNT_GAMBIER = "26234dd3-1390-427e-b01d-8ee569c036e6"  # Final and one Abandoned
ANGLE_PARK = "04204a12-af7d-47c6-8a61-b4ad34c3919a"  # Final, Interim, then Open races
SAMPLE_DAY = "2025-07-17"
# When the meetings list sample was generated (header.generated_time): 22:48 NZST.
LIST_TIME = datetime(2025, 7, 17, 10, 48, 11, tzinfo=UTC)

MEETING_FIELDS = {
    "meeting_id",
    "meeting_name",
    "country",
    "state",
    "race_type",
    "category",
    "category_name",
    "date",
    "status",
    "tote_status",
    "track_condition",
    "weather",
    "race_count",
    "first_race_time",
    "created_at",
    "updated_at",
}


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(LIST_TIME)


@pytest.fixture(scope="module")
def clocked(samples_database: str, clock: FixedClock) -> Iterator[httpx.Client]:
    with api_client(samples_database, clock=clock) as client:
        yield client


def nz_instant(text: str) -> datetime:
    """A served timestamp: RFC 3339 with the NZ offset (+12:00 or +13:00), hours 00-23."""
    value = datetime.fromisoformat(text)
    assert text[-6:] in ("+12:00", "+13:00"), text
    assert 0 <= int(text[11:13]) <= 23, text
    return value


def query(database_url: str, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def get_json(api: httpx.Client, path: str, **params: str) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def by_id(meetings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["meeting_id"]: m for m in meetings}


def test_the_sample_day_lists_every_meeting_of_the_meetings_list(
    samples_api: httpx.Client, samples_dir: Path
) -> None:
    listed = read_sample(samples_dir, "meetings-list.json")["data"]["meetings"]
    expected = {m["meeting"]: m for m in listed}
    for path in ("/meetings", "/api/meetings"):
        meetings = get_json(samples_api, path, date=SAMPLE_DAY)
        assert len(meetings) == 76 and set(by_id(meetings)) == set(expected)
        for meeting in meetings:
            source = expected[meeting["meeting_id"]]
            assert set(meeting) == MEETING_FIELDS
            assert meeting["meeting_name"] == source["name"]
            assert meeting["country"] == source["country"]
            assert meeting["category"] == source["category"]
            assert meeting["date"] == SAMPLE_DAY
            assert meeting["race_count"] == len(source["races"])
            assert isinstance(meeting["race_count"], int)


def test_a_meeting_has_its_fields_typed(samples_api: httpx.Client) -> None:
    awapuni = by_id(get_json(samples_api, "/api/meetings", date=SAMPLE_DAY))[AWAPUNI]
    assert {k: awapuni[k] for k in MEETING_FIELDS - {"created_at", "updated_at"}} == {
        "meeting_id": AWAPUNI,
        "meeting_name": "Awapuni Synthetic",
        "country": "NZ",
        "state": "NZ",
        "race_type": "thoroughbred",
        "category": "T",
        "category_name": "Thoroughbred Horse Racing",
        "date": "2025-07-17",
        "status": "Final",  # all seven races Final
        "tote_status": "Closed",
        "track_condition": "Synthetic",
        "weather": "Overcast",  # reported by its races only
        "race_count": 7,
        "first_race_time": "2025-07-17T12:50:00+12:00",  # race 0f57e087, 00:50Z
    }
    assert nz_instant(awapuni["updated_at"]) >= nz_instant(awapuni["created_at"])


def test_race_type_is_readable_for_every_category(samples_api: httpx.Client) -> None:
    meetings = get_json(samples_api, "/meetings", date=SAMPLE_DAY)
    pairs = {(m["category"], m["race_type"]) for m in meetings}
    assert pairs == {("T", "thoroughbred"), ("H", "harness"), ("G", "greyhound")}


def test_meetings_are_ordered_by_first_race_then_name(
    samples_api: httpx.Client, samples_database: str
) -> None:
    meetings = get_json(samples_api, "/meetings", date=SAMPLE_DAY)
    firsts = dict(
        query(
            samples_database,
            "select meeting_id::text, min(start_time) from races group by meeting_id",
        )
    )
    served = [(nz_instant(m["first_race_time"]), m["meeting_name"]) for m in meetings]
    assert served == sorted(served)
    for meeting in meetings:
        assert nz_instant(meeting["first_race_time"]) == firsts[meeting["meeting_id"]]
    # The earliest: the Elazig card's race 1 at 14:15Z on the 16th, 02:15 NZST on the 17th.
    assert meetings[0]["meeting_name"] == "Elazig"
    assert meetings[0]["first_race_time"] == "2025-07-17T02:15:00+12:00"


def test_status_says_where_the_meeting_is(samples_api: httpx.Client) -> None:
    meetings = by_id(get_json(samples_api, "/meetings", date=SAMPLE_DAY))
    assert meetings[YOUGHAL]["status"] == "Abandoned"
    assert meetings[MOUNT_GAMBIER]["status"] == "Final"
    assert meetings[ANGLE_PARK]["status"] == "Open"
    assert {m["status"] for m in meetings.values()} <= {"Open", "Final", "Abandoned"}


def test_a_meeting_known_only_from_a_race_event_resolves(samples_api: httpx.Client) -> None:
    race = get_json(samples_api, "/api/races/a413cb06-e120-422b-8452-ce19287467cb")
    assert race["meeting_id"] == CAMBRIDGE_SYNTHETIC
    for path in (f"/api/meetings/{CAMBRIDGE_SYNTHETIC}", f"/meetings/{CAMBRIDGE_SYNTHETIC}"):
        meeting = get_json(samples_api, path)
        assert meeting["meeting_name"] == "Cambridge Synthetic"
        assert meeting["date"] == "2025-08-20" and meeting["country"] == "NZ"
        assert meeting["race_type"] == "thoroughbred" and meeting["status"] == "Final"
        assert meeting["tote_status"] is None
        # The race event reports these per race; the meeting takes them from its race.
        assert meeting["track_condition"] == "Synthetic" and meeting["weather"] == "Fine"
        assert meeting["first_race_time"] == "2025-08-20T14:52:00+12:00"
    assert [m["meeting_id"] for m in get_json(samples_api, "/meetings", date="2025-08-20")] == [
        CAMBRIDGE_SYNTHETIC
    ]


def test_one_meeting_is_its_entry_in_the_day(samples_api: httpx.Client) -> None:
    listed = by_id(get_json(samples_api, "/meetings", date=SAMPLE_DAY))
    for meeting_id in (AWAPUNI, YOUGHAL, ANGLE_PARK):
        assert get_json(samples_api, f"/api/meetings/{meeting_id}") == listed[meeting_id]


def test_every_race_names_a_meeting_that_resolves(
    samples_api: httpx.Client, samples_database: str
) -> None:
    meeting_ids = [
        row[0] for row in query(samples_database, "select distinct meeting_id from races")
    ]
    assert len(meeting_ids) == 77
    for meeting_id in meeting_ids:
        races = get_json(samples_api, "/races", meeting_id=str(meeting_id))
        assert races and {race["meeting_id"] for race in races} == {str(meeting_id)}
        meeting = get_json(samples_api, f"/meetings/{races[0]['meeting_id']}")
        assert meeting["race_count"] == len(races)


def test_an_unknown_meeting_is_a_404_and_a_bad_id_a_400(samples_api: httpx.Client) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for prefix in ("", "/api"):
        response = samples_api.get(f"{prefix}/meetings/{unknown}")
        assert response.status_code == 404
        assert response.json() == {"error": f"meeting {unknown} not found"}
        bad = samples_api.get(f"{prefix}/meetings/not-a-uuid")
        assert bad.status_code == 400 and "meeting_id" in bad.json()["error"]


# Numbers too: pydantic alone reads "0" as a Unix time, 1970-01-01 (schemathesis's negative
# cases found it).
@pytest.mark.parametrize(
    "text",
    [
        "2025-13-01",
        "2025-02-30",
        "17-07-2025",
        "2025-7-17",
        "",
        "x",
        "0",
        "0.0",
        "1752710400",
        "20250717",
    ],
)
def test_an_invalid_date_is_a_400(samples_api: httpx.Client, text: str) -> None:
    response = samples_api.get("/api/meetings", params={"date": text})
    assert response.status_code == 400
    assert "date" in response.json()["error"]


def test_a_day_without_meetings_is_an_empty_list(samples_api: httpx.Client) -> None:
    assert get_json(samples_api, "/meetings", date="2025-07-18") == []


def test_without_a_date_the_day_is_today_in_new_zealand_by_the_app_clock(
    clocked: httpx.Client, clock: FixedClock
) -> None:
    clock.instant = LIST_TIME
    assert len(get_json(clocked, "/meetings")) == 76
    # 00:30 NZST on the 17th is still the 16th in UTC: the NZ day decides.
    clock.instant = datetime(2025, 7, 16, 12, 30, tzinfo=UTC)
    assert len(get_json(clocked, "/api/meetings")) == 76
    clock.instant = datetime(2025, 7, 16, 11, 59, tzinfo=UTC)  # 23:59 NZST on the 16th
    assert get_json(clocked, "/meetings") == []
    clock.instant = datetime(2025, 8, 20, 2, 0, tzinfo=UTC)
    assert [m["meeting_name"] for m in get_json(clocked, "/meetings")] == ["Cambridge Synthetic"]


def test_the_generated_day_across_the_end_of_daylight_saving(generated_api: httpx.Client) -> None:
    meetings = get_json(generated_api, "/meetings", date=GENERATED_DAY.isoformat())
    assert [(m["meeting_name"], m["country"], m["race_type"]) for m in meetings] == [
        ("Awapuni Synthetic", "NZ", "thoroughbred"),
        ("Melton", "AUS", "harness"),
        ("ParisLongchamp", "FR", "thoroughbred"),
    ]
    assert [m["race_count"] for m in meetings] == [6, 6, 8]
    # Daylight saving ended at 03:00 NZDT: the day's races are all NZST (+12:00).
    assert meetings[0]["first_race_time"] == "2026-04-05T11:50:00+12:00"
    assert {m["date"] for m in meetings} == {"2026-04-05"}
    assert all(date.fromisoformat(m["date"]) == GENERATED_DAY for m in meetings)
    assert {m["status"] for m in meetings} == {"Final"}  # the day ran to its end
    for meeting in meetings:
        UUID(meeting["meeting_id"])
        nz_instant(meeting["created_at"])


def test_openapi_documents_the_meeting_shape(samples_api: httpx.Client) -> None:
    spec = samples_api.get("/openapi.json").json()
    assert set(spec["components"]["schemas"]["Meeting"]["properties"]) == MEETING_FIELDS
    operation = spec["paths"]["/api/meetings"]["get"]
    assert {"200", "400"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["date"]
