"""The dashboard client's backend calls (contract §2, B1-B17) replayed as its `api-client.ts`
sends them, base URL the bare host (§1.2): each call site's path as written, the query string
built the way URLSearchParams builds it (a space as `+`, a comma as `%2C`, camelCase names), and
every field the client reads (§3) checked for presence, JSON type and meaning.

The race page is loaded for every race of the samples and of the generated day, the way the
Next route loads it (B5, then B6-B9; any failure but B9's 404 makes the page a 404), with the
pools (B11) and the timeline paged as the client pages it (B12, at most 10 requests). The
dashboard's meetings list is built as the Next server builds it (B2, then B3 per meeting, the
first race as the lexically smallest start_time string).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
import pytest

from raceday.api.resources.alerts import DEFAULT_BANDS
from raceday.clock import FixedClock
from tests.api.test_meetings import LIST_TIME
from tests.fixtures.api import api_client

NUMBER = "number"  # a JSON number: int or float, never a bool or a string
TIME = "time"  # a string Date.parse accepts: RFC 3339 with an offset, hours 00-23
# The timeline serves a committed row 100 ms after its transaction began (test_timeline).
SETTLE_S = 0.2

# Per response, the fields the client reads (§3) and what each must be: a JSON type, NUMBER,
# TIME, or a tuple of those (None: null allowed).
RACE_READS: dict[str, Any] = {
    "race_id": str,
    "meeting_id": str,
    "name": str,
    "race_number": NUMBER,
    "start_time": TIME,
    "actual_start": (TIME, None),
    "status": str,
    "distance": (NUMBER, None),
    "track_condition": (str, None),
    "weather": (str, None),
    "type": str,
    "created_at": TIME,
    "updated_at": TIME,
}
MEETING_READS: dict[str, Any] = {
    "meeting_id": str,
    "meeting_name": str,
    "country": str,
    "race_type": str,
    "category": str,
    "date": str,
    "status": str,
    "track_condition": (str, None),
    "weather": (str, None),
    "created_at": TIME,
    "updated_at": TIME,
}
ENTRANT_READS: dict[str, Any] = {
    "entrant_id": str,
    "name": str,
    "runner_number": NUMBER,
    "is_scratched": bool,
    "win_odds": (NUMBER, None),
    "place_odds": (NUMBER, None),
    "hold_percentage": (NUMBER, None),
    "jockey": (str, None),
    "trainer_name": (str, None),
    "silk_url": (str, None),
    "silk_colours": (str, None),
    "silk_url_64": (str, None),
    "silk_url_128": (str, None),
    "odds_history": list,
    "money_flow_history": list,
}
LINK_READS: dict[str, Any] = {"race_id": str, "name": str, "start_time": TIME, "meeting_name": str}
RESULTS_READS: dict[str, Any] = {
    "results_available": bool,
    "results_data": list,
    "dividends_data": list,
    "fixed_odds_data": dict,
    "result_status": str,
    "photo_finish": bool,
    "stewards_inquiry": bool,
    "protest_lodged": bool,
    "result_time": TIME,
}
PLACING_READS: dict[str, Any] = {
    "runner_number": NUMBER,
    "name": str,
    "entrant_id": str,
    "position": NUMBER,
}
FINAL_ODDS_READS: dict[str, Any] = {
    "entrant_id": str,
    "runner_name": str,
    "fixed_win_odds": (NUMBER, None),
    "fixed_place_odds": (NUMBER, None),
}
POOL_FIELDS = (
    "win_pool_total",
    "place_pool_total",
    "quinella_pool_total",
    "trifecta_pool_total",
    "first4_pool_total",
    "total_race_pool",
)
DOCUMENT_READS: dict[str, Any] = {
    "id": str,
    "entrant_id": str,
    "time_interval": NUMBER,
    "interval_type": str,
    "hold_percentage": (NUMBER, None),
    "incremental_win_amount": (int, None),
    "incremental_place_amount": (int, None),
    "fixed_win_odds": (NUMBER, None),
    "fixed_place_odds": (NUMBER, None),
    "pool_win_odds": (NUMBER, None),
    "pool_place_odds": (NUMBER, None),
    "polling_timestamp": TIME,
    "created_at": TIME,
    "winPoolAmount": (int, None),
    "placePoolAmount": (int, None),
    "betPercentage": (NUMBER, None),
}
UPCOMING_RACE_READS: dict[str, Any] = {
    "race_id": str,
    "start_time": TIME,
    "status": str,
    "meeting_id": str,
    "race_type": str,
}
NEXT_RACE_READS: dict[str, Any] = {
    "race_id": str,
    "name": str,
    "start_time": TIME,
    "race_number": NUMBER,
    "meeting_name": str,
}
INDICATOR_READS: dict[str, Any] = {
    "indicator_id": str,
    "user_id": str,
    "indicator_type": str,
    "percentage_range_min": NUMBER,
    "percentage_range_max": (NUMBER, None),
    "color": str,
    "is_default": bool,
    "enabled": bool,
    "display_order": NUMBER,
    "audible_alerts_enabled": bool,
    "created_at": TIME,
    "updated_at": TIME,
}
# The dividends the results panel looks for, lower-cased (§3 /race-results).
CLIENT_PRODUCTS = (
    ("pool quinella", "quinella"),
    ("pool trifecta", "trifecta"),
    ("pool first4", "first4", "first 4", "firstfour", "first four"),
)
SETTLED = {"final", "finalized", "finalised", "abandoned", "cancelled", "canceled", "official"}


def client_url(path: str, params: dict[str, Any] | None = None) -> str:
    """The URL api-client.ts requests on a bare-host base: the path as the call site writes it
    (leading "/" stripped, resolved against base + "/", so it stays as written here) and the
    query as URLSearchParams writes it (form encoding: a space as "+", a comma as "%2C"; null
    values dropped)."""
    query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
    return "/" + path.lstrip("/") + (f"?{query}" if query else "")


def call(api: httpx.Client, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
    response = api.get(client_url(path, params))
    if response.status_code < 300:
        # The client parses JSON only when the Content-Type says so (§1.1).
        assert response.headers["content-type"].startswith("application/json"), path
    else:
        body = response.json()  # errors are JSON with an `error` the client shows
        assert isinstance(body, dict) and isinstance(body["error"], str), (path, body)
    return response


def is_a(value: Any, kind: Any) -> bool:
    if isinstance(kind, tuple):
        return any(is_a(value, k) for k in kind)
    if kind is None:
        return value is None
    if kind == NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == TIME:
        if not isinstance(value, str) or len(value) < 20 or value[10] != "T":
            return False
        parsed = datetime.fromisoformat(value)
        return parsed.tzinfo is not None and 0 <= int(value[11:13]) <= 23
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def assert_reads(body: dict[str, Any], reads: dict[str, Any], where: str) -> None:
    wrong = {field: body.get(field, "<missing>") for field in reads if field not in body}
    wrong |= {f: body[f] for f, kind in reads.items() if f in body and not is_a(body[f], kind)}
    assert not wrong, (where, wrong)


def load_race_page(api: httpx.Client, race_id: str) -> dict[str, Any]:
    """The race page's calls for one race as the Next routes make them; what they got."""
    race_response = call(api, f"/api/races/{race_id}")
    assert race_response.status_code == 200, (race_id, race_response.text)
    race = race_response.json()
    assert_reads(race, RACE_READS, f"B5 {race_id}")
    assert race["race_id"] == race_id
    got = {
        name: call(api, path, params)
        for name, (path, params) in {
            "meeting": (f"/api/meetings/{race['meeting_id']}", None),
            "entrants": ("/api/entrants", {"raceId": race_id}),
            "navigation": ("/api/races/navigation", {"raceId": race_id}),
            "results": ("/api/race-results", {"raceId": race_id}),
            "pools": ("/api/race-pools", {"raceId": race_id}),
        }.items()
    }
    # Any failure but a 404 from /race-results makes the page a 404 (§4); pools may 404.
    for name in ("meeting", "entrants", "navigation"):
        assert got[name].status_code == 200, (race_id, name, got[name].text)
    for name in ("results", "pools"):
        assert got[name].status_code in (200, 404), (race_id, name, got[name].text)
    page: dict[str, Any] = {"race": race} | {
        name: response.json() if response.status_code == 200 else None
        for name, response in got.items()
    }
    entrant_ids = [entrant["entrant_id"] for entrant in page["entrants"]]
    page["timeline"] = page_timeline(api, race_id, entrant_ids) if entrant_ids else []
    return page


def page_timeline(api: httpx.Client, race_id: str, entrant_ids: list[str]) -> list[dict[str, Any]]:
    """B12 as one refresh makes it: pages on while next_cursor is non-null, 10 requests at most."""
    params: dict[str, Any] = {
        "raceId": race_id,
        "entrants": ",".join(entrant_ids),
        "poolType": "win",
    }
    documents: list[dict[str, Any]] = []
    for _ in range(10):
        response = call(api, "/api/money-flow-timeline", params)
        assert response.status_code == 200, (race_id, response.text)
        body = response.json()
        assert isinstance(body["documents"], list)
        assert is_a(body["next_cursor"], (str, None)) and is_a(
            body["next_created_at"], (TIME, None)
        )
        documents += body["documents"]
        if body["next_cursor"] is None:
            return documents
        params["cursorAfter"] = body["next_cursor"]
    raise AssertionError(f"{race_id}: the timeline took more than the client's 10 requests")


def assert_race_page(page: dict[str, Any]) -> None:
    race, meeting = page["race"], page["meeting"]
    race_id = race["race_id"]
    assert_reads(meeting, MEETING_READS, f"B6 {race_id}")
    assert meeting["meeting_id"] == race["meeting_id"]

    entrants = page["entrants"]
    for entrant in entrants:
        assert_reads(entrant, ENTRANT_READS, f"B7 {race_id}")
        hold = entrant["hold_percentage"]
        assert hold is None or 0 <= hold <= 100, (race_id, entrant)
    numbers = [entrant["runner_number"] for entrant in entrants]
    assert numbers == sorted(numbers), race_id

    navigation = page["navigation"]
    assert set(navigation) == {"previousRace", "nextRace", "nextScheduledRace"}
    for link in navigation.values():
        if link is not None:
            assert_reads(link, LINK_READS, f"B8 {race_id}")

    results = page["results"]
    if results is not None:
        assert_reads(results, RESULTS_READS, f"B9 {race_id}")
        assert results["results_available"] is True
        assert results["result_status"] in {"interim", "final", "protest"}
        placings = results["results_data"]
        for placing in placings:
            assert_reads(placing, PLACING_READS, f"B9 {race_id}")
        assert [p["position"] for p in placings] == sorted(p["position"] for p in placings)
        for odds in results["fixed_odds_data"].values():
            assert_reads(odds, FINAL_ODDS_READS, f"B9 {race_id}")
        for dividend in results["dividends_data"]:
            assert is_a(dividend["dividend"], NUMBER), (race_id, dividend)

    pools = page["pools"]
    if pools is not None:
        for field in POOL_FIELDS:
            assert is_a(pools[field], int), (race_id, field, pools[field])  # cents
        assert pools["total_race_pool"] == sum(pools[f] for f in POOL_FIELDS[:-1]) + pools.get(
            "exacta_pool_total", 0
        )
        assert isinstance(pools["currency"], str)

    asked = {entrant["entrant_id"] for entrant in entrants}
    ids = [document["id"] for document in page["timeline"]]
    assert len(ids) == len(set(ids)), race_id  # one refresh never repeats a document
    for document in page["timeline"]:
        assert_reads(document, DOCUMENT_READS, f"B12 {race_id}")
        assert document["entrant_id"] in asked


def races_of(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [str(r[0]) for r in conn.execute("select race_id from races order by 1")]


# --- B1 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/api/health"])
def test_health_is_healthy_on_a_ready_store_at_both_paths_a_base_url_gives(
    samples_api: httpx.Client, path: str
) -> None:
    # /health with a bare-host base, /api/health with a ".../api" base (§1.2).
    response = call(samples_api, path)
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"  # anything else: "disconnected"


# --- B5-B12: the race page -------------------------------------------------------------------


@pytest.mark.parametrize("day", ["samples", "generated"])
def test_every_race_page_loads_as_the_client_loads_it(
    day: str, request: pytest.FixtureRequest
) -> None:
    api: httpx.Client = request.getfixturevalue(f"{day}_api")
    race_ids = races_of(request.getfixturevalue(f"{day}_database"))
    assert len(race_ids) >= 20
    time.sleep(SETTLE_S)
    pages = [load_race_page(api, race_id) for race_id in race_ids]
    for page in pages:
        assert_race_page(page)
    # The day holds every kind of page: with a field, results, pools and a timeline.
    assert any(page["results"] for page in pages) and any(page["pools"] for page in pages)
    assert any(page["timeline"] for page in pages)
    assert any(not page["entrants"] for page in pages) or day == "generated"


@pytest.mark.parametrize("day", ["samples", "generated"])
def test_the_results_panel_finds_the_final_exotic_dividends(
    day: str, request: pytest.FixtureRequest
) -> None:
    api: httpx.Client = request.getfixturevalue(f"{day}_api")
    found = 0
    for race_id in races_of(request.getfixturevalue(f"{day}_database")):
        response = call(api, "/api/race-results", {"raceId": race_id})
        if response.status_code == 404:
            continue
        dividends = response.json()["dividends_data"]
        for names in CLIENT_PRODUCTS:
            # The first dividend any of whose type fields names the product, as the client
            # searches them.
            match = next(
                d
                for d in dividends
                if any(
                    str(d.get(key, "")).lower() in names
                    for key in ("pool_type", "product_name", "product_type", "type")
                )
            )
            assert match["status"] == "Final", (race_id, match)
            found += 1
    assert found >= 6


# --- B2/B3: the dashboard's meetings list ----------------------------------------------------


@pytest.mark.parametrize(("day", "date"), [("samples", "2025-07-17"), ("generated", "2026-04-05")])
def test_the_meetings_list_as_the_next_server_builds_it(
    day: str, date: str, request: pytest.FixtureRequest
) -> None:
    api: httpx.Client = request.getfixturevalue(f"{day}_api")
    response = call(api, "/meetings", {"date": date})  # meetings-data.ts: snake_case, root
    assert response.status_code == 200
    meetings = response.json()
    assert meetings
    for meeting in meetings:
        assert_reads(meeting, MEETING_READS, f"B2 {meeting['meeting_id']}")
        assert meeting["date"] == date
        races = call(api, "/races", {"meeting_id": meeting["meeting_id"]}).json()
        # validateRaceData keeps a row only with a string $id and an object (or null) meeting.
        assert all(isinstance(r["$id"], str) and isinstance(r["meeting"], dict) for r in races)
        if not races:
            continue
        # The Next server takes the lexically smallest start_time as the first race; it must be
        # the earliest instant, the one the meeting reports itself.
        lexical = min(race["start_time"] for race in races)
        earliest = min(datetime.fromisoformat(race["start_time"]) for race in races)
        assert datetime.fromisoformat(lexical) == earliest, meeting["meeting_name"]
        assert datetime.fromisoformat(meeting["first_race_time"]) == earliest


# --- B13/B14 ---------------------------------------------------------------------------------


def test_upcoming_and_next_scheduled_as_the_alerts_and_the_button_call_them(
    samples_database: str,
) -> None:
    with api_client(samples_database, clock=FixedClock(LIST_TIME)) as api:
        params = {"windowMinutes": 120, "lookbackMinutes": 5, "limit": 50}
        body = call(api, "/api/races/upcoming", params).json()
        assert body["races"] and is_a(body["total"], int) and is_a(body["timestamp"], TIME)
        for race in body["races"]:
            assert_reads(race, UPCOMING_RACE_READS, "B13")
            assert race["status"].lower() not in SETTLED
        window = body["window"]
        assert is_a(window["lower_bound"], TIME) and is_a(window["upper_bound"], TIME)
        assert (window["window_minutes"], window["lookback_minutes"]) == (120, 5)
        assert_reads(call(api, "/api/races/next-scheduled").json(), NEXT_RACE_READS, "B14")


# --- B15-B17: the alert configs --------------------------------------------------------------


def default_set() -> dict[str, Any]:
    """The body the reset route posts (B17): the six defaults, no ids, the Default User."""
    return {
        "user_id": "Default User",
        "indicators": [
            {
                "indicator_id": None,
                "user_id": "Default User",
                "indicator_type": "percentage_range",
                "percentage_range_min": low,
                "percentage_range_max": high,
                "color": color,
                "is_default": True,
                "enabled": True,
                "display_order": order,
                "audible_alerts_enabled": True,
            }
            for order, low, high, color in DEFAULT_BANDS
        ],
        "audible_alerts_enabled": True,
        "toggle_all": True,
    }


def test_the_alert_configs_as_the_client_loads_saves_and_resets_them(database_url: str) -> None:
    with api_client(database_url) as api:
        # B15: URLSearchParams writes the space as "+"; the contract quotes it as %20.
        plus = call(api, "/api/user-alert-configs", {"userId": "Default User"})
        assert "userId=Default+User" in str(plus.request.url)
        percent = api.get("/api/user-alert-configs?userId=Default%20User")
        assert plus.status_code == percent.status_code == 200
        config = plus.json()
        assert percent.json() == config
        assert config["user_id"] == "Default User"
        assert isinstance(config["toggle_all"], bool)
        assert isinstance(config["audible_alerts_enabled"], bool)
        indicators = config["indicators"]
        assert [i["display_order"] for i in indicators] == [1, 2, 3, 4, 5, 6]
        for indicator in indicators:
            assert_reads(indicator, INDICATOR_READS, "B15")
        assert indicators[5]["percentage_range_max"] is None  # the open 50%+ band

        # B16: the modal saves what it loaded, changed; only a 2xx matters.
        changed = {
            "user_id": "Default User",
            "indicators": [
                i | {"color": "#123ABC", "enabled": i["display_order"] != 2} for i in indicators
            ],
            "audible_alerts_enabled": False,
            "toggle_all": False,
        }
        saved = api.post("/api/user-alert-configs", json=changed)
        assert saved.status_code == 200, saved.text
        after = call(api, "/api/user-alert-configs", {"userId": "Default User"}).json()
        assert after["toggle_all"] is False and after["audible_alerts_enabled"] is False
        assert {i["color"] for i in after["indicators"]} == {"#123ABC"}

        # B17: reset posts the six defaults without ids, then loads again.
        reset = api.post("/api/user-alert-configs", json=default_set())
        assert reset.status_code == 200, reset.text
        again = call(api, "/api/user-alert-configs", {"userId": "Default User"}).json()
        assert [i["indicator_id"] for i in again["indicators"]] == [
            i["indicator_id"] for i in indicators
        ]
        assert [
            (i["percentage_range_min"], i["percentage_range_max"], i["color"])
            for i in again["indicators"]
        ] == [(low, high, color) for _, low, high, color in DEFAULT_BANDS]
        assert again["toggle_all"] is True and again["audible_alerts_enabled"] is True
