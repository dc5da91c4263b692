"""`raceday bench write`: one race per transaction through the writer, against a minimal floor.

The races are generated (15 runners, every table touched, prices moving between polls) and
replayed in time order, as the poller would write them. Each poll is written three times, into
three scratch databases on the same server, interleaved so all see the same noise:

- ours: `write_race` — race lock, newer-wins upserts that skip unchanged rows, odds stored only
  on change, increments against the previous stored observation;
- the floor: the same rows — the current-state rows of the poll and exactly the history rows
  ours stores (found by the backfill planner, checked against ours by count) — written by
  hand-written multi-row `INSERT … ON CONFLICT DO UPDATE` (DO NOTHING for history) with the
  same driver, pipelined, in one transaction. It compares and decides nothing.
- a naive floor, reported beside it: the same but storing every price of every poll, as a
  writer without change detection would.

Transform (payload → rows) is timed separately; both sides get the same rows.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

import psycopg

from raceday.bench.scratch import scratch_database
from raceday.bench.stats import summary
from raceday.config import Settings
from raceday.db.target import connect
from raceday.demo import generate_day
from raceday.ingest.backfill import MONEY_COLUMNS, ODDS_COLUMNS, plan_history
from raceday.ingest.rows import RaceBatch
from raceday.ingest.transform import race_batch
from raceday.ingest.writer import write_race
from raceday.nztab.models import RaceEvent
from raceday.nztab.payloads import parse_payload
from raceday.partitions import ensure_days_for

__all__ = ["bench_write", "floor_statements"]

BENCH_DAY = date(2026, 3, 14)


def _floor_upsert(
    table: str, rows: Sequence[NamedTuple], key: str, *, update: bool
) -> tuple[str, list[Any]]:
    columns: tuple[str, ...] = rows[0]._fields
    values = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
    query = f"insert into {table} ({', '.join(columns)}) values {values} on conflict ({key}) do "
    if update:
        query += "update set " + ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    else:
        query += "nothing"
    return query, [value for row in rows for value in row]


def floor_statements(
    batch: RaceBatch, odds_rows: Sequence[tuple[Any, ...]], money_rows: Sequence[tuple[Any, ...]]
) -> list[tuple[str, list[Any]]]:
    """The floor's statements for one race: the given rows written, nothing compared or decided."""
    out = [
        _floor_upsert("meetings", [batch.meeting], "meeting_id", update=False),
        _floor_upsert("races", [batch.race], "race_id", update=True),
        _floor_upsert("entrants", batch.entrants, "entrant_id", update=True),
    ]
    if batch.pools:
        out.append(
            _floor_upsert(
                "race_pools", batch.pools, "race_id, product_type, leg_race_numbers", update=True
            )
        )
    if batch.result:
        out.append(_floor_upsert("race_results", [batch.result], "race_id", update=True))
        if batch.positions:
            out.append(
                _floor_upsert("race_result_positions", batch.positions, "entrant_id", update=True)
            )
        if batch.dividends:
            out.append(
                _floor_upsert(
                    "race_dividends",
                    batch.dividends,
                    "race_id, tote, product_name, description",
                    update=True,
                )
            )
    for table, columns, rows in (
        ("odds_history", ODDS_COLUMNS, odds_rows),
        ("money_flow_history", MONEY_COLUMNS, money_rows),
    ):
        if rows:
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
            out.append(
                (
                    f"insert into {table} ({', '.join(columns)}) values {values} on conflict do nothing",
                    [v for row in rows for v in row],
                )
            )
    return out


def _all_rows(batch: RaceBatch) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every price of the poll and money rows without increments: the naive floor's history."""
    ts, t = batch.observed_at, batch.timing
    odds = [(o.entrant_id, ts, o.type, o.odds) for o in batch.odds]
    money = [
        (m.entrant_id, batch.race_id, ts, m.hold_percentage, m.bet_percentage, m.win_pool_amount,
         m.place_pool_amount, None, None, t.time_to_start, t.time_interval, t.interval_type,
         m.fixed_win_odds, m.fixed_place_odds, m.pool_win_odds, m.pool_place_odds)
        for m in batch.money
    ]  # fmt: skip
    return odds, money


def _write_floor(conn: psycopg.Connection, statements: list[tuple[str, list[Any]]]) -> None:
    with conn.transaction(), conn.pipeline():
        for query, params in statements:
            conn.execute(query, params)


def _same_rows(
    batches: Sequence[RaceBatch],
) -> dict[tuple[UUID, datetime], tuple[list[Any], list[Any]]]:
    """The history rows the writer stores, per (race, poll): what the strict floor writes."""
    plan = plan_history(batches)
    odds_rows, money_rows = plan.odds_rows, plan.money_rows
    race_of = {e.entrant_id: b.race_id for b in batches for e in b.entrants}
    grouped: dict[tuple[UUID, datetime], tuple[list[Any], list[Any]]] = defaultdict(
        lambda: ([], [])
    )
    for row in odds_rows:
        grouped[(race_of[row[0]], row[1])][0].append(row)
    for row in money_rows:
        grouped[(row[1], row[2])][1].append(row)
    return grouped


def _batches(
    meetings: int, races_per_meeting: int, polls: int, seed: int
) -> tuple[list[RaceBatch], list[float]]:
    day = generate_day(
        BENCH_DAY,
        seed=seed,
        meetings=meetings,
        races_per_meeting=races_per_meeting,
        runners=15,
        polls_per_race=polls,
    )
    bodies = [body for race in day.races for body in race.polls]
    transform_ms: list[float] = []
    batches: list[RaceBatch] = []
    for body in bodies:
        started = time.perf_counter()
        payload = parse_payload(body)
        assert isinstance(payload, RaceEvent)
        batches.append(race_batch(payload))
        transform_ms.append((time.perf_counter() - started) * 1000)
    batches.sort(key=lambda b: (b.observed_at, str(b.race_id)))  # the poller's order
    return batches, transform_ms


def bench_write(
    server_url: str,
    settings: Settings,
    *,
    meetings: int = 25,
    races_per_meeting: int = 8,
    polls: int = 8,
    seed: int = 1,
) -> dict[str, Any]:
    """Write every poll of a generated day both ways; report latencies per race transaction."""
    batches, transform_ms = _batches(meetings, races_per_meeting, polls, seed)
    instants = sorted({b.observed_at for b in batches})
    same_rows = _same_rows(batches)
    ours: list[float] = []
    floor: list[float] = []
    naive: list[float] = []
    with (
        scratch_database(server_url, "bench_write") as ours_url,
        scratch_database(server_url, "bench_floor") as floor_url,
        scratch_database(server_url, "bench_naive") as naive_url,
    ):
        for url in (ours_url, floor_url, naive_url):
            refused = ensure_days_for(url, settings, instants).refused
            if refused:
                raise RuntimeError(f"bench days refused: {sorted(set(refused.values()))}")
        with (
            connect(ours_url, autocommit=True) as mine,
            connect(floor_url, autocommit=True) as theirs,
            connect(naive_url, autocommit=True) as plain,
        ):
            for batch in batches:
                strict = floor_statements(batch, *same_rows[(batch.race_id, batch.observed_at)])
                everything = floor_statements(batch, *_all_rows(batch))
                started = time.perf_counter()
                write_race(mine, batch)
                ours.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                _write_floor(theirs, strict)
                floor.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                _write_floor(plain, everything)
                naive.append((time.perf_counter() - started) * 1000)
            stored = {
                table: _count(mine, table)
                for table in ("odds_history", "money_flow_history", "entrants", "race_dividends")
            }
            if _count(theirs, "odds_history") != stored["odds_history"]:
                raise RuntimeError("the floor did not store the same odds rows as the writer")
            naive_odds = _count(plain, "odds_history")
    report: dict[str, Any] = {
        "races": len({b.race_id for b in batches}),
        "race_writes": len(batches),
        "runners_per_race": 15,
        **summary("", ours),
        **summary("floor_", floor),
    }
    report["ratio_p50"] = round(report["p50_ms"] / report["floor_p50_ms"], 2)
    report["ratio_p95"] = round(report["p95_ms"] / report["floor_p95_ms"], 2)
    report.update(summary("transform_", transform_ms))
    report.update(summary("naive_floor_", naive))
    report["rows_stored"] = stored
    report["naive_floor_odds_rows"] = naive_odds  # every price every poll: what detection saves
    report["target_ratio_p95"] = 1.5
    return report


def _count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0
