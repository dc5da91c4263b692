"""Everything about one race that does not depend on the instant: card, market walk, pools, result.

Built from the race's seed alone (each part from its own generator), so the same race gives
the same model whenever, and in whichever order, races are first asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from raceday.demo.card import CardContext, Entrant, make_entrants, race_template, race_token
from raceday.demo.formats import epoch_seconds, local_minute
from raceday.demo.market import MarketWalk, money_pieces
from raceday.demo.plan import MultiPoolPlan, SimMeeting, SimRace
from raceday.demo.pools import MultiPool, PoolCurve, TrendsContext, single_pools
from raceday.demo.results import RaceResult, decide_result

__all__ = ["RaceModel"]

_MARKET_OPENS = time(16, 0)  # fixed-odds markets open the afternoon before (NZ wall clock)


@dataclass(frozen=True)
class _MultiLegs:
    plan: MultiPoolPlan
    curve: PoolCurve
    last_leg: SimRace


class RaceModel:
    """One race's static parts and its whole market, ready to be read at any tick."""

    def __init__(self, race: SimRace, meeting: SimMeeting, day: date, zone: ZoneInfo) -> None:
        self.race, self.meeting, self.day, self.zone = race, meeting, day, zone
        card_rng = random.Random(race.seed)
        self.token = race_token(race.seed)
        context = CardContext(day, meeting.venue, self.token)
        self.entrants: tuple[Entrant, ...] = make_entrants(card_rng, context, race.runners)
        opens = datetime.combine(day - timedelta(days=1), _MARKET_OPENS, zone)
        self.market = MarketWalk(race, epoch_seconds(opens))
        by_chance = sorted(self.entrants, key=lambda e: -self.market.base[e.index])
        self.template = race_template(card_rng, context, race, meeting, by_chance)
        pool_rng = random.Random(f"raceday-pools:{race.seed}")
        self.pools = single_pools(pool_rng, epoch_seconds(race.frozen_at))
        self.money_pieces = money_pieces(pool_rng, [e.entrant_id for e in self.entrants])
        self.trends = TrendsContext(
            day, meeting.tote_meeting_number, meeting.venue.mnemonic, meeting.name, race.race_number
        )
        self._multis = tuple(
            self._multi_legs(plan) for plan in meeting.multi_pools if race.race_number in plan.legs
        )

    def _multi_legs(self, plan: MultiPoolPlan) -> _MultiLegs:
        by_number = {r.race_number: r for r in self.meeting.races}
        close = epoch_seconds(by_number[plan.legs[0]].frozen_at)  # sold until the first leg jumps
        return _MultiLegs(plan, PoolCurve(plan.final, close, plan.tau), by_number[plan.legs[-1]])

    def multi_pools(self, at: datetime) -> tuple[MultiPool, ...]:
        """The quaddies this race is a leg of, as of `at` (the last leg's start may move)."""
        return tuple(
            MultiPool(
                m.plan.product_type,
                m.plan.legs_key,
                m.plan.legs,
                m.curve,
                m.plan.guarantee,
                m.plan.jackpot,
                local_minute(epoch_seconds(m.last_leg.advertised_start_at(at)), self.zone),
            )
            for m in self._multis
        )

    @cached_property
    def result(self) -> RaceResult:
        """The finishing order and dividends, from the market as it closed."""
        closing = self.market.quote(self.market.freeze_s)
        return decide_result(self.race, self.entrants, closing, self.pools)
