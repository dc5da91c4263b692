"""Pure racing-day arithmetic: the instants a local day spans, and the day an instant falls on.

A racing day D is the half-open interval [D 00:00, D+1 00:00) of local time in a zone
(Pacific/Auckland by default): 24 hours, 23 on the day daylight saving starts, 25 on the day it
ends. Every instant returned here is an aware datetime in UTC, so nothing that uses it depends on
the session or server time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_ZONE",
    "day_bounds",
    "day_length",
    "day_start",
    "days_between",
    "format_bound",
    "racing_day_of",
    "resolve_zone",
]

DEFAULT_ZONE = "Pacific/Auckland"

_ONE_DAY = timedelta(days=1)


def resolve_zone(zone: str | ZoneInfo) -> ZoneInfo:
    """Return `zone` as a ZoneInfo; an unknown name raises ValueError naming it."""
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {zone!r} (use an IANA name such as {DEFAULT_ZONE})"
        ) from exc


def day_start(day: date, zone: str | ZoneInfo = DEFAULT_ZONE) -> datetime:
    """The first instant (UTC) of local `day`: local midnight, resolved by the zone's rules.

    An ambiguous midnight (a repeated hour that contains it) resolves to its first occurrence
    (fold=0). A midnight skipped by a forward jump resolves to the first instant after the jump,
    i.e. the transition itself, so consecutive days still meet exactly.
    """
    tz = resolve_zone(zone)
    wall = datetime(day.year, day.month, day.day)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    return _transition_after(wall, tz)


def _transition_after(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a forward jump that skips the naive local `wall` time takes effect."""
    # Read with the offsets before and after the jump, the skipped wall time names two instants;
    # the transition lies between them. zoneinfo has no public transition list, so bisect on whole
    # seconds (tz database offsets and transitions are whole seconds).
    candidates = [wall.replace(tzinfo=tz, fold=f).timestamp() for f in (0, 1)]
    low, high = int(min(candidates)), int(max(candidates))  # local(low) < wall <= local(high)
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def day_bounds(day: date, zone: str | ZoneInfo = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """[start, end) of local `day` as aware UTC datetimes; end is the next day's start."""
    tz = resolve_zone(zone)
    return day_start(day, tz), day_start(day + _ONE_DAY, tz)


def day_length(day: date, zone: str | ZoneInfo = DEFAULT_ZONE) -> timedelta:
    """How long local `day` lasts: 24 h, or 23/25 h on daylight-saving changes (0 if skipped)."""
    lower, upper = day_bounds(day, zone)
    return upper - lower


def racing_day_of(instant: datetime, zone: str | ZoneInfo = DEFAULT_ZONE) -> date:
    """The local day whose [start, end) contains the aware `instant`."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"racing_day_of needs an aware datetime, got naive {instant.isoformat()}; "
            "attach its zone first (e.g. tzinfo=UTC)"
        )
    tz = resolve_zone(zone)
    day = instant.astimezone(tz).date()
    # A day starts at the first instant whose wall time reaches its midnight, so the instant is
    # never before the start of its wall-clock date. It can be past that day's end when a
    # repeated interval straddles midnight (America/Goose_Bay until 2010 fell back from 00:01 to
    # 23:01): partitions route by the bounds, so the bounds decide.
    while instant >= day_start(day + _ONE_DAY, tz):
        day += _ONE_DAY
    return day


def format_bound(instant: datetime) -> str:
    """`instant` as an ISO string in UTC with an explicit offset: '2025-07-16 12:00:00+00:00'.

    Written this way, a partition bound means the same instant whatever TimeZone the session
    that reads it has.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"a bound must be an aware datetime, got naive {instant.isoformat()}")
    return instant.astimezone(UTC).isoformat(sep=" ")


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included; ValueError when last < first."""
    if last < first:
        raise ValueError(f"the range ends before it starts: {first} > {last}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
