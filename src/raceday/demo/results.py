"""A race's result: the finishing order drawn from the closing market, results and dividends."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from raceday.demo.card import Entrant
from raceday.demo.catalog import MARGINS, SPEED_M_PER_S
from raceday.demo.formats import num
from raceday.demo.market import Quote
from raceday.demo.plan import SimRace
from raceday.demo.pools import SinglePool
from raceday.demo.prices import harville

__all__ = ["RaceResult", "decide_result"]

JsonDict = dict[str, Any]

# (dividend product, pool, runners in the bet, the tote's takeout-adjusted return)
_EXOTICS = (("Pool Quinella", "Quinella", 2, 0.82), ("Pool Trifecta", "Trifecta", 3, 0.8),
            ("Pool First4", "FirstFour", 4, 0.78))  # fmt: skip


@dataclass(frozen=True)
class RaceResult:
    """What the race shows once Interim: `data.results[]`, and `data.dividends[]` as Interim
    and as Final (where every dividend appears twice, Interim and Final, in no order)."""

    results: tuple[JsonDict, ...]
    interim_dividends: tuple[JsonDict, ...]
    final_dividends: tuple[JsonDict, ...]


def decide_result(
    race: SimRace, entrants: Sequence[Entrant], closing: Quote, pools: Sequence[SinglePool]
) -> RaceResult:
    """Draw the first four by the closing win chances (Plackett-Luce; no dead heats) and pay
    the pools from the closing tote. Its own generators: the same result whenever it is asked."""
    rng = random.Random(f"raceday-result:{race.seed}")
    left = [e for e in entrants if closing.live[e.index]]
    order: list[Entrant] = []
    while left and len(order) < 4:
        pick = rng.choices(left, weights=[closing.chances[e.index] for e in left])[0]
        order.append(pick)
        left.remove(pick)
    totals = {pool.product: float(pool.curve.final) for pool in pools}
    return RaceResult(
        results=tuple(_results(race, order, rng)),
        interim_dividends=tuple(_dividends(race, order, closing, totals, ("Interim",))),
        final_dividends=tuple(_dividends(race, order, closing, totals, ("Interim", "Final"))),
    )


def _results(race: SimRace, order: Sequence[Entrant], rng: random.Random) -> list[JsonDict]:
    rows, lengths = [], 0.0
    for position, runner in enumerate(order, start=1):
        row: JsonDict = {
            "position": position,
            "name": runner.name,
            "barrier": runner.barrier,
            "runner_number": runner.number,
            "margin_length": num(lengths),
            "entrant_id": runner.entrant_id,
        }
        if position == 1:
            seconds = race.distance / SPEED_M_PER_S[race.category]
            row["winning_time"] = row["time_ran"] = round(seconds * rng.uniform(0.97, 1.04), 2)
        else:
            behind, row["positional_margin"] = rng.choice(MARGINS)
            lengths += behind
            row["margin_length"] = num(lengths)
        rows.append(row)
    return rows


def _dividends(
    race: SimRace,
    order: Sequence[Entrant],
    closing: Quote,
    totals: dict[str, float],
    statuses: tuple[str, ...],
) -> list[JsonDict]:
    places = 3 if sum(closing.live) >= 8 else 2
    q = [closing.shares[r.index] for r in order]
    bets: list[tuple[str, str, Sequence[Entrant], float]] = [
        ("Pool Win", "Win", order[:1], float(closing.pool_win[order[0].index]))
    ]
    bets += [
        ("Pool Place", "Place", [r], float(closing.pool_place[r.index])) for r in order[:places]
    ]
    for product, pool, size, takeout in _EXOTICS:
        if len(order) >= size:
            chance = harville(q[:size])
            if size == 2:  # a quinella wins in either order
                chance += harville(q[1::-1])
            bets.append((product, pool, order[:size], min(takeout / chance, totals[pool] * 0.8)))
    rows = []
    for status in statuses:
        for product, pool, picks, dividend in bets:
            description = ":".join(str(r.number) for r in picks)
            rows.append(
                {
                    "id": str(uuid.uuid5(race.race_id, f"{product}/{description}/{status}")),
                    "tote": "NZ",
                    "product_name": product,
                    "status": status,
                    "dividend": num(max(1.0, dividend), 1),
                    "pool_size": num(totals[pool]),
                    "jackpot_size": 0,
                    "positions": [
                        {"runner_number": r.number, "position": 1 if len(picks) == 1 else n}
                        for n, r in enumerate(picks, start=1)
                    ],
                    "description": description,
                }
            )
    random.Random(race.seed ^ len(rows)).shuffle(rows)  # the API lists them in no order
    return rows
