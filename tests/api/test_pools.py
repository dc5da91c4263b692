"""GET /race-pools on the real samples and a generated day: the six single-race pools in integer
cents, exactly the samples' dollar totals, multi-race pools left out of the total, both
prefixes and spellings, 400s and 404s."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.fixtures.samples import read_sample

RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
OTHER_RACE = "a413cb06-e120-422b-8452-ce19287467cb"
SAMPLES = {RACE: "race-event-0f57e087-final.json", OTHER_RACE: "race-event-a413cb06-final.json"}
# field -> the sample's tote_pools[].product_type
PRODUCTS = {
    "win_pool_total": "Win",
    "place_pool_total": "Place",
    "quinella_pool_total": "Quinella",
    "trifecta_pool_total": "Trifecta",
    "first4_pool_total": "FirstFour",
    "exacta_pool_total": "Exacta",
}


def _expected_cents(samples_dir: Path, race_id: str) -> dict[str, int]:
    """Each named pool of the sample in cents, computed from its dollars (0 when absent)."""
    pools = read_sample(samples_dir, SAMPLES[race_id])["data"]["tote_pools"]
    dollars = {pool["product_type"]: Decimal(str(pool["total"])) for pool in pools}
    cents = {
        field: int(dollars.get(product, Decimal(0)) * 100) for field, product in PRODUCTS.items()
    }
    return cents | {"total_race_pool": sum(cents.values())}


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_pools_are_the_samples_totals_in_cents(
    samples_api: httpx.Client, samples_dir: Path, race_id: str
) -> None:
    response = samples_api.get("/api/race-pools", params={"raceId": race_id})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    expected = _expected_cents(samples_dir, race_id)
    assert {field: body[field] for field in expected} == expected
    assert all(_is_whole_number(body[field]) for field in expected)
    assert body["race_id"] == race_id and body["currency"] == "$"


def test_multi_race_pools_are_not_in_the_races_total(
    samples_api: httpx.Client, samples_dir: Path
) -> None:
    body = samples_api.get("/api/race-pools", params={"raceId": OTHER_RACE}).json()
    pools = read_sample(samples_dir, SAMPLES[OTHER_RACE])["data"]["tote_pools"]
    every_pool = sum(int(Decimal(str(pool["total"])) * 100) for pool in pools)
    multi = {"Quadrella", "RunningDouble", "Treble"}
    assert multi <= {pool["product_type"] for pool in pools}
    assert body["total_race_pool"] < every_pool
    assert body["total_race_pool"] == 918_221 + 263_762 + 548_969 + 745_222 + 761_433 == 3_237_607
    assert body["exacta_pool_total"] == 0  # NZTAB ran no Exacta on it


def test_last_updated_is_the_payloads_time_in_new_zealand(
    samples_api: httpx.Client, samples_dir: Path
) -> None:
    body = samples_api.get("/api/race-pools", params={"raceId": RACE}).json()
    last_updated = datetime.fromisoformat(body["last_updated"])
    generated = read_sample(samples_dir, SAMPLES[RACE])["header"]["generated_time"]
    assert body["last_updated"].endswith("+12:00")  # July: NZST
    assert last_updated.isoformat(timespec="seconds") == "2025-07-17T23:16:59+12:00"
    assert generated.startswith("2025-07-17T11:16:59.189042")
    assert last_updated.microsecond == 189042


def test_both_prefixes_and_both_spellings_answer_the_same(samples_api: httpx.Client) -> None:
    bodies = [
        samples_api.get(path, params={key: RACE}).json()
        for path in ("/api/race-pools", "/race-pools")
        for key in ("raceId", "race_id")
    ]
    assert bodies[0]["win_pool_total"] == 915_138
    assert all(body == bodies[0] for body in bodies)


@pytest.mark.parametrize("params", [{}, {"raceId": "nope"}, {"race_id": "0f57e087"}])
def test_a_missing_or_bad_race_id_is_a_400(
    samples_api: httpx.Client, params: dict[str, str]
) -> None:
    response = samples_api.get("/api/race-pools", params=params)
    assert response.status_code == 400
    assert "race_id" in response.json()["error"]


def test_an_unknown_race_is_a_404(samples_api: httpx.Client) -> None:
    unknown = str(uuid.uuid4())
    response = samples_api.get("/api/race-pools", params={"raceId": unknown})
    assert response.status_code == 404
    assert response.json() == {"error": f"race {unknown} not found"}


def test_a_race_without_pools_is_a_404_saying_so(
    samples_api: httpx.Client, samples_database: str
) -> None:
    with psycopg.connect(samples_database) as conn:
        row = conn.execute(
            "select race_id from races r where not exists "
            "(select from race_pools p where p.race_id = r.race_id) limit 1"
        ).fetchone()
    assert row is not None
    response = samples_api.get("/api/race-pools", params={"raceId": str(row[0])})
    assert response.status_code == 404
    assert response.json() == {"error": f"no pools for race {row[0]}"}


def test_every_generated_race_with_pools_sums_its_six_pools(
    generated_api: httpx.Client, generated_database: str
) -> None:
    with psycopg.connect(generated_database) as conn:
        rows = conn.execute(
            "select race_id, product_type, total from race_pools"
            " where cardinality(leg_race_numbers) = 0"
        ).fetchall()
    by_race: dict[str, dict[str, Decimal]] = {}
    for race_id, product, total in rows:
        by_race.setdefault(str(race_id), {})[product] = total
    assert len(by_race) >= 10
    for race_id, pools in by_race.items():
        body = generated_api.get("/api/race-pools", params={"raceId": race_id}).json()
        for field, product in PRODUCTS.items():
            assert body[field] == int(pools.get(product, Decimal(0)) * 100), (race_id, field)
        named = [v for k, v in pools.items() if k in PRODUCTS.values()]
        assert body["total_race_pool"] == int(sum(named, Decimal(0)) * 100)
        assert body["last_updated"].endswith(("+12:00", "+13:00"))
