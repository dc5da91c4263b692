"""The write path's safety net: no row is lost when maintenance stops, absurd rows are quarantined."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from raceday.clock import FixedClock
from raceday.config import Settings, load_settings
from raceday.db import connect
from raceday.partitions import (
    EnsureResult,
    QuarantineEntry,
    ensure_days_for,
    partition_name,
    quarantine,
    run_maintenance,
)
from raceday.racing_day import racing_day_of

NO_SLEEP = lambda _s: None  # noqa: E731 - backoff is not what these tests measure


def _settings(url: str, **overrides: object) -> Settings:
    return load_settings(database_url=url, **overrides)


def _ensure(url: str, settings: Settings, instants: list[datetime], **options: Any) -> EnsureResult:
    """The write path's ensure, on a connection of its own (outside any race transaction)."""
    with connect(url, application_name="raceday-ensure") as conn:
        return ensure_days_for(conn, settings, instants, **options)


def _insert_odds(conn: psycopg.Connection, instants: list[datetime]) -> int:
    with conn.cursor() as cur:
        cur.executemany(
            "insert into odds_history (entrant_id, event_timestamp, type, odds) values (%s, %s, 'fixed_win', 3.5)",
            [(uuid.uuid4(), instant) for instant in instants],
        )
    return len(instants)


def test_seventy_two_hours_without_maintenance_lose_no_row(database_url: str) -> None:
    # A short runway and no maintenance for three days: only the write path creates days.
    settings = _settings(database_url, partition_days_ahead=1)
    clock = FixedClock(datetime(2026, 9, 25, 11, 0, tzinfo=UTC))  # spans the 2026-09-27 DST start
    with connect(database_url) as conn:
        first = run_maintenance(conn, settings, clock=clock, sleep=NO_SLEEP)
    assert first.status == "ok"
    written = failed = 0
    with connect(database_url, autocommit=True) as conn:
        for _hour in range(72):
            clock.advance(timedelta(hours=1))
            batch = [clock.now() + timedelta(minutes=m) for m in (0, 15, 30, 45, 59)]
            ready = _ensure(database_url, settings, batch, clock=clock, sleep=NO_SLEEP)
            assert ready.refused == {}
            try:
                written += _insert_odds(conn, batch)
            except psycopg.Error:
                failed += 1
        stored = conn.execute("select count(*) from odds_history").fetchone()
        days = conn.execute(
            "select count(*) from pg_inherits where inhparent = 'odds_history'::regclass"
        ).fetchone()
    assert failed == 0
    assert stored == (written,) and written == 72 * 5
    # The write path really had to create days: the first run only made yesterday..tomorrow.
    assert days is not None and days[0] > 3


def test_rows_without_a_partition_fail_and_ensure_fixes_that(database_url: str) -> None:
    settings = _settings(database_url)
    instant = datetime(
        2025, 7, 17, 11, 16, 59, 189042, tzinfo=UTC
    )  # a real sample's generated_time
    with connect(database_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            _insert_odds(conn, [instant])
        result = _ensure(
            database_url,
            settings,
            [instant],
            clock=FixedClock(datetime(2025, 7, 17, 12, tzinfo=UTC)),
            sleep=NO_SLEEP,
        )
        assert result.ready_days == {date(2025, 7, 17)}
        assert set(result.created) == {
            partition_name("odds_history", date(2025, 7, 17)),
            partition_name("money_flow_history", date(2025, 7, 17)),
        }
        assert _insert_odds(conn, [instant]) == 1
        # Asking again creates nothing: the days exist.
        again = _ensure(
            database_url,
            settings,
            [instant],
            clock=FixedClock(datetime(2025, 7, 17, 12, tzinfo=UTC)),
            sleep=NO_SLEEP,
        )
        assert again.created == () and again.refused == {}


def test_absurd_timestamps_are_refused_with_a_reason_and_quarantined(database_url: str) -> None:
    settings = _settings(database_url)
    now = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    good = now - timedelta(hours=1)
    too_old = datetime(1999, 12, 31, 23, 59, tzinfo=UTC)
    too_new = now + timedelta(days=31)
    result = _ensure(
        database_url, settings, [good, too_old, too_new], clock=FixedClock(now), sleep=NO_SLEEP
    )
    assert result.ready_days == {racing_day_of(good)}
    assert set(result.refused) == {1, 2}
    assert "RACEDAY_HISTORY_EARLIEST" in result.refused[1]
    assert "RACEDAY_HISTORY_MAX_AHEAD_DAYS" in result.refused[2]
    with connect(database_url, autocommit=True) as conn:
        with conn.transaction():
            kept = quarantine(
                conn,
                [
                    QuarantineEntry(
                        "odds_history",
                        {"entrant_id": str(uuid.uuid4()), "odds": 2.5},
                        result.refused[i],
                        instant,
                        source="race 0f57e087",
                    )
                    for i, instant in ((1, too_old), (2, too_new))
                ],
            )
        assert kept == 2
        rows = conn.execute(
            "select parent_table, event_timestamp, reason, source from partition_quarantine order by event_timestamp"
        ).fetchall()
        # Nothing was created for the absurd days.
        made = conn.execute(
            "select count(*) from pg_class where relname in (%s, %s)",
            (
                partition_name("odds_history", racing_day_of(too_old)),
                partition_name("odds_history", racing_day_of(too_new)),
            ),
        ).fetchone()
    assert [r[1] for r in rows] == [too_old, too_new]
    assert all(r[0] == "odds_history" and r[3] == "race 0f57e087" for r in rows)
    assert made == (0,)


def test_a_day_that_cannot_be_created_is_refused_not_lost(database_url: str) -> None:
    # A stray table squats on the child's name: creation must fail loudly, and the rows are refused.
    settings = _settings(database_url)
    instant = datetime(2025, 8, 20, 3, 1, 5, tzinfo=UTC)
    with connect(database_url, autocommit=True) as conn:
        conn.execute(f"create table {partition_name('odds_history', date(2025, 8, 20))} (x int)")
    result = _ensure(
        database_url,
        settings,
        [instant],
        clock=FixedClock(datetime(2025, 8, 20, 4, tzinfo=UTC)),
        sleep=NO_SLEEP,
    )
    assert 0 in result.refused
    assert "not a partition of odds_history" in result.refused[0]
    assert date(2025, 8, 20) not in result.ready_days
