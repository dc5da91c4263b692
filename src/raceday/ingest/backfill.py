"""Bulk backfill: many polls at once, history through COPY, the same rows the per-race path stores.

The per-race writer decides "is this a change?" and "what was the previous amount?" in SQL, one
poll at a time. For thousands of archived polls that is too slow, so here the same two rules run
in Python over the merged timeline of (rows already stored) + (polls being loaded), and only the
resulting rows are sent, with binary COPY straight into the partitioned parents.

Correctness rests on three things:
- `plan_history` is pure and mirrors the SQL exactly (same lookback, same NULL rules); a test
  compares a backfill with polls ingested one by one;
- the stored rows are read under the races' advisory locks, so no live writer of those races
  can insert in between (keys already stored are skipped, so COPY never meets a duplicate);
- one transaction per chunk, current state included: a failure leaves nothing of the chunk.

Current-state tables (races, entrants, pools, results) get each race's newest poll through the
per-race writer (which ignores anything older than what is stored), in the same transaction.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

import psycopg

from raceday.ingest.rows import RaceBatch
from raceday.ingest.statements import HISTORY_LOOKBACK, race_locks
from raceday.ingest.transform import ODDS_TYPES as PRICE_TYPES
from raceday.ingest.writer import WriteCounts, race_lock_key, write_race

__all__ = [
    "LOOKBACK",
    "MONEY_COLUMNS",
    "ODDS_COLUMNS",
    "HistoryPlan",
    "StoredMoney",
    "StoredOdds",
    "backfill",
    "backfill_history",
    "copy_rows",
    "plan_history",
]

LOOKBACK = HISTORY_LOOKBACK  # the same bound as the per-race statements

ODDS_COLUMNS: tuple[str, ...] = ("entrant_id", "event_timestamp", "type", "odds")
MONEY_COLUMNS: tuple[str, ...] = (
    "entrant_id", "race_id", "event_timestamp", "hold_percentage", "bet_percentage",
    "win_pool_amount", "place_pool_amount", "incremental_win_amount", "incremental_place_amount",
    "time_to_start", "time_interval", "interval_type",
    "fixed_win_odds", "fixed_place_odds", "pool_win_odds", "pool_place_odds",
)  # fmt: skip
ODDS_SQL_TYPES: tuple[str, ...] = ("uuid", "timestamptz", "text", "numeric")
MONEY_SQL_TYPES: tuple[str, ...] = (
    "uuid", "uuid", "timestamptz", "numeric", "numeric", "numeric", "numeric", "numeric",
    "numeric", "numeric", "numeric", "text", "numeric", "numeric", "numeric", "numeric",
)  # fmt: skip


class StoredOdds(NamedTuple):
    entrant_id: UUID
    type: str
    event_timestamp: datetime
    odds: Decimal


class StoredMoney(NamedTuple):
    entrant_id: UUID
    event_timestamp: datetime
    win_pool_amount: Decimal | None
    place_pool_amount: Decimal | None
    fixed_win_odds: Decimal | None = None
    fixed_place_odds: Decimal | None = None
    pool_win_odds: Decimal | None = None
    pool_place_odds: Decimal | None = None


def _diff(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    return None if current is None or previous is None else current - previous


class HistoryPlan(NamedTuple):
    """What a backfill changes in the history tables."""

    odds_rows: list[tuple[Any, ...]]  # new rows, ODDS_COLUMNS order
    money_rows: list[tuple[Any, ...]]  # new rows, MONEY_COLUMNS order
    # Stored rows just after an older poll: a price now repeated (deleted), and increments now
    # measured from the older poll (entrant_id, event_timestamp, incremental win, place).
    odds_deletes: list[tuple[UUID, str, datetime]]
    money_updates: list[tuple[UUID, datetime, Decimal | None, Decimal | None]]


def plan_history(
    batches: Sequence[RaceBatch],
    stored_odds: Iterable[StoredOdds] = (),
    stored_money: Iterable[StoredMoney] = (),
) -> HistoryPlan:
    """What the per-race path would do to the history tables for `batches`, in time order.

    Keys already stored are never returned as new rows. A poll older than stored rows re-decides
    the stored rows at the entrant's next observation, as the per-race path's fix-up statements
    do: the next money-flow row's increments, and whether the next observation's price is a
    change. Timelines are keyed by uuid ints (hashing a UUID object costs a Python call).
    """
    # Odds rows per (entrant, type): (time, price, added by a fix-up?). Observations per entrant, one per poll
    # with money: (time, win $, place $, (prices in PRICE_TYPES order)).
    rows: dict[tuple[int, str], list[tuple[datetime, Decimal, bool]]] = defaultdict(list)
    for row in stored_odds:
        rows[(row.entrant_id.int, row.type)].append((row.event_timestamp, row.odds, False))
    seen: dict[int, list[tuple[datetime, Decimal | None, Decimal | None, tuple[Any, ...]]]]
    seen = defaultdict(list)
    for money in stored_money:
        seen[money.entrant_id.int].append(
            (money.event_timestamp, money.win_pool_amount, money.place_pool_amount, money[4:])
        )
    for odds_timeline in rows.values():
        odds_timeline.sort(key=_time)
    for money_timeline in seen.values():
        money_timeline.sort(key=_time)

    plan = HistoryPlan([], [], [], [])
    # Rows at a poll's own time are final once planned (later polls only re-decide rows at a
    # later observation); rows a fix-up adds may be re-decided again, so they are kept by key.
    fixups: dict[tuple[int, str, datetime], tuple[Any, ...]] = {}
    collecting = gc.isenabled()
    gc.disable()  # ~10^5 small acyclic tuples: the cycle collector would only cost time
    try:
        for batch in sorted(batches, key=lambda b: (b.observed_at, str(b.race_id))):
            ts = batch.observed_at
            since, until = ts - LOOKBACK, ts + LOOKBACK
            for flow in batch.money:
                _plan_money(plan, seen[flow.entrant_id.int], batch, flow, since, until)
            for obs in batch.odds:
                key = (obs.entrant_id.int, obs.type)
                line = rows[key]
                observations = seen[key[0]]
                late = bool(observations) and observations[-1][0] > ts
                if not late and (not line or line[-1][0] < ts):  # the usual case: in order
                    if not (line and line[-1][0] >= since and line[-1][1] == obs.odds):
                        plan.odds_rows.append((obs.entrant_id, ts, obs.type, obs.odds))
                        line.append((ts, obs.odds, False))
                    continue  # nothing observed after it, so nothing to re-decide
                at = _place(line, ts)
                if at < 0:
                    continue  # already stored at this instant: a replay (ON CONFLICT DO NOTHING)
                if not (at and line[at - 1][0] >= since and line[at - 1][1] == obs.odds):
                    plan.odds_rows.append((obs.entrant_id, ts, obs.type, obs.odds))
                    line.insert(at, (ts, obs.odds, False))  # final, as stored rows are
                if late:
                    _refit_next(plan, fixups, line, observations, obs, ts, until)
    finally:
        if collecting:
            gc.enable()
    plan.odds_rows.extend(fixups.values())
    return plan


def _plan_money(
    plan: HistoryPlan,
    line: list[tuple[datetime, Decimal | None, Decimal | None, tuple[Any, ...]]],
    batch: RaceBatch,
    flow: Any,
    since: datetime,
    until: datetime,
) -> None:
    ts, timing = batch.observed_at, batch.timing
    at = _place(line, ts)
    if at < 0:
        return
    previous = line[at - 1] if at and line[at - 1][0] >= since else None
    prices = (flow.fixed_win_odds, flow.fixed_place_odds, flow.pool_win_odds, flow.pool_place_odds)
    plan.money_rows.append(
        (
            flow.entrant_id,
            batch.race_id,
            ts,
            flow.hold_percentage,
            flow.bet_percentage,
            flow.win_pool_amount,
            flow.place_pool_amount,
            _diff(flow.win_pool_amount, previous[1]) if previous else None,
            _diff(flow.place_pool_amount, previous[2]) if previous else None,
            timing.time_to_start,
            timing.time_interval,
            timing.interval_type,
            *prices,
        )
    )
    line.insert(at, (ts, flow.win_pool_amount, flow.place_pool_amount, prices))
    after = at + 1
    if after < len(line) and line[after][0] <= until:
        # Batches are planned in time order, so a later observation is a stored one.
        later = line[after]
        plan.money_updates.append(
            (
                flow.entrant_id,
                later[0],
                _diff(later[1], flow.win_pool_amount),
                _diff(later[2], flow.place_pool_amount),
            )
        )


def _refit_next(
    plan: HistoryPlan,
    fixups: dict[tuple[int, str, datetime], tuple[Any, ...]],
    line: list[tuple[datetime, Decimal, bool]],
    observations: Sequence[tuple[datetime, Any, Any, tuple[Any, ...]]],
    obs: Any,
    ts: datetime,
    until: datetime,
) -> None:
    """At the entrant's next observation with a price of this type, a row exists iff its price
    differs from the one just observed (statements.fix_next_odds, in Python)."""
    slot = PRICE_TYPES.index(obs.type)
    start = bisect_right(observations, ts, key=_time)
    for when, _win, _place_amount, prices in observations[start:]:
        if when > until:
            return
        price = prices[slot]
        if price is None:
            continue
        at = bisect_left(line, when, key=_time)
        present = at < len(line) and line[at][0] == when
        if price == obs.odds and present:
            _, _, added_by_fixup = line.pop(at)
            if added_by_fixup:
                del fixups[(obs.entrant_id.int, obs.type, when)]
            else:
                plan.odds_deletes.append((obs.entrant_id, obs.type, when))
        elif price != obs.odds and not present:
            fixups[(obs.entrant_id.int, obs.type, when)] = (obs.entrant_id, when, obs.type, price)
            line.insert(at, (when, price, True))
        return


def _time(entry: tuple[Any, ...]) -> datetime:
    return entry[0]  # type: ignore[no-any-return]


def _place(line: Sequence[tuple[Any, ...]], ts: datetime) -> int:
    """Where an observation at `ts` goes in a sorted timeline; -1 when `ts` is already there.

    Polls mostly come in time order, so the answer is usually the end, found without a search.
    """
    if not line or line[-1][0] < ts:
        return len(line)
    at = bisect_left(line, ts, key=_time)
    return -1 if at < len(line) and line[at][0] == ts else at


def _stored(
    conn: psycopg.Connection, batches: Sequence[RaceBatch]
) -> tuple[list[StoredOdds], list[StoredMoney]]:
    # From the observations: older polls of a backfill keep no entrant rows.
    ids = {o.entrant_id for b in batches for o in b.odds}
    ids |= {m.entrant_id for b in batches for m in b.money}
    entrants = sorted(ids, key=str)
    since = min(b.observed_at for b in batches) - LOOKBACK
    until = max(b.observed_at for b in batches) + LOOKBACK  # the rows just after, to fix up
    odds = [
        StoredOdds(*row)
        for row in conn.execute(
            "select entrant_id, type, event_timestamp, odds from odds_history"
            " where entrant_id = any(%s) and event_timestamp between %s and %s",
            [entrants, since, until],
        )
    ]
    money = [
        StoredMoney(*row)
        for row in conn.execute(
            "select entrant_id, event_timestamp, win_pool_amount, place_pool_amount,"
            " fixed_win_odds, fixed_place_odds, pool_win_odds, pool_place_odds from money_flow_history"
            " where entrant_id = any(%s) and event_timestamp between %s and %s",
            [entrants, since, until],
        )
    ]
    return odds, money


def copy_rows(
    conn: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def backfill_history(conn: psycopg.Connection, batches: Sequence[RaceBatch]) -> WriteCounts:
    """Store the odds and money-flow history of many polls in one transaction (COPY).

    Partitions for every poll's day must exist already (`partitions.ensure_days_for`). `conn`
    must be in autocommit mode; the transaction is opened here.
    """
    counts: WriteCounts = WriteCounts()
    if not batches:
        return counts
    races = sorted({b.race_id for b in batches}, key=race_lock_key)
    with conn.transaction():
        # Lock every race first, in one order, so two backfills cannot deadlock.
        conn.execute(
            race_locks(),
            [[race_lock_key(r)[0] for r in races], [race_lock_key(r)[1] for r in races]],
        )
        plan = plan_history(batches, *_stored(conn, batches))
        _fix_neighbours(conn, plan)
        copy_rows(conn, "odds_history", ODDS_COLUMNS, ODDS_SQL_TYPES, plan.odds_rows)
        copy_rows(conn, "money_flow_history", MONEY_COLUMNS, MONEY_SQL_TYPES, plan.money_rows)
    counts["odds_history"] += len(plan.odds_rows)
    counts["money_flow_history"] += len(plan.money_rows)
    if plan.odds_deletes:
        counts["odds_history (deleted)"] += len(plan.odds_deletes)
    if plan.money_updates:
        counts["money_flow_history (repriced)"] += len(plan.money_updates)
    return counts


def _fix_neighbours(conn: psycopg.Connection, plan: HistoryPlan) -> None:
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


def backfill(conn: psycopg.Connection, batches: Sequence[RaceBatch]) -> WriteCounts:
    """History of many polls by COPY, then each race's newest state, all in one transaction.

    A failure anywhere leaves nothing of the chunk behind (the caller reports every file of it).
    The per-race writes run as savepoints inside it and re-take locks this transaction holds.
    """
    newest: dict[UUID, RaceBatch] = {}
    for batch in batches:
        if batch.race_id not in newest or newest[batch.race_id].observed_at < batch.observed_at:
            newest[batch.race_id] = batch
    with conn.transaction():
        counts = backfill_history(conn, batches)
        for batch in newest.values():
            state = write_race(conn, batch, history=False)
            counts.update({k: v for k, v in state.items() if not k.startswith("skipped: ")})
    for batch in batches:
        for reason, number in batch.skipped.items():
            counts[f"skipped: {reason}"] += number
    return counts
