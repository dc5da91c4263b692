"""Simulators for the sim tests: one shared per module where tests only read, fresh ones where
a test changes what the server does (faults, record, signals)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.simulator import Simulator, run_simulator, simulator, simulator_args

__all__ = ["HOME_DAY", "MODEL", "SMALL_DAY", "shared_sim", "simulator", "simulator_args"]

# The stand-in model, until raceday.demo.SimulatedDay lands (then: MODEL = []).
MODEL = ["--model", "tests.sim.standin:KIT"]
HOME_DAY = "2025-07-17"
# 12:30 NZST on the home day; meetings start from 12:00, so some races are run, most are not.
SMALL_DAY = [
    *MODEL,
    "--start",
    f"{HOME_DAY}T12:30",
    "--seed",
    "3",
    "--meetings",
    "4",
    "--races-per-meeting",
    "5",
    "--runners",
    "8",
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    """A small day's simulator shared by the tests of one module, which must leave it as found."""
    with run_simulator(*SMALL_DAY) as running:
        yield running
