"""The SQL the writer and the backfill send, composed once from the table definitions.

Identifiers (tables, columns, aliases) go through `psycopg.sql`; column lists come from the row
types (`ingest.rows`, via `ingest.tables`). Each statement is composed on first use and cached as
rendered text (`_render`), so writing a race does not compose SQL again.

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

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cache
from typing import Literal, NamedTuple

from psycopg import sql

from raceday.ingest.rows import PRICE_TYPES, MoneyObservation, SummaryRaceRow, price_column
from raceday.ingest.tables import MONEY_FLOW_HISTORY, ODDS_HISTORY, Table, sql_types

__all__ = [
    "HISTORY_LOOKBACK",
    "MAX_PARAMETERS",
    "MONEY_INPUTS",
    "Mode",
    "copy_into",
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
# The backfill planner uses the same bound.
HISTORY_LOOKBACK = timedelta(days=3)
_LOOKBACK = sql.Literal(HISTORY_LOOKBACK)
_BOOKKEEPING = ("api_generated_time", "last_polled_at")


def _render(query: sql.Composable) -> sql.SQL:
    """The statement as fixed text: quoted by psycopg.sql once, sent as is every time after."""
    return sql.SQL(query.as_string(None))


def _ids(columns: Iterable[str], alias: str | None = None) -> sql.Composed:
    names = (sql.Identifier(alias, c) if alias else sql.Identifier(c) for c in columns)
    return sql.SQL(", ").join(names)


def _row(alias: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("ROW({})").format(_ids(columns, alias))


def _assign(column: str, value: sql.Composable) -> sql.Composed:
    return sql.SQL("{} = {}").format(sql.Identifier(column), value)


def _numbered_rows(rows: int, width: int) -> sql.Composed:
    """($1, $2, …), (…): `rows` rows of `width` server-side parameters, numbered in order."""
    return sql.SQL(", ").join(
        sql.SQL("({})").format(
            sql.SQL(", ").join(sql.SQL(f"${row * width + n}") for n in range(1, width + 1))
        )
        for row in range(rows)
    )


@cache
def upsert(
    table: str, columns: tuple[str, ...], key: tuple[str, ...], mode: Mode, rows: int
) -> sql.SQL:
    """INSERT ... VALUES (rows of $n) ON CONFLICT (key) ... for `rows` rows of `columns`.

    The parameters are PostgreSQL's own `$n`, sent through a `psycopg.RawCursor`: a race's
    entrants are ~600 parameters, too many for psycopg's cache of parsed `%s` queries, and
    parsing them again for every race was a sixth of the writer's client time.
    """
    head = sql.SQL("INSERT INTO {} AS t ({}) VALUES {} ON CONFLICT ({}) DO ").format(
        sql.Identifier(table), _ids(columns), _numbered_rows(rows, len(columns)), _ids(key)
    )
    if mode == "insert_missing":
        return _render(head + sql.SQL("NOTHING"))
    data = [c for c in columns if c not in key and c not in _BOOKKEEPING]
    overwrite = sql.SQL(", ").join(
        _assign(c, sql.Identifier("excluded", c)) for c in columns if c not in key
    )
    if mode == "advance":
        return _render(
            head
            + sql.SQL("UPDATE SET {} WHERE t.api_generated_time IS NULL").format(overwrite)
            + sql.SQL(" OR t.api_generated_time < excluded.api_generated_time")
        )
    if mode == "newer_wins":
        return _render(
            head
            + sql.SQL("UPDATE SET {} WHERE (t.api_generated_time IS NULL").format(overwrite)
            + sql.SQL(" OR t.api_generated_time <= excluded.api_generated_time)")
            + sql.SQL(" AND {} IS DISTINCT FROM {}").format(_row("t", data), _row("excluded", data))
        )
    new = _fill_expressions(data, [c for c in _BOOKKEEPING if c in columns], "excluded")
    return _render(
        head
        + sql.SQL("UPDATE SET {} WHERE ROW({}) IS DISTINCT FROM {}").format(
            sql.SQL(", ").join(_assign(c, e) for c, e in new.items()),
            sql.SQL(", ").join(new.values()),
            _row("t", list(new)),
        )
    )


def _fill_expressions(
    data: Sequence[str], bookkeeping: Sequence[str], new: str
) -> dict[str, sql.Composable]:
    """Per column: the new value when the payload is not older, else fill a NULL only."""
    newer = sql.SQL(
        "(t.api_generated_time IS NULL OR t.api_generated_time <= {}.api_generated_time)"
    ).format(sql.Identifier(new))
    expressions: dict[str, sql.Composable] = {
        c: sql.SQL("CASE WHEN {newer} THEN {new} ELSE coalesce({old}, {new}) END").format(
            newer=newer, new=sql.Identifier(new, c), old=sql.Identifier("t", c)
        )
        for c in data
    }
    for c in bookkeeping:
        expressions[c] = sql.SQL("greatest({}, {})").format(
            sql.Identifier("t", c), sql.Identifier(new, c)
        )
    return expressions


def _unnest(columns: Sequence[str], types: Sequence[str], *, named: bool) -> sql.Composed:
    """unnest(%(col)s::type[], …) AS v(col, …): one array parameter per column."""
    arrays = sql.SQL(", ").join(
        sql.SQL("{}::{}").format(
            sql.Placeholder(column) if named else sql.Placeholder(), sql.SQL(f"{kind}[]")
        )
        for column, kind in zip(columns, types, strict=True)
    )
    return sql.SQL("unnest({})").format(arrays)


@cache
def update_races_from_list() -> sql.SQL:
    """Races-list rows update stored races only (they carry no status or racing day to insert).

    Parameters: one array per SummaryRaceRow field, in field order.
    """
    columns = SummaryRaceRow._fields
    data = [c for c in columns if c not in ("race_id", "meeting_id") and c not in _BOOKKEEPING]
    new = _fill_expressions(data, _BOOKKEEPING, "v")
    return _render(
        sql.SQL("UPDATE races AS t SET {} FROM {} AS v({})").format(
            sql.SQL(", ").join(_assign(c, e) for c, e in new.items()),
            _unnest(columns, sql_types(SummaryRaceRow), named=False),
            _ids(columns),
        )
        + sql.SQL(" WHERE t.race_id = v.race_id AND t.meeting_id = v.meeting_id")
        + sql.SQL(" AND ROW({}) IS DISTINCT FROM {}").format(
            sql.SQL(", ").join(new.values()), _row("t", list(new))
        )
    )


def unknown_races() -> sql.SQL:
    """Which of the given race ids are not stored (races-list rows that could not be applied)."""
    return sql.SQL(
        "SELECT count(*) FROM unnest(%s::uuid[]) AS v(race_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM races r WHERE r.race_id = v.race_id)"
    )


def race_state() -> sql.SQL:
    """What the writer must know before deciding: read after the race lock, in one round trip.

    The stored result's time (older placings are left out), the newest observation of the race
    (an older poll needs the neighbour fix-ups below), and entrants of this payload that are
    stored under another race (refused: an entrant id names one runner of one race).
    """
    return sql.SQL("""
        SELECT (SELECT api_generated_time FROM race_results WHERE race_id = %(race_id)s),
               (SELECT last_polled_at FROM races WHERE race_id = %(race_id)s),
               (SELECT array_agg(entrant_id::text || ' belongs to race ' || race_id::text
                                 ORDER BY entrant_id)
                  FROM entrants
                 WHERE entrant_id = ANY(%(entrant_ids)s::uuid[]) AND race_id <> %(race_id)s)""")


def _price_of(alias: str) -> sql.Composed:
    """CASE n.type WHEN 'fixed_win' THEN m.fixed_win_odds … END: a money-flow row's price of
    the observation's type."""
    whens = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(t), sql.Identifier(alias, price_column(t)))
        for t in PRICE_TYPES
    )
    return sql.SQL("CASE n.type {} END").format(whens)


@cache
def fix_next_odds() -> sql.SQL:
    """Re-decide the price row at the entrant's next observation after a late poll.

    Odds history keeps changes only, so a poll stored late changes the answer to "is this a
    change?" at exactly one place: the next observation of the same entrant (found in
    money_flow_history, which keeps every poll with its prices). There the row must exist iff
    that observation's price differs from the late poll's. Everything later is unaffected.
    Rows in result: deletions and insertions together, as a signed count is not useful here.
    """
    price = _price_of("m")
    return _render(
        sql.SQL("""
        WITH n AS (
            SELECT * FROM unnest(%(entrant_ids)s::uuid[], %(types)s::text[], %(odds)s::numeric[])
                AS n(entrant_id, type, odds)),
        nxt AS (
            SELECT n.entrant_id, n.type, n.odds AS late, q.event_timestamp AS at, q.odds AS seen
            FROM n CROSS JOIN LATERAL (
                SELECT m.event_timestamp, {price} AS odds
                FROM money_flow_history m
                WHERE m.entrant_id = n.entrant_id
                  AND m.event_timestamp > %(ts)s
                  AND m.event_timestamp <= %(ts)s + {lookback}
                  AND {price} IS NOT NULL
                ORDER BY m.event_timestamp
                LIMIT 1) AS q),
        dropped AS (
            DELETE FROM odds_history o USING nxt
            WHERE (o.entrant_id, o.type, o.event_timestamp) = (nxt.entrant_id, nxt.type, nxt.at)
              AND nxt.seen = nxt.late
            RETURNING 1)
        INSERT INTO odds_history ({columns})
        SELECT entrant_id, at, type, seen FROM nxt WHERE seen <> late
        ON CONFLICT DO NOTHING""").format(
            price=price, lookback=_LOOKBACK, columns=ODDS_HISTORY.column_list()
        )
    )


@cache
def reprice_next_money() -> sql.SQL:
    """After an older poll's money rows are in, the next stored row's increments are measured
    from them instead of from the observation before. Takes insert_money_flow's parameters."""
    return _render(
        sql.SQL("""
        UPDATE money_flow_history m
        SET incremental_win_amount = m.win_pool_amount - n.win,
            incremental_place_amount = m.place_pool_amount - n.place
        FROM unnest(%(entrant_id)s::uuid[], %(win_pool_amount)s::numeric[],
                    %(place_pool_amount)s::numeric[])
             AS n(entrant_id, win, place)
        WHERE m.entrant_id = n.entrant_id
          AND m.event_timestamp = (
              SELECT min(x.event_timestamp) FROM money_flow_history x
              WHERE x.entrant_id = n.entrant_id
                AND x.event_timestamp > %(ts)s
                AND x.event_timestamp <= %(ts)s + {})""").format(_LOOKBACK)
    )


def race_locks() -> sql.SQL:
    """race_lock for many races at once (keys passed as two arrays, already in lock order)."""
    return sql.SQL(
        "SELECT pg_advisory_xact_lock(c, o) FROM unnest(%s::int[], %s::int[]) AS k(c, o)"
    )


def race_lock() -> sql.SQL:
    """Serialises writers of one race, so change detection sees every committed predecessor."""
    return sql.SQL("SELECT pg_advisory_xact_lock(%s, %s)")


@cache
def insert_odds() -> sql.SQL:
    """Odds rows for prices that differ from the entrant's last stored price of that type."""
    return _render(
        sql.SQL("""
        INSERT INTO odds_history ({columns})
        SELECT n.entrant_id, %(ts)s, n.type, n.odds
        FROM unnest(%(entrant_ids)s::uuid[], %(types)s::text[], %(odds)s::numeric[])
             AS n(entrant_id, type, odds)
        WHERE n.odds IS DISTINCT FROM (
            SELECT o.odds FROM odds_history o
            WHERE o.entrant_id = n.entrant_id AND o.type = n.type
              AND o.event_timestamp < %(ts)s
              AND o.event_timestamp >= %(ts)s - {lookback}
            ORDER BY o.event_timestamp DESC
            LIMIT 1)
        ON CONFLICT DO NOTHING""").format(columns=ODDS_HISTORY.column_list(), lookback=_LOOKBACK)
    )


class _MoneyInput(NamedTuple):
    """A per-entrant value the money-flow insert receives as an array named after its column."""

    column: str
    type: str


# The per-entrant inputs of insert_money_flow: MoneyObservation's values, prices as columns.
MONEY_INPUTS: tuple[_MoneyInput, ...] = tuple(
    _MoneyInput(c, t)
    for c, t in zip(MONEY_FLOW_HISTORY.columns, MONEY_FLOW_HISTORY.types, strict=True)
    if c in MoneyObservation._fields or c in {price_column(p) for p in PRICE_TYPES}
)


@cache
def insert_money_flow() -> sql.SQL:
    """Money-flow rows with increments against the entrant's previous stored observation.

    Parameters: one array per MONEY_INPUTS column (named after it), plus race_id, ts and the
    race's timing (time_to_start, time_interval, interval_type).
    """
    inputs = {i.column for i in MONEY_INPUTS}
    per_race = {"race_id": "race_id", "event_timestamp": "ts"}
    increments = {
        "incremental_win_amount": "win_pool_amount",
        "incremental_place_amount": "place_pool_amount",
    }

    def value(column: str) -> sql.Composable:
        if column in inputs:
            return sql.Identifier("n", column)
        if column in increments:
            amount = increments[column]
            return sql.SQL("{} - {}").format(
                sql.Identifier("n", amount), sql.Identifier("p", amount)
            )
        return sql.Placeholder(per_race.get(column, column))

    columns = MONEY_FLOW_HISTORY.columns
    return _render(
        sql.SQL("""
        INSERT INTO money_flow_history ({columns})
        SELECT {values}
        FROM {arrays} AS n({names})
        LEFT JOIN LATERAL (
            SELECT m.win_pool_amount, m.place_pool_amount FROM money_flow_history m
            WHERE m.entrant_id = n.entrant_id
              AND m.event_timestamp < %(ts)s
              AND m.event_timestamp >= %(ts)s - {lookback}
            ORDER BY m.event_timestamp DESC
            LIMIT 1) AS p ON true
        ON CONFLICT DO NOTHING""").format(
            columns=MONEY_FLOW_HISTORY.column_list(),
            values=sql.SQL(", ").join(value(c) for c in columns),
            arrays=_unnest(
                [i.column for i in MONEY_INPUTS], [i.type for i in MONEY_INPUTS], named=True
            ),
            names=_ids(i.column for i in MONEY_INPUTS),
            lookback=_LOOKBACK,
        )
    )


@cache
def copy_into(table: Table) -> sql.SQL:
    """Binary COPY of every column of `table`, in its row type's order."""
    return _render(
        sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            table.identifier, table.column_list()
        )
    )


def delete_stale_positions() -> sql.SQL:
    """Placings no longer in a result (a protest moved them), unless a newer payload wrote them."""
    return sql.SQL(
        "DELETE FROM race_result_positions"
        " WHERE race_id = %(race_id)s AND NOT (entrant_id = ANY(%(entrant_ids)s::uuid[]))"
        " AND (api_generated_time IS NULL OR api_generated_time < %(ts)s)"
    )


def delete_stale_dividends() -> sql.SQL:
    """Dividends no longer in the payload, unless a newer payload wrote them."""
    return sql.SQL(
        "DELETE FROM race_dividends d WHERE d.race_id = %(race_id)s"
        " AND (d.api_generated_time IS NULL OR d.api_generated_time < %(ts)s)"
        " AND NOT EXISTS (SELECT 1 FROM unnest(%(totes)s::text[], %(products)s::text[],"
        " %(descriptions)s::text[]) AS k(tote, product_name, description)"
        " WHERE (k.tote, k.product_name, k.description) = (d.tote, d.product_name, d.description))"
    )
