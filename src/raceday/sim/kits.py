"""The model the simulator serves: `raceday.demo.SimulatedDay`, behind the `ModelKit` boundary."""

from __future__ import annotations

from datetime import date

from raceday.demo import DayOptions, SimulatedDay, dst_change_day, envelope, event_params
from raceday.sim.model import DayModel, DaySizes, ModelKit

__all__ = ["demo_kit"]


def _build(day: date, seed: int, sizes: DaySizes) -> DayModel:
    options = DayOptions(
        day=day,
        seed=seed,
        meetings=sizes.meetings,
        races_per_meeting=sizes.races_per_meeting,
        runners=sizes.runners,
        scenarios=sizes.scenarios,
        zone=sizes.zone,
    )
    return SimulatedDay(options)


def demo_kit() -> ModelKit:
    """The time-based demo model of `raceday.demo`."""
    return ModelKit(
        build=_build, envelope=envelope, event_params=event_params, dst_change_day=dst_change_day
    )
