"""One parser per NZTAB time format: each names where the format appears and returns UTC or a date.

NZTAB mixes at least eight ways of writing a time (data guide §5). Each has exactly one parser
here, so a format is read the same way everywhere (payload models, transform, tests). Every
instant returned is an aware `datetime` in UTC; every NZ local reading is resolved with the real
Pacific/Auckland rules from `raceday.racing_day`, daylight saving included. Malformed or
impossible input raises `ValueError` naming the text; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from raceday.racing_day import DEFAULT_ZONE, resolve_zone

__all__ = [
    "MAX_TOTE_HOURS",
    "NZ_ABBREVIATION_OFFSETS",
    "parse_dmy_date",
    "parse_dressed_date",
    "parse_epoch_seconds",
    "parse_go_timestamp",
    "parse_iso_date",
    "parse_nz_clock",
    "parse_nz_local_minute",
    "parse_optional_epoch_seconds",
    "parse_tote_clock",
    "parse_utc_timestamp",
]

# The abbreviations `race.start_time_nz` carries and the UTC offset each one means.
NZ_ABBREVIATION_OFFSETS: dict[str, timedelta] = {
    "NZST": timedelta(hours=12),
    "NZDT": timedelta(hours=13),
}

# A tote clock counts on past midnight for meetings that run into the next NZ day (the samples
# reach 30:29). Two whole days is far beyond any real card and catches garbage such as "999:00:00".
MAX_TOTE_HOURS = 48

# [0-9], never \d: \d also matches non-ASCII digits, which int() would then happily accept.
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_GO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r" ([+-][0-9]{4}) ([A-Za-z]{1,10}|[+-][0-9]{2,4})"
)
_NZ_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2}) (NZST|NZDT)")
_TOTE_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2}):([0-9]{2})")
_DRESSED_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T00:00:00(?:\.0{1,9})?Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_NZ_LOCAL_MINUTE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2})")


def _nz() -> ZoneInfo:
    return resolve_zone(DEFAULT_ZONE)


def _microseconds(fraction: str | None) -> int:
    # Truncate, never round: "…59.18904298" -> 189042 µs. Rounding would give 189043 and could
    # carry into the next second; truncation keeps the instant inside the second the text names.
    return int((fraction or "")[:6].ljust(6, "0"))


def _expect_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected {what} as a string, got {type(value).__name__}: {value!r}")
    return value


def parse_utc_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp with 0 to 9 fractional digits into an aware UTC datetime.

    Appears in `header.generated_time`, `flucs_with_timestamp.*.timestamp`, bets' `place_time`,
    meetings `races[].start_time`, races-list `advertised_start`/`actual_start` and
    `video_channels_meta.*.UtcRaceStartTime`. NZTAB sends `Z`; an explicit offset is also
    accepted and converted to UTC.

    The fraction is **truncated** to microseconds, never rounded. A history row's
    `event_timestamp` is `header.generated_time` parsed by this function and by nothing else:
    replaying a payload must give the same timestamp bit for bit, which is what makes the
    history inserts idempotent. PostgreSQL rounds the same text (`.18904298` -> `.189043`) while
    this function gives `.189042`, so never pass the raw text to the database on another path.
    """
    match = _RFC3339.fullmatch(_expect_text(text, "an RFC 3339 timestamp"))
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    if zone in ("Z", "z"):
        offset = timedelta(0)
    else:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"not an RFC 3339 timestamp (offset out of range): {text!r}")
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
    try:
        local = datetime(year, month, day, hour, minute, second, _microseconds(fraction))
        return (local - offset).replace(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid RFC 3339 timestamp: {text!r} ({exc})") from None


def _epoch_int(value: object, what: str) -> int:
    # JSON numbers may lose or gain a ".0"; a whole-number float or digit string is the same int.
    if isinstance(value, bool):
        raise ValueError(f"expected {what} as epoch seconds, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,12}", value.strip()):
        return int(value.strip())
    raise ValueError(f"expected {what} as whole epoch seconds, got {value!r}")


def _from_epoch(seconds: int) -> datetime:
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"epoch seconds out of range: {seconds}") from None


def parse_epoch_seconds(value: int | float | str) -> datetime:
    """Parse whole epoch seconds (UTC) into an aware UTC datetime; 0 or less is refused.

    Appears in the event's `race.advertised_start` and `race.actual_start`. NZTAB uses 0 for
    "no time" (see `scratch_time`), so 0 is never read as 1970-01-01: a required instant of 0 is
    an error, and optional ones go through `parse_optional_epoch_seconds`. A whole-number float
    (1752713400.0) or digit string counts as the same int; a fraction is refused.
    """
    seconds = _epoch_int(value, "a time")
    if seconds <= 0:
        raise ValueError(f"epoch seconds must be positive, got {seconds}")
    return _from_epoch(seconds)


def parse_optional_epoch_seconds(value: int | float | str | None) -> datetime | None:
    """Like `parse_epoch_seconds`, but 0 (and null) mean "none" and give None.

    Appears in `runners[].scratch_time` (0 when the runner is not scratched) and in
    `race.actual_start` before the jump.
    """
    if value is None:
        return None
    seconds = _epoch_int(value, "a time")
    if seconds == 0:
        return None
    return parse_epoch_seconds(seconds)


def parse_go_timestamp(text: str) -> datetime:
    """Parse Go's `time.Time.String()` form, "2025-07-17 00:50:00 +0000 UTC", into aware UTC.

    Appears in the event's `race.advertised_start_string` and `race.actual_start_string` (always
    `+0000 UTC` there). Go may print up to 9 fractional digits; they are truncated like
    `parse_utc_timestamp`. A zone named UTC must have offset +0000.
    """
    match = _GO.fullmatch(_expect_text(text, "a Go timestamp"))
    if match is None:
        raise ValueError(f"not a Go timestamp ('2006-01-02 15:04:05 -0700 MST'): {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset_text, zone = match.group(7), match.group(8), match.group(9)
    hours, minutes = int(offset_text[1:3]), int(offset_text[3:5])
    if hours > 23 or minutes > 59:
        raise ValueError(f"not a Go timestamp (offset out of range): {text!r}")
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if offset_text[0] == "-" else 1)
    if zone == "UTC" and offset:
        raise ValueError(f"zone UTC with a non-zero offset: {text!r}")
    try:
        local = datetime(year, month, day, hour, minute, second, _microseconds(fraction))
        return (local - offset).replace(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid Go timestamp: {text!r} ({exc})") from None


def _resolve_wall(wall: datetime, text: str, *, offset: timedelta | None = None) -> datetime:
    """The UTC instant at which Pacific/Auckland shows the naive `wall` time.

    A wall time skipped by the spring-forward jump does not exist: ValueError. A wall time that
    occurs twice (the autumn fall-back hour) is resolved by `offset` when given, otherwise to its
    first occurrence (NZDT), the same choice `racing_day.day_start` makes for midnight.
    """
    tz = _nz()
    found: list[datetime] = []
    for fold in (0, 1):
        try:
            instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
            # zoneinfo invents an instant for a skipped wall time; a round trip proves it exists.
            exists = instant.astimezone(tz).replace(tzinfo=None) == wall
        except OverflowError:
            raise ValueError(f"time out of range: {text!r}") from None
        if exists and instant not in found:
            found.append(instant)
    if not found:
        raise ValueError(
            f"{text!r} does not exist in {DEFAULT_ZONE}: "
            "that wall time is skipped by the daylight-saving change"
        )
    if offset is not None:
        matching = [i for i in found if i.astimezone(tz).utcoffset() == offset]
        if not matching:
            actual = ", ".join(str(i.astimezone(tz).tzname()) for i in found)
            raise ValueError(
                f"{text!r}: the zone abbreviation does not match {DEFAULT_ZONE} on "
                f"{wall.date().isoformat()} (the clock there shows {actual})"
            )
        found = matching
    return min(found)


def parse_nz_clock(text: str, day: date) -> datetime:
    """Combine "12:50:00 NZST" (or NZDT) with the NZ date `day` into an aware UTC instant.

    Appears in the event's `race.start_time_nz`, to be combined with `race.race_date_nz`. The
    abbreviation is checked against the offset Pacific/Auckland really has at that wall time on
    that day (NZST +12, NZDT +13); a mismatch, or a wall time skipped by daylight saving, raises
    ValueError. In the autumn hour that occurs twice the abbreviation picks the occurrence.

    The stored start is `race.advertised_start` (schema decision "The start time"); this parser
    exists to read and cross-check the NZ clock. A race that starts after NZ midnight but belongs
    to the previous racing day needs the next calendar date passed as `day`.
    """
    match = _NZ_CLOCK.fullmatch(_expect_text(text, "an NZ clock time"))
    if match is None:
        raise ValueError(f"not an NZ clock time ('12:50:00 NZST' or NZDT): {text!r}")
    hour, minute, second = (int(g) for g in match.groups()[:3])
    try:
        wall = datetime.combine(day, time(hour, minute, second))
    except ValueError as exc:
        raise ValueError(f"not a valid NZ clock time: {text!r} ({exc})") from None
    return _resolve_wall(wall, text, offset=NZ_ABBREVIATION_OFFSETS[match.group(4)])


def parse_tote_clock(text: str, raceday: date) -> datetime:
    """Read a tote clock "26:22:00" counted from the NZ date `raceday` as an aware UTC instant.

    Appears in meetings `races[].tote_start_time`, counted from the meeting's
    `tote_raceday_date`. Hours run past 24 for races after midnight: "26:22:00" on 2025-07-17 is
    the NZ wall clock 02:22:00 on 2025-07-18 (all 453 such values in the samples equal the race's
    `start_time` read this way). Hours above `MAX_TOTE_HOURS`, a wall time skipped by daylight
    saving or a malformed text raise ValueError; the repeated autumn hour resolves to its first
    occurrence (NZDT).
    """
    match = _TOTE_CLOCK.fullmatch(_expect_text(text, "a tote clock time"))
    if match is None:
        raise ValueError(f"not a tote clock time ('HH:MM:SS', hours may pass 24): {text!r}")
    hours, minutes, seconds = (int(g) for g in match.groups())
    if hours >= MAX_TOTE_HOURS or minutes > 59 or seconds > 59:
        raise ValueError(f"tote clock time out of range (hours < {MAX_TOTE_HOURS}): {text!r}")
    try:
        wall_day = raceday + timedelta(days=hours // 24)
    except OverflowError:
        raise ValueError(f"tote clock time out of range: {text!r} on {raceday}") from None
    return _resolve_wall(datetime.combine(wall_day, time(hours % 24, minutes, seconds)), text)


def parse_dressed_date(text: str) -> date:
    """Read a date dressed as UTC midnight, "2025-07-17T00:00:00Z", as the date it names.

    Appears in meetings `meetings[].date` and extras `meeting.advertised_start`: the NZ racing
    day, not an instant (converting it to NZ time would give the right day only by accident).
    Any time other than midnight means the value is a real instant, so it is refused.
    """
    match = _DRESSED_DATE.fullmatch(_expect_text(text, "a date"))
    if match is None:
        raise ValueError(f"not a date dressed as UTC midnight ('YYYY-MM-DDT00:00:00Z'): {text!r}")
    return parse_iso_date(match.group(1))


def parse_iso_date(text: str) -> date:
    """Read "YYYY-MM-DD" as a date.

    Appears in `race.race_date_nz`, meetings `tote_raceday_date`, meeting detail `meeting_date`
    and `sell_date`, runners' `foaling_date`. All NZ dates.
    """
    if _ISO_DATE.fullmatch(_expect_text(text, "a date")) is None:
        raise ValueError(f"not a date ('YYYY-MM-DD'): {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a valid date: {text!r} ({exc})") from None


def parse_dmy_date(text: str) -> date:
    """Read "DD/MM/YYYY" as a date.

    Appears in runners' `last_starts[].date` and as the keys of `runner_change`.
    """
    match = _DMY.fullmatch(_expect_text(text, "a date"))
    if match is None:
        raise ValueError(f"not a date ('DD/MM/YYYY'): {text!r}")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a valid date: {text!r} ({exc})") from None


def parse_nz_local_minute(text: str) -> datetime:
    """Read NZ local "YYYY-MM-DD HH:MM" (no zone) as an aware UTC instant.

    Appears in `tote_pools[].tote_trends.final_leg_start_time` and the tote-trends XML
    `<final_leg_start>`. A wall time skipped by daylight saving raises ValueError; the repeated
    autumn hour resolves to its first occurrence (NZDT), as the text cannot say which it means.
    """
    match = _NZ_LOCAL_MINUTE.fullmatch(_expect_text(text, "an NZ local time"))
    if match is None:
        raise ValueError(f"not an NZ local time ('YYYY-MM-DD HH:MM'): {text!r}")
    year, month, day, hour, minute = (int(g) for g in match.groups())
    try:
        wall = datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise ValueError(f"not a valid NZ local time: {text!r} ({exc})") from None
    return _resolve_wall(wall, text)
