"""The entrants resource: a race's field for the race page's grid (contract B7, §3 "/entrants",
M7, M13).

One query reads the race and its entrants. The entrants row already holds each runner's latest
observed state (fixed and tote odds, the money tracker's hold share), written by the newest
payload, so it is the source of `win_odds`, `place_odds`, `pool_*_odds` and `hold_percentage`.
A newer payload that lacked a value (no odds for a runner, no money_tracker) leaves NULL there;
only then, and only for runners still in the field, the latest value observed in the history
tables fills the gap (`LATEST_OBSERVED_SQL`).

That history query is race-scoped so PostgreSQL prunes partitions: odds_history and
money_flow_history are partitioned by NZ racing day on event_timestamp, and the query bounds
event_timestamp by literal parameters, the race's start plus or minus a day
(`observation_window`), which no observation of a race's market falls outside in practice. It
then probes the primary keys (entrant_id, event_timestamp[, type]) backwards, one row each.

Choices the contract leaves open:
- A price of 0 is NZTAB's "not offered": it goes out as null, and is not replaced by an older
  price (the runner is priced at nothing now, which is not the same as unknown).
- `silk_url` is the runner's own 64x64 image (else its 128x128 one); the race's sprite would need
  offsets the client does not have. `silk_url_64`/`silk_url_128` are the entrants' 64x64/128x128
  columns under the names the client reads.
- `odds_history` and `money_flow_history` are kept as keys and always empty: the client's route
  replaces both with [] (contract §3), and the earlier backend embedded every row of every
  partition on every poll (M7). The timeline resource serves the history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from raceday.api.db import Conn, fetch_all
from raceday.api.errors import NotFound
from raceday.api.types import Number

__all__ = [
    "LATEST_OBSERVED_SQL",
    "Entrant",
    "observation_window",
    "router",
]

router = APIRouter(tags=["entrants"])


class Entrant(BaseModel):
    entrant_id: UUID
    race_id: UUID
    name: str
    runner_number: int
    barrier: int | None
    is_scratched: bool
    is_late_scratched: bool
    is_emergency: bool
    jockey: str | None
    trainer_name: str | None
    silk_colours: str | None
    silk_url: str | None
    silk_url_64: str | None
    silk_url_128: str | None
    win_odds: Number | None  # latest fixed Win price, decimal odds
    place_odds: Number | None  # latest fixed Place price
    fixed_win_odds: Number | None  # the same prices under the store's names
    fixed_place_odds: Number | None
    pool_win_odds: Number | None  # latest tote approximate dividends
    pool_place_odds: Number | None
    hold_percentage: Number | None  # percent 0-100 of the money held on the runner
    bet_percentage: Number | None  # percent 0-100 of the bets
    favourite: bool
    mover: bool
    odds_history: list[Any] = Field(
        default_factory=list, description="always empty: the client discards it"
    )
    money_flow_history: list[Any] = Field(
        default_factory=list, description="always empty: the client discards it"
    )


# The race (always one row when it exists) and its entrants (none: one row of NULLs).
_FIELD_SQL = """
select r.start_time, e.entrant_id, e.race_id, e.name, e.runner_number, e.barrier,
       e.is_scratched, e.is_late_scratched, e.is_emergency, e.jockey, e.trainer_name,
       e.silk_colours, e.silk_url_64x64, e.silk_url_128x128, e.fixed_win_odds,
       e.fixed_place_odds, e.pool_win_odds, e.pool_place_odds, e.hold_percentage,
       e.bet_percentage, e.favourite, e.mover
from races r
left join entrants e on e.race_id = r.race_id
where r.race_id = %(race_id)s
order by e.runner_number, e.entrant_id
"""


def _latest_price(kind: str) -> str:
    return f"""(select o.odds from odds_history o
         where o.entrant_id = e.entrant_id and o.type = '{kind}'
           and o.event_timestamp >= %(observed_from)s and o.event_timestamp < %(observed_until)s
         order by o.event_timestamp desc limit 1) as {kind}_odds"""


# The latest observed prices and hold share of the given entrants of one race: the newest row
# of each, found backwards on the primary keys (entrant_id, event_timestamp[, type]). The
# bounds on event_timestamp are parameters (not a join to races), so the planner prunes to the
# partitions of the race's days.
LATEST_OBSERVED_SQL = f"""
select e.entrant_id,
       {_latest_price("fixed_win")},
       {_latest_price("fixed_place")},
       {_latest_price("pool_win")},
       {_latest_price("pool_place")},
       (select m.hold_percentage from money_flow_history m
         where m.entrant_id = e.entrant_id
           and m.event_timestamp >= %(observed_from)s and m.event_timestamp < %(observed_until)s
         order by m.event_timestamp desc limit 1) as hold_percentage
from unnest(%(entrant_ids)s::uuid[]) as e(entrant_id)
"""

# entrants column -> the LATEST_OBSERVED_SQL column that can fill it
_OBSERVED = {
    "fixed_win_odds": "fixed_win_odds",
    "fixed_place_odds": "fixed_place_odds",
    "pool_win_odds": "pool_win_odds",
    "pool_place_odds": "pool_place_odds",
    "hold_percentage": "hold_percentage",
}


def observation_window(start_time: datetime) -> tuple[datetime, datetime]:
    """[from, until) of the observations of a race that starts at `start_time`."""
    return start_time - timedelta(days=1), start_time + timedelta(days=1)


def _price(value: Decimal | None) -> Decimal | None:
    return None if value is None or value == 0 else value


def _incomplete(row: dict[str, Any]) -> bool:
    return not row["is_scratched"] and any(row[column] is None for column in _OBSERVED)


async def _fill_from_history(conn: Conn, start_time: datetime, rows: list[dict[str, Any]]) -> None:
    """Fill the NULLs of runners still in the field from the latest observations."""
    gaps = [row for row in rows if _incomplete(row)]
    if not gaps:
        return
    observed_from, observed_until = observation_window(start_time)
    params = {
        "entrant_ids": [row["entrant_id"] for row in gaps],
        "observed_from": observed_from,
        "observed_until": observed_until,
    }
    latest = {r["entrant_id"]: r for r in await fetch_all(conn, LATEST_OBSERVED_SQL, params)}
    for row in gaps:
        observed = latest.get(row["entrant_id"], {})
        for column, source in _OBSERVED.items():
            if row[column] is None:
                row[column] = observed.get(source)


def _entrant(row: dict[str, Any]) -> Entrant:
    win, place = _price(row["fixed_win_odds"]), _price(row["fixed_place_odds"])
    values = {key: row[key] for key in Entrant.model_fields if key in row}
    values |= {
        "silk_url": row["silk_url_64x64"] or row["silk_url_128x128"],
        "silk_url_64": row["silk_url_64x64"],
        "silk_url_128": row["silk_url_128x128"],
        "win_odds": win,
        "place_odds": place,
        "fixed_win_odds": win,
        "fixed_place_odds": place,
        "pool_win_odds": _price(row["pool_win_odds"]),
        "pool_place_odds": _price(row["pool_place_odds"]),
    }
    return Entrant(**values)


@router.get("/entrants", response_model=list[Entrant])
async def entrants(
    conn: Conn,
    race_id: Annotated[UUID, Query(description="the race's NZTAB uuid")],
) -> list[Entrant]:
    """The race's entrants in runner-number order, scratched ones included; [] for a race
    whose field is not stored yet."""
    rows = await fetch_all(conn, _FIELD_SQL, {"race_id": race_id})
    if not rows:
        raise NotFound(f"race {race_id} not found")
    field = [row for row in rows if row["entrant_id"] is not None]
    await _fill_from_history(conn, rows[0]["start_time"], field)
    return [_entrant(row) for row in field]
