"""`raceday bench ingest`: history rows per second through the COPY backfill, against raw COPY.

Ours: `backfill_history` — lock the races, read what is stored around the polls, decide in
Python which prices changed and what the increments are, COPY the result into the partitioned
parents, commit. The floor: binary COPY of exactly the rows ours stored, into a second scratch
database with the same partitions, with the same driver, in one transaction. Rounds alternate
between the two so both see the same noise; the median round is reported.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from typing import Any

from raceday.bench.scratch import scratch_database
from raceday.config import Settings
from raceday.db import connect
from raceday.demo import generate_day
from raceday.ingest.backfill import backfill_history, copy_rows
from raceday.ingest.history_plan import plan_history
from raceday.ingest.rows import RaceBatch
from raceday.ingest.tables import MONEY_FLOW_HISTORY, ODDS_HISTORY
from raceday.ingest.transform import race_batches
from raceday.partitions import ensure_days_for

__all__ = ["bench_backfill"]

TARGET_ROWS_PER_SECOND = 150_000


def _batches(day: date, meetings: int, polls: int, seed: int) -> list[RaceBatch]:
    generated = generate_day(
        day, seed=seed, meetings=meetings, races_per_meeting=8, runners=15, polls_per_race=polls
    )
    return race_batches(body for race in generated.races for body in race.polls)


def bench_backfill(
    server_url: str,
    settings: Settings,
    *,
    meetings: int = 8,
    polls: int = 16,
    rounds: int = 3,
    seed: int = 1,
) -> dict[str, Any]:
    """Backfill `rounds` generated days both ways; report rows/s and the ratio to raw COPY."""
    days = [_batches(date(2026, 5, 1 + n), meetings, polls, seed + n) for n in range(rounds)]
    ours: list[float] = []
    floor: list[float] = []
    rows = 0
    with (
        scratch_database(server_url, "bench_backfill") as ours_url,
        scratch_database(server_url, "bench_copy") as floor_url,
        connect(ours_url, autocommit=True) as mine,
        connect(floor_url, autocommit=True) as theirs,
    ):
        for conn in (mine, theirs):
            ensure_days_for(conn, settings, [b.observed_at for day in days for b in day])
        for batches in days:
            started = time.perf_counter()
            counts = backfill_history(mine, batches).rows
            ours_s = time.perf_counter() - started
            stored = counts["odds_history"] + counts["money_flow_history"]
            plan = plan_history(batches)  # the same rows, for the floor
            odds_rows, money_rows = plan.odds_rows, plan.money_rows
            assert len(odds_rows) + len(money_rows) == stored
            started = time.perf_counter()
            with theirs.transaction():
                copy_rows(theirs, ODDS_HISTORY, odds_rows)
                copy_rows(theirs, MONEY_FLOW_HISTORY, money_rows)
            floor_s = time.perf_counter() - started
            ours.append(stored / ours_s)
            floor.append(stored / floor_s)
            rows = stored
    report: dict[str, Any] = {
        "rounds": rounds,
        "polls_per_round": len(days[0]),
        "rows_per_round": rows,
        "rows_per_s": round(statistics.median(ours)),
        "floor_rows_per_s": round(statistics.median(floor)),
    }
    report["ratio"] = round(report["floor_rows_per_s"] / report["rows_per_s"], 2)
    report["target_rows_per_s"] = TARGET_ROWS_PER_SECOND
    return report
