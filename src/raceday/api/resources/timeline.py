"""The money-flow timeline of a race for the race page's grid (contract B12, §3
"/money-flow-timeline", M1, M7, M8, M9).

    GET /money-flow-timeline?race_id=&entrants=&pool_type=&limit=&cursor_after=&created_after=

A document is one stored money_flow_history row: one entrant observed by one race-event poll.
Its `id` is the row's primary key (entrant_id, event_timestamp) written as one string,
`<entrant_id>@<event_timestamp, UTC, microseconds>`: stable, unique, and the client's dedup key.

Units and meaning of the values (the client's, contract §3 and M8/M9):
- Money in whole CENTS (the store holds dollars): win/place_pool_amount (the entrant's share of
  the pool at that poll), and incremental_win/place_amount, which are what the grid prints in a
  column: at interval 60 the absolute amount (the baseline), at every other interval the change
  since the entrant's last observation in the bucket before, so that the latest row of a bucket
  carries the whole bucket's change (the client's first load keeps the latest document of each
  interval). A row with no earlier bucket to compare with (polling began inside the hour) has
  null increments. With one poll per bucket this is the store's poll-to-poll increment; the
  store's own column (difference from the previous poll) is not what a column of the grid means
  when a bucket holds several polls, and at 60 it is not the baseline.
- time_interval is the stored bucket (60, 55 ... 5, 4 ... 0, then -0.5, -1 ... -5, then whole
  minutes after the start): the client shows a row when it equals a column; half-minute rows
  after the start only feed the client's latest-value reads.
- The four odds are the entrant's prices in the same poll (the earlier backend sent null: M7).
- Both spellings the client reads: winPoolAmount, placePoolAmount, betPercentage (M8).

pool_type (default win) chooses the rows and the generic pair `pool_type`/`incremental_amount`;
every document always carries both pools' amounts and all four prices, because the real client
draws its Win, Place and Odds views from one request (it never sends poolType, its route sends
win):
- win: rows of polls that had a Win pool (win_pool_amount not null); incremental_amount is the
  win increment.
- place: rows of polls that had a Place pool (small fields have none); incremental_amount is the
  place increment.
- odds: rows that carry at least one price; incremental_amount is null.

Paging. Pages follow one total order, (created_at, entrant_id, event_timestamp): created_at first
because the client's next refresh asks `created_after` = our next_created_at, the primary key to
break ties (a poll's rows share its transaction's created_at). `next_cursor` is an opaque string
naming the last row's key; `cursor_after` returns rows strictly after it; it is null when no
further row exists now (one row more than `limit` is read to know). Limit 1-2000 (the earlier backend's range), default 200.

Why rows cannot be skipped while the poller writes: money_flow_history has no insertion
sequence. Ordering by event_timestamp would skip a late poll (a file, a catch-up) stored after
the cursor passed its time. created_at (DEFAULT now()) is the writer's transaction START, and
transactions commit in another order than they start: a transaction that began earlier (waiting
for the race's advisory lock, or a long backfill) can commit rows behind a cursor that already
passed them. So every page only serves rows that are settled: created before `settled_before`,
the start of the oldest transaction that may still commit rows (pg_stat_activity, read in a
statement BEFORE the page's snapshot is taken, so anything committing in between is visible to
the page). Transactions that hold a transaction id or are running a statement count however old
they are; a session idle in a transaction without writing counts for at most 10 s (a psql left
open must not freeze the timeline); and a small margin (100 ms) covers a transaction that has
taken its start time but not yet published it. Sessions the API's role may not see (other roles,
without pg_read_all_stats) make the horizon 10 s ago: run the API with the writer's role or grant
it pg_read_all_stats, or a writer transaction longer than that could commit behind a cursor. A
session still starting up (state null, but visible) has no transaction and does not count.
Rows held back this way come on the next request.

The horizon is read afresh by every request, so it can move back between two pages (a hidden
session opens). Paging must not: the rows that share the cursor's created_at are served whatever
the horizon (they are the cursor's own poll, which committed: its rows were visible together),
and an empty page after a cursor or a `created_after` answers next_created_at = where it
resumed from, never null, so that a client's next refresh neither repeats nor skips rows. The increments are computed when read, so a
late poll changes those of the entrant's later rows; rows already served are not sent again.

next_created_at: the largest created_at served, for the client's next refresh. When the next
row shares the last row's created_at (a poll's rows split across pages) it is 1 µs earlier, so a
client that stops paging (it stops at 10 pages) and refreshes with it misses none of that poll;
it dedups the repeats by id. Null when the page is empty.

Rendering: a page is up to 2,000 documents of 25 fields, the API's largest body and the race
page's hottest call, so it is written by orjson from plain dicts (floats and integer cents from
the SQL, instants converted to NZ time) instead of being built as pydantic models and dumped:
measured 2.4 -> 0.9 ms for a page of 200. TimelinePage stays the documented response model,
and the tests validate every body against it.

Partition pruning: money_flow_history is range-partitioned by NZ racing day on event_timestamp.
The race is read first; the page query then bounds event_timestamp by parameters, from the
start of the day before the race's day to the end of the day after it (`observation_window`),
so the planner keeps those three partitions only (the statement is never prepared: an unnamed
statement is planned with its values). Observations outside that window are not served.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import psycopg
from fastapi import APIRouter, Query, Response
from psycopg.rows import dict_row
from pydantic import BaseModel, WithJsonSchema

from raceday import fastjson
from raceday.api.db import Conn
from raceday.api.errors import BadRequest, NotFound
from raceday.api.types import NZ, Number, NzTime
from raceday.racing_day import day_start, racing_day_of

__all__ = [
    "CURSOR_PATTERN",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "RACE_SQL",
    "TIMELINE_SQL",
    "IntervalCoverage",
    "TimelineDocument",
    "TimelinePage",
    "decode_cursor",
    "encode_cursor",
    "entrant_ids",
    "observation_window",
    "page_parameters",
    "parse_instant",
    "router",
]

router = APIRouter(tags=["timeline"])

DEFAULT_LIMIT = 200
MAX_LIMIT = 2000  # the earlier backend's bound: a client sending up to it is not refused
MAX_ENTRANTS = 100
PoolType = Literal["win", "place", "odds"]
_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)

# The race, and the instant before which every row that will ever be visible is visible now
# (module docstring, "Paging"). Its own statement: it must run before the page's snapshot.
RACE_SQL = """
SELECT r.race_date_nz,
       r.start_time,
       (SELECT least(
                   statement_timestamp() - interval '100 milliseconds',
                   min(a.xact_start) FILTER (
                       WHERE a.backend_xid IS NOT NULL OR a.state = 'active'),
                   CASE WHEN bool_or(a.state IN ('idle in transaction',
                                                 'idle in transaction (aborted)'))
                        THEN greatest(
                                 min(a.xact_start) FILTER (
                                     WHERE a.state IN ('idle in transaction',
                                                       'idle in transaction (aborted)')),
                                 statement_timestamp() - interval '10 seconds')
                   END,
                   CASE WHEN bool_or(a.query = '<insufficient privilege>')
                        THEN statement_timestamp() - interval '10 seconds'
                   END)
          FROM pg_stat_activity a
         WHERE a.datname = current_database()
           AND a.pid <> pg_backend_pid()
           -- A session hidden from this role shows no backend_type either.
           AND (a.backend_type = 'client backend'
                OR a.query = '<insufficient privilege>')) AS settled_before
  FROM races r
 WHERE r.race_id = %(race_id)s
"""

# One page: the race's settled rows after the cursor (of the asked entrants, in the observation
# window), in page order; then, for each row, the entrant's observation just before its bucket
# (the latest earlier row whose interval differs: buckets are runs of one interval), which the
# increments are measured from. That lookup is one backward step on the primary key per row of
# the page, where computing the increments with window functions over every row of the race
# sorted all of them for each page (measured: 4.4 -> 2.6 ms for a page of 200 of 1,400 rows).
TIMELINE_SQL = """
SELECT m.entrant_id, m.race_id, m.event_timestamp, m.created_at,
       m.hold_percentage::float8, m.bet_percentage::float8, m.time_to_start::float8,
       m.time_interval::float8, m.interval_type,
       round(m.win_pool_amount * 100)::bigint AS win_pool_amount,
       round(m.place_pool_amount * 100)::bigint AS place_pool_amount,
       round(CASE WHEN m.time_interval = 60 THEN m.win_pool_amount
                  ELSE m.win_pool_amount - before.win_pool_amount END * 100)::bigint
           AS incremental_win_amount,
       round(CASE WHEN m.time_interval = 60 THEN m.place_pool_amount
                  ELSE m.place_pool_amount - before.place_pool_amount END * 100)::bigint
           AS incremental_place_amount,
       m.fixed_win_odds::float8, m.fixed_place_odds::float8,
       m.pool_win_odds::float8, m.pool_place_odds::float8
  FROM (
    SELECT p.*
      FROM money_flow_history p
     WHERE p.race_id = %(race_id)s
       AND p.event_timestamp >= %(observed_from)s
       AND p.event_timestamp < %(observed_until)s
       AND (%(entrant_ids)s::uuid[] IS NULL OR p.entrant_id = ANY (%(entrant_ids)s::uuid[]))
       AND (p.created_at < %(settled_before)s
            OR p.created_at = %(after_created_at)s::timestamptz)
       AND (%(created_after)s::timestamptz IS NULL OR p.created_at > %(created_after)s::timestamptz)
       AND (%(after_created_at)s::timestamptz IS NULL
            OR (p.created_at, p.entrant_id, p.event_timestamp)
               > (%(after_created_at)s::timestamptz, %(after_entrant_id)s::uuid,
                  %(after_event_timestamp)s::timestamptz))
       AND CASE %(pool_type)s::text
               WHEN 'win' THEN p.win_pool_amount IS NOT NULL
               WHEN 'place' THEN p.place_pool_amount IS NOT NULL
               ELSE num_nonnulls(p.fixed_win_odds, p.fixed_place_odds,
                                 p.pool_win_odds, p.pool_place_odds) > 0
           END
     ORDER BY p.created_at, p.entrant_id, p.event_timestamp
     LIMIT %(fetch)s
  ) m
  LEFT JOIN LATERAL (
    SELECT x.win_pool_amount, x.place_pool_amount
      FROM money_flow_history x
     WHERE x.entrant_id = m.entrant_id
       AND x.event_timestamp < m.event_timestamp
       AND x.event_timestamp >= %(observed_from)s
       AND x.event_timestamp < %(observed_until)s
       AND x.time_interval IS DISTINCT FROM m.time_interval
     ORDER BY x.event_timestamp DESC
     LIMIT 1
  ) before ON true
 ORDER BY m.created_at, m.entrant_id, m.event_timestamp
"""


class TimelineDocument(BaseModel):
    """One money-flow observation of one entrant (module docstring: units and meaning)."""

    id: str
    entrant_id: UUID
    race_id: UUID
    time_interval: Number
    interval_type: str
    time_to_start: Number
    hold_percentage: Number
    bet_percentage: Number
    win_pool_amount: int | None
    place_pool_amount: int | None
    incremental_win_amount: int | None
    incremental_place_amount: int | None
    pool_type: PoolType
    incremental_amount: int | None
    fixed_win_odds: Number | None
    fixed_place_odds: Number | None
    pool_win_odds: Number | None
    pool_place_odds: Number | None
    polling_timestamp: NzTime
    event_timestamp: NzTime
    created_at: NzTime
    # The legacy spellings the client also reads (M8).
    winPoolAmount: int | None
    placePoolAmount: int | None
    betPercentage: Number


class IntervalCoverage(BaseModel):
    """What this page covers (the client only logs it)."""

    scope: Literal["page"] = "page"
    total_documents: int
    entrants_covered: int
    intervals_covered: list[Number]


class TimelinePage(BaseModel):
    race_id: UUID
    pool_type: PoolType
    documents: list[TimelineDocument]
    next_cursor: str | None
    next_created_at: NzTime | None
    interval_coverage: IntervalCoverage
    message: str | None


# --- parameters ----------------------------------------------------------------------------------

# Documented, not enforced by FastAPI: the endpoint checks each id itself, to name the bad one.
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EntrantList = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^({_UUID}(,{_UUID}){{0,{MAX_ENTRANTS - 1}}})?$",
            "description": "entrant ids, comma-joined",
        }
    ),
]

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})"
)


def parse_instant(value: str, name: str) -> datetime:
    """An RFC 3339 date-time with an offset (Z or ±HH:MM); BadRequest naming `name` otherwise.

    A '+' left unescaped in a URL arrives as a space: ' 12:00' at the end is read as '+12:00'.
    """
    text = value.strip()
    if re.search(r" \d{2}:\d{2}$", text) and _RFC3339.fullmatch(text[:-6] + "+" + text[-5:]):
        text = text[:-6] + "+" + text[-5:]
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise BadRequest(
            f"{name}: {value!r} is not an RFC 3339 date-time with an offset, "
            "e.g. 2025-07-17T12:50:00+12:00"
        )
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")  # datetime holds microseconds
    offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
    try:
        return datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}{offset}")
    except ValueError as exc:
        raise BadRequest(f"{name}: {value!r} is not a valid date-time ({exc})") from exc


def entrant_ids(values: list[str] | None) -> list[UUID] | None:
    """The asked entrants (comma-joined, the key possibly repeated), in order, each once; None
    for all of the race's."""
    ids: list[UUID] = []
    for value in values or ():
        for text in value.split(","):
            if not text.strip():
                continue
            try:
                entrant = UUID(text.strip())
            except ValueError:
                raise BadRequest(f"entrants: {text.strip()!r} is not a UUID") from None
            if entrant not in ids:
                ids.append(entrant)
    if len(ids) > MAX_ENTRANTS:
        raise BadRequest(f"entrants: at most {MAX_ENTRANTS} ids, got {len(ids)}")
    return ids or None


# --- the cursor ----------------------------------------------------------------------------------

# created_at and event_timestamp as microseconds since 1970 (UTC), the entrant's uuid as hex.
# Opaque to the client; its pattern is in the OpenAPI document, and every string that matches
# it is a position (so a fuzzer's well-formed values are accepted, garbage is a 400).
CURSOR_PATTERN = r"^[0-9]{1,16}-[0-9a-f]{32}-[0-9]{1,16}$"
_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(created_at: datetime, entrant_id: UUID, event_timestamp: datetime) -> str:
    """A position in the page order: just after the row with this key."""
    return f"{_micros(created_at)}-{entrant_id.hex}-{_micros(event_timestamp)}"


def decode_cursor(cursor: str) -> tuple[datetime, UUID, datetime]:
    """The key `encode_cursor` wrote; BadRequest for anything else."""
    if not _CURSOR.fullmatch(cursor):
        raise BadRequest(
            "cursor_after: not a cursor this API issued (send next_cursor back unchanged)"
        )
    created_at, entrant_id, event_timestamp = cursor.split("-")
    return _instant(created_at), UUID(hex=entrant_id), _instant(event_timestamp)


def _micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _ONE_MICROSECOND


def _instant(micros: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(micros))


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


# --- the race's observation window ---------------------------------------------------------------


def observation_window(race_date_nz: date, start_time: datetime) -> tuple[datetime, datetime]:
    """[from, until) for event_timestamp: the racing days from the one before the race's to the
    one after it (its date and the NZ day of its start differ for some foreign races)."""
    days = (race_date_nz, racing_day_of(start_time))
    return day_start(min(days) - _ONE_DAY), day_start(max(days) + 2 * _ONE_DAY)


def page_parameters(
    race_id: UUID,
    race: dict[str, Any],
    *,
    entrants: list[UUID] | None,
    after: tuple[datetime, UUID, datetime] | None,
    since: datetime | None,
    pool_type: PoolType,
    limit: int,
) -> dict[str, Any]:
    """TIMELINE_SQL's parameters for `race` (a RACE_SQL row); tests EXPLAIN the same."""
    observed_from, observed_until = observation_window(race["race_date_nz"], race["start_time"])
    return {
        "race_id": race_id,
        "observed_from": observed_from,
        "observed_until": observed_until,
        "entrant_ids": entrants,
        "settled_before": race["settled_before"],
        "created_after": since,
        "after_created_at": after[0] if after else None,
        "after_entrant_id": after[1] if after else None,
        "after_event_timestamp": after[2] if after else None,
        "pool_type": pool_type,
        "fetch": limit + 1,  # one more than the page: is there a next page?
    }


# --- the endpoint --------------------------------------------------------------------------------


@router.get(
    "/money-flow-timeline",
    response_model=TimelinePage,
    summary="A race's money-flow timeline, page by page",
)
async def money_flow_timeline(
    conn: Conn,
    race_id: UUID,
    entrants: Annotated[list[EntrantList] | None, Query()] = None,
    pool_type: PoolType = "win",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor_after: Annotated[
        str | None, Query(json_schema_extra={"pattern": CURSOR_PATTERN})
    ] = None,
    created_after: Annotated[str | None, Query(json_schema_extra={"format": "date-time"})] = None,
) -> Response:
    """Documents of the asked entrants (default: all the race's), oldest stored first; follow
    `next_cursor` to the end, then refresh with `created_after` = `next_created_at`."""
    asked = entrant_ids(entrants)
    after = decode_cursor(cursor_after) if cursor_after else None
    since = parse_instant(created_after, "created_after") if created_after else None
    race = await _one(conn, RACE_SQL, {"race_id": race_id})
    if race is None:
        raise NotFound(f"race {race_id} not found")
    params = page_parameters(
        race_id, race, entrants=asked, after=after, since=since, pool_type=pool_type, limit=limit
    )
    rows = await _all(conn, TIMELINE_SQL, params)
    page = _page(
        race_id,
        pool_type,
        rows,
        limit,
        resumed_from=after[0] if after else since,
        incremental=after is not None or since is not None,
    )
    return Response(fastjson.dumps(page), media_type="application/json")


def _page(
    race_id: UUID,
    pool_type: PoolType,
    rows: list[dict[str, Any]],
    limit: int,
    *,
    resumed_from: datetime | None,
    incremental: bool,
) -> dict[str, Any]:
    """The page as TimelinePage's JSON shape (module docstring, "Rendering")."""
    served, more = rows[:limit], rows[limit:]
    documents = [_document(row, pool_type) for row in served]
    next_cursor = None
    next_created_at = served[-1]["created_at"] if served else resumed_from
    if served and more:
        last = served[-1]
        next_cursor = encode_cursor(last["created_at"], last["entrant_id"], last["event_timestamp"])
        if more[0]["created_at"] == last["created_at"]:
            next_created_at = last["created_at"] - _ONE_MICROSECOND
    empty = "No timeline data available yet" if not documents and not incremental else None
    return {
        "race_id": race_id,
        "pool_type": pool_type,
        "documents": documents,
        "next_cursor": next_cursor,
        "next_created_at": None if next_created_at is None else next_created_at.astimezone(NZ),
        "interval_coverage": {
            "scope": "page",
            "total_documents": len(documents),
            "entrants_covered": len({row["entrant_id"] for row in served}),
            "intervals_covered": sorted({row["time_interval"] for row in served}, reverse=True),
        },
        "message": empty,
    }


def _document(row: dict[str, Any], pool_type: PoolType) -> dict[str, Any]:
    """One TimelineDocument's JSON shape. The SQL gives numbers as floats and money as integer
    cents; instants go out in NZ time (orjson writes an aware datetime with its own offset)."""
    observed = row["event_timestamp"]
    in_nz = observed.astimezone(NZ)
    win, place = row["incremental_win_amount"], row["incremental_place_amount"]
    return {
        "id": f"{row['entrant_id']}@{_utc(observed)}",
        "entrant_id": row["entrant_id"],
        "race_id": row["race_id"],
        "time_interval": row["time_interval"],
        "interval_type": row["interval_type"],
        "time_to_start": row["time_to_start"],
        "hold_percentage": row["hold_percentage"],
        "bet_percentage": row["bet_percentage"],
        "win_pool_amount": row["win_pool_amount"],
        "place_pool_amount": row["place_pool_amount"],
        "incremental_win_amount": win,
        "incremental_place_amount": place,
        "pool_type": pool_type,
        "incremental_amount": win
        if pool_type == "win"
        else place
        if pool_type == "place"
        else None,
        "fixed_win_odds": row["fixed_win_odds"],
        "fixed_place_odds": row["fixed_place_odds"],
        "pool_win_odds": row["pool_win_odds"],
        "pool_place_odds": row["pool_place_odds"],
        "polling_timestamp": in_nz,
        "event_timestamp": in_nz,
        "created_at": row["created_at"].astimezone(NZ),
        # The legacy spellings the client also reads (M8).
        "winPoolAmount": row["win_pool_amount"],
        "placePoolAmount": row["place_pool_amount"],
        "betPercentage": row["bet_percentage"],
    }


# Never prepared (prepare=False): psycopg prepares a statement after a few runs, and a prepared
# statement may get a generic plan that prunes partitions only at execution. Unprepared, the
# statement is planned with its parameter values, so the planner prunes.


async def _all(
    conn: psycopg.AsyncConnection[Any], query: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params, prepare=False)
        return await cur.fetchall()


async def _one(
    conn: psycopg.AsyncConnection[Any], query: str, params: dict[str, Any]
) -> dict[str, Any] | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params, prepare=False)
        return await cur.fetchone()
