"""The simulated NZTAB affiliates API (`raceday sim serve`): loopback HTTP, generated racing days.

Tests, benchmarks and the live demo poll this instead of the real API. It serves the real paths,
envelopes, params echo, paging and quirks (data guide §3, §4, §8) from `raceday.demo`'s model of
a racing day, reads a `ScaledClock` that can run faster than real time, injects faults per route
(`raceday.sim.faults`), and can record every body it served (`iter_record`).

    from raceday.sim import ServeOptions, serve, demo_kit     # run one in this process
    from raceday.sim import iter_record                       # read a --record file back
"""

from raceday.sim.app import BASE_PATH, SimState, create_app
from raceday.sim.days import DayBook, day_seed
from raceday.sim.faults import (
    FAULT_KINDS,
    ROUTES,
    FaultConfig,
    FaultConfigError,
    FaultDrawer,
    FaultRule,
    fault_config_from_json,
    parse_fault_config,
    parse_fault_option,
)
from raceday.sim.kits import demo_kit
from raceday.sim.model import DayModel, DaySizes, ModelKit, SimRaceLike
from raceday.sim.record import RecordedBody, RecordError, RecordWriter, iter_record
from raceday.sim.server import ServeOptions, build_state, serve

__all__ = [
    "BASE_PATH",
    "FAULT_KINDS",
    "ROUTES",
    "DayBook",
    "DayModel",
    "DaySizes",
    "FaultConfig",
    "FaultConfigError",
    "FaultDrawer",
    "FaultRule",
    "ModelKit",
    "RecordError",
    "RecordWriter",
    "RecordedBody",
    "ServeOptions",
    "SimRaceLike",
    "SimState",
    "build_state",
    "create_app",
    "day_seed",
    "demo_kit",
    "fault_config_from_json",
    "iter_record",
    "parse_fault_config",
    "parse_fault_option",
    "serve",
]
