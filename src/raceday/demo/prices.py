"""Price arithmetic: odds ladders, win chances from strengths, dividends' chances, apportioning."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

from raceday.demo.formats import num

__all__ = ["apportion", "capped_softmax", "harville", "place_price", "tote_odds", "win_price"]

# Fixed-odds price ladders: (below this price, step). Real prices sit on such steps (2.35, 4.6,
# 8.5, 23), which is also why small market moves leave many prices unchanged between polls.
_WIN_LADDER = ((3.0, 0.05), (4.0, 0.1), (6.0, 0.2), (10.0, 0.5), (20.0, 1.0), (50.0, 2.0),
               (100.0, 5.0), (math.inf, 10.0))  # fmt: skip
_PLACE_LADDER = ((2.0, 0.01), (4.0, 0.05), (10.0, 0.1), (math.inf, 0.5))
_WIN_LIMITS = [limit for limit, _ in _WIN_LADDER]
_PLACE_LIMITS = [limit for limit, _ in _PLACE_LADDER]


_WIN_STEPS = [step for _, step in _WIN_LADDER]
_WIN_SEEN: dict[tuple[int, int], int | float] = {}  # (band, steps) -> price: the walk's hot path


def _on_ladder(
    price: float, limits: list[float], ladder: Sequence[tuple[float, float]], cap: float
) -> int | float:
    step = ladder[bisect_right(limits, price)][1]
    return num(min(cap, max(1.01, round(price / step) * step)))


def win_price(price: float) -> int | float:
    """A fixed-win price on the ladder, 1.01 to 501."""
    price = min(price, 1000.0)  # all of these show 501; it bounds the table
    band = bisect_right(_WIN_LIMITS, price)
    key = (band, round(price / _WIN_STEPS[band]))
    known = _WIN_SEEN.get(key)
    if known is None:  # a few hundred ladder points in all, so the table stays small
        known = _WIN_SEEN[key] = num(min(501.0, max(1.01, key[1] * _WIN_STEPS[band])))
    return known


def place_price(fixed_win: float, place_factor: float) -> int | float:
    """The fixed-place price that goes with a fixed-win price."""
    return _on_ladder(1.0 + (fixed_win - 1.0) / place_factor, _PLACE_LIMITS, _PLACE_LADDER, 101.0)


def tote_odds(price: float) -> int | float:
    # Tote approximates have one decimal (4.4, 22.8) and never go below 1.1 here.
    return num(max(1.1, price), 1)


def capped_softmax(logits: Sequence[float], cap: float = 0.8) -> list[float]:
    """Win chances from log-strengths; no runner above `cap`, so no money share nears 100."""
    top = max(logits)
    weights = [math.exp(x - top) for x in logits]
    total = sum(weights)
    chances = [w / total for w in weights]
    biggest, n = max(chances), len(chances)
    if biggest > cap and n > 1:  # blend with an even field just enough to bring the top to cap
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
