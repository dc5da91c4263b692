"""The results resource: a race's placings, dividends and its runners' final fixed odds for the
race page (contract B9, §3 "/race-results", M10, M13).

404 is the documented "no results" answer: for a race without a stored result as for an unknown
race (the client turns a 404 into "no results"; any other error would 404 the whole page).

Choices the contract leaves open:
- `results_data` is in finishing order (a dead heat by runner number), each placing with the
  runner's number and name from its entrant.
- `dividends_data` holds one dividend per (tote, product, combination): NZTAB lists each twice,
  an Interim and a Final copy, and the store keeps the Final one when there is one. Final
  dividends come first all the same (then Win, Place, Quinella, Trifecta, First4, the others by
  name), so the first match the client looks for is never an Interim copy. `product_name` is
  NZTAB's ('Pool Quinella'); `pool_type` is the product without "Pool " ('Quinella', 'First4').
  `dividend` is in dollars per 1 dollar unit, as NZTAB sends it.
- `fixed_odds_data` is keyed by entrant id and holds each runner still in the field that has a
  fixed price: its final Win and Place prices (a price of 0, NZTAB's "not offered", is null).
- `result_status` is lower case: 'protest' while the result is interim and NZTAB has reported a
  protest on the race, else 'interim' or 'final'. `protest_lodged` is NZTAB's protest flag;
  NZTAB sends nothing about photo finishes or stewards' inquiries, so both are false.
- `result_time`: when the race was first seen Final for a final result, else when the result was
  last observed.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from raceday.api.db import Conn, fetch_all, fetch_one
from raceday.api.errors import NotFound
from raceday.api.types import Number, NzTime

__all__ = ["RaceResults", "router"]

router = APIRouter(tags=["results"])


class Placing(BaseModel):
    position: int
    runner_number: int
    name: str
    entrant_id: UUID
    barrier: int | None
    margin_length: Number | None  # lengths behind the winner
    positional_margin: str | None  # to the runner in front, e.g. LG NK
    time_ran: Number | None  # seconds


class Selection(BaseModel):
    runner_number: int | None = None
    position: int | None = None  # the leg number for a Double


class Dividend(BaseModel):
    pool_type: str  # 'Win', 'Place', 'Quinella', 'Trifecta', 'First4', 'Double', ...
    product_name: str  # as NZTAB spells it: 'Pool Quinella'
    tote: str
    description: str  # the winning combination, e.g. 2:4
    dividend: Number  # dollars per 1 dollar unit
    pool_size: Number | None  # dollars
    jackpot_size: Number | None  # dollars
    positions: list[Selection]
    status: str  # Final | Interim
    dividend_id: UUID


class FinalOdds(BaseModel):
    entrant_id: UUID
    runner_name: str
    runner_number: int
    fixed_win_odds: Number | None
    fixed_place_odds: Number | None


class RaceResults(BaseModel):
    race_id: UUID
    results_available: bool
    results_data: list[Placing]
    dividends_data: list[Dividend]
    fixed_odds_data: dict[str, FinalOdds]
    result_status: str  # interim | final | protest
    photo_finish: bool
    stewards_inquiry: bool
    protest_lodged: bool
    winning_time: Number | None  # seconds
    result_time: NzTime


_HEADER_SQL = """
select r.race_id, r.protest, rr.result_status, rr.winning_time,
       case when rr.result_status = 'Final'
            then coalesce(r.finalized_at, rr.api_generated_time, rr.updated_at)
            else coalesce(rr.api_generated_time, rr.updated_at)
       end as result_time
from races r
left join race_results rr on rr.race_id = r.race_id
where r.race_id = %(race_id)s
"""

_PLACINGS_SQL = """
select p.position, e.runner_number, e.name, p.entrant_id, e.barrier, p.margin_length,
       p.positional_margin, p.time_ran
from race_result_positions p
join entrants e on e.entrant_id = p.entrant_id
where p.race_id = %(race_id)s
order by p.position, e.runner_number
"""

_DIVIDENDS_SQL = """
select regexp_replace(d.product_name, '^Pool ', '') as pool_type, d.product_name, d.tote,
       d.description, d.dividend, d.pool_size, d.jackpot_size, d.positions, d.status,
       d.dividend_id
from race_dividends d
where d.race_id = %(race_id)s
order by d.status = 'Final' desc,
         array_position(
             array['Pool Win', 'Pool Place', 'Pool Quinella', 'Pool Trifecta', 'Pool First4'],
             d.product_name) nulls last,
         d.product_name, d.tote, d.description
"""

_FINAL_ODDS_SQL = """
select e.entrant_id, e.name as runner_name, e.runner_number,
       nullif(e.fixed_win_odds, 0) as fixed_win_odds,
       nullif(e.fixed_place_odds, 0) as fixed_place_odds
from entrants e
where e.race_id = %(race_id)s and not e.is_scratched
  and (e.fixed_win_odds > 0 or e.fixed_place_odds > 0)
order by e.runner_number
"""


def _status(header: dict[str, Any]) -> str:
    status: str = header["result_status"].lower()
    return "protest" if status == "interim" and header["protest"] else status


@router.get("/race-results", response_model=RaceResults)
async def race_results(
    conn: Conn,
    race_id: Annotated[UUID, Query(description="the race's NZTAB uuid")],
) -> RaceResults:
    """The race's result: placings, dividends (Final first) and final fixed odds."""
    params = {"race_id": race_id}
    header = await fetch_one(conn, _HEADER_SQL, params)
    if header is None:
        raise NotFound(f"race {race_id} not found")
    if header["result_status"] is None:
        raise NotFound(f"no results for race {race_id}")
    placings = await fetch_all(conn, _PLACINGS_SQL, params)
    dividends = await fetch_all(conn, _DIVIDENDS_SQL, params)
    final_odds = await fetch_all(conn, _FINAL_ODDS_SQL, params)
    return RaceResults(
        race_id=race_id,
        results_available=True,
        results_data=[Placing(**row) for row in placings],
        dividends_data=[Dividend(**row) for row in dividends],
        fixed_odds_data={str(row["entrant_id"]): FinalOdds(**row) for row in final_odds},
        result_status=_status(header),
        photo_finish=False,
        stewards_inquiry=False,
        protest_lodged=header["protest"],
        winning_time=header["winning_time"],
        result_time=header["result_time"],
    )
