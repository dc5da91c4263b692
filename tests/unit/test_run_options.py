"""`raceday run` options: durations and the shared simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from raceday.cli.run import build_clock, parse_duration
from raceday.clock import ScaledClock, SystemClock
from raceday.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("10m", timedelta(minutes=10)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2m30s", timedelta(minutes=2, seconds=30)),
        ("45", timedelta(seconds=45)),
        ("0.5s", timedelta(seconds=0.5)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "10x", "m"])
def test_a_bad_duration_names_itself(text: str) -> None:
    with pytest.raises(ConfigError, match="not a duration"):
        parse_duration(text)


def test_no_clock_options_is_the_real_clock() -> None:
    assert isinstance(build_clock(None, 1, None, "Pacific/Auckland"), SystemClock)


def test_the_service_and_the_simulator_share_start_speed_and_origin() -> None:
    clock = build_clock("2026-12-03T11:00", 60, "2026-12-03T00:00Z", "Pacific/Auckland")
    assert isinstance(clock, ScaledClock)
    assert clock.start == datetime(2026, 12, 2, 22, tzinfo=UTC)
    assert clock.origin == datetime(2026, 12, 3, tzinfo=UTC)
    assert clock.speed == 60


def test_a_bad_start_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an instant"):
        build_clock("yesterday-ish", 60, None, "Pacific/Auckland")
