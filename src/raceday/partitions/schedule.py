"""When maintenance runs: at start-up, at 00:00 in the racing-day zone, and hourly as a safety net."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from raceday.racing_day import day_start, racing_day_of

__all__ = [
    "RacingDayStartTrigger",
    "add_maintenance_jobs",
    "hourly_trigger",
    "midnight_trigger",
    "next_maintenance_at",
]


class RacingDayStartTrigger(BaseTrigger):  # type: ignore[misc]  # untyped base
    """Fires at the start of every racing day (00:00 local), computed by racing_day.day_bounds.

    Not CronTrigger(hour=0): APScheduler 3.11's cron trigger, asked just after 00:00 NZST on the
    day daylight saving starts (2026-09-27), answers 2026-09-29 and skips a midnight (a test pins
    this). The racing-day calendar is already exhaustively tested, so the trigger reuses it.
    """

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        after = max(now, previous_fire_time + timedelta(seconds=1)) if previous_fire_time else now
        day = racing_day_of(after, self.zone)
        start = day_start(day, self.zone)
        if start < after:
            start = day_start(day + timedelta(days=1), self.zone)
        return start.astimezone(self.zone)

    def __str__(self) -> str:
        return f"racing-day start in {self.zone.key}"


def midnight_trigger(zone: str) -> RacingDayStartTrigger:
    """00:00 local time every day, DST days included."""
    return RacingDayStartTrigger(zone)


def hourly_trigger(zone: str) -> IntervalTrigger:
    """Every hour: the safety net. An interval, not a cron minute, so the repeated hour of the
    April change neither fires twice nor confuses the scheduler."""
    return IntervalTrigger(hours=1, timezone=ZoneInfo(zone))


def add_maintenance_jobs(scheduler: BaseScheduler, zone: str, run: Callable[[str], object]) -> None:
    """Register the midnight and hourly runs; `run(triggered_by)` does one maintenance run."""
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
    scheduler.add_job(
        run, midnight_trigger(zone), args=["midnight"], id="partitions-midnight", **common
    )
    scheduler.add_job(run, hourly_trigger(zone), args=["hourly"], id="partitions-hourly", **common)


def next_maintenance_at(zone: str, now: datetime, last_run: datetime) -> datetime:
    """The next run after one at `last_run`, for a service that keeps its own (maybe simulated)
    clock: the next racing-day start or an hour after the last run, whichever comes first."""
    midnight = midnight_trigger(zone).get_next_fire_time(None, max(now, last_run))
    hourly = last_run + timedelta(hours=1)
    return min(hourly, midnight) if midnight is not None else hourly
