"""One race's market as a function of time: fixed prices on a random walk, tote odds, money.

The walk is computed whole, once, when the race's market is first needed (the caller keeps
it), and from the race's seed alone; after that a quote at any tick is a few lookups. So what a
body shows at a tick never depends on which ticks were asked for before, or in what order.

Over the last few hours before the start every starter's strength (log win chance) may move at
each 15-second tick, more often as the start nears, with now and then a plunge or a drift spread
over a few ticks; a late scratching takes the runner out of the market from its instant. Before
the walk the opening market stands (opened the evening before, a move or two since); from the
jump (or an abandonment) everything freezes. Fixed prices sit on the ladder and are recorded as
flucs when they change; tote odds follow the strengths plus a slowly swinging tote bias and a
little noise of each tick; money shares follow the tote.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass

from raceday.demo.formats import NS, TICK_S, epoch_seconds, floor_tick, new_id, utc_text
from raceday.demo.plan import SimRace
from raceday.demo.prices import apportion, capped_softmax, place_price, tote_odds, win_price

__all__ = ["Fluc", "MarketWalk", "Quote", "money_pieces", "money_rows"]

WALK_S = 3 * 3600  # the walk starts three hours before the scheduled start
# How often a starter's strength moves in one tick: a floor far from the start, rising as the
# start nears (most money, and most moves, come in the last minutes), and by how much. Tuned so
# that, as before the walk was per tick, about half the fixed prices differ between two polls
# 4-30 minutes apart (measured: 45% at 10-minute polls, 56% at the 8 default offsets).
_RATE_FAR, _RATE_NEAR, _NEAR_MINUTES = 0.014, 0.02, 10.0
_STEP_SIGMA = 0.075
_TOTE_NOISE = 0.01  # tick-to-tick noise of the tote's view (log scale)


@dataclass(frozen=True)
class Fluc:
    """One fixed-win price in a runner's history: shown from tick `visible_s` on."""

    visible_s: int
    ns: int  # when it changed: in the 15 s before `visible_s`
    timestamp: str
    price: int | float


@dataclass(frozen=True)
class Quote:
    """The market at one tick. Lists are by runner index; scratched runners hold 0."""

    live: tuple[bool, ...]
    chances: tuple[float, ...]  # bookmaker's win chance p
    shares: tuple[float, ...]  # tote's win share q
    pool_win: tuple[int | float, ...]
    pool_place: tuple[int | float, ...]
    tick: int  # the market tick quoted (clamped to the walk)


class MarketWalk:
    """The whole market history of one race, computed on construction."""

    def __init__(self, race: SimRace, opened_s: int) -> None:
        rng = random.Random(f"raceday-market:{race.seed}")
        n = race.runners
        self.runners = n
        self.base = tuple(rng.gauss(0.0, 0.8) for _ in range(n))
        self._bias = [rng.gauss(0.0, 0.12) for _ in range(n)]
        # A slow swing of the tote's view: amplitude, period (s), phase.
        self._swing = [
            (rng.uniform(0.02, 0.07), rng.uniform(20, 90) * 60, rng.uniform(0, 2 * math.pi))
            for _ in range(n)
        ]
        self.overround = rng.uniform(1.12, 1.25)
        self.place_factor = rng.uniform(3.5, 5.0)
        self._tick_seed = rng.getrandbits(48)
        self.start_s = epoch_seconds(race.start)
        self.freeze_s = epoch_seconds(race.frozen_at)
        self.scratched_s = [0] * n
        for scratching in race.scratchings:
            self.scratched_s[scratching.runner_number - 1] = epoch_seconds(scratching.at)
        scratches = [s for s in self.scratched_s if s]
        self.walk_from_s = floor_tick(
            min(epoch_seconds(race.scheduled_start) - WALK_S, self.freeze_s, *scratches)
        )
        self.flucs: list[list[Fluc]] = [[] for _ in range(n)]
        self._open(rng, min(opened_s, self.walk_from_s - 3600))
        self._snap_s: list[int] = []
        self._snap: list[tuple[tuple[float, ...], tuple[bool, ...]]] = []
        self._walk(rng)
        self._visible = [[f.visible_s for f in flucs] for flucs in self.flucs]
        self._ns = [[f.ns for f in flucs] for flucs in self.flucs]
        # Running extremes, so a body reads high and low without scanning the history.
        self._high = [_running(flucs, highest=True) for flucs in self.flucs]
        self._low = [_running(flucs, highest=False) for flucs in self.flucs]

    # --- building -------------------------------------------------------------------------

    def _fixed(self, strengths: list[float], live: list[bool]) -> list[int | float]:
        ids = [i for i in range(self.runners) if live[i]]
        chances = capped_softmax([strengths[i] for i in ids])
        prices: list[int | float] = [0] * self.runners
        for i, p in zip(ids, chances, strict=True):
            prices[i] = win_price(1.0 / (p * self.overround))
        return prices

    def _open(self, rng: random.Random, opened_s: int) -> None:
        """Flucs before the walk: an opening price, maybe a move or two, then the walk's own."""
        start = self._fixed(list(self.base), [True] * self.runners)
        walk_ns = self.walk_from_s * NS
        opened_ns = opened_s * NS
        for i in range(self.runners):
            ns = opened_ns + rng.randrange(min(120 * 60 * NS, (walk_ns - opened_ns) // 2))
            moves = [
                win_price(start[i] * math.exp(rng.gauss(0.0, 0.25)))
                for _ in range(rng.randint(1, 3))
            ]
            for price in moves:
                self._add(i, ns, price)
                ns += 1 + rng.randrange(max(1, (walk_ns - ns) // 3))
            self._add(i, walk_ns, start[i])

    def _add(self, i: int, ns: int, price: int | float) -> None:
        flucs = self.flucs[i]
        if not flucs or flucs[-1].price != price:
            visible = -(-ns // (TICK_S * NS)) * TICK_S  # the first tick at or after it
            flucs.append(Fluc(visible, ns, utc_text(ns), price))

    def _shocks(self, rng: random.Random) -> dict[int, list[tuple[int, float]]]:
        """A plunge (money for one runner) and maybe a drift (one eased), over a few ticks."""
        shocks: dict[int, list[tuple[int, float]]] = {}
        movers = rng.sample(range(self.runners), 2)
        for runner, chance, low, high in (
            (movers[0], 0.6, 0.5, 1.0),
            (movers[1], 0.35, -0.9, -0.4),
        ):
            if rng.random() >= chance:
                continue
            begin = self.start_s - 60 * rng.randint(3, 60)
            ticks = rng.randint(4, 12)
            step = rng.uniform(low, high) / ticks
            for k in range(ticks):
                shocks.setdefault(floor_tick(begin) + k * TICK_S, []).append((runner, step))
        return shocks

    def _moves(self, rng: random.Random) -> dict[int, list[tuple[int, float]]]:
        """Each starter's small moves by tick: a Poisson process whose rate rises toward the
        start, drawn by thinning one at the top rate (geometric gaps, so the cost follows the
        number of moves, not of ticks)."""
        moves: dict[int, list[tuple[int, float]]] = {}
        top = _RATE_FAR + _RATE_NEAR
        log_stay = math.log(1.0 - top)
        for i in range(self.runners):
            tick = self.walk_from_s
            while True:
                tick += TICK_S * (1 + int(math.log(1.0 - rng.random()) / log_stay))
                if tick > self.freeze_s:
                    break
                minutes_left = max(0.0, (self.start_s - tick) / 60)
                rate = _RATE_FAR + _RATE_NEAR * math.exp(-minutes_left / _NEAR_MINUTES)
                if rng.random() * top < rate:
                    moves.setdefault(tick, []).append((i, rng.gauss(0.0, _STEP_SIGMA)))
        return moves

    def _walk(self, rng: random.Random) -> None:
        n = self.runners
        strengths, live = list(self.base), [True] * n
        moves = self._moves(rng)
        for tick, shocks in self._shocks(rng).items():
            moves.setdefault(tick, []).extend(shocks)
        scratch_at = {s: i for i, s in enumerate(self.scratched_s) if s}
        prices = self._fixed(strengths, live)
        self._snapshot(self.walk_from_s, strengths, live)
        for tick in sorted(set(moves) | set(scratch_at)):
            if tick > self.freeze_s:
                continue
            for i, step in moves.get(tick, ()):
                if live[i]:
                    strengths[i] += step
            if tick in scratch_at:
                live[scratch_at[tick]] = False
            self._snapshot(tick, strengths, live)
            now = self._fixed(strengths, live)
            for i in range(n):
                if live[i] and now[i] != prices[i]:
                    self._add(i, tick * NS - rng.randrange(TICK_S * NS), now[i])
            prices = now

    def _snapshot(self, tick: int, strengths: list[float], live: list[bool]) -> None:
        self._snap_s.append(tick)
        self._snap.append((tuple(strengths), tuple(live)))

    # --- reading ----------------------------------------------------------------------------

    def market_tick(self, tick: int) -> int:
        """The tick whose market `tick` shows: the opening before the walk, frozen after it."""
        return min(max(tick, self.walk_from_s), self.freeze_s)

    def shown(self, i: int, tick: int) -> int:
        """How many of runner `i`'s flucs a body at `tick` shows."""
        return bisect_right(self._visible[i], tick)

    def extremes(self, i: int, shown: int) -> tuple[Fluc, Fluc]:
        """The highest and lowest of the first `shown` flucs (the first of equals)."""
        return self.flucs[i][self._high[i][shown - 1]], self.flucs[i][self._low[i][shown - 1]]

    def last_at_or_before(self, i: int, shown: int, ns: int) -> Fluc:
        """The last of the first `shown` flucs changed at or before `ns` (else the first)."""
        k = min(shown, bisect_right(self._ns[i], ns))
        return self.flucs[i][k - 1] if k else self.flucs[i][0]

    def is_scratched(self, i: int, tick: int) -> bool:
        return bool(self.scratched_s[i]) and tick >= self.scratched_s[i]

    def fixed_win(self, i: int, tick: int) -> int | float:
        """The fixed-win price shown at `tick`: the last fluc (0 scratched or not yet priced)."""
        if self.is_scratched(i, tick):
            return 0
        shown = bisect_right(self._visible[i], tick)
        return self.flucs[i][shown - 1].price if shown else 0

    def fixed_place(self, i: int, tick: int) -> int | float:
        fixed_win = self.fixed_win(i, tick)
        return place_price(fixed_win, self.place_factor) if fixed_win else 0

    def quote(self, tick: int) -> Quote:
        """Chances, tote shares and tote odds at `tick` (one generator per tick: its noise)."""
        at = self.market_tick(tick)
        strengths, live = self._snap[bisect_right(self._snap_s, at) - 1]
        noise = random.Random(self._tick_seed + at // TICK_S)
        ids = [i for i in range(self.runners) if live[i]]
        tote_view = []
        for i in ids:
            amplitude, period, phase = self._swing[i]
            swing = amplitude * math.sin(2 * math.pi * at / period + phase)
            tote_view.append(strengths[i] + self._bias[i] + swing + noise.gauss(0.0, _TOTE_NOISE))
        chances, shares = [0.0] * self.runners, [0.0] * self.runners
        pool_win: list[int | float] = [0] * self.runners
        pool_place: list[int | float] = [0] * self.runners
        p_live = capped_softmax([strengths[i] for i in ids])
        q_live = capped_softmax(tote_view)
        for i, p, q in zip(ids, p_live, q_live, strict=True):
            chances[i], shares[i] = p, q
            pool_win[i] = tote_odds(0.85 / q)
            pool_place[i] = tote_odds(1.0 + (pool_win[i] - 1.0) / (self.place_factor - 0.5))
        return Quote(live, tuple(chances), tuple(shares), tuple(pool_win), tuple(pool_place), at)

    def money_totals(self, tick: int) -> tuple[int, int]:
        """The money tracker's hold and bet totals at `tick` (99-104 points, as in the samples)."""
        noise = random.Random(-(self._tick_seed + self.market_tick(tick) // TICK_S))
        return noise.randint(99, 104), noise.randint(99, 104)


def _running(flucs: list[Fluc], *, highest: bool) -> list[int]:
    """For each prefix of `flucs`, the index of its highest (or lowest) price, the first of
    equals (as max() and min() pick)."""
    best: list[int] = []
    for k, fluc in enumerate(flucs):
        if not best:
            best.append(k)
            continue
        top = flucs[best[-1]].price
        better = fluc.price > top if highest else fluc.price < top
        best.append(k if better else best[-1])
    return best


def money_rows(
    pieces: list[tuple[str, int | None, float]], quote: Quote, totals: tuple[int, int]
) -> list[dict[str, object]]:
    """Apportion the totals over the tracker's pieces: hold by tote share, bets a little flatter.

    `pieces` are (entrant id, runner index or None for an id not in runners[], weight within
    its owner). A scratched runner's rows stay, at 0.
    """
    starters = sum(quote.live)
    foreign = 0.03
    hold, bet = [], []
    for _, index, weight in pieces:
        if index is None:
            hold.append(foreign * weight)
            bet.append(foreign * weight)
        elif not quote.live[index]:
            hold.append(0.0)
            bet.append(0.0)
        else:
            q = quote.shares[index]
            hold.append(q * weight)
            bet.append((0.6 * q + 0.4 / starters) * weight)
    holds, bets = apportion(hold, totals[0]), apportion(bet, totals[1])
    return [
        {"entrant_id": entrant_id, "hold_percentage": h, "bet_percentage": b}
        for (entrant_id, _, _), h, b in zip(pieces, holds, bets, strict=True)
    ]


def money_pieces(rng: random.Random, entrant_ids: list[str]) -> list[tuple[str, int | None, float]]:
    """money_tracker rows as (entrant_id, runner index or None, weight within the owner).

    Real bodies carry ~9 rows per entrant that sum, over all rows, to about 100, plus a few
    rows for entrant ids that are not in runners[]; the pieces keep fixed weights so each
    row's value drifts with its entrant's share.
    """
    pieces: list[tuple[str, int | None, float]] = []
    for index, entrant_id in enumerate(entrant_ids):
        weights = [rng.expovariate(1.0) ** 2 for _ in range(rng.randint(3, 10))]
        pieces += [(entrant_id, index, w / sum(weights)) for w in weights]
    for _ in range(rng.randint(1, 2)):
        pieces.append((str(new_id(rng)), None, rng.uniform(0.3, 0.7)))
    rng.shuffle(pieces)
    return pieces
