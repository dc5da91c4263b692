"""The COPY backfill stores exactly what the per-race path stores, poll by poll.

Generated (synthetic) racing days: prices move between polls, pools grow, money shares drift.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from raceday.config import load_settings
from raceday.db import connect
from raceday.demo import generate_day
from raceday.ingest import backfill, plan_history
from raceday.ingest.rows import RaceBatch
from raceday.ingest.transform import race_batches
from raceday.ingest.writer import write_race
from raceday.partitions import ensure_days_for

DAY = date(2026, 4, 5)  # NZ daylight saving ends: a 25-hour racing day

STATE = {
    "odds_history": "select entrant_id, event_timestamp, type, odds from odds_history order by 1, 2, 3",
    "money_flow_history": (
        "select entrant_id, race_id, event_timestamp, hold_percentage, bet_percentage,"
        " win_pool_amount, place_pool_amount, incremental_win_amount, incremental_place_amount,"
        " time_to_start, time_interval, interval_type from money_flow_history order by 1, 3"
    ),
    # Not api_generated_time: one by one it is the poll that last changed the row, while the
    # backfill writes each race's state once, from its newest poll.
    "entrants": (
        "select entrant_id, fixed_win_odds, pool_win_odds, hold_percentage, is_scratched"
        " from entrants order by 1"
    ),
    "races": "select race_id, status, api_generated_time, last_polled_at from races order by 1",
    "race_dividends": "select race_id, product_name, description, dividend, status from race_dividends order by 1, 2, 3",
}


@pytest.fixture(scope="module")
def batches() -> list[RaceBatch]:
    day = generate_day(DAY, seed=7, meetings=2, races_per_meeting=3, runners=8, polls_per_race=8)
    return race_batches(body for race in day.races for body in race.polls)


def _prepare(url: str, batches: list[RaceBatch]) -> None:
    with connect(url) as conn:
        result = ensure_days_for(
            conn, load_settings(database_url=url), [b.observed_at for b in batches]
        )
    assert result.refused == {}


def _state(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with connect(url, autocommit=True) as conn:
        return {name: conn.execute(query).fetchall() for name, query in STATE.items()}


def _one_by_one(url: str, batches: list[RaceBatch]) -> None:
    with connect(url, autocommit=True) as conn:
        for batch in batches:
            write_race(conn, batch)


def test_backfill_equals_polls_written_one_by_one(
    database_url: str, second_database_url: str, batches: list[RaceBatch]
) -> None:
    for url in (database_url, second_database_url):
        _prepare(url, batches)
    _one_by_one(database_url, batches)
    with connect(second_database_url, autocommit=True) as conn:
        counts = backfill(conn, batches).rows
    expected = _state(database_url)
    assert counts["odds_history"] == len(expected["odds_history"])
    # The generator really moves prices: fewer rows than prices seen, more than one poll's worth.
    seen = sum(len(b.odds) for b in batches)
    assert len(batches[0].odds) < counts["odds_history"] < seen
    assert _state(second_database_url) == expected


def test_backfill_after_live_polls_and_in_chunks_and_replayed_adds_only_what_is_missing(
    database_url: str, second_database_url: str, batches: list[RaceBatch]
) -> None:
    for url in (database_url, second_database_url):
        _prepare(url, batches)
    _one_by_one(database_url, batches)
    # The first quarter was stored live; the rest of the archive comes in two chunks, in time
    # order, and then the whole archive once more.
    quarter, half = len(batches) // 4, len(batches) // 2
    _one_by_one(second_database_url, batches[:quarter])
    with connect(second_database_url, autocommit=True) as conn:
        backfill(conn, batches[quarter:half])
        backfill(conn, batches[half:])
        again = backfill(conn, batches).rows
    assert again["odds_history"] == again["money_flow_history"] == 0
    assert _state(second_database_url) == _state(database_url)


def test_a_failed_backfill_leaves_no_history(database_url: str, batches: list[RaceBatch]) -> None:
    # No partitions: the COPY fails, and the whole chunk is rolled back.
    with connect(database_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            backfill(conn, batches)
        assert conn.execute("select count(*) from races").fetchone() == (0,)


def test_plan_skips_stored_keys_and_unchanged_prices(batches: list[RaceBatch]) -> None:
    first = batches[0]
    odds, money, deletes, updates = plan_history([first, first])  # the same poll twice: a replay
    assert deletes == [] and updates == []
    assert len(odds) == len(first.odds) and len(money) == len(first.money)
    assert all(
        row.incremental_win_amount is None for row in money
    )  # no previous observation, no increment


def test_backfilling_an_archive_older_than_live_polls_gives_the_same_history(
    database_url: str, second_database_url: str, batches: list[RaceBatch]
) -> None:
    # The second half was polled live; the older first half arrives later as an archive. The
    # stored rows just after the archive must be re-decided, as the per-race path does.
    for url in (database_url, second_database_url):
        _prepare(url, batches)
    _one_by_one(database_url, batches)
    half = len(batches) // 2
    _one_by_one(second_database_url, batches[half:])
    with connect(second_database_url, autocommit=True) as conn:
        counts = backfill(conn, batches[:half]).rows
    assert counts["money_flow_history (repriced)"] > 0
    mine, expected = _state(second_database_url), _state(database_url)
    assert mine["odds_history"] == expected["odds_history"]
    assert mine["money_flow_history"] == expected["money_flow_history"]


def test_a_chunk_whose_state_is_refused_leaves_no_history_either(
    database_url: str, batches: list[RaceBatch]
) -> None:
    # A test-only trigger refuses dividends: the history COPY went through, the state of a race
    # failed afterwards, and the whole chunk must be gone.
    _prepare(database_url, batches)
    with connect(database_url, autocommit=True) as conn:
        conn.execute(
            """create function test_refuse() returns trigger language plpgsql as $$
               begin raise exception 'test refuses dividends' using errcode = '23514'; end $$;
               create trigger test_refuse before insert on race_dividends
                   for each row execute function test_refuse()"""
        )
        with pytest.raises(psycopg.errors.CheckViolation, match="test refuses dividends"):
            backfill(conn, batches)
        for table in ("odds_history", "money_flow_history", "races", "entrants"):
            assert conn.execute(f"select count(*) from {table}").fetchone() == (0,), table
