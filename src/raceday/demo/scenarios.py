"""Which races play which scenario, and when: pure choices from the day's generator.

A scenario instant is always a tick boundary (`formats.TICK_S`), so a body shows it from exactly
that instant on. Scenarios only pick instants before a race's start; the race's own timeline
(jump, Interim, Final) is planned from its own seed afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from uuid import UUID

from raceday.demo.formats import TICK_S, ceil_tick, epoch_seconds, floor_tick

__all__ = ["Candidate", "Scenario", "choose_scenarios", "scratchings_between_polls"]

_TICKS_PER_MINUTE = 60 // TICK_S
_MIN_FIELD_TO_SCRATCH = 6  # results and First Four need four finishers, with room to spare


@dataclass(frozen=True)
class Candidate:
    """What choosing a scenario needs to know about a race."""

    race_id: UUID
    start_s: int  # scheduled start, epoch seconds on the minute
    runners: int
    local: bool  # an NZ/AUS meeting's race (foreign meetings keep their card as planned)
    in_multi_pool: bool  # a leg of a quaddie


@dataclass(frozen=True)
class Scenario:
    """What happens to one race; instants are epoch seconds on a tick boundary."""

    abandoned_at_s: int | None = None
    postponed_at_s: int | None = None
    postponed_start_s: int | None = None
    scratchings: tuple[tuple[int, int], ...] = ()  # (runner number, epoch seconds)


def _minutes_before(rng: random.Random, start_s: int, low: int, high: int) -> int:
    """A tick boundary `low`..`high` minutes before `start_s` (a whole minute, so a tick)."""
    return start_s - TICK_S * rng.randint(low * _TICKS_PER_MINUTE, high * _TICKS_PER_MINUTE)


def choose_scenarios(rng: random.Random, candidates: Sequence[Candidate]) -> dict[UUID, Scenario]:
    """One race put back, one abandoned, and about one in ten with a late scratching.

    Each race plays at most one scenario, so each can be seen on its own. The postponed and the
    abandoned race are local ones; the abandoned one is outside the quaddies when it can be, so
    their pools close as usual.
    """
    chosen: dict[UUID, Scenario] = {}
    local = [c for c in candidates if c.local] or list(candidates)
    if local:
        race = rng.choice(local)
        chosen[race.race_id] = Scenario(
            postponed_at_s=_minutes_before(rng, race.start_s, 30, 60),
            postponed_start_s=race.start_s + 60 * rng.randint(10, 20),
        )
    rest = [c for c in local if c.race_id not in chosen]
    quiet = [c for c in rest if not c.in_multi_pool] or rest
    if quiet:
        race = rng.choice(quiet)
        chosen[race.race_id] = Scenario(abandoned_at_s=_minutes_before(rng, race.start_s, 5, 45))
    eligible = [
        c for c in candidates if c.race_id not in chosen and c.runners >= _MIN_FIELD_TO_SCRATCH
    ]
    for race in rng.sample(eligible, min(len(eligible), len(candidates) // 10)):
        at = _minutes_before(rng, race.start_s, 2, 60)
        chosen[race.race_id] = Scenario(scratchings=((rng.randint(1, race.runners), at),))
    return chosen


def scratchings_between_polls(
    rng: random.Random, races: Sequence[tuple[UUID, int, Sequence[datetime]]]
) -> dict[UUID, tuple[int, int]]:
    """`generate_day`'s own late scratchings: one race in ten, each scratching between two
    pre-start polls (after the first), so one poll sees the runner and the next sees it gone.

    `races` holds (race id, runners, pre-start poll instants in order). Returns race id ->
    (runner number, epoch seconds). None when fields are small or fewer than two polls precede
    the start, as before.
    """
    if not races or any(n < _MIN_FIELD_TO_SCRATCH or len(p) < 2 for _, n, p in races):
        return {}
    chosen: dict[UUID, tuple[int, int]] = {}
    for race_id, runners, polls in rng.sample(list(races), len(races) // 10):
        # Tick boundaries after one poll and at or before the next one.
        windows = [
            (ceil_tick(epoch_seconds(before) + 1), floor_tick(epoch_seconds(after)))
            for before, after in pairwise(polls)
        ]
        windows = [(low, high) for low, high in windows if low <= high]
        if not windows:
            continue  # polls too close together for a tick between them
        low, high = rng.choice(windows)
        at = low + TICK_S * rng.randint(0, (high - low) // TICK_S)
        chosen[race_id] = (rng.randint(1, runners), at)
    return chosen
