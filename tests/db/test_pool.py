"""Connections and pools as the library wants them, one home per rule, and the write path shared
by many threads through one pool."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from raceday.config import load_settings
from raceday.db import borrow, connect, open_async_pool, open_pool
from raceday.db.locks import LockSpace
from raceday.demo import generate_day
from raceday.errors import DatabaseError
from raceday.ingest import Ingestor, IngestStatus
from raceday.ingest.tables import MONEY_FLOW_HISTORY, ODDS_HISTORY, Table
from raceday.nztab.payloads import parse_payload


def test_pooled_connections_are_autocommit_utc_and_named(database_url: str) -> None:
    with (
        open_pool(database_url, name="raceday-test-pool", max_size=2) as pool,
        borrow(pool) as conn,
    ):
        assert conn.autocommit
        assert conn.execute("show timezone").fetchone() == ("UTC",)
        assert conn.execute("show application_name").fetchone() == ("raceday-test-pool",)


def test_pools_are_built_from_settings_sync_and_async(database_url: str) -> None:
    settings = load_settings(database_url=database_url)
    with open_pool(settings, name="raceday-test-pool") as pool, borrow(pool) as conn:
        assert conn.execute("select current_database()").fetchone() == (
            conninfo_to_dict(database_url)["dbname"],
        )

    async def ask() -> tuple[Any, ...] | None:
        pool = await open_async_pool(settings, name="raceday-test-async")
        async with pool, pool.connection() as conn:
            assert conn.autocommit
            cur = await conn.execute("show timezone")
            return await cur.fetchone()

    assert asyncio.run(ask()) == ("UTC",)


def test_borrow_refuses_a_connection_the_library_cannot_use(database_url: str) -> None:
    with (
        connect(database_url, autocommit=False) as plain,
        pytest.raises(DatabaseError, match="autocommit"),
        borrow(plain),
    ):
        pass
    with (
        connect(database_url) as conn,
        conn.transaction(),
        pytest.raises(DatabaseError, match="inside a transaction"),
        borrow(conn),
    ):
        pass


def test_an_unreachable_server_is_a_clear_error() -> None:
    # Port 9 on loopback: nothing listens, so every try is refused at once.
    with pytest.raises(
        DatabaseError, match=r"cannot connect to postgresql://nobody@127\.0\.0\.1:9"
    ):
        open_pool("postgresql://nobody@127.0.0.1:9/none", timeout_s=1)


def test_one_ingestor_on_a_pool_serves_many_threads(database_url: str) -> None:
    day = generate_day(date(2026, 12, 3), meetings=1, races_per_meeting=4, polls_per_race=3)
    settings = load_settings(database_url=database_url)
    with open_pool(database_url, name="raceday-test-pool", max_size=4) as pool:
        ingestor = Ingestor(pool, settings)
        assert ingestor.ingest(parse_payload(day.meetings_body)).ok
        outcomes: list[Any] = []
        start = threading.Barrier(len(day.races))

        def poll_race(index: int) -> None:
            start.wait(timeout=30)
            for body in day.races[index].polls:
                outcomes.append(ingestor.ingest(parse_payload(body), source=f"thread {index}"))

        threads = [threading.Thread(target=poll_race, args=(i,)) for i in range(len(day.races))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert [o.status for o in outcomes] == [IngestStatus.OK] * (4 * 3)
        with borrow(pool) as conn:
            row = conn.execute("select count(distinct race_id) from money_flow_history").fetchone()
        assert row == (4,)


@pytest.mark.parametrize("table", [ODDS_HISTORY, MONEY_FLOW_HISTORY], ids=lambda t: t.name)
def test_each_history_row_type_is_its_tables_columns(
    db: psycopg.Connection[Any], table: Table
) -> None:
    stored = dict(
        db.execute(
            """select a.attname, format_type(a.atttypid, null) from pg_attribute a
                where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped""",
            (table.name,),
        ).fetchall()
    )
    stored.pop("created_at")  # filled by the database
    aliases = {"int4": "integer", "bool": "boolean", "timestamptz": "timestamp with time zone"}
    assert dict(zip(table.columns, (aliases.get(t, t) for t in table.types), strict=True)) == stored


def test_the_partition_function_takes_the_registered_lock(db: psycopg.Connection[Any]) -> None:
    row = db.execute(
        "select pg_get_functiondef('create_daily_partition(text, date)'::regprocedure)"
    ).fetchone()
    assert row is not None
    assert f"pg_advisory_xact_lock({int(LockSpace.PARTITION_DAY)}," in row[0]
