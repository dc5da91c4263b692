"""The timeline's page query as PostgreSQL plans it: only the partitions of the race's racing days
(pruned when planned, from the bounds the endpoint computes) and an index on them.

The very statement the endpoint runs (`TIMELINE_SQL`), with the parameters it would pass
(`page_parameters` over a `RACE_SQL` row), unprepared as the endpoint sends it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row

from raceday.api.resources.timeline import RACE_SQL, TIMELINE_SQL, page_parameters
from raceday.partitions.naming import partition_name
from tests.fixtures.api import GENERATED_DAY

SAMPLE_RACE = UUID("0f57e087-00d9-4c61-9549-835abe2ae2ed")
SAMPLE_DAY = date(2025, 7, 17)
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _plan(url: str, race_id: UUID, *, entrants: bool, seqscan: bool = True) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("ANALYZE money_flow_history")
        race = conn.execute(RACE_SQL, {"race_id": race_id}, prepare=False).fetchone()
        assert race is not None
        asked = None
        if entrants:  # as the client asks: every entrant of the race, listed
            rows = conn.execute(
                "SELECT entrant_id FROM entrants WHERE race_id = %s", (race_id,)
            ).fetchall()
            asked = [r["entrant_id"] for r in rows]
        params = page_parameters(
            race_id, race, entrants=asked, after=None, since=None, pool_type="win", limit=200
        )
        if not seqscan:
            conn.execute("SET enable_seqscan = off")
        explained = conn.execute(
            "EXPLAIN (FORMAT JSON) " + TIMELINE_SQL, params, prepare=False
        ).fetchone()
    assert explained is not None
    return list(_nodes(explained["QUERY PLAN"][0]["Plan"]))


def _race_days(day: date) -> set[str]:
    """The partitions the race's observation window spans: the day before, the day, the day
    after."""
    return {partition_name("money_flow_history", day + timedelta(days=n)) for n in (-1, 0, 1)}


def _partitions(nodes: list[dict[str, Any]]) -> set[str]:
    return {
        n["Relation Name"]
        for n in nodes
        if n.get("Relation Name", "").startswith("money_flow_history")
    }


def _generated_race(url: str) -> UUID:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT race_id FROM money_flow_history GROUP BY race_id ORDER BY race_id LIMIT 1"
        ).fetchone()
    assert row is not None
    return UUID(str(row[0]))


@pytest.mark.parametrize("entrants", [False, True], ids=["all-entrants", "listed-entrants"])
def test_only_the_race_days_partitions_are_planned(
    samples_database: str, generated_database: str, entrants: bool
) -> None:
    cases = [
        (samples_database, SAMPLE_RACE, SAMPLE_DAY),
        (generated_database, _generated_race(generated_database), GENERATED_DAY),
    ]
    for url, race_id, day in cases:
        with psycopg.connect(url, autocommit=True) as conn:
            existing = {
                r[0]
                for r in conn.execute(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = 'money_flow_history'::regclass"
                ).fetchall()
            }
        # The database has other days (the service's runway) that the plan must leave out.
        assert len(existing - _race_days(day)) >= 5
        planned = _partitions(_plan(url, race_id, entrants=entrants))
        assert planned, "the plan reads no partition of money_flow_history"
        assert planned <= _race_days(day) & existing, planned
        assert partition_name("money_flow_history", day) in planned


@pytest.mark.parametrize("entrants", [False, True], ids=["all-entrants", "listed-entrants"])
def test_the_race_days_partitions_are_read_through_an_index(
    samples_database: str, generated_database: str, entrants: bool
) -> None:
    # The generated day (3,240 rows, 180 of the race) is planned as it is. The samples' partition
    # holds 15 rows, where a sequential scan is the right plan even after ANALYZE: there the
    # assertion is that an index serves the query's predicates (race_id / entrant_id and the
    # event_timestamp bounds) once sequential scans are discouraged (enable_seqscan = off).
    cases = [
        (generated_database, _generated_race(generated_database), GENERATED_DAY, True),
        (samples_database, SAMPLE_RACE, SAMPLE_DAY, False),
    ]
    for url, race_id, day, seqscan in cases:
        nodes = _plan(url, race_id, entrants=entrants, seqscan=seqscan)
        scans = [n for n in nodes if n["Node Type"] in INDEX_SCANS]
        assert scans, [n["Node Type"] for n in nodes]
        partitions = _race_days(day)
        for scan in scans:
            index = scan["Index Name"]
            assert any(index.startswith(p) for p in partitions), index
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan"]
        assert _partitions(nodes) <= partitions
