"""The SQL the writer sends, built once from the row types. Pure text; no connection here.

Three ways a current-state row is written (the row's `api_generated_time` is the observation that
last wrote it):

- `insert_missing`: insert, or leave the stored row alone (a race event's view of its meeting).
- `newer_wins`: overwrite only when the payload is not older than the stored row AND some value
  differs. A replay, or an old file ingested after a newer poll, writes nothing.
- `advance` (race_results): overwrite whenever the payload is newer, so the row's time is the
  newest result seen; the writer leaves out placings and dividends older than it.
- `newer_wins_fill` (meetings, races, fed by several endpoints): a newer payload overwrites; an
  older one only fills columns still NULL. `api_generated_time` and `last_polled_at` move
  forward only. The row is written only when one of these changes.

History rows are inserted with ON CONFLICT DO NOTHING (exact replays are no-ops) and decide their
change/increment against the last *stored* row inside the statement, i.e. inside the race's
transaction, so nothing can run ahead of a rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Literal, NamedTuple

__all__ = [
    "HISTORY_LOOKBACK",
    "MAX_PARAMETERS",
    "Mode",
    "delete_stale_dividends",
    "delete_stale_positions",
    "fix_next_odds",
    "insert_money_flow",
    "insert_odds",
    "race_lock",
    "race_locks",
    "race_state",
    "reprice_next_money",
    "unknown_races",
    "update_races_from_list",
    "upsert",
]

Mode = Literal["insert_missing", "newer_wins", "newer_wins_fill", "advance"]

# PostgreSQL's protocol allows 65535 parameters per statement; batches are cut below it.
MAX_PARAMETERS = 60_000
# How far back the "previous stored observation" of an entrant is looked for. A race's history
# spans hours; the bound lets the planner prune to a few daily partitions instead of all of them.
HISTORY_LOOKBACK = timedelta(days=3)
_LOOKBACK_SQL = f"interval '{HISTORY_LOOKBACK.days} days'"
_BOOKKEEPING = ("api_generated_time", "last_polled_at")


@cache
def upsert(
    table: str, columns: tuple[str, ...], key: tuple[str, ...], mode: Mode, rows: int
) -> str:
    """INSERT ... VALUES (rows of %s) ON CONFLICT (key) ... for `rows` rows of `columns`."""
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = (
        f"INSERT INTO {table} AS t ({', '.join(columns)}) VALUES "
        + ", ".join([placeholder] * rows)
        + f" ON CONFLICT ({', '.join(key)}) DO "
    )
    if mode == "insert_missing":
        return head + "NOTHING"
    data = [c for c in columns if c not in key and c not in _BOOKKEEPING]
    if mode == "advance":
        sets = [f"{c} = excluded.{c}" for c in columns if c not in key]
        return (
            head
            + "UPDATE SET "
            + ", ".join(sets)
            + " WHERE t.api_generated_time IS NULL OR t.api_generated_time < excluded.api_generated_time"
        )
    if mode == "newer_wins":
        sets = [f"{c} = excluded.{c}" for c in columns if c not in key]
        return (
            head
            + "UPDATE SET "
            + ", ".join(sets)
            + " WHERE (t.api_generated_time IS NULL OR t.api_generated_time <= excluded.api_generated_time)"
            + f" AND {_row('t', data)} IS DISTINCT FROM {_row('excluded', data)}"
        )
    new = _fill_expressions(data, [c for c in _BOOKKEEPING if c in columns], "excluded")
    return (
        head
        + "UPDATE SET "
        + ", ".join(f"{c} = {expr}" for c, expr in new.items())
        + f" WHERE ROW({', '.join(new.values())}) IS DISTINCT FROM {_row('t', list(new))}"
    )


def _row(alias: str, columns: Sequence[str]) -> str:
    return "ROW(" + ", ".join(f"{alias}.{c}" for c in columns) + ")"


def _fill_expressions(data: Sequence[str], bookkeeping: Sequence[str], new: str) -> dict[str, str]:
    newer = f"(t.api_generated_time IS NULL OR t.api_generated_time <= {new}.api_generated_time)"
    expressions = {
        c: f"CASE WHEN {newer} THEN {new}.{c} ELSE coalesce(t.{c}, {new}.{c}) END" for c in data
    }
    for c in bookkeeping:
        expressions[c] = f"greatest(t.{c}, {new}.{c})"
    return expressions


class _Typed(NamedTuple):
    column: str
    type: str


_SUMMARY_RACE_COLUMNS: tuple[_Typed, ...] = (
    _Typed("race_id", "uuid"),
    _Typed("meeting_id", "uuid"),
    _Typed("race_number", "integer"),
    _Typed("name", "text"),
    _Typed("start_time", "timestamptz"),
    _Typed("actual_start", "timestamptz"),
    _Typed("silk_url", "text"),
    _Typed("protest", "boolean"),
    _Typed("protest_reason", "text"),
    _Typed("api_generated_time", "timestamptz"),
    _Typed("last_polled_at", "timestamptz"),
)


@cache
def update_races_from_list() -> str:
    """Races-list rows update stored races only (they carry no status or racing day to insert)."""
    columns = [c.column for c in _SUMMARY_RACE_COLUMNS]
    arrays = ", ".join(f"%s::{c.type}[]" for c in _SUMMARY_RACE_COLUMNS)
    data = [c for c in columns if c not in ("race_id", "meeting_id") and c not in _BOOKKEEPING]
    new = _fill_expressions(data, _BOOKKEEPING, "v")
    return (
        "UPDATE races AS t SET "
        + ", ".join(f"{c} = {expr}" for c, expr in new.items())
        + f" FROM unnest({arrays}) AS v({', '.join(columns)})"
        + " WHERE t.race_id = v.race_id AND t.meeting_id = v.meeting_id"
        + f" AND ROW({', '.join(new.values())}) IS DISTINCT FROM {_row('t', list(new))}"
    )


def unknown_races() -> str:
    """Which of the given race ids are not stored (races-list rows that could not be applied)."""
    return (
        "SELECT count(*) FROM unnest(%s::uuid[]) AS v(race_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM races r WHERE r.race_id = v.race_id)"
    )


def race_state() -> str:
    """What the writer must know before deciding: read after the race lock, in one round trip.

    The stored result's time (older placings are left out), the newest observation of the race
    (an older poll needs the neighbour fix-ups below), and entrants of this payload that are
    stored under another race (refused: an entrant id names one runner of one race).
    """
    return """
        SELECT (SELECT api_generated_time FROM race_results WHERE race_id = %(race_id)s),
               (SELECT last_polled_at FROM races WHERE race_id = %(race_id)s),
               (SELECT array_agg(entrant_id::text || ' belongs to race ' || race_id::text
                                 ORDER BY entrant_id)
                  FROM entrants
                 WHERE entrant_id = ANY(%(entrant_ids)s::uuid[]) AND race_id <> %(race_id)s)"""


def fix_next_odds() -> str:
    """Re-decide the price row at the entrant's next observation after a late poll.

    Odds history keeps changes only, so a poll stored late changes the answer to "is this a
    change?" at exactly one place: the next observation of the same entrant (found in
    money_flow_history, which keeps every poll with its prices). There the row must exist iff
    that observation's price differs from the late poll's. Everything later is unaffected.
    Rows in result: deletions and insertions together, as a signed count is not useful here.
    """
    return f"""
        WITH n AS (
            SELECT * FROM unnest(%(entrant_ids)s::uuid[], %(types)s::text[], %(odds)s::numeric[])
                AS n(entrant_id, type, odds)),
        nxt AS (
            SELECT n.entrant_id, n.type, n.odds AS late, q.event_timestamp AS at, q.odds AS seen
            FROM n CROSS JOIN LATERAL (
                SELECT m.event_timestamp,
                       CASE n.type WHEN 'fixed_win' THEN m.fixed_win_odds
                                   WHEN 'fixed_place' THEN m.fixed_place_odds
                                   WHEN 'pool_win' THEN m.pool_win_odds
                                   ELSE m.pool_place_odds END AS odds
                FROM money_flow_history m
                WHERE m.entrant_id = n.entrant_id
                  AND m.event_timestamp > %(ts)s
                  AND m.event_timestamp <= %(ts)s + {_LOOKBACK_SQL}
                  AND CASE n.type WHEN 'fixed_win' THEN m.fixed_win_odds
                                  WHEN 'fixed_place' THEN m.fixed_place_odds
                                  WHEN 'pool_win' THEN m.pool_win_odds
                                  ELSE m.pool_place_odds END IS NOT NULL
                ORDER BY m.event_timestamp
                LIMIT 1) AS q),
        dropped AS (
            DELETE FROM odds_history o USING nxt
            WHERE (o.entrant_id, o.type, o.event_timestamp) = (nxt.entrant_id, nxt.type, nxt.at)
              AND nxt.seen = nxt.late
            RETURNING 1)
        INSERT INTO odds_history (entrant_id, event_timestamp, type, odds)
        SELECT entrant_id, at, type, seen FROM nxt WHERE seen <> late
        ON CONFLICT DO NOTHING"""


def reprice_next_money() -> str:
    """After an older poll's money rows are in, the next stored row's increments are measured
    from them instead of from the observation before."""
    return f"""
        UPDATE money_flow_history m
        SET incremental_win_amount = m.win_pool_amount - n.win,
            incremental_place_amount = m.place_pool_amount - n.place
        FROM unnest(%(entrant_ids)s::uuid[], %(wins)s::numeric[], %(places)s::numeric[])
             AS n(entrant_id, win, place)
        WHERE m.entrant_id = n.entrant_id
          AND m.event_timestamp = (
              SELECT min(x.event_timestamp) FROM money_flow_history x
              WHERE x.entrant_id = n.entrant_id
                AND x.event_timestamp > %(ts)s
                AND x.event_timestamp <= %(ts)s + {_LOOKBACK_SQL})"""


def race_locks() -> str:
    """race_lock for many races at once (keys passed as two arrays, already in lock order)."""
    return "SELECT pg_advisory_xact_lock(c, o) FROM unnest(%s::int[], %s::int[]) AS k(c, o)"


def race_lock() -> str:
    """Serialises writers of one race, so change detection sees every committed predecessor."""
    return "SELECT pg_advisory_xact_lock(%s, %s)"


def insert_odds() -> str:
    """Odds rows for prices that differ from the entrant's last stored price of that type."""
    return f"""
        INSERT INTO odds_history (entrant_id, event_timestamp, type, odds)
        SELECT n.entrant_id, %(ts)s, n.type, n.odds
        FROM unnest(%(entrant_ids)s::uuid[], %(types)s::text[], %(odds)s::numeric[])
             AS n(entrant_id, type, odds)
        WHERE n.odds IS DISTINCT FROM (
            SELECT o.odds FROM odds_history o
            WHERE o.entrant_id = n.entrant_id AND o.type = n.type
              AND o.event_timestamp < %(ts)s
              AND o.event_timestamp >= %(ts)s - {_LOOKBACK_SQL}
            ORDER BY o.event_timestamp DESC
            LIMIT 1)
        ON CONFLICT DO NOTHING"""


def insert_money_flow() -> str:
    """Money-flow rows with increments against the entrant's previous stored observation."""
    return f"""
        INSERT INTO money_flow_history (
            entrant_id, race_id, event_timestamp, hold_percentage, bet_percentage,
            win_pool_amount, place_pool_amount, incremental_win_amount, incremental_place_amount,
            time_to_start, time_interval, interval_type,
            fixed_win_odds, fixed_place_odds, pool_win_odds, pool_place_odds)
        SELECT n.entrant_id, %(race_id)s, %(ts)s, n.hold, n.bet, n.win, n.place,
               n.win - p.win_pool_amount, n.place - p.place_pool_amount,
               %(time_to_start)s, %(time_interval)s, %(interval_type)s,
               n.fixed_win, n.fixed_place, n.pool_win, n.pool_place
        FROM unnest(%(entrant_ids)s::uuid[], %(holds)s::numeric[], %(bets)s::numeric[],
                    %(wins)s::numeric[], %(places)s::numeric[],
                    %(fixed_wins)s::numeric[], %(fixed_places)s::numeric[],
                    %(pool_wins)s::numeric[], %(pool_places)s::numeric[])
             AS n(entrant_id, hold, bet, win, place, fixed_win, fixed_place, pool_win, pool_place)
        LEFT JOIN LATERAL (
            SELECT m.win_pool_amount, m.place_pool_amount FROM money_flow_history m
            WHERE m.entrant_id = n.entrant_id
              AND m.event_timestamp < %(ts)s
              AND m.event_timestamp >= %(ts)s - {_LOOKBACK_SQL}
            ORDER BY m.event_timestamp DESC
            LIMIT 1) AS p ON true
        ON CONFLICT DO NOTHING"""


def delete_stale_positions() -> str:
    """Placings no longer in a result (a protest moved them), unless a newer payload wrote them."""
    return (
        "DELETE FROM race_result_positions"
        " WHERE race_id = %(race_id)s AND NOT (entrant_id = ANY(%(entrant_ids)s::uuid[]))"
        " AND (api_generated_time IS NULL OR api_generated_time < %(ts)s)"
    )


def delete_stale_dividends() -> str:
    """Dividends no longer in the payload, unless a newer payload wrote them."""
    return (
        "DELETE FROM race_dividends d WHERE d.race_id = %(race_id)s"
        " AND (d.api_generated_time IS NULL OR d.api_generated_time < %(ts)s)"
        " AND NOT EXISTS (SELECT 1 FROM unnest(%(totes)s::text[], %(products)s::text[],"
        " %(descriptions)s::text[]) AS k(tote, product_name, description)"
        " WHERE (k.tote, k.product_name, k.description) = (d.tote, d.product_name, d.description))"
    )
