"""Bulk backfill: many polls at once, history through COPY, the same rows the per-race path stores.

The rows come from the pure planner (`ingest.history_plan`) run over the stored timeline and the
new polls. Correctness rests on:
- the stored rows are read under the races' advisory locks, so no live writer of those races
  can insert in between (keys already stored are skipped, so COPY never meets a duplicate);
- one transaction per chunk, current state included: a failure leaves nothing of the chunk.

Current-state tables (races, entrants, pools, results) get each race's newest poll through the
per-race writer (which ignores anything older than what is stored), in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from raceday.db.locks import race_lock_key
from raceday.ingest.history_plan import (
    LOOKBACK,
    HistoryPlan,
    StoredMoney,
    StoredOdds,
    live_objects_exempt_from_gc,
    plan_history,
)
from raceday.ingest.outcomes import WriteResult
from raceday.ingest.rows import PRICE_COLUMNS, Prices, RaceBatch
from raceday.ingest.statements import copy_into, race_locks
from raceday.ingest.tables import MONEY_FLOW_HISTORY, ODDS_HISTORY, Table
from raceday.ingest.writer import write_race

__all__ = ["backfill", "backfill_history", "copy_rows"]


# What the planner reads of stored money-flow rows: its own fields, then the prices as columns.
_MONEY_FIELDS = ("entrant_id", "event_timestamp", "win_pool_amount", "place_pool_amount")
_STORED_MONEY_COLUMNS = (*_MONEY_FIELDS, *PRICE_COLUMNS)
_PRICES_AT = len(_MONEY_FIELDS)


def _stored_money(row: tuple[Any, ...]) -> StoredMoney:
    # Positions come from _STORED_MONEY_COLUMNS, the select list just above. Plain tuple rows:
    # a chunk can read 10^5 stored rows, and a dict per row (kwargs_row) costs a third more.
    entrant_id, event_timestamp, win, place = row[:_PRICES_AT]
    return StoredMoney(entrant_id, event_timestamp, win, place, Prices._make(row[_PRICES_AT:]))


def _around(table: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL(
        "select {} from {} where entrant_id = any(%s) and event_timestamp between %s and %s"
    ).format(sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table))


def _stored(
    conn: psycopg.Connection[Any], batches: Sequence[RaceBatch]
) -> tuple[list[StoredOdds], list[StoredMoney]]:
    # From the observations: older polls of a backfill keep no entrant rows.
    ids = {o.entrant_id for b in batches for o in b.odds}
    ids |= {m.entrant_id for b in batches for m in b.money}
    entrants = sorted(ids, key=str)
    since = min(b.observed_at for b in batches) - LOOKBACK
    until = max(b.observed_at for b in batches) + LOOKBACK  # the rows just after, to fix up
    window = [entrants, since, until]
    odds = [
        StoredOdds._make(row)
        for row in conn.execute(_around(ODDS_HISTORY.name, StoredOdds._fields), window)
    ]
    money = [
        _stored_money(row)
        for row in conn.execute(_around(MONEY_FLOW_HISTORY.name, _STORED_MONEY_COLUMNS), window)
    ]
    return odds, money


def copy_rows(conn: psycopg.Connection[Any], table: Table, rows: Iterable[Sequence[Any]]) -> None:
    """Binary COPY of `rows` (in `table`'s column order) into `table`."""
    with conn.cursor() as cur, cur.copy(copy_into(table)) as copy:
        copy.set_types(list(table.types))
        for row in rows:
            copy.write_row(row)


def backfill_history(conn: psycopg.Connection[Any], batches: Sequence[RaceBatch]) -> WriteResult:
    """Store the odds and money-flow history of many polls in one transaction (COPY).

    Partitions for every poll's day must exist already (`partitions.ensure_days_for`). `conn`
    must be in autocommit mode; the transaction is opened here.
    """
    result = WriteResult()
    counts = result.rows
    if not batches:
        return result
    races = sorted({b.race_id for b in batches}, key=race_lock_key)
    with conn.transaction():
        # Lock every race first, in one order, so two backfills cannot deadlock.
        conn.execute(
            race_locks(),
            [[race_lock_key(r)[0] for r in races], [race_lock_key(r)[1] for r in races]],
        )
        with live_objects_exempt_from_gc():
            plan = plan_history(batches, *_stored(conn, batches))
            _fix_neighbours(conn, plan)
            copy_rows(conn, ODDS_HISTORY, plan.odds_rows)
            copy_rows(conn, MONEY_FLOW_HISTORY, plan.money_rows)
    counts["odds_history"] += len(plan.odds_rows)
    counts["money_flow_history"] += len(plan.money_rows)
    if plan.odds_deletes:
        counts["odds_history (deleted)"] += len(plan.odds_deletes)
    if plan.money_updates:
        counts["money_flow_history (repriced)"] += len(plan.money_updates)
    return result


def _fix_neighbours(conn: psycopg.Connection[Any], plan: HistoryPlan) -> None:
    if plan.odds_deletes:
        entrants, types, stamps = (list(c) for c in zip(*plan.odds_deletes, strict=True))
        conn.execute(
            "delete from odds_history o using unnest(%s::uuid[], %s::text[], %s::timestamptz[])"
            " as d(entrant_id, type, ts)"
            " where (o.entrant_id, o.type, o.event_timestamp) = (d.entrant_id, d.type, d.ts)",
            [entrants, types, stamps],
        )
    if plan.money_updates:
        entrants, stamps, wins, places = (list(c) for c in zip(*plan.money_updates, strict=True))
        conn.execute(
            "update money_flow_history m set incremental_win_amount = u.win,"
            " incremental_place_amount = u.place"
            " from unnest(%s::uuid[], %s::timestamptz[], %s::numeric[], %s::numeric[])"
            " as u(entrant_id, ts, win, place)"
            " where (m.entrant_id, m.event_timestamp) = (u.entrant_id, u.ts)",
            [entrants, stamps, wins, places],
        )


def backfill(conn: psycopg.Connection[Any], batches: Sequence[RaceBatch]) -> WriteResult:
    """History of many polls by COPY, then each race's newest state, all in one transaction.

    A failure anywhere leaves nothing of the chunk behind (the caller reports every file of it).
    The per-race writes run as savepoints inside it and re-take locks this transaction holds.
    """
    newest: dict[UUID, RaceBatch] = {}
    for batch in batches:
        if batch.race_id not in newest or newest[batch.race_id].observed_at < batch.observed_at:
            newest[batch.race_id] = batch
    with conn.transaction():
        result = backfill_history(conn, batches)
        for batch in newest.values():
            result.rows.update(write_race(conn, batch, history=False).rows)
    for batch in batches:
        result.skipped.update(batch.skipped)
    return result
