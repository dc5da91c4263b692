"""GET /race-results on the two final samples and a generated day: placings in finishing order
with the samples' runners, Final dividends first with the samples' amounts, the runners' final
fixed odds, a lower-case status, 404 as the "no results" answer, 400s for bad ids."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.fixtures.samples import read_sample

RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
OTHER_RACE = "a413cb06-e120-422b-8452-ce19287467cb"
SAMPLES = {RACE: "race-event-0f57e087-final.json", OTHER_RACE: "race-event-a413cb06-final.json"}
# What the client looks for in dividends_data (contract §3), lower-cased.
CLIENT_NAMES = {
    "Pool Quinella": ("pool quinella", "quinella"),
    "Pool Trifecta": ("pool trifecta", "trifecta"),
    "Pool First4": ("pool first4", "first4", "first 4", "firstfour", "first four"),
}


def _sample(samples_dir: Path, race_id: str) -> dict[str, Any]:
    data: dict[str, Any] = read_sample(samples_dir, SAMPLES[race_id])["data"]
    return data


def _results(api: httpx.Client, race_id: str) -> dict[str, Any]:
    response = api.get("/api/race-results", params={"raceId": race_id})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def _client_finds(dividends: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any]:
    """The first dividend whose first present type field, lower-cased, is one of `names`, as
    the client searches them."""
    for dividend in dividends:
        field = next(
            dividend[key]
            for key in ("product_name", "product_type", "pool_type", "type")
            if dividend.get(key)
        )
        if field.lower() in names:
            return dividend
    raise AssertionError(f"the client would find none of {names}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_placings_are_the_samples_in_finishing_order(
    samples_api: httpx.Client, samples_dir: Path, race_id: str
) -> None:
    body = _results(samples_api, race_id)
    expected = sorted(_sample(samples_dir, race_id)["results"], key=lambda r: r["position"])
    assert body["race_id"] == race_id and body["results_available"] is True
    placings = body["results_data"]
    assert [p["position"] for p in placings] == list(range(1, len(expected) + 1))
    for placing, result in zip(placings, expected, strict=True):
        assert placing["runner_number"] == result["runner_number"]
        assert placing["name"] == result["name"]
        assert placing["entrant_id"] == result["entrant_id"]
        assert placing["barrier"] == result["barrier"]
        assert placing["margin_length"] == result["margin_length"]
        assert _is_number(placing["margin_length"])
    assert placings[0]["time_ran"] == expected[0]["time_ran"]
    assert body["winning_time"] == expected[0]["winning_time"]


def test_the_winner_of_each_sample(samples_api: httpx.Client) -> None:
    first = _results(samples_api, RACE)["results_data"][0]
    assert (first["runner_number"], first["name"]) == (2, "Frosbie")
    first = _results(samples_api, OTHER_RACE)["results_data"][0]
    assert (first["runner_number"], first["name"]) == (4, "Trianna")


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_dividends_are_the_final_copies_with_the_samples_amounts(
    samples_api: httpx.Client, samples_dir: Path, race_id: str
) -> None:
    dividends = _results(samples_api, race_id)["dividends_data"]
    sample = _sample(samples_dir, race_id)["dividends"]
    finals = {(d["product_name"], d["description"]): d for d in sample if d["status"] == "Final"}
    assert len(finals) < len(sample)  # NZTAB sent Interim copies too
    assert {(d["product_name"], d["description"]): d["dividend"] for d in dividends} == {
        key: d["dividend"] for key, d in finals.items()
    }
    assert len(dividends) == len(finals)
    statuses = [d["status"] for d in dividends]
    assert statuses == sorted(statuses, key=lambda status: status != "Final")
    for dividend in dividends:
        final = finals[(dividend["product_name"], dividend["description"])]
        assert dividend["dividend_id"] == final["id"] and dividend["status"] == "Final"
        assert dividend["positions"] == final["positions"]
        assert dividend["pool_size"] == final["pool_size"] and dividend["tote"] == final["tote"]
        assert _is_number(dividend["dividend"]) and _is_number(dividend["pool_size"])
        assert dividend["pool_type"] == dividend["product_name"].removeprefix("Pool ")


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_the_client_finds_quinella_trifecta_and_first4_and_shows_the_final_dividend(
    samples_api: httpx.Client, samples_dir: Path, race_id: str
) -> None:
    dividends = _results(samples_api, race_id)["dividends_data"]
    sample = _sample(samples_dir, race_id)["dividends"]
    for product, names in CLIENT_NAMES.items():
        found = _client_finds(dividends, names)
        final = next(d for d in sample if d["product_name"] == product and d["status"] == "Final")
        assert found["dividend"] == final["dividend"] and found["status"] == "Final"
    assert dividends[0]["product_name"] == "Pool Win"


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_fixed_odds_are_each_runners_final_prices_keyed_by_entrant(
    samples_api: httpx.Client, samples_dir: Path, race_id: str
) -> None:
    fixed_odds = _results(samples_api, race_id)["fixed_odds_data"]
    runners = [r for r in _sample(samples_dir, race_id)["runners"] if not r.get("is_scratched")]
    assert set(fixed_odds) == {r["entrant_id"] for r in runners}
    for runner in runners:
        odds = fixed_odds[runner["entrant_id"]]
        assert odds["entrant_id"] == runner["entrant_id"]
        assert odds["runner_name"] == runner["name"]
        assert odds["fixed_win_odds"] == runner["odds"]["fixed_win"] > 0
        assert odds["fixed_place_odds"] == runner["odds"]["fixed_place"] > 0
        assert _is_number(odds["fixed_win_odds"]) and _is_number(odds["fixed_place_odds"])


def test_status_flags_and_result_time(samples_api: httpx.Client, samples_dir: Path) -> None:
    body = _results(samples_api, RACE)
    assert body["result_status"] == "final"
    assert body["photo_finish"] is False and body["stewards_inquiry"] is False
    assert body["protest_lodged"] is False  # the meetings list reports no protest on it
    result_time = datetime.fromisoformat(body["result_time"])
    assert body["result_time"].endswith("+12:00")
    # The race was first seen Final in the meetings list, before its own final race event.
    listed = read_sample(samples_dir, "meetings-list.json")["header"]["generated_time"]
    assert listed.startswith("2025-07-17T10:48:11")
    assert result_time.isoformat(timespec="seconds") == "2025-07-17T22:48:11+12:00"


def test_both_prefixes_and_both_spellings_answer_the_same(samples_api: httpx.Client) -> None:
    bodies = [
        samples_api.get(path, params={key: OTHER_RACE}).json()
        for path in ("/api/race-results", "/race-results")
        for key in ("raceId", "race_id")
    ]
    assert bodies[0]["results_data"][0]["name"] == "Trianna"
    assert all(body == bodies[0] for body in bodies)


@pytest.mark.parametrize("params", [{}, {"raceId": "x"}, {"race_id": "a413cb06-e120"}])
def test_a_missing_or_bad_race_id_is_a_400(
    samples_api: httpx.Client, params: dict[str, str]
) -> None:
    response = samples_api.get("/api/race-results", params=params)
    assert response.status_code == 400
    assert "race_id" in response.json()["error"]


def test_an_unknown_race_is_a_404(samples_api: httpx.Client) -> None:
    unknown = str(uuid.uuid4())
    response = samples_api.get("/api/race-results", params={"raceId": unknown})
    assert response.status_code == 404
    assert response.json() == {"error": f"race {unknown} not found"}


def _race_without_results(database_url: str, status: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "select race_id from races r where r.status = %s and not exists"
            " (select from race_results x where x.race_id = r.race_id)"
            " order by start_time limit 1",
            [status],
        ).fetchone()
    assert row is not None, f"no {status} race without results"
    return str(row[0])


def test_a_race_still_open_has_no_results_a_404(
    samples_api: httpx.Client, samples_database: str
) -> None:
    race_id = _race_without_results(samples_database, "Open")
    response = samples_api.get("/api/race-results", params={"raceId": race_id})
    assert response.status_code == 404
    assert response.json() == {"error": f"no results for race {race_id}"}


def test_an_abandoned_generated_race_has_no_results_a_404(
    generated_api: httpx.Client, generated_database: str
) -> None:
    race_id = _race_without_results(generated_database, "Abandoned")
    response = generated_api.get("/race-results", params={"race_id": race_id})
    assert response.status_code == 404
    assert response.json() == {"error": f"no results for race {race_id}"}


def test_every_generated_result_is_in_order_with_final_dividends(
    generated_api: httpx.Client, generated_database: str
) -> None:
    with psycopg.connect(generated_database) as conn:
        rows = conn.execute(
            "select x.race_id, count(p.entrant_id) from race_results x"
            " join race_result_positions p using (race_id) group by 1"
        ).fetchall()
    assert len(rows) >= 10
    for race_id, placed in rows:
        body = _results(generated_api, str(race_id))
        positions = [p["position"] for p in body["results_data"]]
        assert len(positions) == placed and positions == sorted(positions)
        assert body["result_status"] in {"interim", "final", "protest"}
        assert body["result_time"].endswith(("+12:00", "+13:00"))
        assert all(_is_number(d["dividend"]) and d["dividend"] >= 0 for d in body["dividends_data"])
        for names in CLIENT_NAMES.values():
            assert _client_finds(body["dividends_data"], names)["status"] == "Final"
        winner = body["fixed_odds_data"][body["results_data"][0]["entrant_id"]]
        assert _is_number(winner["fixed_win_odds"]) and winner["fixed_win_odds"] > 0
