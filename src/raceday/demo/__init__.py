"""Synthetic NZTAB data for benchmarks, demos, tests and the simulator: deterministic racing days.

Everything here is generated, never captured. The core is `SimulatedDay`: what NZTAB would
serve about one racing day at any instant (meetings list items, races list items, race-event
data), deterministic from `DayOptions`; `envelope` and `event_params` dress data as a whole
body. `generate_day` / `write_day` turn a day into polled bodies and files.

Modules, one concern each: `catalog` (constant tables), `options` (DayOptions, DST days),
`plan` and `scenarios` (meetings, races, timelines), `card` (static runner and race blocks),
`prices`, `market` (the walk over time), `pools`, `results`, `event` and `listings` (the data
shapes), `bodies` (envelope, params), `race` (one race's model), `day` (SimulatedDay),
`files` (polled days and files).
"""

from raceday.demo.bodies import envelope, event_params
from raceday.demo.day import SimulatedDay
from raceday.demo.files import (
    GeneratedDay,
    GeneratedRace,
    generate_day,
    poll_day,
    poll_instants,
    poll_offsets,
    write_day,
)
from raceday.demo.options import DayOptions, dst_change_day
from raceday.demo.plan import Scratching, SimMeeting, SimRace

__all__ = [
    "DayOptions",
    "GeneratedDay",
    "GeneratedRace",
    "Scratching",
    "SimMeeting",
    "SimRace",
    "SimulatedDay",
    "dst_change_day",
    "envelope",
    "event_params",
    "generate_day",
    "poll_day",
    "poll_instants",
    "poll_offsets",
    "write_day",
]
