"""The pools resource: a race's tote pool sizes for the race page (contract B11, §3
"/race-pools", M9).

race_pools holds one row per pool as NZTAB lists it (product_type Win, Place, Quinella,
Trifecta, FirstFour, Exacta, and multi-race pools with their legs), in DOLLARS. The answer pivots
the six single-race pools the client shows into one object, in integer CENTS (the client divides
by 100), converted in SQL.

Choices the contract leaves open:
- `total_race_pool` is the sum of those six pools only: Quadrella, Double, Treble and the like are
  not bet on this race alone (M9).
- A pool the race does not have is 0 (the client shows 0 as "—").
- A race without any of the six pools is a 404, like an unknown race: the client shows "No pool
  data available" for any non-2xx.
- `last_updated` is the header.generated_time of the newest payload that wrote a pool row (the
  row's own update time when that is unknown).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from raceday.api.db import Conn, fetch_one
from raceday.api.errors import NotFound
from raceday.api.types import NzTime

__all__ = ["RacePools", "router"]

router = APIRouter(tags=["pools"])


class RacePools(BaseModel):
    race_id: UUID
    win_pool_total: int  # cents
    place_pool_total: int
    quinella_pool_total: int
    trifecta_pool_total: int
    first4_pool_total: int
    exacta_pool_total: int
    total_race_pool: int  # cents: the six pools above
    currency: str
    last_updated: NzTime


# field -> NZTAB's product_type
_PRODUCTS = {
    "win_pool_total": "Win",
    "place_pool_total": "Place",
    "quinella_pool_total": "Quinella",
    "trifecta_pool_total": "Trifecta",
    "first4_pool_total": "FirstFour",
    "exacta_pool_total": "Exacta",
}

_PIVOT = ",\n       ".join(
    f"coalesce(round(sum(p.total) filter (where p.product_type = '{product}') * 100)::bigint, 0)"
    f" as {field}"
    for field, product in _PRODUCTS.items()
)
_NAMED = ", ".join(f"'{product}'" for product in _PRODUCTS.values())

# The race (one row when it exists) and its single-race pools of the six products.
_POOLS_SQL = f"""
select r.race_id,
       {_PIVOT},
       coalesce(round(sum(p.total) * 100)::bigint, 0) as total_race_pool,
       count(p.race_id) as pools,
       max(coalesce(p.api_generated_time, p.updated_at)) as last_updated
from races r
left join race_pools p
       on p.race_id = r.race_id
      and cardinality(p.leg_race_numbers) = 0
      and p.product_type in ({_NAMED})
where r.race_id = %(race_id)s
group by r.race_id
"""


@router.get("/race-pools", response_model=RacePools)
async def race_pools(
    conn: Conn,
    race_id: Annotated[UUID, Query(description="the race's NZTAB uuid")],
) -> RacePools:
    """The race's Win, Place, Quinella, Trifecta, First Four and Exacta pools, in cents."""
    row = await fetch_one(conn, _POOLS_SQL, {"race_id": race_id})
    if row is None:
        raise NotFound(f"race {race_id} not found")
    if row["pools"] == 0:
        raise NotFound(f"no pools for race {race_id}")
    del row["pools"]
    return RacePools(**row, currency="$")
