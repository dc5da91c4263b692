"""Write transformed batches: one transaction per race (or per meetings/races-list payload).

Each race goes out as one pipelined transaction: lock the race, upsert meeting, race, entrants,
pools and results, then insert history whose change detection runs inside the same statements.
Nothing is decided from memory, so a rolled-back race leaves no trace anywhere.

Partitions must exist before the transaction starts (`partitions.ensure_days_for`); history
rows whose time cannot be filed are passed here as `quarantine_reason` and kept in
`partition_quarantine` instead, while the rest of the race is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import psycopg
from psycopg import sql as pgsql

from raceday.db.locks import race_lock_key
from raceday.errors import PayloadError
from raceday.ingest import statements as sql
from raceday.ingest.outcomes import WriteResult
from raceday.ingest.rows import (
    PRICE_COLUMNS,
    MeetingsBatch,
    MoneyFlowRow,
    RaceBatch,
    RacesListBatch,
)
from raceday.ingest.statements import MONEY_INPUTS
from raceday.partitions import QuarantineEntry, quarantine

__all__ = ["race_statements", "write_meetings", "write_race", "write_races_list"]


class _Statement(NamedTuple):
    table: str
    query: pgsql.SQL
    params: Sequence[Any] | dict[str, Any]
    numbered: bool = False  # `$n` parameters (statements.upsert): sent by a RawCursor


def _chunks(rows: Sequence[tuple[Any, ...]]) -> Iterator[Sequence[tuple[Any, ...]]]:
    if not rows:
        return
    size = max(1, sql.MAX_PARAMETERS // len(rows[0]))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _upserts(
    table: str, rows: Sequence[tuple[Any, ...]], key: tuple[str, ...], mode: sql.Mode
) -> Iterator[_Statement]:
    # Sorted by key: concurrent writers of overlapping rows lock them in one order (no deadlock).
    if not rows:
        return
    columns: tuple[str, ...] = type(rows[0])._fields  # type: ignore[attr-defined]
    positions = [columns.index(k) for k in key]
    ordered = sorted(rows, key=lambda row: tuple(str(row[i]) for i in positions))
    for chunk in _chunks(ordered):
        params = [value for row in chunk for value in row]
        yield _Statement(
            table, sql.upsert(table, columns, key, mode, len(chunk)), params, numbered=True
        )


def _send(conn: psycopg.Connection[Any], statements: Sequence[_Statement]) -> Counter[str]:
    """Send every statement in one pipeline (the caller holds the transaction); count rows."""
    counts: Counter[str] = Counter()
    cursors: list[tuple[str, psycopg.Cursor[Any]]] = []
    with conn.pipeline():
        for statement in statements:
            cur = psycopg.RawCursor(conn) if statement.numbered else conn.cursor()
            cur.execute(statement.query, statement.params)
            cursors.append((statement.table, cur))
    for table, cur in cursors:
        if table and cur.rowcount > 0:
            counts[table] += cur.rowcount
        cur.close()
    return counts


def race_statements(
    batch: RaceBatch,
    *,
    results_written_at: datetime | None,
    with_history: bool = True,
    out_of_order: bool = False,
) -> list[_Statement]:
    """The statements of one race's transaction after its lock, in order.

    `results_written_at` is the stored race_results.api_generated_time: when a newer payload
    wrote the result, this one's placings and dividends are left out (an Interim replay must
    not bring back a placing a protest removed). `out_of_order`: the race already has a newer
    observation, so the history rows just after this poll are fixed up too.
    """
    ts = batch.observed_at
    race_id = batch.race_id
    out = [
        *_upserts("meetings", [batch.meeting], ("meeting_id",), "insert_missing"),
        *_upserts("races", [batch.race], ("race_id",), "newer_wins_fill"),
        *_upserts("entrants", batch.entrants, ("entrant_id",), "newer_wins"),
        *_upserts(
            "race_pools", batch.pools, ("race_id", "product_type", "leg_race_numbers"), "newer_wins"
        ),
    ]
    if batch.result is not None and (results_written_at is None or results_written_at <= ts):
        out += _upserts("race_results", [batch.result], ("race_id",), "advance")
        if batch.positions:
            out.append(
                _Statement(
                    "race_result_positions (deleted)",
                    sql.delete_stale_positions(),
                    {
                        "race_id": race_id,
                        "ts": ts,
                        "entrant_ids": [p.entrant_id for p in batch.positions],
                    },
                )
            )
        out += _upserts("race_result_positions", batch.positions, ("entrant_id",), "newer_wins")
        if batch.dividends:
            out.append(
                _Statement(
                    "race_dividends (deleted)",
                    sql.delete_stale_dividends(),
                    {
                        "race_id": race_id,
                        "ts": ts,
                        "totes": [d.tote for d in batch.dividends],
                        "products": [d.product_name for d in batch.dividends],
                        "descriptions": [d.description for d in batch.dividends],
                    },
                )
            )
        out += _upserts(
            "race_dividends",
            batch.dividends,
            ("race_id", "tote", "product_name", "description"),
            "newer_wins",
        )
    if with_history:
        out += _history_statements(batch, out_of_order=out_of_order)
    return out


def _history_statements(batch: RaceBatch, *, out_of_order: bool) -> list[_Statement]:
    """Odds and money-flow inserts; after a late poll, the fix-ups of the next observation
    (statements.fix_next_odds and reprice_next_money) run after them, in the same pipeline."""
    ts, timing, money = batch.observed_at, batch.timing, batch.money
    odds = {
        "ts": ts,
        "entrant_ids": [o.entrant_id for o in batch.odds],
        "types": [o.type for o in batch.odds],
        "odds": [o.odds for o in batch.odds],
    }
    flow: dict[str, Any] = {
        "ts": ts,
        "race_id": batch.race_id,
        "time_to_start": timing.time_to_start,
        "time_interval": timing.time_interval,
        "interval_type": timing.interval_type,
    }
    # One array per input column, named after it (statements.MONEY_INPUTS).
    rows = [_money_inputs(m) for m in money]
    for position, column in enumerate(i.column for i in MONEY_INPUTS):
        flow[column] = [row[position] for row in rows]
    out: list[_Statement] = []
    if batch.odds:
        out.append(_Statement("odds_history", sql.insert_odds(), odds))
    if money:
        out.append(_Statement("money_flow_history", sql.insert_money_flow(), flow))
    if out_of_order and money:
        out.append(_Statement("money_flow_history (repriced)", sql.reprice_next_money(), flow))
    if out_of_order and batch.odds:
        out.append(_Statement("odds_history (re-decided)", sql.fix_next_odds(), odds))
    return out


def _money_inputs(m: Any) -> tuple[Any, ...]:
    """An observation's values in MONEY_INPUTS order (its fields, then its prices as columns)."""
    values = m._asdict() | dict(zip(PRICE_COLUMNS, m.prices, strict=True))
    return tuple(values[i.column] for i in MONEY_INPUTS)


def quarantine_entries(batch: RaceBatch, reason: str, source: str | None) -> list[QuarantineEntry]:
    """The race's history rows as they would have been stored, kept with the reason."""
    ts = batch.observed_at
    entries = [
        QuarantineEntry(
            "odds_history",
            {
                "entrant_id": str(o.entrant_id),
                "event_timestamp": ts.isoformat(),
                "type": o.type,
                "odds": str(o.odds),
            },
            reason,
            ts,
            source,
        )
        for o in batch.odds
    ]
    entries += [
        QuarantineEntry(
            "money_flow_history",
            {
                column: _text(value)
                for column, value in MoneyFlowRow.of(batch, m, None, None)._asdict().items()
                if not column.startswith("incremental_")
            },
            reason,
            ts,
            source,
        )
        for m in batch.money
    ]
    return entries


def _text(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return None if value is None else str(value)


def write_race(
    conn: psycopg.Connection[Any],
    batch: RaceBatch,
    *,
    quarantine_reason: str | None = None,
    source: str | None = None,
    history: bool = True,
) -> WriteResult:
    """Write one race in one transaction; on any error nothing of the race is kept.

    `conn` must be in autocommit mode (the transaction is opened here). With `quarantine_reason`
    the history rows go to partition_quarantine (same transaction) instead of the history tables.
    With `history=False` only current state is written (the backfill stores history by COPY).
    Two round trips: the race lock with the stored result time, then everything else.
    """
    with conn.transaction():
        with conn.pipeline():
            conn.execute(sql.race_lock(), race_lock_key(batch.race_id))
            cur = conn.execute(
                sql.race_state(),
                {"race_id": batch.race_id, "entrant_ids": [e.entrant_id for e in batch.entrants]},
            )
        row = cur.fetchone()
        results_written_at, newest, foreign = row if row else (None, None, None)
        if foreign:
            raise PayloadError(
                f"an entrant id of this race is stored under another race: {', '.join(foreign)}",
                race_id=str(batch.race_id),
                field_path="data.runners[].entrant_id",
                hint="an entrant id names one runner of one race; the race was not stored",
            )
        statements = race_statements(
            batch,
            results_written_at=results_written_at,
            with_history=history and quarantine_reason is None,
            out_of_order=newest is not None and newest > batch.observed_at,
        )
        counts = _send(conn, statements)
        if quarantine_reason is not None:
            entries = quarantine_entries(batch, quarantine_reason, source)
            counts["partition_quarantine"] += quarantine(conn, entries)
    return WriteResult(counts, Counter(batch.skipped))


def write_meetings(conn: psycopg.Connection[Any], batch: MeetingsBatch) -> WriteResult:
    """Meetings and their races in one transaction (newer payloads win, older ones fill gaps)."""
    statements = [
        *_upserts("meetings", batch.meetings, ("meeting_id",), "newer_wins_fill"),
        *_upserts("races", batch.races, ("race_id",), "newer_wins_fill"),
    ]
    with conn.transaction():
        counts = _send(conn, statements)
    return WriteResult(counts, Counter(batch.skipped))


def write_races_list(conn: psycopg.Connection[Any], batch: RacesListBatch) -> WriteResult:
    """Apply a races-list page to stored races; races not stored yet are skipped and counted."""
    result = WriteResult(skipped=Counter(batch.skipped))
    if batch.races:
        columns = [list(column) for column in zip(*batch.races, strict=True)]
        with conn.transaction():
            result.rows = _send(conn, [_Statement("races", sql.update_races_from_list(), columns)])
            row = conn.execute(sql.unknown_races(), [columns[0]]).fetchone()
        unknown = int(row[0]) if row else 0
        if unknown:
            result.skipped["race not stored yet (ingest its meeting first)"] += unknown
    return result
