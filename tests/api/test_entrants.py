"""GET /entrants on the real samples and a generated day: the field in runner order with the
latest prices and hold shares as numbers, both prefixes and spellings, 400s and 404s, the gaps
filled from the history tables, and that history query's plan (partitions of the race's days
only, read by index)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from raceday.api.resources.entrants import LATEST_OBSERVED_SQL, observation_window
from raceday.cli import main
from raceday.partitions.naming import HISTORY_PARENTS, parse_partition_name
from raceday.racing_day import days_between, racing_day_of
from tests.fixtures.api import api_client
from tests.fixtures.samples import read_sample

RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"  # Awapuni R1, 2025-07-17
OTHER_RACE = "a413cb06-e120-422b-8452-ce19287467cb"  # Cambridge, 2025-08-20
SAMPLES = {RACE: "race-event-0f57e087-final.json", OTHER_RACE: "race-event-a413cb06-final.json"}
NUMBER_FIELDS = (
    "runner_number",
    "win_odds",
    "place_odds",
    "fixed_win_odds",
    "fixed_place_odds",
    "pool_win_odds",
    "pool_place_odds",
    "hold_percentage",
    "bet_percentage",
)


def _runners(samples_dir: Path, race_id: str) -> list[dict[str, Any]]:
    runners: list[dict[str, Any]] = read_sample(samples_dir, SAMPLES[race_id])["data"]["runners"]
    return sorted(runners, key=lambda runner: runner["runner_number"])


def _holds(samples_dir: Path, race_id: str) -> dict[str, Decimal]:
    """The money tracker's hold percentage per entrant: the sum of its rows (the rows are pieces
    of one distribution)."""
    body = read_sample(samples_dir, SAMPLES[race_id])
    holds: dict[str, Decimal] = defaultdict(Decimal)
    for row in body["data"]["money_tracker"]["entrants"]:
        holds[row["entrant_id"]] += Decimal(str(row["hold_percentage"]))
    return holds


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_the_field_is_the_samples_runners_in_number_order_with_their_latest_prices(
    samples_api: httpx.Client, samples_dir: Path, race_id: str
) -> None:
    response = samples_api.get("/api/entrants", params={"raceId": race_id})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    runners = _runners(samples_dir, race_id)
    holds = _holds(samples_dir, race_id)
    assert [e["runner_number"] for e in body] == [r["runner_number"] for r in runners]
    for entrant, runner in zip(body, runners, strict=True):
        odds = runner["odds"]
        assert entrant["entrant_id"] == runner["entrant_id"] and entrant["race_id"] == race_id
        assert entrant["name"] == runner["name"]
        assert entrant["barrier"] == runner["barrier"]
        assert entrant["is_scratched"] is bool(runner.get("is_scratched", False))
        assert entrant["is_late_scratched"] is bool(runner.get("is_late_scratched", False))
        assert entrant["jockey"] == runner["jockey"]
        assert entrant["trainer_name"] == runner["trainer_name"]
        assert entrant["silk_colours"] == runner["silk_colours"]
        assert entrant["silk_url_64"] == runner["silk_url_64x64"]
        assert entrant["silk_url_128"] == runner["silk_url_128x128"]
        assert entrant["silk_url"] == runner["silk_url_64x64"]
        assert entrant["win_odds"] == odds["fixed_win"] == entrant["fixed_win_odds"]
        assert entrant["place_odds"] == odds["fixed_place"] == entrant["fixed_place_odds"]
        assert entrant["pool_win_odds"] == odds["pool_win"]
        assert entrant["pool_place_odds"] == odds["pool_place"]
        assert Decimal(str(entrant["hold_percentage"])) == holds[runner["entrant_id"]]
        assert 0 <= entrant["hold_percentage"] <= 100
        assert entrant["odds_history"] == [] and entrant["money_flow_history"] == []
        for field in NUMBER_FIELDS:
            assert _is_number(entrant[field]), (field, entrant[field])


def test_the_shares_add_up_to_the_money_trackers_for_the_field(
    samples_api: httpx.Client, samples_dir: Path
) -> None:
    body = samples_api.get("/api/entrants", params={"raceId": RACE}).json()
    holds = _holds(samples_dir, RACE)
    expected = sum(holds[entrant["entrant_id"]] for entrant in body)
    assert Decimal(str(sum(entrant["hold_percentage"] for entrant in body))) == expected > 50


def test_both_prefixes_and_both_spellings_answer_the_same(samples_api: httpx.Client) -> None:
    bodies = [
        samples_api.get(path, params={key: RACE}).json()
        for path in ("/api/entrants", "/entrants")
        for key in ("raceId", "race_id")
    ]
    assert len(bodies[0]) == 8
    assert all(body == bodies[0] for body in bodies)


@pytest.mark.parametrize(
    "params", [{}, {"raceId": "not-a-uuid"}, {"race_id": "123"}, {"raceId": ""}]
)
def test_a_missing_or_bad_race_id_is_a_400(
    samples_api: httpx.Client, params: dict[str, str]
) -> None:
    response = samples_api.get("/api/entrants", params=params)
    assert response.status_code == 400
    assert "race_id" in response.json()["error"]


def test_an_unknown_race_is_a_404(samples_api: httpx.Client) -> None:
    unknown = str(uuid.uuid4())
    response = samples_api.get("/api/entrants", params={"raceId": unknown})
    assert response.status_code == 404
    assert response.json() == {"error": f"race {unknown} not found"}


def test_a_race_without_a_stored_field_is_an_empty_list(
    samples_api: httpx.Client, samples_database: str
) -> None:
    with psycopg.connect(samples_database) as conn:
        row = conn.execute(
            "select race_id from races r where not exists "
            "(select from entrants e where e.race_id = r.race_id) limit 1"
        ).fetchone()
    assert row is not None, "the meetings list should bring races without runners"
    response = samples_api.get("/api/entrants", params={"raceId": str(row[0])})
    assert response.status_code == 200 and response.json() == []


def test_a_generated_field_has_prices_and_shares_for_its_runners(
    generated_api: httpx.Client, generated_database: str
) -> None:
    with psycopg.connect(generated_database) as conn:
        race_id, runners = conn.execute(
            "select race_id, count(*) from entrants group by race_id order by 2 desc limit 1"
        ).fetchone() or (None, 0)
    body = generated_api.get("/api/entrants", params={"raceId": str(race_id)}).json()
    assert len(body) == runners > 0
    numbers = [entrant["runner_number"] for entrant in body]
    assert numbers == sorted(numbers)
    running = [entrant for entrant in body if not entrant["is_scratched"]]
    assert running and all(_is_number(entrant["win_odds"]) for entrant in running)
    assert all(0 <= entrant["hold_percentage"] <= 100 for entrant in running)


# --- values the newest payload lacked come from the history tables -----------------------


def test_a_price_or_share_the_newest_payload_lacked_is_the_latest_observed(
    database_url: str, samples_dir: Path
) -> None:
    assert main(["ingest", str(samples_dir / SAMPLES[RACE]), "--database-url", database_url]) == 0
    runner = _runners(samples_dir, RACE)[3]  # Ruji
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "update entrants set fixed_win_odds = null, fixed_place_odds = null,"
            " pool_win_odds = null, hold_percentage = null where entrant_id = %s",
            [runner["entrant_id"]],
        )
    with api_client(database_url) as api:
        body = api.get("/api/entrants", params={"raceId": RACE}).json()
    entrant = next(e for e in body if e["entrant_id"] == runner["entrant_id"])
    assert entrant["win_odds"] == runner["odds"]["fixed_win"]
    assert entrant["place_odds"] == runner["odds"]["fixed_place"]
    assert entrant["pool_win_odds"] == runner["odds"]["pool_win"]
    expected_hold = _holds(samples_dir, RACE)[runner["entrant_id"]]
    assert Decimal(str(entrant["hold_percentage"])) == expected_hold > 0


# --- the history query's plan -------------------------------------------------------------


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [node]
    for child in node.get("Plans", []):
        nodes.extend(_plan_nodes(child))
    return nodes


def _history_plan(database_url: str, race_id: str) -> tuple[list[dict[str, Any]], set[str]]:
    """The plan nodes of LATEST_OBSERVED_SQL for the race's entrants, and the window's racing
    days."""
    with psycopg.connect(database_url) as conn:
        start_time, entrant_ids = conn.execute(
            "select r.start_time, array_agg(e.entrant_id) from races r"
            " join entrants e on e.race_id = r.race_id where r.race_id = %s group by 1",
            [race_id],
        ).fetchone() or (None, None)
        assert isinstance(start_time, datetime) and entrant_ids
        observed_from, observed_until = observation_window(start_time)
        params = {
            "entrant_ids": entrant_ids,
            "observed_from": observed_from,
            "observed_until": observed_until,
        }
        row = conn.execute("explain (format json) " + LATEST_OBSERVED_SQL, params).fetchone()
    assert row is not None
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    days = days_between(racing_day_of(observed_from), racing_day_of(observed_until))
    return _plan_nodes(plan[0]["Plan"]), {day.isoformat() for day in days}


def _partition_scans(nodes: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(parent, day, node type) of every plan node that reads a history partition."""
    scans = []
    for node in nodes:
        parsed = parse_partition_name(node.get("Relation Name", ""))
        if parsed and parsed[0] in HISTORY_PARENTS:
            scans.append((parsed[0], parsed[1].isoformat(), node["Node Type"]))
    return scans


def _partitions(database_url: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " where i.inhparent in ('odds_history'::regclass, 'money_flow_history'::regclass)"
        ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.parametrize("race_id", [RACE, OTHER_RACE])
def test_the_history_query_reads_only_the_partitions_of_the_races_days_by_index(
    samples_database: str, race_id: str
) -> None:
    nodes, days = _history_plan(samples_database, race_id)
    scans = _partition_scans(nodes)
    assert {parent for parent, _, _ in scans} == set(HISTORY_PARENTS)
    assert {day for _, day, _ in scans} <= days, (scans, days)
    per_parent = defaultdict(set)
    for parent, day, _ in scans:
        per_parent[parent].add(day)
    assert all(len(scanned) <= len(days) for scanned in per_parent.values())
    # Every partition is read through an index, never scanned whole.
    assert {kind for _, _, kind in scans} <= {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
    bitmap = [n for n in nodes if n["Node Type"] == "Bitmap Heap Scan"]
    assert all(n["Plans"][0]["Node Type"] == "Bitmap Index Scan" for n in bitmap)
    # The other sample's day and the maintained runway exist and are pruned.
    existing = _partitions(samples_database)
    scanned = {f"{parent}_{day.replace('-', '_')}" for parent, day, _ in scans}
    assert len(existing - scanned) >= 2 * 10, existing


def test_the_history_query_of_a_generated_race_stays_on_its_days(
    generated_database: str,
) -> None:
    with psycopg.connect(generated_database) as conn:
        row = conn.execute("select race_id from races order by start_time limit 1").fetchone()
    assert row is not None
    nodes, days = _history_plan(generated_database, str(row[0]))
    scans = _partition_scans(nodes)
    assert scans and {day for _, day, _ in scans} <= days
    assert all(kind != "Seq Scan" for _, _, kind in scans)


def test_openapi_documents_the_three_resources(samples_api: httpx.Client) -> None:
    spec = samples_api.get("/openapi.json").json()
    for path in ("/api/entrants", "/api/race-pools", "/api/race-results"):
        assert set(spec["paths"][path]["get"]["responses"]) >= {"200", "400", "404"}
    entrant = spec["components"]["schemas"]["Entrant"]["properties"]
    assert {"type": "number"} in entrant["win_odds"]["anyOf"]
    pools = spec["components"]["schemas"]["RacePools"]["properties"]
    assert pools["total_race_pool"]["type"] == "integer"
