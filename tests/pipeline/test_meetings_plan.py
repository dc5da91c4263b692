"""Meetings imports: the days to import and the next import instant, DST days and NZ midnight.

Expected instants are computed from New Zealand's daylight-saving rules as tzdata states them
(from 2008: NZDT from the last Sunday of September 02:00 NZST, to the first Sunday of April
03:00 NZDT), not from zoneinfo.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.config import load_settings
from raceday.pipeline import MeetingsRules, days_to_import, local_instant, next_import_at

RULES = MeetingsRules()
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
US = timedelta(microseconds=1)
PROPERTY = settings(max_examples=300, deadline=None, database=None)
years = st.integers(2008, 2100)


def last_sunday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def first_sunday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)


def offset(instant: datetime) -> timedelta:
    """NZ's UTC offset at `instant`, from the rules alone."""
    year = instant.year
    ends = datetime.combine(first_sunday(year, 4), time(3), UTC) - 13 * HOUR
    starts = datetime.combine(last_sunday(year, 9), time(2), UTC) - 12 * HOUR
    return 12 * HOUR if ends <= instant < starts else 13 * HOUR


def nz_wall(instant: datetime) -> datetime:
    return (instant.astimezone(UTC) + offset(instant.astimezone(UTC))).replace(tzinfo=None)


def nz_instant(day: date, wall: time) -> datetime:
    """An unambiguous NZ wall time as a UTC instant (tried with both offsets)."""
    naive = datetime.combine(day, wall)
    for guess in (12 * HOUR, 13 * HOUR):
        instant = (naive - guess).replace(tzinfo=UTC)
        if nz_wall(instant) == naive:
            return instant
    raise AssertionError(f"{naive} is not a single NZ instant")


def change_days(year: int) -> tuple[date, date]:
    return first_sunday(year, 4), last_sunday(year, 9)


# -- days_to_import ---------------------------------------------------------------------------


def test_today_only_until_18_00_then_tomorrow_too() -> None:
    day = date(2026, 12, 3)
    evening = nz_instant(day, time(18))
    assert days_to_import(RULES, evening - US) == (day,)
    assert days_to_import(RULES, evening) == (day, date(2026, 12, 4))


def test_nz_midnight_starts_the_next_racing_day() -> None:
    day = date(2026, 12, 4)
    midnight = nz_instant(day, time(0))
    assert midnight == datetime(2026, 12, 3, 11, tzinfo=UTC)  # NZDT
    assert days_to_import(RULES, midnight - US) == (date(2026, 12, 3), day)
    # Yesterday's foreign meetings still run after midnight: until 06:00 both days.
    assert days_to_import(RULES, midnight) == (date(2026, 12, 3), day)
    six = nz_instant(day, time(6))
    assert days_to_import(RULES, six - US) == (date(2026, 12, 3), day)
    assert days_to_import(RULES, six) == (day,)


@given(year=years, which=st.integers(0, 1), day_shift=st.integers(-1, 1), at=st.integers(0, 86_399))
@PROPERTY
def test_days_to_import_on_and_around_both_dst_days(
    year: int, which: int, day_shift: int, at: int
) -> None:
    day = change_days(year)[which] + timedelta(days=day_shift)
    instant = nz_instant(day, time(0)) + timedelta(seconds=at)
    wall = nz_wall(instant)
    if wall.time() < time(6):
        expected: tuple[date, ...] = (wall.date() - timedelta(1), wall.date())
    elif wall.time() < time(18):
        expected = (wall.date(),)
    else:
        expected = (wall.date(), wall.date() + timedelta(1))
    assert days_to_import(RULES, instant) == expected


# -- next_import_at ---------------------------------------------------------------------------


def test_at_start_up_the_import_is_now() -> None:
    now = datetime(2026, 12, 3, 1, 2, 3, tzinfo=UTC)
    assert next_import_at(RULES, now, None) == now


def test_refresh_every_12_min_but_06_00_and_18_00_exactly() -> None:
    day = date(2026, 12, 3)
    six, six_pm = nz_instant(day, time(6)), nz_instant(day, time(18))
    assert next_import_at(RULES, six, six - 5 * MIN) == six
    assert next_import_at(RULES, six, six) == six + 12 * MIN
    assert next_import_at(RULES, six_pm, six_pm - US) == six_pm
    assert next_import_at(RULES, six, six - 20 * MIN) == six - 8 * MIN


def test_an_import_missed_while_down_is_due_at_once() -> None:
    last = nz_instant(date(2026, 12, 3), time(5, 50))
    now = last + 3 * HOUR
    assert next_import_at(RULES, now, last) == last + 10 * MIN  # 06:00: before now, so now


@given(year=years, which=st.integers(0, 1), day_shift=st.integers(-1, 1), at=st.integers(0, 86_399))
@PROPERTY
def test_next_import_on_and_around_both_dst_days(
    year: int, which: int, day_shift: int, at: int
) -> None:
    day = change_days(year)[which] + timedelta(days=day_shift)
    last = nz_instant(day, time(0)) + timedelta(seconds=at)
    result = next_import_at(RULES, last + MIN, last)
    assert last < result <= last + 12 * MIN
    occurrences = [
        nz_instant(d, t)
        for d in (day - timedelta(1), day, day + timedelta(1), day + timedelta(2))
        for t in (time(6), time(18))
    ]
    assert not [o for o in occurrences if last < o < result], "skipped a daily import"
    assert result == last + 12 * MIN or result in occurrences


def test_a_day_of_imports_across_the_dst_change() -> None:
    # From 05:00 on the day before the clocks go forward to 20:00 the day after.
    spring = change_days(2026)[1]
    at = nz_instant(spring - timedelta(1), time(5))
    end = nz_instant(spring + timedelta(1), time(20))
    imports = []
    while at < end:
        at = next_import_at(RULES, at, at)
        imports.append(at)
    walls = {nz_wall(i) for i in imports}
    for d in (spring - timedelta(1), spring, spring + timedelta(1)):
        assert datetime.combine(d, time(6)) in walls
        assert datetime.combine(d, time(18)) in walls
    assert all(b - a <= 12 * MIN for a, b in itertools.pairwise(imports))


# -- wall times the clocks skip or repeat -----------------------------------------------------


@given(year=years, minute=st.integers(0, 59))
@PROPERTY
def test_a_time_skipped_by_the_spring_change_is_taken_at_the_jump(year: int, minute: int) -> None:
    spring = change_days(year)[1]
    jump = datetime.combine(spring, time(2), UTC) - 12 * HOUR  # 02:00 NZST -> 03:00 NZDT
    assert local_instant(spring, time(2, minute)) == jump
    rules = MeetingsRules(daily_at=time(2, minute))
    assert next_import_at(rules, jump, jump - US) == jump


@given(year=years, minute=st.integers(0, 59))
@PROPERTY
def test_a_time_repeated_by_the_autumn_change_is_taken_once(year: int, minute: int) -> None:
    autumn = change_days(year)[0]
    first = datetime.combine(autumn, time(2, minute), UTC) - 13 * HOUR  # still NZDT
    assert local_instant(autumn, time(2, minute)) == first
    rules = MeetingsRules(daily_at=time(2, minute), refresh_every=timedelta(hours=6))
    following = next_import_at(rules, first, first)
    assert following == first + 6 * HOUR  # not the second 02:mm an hour later


# -- bad input --------------------------------------------------------------------------------


def test_bad_rules_and_instants_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="refresh_every"):
        MeetingsRules(refresh_every=timedelta(0))
    with pytest.raises(ValueError, match="Mars/Olympus"):
        MeetingsRules(zone="Mars/Olympus")
    with pytest.raises(ValueError, match="daily_at"):
        MeetingsRules(daily_at=time(6, tzinfo=UTC))
    naive = datetime(2026, 12, 3, 6)
    with pytest.raises(ValueError, match="now"):
        days_to_import(RULES, naive)
    with pytest.raises(ValueError, match="last_import"):
        next_import_at(RULES, datetime(2026, 12, 3, tzinfo=UTC), naive)


def test_rules_from_settings_take_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACEDAY_TIMEZONE", "Australia/Sydney")
    rules = MeetingsRules.from_settings(load_settings())
    assert rules.zone == "Australia/Sydney"
    sydney_evening = datetime(2026, 12, 3, 7, tzinfo=UTC)  # 18:00 AEDT
    assert days_to_import(rules, sydney_evening) == (date(2026, 12, 3), date(2026, 12, 4))
