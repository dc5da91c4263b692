"""Reading queries like NZTAB: the samples' params echo reproduced from their own URLs and times."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raceday.sim.instants import parse_rfc3339_ns, rfc3339
from raceday.sim.paging import PageToken, decode_token, encode_token, request_hash
from raceday.sim.query import (
    QueryError,
    canonical_url,
    read_event_query,
    read_meeting_query,
    read_meetings_query,
    read_races_list_query,
)
from tests.fixtures.samples import read_sample


def _served(sample: dict) -> tuple[str, list[tuple[str, str]], int]:
    """The path, query items and generated instant (ns) a sample was served with."""
    url = urlsplit(sample["header"]["url"])
    now = parse_rfc3339_ns(sample["header"]["generated_time"])
    assert now is not None
    return url.path, parse_qsl(url.query, keep_blank_values=True), now


def test_the_meetings_list_with_no_query_echoes_now_cut_to_the_minute(samples_dir: Path) -> None:
    sample = read_sample(samples_dir, "meetings-list.json")
    _, items, now = _served(sample)
    assert read_meetings_query(items, now).params() == sample["params"]


def test_the_races_list_for_today_echoes_the_utc_day(samples_dir: Path) -> None:
    sample = read_sample(samples_dir, "races-list.json")
    _, items, now = _served(sample)
    assert read_races_list_query(items, now).params() == sample["params"]


@pytest.mark.parametrize(
    "name", ["race-event-0f57e087-final.json", "race-event-a413cb06-final.json"]
)
def test_header_url_is_the_sorted_query_as_served(samples_dir: Path, name: str) -> None:
    sample = read_sample(samples_dir, name)
    path, items, _ = _served(sample)
    shuffled = list(reversed(items))
    assert canonical_url(path, shuffled) == sample["header"]["url"]


def test_a_path_without_query_is_its_own_url() -> None:
    assert canonical_url("/affiliates/v1/racing/meetings", []) == "/affiliates/v1/racing/meetings"


def test_the_sample_page_token_decodes_and_encodes_back(samples_dir: Path) -> None:
    token = read_sample(samples_dir, "races-list.json")["data"]["next_page_token"]
    decoded = decode_token(token)
    assert decoded == PageToken(2, "2zgns3x4umqay")
    assert encode_token(decoded) == token
    assert "=" not in token


NOW = parse_rfc3339_ns("2025-07-17T10:48:11.805562713Z") or 0


def test_a_day_bound_is_a_whole_utc_day() -> None:
    query = read_meetings_query([("date_from", "2025-07-17")], NOW)
    assert (query.date_from.text, query.date_to.text) == (
        "2025-07-17T00:00:00Z",
        "2025-07-17T23:59:59.999999999Z",
    )
    query = read_meetings_query([("date_from", "2025-07-16"), ("date_to", "2025-07-17")], NOW)
    assert (query.date_from.text, query.date_to.text) == (
        "2025-07-16T00:00:00Z",
        "2025-07-17T23:59:59.999999999Z",
    )


def test_an_instant_alone_is_a_point_and_keeps_its_nanoseconds() -> None:
    query = read_meetings_query([("date_from", "2025-07-17T22:48:00.123456789+12:00")], NOW)
    assert query.date_from == query.date_to
    assert query.date_from.text == "2025-07-17T10:48:00.123456789Z"


def test_type_and_country_echo_as_given_and_filter_upper_case() -> None:
    query = read_meetings_query([("category", "t,h"), ("country", "nz")], NOW)
    assert query.params()["type"] == "t,h" and query.params()["country"] == "nz"
    assert query.categories == ("T", "H") and query.countries == ("NZ",)


@pytest.mark.parametrize(
    ("items", "parameter"),
    [
        ([("date_from", "yesterday")], "date_from"),
        ([("date_from", "20250717")], "date_from"),
        ([("date_from", "2025-07-17T10:00:00")], "date_from"),  # no offset: not RFC 3339
        ([("date_from", "week")], "date_from"),
        ([("date_from", "2025-07-18"), ("date_to", "2025-07-17")], "date_to"),
        ([("date_from", "2025-07-01"), ("date_to", "2025-07-17")], "date_to"),
        ([("limit", "0")], "limit"),
        ([("limit", "201")], "limit"),
        ([("limit", "ten")], "limit"),
        ([("offset", "-1")], "offset"),
        ([("type", "X")], "type"),
        ([("ids", "not-a-uuid")], "ids"),
        ([("futures", "maybe")], "futures"),
        ([("enc", "xml")], "enc"),
        ([("page_token", "%%%")], "page_token"),
    ],
)
def test_a_bad_meetings_parameter_is_named(items: list[tuple[str, str]], parameter: str) -> None:
    with pytest.raises(QueryError) as caught:
        read_meetings_query(items, NOW)
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(f"{parameter}: ")


def test_a_page_token_of_another_query_is_refused() -> None:
    items = [("date_from", "2025-07-17"), ("limit", "5")]
    token = encode_token(PageToken(2, request_hash(items)))
    assert read_races_list_query([*items, ("page_token", token)], NOW).page_number == 2
    with pytest.raises(QueryError, match="page_token: belongs to another query"):
        other = [("date_from", "2025-07-18"), ("limit", "5"), ("page_token", token)]
        read_races_list_query(other, NOW)


@pytest.mark.parametrize(
    ("items", "parameter"),
    [
        ([("with_money_tracker", "yes")], "with_money_tracker"),
        ([("with_will_pays", "2")], "with_will_pays"),
        ([("bets_limit", "many")], "bets_limit"),
        ([("enc", "html")], "enc"),
    ],
)
def test_a_bad_event_parameter_is_named(items: list[tuple[str, str]], parameter: str) -> None:
    with pytest.raises(QueryError) as caught:
        read_event_query("0f57e087-00d9-4c61-9549-835abe2ae2ed", items)
    assert caught.value.parameter == parameter


def test_event_flags_read_like_go() -> None:
    items = [("with_big_bets", "T"), ("with_live_bets", "0"), ("with_biggest_bet", "TRUE")]
    query = read_event_query("0f57e087-00d9-4c61-9549-835abe2ae2ed", items)
    assert query.query == dict(items)  # checked, then handed to the model's echo as sent


def test_an_id_that_is_no_uuid_is_named() -> None:
    with pytest.raises(QueryError, match=r"^id: not a UUID"):
        read_event_query("nope", [])
    with pytest.raises(QueryError, match=r"^id: not a UUID"):
        read_meeting_query("nope", [])


@given(st.integers(min_value=0, max_value=253_402_300_799 * 10**9))
def test_rfc3339_text_reads_back_to_the_same_nanosecond(ns: int) -> None:
    text = rfc3339(ns)
    assert parse_rfc3339_ns(text) == ns
    assert text.endswith("Z")
    assert "." not in text or not text.endswith("0Z")  # Go trims the fraction's zeros


def test_rfc3339_drops_trailing_zeros_like_go() -> None:
    assert rfc3339(parse_rfc3339_ns("2025-07-17T11:16:59.189042980Z") or 0) == (
        "2025-07-17T11:16:59.18904298Z"
    )
    assert rfc3339(parse_rfc3339_ns("2025-07-17T11:16:59.000Z") or 0) == "2025-07-17T11:16:59Z"
