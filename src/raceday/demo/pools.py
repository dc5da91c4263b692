"""Tote pools: totals that grow towards the jump, and `data.tote_pools[]` objects (§4.4)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from raceday.demo.formats import num

__all__ = ["MultiPool", "PoolCurve", "SinglePool", "TrendsContext", "race_pools", "single_pools"]

JsonDict = dict[str, Any]

# The race's own pools and their size relative to the Win pool.
_PRODUCTS = (
    ("Win", 1.0),
    ("Place", 0.4),
    ("Quinella", 0.6),
    ("Trifecta", 0.85),
    ("FirstFour", 0.5),
)
_TREND_CODES = {"Trifecta": "TFA", "FirstFour": "FT4"}


@dataclass(frozen=True)
class PoolCurve:
    """A pool total that grows toward `final` until `close_s` and then stays there.

    Most money arrives in the last minutes: total = final / (1 + minutes_left / tau) ** 1.3.
    Defined at every instant (the pools exist from the day before), so it never decreases.
    """

    final: float
    close_s: int
    tau: float

    def total(self, tick: int) -> int | float:
        minutes_left = max(0.0, (self.close_s - tick) / 60)
        return num(self.final / (1.0 + minutes_left / self.tau) ** 1.3)

    def is_open(self, tick: int) -> bool:
        return tick < self.close_s


@dataclass(frozen=True)
class SinglePool:
    product: str
    curve: PoolCurve
    jackpot: int | float


@dataclass(frozen=True)
class MultiPool:
    """A quaddie as one leg's race shows it: its curve closes at the first leg's jump."""

    product_type: str
    legs_key: str
    legs: tuple[int, ...]
    curve: PoolCurve
    guarantee: int
    jackpot: float
    final_leg_start: str  # NZ local "YYYY-MM-DD HH:MM"


def single_pools(rng: random.Random, close_s: int) -> tuple[SinglePool, ...]:
    """The race's own pools, closing at `close_s`, in a shuffled order like the API's."""
    win = rng.lognormvariate(math.log(15_000), 0.5)
    tau = rng.uniform(6, 15)
    first4_jackpot = round(rng.uniform(500, 5000), 2) if rng.random() < 0.15 else 0
    pools = [
        SinglePool(
            product,
            PoolCurve(win * share * rng.uniform(0.8, 1.2), close_s, tau),
            first4_jackpot if product == "FirstFour" else 0,
        )
        for product, share in _PRODUCTS
    ]
    rng.shuffle(pools)
    return tuple(pools)


@dataclass(frozen=True)
class TrendsContext:
    """Where a pool's tote-trends XML says it belongs."""

    day: date
    meeting_number: int
    mnemonic: str
    venue_name: str
    race_number: int


def race_pools(
    singles: tuple[SinglePool, ...],
    multis: tuple[MultiPool, ...],
    tick: int,
    final: bool,
    where: TrendsContext,
) -> list[JsonDict]:
    """`data.tote_pools[]` at `tick`; `final`: the race is Final (is_final on single pools)."""
    pools = []
    for single in singles:
        extra: JsonDict = {"jackpot": single.jackpot, "brought_forward": single.jackpot}
        pool = _pool_object(single.product, single.curve, tick, extra)
        pool["is_final"] = final  # meaning unconfirmed; true on Final samples
        if single.product in _TREND_CODES:
            pool["tote_trends"] = _tote_trends(_TREND_CODES[single.product], pool["total"], where)
        pools.append(pool)
    for multi in multis:
        pool = _pool_object(multi.product_type, multi.curve, tick, {"jackpot": multi.jackpot})
        pool |= {"guarantee": multi.guarantee, "is_commingled": False, "commingled_info": False}
        pool["win_investment"] = ""
        pool[multi.legs_key] = list(multi.legs)
        pool["tote_trends"] = _tote_trends("QAD", pool["total"], where)
        pool["tote_trends"]["final_leg_start_time"] = multi.final_leg_start
        pools.append(pool)
    return pools


def _pool_object(product: str, curve: PoolCurve, tick: int, extra: JsonDict) -> JsonDict:
    total = curve.total(tick)
    pool: JsonDict = {
        "product_type": product,
        "total": total,
        "status": "OPEN" if curve.is_open(tick) else "CLOSED",
        "guarantee": 0,
        "brought_forward": 0,
        "terminating": False,
        "jackpot": 0,
        "leg": 0,
        "is_commingled": True,
        "commingled_info": True,
        "is_concession": False,
        "win_investment": str(int(total * 7.8) // 100 * 100),  # meaning unknown; "71800"-like
        "will_pay_live_units": 0,
        "will_pay_current_leg": 0,
    }
    pool.update(extra)
    return pool


def _tote_trends(code: str, total: float, where: TrendsContext) -> JsonDict:
    # tote_trends.pool_total differs from the pool's total in the samples (8388.20 vs 7976.24).
    pool_total = num(total * 1.04)
    xml = "\r\n".join(
        (
            "<meetings>",
            f"  <date>{where.day.isoformat()}</date>",
            f'  <meeting meeting_number="{where.meeting_number}" meeting_type="R">',
            f'    <meet_ID meet_mnem="{where.mnemonic}" NetSet_Name="{where.venue_name}"/>',
            f'    <race race_number="{where.race_number}">',
            f'      <bet_types><bet_type type="{code}"><pool_total>{pool_total:.2f}</pool_total></bet_type></bet_types>',
            "    </race>",
            "  </meeting>",
            "</meetings>",
        )
    )
    return {"pool_total": pool_total, "tote_trends_data": xml}
