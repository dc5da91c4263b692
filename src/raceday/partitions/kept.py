"""I/O: the racing days retention must leave alone (partition_kept_days, migration 0005).

A day is kept when it was created for rows older than the live window (a backfill, an ingest of
old files) or asked for with `raceday partitions ensure`: such rows are older than the retention
period the moment they land, and only an explicit `raceday partitions retire` may drop them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import psycopg

__all__ = ["KEPT_FOR_ENSURE", "KEPT_FOR_OLD_ROWS", "keep_days", "read_kept_days", "release_days"]

KEPT_FOR_OLD_ROWS = "created for rows older than the live window (ingest or backfill)"
KEPT_FOR_ENSURE = "asked for with `raceday partitions ensure`"


def read_kept_days(conn: psycopg.Connection[Any]) -> dict[date, str]:
    """Every kept day with the reason it is kept."""
    rows = conn.execute("select racing_day, reason from partition_kept_days").fetchall()
    return {day: reason for day, reason in rows}


def keep_days(conn: psycopg.Connection[Any], days: Iterable[date], reason: str) -> list[date]:
    """Mark `days` kept (a day already kept keeps its first reason); returns the newly kept."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    rows = conn.execute(
        """insert into partition_kept_days (racing_day, reason)
           select unnest(%s::date[]), %s
           on conflict (racing_day) do nothing
           returning racing_day""",
        (wanted, reason),
    ).fetchall()
    return sorted(row[0] for row in rows)


def release_days(conn: psycopg.Connection[Any], days: Iterable[date]) -> None:
    """Forget that `days` are kept (after they were retired on request)."""
    conn.execute(
        "delete from partition_kept_days where racing_day = any(%s::date[])", (sorted(set(days)),)
    )
