"""DayOptions refuses what cannot be simulated; dst_change_day reads the zone database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from raceday.demo import DayOptions, dst_change_day
from raceday.racing_day import day_length
from tests.demo.conftest import PLAIN_DAY


@pytest.mark.parametrize(
    ("field", "value"),
    [("meetings", 0), ("meetings", 201), ("races_per_meeting", 21), ("runners", 3),
     ("runners", 25), ("races_per_meeting", True)],
)  # fmt: skip
def test_sizes_out_of_range_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"DayOptions.{field}"):
        DayOptions(day=PLAIN_DAY, **{field: value})  # type: ignore[arg-type]


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match=r"DayOptions\.zone.*Mars/Olympus"):
        DayOptions(day=PLAIN_DAY, zone="Mars/Olympus")


def test_a_datetime_is_no_day() -> None:
    with pytest.raises(TypeError, match="must be a date"):
        DayOptions(day="2026-03-12")  # type: ignore[arg-type]


@pytest.mark.parametrize("year", range(2015, 2041))
def test_dst_change_days_are_the_nz_sundays_of_23_and_25_hours(year: int) -> None:
    start, end = dst_change_day(year, "start"), dst_change_day(year, "end")
    # Last Sunday of September, first Sunday of April (the rule since 2007).
    assert start.weekday() == 6 and start.month == 9 and (start + timedelta(days=7)).month == 10
    assert end.weekday() == 6 and end.month == 4 and end.day <= 7
    assert day_length(start) == timedelta(hours=23)
    assert day_length(end) == timedelta(hours=25)


def test_dst_change_day_follows_the_zone() -> None:
    # Sydney changes on the first Sunday of October and of April.
    assert dst_change_day(2026, "start", "Australia/Sydney") == date(2026, 10, 4)
    assert dst_change_day(2026, "end", "Australia/Sydney") == date(2026, 4, 5)
    # The northern hemisphere: spring forward in March.
    assert dst_change_day(2026, "start", "Europe/Paris") == date(2026, 3, 29)


def test_dst_change_day_refuses_a_zone_without_daylight_saving_and_a_bad_kind() -> None:
    with pytest.raises(ValueError, match="no daylight-saving start in 2026"):
        dst_change_day(2026, "start", "UTC")
    with pytest.raises(ValueError, match="'start' or 'end'"):
        dst_change_day(2026, "middle")  # type: ignore[arg-type]
