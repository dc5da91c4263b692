"""The simulated clock that the simulator and the service share, and instants from the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raceday.clock import ScaledClock, parse_instant

_ORIGIN = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
_START = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # 11:00 NZDT on 2026-12-03


@given(
    speed=st.floats(min_value=0.5, max_value=600),
    wall_s=st.floats(min_value=0, max_value=86_400),
)
def test_two_processes_with_the_same_values_read_the_same_instant(
    speed: float, wall_s: float
) -> None:
    wall = _ORIGIN + timedelta(seconds=wall_s)
    one = ScaledClock(_START, speed, _ORIGIN)
    other = ScaledClock(_START, speed, _ORIGIN)
    assert one.at_wall(wall) == other.at_wall(wall)
    elapsed = (one.at_wall(wall) - _START).total_seconds()
    assert elapsed == pytest.approx(wall_s * speed, rel=1e-6, abs=1e-3)


def test_a_simulated_wait_takes_speed_times_less_wall_time() -> None:
    clock = ScaledClock(_START, 60, _ORIGIN)
    assert clock.wall_seconds(timedelta(minutes=1)) == pytest.approx(1.0)
    assert clock.at_wall(_ORIGIN) == _START


@pytest.mark.parametrize("speed", [0, -1, 20_000])
def test_a_speed_out_of_range_is_refused(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(_START, speed, _ORIGIN)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ScaledClock(datetime(2026, 12, 3), 1, _ORIGIN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03T11:00:00Z", datetime(2026, 12, 3, 11, tzinfo=UTC)),
        ("2026-12-03T11:00+13:00", datetime(2026, 12, 2, 22, tzinfo=UTC)),
        ("2026-12-03T11:00", datetime(2026, 12, 2, 22, tzinfo=UTC)),  # NZDT, the racing-day zone
        ("2026-07-17T12:50", datetime(2026, 7, 17, 0, 50, tzinfo=UTC)),  # NZST
        ("2026-12-03", datetime(2026, 12, 2, 11, tzinfo=UTC)),  # local midnight
    ],
)
def test_instants_from_the_command_line(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


def test_a_bad_instant_names_itself_and_the_forms_accepted() -> None:
    with pytest.raises(ValueError, match=r"'tomorrowish'.*now"):
        parse_instant("tomorrowish")
