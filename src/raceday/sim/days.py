"""The simulated calendar: one model per NZ racing day, built on first use and cached.

Any day can be served (a poller imports tomorrow's meetings in the evening, and a 60x demo runs
through several days), each built from a seed derived from `--seed` and the day, so a day is the
same whichever order it is first asked for. Races and meetings are indexed by id as their day is
built, which is how /events/{id} and /meetings/{id} find the day of an id; the index outlives the
bounded cache of built days.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from raceday.racing_day import day_bounds, days_between, racing_day_of
from raceday.sim.instants import from_ns, to_ns
from raceday.sim.model import DayModel, DaySizes, ModelKit, SimRaceLike

__all__ = ["DayBook", "MeetingFacts", "day_seed"]

K = TypeVar("K")

_ONE_DAY = timedelta(days=1)


def day_seed(seed: int, day: date) -> int:
    """The model seed of `day` under simulator seed `seed`: stable across runs and processes."""
    digest = hashlib.sha256(f"raceday-sim:{seed}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class MeetingFacts:
    """What never changes about a meeting during its day: what the listings filter on."""

    meeting_id: str
    country: str
    category: str
    tote_meeting_number: int | None


@dataclass(frozen=True)
class _BuiltDay:
    model: DayModel
    meetings: dict[str, MeetingFacts]
    races: tuple[SimRaceLike, ...]


class DayBook:
    """Builds, caches and finds simulated racing days."""

    def __init__(self, kit: ModelKit, *, seed: int, sizes: DaySizes, cache_days: int = 8) -> None:
        if cache_days < 3:
            raise ValueError("cache_days must be at least 3 (a day and its neighbours)")
        self.kit, self.seed, self.sizes, self.cache_days = kit, seed, sizes, cache_days
        self.zone = sizes.zone
        self._built: OrderedDict[date, _BuiltDay] = OrderedDict()
        self._race_days: dict[UUID, date] = {}
        self._meeting_days: dict[str, date] = {}

    # --- days --------------------------------------------------------------------------------

    def model(self, day: date) -> DayModel:
        return self._day(day).model

    def meeting_facts(self, day: date) -> dict[str, MeetingFacts]:
        return self._day(day).meetings

    def races(self, day: date) -> tuple[SimRaceLike, ...]:
        return self._day(day).races

    def days_overlapping(self, low_ns: int, high_ns: int) -> list[date]:
        """Every NZ racing day whose [start, end) overlaps the inclusive range [low, high]."""
        first = racing_day_of(from_ns(low_ns), self.zone)
        last = racing_day_of(from_ns(high_ns), self.zone)
        return days_between(first, last)

    def bounds_ns(self, day: date) -> tuple[int, int]:
        start, end = day_bounds(day, self.zone)
        return to_ns(start), to_ns(end)

    def day_of(self, instant: datetime) -> date:
        return racing_day_of(instant.astimezone(UTC), self.zone)

    def _day(self, day: date) -> _BuiltDay:
        built = self._built.get(day)
        if built is not None:
            self._built.move_to_end(day)
            return built
        model = self.kit.build(day, day_seed(self.seed, day), self.sizes)
        start = day_bounds(day, self.zone)[0]
        meetings = {
            str(m["meeting"]): MeetingFacts(
                meeting_id=str(m["meeting"]),
                country=str(m.get("country") or "").upper(),
                category=str(m.get("category") or "").upper(),
                tote_meeting_number=m.get("tote_meeting_number"),
            )
            for m in model.meetings_data(start)
        }
        built = _BuiltDay(model, meetings, tuple(model.races))
        for race in built.races:
            self._race_days[race.race_id] = day
        for meeting_id in meetings:
            self._meeting_days[meeting_id] = day
        self._built[day] = built
        while len(self._built) > self.cache_days:
            self._built.popitem(last=False)
        return built

    # --- ids ---------------------------------------------------------------------------------

    def find_race(self, race_id: UUID, near: Iterable[date]) -> date | None:
        """The day of `race_id`: from the index, else after building `near` days and their
        neighbours (an id the client learned from a listing is always of such a day)."""
        return self._find(self._race_days, race_id, near)

    def find_meeting(self, meeting_id: str, near: Iterable[date]) -> date | None:
        return self._find(self._meeting_days, meeting_id.lower(), near)

    def _find(self, index: dict[K, date], key: K, near: Iterable[date]) -> date | None:
        found = index.get(key)
        if found is not None:
            return found
        for centre in near:
            for day in (centre - _ONE_DAY, centre, centre + _ONE_DAY):
                self._day(day)
                if key in index:
                    return index[key]
        return None
