"""The midnight job fires at 00:00 Pacific/Auckland on every day, DST days included."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from raceday.partitions.schedule import hourly_trigger, midnight_trigger
from raceday.racing_day import day_bounds

NZ = ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 4, 4),
        date(2026, 4, 5),
        date(2026, 4, 6),
        date(2026, 9, 26),
        date(2026, 9, 27),
        date(2026, 9, 28),
        date(2025, 7, 17),
        date(2040, 12, 31),
    ],
)
def test_midnight_fires_at_the_start_of_each_racing_day(day: date) -> None:
    trigger = midnight_trigger("Pacific/Auckland")
    start, _ = day_bounds(day)
    just_before = start - timedelta(minutes=1)
    fire = trigger.get_next_fire_time(None, just_before.astimezone(NZ))
    assert fire is not None
    assert fire.astimezone(UTC) == start


def test_midnight_fires_once_per_day_over_a_year() -> None:
    trigger = midnight_trigger("Pacific/Auckland")
    now = datetime(2026, 1, 1, tzinfo=NZ)
    fires = []
    previous = None
    for _ in range(365):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        fires.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    starts = [day_bounds(date(2026, 1, 1) + timedelta(days=n))[0] for n in range(365)]
    assert [f.astimezone(UTC) for f in fires] == starts


def test_hourly_safety_net_fires_every_hour_across_the_april_change() -> None:
    trigger = hourly_trigger("Pacific/Auckland")
    now = datetime(2026, 4, 4, 12, 0, tzinfo=UTC).astimezone(NZ)  # 01:00 NZDT, 5 April
    previous = None
    fires = []
    for _ in range(6):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        fires.append(fire.astimezone(UTC))
        previous, now = fire, fire + timedelta(seconds=1)
    gaps = {b - a for a, b in itertools.pairwise(fires)}
    assert gaps == {timedelta(hours=1)}, gaps


def test_apscheduler_cron_still_skips_a_midnight_on_the_dst_start_day() -> None:
    # Why midnight_trigger is not a CronTrigger. If this starts failing, APScheduler fixed it and
    # CronTrigger(hour=0) could be used again.
    from apscheduler.triggers.cron import CronTrigger

    cron = CronTrigger(hour=0, minute=0, second=0, timezone=NZ)
    after_midnight = datetime(2026, 9, 27, 0, 0, 1, tzinfo=NZ)
    assert cron.get_next_fire_time(None, after_midnight) == datetime(2026, 9, 29, tzinfo=NZ)
    assert midnight_trigger("Pacific/Auckland").get_next_fire_time(
        None, after_midnight
    ) == datetime(2026, 9, 28, tzinfo=NZ)
