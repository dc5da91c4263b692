"""Market arithmetic: price ladders, win chances, money apportioned, pool objects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from raceday.demo.plan import PoolCurve

JsonDict = dict[str, Any]

ODDS_KEYS = ("fixed_win", "fixed_place", "pool_win", "pool_place")
# data.favourite and data.mover lack these runner keys (data guide §4.4).
NOT_IN_FAVOURITE = frozenset(
    {"flucs", "flucs_with_timestamp", "picks", "meta", "scr_time", "competitor_id",
     "ride_guide_exists", "ride_guide_thumbnail", "ride_guide_file"}
)  # fmt: skip


@dataclass(frozen=True)
class Prices:
    p: float  # bookmaker's win chance
    q: float  # tote's win share
    fixed_win: int | float
    fixed_place: int | float
    pool_win: int | float
    pool_place: int | float

    def odds(self) -> JsonDict:
        return {key: getattr(self, key) for key in ODDS_KEYS}


def capped_softmax(logits: Sequence[float], cap: float = 0.8) -> list[float]:
    """Win chances from log-strengths; no runner above `cap`, so no money share nears 100."""
    top = max(logits)
    weights = [math.exp(x - top) for x in logits]
    total = sum(weights)
    chances = [w / total for w in weights]
    biggest, n = max(chances), len(chances)
    if biggest > cap:  # blend with an even field just enough to bring the top down to cap
        a = (cap - 1 / n) / (biggest - 1 / n)
        chances = [a * c + (1 - a) / n for c in chances]
    return chances


def harville(shares: Sequence[float]) -> float:
    """Chance that runners finish in exactly this order, from win shares (Harville)."""
    chance, left = 1.0, 1.0
    for share in shares:
        chance *= share / left
        left -= share
    return chance


def apportion(values: Sequence[float], total: int) -> list[int]:
    """Whole numbers proportional to `values` that add up to `total` (largest remainder)."""
    weight = sum(values)
    if weight <= 0:
        return [0] * len(values)
    exact = [v * total / weight for v in values]
    whole = [int(x) for x in exact]
    by_remainder = sorted(range(len(values)), key=lambda k: whole[k] - exact[k])
    for k in by_remainder[: total - sum(whole)]:
        whole[k] += 1
    return whole


def pool_dict(product: str, curve: PoolCurve, ns: int, extra: JsonDict) -> JsonDict:
    total = curve.total(ns)
    pool: JsonDict = {
        "product_type": product,
        "total": total,
        "status": "OPEN" if curve.is_open(ns) else "CLOSED",
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


def runner_copy(runner: JsonDict, **changes: Any) -> JsonDict:
    """data.favourite / data.mover: the runner without the keys those copies lack."""
    return {k: v for k, v in runner.items() if k not in NOT_IN_FAVOURITE} | changes


def ordinal(n: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
