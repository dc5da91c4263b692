"""`raceday bench partitions`: our partition DDL against raw CREATE TABLE … PARTITION OF, same run.

Works in a scratch database it creates and drops on the given server, so it never touches data.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from psycopg import sql

from raceday.bench.scratch import scratch_database
from raceday.bench.stats import summary
from raceday.config import Settings
from raceday.db import connect
from raceday.partitions.ddl import DdlRunner, RetryPolicy
from raceday.partitions.maintain import run_maintenance
from raceday.partitions.naming import partition_name
from raceday.racing_day import day_bounds, format_bound

__all__ = ["bench_partitions"]

PARENTS = ("money_flow_history", "odds_history")


def _raw_create(conn: Any, day: date) -> None:
    # The floor: what the earlier system did, ACCESS EXCLUSIVE on the parent and all.
    lower, upper = day_bounds(day)
    for parent in PARENTS:
        conn.execute(
            sql.SQL("create table {} partition of {} for values from ({}) to ({})").format(
                sql.Identifier(partition_name(parent, day)),
                sql.Identifier(parent),
                sql.Literal(format_bound(lower)),
                sql.Literal(format_bound(upper)),
            )
        )


def bench_partitions(server_url: str, settings: Settings, *, days: int = 40) -> dict[str, Any]:
    """Create one day (both parents) `days` times each way, a 30-days-ahead runway, retire one day."""
    with scratch_database(server_url, "bench_partitions") as url:
        with connect(url, autocommit=True) as conn:
            runner = DdlRunner(conn, RetryPolicy(lock_timeout_ms=settings.lock_timeout_ms))
            ours, floor, retire = [], [], []
            for n in range(days):
                day, floor_day = (
                    date(2030, 1, 1) + timedelta(days=n),
                    date(2032, 1, 1) + timedelta(days=n),
                )
                started = time.perf_counter()
                for parent in PARENTS:
                    outcome = runner.create(parent, day, partition_name(parent, day))
                    if outcome.status != "created":
                        raise RuntimeError(f"bench create failed: {outcome}")
                ours.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                with conn.transaction():
                    _raw_create(conn, floor_day)
                floor.append((time.perf_counter() - started) * 1000)
            for n in range(min(days, 20)):
                day = date(2030, 1, 1) + timedelta(days=n)
                started = time.perf_counter()
                for parent in PARENTS:
                    outcome = runner.retire(parent, partition_name(parent, day), keep_table=False)
                    if outcome.status != "retired":
                        raise RuntimeError(f"bench retire failed: {outcome}")
                retire.append((time.perf_counter() - started) * 1000)
            for parent in PARENTS:  # leave only the maintained tables for the 30-day run
                for (child,) in conn.execute(
                    "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
                    "where i.inhparent = %s::regclass",
                    (parent,),
                ).fetchall():
                    conn.execute(sql.SQL("drop table {}").format(sql.Identifier(child)))
        ahead = settings.model_copy(update={"partition_days_ahead": 30, "retention_days": 0})
        with connect(url, autocommit=True) as conn:
            result = run_maintenance(conn, ahead, today=date(2034, 1, 1), triggered_by="bench")
            started = time.perf_counter()
            for n in range(len(result.created) // len(PARENTS)):
                with conn.transaction():
                    _raw_create(conn, date(2036, 1, 1) + timedelta(days=n))
            floor_30 = (time.perf_counter() - started) * 1000
    report: dict[str, Any] = {
        "days": days,
        **summary("create_day_", ours),
        **summary("floor_create_day_", floor),
    }
    report["ratio_create_day_p50"] = round(
        report["create_day_p50_ms"] / report["floor_create_day_p50_ms"], 2
    )
    report.update(summary("retire_day_", retire))
    # days_ahead=30 means yesterday, today and 30 days ahead: 32 days, both parents, one run.
    report["runway_days"] = len(result.created) // len(PARENTS)
    report["create_runway_ms"] = round(result.duration_ms, 2)
    report["create_runway_status"] = result.status
    report["floor_create_runway_ms"] = round(floor_30, 2)
    report["ratio_runway"] = round(result.duration_ms / floor_30, 2)
    report["targets"] = {"create_day_ms": 50, "create_runway_ms": 1000}
    return report
