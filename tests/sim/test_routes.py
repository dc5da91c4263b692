"""The simulator's API over real HTTP: the samples' shapes, paging, the UTC-day quirk, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from raceday.errors import PayloadError
from raceday.nztab import MeetingDetail, MeetingsList, RaceEvent, RacesList, parse_payload
from raceday.racing_day import racing_day_of
from raceday.sim.instants import from_ns, parse_rfc3339_ns
from tests.fixtures.samples import read_sample
from tests.fixtures.simulator import Simulator
from tests.sim.conftest import HOME_DAY, small_day_model

TOMORROW = (date.fromisoformat(HOME_DAY) + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def client(shared_sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_sim.base_url, timeout=20) as http:
        yield http


def _get(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def _all_meetings(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    meetings: list[dict[str, Any]] = _get(client, "/racing/meetings", **params)["data"]["meetings"]
    return meetings


def _race_ids(client: httpx.Client) -> list[str]:
    return [r["id"] for m in _all_meetings(client, date_from=HOME_DAY) for r in m["races"]]


# --- shapes against the real samples ----------------------------------------------------------


def _keys(body: dict[str, Any]) -> dict[str, set[str]]:
    return {part: set(body[part]) for part in ("header", "params", "data") if part in body} | {
        "top": set(body)
    }


def test_the_meetings_list_has_the_sample_envelope(client: httpx.Client, samples_dir: Path) -> None:
    sample = read_sample(samples_dir, "meetings-list.json")
    body = _get(client, "/racing/meetings")
    assert _keys(body) == _keys(sample)
    assert body["header"]["title"] == "Race Meetings"
    assert body["header"]["url"] == "/affiliates/v1/racing/meetings"
    # The quirks of the echo: single spaces, now cut to the minute in both bounds.
    assert (body["params"]["type"], body["params"]["country"]) == (" ", " ")
    assert body["params"]["date_from"] == body["params"]["date_to"]
    assert body["params"]["date_from"].endswith(":00Z")
    assert {k: v for k, v in body["params"].items() if k not in ("date_from", "date_to")} == {
        k: v for k, v in sample["params"].items() if k not in ("date_from", "date_to")
    }
    assert isinstance(parse_payload(body), MeetingsList)


def test_the_meeting_detail_has_the_sample_envelope_and_keys(
    client: httpx.Client, samples_dir: Path
) -> None:
    sample = read_sample(samples_dir, "meeting-detail.json")
    listed = _all_meetings(client)[0]
    body = _get(client, f"/racing/meetings/{listed['meeting']}", enc="json")
    assert _keys(body) == _keys(sample)
    assert body["params"] == {"enc": "json", "id": listed["meeting"]}
    assert body["header"]["title"] == "Get meeting by id"
    (detail,) = body["data"]["meetings"]
    assert set(sample["data"]["meetings"][0]) - set(detail) == set()
    assert {k: detail[k] for k in listed} == listed  # the list keys, unchanged
    assert isinstance(parse_payload(body), MeetingDetail)


def test_the_races_list_has_the_sample_envelope(client: httpx.Client, samples_dir: Path) -> None:
    sample = read_sample(samples_dir, "races-list.json")
    body = _get(client, "/racing/list", date_from="today")
    assert _keys(body) == _keys(sample)
    assert body["header"]["url"] == "/affiliates/v1/racing/list?date_from=today"
    assert body["params"]["date_from"] == f"{HOME_DAY}T00:00:00Z"  # the UTC day of now
    assert body["params"]["date_to"] == f"{HOME_DAY}T23:59:59.999999999Z"
    assert isinstance(parse_payload(body), RacesList)


def test_the_race_event_echoes_the_sample_query(client: httpx.Client, samples_dir: Path) -> None:
    sample = read_sample(samples_dir, "race-event-0f57e087-final.json")
    query = parse_qsl(urlsplit(sample["header"]["url"]).query)
    race_id = _race_ids(client)[0]
    body = _get(client, f"/racing/events/{race_id}", **dict(query))
    assert _keys(body) == _keys(sample)
    assert body["params"] == sample["params"] | {"id": race_id}
    assert body["header"]["url"] == sample["header"]["url"].replace(
        "0f57e087-00d9-4c61-9549-835abe2ae2ed", race_id
    )
    assert body["header"]["title"] == f"Event Details: {race_id}"
    assert isinstance(parse_payload(body), RaceEvent)


def test_every_body_served_parses(client: httpx.Client) -> None:
    meetings = _all_meetings(client, date_from=HOME_DAY, date_to=TOMORROW)
    assert len({m["date"] for m in meetings}) >= 2  # today's meetings and tomorrow's
    for meeting in meetings:
        parse_payload(_get(client, f"/racing/meetings/{meeting['meeting']}"))
        for race in meeting["races"]:
            body = _get(client, f"/racing/events/{race['id']}", with_money_tracker="true")
            event = parse_payload(body)
            assert isinstance(event, RaceEvent) and str(event.data.race.event_id) == race["id"]
    parse_payload(_get(client, "/racing/list", date_from=HOME_DAY, date_to=TOMORROW, limit=200))


# --- paging -----------------------------------------------------------------------------------


def test_meeting_pages_return_every_meeting_exactly_once(client: httpx.Client) -> None:
    everything = [m["meeting"] for m in _all_meetings(client, date_from=HOME_DAY, date_to=TOMORROW)]
    assert len(everything) > 5
    seen: list[str] = []
    params: dict[str, Any] = {"date_from": HOME_DAY, "date_to": TOMORROW, "limit": 3}
    while True:
        data = _get(client, "/racing/meetings", **params)["data"]
        assert len(data["meetings"]) <= 3
        seen += [m["meeting"] for m in data["meetings"]]
        if "next_page_token" not in data:
            break
        params["page_token"] = data["next_page_token"]
    assert seen == everything
    by_offset = []
    for offset in range(0, len(everything) + 3, 3):
        page = _all_meetings(client, date_from=HOME_DAY, date_to=TOMORROW, limit=3, offset=offset)
        by_offset += [m["meeting"] for m in page]
    assert by_offset == everything


def test_race_pages_return_every_race_exactly_once_in_start_order(client: httpx.Client) -> None:
    params: dict[str, Any] = {"date_from": HOME_DAY, "date_to": TOMORROW, "limit": 7}
    races: list[dict[str, Any]] = []
    pages = 0
    while True:
        data = _get(client, "/racing/list", **params)["data"]
        races += data["races"]
        pages += 1
        if not data["next_page_token"]:
            break
        params["page_token"] = data["next_page_token"]
    ids = [r["id"] for r in races]
    assert len(ids) == len(set(ids)) and pages > 2
    meetings = _all_meetings(client, date_from=HOME_DAY, date_to=TOMORROW)
    starts = {r["id"]: r["start_time"] for m in meetings for r in m["races"]}
    in_range = {i for i, start in starts.items() if HOME_DAY <= start[:10] <= TOMORROW}  # UTC
    assert set(ids) == in_range
    # In the order of the scheduled starts, which a put-back race keeps: pages stay stable.
    # (UTC 17-18 holds races of NZ days 17, 18 and the early hours of 19.)
    home = date.fromisoformat(HOME_DAY)
    scheduled = {
        str(race.race_id): race.scheduled_start
        for offset in (-1, 0, 1, 2)
        for race in small_day_model((home + timedelta(days=offset)).isoformat()).races
    }
    assert ids == sorted(ids, key=lambda race_id: (scheduled[race_id], race_id))
    descending = _get(
        client, "/racing/list", date_from=HOME_DAY, date_to=TOMORROW, limit=200, order_by=0
    )
    assert [r["id"] for r in descending["data"]["races"]] == ids[::-1]


# --- the UTC day ------------------------------------------------------------------------------


def _nz_day(meeting: dict[str, Any]) -> str:
    return str(meeting["date"])[:10]


def test_a_utc_day_brings_two_nz_racing_days(client: httpx.Client) -> None:
    # 2025-07-17 UTC runs from 12:00 NZST on the 17th to 12:00 on the 18th: both NZ days overlap.
    meetings = _all_meetings(client, date_from=HOME_DAY)
    assert {_nz_day(m) for m in meetings} == {HOME_DAY, TOMORROW}
    # A client that wants the NZ day must filter on the meeting's own date.
    today_only = [m for m in meetings if _nz_day(m) == HOME_DAY]
    assert 0 < len(today_only) < len(meetings)


def test_no_dates_means_the_nz_racing_day_of_now(
    client: httpx.Client, shared_sim: Simulator
) -> None:
    now = from_ns(parse_rfc3339_ns(shared_sim.clock()["now"]) or 0)
    assert {_nz_day(m) for m in _all_meetings(client)} == {racing_day_of(now).isoformat()}


def test_an_instant_range_inside_one_nz_day_returns_that_day(client: httpx.Client) -> None:
    # 13:00Z on the 16th is 01:00 NZST on the 17th: the NZ day 17 only, not the UTC day 16.
    meetings = _all_meetings(
        client, date_from="2025-07-16T13:00:00Z", date_to="2025-07-16T14:00:00Z"
    )
    assert {_nz_day(m) for m in meetings} == {HOME_DAY}


def test_filters_by_category_and_country(client: httpx.Client) -> None:
    everything = _all_meetings(client, date_from=HOME_DAY)
    for category in {m["category"] for m in everything}:
        got = _all_meetings(client, date_from=HOME_DAY, type=category)
        assert got == [m for m in everything if m["category"] == category]
    country = everything[0]["country"]
    got = _all_meetings(client, date_from=HOME_DAY, country=country.lower())
    assert got == [m for m in everything if m["country"] == country]


# --- errors -----------------------------------------------------------------------------------

ERROR_HEADER = {"title", "generated_time", "url", "error", "error_code"}


def _error(client: httpx.Client, path: str, status: int, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"header"} and set(body["header"]) == ERROR_HEADER
    assert body["header"]["error_code"] == str(status)
    with pytest.raises(PayloadError, match="NZTAB error response"):
        parse_payload(body)
    return body


def test_unknown_ids_are_404_envelopes(client: httpx.Client) -> None:
    nobody = "00000000-0000-4000-8000-000000000000"
    body = _error(client, f"/racing/events/{nobody}", 404)
    assert nobody in body["header"]["error"]
    assert body["header"]["title"] == f"Event Details: {nobody}"
    assert nobody in _error(client, f"/racing/meetings/{nobody}", 404)["header"]["error"]
    assert "no such endpoint" in _error(client, "/racing/nothing", 404)["header"]["error"]


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/racing/meetings", {"date_from": "tomorrow"}, "date_from"),
        ("/racing/meetings", {"limit": "500"}, "limit"),
        ("/racing/list", {"order_by": "2"}, "order_by"),
        ("/racing/list", {"page_token": "bm9wZQ"}, "page_token"),
        ("/racing/events/not-a-uuid", {}, "id"),
        (
            "/racing/events/00000000-0000-4000-8000-000000000000",
            {"with_will_pays": "yes"},
            "with_will_pays",
        ),
    ],
)
def test_a_bad_query_is_a_400_naming_the_parameter(
    client: httpx.Client, path: str, params: dict[str, str], parameter: str
) -> None:
    body = _error(client, path, 400, **params)
    assert body["header"]["error"].startswith(f"{parameter}: ")


# --- the clock --------------------------------------------------------------------------------


def _generated(body: dict[str, Any]) -> int:
    ns = parse_rfc3339_ns(body["header"]["generated_time"])
    assert ns is not None
    return ns


def test_a_body_served_later_was_generated_later(client: httpx.Client) -> None:
    race_id = _race_ids(client)[0]
    first = _generated(_get(client, f"/racing/events/{race_id}"))
    second = _generated(_get(client, "/racing/meetings"))
    third = _generated(_get(client, f"/racing/events/{race_id}"))
    assert first < second < third


def test_the_home_day_and_tomorrow_are_served_by_id(client: httpx.Client) -> None:
    tomorrow = [m for m in _all_meetings(client, date_from=HOME_DAY) if _nz_day(m) == TOMORROW]
    race = tomorrow[0]["races"][0]
    event = _get(client, f"/racing/events/{race['id']}")["data"]["race"]
    assert event["race_date_nz"] == TOMORROW and event["event_id"] == race["id"]
