"""Pure planning of meetings imports: which racing days to import, and when the next import is.

The poller imports the meetings of today's NZ racing day at start-up, every day at `daily_at`
(06:00) and every `refresh_every` (12 min) in between, so moved starts, new races and status
changes reach the queue; from `evening_from` (18:00) it imports tomorrow's as well, so the
first races after midnight are tracked well before they start.

Local times are read in `zone` (Pacific/Auckland) with the racing-day rules of
`raceday.racing_day`, daylight saving included. A local time that happens once a day is taken at
the first instant the zone's clock shows it on that date: a time repeated when the clocks go
back is taken at its first occurrence (once, not twice), and a time skipped when they go forward
is taken at the jump itself (the first instant past it). 06:00 and 18:00 are never affected in
New Zealand (the changes happen at 02:00/03:00), but other settings or zones may be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from raceday.racing_day import DEFAULT_ZONE, racing_day_of, resolve_zone

# The private bisection that day_start uses for a skipped midnight; reused rather than copied so
# the rule of a skipped local time has one home (a public `local_instant` in racing_day would
# be better; asked for in the report).
from raceday.racing_day import _transition_after as transition_after

if TYPE_CHECKING:
    from raceday.config import Settings

__all__ = ["MeetingsRules", "days_to_import", "local_instant", "next_import_at"]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class MeetingsRules:
    """When meetings are imported: daily at `daily_at`, every `refresh_every`, tomorrow's from
    `evening_from`, all read in `zone`."""

    daily_at: time = time(6, 0)
    evening_from: time = time(18, 0)
    refresh_every: timedelta = timedelta(minutes=12)
    zone: str = DEFAULT_ZONE

    def __post_init__(self) -> None:
        for name in ("daily_at", "evening_from"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(
                    f"MeetingsRules.{name} must be a local wall time without a zone, got {value!r}"
                )
        if self.refresh_every <= timedelta(0):
            raise ValueError(
                f"MeetingsRules.refresh_every must be positive, got {self.refresh_every}"
            )
        resolve_zone(self.zone)  # an unknown zone fails here, named, not at the first import

    @classmethod
    def from_settings(cls, settings: Settings) -> MeetingsRules:
        """The default rules in the racing-day zone of RACEDAY_TIMEZONE."""
        return cls(zone=settings.timezone)


def local_instant(day: date, wall: time, zone: str | ZoneInfo = DEFAULT_ZONE) -> datetime:
    """The first instant (UTC) at which the clock of `zone` on `day` shows `wall` or later.

    A repeated wall time gives its first occurrence; a skipped one gives the jump.
    """
    tz = resolve_zone(zone)
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    return transition_after(naive, tz)


def days_to_import(rules: MeetingsRules, now: datetime) -> tuple[date, ...]:
    """Today's NZ racing day; from today's `evening_from` on, tomorrow's as well; before
    `daily_at`, yesterday's too (in order): yesterday's foreign meetings run past NZ midnight
    into the small hours, and a service started then must still find them."""
    _require_aware("now", now)
    tz = resolve_zone(rules.zone)
    today = racing_day_of(now, tz)
    if now >= local_instant(today, rules.evening_from, tz):
        return (today, today + _ONE_DAY)
    if now < local_instant(today, rules.daily_at, tz):
        return (today - _ONE_DAY, today)
    return (today,)


def next_import_at(rules: MeetingsRules, now: datetime, last_import: datetime | None) -> datetime:
    """When the next meetings import is due.

    At start-up (`last_import` None): `now`. Otherwise the earliest of last_import +
    refresh_every, the first `daily_at` after last_import and the first `evening_from` after
    last_import. Measured from the last import, not from now, so an import missed while the
    service was busy or down is due at once: the result may lie before `now`.
    """
    _require_aware("now", now)
    if last_import is None:
        return now
    _require_aware("last_import", last_import)
    tz = resolve_zone(rules.zone)
    return min(
        last_import + rules.refresh_every,
        _next_occurrence(rules.daily_at, last_import, tz),
        _next_occurrence(rules.evening_from, last_import, tz),
    )


def _next_occurrence(wall: time, after: datetime, tz: ZoneInfo) -> datetime:
    """The first daily occurrence of local `wall` strictly after `after`."""
    day = racing_day_of(after, tz)
    today = local_instant(day, wall, tz)
    # Tomorrow's occurrence lies past the start of tomorrow, so after `after`.
    return today if today > after else local_instant(day + _ONE_DAY, wall, tz)


def _require_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
