"""Numbers, instants and wall clocks written the way the NZTAB API writes them (data guide §5, §7).

Prices lose their ".0", instants are RFC 3339 with Go's nanosecond fraction, Go-style strings or
epoch seconds, and NZ wall clocks carry NZST/NZDT. Instants inside the simulator are whole epoch
seconds (`int`) or nanoseconds, converted here; the 15-second market tick lives here too.
Everything is pure.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

NS = 1_000_000_000
TICK_S = 15  # NZTAB refreshes its bodies about every 15 s (data guide §8)
SYDNEY = ZoneInfo("Australia/Sydney")  # video_channels_meta shows AEST/AEDT wall clocks
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)


# --- numbers -------------------------------------------------------------------------------------


def num(value: float, places: int = 2) -> int | float:
    """Round like the API's JSON: 5.0 is sent as 5, 7.5 as 7.5 (data guide §7.1)."""
    rounded = round(value, places)
    return int(rounded) if rounded == int(rounded) else rounded


def new_id(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


# --- instants ------------------------------------------------------------------------------------


def require_aware(at: datetime, what: str = "at") -> datetime:
    """`at` in UTC; a naive datetime is refused, naming the argument."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)


def epoch_seconds(at: datetime) -> int:
    """Whole epoch seconds of aware `at`, rounded down (exact: no float arithmetic)."""
    return (require_aware(at) - _EPOCH) // _ONE_SECOND


def instant(seconds: int) -> datetime:
    """The aware UTC datetime of whole epoch `seconds`."""
    return _EPOCH + timedelta(seconds=seconds)


def floor_tick(seconds: int) -> int:
    """The start of the 15-second market tick that contains `seconds`."""
    return seconds - seconds % TICK_S


def ceil_tick(seconds: int) -> int:
    """The first tick start at or after `seconds`."""
    return -(-seconds // TICK_S) * TICK_S


def tick_of(at: datetime) -> int:
    """The tick that contains aware `at`, as epoch seconds: what a body at `at` shows."""
    return floor_tick(epoch_seconds(at))


# --- texts ---------------------------------------------------------------------------------------


def utc_text(ns: int) -> str:
    """RFC 3339 with Go's RFC3339Nano fraction: up to 9 digits, trailing zeros dropped."""
    seconds, nanos = divmod(ns, NS)
    text = instant(seconds).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}".rstrip("0") + "Z" if nanos else f"{text}Z"


def utc_seconds_text(seconds: int) -> str:
    """RFC 3339 in whole seconds, as `start_time` and the races list send it."""
    return instant(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_text(seconds: int) -> str:
    """Go's default time format in UTC: `advertised_start_string` (data guide §5)."""
    return instant(seconds).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def dressed_date(day: date) -> str:
    """An NZ date dressed as UTC midnight, as the meetings list's `date` sends it."""
    return f"{day.isoformat()}T00:00:00Z"


def wall(seconds: int, zone: ZoneInfo) -> datetime:
    """The wall clock of `zone` at epoch `seconds` (aware, so tzname() tells NZST from NZDT)."""
    return instant(seconds).astimezone(zone)


def clock_label(seconds: int, zone: ZoneInfo) -> str:
    """`start_time_nz`: "12:50:00 NZST", the zone's abbreviation in force at that instant."""
    local = wall(seconds, zone)
    return f"{local:%H:%M:%S} {local.tzname()}"


def is_repeated_wall_time(seconds: int, zone: ZoneInfo) -> bool:
    """True when the wall clock at `seconds` shows a time that occurs twice (the autumn hour)."""
    local = wall(seconds, zone).replace(tzinfo=None)
    offsets = {local.replace(tzinfo=zone, fold=fold).utcoffset() for fold in (0, 1)}
    return len(offsets) > 1


def tote_clock(seconds: int, raceday: date, zone: ZoneInfo) -> str | None:
    """`tote_start_time`: wall hours counted from `raceday`'s midnight, past 24 after midnight
    ("26:22:00"), or None when the wall time is repeated by the autumn change: the text cannot
    say which of the two instants it means, and the API omits the key on many races anyway."""
    if is_repeated_wall_time(seconds, zone):
        return None
    local = wall(seconds, zone).replace(tzinfo=None)
    elapsed = local - datetime.combine(raceday, datetime.min.time())
    hours, rest = divmod(int(elapsed.total_seconds()), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def local_minute(seconds: int, zone: ZoneInfo) -> str:
    """NZ local "YYYY-MM-DD HH:MM" (no zone), as `tote_trends.final_leg_start_time`."""
    return wall(seconds, zone).strftime("%Y-%m-%d %H:%M")
