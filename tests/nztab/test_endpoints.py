"""Endpoint paths and query parameters: what the spec and the captured samples show."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

import pytest

from raceday.nztab import endpoints
from raceday.nztab.endpoints import EndpointRequest, format_query_value

RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
MEETING = "d3f82a25-7acb-4a07-a942-e5fb36a1e426"


def _spec_parameters(samples_dir: Path, path: str) -> set[str]:
    spec = json.loads((samples_dir / "openapi.json").read_text())
    parameters = spec["paths"][f"/affiliates/v1{path}"]["get"]["parameters"]
    return {p["name"] for p in parameters if p["in"] == "query"}


def test_race_event_asks_for_money_tracker_tote_trends_and_will_pays_and_no_bet_lists() -> None:
    request = endpoints.race_event(RACE)
    assert request.endpoint == "race_event"
    assert request.path == f"/racing/events/{RACE}"
    assert dict(request.params) == {
        "enc": "json",
        "with_money_tracker": "true",
        "with_tote_trends_data": "true",
        "with_will_pays": "true",
        "with_big_bets": "false",
        "with_live_bets": "false",
        "with_biggest_bet": "false",
        "present_overlay": "false",
    }


def test_race_event_parameters_are_the_specs_and_match_the_captured_request(
    samples_dir: Path,
) -> None:
    request = endpoints.race_event(UUID(RACE))
    assert {name for name, _ in request.params} <= _spec_parameters(
        samples_dir, "/racing/events/{id}"
    )
    # The July sample was fetched with these flags (plus a junk bet_type_filter we never send).
    sample = json.loads((samples_dir / "race-event-0f57e087-final.json").read_text())
    served = dict(parse_qsl(urlsplit(sample["header"]["url"]).query))
    for name in ("with_money_tracker", "with_tote_trends_data", "with_will_pays", "with_big_bets"):
        assert dict(request.params)[name] == served[name]
    assert sample["header"]["url"].split("?")[0] == f"/affiliates/v1{request.path}"


def test_list_endpoints_send_only_parameters_the_spec_knows(samples_dir: Path) -> None:
    # page_token on the meetings list is the simulator's paging (the spec pages by offset).
    meetings = endpoints.meetings(date(2025, 7, 17), date(2025, 7, 18), limit=100)
    assert {n for n, _ in meetings.params} <= _spec_parameters(samples_dir, "/racing/meetings")
    races = endpoints.races_list("today", page_token="abc")
    assert {n for n, _ in races.params} <= _spec_parameters(samples_dir, "/racing/list")


def test_meetings_range_is_sent_as_utc_instants() -> None:
    start = datetime(2025, 7, 17, tzinfo=timezone(timedelta(hours=12)))  # NZ midnight, NZST
    request = endpoints.meetings(start, start + timedelta(days=1))
    assert request.path == "/racing/meetings"
    assert request.params == (
        ("enc", "json"),
        ("date_from", "2025-07-16T12:00:00Z"),
        ("date_to", "2025-07-17T12:00:00Z"),
    )


def test_races_list_defaults_and_today() -> None:
    request = endpoints.races_list("today")
    assert request.path == "/racing/list"
    assert dict(request.params) == {
        "enc": "json",
        "date_from": "today",
        "limit": "100",
        "order_by": "1",
    }


def test_meeting_detail_path() -> None:
    request = endpoints.meeting(MEETING)
    assert (request.endpoint, request.path, request.params) == (
        "meeting",
        f"/racing/meetings/{MEETING}",
        (("enc", "json"),),
    )


@pytest.mark.parametrize("bad", ["abc", f"{RACE}/../x", "", f"{RACE}?x=1"])
def test_an_id_that_is_not_a_uuid_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ValueError, match="race id must be a UUID"):
        endpoints.race_event(bad)
    with pytest.raises(ValueError, match="meeting id must be a UUID"):
        endpoints.meeting(bad)


def test_query_values() -> None:
    assert format_query_value(True) == "true"
    assert format_query_value(False) == "false"
    assert format_query_value(7) == "7"
    assert format_query_value(date(2026, 4, 5)) == "2026-04-05"
    assert format_query_value(datetime(2026, 4, 5, 1, 2, 3, 450000, tzinfo=UTC)) == (
        "2026-04-05T01:02:03.450000Z"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        format_query_value(datetime(2026, 4, 5))


def test_paging_follows_the_token_and_stops_without_one() -> None:
    first = endpoints.races_list("today")
    second = endpoints.next_page(first, {"data": {"races": [], "next_page_token": "tok2"}})
    assert second is not None
    assert dict(second.params)["page_token"] == "tok2"
    third = endpoints.next_page(second, {"data": {"races": [], "next_page_token": "tok3"}})
    assert third is not None
    assert [v for n, v in third.params if n == "page_token"] == ["tok3"]  # replaced, not added
    for last in ({"data": {"races": []}}, {"data": {"next_page_token": ""}}, {"data": None}, {}):
        assert endpoints.next_page(third, last) is None


def test_the_sample_races_list_has_a_next_page(samples_dir: Path) -> None:
    body = json.loads((samples_dir / "races-list.json").read_text())
    token = endpoints.next_page_token(body)
    assert token is not None and token.startswith("eyJwYWdlX251bWJlciI6Mi")
    meetings = json.loads((samples_dir / "meetings-list.json").read_text())
    assert endpoints.next_page_token(meetings) is None


def test_requests_are_plain_values() -> None:
    assert endpoints.race_event(RACE) == endpoints.race_event(UUID(RACE))
    assert isinstance(endpoints.race_event(RACE), EndpointRequest)
