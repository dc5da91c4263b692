"""What the simulator needs from a model of a racing day, and the kit that builds one per day.

The simulator serves bodies; the model (`raceday.demo.SimulatedDay`) decides what a racing day
looks like at any instant. Keeping the boundary as a Protocol lets the app be built over any
model with the same surface (the demo model in production, a small one in a unit test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol
from uuid import UUID

__all__ = ["DayModel", "DaySizes", "EnvelopeBuilder", "EventParams", "ModelKit", "SimRaceLike"]

JsonDict = dict[str, Any]


class SimRaceLike(Protocol):
    """One race of a simulated day, as far as routing and paging need it."""

    @property
    def race_id(self) -> UUID: ...

    @property
    def meeting_id(self) -> UUID: ...

    @property
    def race_number(self) -> int: ...

    @property
    def scheduled_start(self) -> datetime: ...


class DayModel(Protocol):
    """One NZ racing day that can say what NZTAB would serve about it at any instant."""

    @property
    def day(self) -> date: ...

    @property
    def races(self) -> Sequence[SimRaceLike]: ...

    def meetings_data(self, at: datetime) -> list[JsonDict]:
        """`data.meetings[]` of the day as of `at`."""
        ...

    def race_summaries(self, at: datetime) -> list[JsonDict]:
        """`data.races[]` items (races list) of the day as of `at`."""
        ...

    def race_event_data(self, race_id: UUID, at: datetime) -> JsonDict:
        """`data` of /racing/events/{id} as of `at`; KeyError for a race not of this day."""
        ...


@dataclass(frozen=True)
class DaySizes:
    """How big every simulated day is, and whether its scenarios (scratchings, delays…) run."""

    meetings: int = 10
    races_per_meeting: int = 10
    runners: int = 12
    scenarios: bool = True
    zone: str = "Pacific/Auckland"


EnvelopeBuilder = Callable[[str, str, JsonDict, JsonDict, datetime], JsonDict]
EventParams = Callable[[str, Mapping[str, str]], JsonDict]


@dataclass(frozen=True)
class ModelKit:
    """The model's entry points: build a day, wrap data in the NZTAB envelope, echo event params,
    and find the day daylight saving starts or ends in a year.

    `build(day, seed, sizes)` must be deterministic in its arguments.
    """

    build: Callable[[date, int, DaySizes], DayModel]
    envelope: EnvelopeBuilder
    event_params: EventParams
    dst_change_day: Callable[[int, Literal["start", "end"]], date]
