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
from psycopg import sql

from raceday.bench.scratch import scratch_database
from raceday.bench.stats import summary
from raceday.config import Settings
from raceday.db import connect
from raceday.demo import generate_day
from raceday.ingest.history_plan import plan_history
from raceday.ingest.rows import MoneyFlowRow, OddsHistoryRow, RaceBatch
from raceday.ingest.tables import MONEY_FLOW_HISTORY, ODDS_HISTORY
from raceday.ingest.transform import race_batch
from raceday.ingest.writer import write_race
from raceday.nztab.models import RaceEvent
from raceday.nztab.payloads import parse_payload
from raceday.partitions import ensure_days_for

__all__ = ["bench_write", "floor_statements"]

BENCH_DAY = date(2026, 3, 14)


def _floor_insert(
    table: str, rows: Sequence[NamedTuple], key: Sequence[str] = (), *, update: bool = False
) -> tuple[sql.SQL, list[Any]]:
    """A plain multi-row INSERT of `rows`; ON CONFLICT (key) DO UPDATE every column, or NOTHING.

    Rendered to text here, before the clock starts: the floor pays for no SQL building.
    """
    columns: tuple[str, ...] = rows[0]._fields
    one = sql.SQL("({})").format(sql.SQL(", ").join([sql.Placeholder()] * len(columns)))
    query = sql.SQL("insert into {} ({}) values {} on conflict").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join([one] * len(rows)),
    )
    if update:
        query += sql.SQL(" ({}) do update set {}").format(
            sql.SQL(", ").join(map(sql.Identifier, key)),
            sql.SQL(", ").join(
                sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c))
                for c in columns
                if c not in key
            ),
        )
    else:
        query += sql.SQL(" do nothing")
    return sql.SQL(query.as_string(None)), [value for row in rows for value in row]


def floor_statements(
    batch: RaceBatch, odds_rows: Sequence[OddsHistoryRow], money_rows: Sequence[MoneyFlowRow]
) -> list[tuple[sql.SQL, list[Any]]]:
    """The floor's statements for one race: the given rows written, nothing compared or decided."""
    out = [
        _floor_insert("meetings", [batch.meeting]),
        _floor_insert("races", [batch.race], ["race_id"], update=True),
        _floor_insert("entrants", batch.entrants, ["entrant_id"], update=True),
    ]
    if batch.pools:
        key = ["race_id", "product_type", "leg_race_numbers"]
        out.append(_floor_insert("race_pools", batch.pools, key, update=True))
    if batch.result:
        out.append(_floor_insert("race_results", [batch.result], ["race_id"], update=True))
        if batch.positions:
            out.append(
                _floor_insert("race_result_positions", batch.positions, ["entrant_id"], update=True)
            )
        if batch.dividends:
            key = ["race_id", "tote", "product_name", "description"]
            out.append(_floor_insert("race_dividends", batch.dividends, key, update=True))
    if odds_rows:
        out.append(_floor_insert(ODDS_HISTORY.name, odds_rows))
    if money_rows:
        out.append(_floor_insert(MONEY_FLOW_HISTORY.name, money_rows))
    return out


def _all_rows(batch: RaceBatch) -> tuple[list[OddsHistoryRow], list[MoneyFlowRow]]:
    """Every price of the poll and money rows without increments: the naive floor's history."""
    ts = batch.observed_at
    odds = [OddsHistoryRow(o.entrant_id, ts, o.type, o.odds) for o in batch.odds]
    money = [MoneyFlowRow.of(batch, m, None, None) for m in batch.money]
    return odds, money


def _write_floor(
    conn: psycopg.Connection[Any], statements: list[tuple[sql.SQL, list[Any]]]
) -> None:
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
    for odds in odds_rows:
        grouped[(race_of[odds.entrant_id], odds.event_timestamp)][0].append(odds)
    for money in money_rows:
        grouped[(money.race_id, money.event_timestamp)][1].append(money)
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
        connect(ours_url, autocommit=True) as mine,
        connect(floor_url, autocommit=True) as theirs,
        connect(naive_url, autocommit=True) as plain,
    ):
        for conn in (mine, theirs, plain):
            refused = ensure_days_for(conn, settings, instants).refused
            if refused:
                raise RuntimeError(f"bench days refused: {sorted(set(refused.values()))}")
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


def _count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0
