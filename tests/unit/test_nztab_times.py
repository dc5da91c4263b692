"""The NZTAB time parsers: property round trips, daylight-saving days, and every real sample value.

Expectations are built independently of the parsers: by formatting a known instant with the
format NZTAB uses, or from fixed UTC values worked out by hand (NZST = UTC+12, NZDT = UTC+13;
in 2025 NZ daylight saving ended on Sunday 6 April and started on Sunday 28 September).
"""

# Test parameters are named like the imported samples_dir fixture: that is how pytest injects it.
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from raceday.nztab.times import (
    MAX_TOTE_HOURS,
    parse_dmy_date,
    parse_dressed_date,
    parse_epoch_seconds,
    parse_go_timestamp,
    parse_iso_date,
    parse_nz_clock,
    parse_nz_local_minute,
    parse_optional_epoch_seconds,
    parse_tote_clock,
    parse_utc_timestamp,
)
from tests.fixtures.samples import read_sample

NZ = ZoneInfo("Pacific/Auckland")
PROPERTY = settings(max_examples=300, deadline=None, database=None)
INSTANTS = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)
# The spring-forward and fall-back days of every year, where the wall clock is not the instant.
DST_INSTANTS = st.builds(
    lambda year, autumn, seconds: (
        datetime(year, 4 if autumn else 9, 1, tzinfo=UTC)
        + _dst_change_offset(year, autumn)
        + timedelta(seconds=seconds)
    ),
    st.integers(2008, 2040),
    st.booleans(),
    st.integers(-3 * 3600, 3 * 3600),
)


def _dst_change_offset(year: int, autumn: bool) -> timedelta:
    """From the 1st of April/September (00:00 UTC) to the NZ change (since 2007: 14:00 UTC).

    Autumn: first Sunday of April, 03:00 NZDT = 14:00 UTC Saturday. Spring: last Sunday of
    September, 02:00 NZST = 14:00 UTC Saturday.
    """
    if autumn:
        first = date(year, 4, 1)
        sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    else:
        last = date(year, 9, 30)
        sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    saturday = sunday - timedelta(days=1)
    start = date(year, 4 if autumn else 9, 1)
    return timedelta(days=(saturday - start).days, hours=14)


def _is_second_occurrence(instant: datetime) -> bool:
    """True when NZ showed the same wall time one hour earlier (the repeated autumn hour)."""
    wall = instant.astimezone(NZ).replace(tzinfo=None)
    return (instant - timedelta(hours=1)).astimezone(NZ).replace(tzinfo=None) == wall


# --- RFC 3339 -----------------------------------------------------------------------------------


@PROPERTY
@given(INSTANTS, st.integers(0, 9), st.text("0123456789", min_size=3, max_size=3))
def test_rfc3339_round_trips_with_0_to_9_digits(instant: datetime, digits: int, extra: str) -> None:
    fraction = f"{instant.microsecond:06d}{extra}"[:digits]
    text = instant.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + "Z"
    kept = int(fraction[:6].ljust(6, "0")) if digits else 0
    assert parse_utc_timestamp(text) == instant.replace(microsecond=kept)
    assert parse_utc_timestamp(text).tzinfo is UTC


@PROPERTY
@given(INSTANTS, st.integers(-14 * 60, 14 * 60))
def test_rfc3339_offsets_convert_to_utc(instant: datetime, offset_minutes: int) -> None:
    offset = timedelta(minutes=offset_minutes)
    local = (instant + offset).replace(tzinfo=None)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = local.isoformat() + f"{sign}{hours:02d}:{minutes:02d}"
    assert parse_utc_timestamp(text) == instant


def test_rfc3339_truncates_never_rounds() -> None:
    # The July event's generated_time: rounding would give .189043 (what PostgreSQL does).
    parsed = parse_utc_timestamp("2025-07-17T11:16:59.18904298Z")
    assert parsed == datetime(2025, 7, 17, 11, 16, 59, 189042, tzinfo=UTC)
    # Rounding here would even carry into the next second.
    assert parse_utc_timestamp("2025-07-17T11:16:59.999999999Z").second == 59


@pytest.mark.parametrize(
    "text",
    [
        "2025-07-17",
        "2025-07-17T11:16:59",  # no zone: not an instant
        "2025-07-17 11:16:59Z",
        "2025-07-17T11:16:59.1234567890Z",  # 10 digits
        "2025-07-17T11:16:59.Z",
        "2025-02-30T00:00:00Z",
        "2025-07-17T24:00:00Z",
        "2025-07-17T11:16:59+25:00",
        "\uff12\uff10\uff12\uff15-07-17T11:16:59Z",  # full-width digits
        "",
    ],
)
def test_rfc3339_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_utc_timestamp(text)


def test_rfc3339_refuses_non_strings() -> None:
    with pytest.raises(ValueError):
        parse_utc_timestamp(1752713400)  # type: ignore[arg-type]


# --- epoch seconds ------------------------------------------------------------------------------


@PROPERTY
@given(st.integers(1, 2**36))
def test_epoch_seconds_round_trip(seconds: int) -> None:
    parsed = parse_epoch_seconds(seconds)
    assert parsed.tzinfo is UTC
    assert int(parsed.timestamp()) == seconds
    assert parse_optional_epoch_seconds(seconds) == parsed
    assert parse_epoch_seconds(float(seconds)) == parsed  # a number that gained ".0"


def test_epoch_seconds_sample_value() -> None:
    assert parse_epoch_seconds(1752713400) == datetime(2025, 7, 17, 0, 50, tzinfo=UTC)


def test_epoch_zero_means_none_for_optional_times_only() -> None:
    assert parse_optional_epoch_seconds(0) is None  # scratch_time of a runner that runs
    assert parse_optional_epoch_seconds(None) is None
    with pytest.raises(ValueError, match="positive"):
        parse_epoch_seconds(0)


@pytest.mark.parametrize("value", [True, False, 1.5, "abc", -5, 10**20, [], None])
def test_epoch_refuses_wrong_values(value: object) -> None:
    with pytest.raises(ValueError):
        parse_epoch_seconds(value)  # type: ignore[arg-type]


# --- Go time.String() ---------------------------------------------------------------------------


@PROPERTY
@given(INSTANTS, st.integers(0, 9))
def test_go_timestamp_round_trips(instant: datetime, digits: int) -> None:
    fraction = f"{instant.microsecond:06d}000"[:digits]
    text = instant.strftime("%Y-%m-%d %H:%M:%S") + (f".{fraction}" if digits else "") + " +0000 UTC"
    kept = int(fraction[:6].ljust(6, "0")) if digits else 0
    assert parse_go_timestamp(text) == instant.replace(microsecond=kept)


def test_go_timestamp_with_a_local_zone() -> None:
    assert parse_go_timestamp("2025-07-17 12:50:00 +1200 NZST") == datetime(
        2025, 7, 17, 0, 50, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "2025-07-17T00:50:00Z",
        "2025-07-17 00:50:00 UTC",
        "2025-07-17 00:50:00 +0000",
        "2025-07-17 00:50:00 +1200 UTC",  # UTC must be +0000
        "2025-07-17 00:50:60 +0000 UTC",
    ],
)
def test_go_timestamp_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_go_timestamp(text)


# --- NZ clock "12:50:00 NZST" -------------------------------------------------------------------


@PROPERTY
@given(st.one_of(INSTANTS, DST_INSTANTS))
def test_nz_clock_round_trips_any_instant(instant: datetime) -> None:
    instant = instant.replace(microsecond=0)
    local = instant.astimezone(NZ)
    text = f"{local:%H:%M:%S} {local.tzname()}"
    # The abbreviation disambiguates even the repeated autumn hour.
    assert parse_nz_clock(text, local.date()) == instant


@PROPERTY
@given(st.one_of(INSTANTS, DST_INSTANTS))
def test_nz_clock_refuses_the_wrong_abbreviation(instant: datetime) -> None:
    instant = instant.replace(microsecond=0)
    local = instant.astimezone(NZ)
    wrong = {"NZST": "NZDT", "NZDT": "NZST"}[str(local.tzname())]
    text = f"{local:%H:%M:%S} {wrong}"
    other = instant + (timedelta(hours=-1) if wrong == "NZDT" else timedelta(hours=1))
    if other.astimezone(NZ).replace(tzinfo=None) == local.replace(tzinfo=None):
        # The repeated autumn hour: the other abbreviation names the other, real occurrence.
        assert parse_nz_clock(text, local.date()) == other
    else:
        with pytest.raises(ValueError, match="abbreviation"):
            parse_nz_clock(text, local.date())


def test_nz_clock_on_daylight_saving_days() -> None:
    autumn, spring = date(2025, 4, 6), date(2025, 9, 28)
    assert parse_nz_clock("02:30:00 NZDT", autumn) == datetime(2025, 4, 5, 13, 30, tzinfo=UTC)
    assert parse_nz_clock("02:30:00 NZST", autumn) == datetime(2025, 4, 5, 14, 30, tzinfo=UTC)
    assert parse_nz_clock("03:30:00 NZDT", spring) == datetime(2025, 9, 27, 14, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist"):
        parse_nz_clock("02:30:00 NZST", spring)  # skipped by the jump from 02:00 to 03:00
    with pytest.raises(ValueError, match="abbreviation"):
        parse_nz_clock("12:50:00 NZDT", date(2025, 7, 17))  # July is NZST
    with pytest.raises(ValueError, match="abbreviation"):
        parse_nz_clock("12:50:00 NZST", date(2025, 12, 25))  # December is NZDT


@pytest.mark.parametrize("text", ["12:50 NZST", "12:50:00 AEST", "12:50:00", "25:00:00 NZST"])
def test_nz_clock_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_nz_clock(text, date(2025, 7, 17))


# --- tote clock "26:22:00" ----------------------------------------------------------------------


@PROPERTY
@given(st.one_of(INSTANTS, DST_INSTANTS), st.integers(0, 1))
def test_tote_clock_round_trips_from_the_day_or_the_day_before(
    instant: datetime, days_back: int
) -> None:
    instant = instant.replace(microsecond=0)
    assume(not _is_second_occurrence(instant))  # the text cannot name the second occurrence
    local = instant.astimezone(NZ)
    raceday = local.date() - timedelta(days=days_back)
    text = f"{local.hour + 24 * days_back:02d}:{local:%M:%S}"
    assert parse_tote_clock(text, raceday) == instant


@PROPERTY
@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(0, MAX_TOTE_HOURS * 3600 - 1))
def test_tote_clock_counts_elapsed_time_on_ordinary_days(raceday: date, seconds: int) -> None:
    # Away from daylight-saving changes the wall clock and elapsed time agree.
    spans_change = any(
        NZ.utcoffset(datetime.combine(raceday + timedelta(days=n), datetime.min.time()))
        != NZ.utcoffset(datetime.combine(raceday, datetime.min.time()))
        for n in (1, 2, 3)
    )
    assume(not spans_change)
    hours, rest = divmod(seconds, 3600)
    text = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    midnight = parse_tote_clock("00:00:00", raceday)
    assert parse_tote_clock(text, raceday) - midnight == timedelta(seconds=seconds)


def test_tote_clock_past_midnight_and_daylight_saving() -> None:
    # 26:22:00 on 2025-07-17 = 02:22 NZST on the 18th = 14:22 UTC on the 17th.
    assert parse_tote_clock("26:22:00", date(2025, 7, 17)) == datetime(
        2025, 7, 17, 14, 22, tzinfo=UTC
    )
    # Saturday 2025-09-27 racing into the spring-forward night: 02:30 on the 28th never happens.
    with pytest.raises(ValueError, match="does not exist"):
        parse_tote_clock("26:30:00", date(2025, 9, 27))
    assert parse_tote_clock("27:30:00", date(2025, 9, 27)) == datetime(
        2025, 9, 27, 14, 30, tzinfo=UTC
    )
    # Saturday 2025-04-05 into the fall-back night: 02:30 happens twice; the first is NZDT.
    assert parse_tote_clock("26:30:00", date(2025, 4, 5)) == datetime(
        2025, 4, 5, 13, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["48:00:00", "12:60:00", "12:00:60", "12:00", "1:2:3", "abc"])
def test_tote_clock_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_tote_clock(text, date(2025, 7, 17))


# --- dates --------------------------------------------------------------------------------------


@PROPERTY
@given(st.dates(date(1000, 1, 1), date(9999, 12, 31)))
def test_dates_round_trip(day: date) -> None:
    iso = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    assert parse_dressed_date(f"{iso}T00:00:00Z") == day
    assert parse_dressed_date(f"{iso}T00:00:00.000000000Z") == day
    assert parse_iso_date(iso) == day
    assert parse_dmy_date(f"{day.day:02d}/{day.month:02d}/{day.year:04d}") == day


@pytest.mark.parametrize(
    "text",
    ["2025-07-18T06:29:20Z", "2025-07-17T00:00:00+12:00", "2025-07-17", "2025-02-30T00:00:00Z"],
)
def test_dressed_date_refuses_real_instants_and_bad_dates(text: str) -> None:
    # Futures send a real instant in the same key: it must not be read as a date.
    with pytest.raises(ValueError):
        parse_dressed_date(text)


@pytest.mark.parametrize("text", ["31/02/2025", "2025-07-17", "17-07-2025", "17/7/25", ""])
def test_dmy_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_dmy_date(text)


# --- NZ local "YYYY-MM-DD HH:MM" ----------------------------------------------------------------


@PROPERTY
@given(st.one_of(INSTANTS, DST_INSTANTS))
def test_nz_local_minute_round_trips(instant: datetime) -> None:
    instant = instant.replace(second=0, microsecond=0)
    assume(not _is_second_occurrence(instant))
    assert parse_nz_local_minute(f"{instant.astimezone(NZ):%Y-%m-%d %H:%M}") == instant


def test_nz_local_minute_daylight_saving() -> None:
    assert parse_nz_local_minute("2025-07-17 14:34") == datetime(2025, 7, 17, 2, 34, tzinfo=UTC)
    assert parse_nz_local_minute("2025-04-06 02:30") == datetime(2025, 4, 5, 13, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist"):
        parse_nz_local_minute("2025-09-28 02:30")
    with pytest.raises(ValueError):
        parse_nz_local_minute("2025-07-17T14:34")


# --- every time in the real samples -------------------------------------------------------------


def test_every_generated_time_parses(samples_dir: Path) -> None:
    for path in sorted(samples_dir.glob("*.json")):
        if path.name == "openapi.json":
            continue
        text = read_sample(samples_dir, path.name)["header"]["generated_time"]
        parsed = parse_utc_timestamp(text)
        assert parsed.isoformat().startswith(text[:19]), path.name


def test_meetings_list_times(samples_dir: Path) -> None:
    meetings = read_sample(samples_dir, "meetings-list.json")["data"]["meetings"]
    checked = 0
    for meeting in meetings:
        assert parse_dressed_date(meeting["date"]) == date(2025, 7, 17)
        for race in meeting["races"]:
            start = parse_utc_timestamp(race["start_time"])
            if "tote_start_time" in race:
                # The tote clock counts from the meeting's tote day and names the same instant.
                raceday = parse_iso_date(meeting["tote_raceday_date"])
                assert parse_tote_clock(race["tote_start_time"], raceday) == start, race["id"]
                checked += 1
    assert checked == 453


@pytest.mark.parametrize(
    ("name", "start", "actual"),
    [
        ("race-event-0f57e087-final.json", "2025-07-17T00:50:00Z", "2025-07-17T00:52:46Z"),
        ("race-event-a413cb06-final.json", "2025-08-20T02:52:00Z", "2025-08-20T02:52:25Z"),
    ],
)
def test_event_times_agree(samples_dir: Path, name: str, start: str, actual: str) -> None:
    body = read_sample(samples_dir, name)["data"]
    race = body["race"]
    advertised = parse_epoch_seconds(race["advertised_start"])
    assert advertised == datetime.fromisoformat(start)
    assert parse_epoch_seconds(race["actual_start"]) == datetime.fromisoformat(actual)
    assert parse_go_timestamp(race["advertised_start_string"]) == advertised
    assert parse_go_timestamp(race["actual_start_string"]) == datetime.fromisoformat(actual)
    assert parse_nz_clock(race["start_time_nz"], parse_iso_date(race["race_date_nz"])) == advertised
    for runner in body["runners"]:
        assert parse_optional_epoch_seconds(runner["scratch_time"]) is None
        for point in runner["flucs_with_timestamp"]["last_six"]:
            assert parse_utc_timestamp(point["timestamp"]).tzinfo is UTC
        for start_record in runner["last_starts"]:
            assert parse_dmy_date(start_record["date"]) < date(2025, 8, 21)
        for key in runner["runner_change"] or {}:
            parse_dmy_date(key)
    for pool in body["tote_pools"]:
        final_leg = (pool.get("tote_trends") or {}).get("final_leg_start_time")
        if final_leg:
            # The final leg is this race or a later one (the Aug double [4, 5] ends with R5).
            assert parse_nz_local_minute(final_leg) >= advertised
    for meta in race["video_channels_meta"].values():
        assert parse_utc_timestamp(meta["UtcRaceStartTime"]) == advertised
