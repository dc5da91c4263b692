"""`SimulatedDay`: a synthetic NZ racing day that says what NZTAB would serve at any instant.

The core call is "the body of race R as of instant t", for any t, in any order. A body depends
only on (options, race, the 15-second market tick that contains t): NZTAB refreshes about every
15 s, and every instant at which something changes (a scratching, a postponement, a status) is
a tick boundary. The plan of the day is made up front and is cheap; each race's card and market
walk are built the first time the race is asked about, and kept.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any
from uuid import UUID

from raceday.demo.event import event_data
from raceday.demo.formats import require_aware, tick_of
from raceday.demo.listings import meeting_item, race_summaries
from raceday.demo.options import DayOptions
from raceday.demo.plan import DayPlan, RaceStatus, SimMeeting, SimRace, plan_day
from raceday.demo.race import RaceModel
from raceday.racing_day import resolve_zone

__all__ = ["SimulatedDay"]

JsonDict = dict[str, Any]


class SimulatedDay:
    """One synthetic racing day, deterministic from its `DayOptions`.

    Everything it returns is SYNTHETIC. Bodies share their static nested blocks (runner form,
    last starts) with the day's cache: treat them as read-only, or deep-copy first.
    """

    def __init__(self, options: DayOptions, *, plan: DayPlan | None = None) -> None:
        self.options = options
        self.day: date = options.day
        self._zone = resolve_zone(options.zone)
        self._plan = plan if plan is not None else plan_day(options)
        if self._plan.day != options.day:
            raise ValueError(f"the plan is of {self._plan.day}, the options of {options.day}")
        self.meetings: tuple[SimMeeting, ...] = self._plan.meetings
        self.races: tuple[SimRace, ...] = self._plan.races
        self._races = {race.race_id: race for race in self.races}
        self._meeting_of = {race.race_id: m for m in self.meetings for race in m.races}
        self._models: dict[UUID, RaceModel] = {}
        self._lock = threading.Lock()  # one build per race, even with concurrent requests

    # --- races ------------------------------------------------------------------------------

    def race(self, race_id: str | UUID) -> SimRace:
        """The race with this id; KeyError when the day has no such race (or it is no id)."""
        key = race_id
        if not isinstance(key, UUID):
            try:
                key = UUID(str(key))
            except ValueError:
                raise KeyError(f"not a race id: {race_id!r}") from None
        try:
            return self._races[key]
        except KeyError:
            raise KeyError(f"no race {key} on {self.day}") from None

    def status_at(self, race_id: str | UUID, at: datetime) -> RaceStatus:
        """Open, Closed, Interim, Final or Abandoned, as a body at `at` shows it."""
        return self.race(race_id).status_at(require_aware(at))

    def advertised_start_at(self, race_id: str | UUID, at: datetime) -> datetime:
        """The advertised start (UTC) as known at `at`: a new start only once put back."""
        return self.race(race_id).advertised_start_at(require_aware(at))

    def settled_at(self, race_id: str | UUID) -> datetime:
        """When the race becomes Final, or Abandoned."""
        return self.race(race_id).settled_at

    def first_start(self) -> datetime:
        """The earliest scheduled start of the day."""
        return min(race.scheduled_start for race in self.races)

    def last_settled(self) -> datetime:
        """When the day's last race becomes Final (or Abandoned)."""
        return max(race.settled_at for race in self.races)

    # --- bodies' data -----------------------------------------------------------------------

    def meetings_data(self, at: datetime) -> list[JsonDict]:
        """`data.meetings[]` of the meetings list (§4.1) as known at `at`, in meetings order."""
        at = require_aware(at)
        return [meeting_item(m, self.day, self._zone, at) for m in self.meetings]

    def race_summaries(self, at: datetime) -> list[JsonDict]:
        """`data.races[]` of the races list (§4.2) as of `at`, ordered by advertised start."""
        return race_summaries(self.races, require_aware(at))

    def race_event_data(self, race_id: str | UUID, at: datetime) -> JsonDict:
        """`data` of GET /racing/events/{id} (§4.4) as of `at`; KeyError for an unknown id."""
        race = self.race(race_id)
        return event_data(self._model(race), tick_of(require_aware(at)))

    def _model(self, race: SimRace) -> RaceModel:
        model = self._models.get(race.race_id)
        if model is None:
            with self._lock:
                model = self._models.get(race.race_id)
                if model is None:
                    meeting = self._meeting_of[race.race_id]
                    model = RaceModel(race, meeting, self.day, self._zone)
                    self._models[race.race_id] = model
        return model
