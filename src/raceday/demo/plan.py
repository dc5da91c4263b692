"""The day's plan: meetings, races and multi-race pools, decided from the seed alone."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from raceday.demo.catalog import (
    CATEGORY_CYCLE,
    DISTANCES,
    RACE_KINDS,
    SPONSORS,
    TRACK_CONDITIONS,
    VENUES,
    WEATHER,
    Venue,
)
from raceday.demo.formats import NS, NZ, new_id, num, nz_wall

FIRST_RACE = time(12, 0)  # NZ wall clock of the first meeting's first race


@dataclass(frozen=True)
class PoolCurve:
    """A pool total that grows toward `final` until `close_ns` and then stays there.

    Most money arrives in the last minutes: total = final / (1 + minutes_left / tau) ** 1.3.
    """

    final: float
    close_ns: int
    tau: float

    def total(self, ns: int) -> int | float:
        minutes_left = max(0.0, (self.close_ns - ns) / (60 * NS))
        return num(self.final / (1.0 + minutes_left / self.tau) ** 1.3)

    def is_open(self, ns: int) -> bool:
        return ns < self.close_ns


@dataclass(frozen=True)
class MultiPool:
    """A meeting's Quadrella or EarlyQuadrella, shown on each of its legs' races."""

    product_type: str
    legs_key: str  # "quaddie" or "early_quaddie", the key the API uses for the legs
    legs: tuple[int, ...]
    curve: PoolCurve
    guarantee: int
    jackpot: float
    final_leg_start: str  # NZ local "YYYY-MM-DD HH:MM"


@dataclass
class RacePlan:
    race_id: UUID
    race_number: int
    name: str
    distance: int
    start: int  # advertised start, epoch seconds
    seed: int
    scratch: bool = False  # one runner late-scratched (synthetic)


@dataclass
class MeetingPlan:
    meeting_id: UUID
    venue: Venue
    tote_number: int
    track_condition: str
    weather: str
    video_channels: list[str]
    races: list[RacePlan]
    quaddie: list[int]
    early_quaddie: list[int]
    multi_pools: list[MultiPool]


def plan_meetings(
    rng: random.Random, day: date, meetings: int, races_per_meeting: int
) -> list[MeetingPlan]:
    noon = datetime.combine(day, FIRST_RACE, NZ).astimezone(UTC)  # 12:00 NZST or NZDT
    plans = []
    for index in range(meetings):
        category = CATEGORY_CYCLE[index % len(CATEGORY_CYCLE)]
        venue = rng.choice([v for v in VENUES if v.category == category])
        meeting_id = new_id(rng)
        # Meetings are staggered inside the 30-minute gap between a meeting's races.
        first = noon + timedelta(minutes=round(index * 30 / meetings))
        races = plan_races(rng, venue, first, races_per_meeting)
        quaddie = [r.race_number for r in races[-4:]] if len(races) >= 4 else []
        early = [r.race_number for r in races[-8:-4]] if len(races) >= 8 else []
        plans.append(
            MeetingPlan(
                meeting_id=meeting_id,
                venue=venue,
                tote_number=index + 1 if venue.country == "NZ" else 20 + index,
                track_condition=rng.choice(TRACK_CONDITIONS[category])
                if venue.surface != "Synthetic"
                else "Synthetic",
                weather=rng.choice(WEATHER),
                video_channels=["Trackside1"] if venue.country == "NZ" else ["Trackside2"],
                races=races,
                quaddie=quaddie,
                early_quaddie=early,
                multi_pools=multi_pools(rng, races, quaddie, early),
            )
        )
    return plans


def plan_races(rng: random.Random, venue: Venue, first: datetime, count: int) -> list[RacePlan]:
    races = []
    start = first
    for number in range(1, count + 1):
        distance = rng.choice(DISTANCES[venue.category])
        name = f"{rng.choice(SPONSORS)} {rng.choice(RACE_KINDS[venue.category])}"
        if venue.category == "T":
            name += f" {distance}"
        if venue.country == "AUS":  # Australian race names come in Title Case
            name = name.title()
        races.append(
            RacePlan(
                new_id(rng), number, name, distance, int(start.timestamp()), rng.getrandbits(64)
            )
        )
        start += timedelta(minutes=rng.choice((25, 28, 30, 30, 32, 35)))
    return races


def multi_pools(
    rng: random.Random, races: list[RacePlan], quaddie: list[int], early: list[int]
) -> list[MultiPool]:
    by_number = {r.race_number: r for r in races}
    pools = []
    for product, key, legs, size in (
        ("Quadrella", "quaddie", quaddie, 40_000.0),
        ("EarlyQuadrella", "early_quaddie", early, 10_000.0),
    ):
        if not legs:
            continue
        close_ns = by_number[legs[0]].start * NS
        last_start = nz_wall(by_number[legs[-1]].start).strftime("%Y-%m-%d %H:%M")
        curve = PoolCurve(size * rng.uniform(0.4, 1.6), close_ns, rng.uniform(15, 40))
        jackpot = round(rng.uniform(1000, 9000), 2) if rng.random() < 0.3 else 0.0
        guarantee = 25_000 if product == "Quadrella" else 0
        pools.append(MultiPool(product, key, tuple(legs), curve, guarantee, jackpot, last_start))
    return pools


def choose_scratchings(
    rng: random.Random, plans: list[MeetingPlan], runners: int, offsets: Sequence[float]
) -> None:
    """Mark one race in ten for a late scratching (synthetic: the samples have none).

    Only where the field stays large enough and the scratching can be seen: a pre-start poll
    before it and one from it on.
    """
    races = [race for meeting in plans for race in meeting.races]
    if runners < 6 or sum(1 for o in offsets if o < 0) < 2:
        return
    for race in rng.sample(races, len(races) // 10):
        race.scratch = True
