"""The racing-day calendar against the New Zealand daylight-saving rules, checked day by day.

Expectations are computed without zoneinfo: from the rules as the tz database states them
(`Rule NZ` lines in tzdata) and from dates published in New Zealand's own DST history.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.racing_day import (
    DEFAULT_ZONE,
    day_bounds,
    day_length,
    day_start,
    days_between,
    format_bound,
    racing_day_of,
    resolve_zone,
)

NZ = ZoneInfo("Pacific/Auckland")
FIRST, LAST = date(2000, 1, 1), date(2040, 12, 31)
ALL_DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
HOUR = timedelta(hours=1)
US = timedelta(microseconds=1)
PROPERTY = settings(max_examples=300, deadline=None, database=None)


def nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def dst_start(year: int) -> date:
    """tzdata: `NZ 1990 2006 O Su>=1 2s`, `NZ 2007 max S lastSu 2s`."""
    return last_sunday(year, 9) if year >= 2007 else nth_sunday(year, 10, 1)


def dst_end(year: int) -> date:
    """tzdata: `NZ 1990 2007 Mar Su>=15 2s`, `NZ 2008 max Ap Su>=1 2s`.

    2007 still ended in March: the April rule started in 2008.
    """
    return nth_sunday(year, 4, 1) if year >= 2008 else nth_sunday(year, 3, 3)


def expected_start(day: date) -> datetime:
    """NZ midnight in UTC from the rules alone: +13 from the day after DST starts to its end day."""
    summer = day <= dst_end(day.year) or day > dst_start(day.year)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - (13 if summer else 12) * HOUR


@pytest.fixture(scope="module")
def bounds() -> dict[date, tuple[datetime, datetime]]:
    return {day: day_bounds(day) for day in ALL_DAYS}


# Published NZ changes (govt.nz / DIA history), independent of the rule functions above.
KNOWN_CHANGES = {
    2000: (date(2000, 3, 19), date(2000, 10, 1)),
    2006: (date(2006, 3, 19), date(2006, 10, 1)),
    2007: (date(2007, 3, 18), date(2007, 9, 30)),
    2008: (date(2008, 4, 6), date(2008, 9, 28)),
    2024: (date(2024, 4, 7), date(2024, 9, 29)),
    2025: (date(2025, 4, 6), date(2025, 9, 28)),
    2040: (date(2040, 4, 1), date(2040, 9, 30)),
}


@pytest.mark.parametrize("year", sorted(KNOWN_CHANGES))
def test_rule_functions_match_published_dates(year: int) -> None:
    assert (dst_end(year), dst_start(year)) == KNOWN_CHANGES[year]
    assert day_length(KNOWN_CHANGES[year][0]) == 25 * HOUR
    assert day_length(KNOWN_CHANGES[year][1]) == 23 * HOUR


def test_every_day_starts_at_the_rule_midnight(
    bounds: dict[date, tuple[datetime, datetime]],
) -> None:
    wrong = [d for d in ALL_DAYS if bounds[d][0] != expected_start(d)]
    assert wrong == []
    assert all(bounds[d][0].tzinfo is UTC for d in ALL_DAYS)


def test_every_day_agrees_with_plain_zoneinfo_conversion(
    bounds: dict[date, tuple[datetime, datetime]],
) -> None:
    # Second method: in Pacific/Auckland midnight is never skipped or repeated, so the naive
    # conversion must agree everywhere.
    second = {d: datetime(d.year, d.month, d.day, tzinfo=NZ).astimezone(UTC) for d in ALL_DAYS}
    assert [d for d in ALL_DAYS if bounds[d][0] != second[d]] == []


def test_days_are_contiguous(bounds: dict[date, tuple[datetime, datetime]]) -> None:
    gaps = [d for d in ALL_DAYS[:-1] if bounds[d][1] != bounds[d + timedelta(days=1)][0]]
    assert gaps == []


def test_each_year_has_one_short_and_one_long_day_on_the_rule_dates(
    bounds: dict[date, tuple[datetime, datetime]],
) -> None:
    for year in range(FIRST.year, LAST.year + 1):
        lengths = {d: u - lo for d, (lo, u) in bounds.items() if d.year == year}
        assert set(lengths.values()) <= {23 * HOUR, 24 * HOUR, 25 * HOUR}, year
        assert [d for d, n in lengths.items() if n == 23 * HOUR] == [dst_start(year)], year
        assert [d for d, n in lengths.items() if n == 25 * HOUR] == [dst_end(year)], year


def test_routing_probes_around_every_midnight() -> None:
    misrouted = []
    for day in ALL_DAYS:
        midnight = expected_start(day)
        for instant, want in (
            (midnight - US, day - timedelta(days=1)),
            (midnight, day),
            (midnight + US, day),
        ):
            if racing_day_of(instant) != want:
                misrouted.append((instant, want))
    assert misrouted == []


def test_repeated_april_hour_belongs_to_the_long_day() -> None:
    for year in range(FIRST.year, LAST.year + 1):
        end = dst_end(year)
        # 02:00 NZDT on the end day; the clocks then run 02:00-03:00 twice (13:00Z-15:00Z).
        start = datetime(end.year, end.month, end.day, tzinfo=UTC) - 11 * HOUR
        probes = [start + timedelta(minutes=m) for m in range(0, 120, 7)] + [
            start,
            start + 2 * HOUR - US,
        ]
        for instant in probes:
            local = instant.astimezone(NZ)
            assert local.hour == 2 and local.date() == end  # premise: really the repeated hour
            assert racing_day_of(instant) == end
        assert racing_day_of(start + 2 * HOUR) == end


def test_skipped_september_hour_neighbours_belong_to_the_short_day() -> None:
    for year in range(FIRST.year, LAST.year + 1):
        begin = dst_start(year)
        jump = datetime(begin.year, begin.month, begin.day, tzinfo=UTC) - 10 * HOUR  # 02:00 NZST
        assert jump.astimezone(NZ).hour == 3 and (jump - US).astimezone(NZ).hour == 1
        assert racing_day_of(jump - US) == begin == racing_day_of(jump)


@PROPERTY
@given(day=st.dates(FIRST, LAST), data=st.data())
def test_any_instant_inside_a_day_routes_to_it(day: date, data: st.DataObject) -> None:
    lower, upper = day_bounds(day)
    offset = data.draw(st.integers(0, (upper - lower) // US - 1))
    assert racing_day_of(lower + offset * US) == day


OTHER_ZONES = [
    "America/Havana",  # midnight repeated (fold) every November, skipped every March
    "America/Goose_Bay",  # until 2010 fell back 00:01 -> 23:01, straddling midnight
    "America/Sao_Paulo",  # midnight skipped in spring until 2019
    "Pacific/Apia",  # 2011-12-30 never happened
    "Pacific/Chatham",  # +12:45 / +13:45
    "Australia/Lord_Howe",  # 30-minute DST
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Pacific/Kiritimati",  # +14:00
]


@PROPERTY
@given(
    zone=st.sampled_from(OTHER_ZONES),
    instant=st.datetimes(datetime(1990, 1, 1), datetime(2045, 1, 1), timezones=st.just(UTC)),
)
def test_the_day_of_an_instant_contains_it(zone: str, instant: datetime) -> None:
    day = racing_day_of(instant, zone)
    lower, upper = day_bounds(day, zone)
    assert lower <= instant < upper


@PROPERTY
@given(zone=st.sampled_from(OTHER_ZONES), day=st.dates(date(1990, 1, 1), date(2045, 1, 1)))
def test_other_zones_are_contiguous_and_start_at_local_midnight_or_the_jump_past_it(
    zone: str, day: date
) -> None:
    tz = ZoneInfo(zone)
    lower, upper = day_bounds(day, tz)
    assert upper == day_bounds(day + timedelta(days=1), tz)[0]
    assert timedelta(0) <= upper - lower <= 26 * HOUR
    local = lower.astimezone(tz)
    # Either local midnight itself, or the first instant after a jump that skipped it.
    if local.replace(tzinfo=None) != datetime(day.year, day.month, day.day):
        assert local.date() >= day
        assert (lower - US).astimezone(tz).replace(tzinfo=None) < datetime(
            day.year, day.month, day.day
        )


def test_ambiguous_midnight_takes_its_first_occurrence() -> None:
    # Cuba falls back at 01:00 CDT to 00:00 CST on 2023-11-05: midnight happens twice.
    lower, upper = day_bounds(date(2023, 11, 5), "America/Havana")
    assert lower == datetime(2023, 11, 5, 4, tzinfo=UTC)  # 00:00 at -04, the first one
    assert upper - lower == 25 * HOUR
    assert racing_day_of(datetime(2023, 11, 5, 4, 30, tzinfo=UTC), "America/Havana") == date(
        2023, 11, 5
    )
    assert racing_day_of(lower - US, "America/Havana") == date(2023, 11, 4)


def test_skipped_midnight_starts_at_the_jump() -> None:
    # Sao Paulo jumped 00:00 -> 01:00 on 2018-11-04 (-03 -> -02).
    lower, upper = day_bounds(date(2018, 11, 4), "America/Sao_Paulo")
    assert lower == datetime(2018, 11, 4, 3, tzinfo=UTC)
    assert upper - lower == 23 * HOUR


def test_a_skipped_day_is_empty_and_its_neighbours_meet() -> None:
    assert day_length(date(2011, 12, 30), "Pacific/Apia") == timedelta(0)
    jump = datetime(2011, 12, 30, 10, tzinfo=UTC)
    assert day_bounds(date(2011, 12, 29), "Pacific/Apia")[1] == jump
    assert day_bounds(date(2011, 12, 31), "Pacific/Apia")[0] == jump
    assert racing_day_of(jump, "Pacific/Apia") == date(2011, 12, 31)
    assert racing_day_of(jump - US, "Pacific/Apia") == date(2011, 12, 29)


def test_bounds_decide_when_a_repeated_interval_straddles_midnight() -> None:
    # Goose Bay 2006-10-29: 00:01 ADT fell back to 23:01 AST, so 23:01-00:01 ran twice.
    lower, _ = day_bounds(date(2006, 10, 29), "America/Goose_Bay")
    assert lower == datetime(2006, 10, 29, 3, tzinfo=UTC)  # first 00:00, at -03
    second_pass = datetime(2006, 10, 29, 3, 30, tzinfo=UTC)
    assert second_pass.astimezone(ZoneInfo("America/Goose_Bay")).date() == date(2006, 10, 28)
    assert racing_day_of(second_pass, "America/Goose_Bay") == date(2006, 10, 29)


def _posix_only_zone(rule: str) -> ZoneInfo:
    """A TZif v2 zone with no transitions, defined entirely by the POSIX `rule` footer."""
    header = struct.pack(">4sc15x6l", b"TZif", b"2", 0, 0, 0, 0, 1, 4)
    block = struct.pack(">lBB", 0, 0, 0) + b"UTC\x00"
    return ZoneInfo.from_file(io.BytesIO(header + block + header + block + f"\n{rule}\n".encode()))


def test_midnight_inside_a_gap_starts_at_the_jump() -> None:
    # A made-up zone jumping 23:30 -> 00:30 (+10 -> +11) on the first Sunday of October, so
    # midnight falls strictly inside the gap; no real zone did this in 1970-2040.
    tz = _posix_only_zone("XST-10XDT,M10.1.0/23:30,M3.3.0/3")
    jump = datetime(2025, 10, 5, 13, 30, tzinfo=UTC)
    before = datetime(2025, 10, 5, 23, 29, 59, 999999)
    assert (jump - US).astimezone(tz).replace(tzinfo=None) == before
    assert jump.astimezone(tz).replace(tzinfo=None) == datetime(2025, 10, 6, 0, 30)
    assert day_start(date(2025, 10, 6), tz) == jump
    assert day_length(date(2025, 10, 5), tz) == timedelta(hours=23, minutes=30)
    assert day_length(date(2025, 10, 6), tz) == timedelta(hours=23, minutes=30)
    assert racing_day_of(jump - US, tz) == date(2025, 10, 5)
    assert racing_day_of(jump, tz) == date(2025, 10, 6)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        racing_day_of(datetime(2025, 7, 16, 12))
    with pytest.raises(ValueError, match="aware"):
        format_bound(datetime(2025, 7, 16, 12))


def test_unknown_zone_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        day_bounds(date(2025, 1, 1), "Mars/Olympus")
    assert resolve_zone(DEFAULT_ZONE) is resolve_zone(NZ)


def test_format_bound_is_utc_with_an_explicit_offset() -> None:
    assert format_bound(day_bounds(date(2025, 7, 17))[0]) == "2025-07-16 12:00:00+00:00"
    nz_summer = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=NZ)
    assert format_bound(nz_summer) == "2025-01-01 14:04:05.000006+00:00"


def test_days_between_is_inclusive() -> None:
    assert days_between(date(2025, 2, 27), date(2025, 3, 1)) == [
        date(2025, 2, 27),
        date(2025, 2, 28),
        date(2025, 3, 1),
    ]
    assert days_between(date(2025, 3, 1), date(2025, 3, 1)) == [date(2025, 3, 1)]
    with pytest.raises(ValueError):
        days_between(date(2025, 3, 2), date(2025, 3, 1))
