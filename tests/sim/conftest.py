"""Simulators for the sim tests: one shared per module where tests only read, fresh ones where
a test changes what the server does (faults, record, signals)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from raceday.demo import DayOptions, SimulatedDay
from raceday.sim import day_seed
from tests.fixtures.simulator import Simulator, run_simulator, simulator, simulator_args

__all__ = ["HOME_DAY", "SMALL_DAY", "shared_sim", "simulator", "simulator_args", "small_day_model"]

HOME_DAY = "2025-07-17"
SEED, MEETINGS, RACES, RUNNERS = 3, 4, 5, 8
# 12:30 NZST on the home day: the first races have run, most have not.
SMALL_DAY = [
    "--start", f"{HOME_DAY}T12:30", "--seed", str(SEED), "--meetings", str(MEETINGS),
    "--races-per-meeting", str(RACES), "--runners", str(RUNNERS),
]  # fmt: skip


def small_day_model(day: str) -> SimulatedDay:
    """The model a SMALL_DAY simulator serves for `day`, built here to check what it served."""
    when = date.fromisoformat(day)
    options = DayOptions(
        when, seed=day_seed(SEED, when), meetings=MEETINGS, races_per_meeting=RACES, runners=RUNNERS
    )
    return SimulatedDay(options)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    """A small day's simulator shared by the tests of one module, which must leave it as found."""
    with run_simulator(*SMALL_DAY) as running:
        yield running
