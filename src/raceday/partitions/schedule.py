"""When maintenance runs: at start-up, at 00:00 in the racing-day zone, and hourly as a safety net."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

__all__ = ["add_maintenance_jobs", "hourly_trigger", "midnight_trigger"]


def midnight_trigger(zone: str) -> CronTrigger:
    """00:00 local time every day; APScheduler resolves it with the zone's DST rules."""
    return CronTrigger(hour=0, minute=0, second=0, timezone=ZoneInfo(zone))


def hourly_trigger(zone: str) -> CronTrigger:
    """Minute 30 of every hour: the safety net, away from the midnight run."""
    return CronTrigger(minute=30, second=0, timezone=ZoneInfo(zone))


def add_maintenance_jobs(scheduler: BaseScheduler, zone: str, run: Callable[[str], object]) -> None:
    """Register the midnight and hourly runs; `run(triggered_by)` does one maintenance run."""
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
    scheduler.add_job(run, midnight_trigger(zone), args=["midnight"], id="partitions-midnight", **common)
    scheduler.add_job(run, hourly_trigger(zone), args=["hourly"], id="partitions-hourly", **common)
