"""Instants as integer nanoseconds since the epoch, and NZTAB's RFC 3339 text for them.

The API writes Go's RFC3339Nano (up to 9 fractional digits, trailing zeros dropped) and reads
day bounds like "2025-07-17T23:59:59.999999999Z"; datetime holds microseconds only, so query
bounds are kept in nanoseconds to echo them exactly as the real server does.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = [
    "NS",
    "from_ns",
    "parse_rfc3339_ns",
    "rfc3339",
    "rfc3339_of",
    "to_ns",
    "utc_day_bounds_ns",
]

NS = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_NS = 86_400 * NS

_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))?"
    r"(?P<zone>[Zz]|[+-]\d{2}:\d{2})"
)


def to_ns(instant: datetime) -> int:
    """Nanoseconds since the epoch of an aware datetime (exact: no float arithmetic)."""
    if instant.tzinfo is None:
        raise ValueError(f"need an aware datetime, got naive {instant.isoformat()}")
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1_000


def from_ns(ns: int) -> datetime:
    """The aware UTC datetime of `ns`, truncated to microseconds."""
    return _EPOCH + timedelta(microseconds=ns // 1_000)


def rfc3339(ns: int) -> str:
    """RFC 3339 in UTC with Go's RFC3339Nano fraction: "2025-07-17T11:16:59.18904298Z"."""
    seconds, nanos = divmod(ns, NS)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}".rstrip("0") + "Z" if nanos else f"{text}Z"


def rfc3339_of(instant: datetime) -> str:
    return rfc3339(to_ns(instant))


def parse_rfc3339_ns(text: str) -> int | None:
    """Nanoseconds of an RFC 3339 instant with an offset or Z; None when `text` is not one."""
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        return None
    try:
        base = datetime.fromisoformat(f"{match['date']}T{match['time']}")
    except ValueError:
        return None
    zone = match["zone"].upper()
    offset = timedelta(0)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        offset = sign * timedelta(hours=hours, minutes=minutes)
    whole = to_ns((base - offset).replace(tzinfo=UTC))
    fraction = int((match["frac"] or "0").ljust(9, "0"))
    return whole + fraction


def utc_day_bounds_ns(day: date) -> tuple[int, int]:
    """The first and the last nanosecond of UTC calendar `day`, both inclusive."""
    start = to_ns(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return start, start + _DAY_NS - 1
