"""Simulated days shared by the demo tests (built once per worker: they are pure and read-only)."""

from __future__ import annotations

from datetime import date

import pytest

from raceday.demo import DayOptions, SimulatedDay

# A Thursday in NZDT with no daylight-saving change near it.
PLAIN_DAY = date(2026, 3, 12)


@pytest.fixture(scope="session")
def scenario_day() -> SimulatedDay:
    """The default composition with every scenario: 10 meetings, 100 races, 12 runners."""
    return SimulatedDay(DayOptions(day=PLAIN_DAY))
