"""Pure calendar policy: which racing days must have partitions, and which may be retired."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from raceday.partitions.model import Policy
from raceday.racing_day import DEFAULT_ZONE, racing_day_of, resolve_zone

__all__ = [
    "before_live_window",
    "days_for_instants",
    "live_window",
    "required_days",
    "retirement_cutoff",
]


def live_window(today: date, policy: Policy) -> tuple[date, date]:
    """The first and last racing day that must have partitions: yesterday .. the runway's end."""
    # Yesterday stays because late rows (and the first minutes after midnight, if maintenance
    # runs late) still belong to it.
    return today - timedelta(days=1), today + timedelta(days=policy.days_ahead)


def required_days(today: date, policy: Policy) -> list[date]:
    """Yesterday, today and `policy.days_ahead` future days, in order."""
    first, last = live_window(today, policy)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def before_live_window(day: date, today: date) -> bool:
    """Whether `day` is older than the live window: history loaded on purpose, not live data.

    A day created for such rows (a backfill, an ingest of old files) is kept from retention:
    it is older than the retention period as soon as it is written.
    """
    return day < today - timedelta(days=1)


def retirement_cutoff(today: date, policy: Policy) -> date | None:
    """Days strictly before the returned day may be retired; None keeps every day.

    The cutoff is never later than yesterday, so even retention_days=1 cannot retire the runway.
    """
    if policy.retention_days == 0:
        return None
    return today - timedelta(days=max(policy.retention_days, 1))


def days_for_instants(
    instants: Iterable[datetime], zone: str | ZoneInfo = DEFAULT_ZONE
) -> set[date]:
    """The racing days that the aware `instants` fall on."""
    tz = resolve_zone(zone)
    return {racing_day_of(instant, tz) for instant in instants}
