"""The racing-day calendar against PostgreSQL itself, and the SQL partition DDL on a real server.

Expectations are computed independently of the code under test wherever possible: a hand-made
table of known racing days (written from the New Zealand daylight-saving rules), the DST rule
dates derived from the calendar, PostgreSQL's own `timestamp AT TIME ZONE`, and zoneinfo wall
times built directly (not through `day_bounds`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import errors, sql

from raceday.db import connect
from raceday.partitions.catalog import read_observed
from raceday.racing_day import day_bounds, racing_day_of
from tests.db.catalog import snapshot

NZ = ZoneInfo("Pacific/Auckland")
PARENTS = ["money_flow_history", "odds_history"]
US = timedelta(microseconds=1)
HOUR = timedelta(hours=1)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Racing days worked out by hand from the NZ rules (NZST = UTC+12, NZDT = UTC+13; DST ends at
# 03:00 NZDT, starts at 02:00 NZST): [local midnight, next local midnight) in UTC.
KNOWN: dict[date, tuple[datetime, datetime]] = {
    date(2026, 4, 5): (_utc("2026-04-04 11:00"), _utc("2026-04-05 12:00")),  # 25 h, DST ends
    date(2026, 9, 27): (_utc("2026-09-26 12:00"), _utc("2026-09-27 11:00")),  # 23 h, DST starts
    date(2025, 7, 17): (_utc("2025-07-16 12:00"), _utc("2025-07-17 12:00")),  # winter
    date(2007, 3, 18): (_utc("2007-03-17 11:00"), _utc("2007-03-18 12:00")),  # 25 h, old rule
    date(2008, 4, 6): (_utc("2008-04-05 11:00"), _utc("2008-04-06 12:00")),  # 25 h, new rule
    date(2040, 12, 31): (_utc("2040-12-30 11:00"), _utc("2040-12-31 11:00")),  # summer, far out
}
ZONE_DAYS = sorted(KNOWN)


def _name(parent: str, day: date) -> str:
    return f"{parent}_{day:%Y_%m_%d}"


def _bound_text(instant: datetime) -> str:
    """How PostgreSQL renders a timestamptz bound in a UTC session: '2026-04-04 11:00:00+00'."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def _set_zone(conn: psycopg.Connection, zone: str) -> None:
    conn.execute(sql.SQL("set time zone {}").format(sql.Literal(zone)))
    assert conn.execute("select current_setting('TimeZone')").fetchone() == (zone,)


def _create(conn: psycopg.Connection, day: date) -> list[tuple[str, str, str]]:
    return conn.execute("select * from create_daily_partitions(%s)", (day,)).fetchall()


def _attached_bounds(conn: psycopg.Connection) -> dict[tuple[str, str], tuple[datetime, datetime]]:
    """(parent, child) -> bounds as instants, read with the project's catalog reader."""
    return {
        (p.parent, p.name): (p.lower, p.upper) for p in read_observed(conn, PARENTS) if p.attached
    }


def _bound_exprs(conn: psycopg.Connection) -> dict[str, str]:
    rows = conn.execute(
        """select c.relname, pg_get_expr(c.relpartbound, c.oid)
             from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where i.inhparent in ('odds_history'::regclass, 'money_flow_history'::regclass)"""
    ).fetchall()
    return dict(rows)


def _sunday(year: int, month: int, nth: int) -> date:
    """The nth Sunday of a month; nth = -1 for the last one."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def _nz_dst_days(year: int) -> tuple[date, date]:
    """(25-hour day, 23-hour day) of a year by the NZ rules (changed in September 2007)."""
    long_day = _sunday(year, 3, 3) if year <= 2007 else _sunday(year, 4, 1)
    short_day = _sunday(year, 10, 1) if year <= 2006 else _sunday(year, 9, -1)
    return long_day, short_day


# ---------------------------------------------------------------------------------------------
# 1. The calendar against PostgreSQL, every day 2000-01-01 .. 2040-12-31
# ---------------------------------------------------------------------------------------------


def test_calendar_agrees_with_postgresql_for_every_day_2000_to_2040(db: psycopg.Connection) -> None:
    first, last = date(2000, 1, 1), date(2040, 12, 31)
    rows = db.execute(
        """select s.d,
                  s.d::timestamp at time zone 'Pacific/Auckland',
                  (s.d + 1)::timestamp at time zone 'Pacific/Auckland',
                  b.lower_bound, b.upper_bound
             from (select %(first)s::date + i as d
                     from generate_series(0, %(last)s::date - %(first)s::date) as i) s
             cross join lateral raceday_partition_bounds('odds_history', s.d) b
            order by s.d""",
        {"first": first, "last": last},
    ).fetchall()
    assert len(rows) == (last - first).days + 1 == 14976
    assert rows[0][0] == first and rows[-1][0] == last

    mismatches = []
    lengths: dict[int, dict[timedelta, list[date]]] = defaultdict(lambda: defaultdict(list))
    for index, (day, pg_lower, pg_upper, fn_lower, fn_upper) in enumerate(rows):
        assert day == first + timedelta(days=index)
        py = day_bounds(day)
        if py != (pg_lower, pg_upper) or (fn_lower, fn_upper) != (pg_lower, pg_upper):
            mismatches.append((day, py, (pg_lower, pg_upper), (fn_lower, fn_upper)))
        if index:
            assert rows[index - 1][2] == pg_lower, f"{day} does not start where the day before ends"
        lengths[day.year][pg_upper - pg_lower].append(day)
    assert mismatches == [], f"{len(mismatches)} days disagree, first: {mismatches[:3]}"

    by_day = {row[0]: (row[1], row[2]) for row in rows}
    for day, bounds in KNOWN.items():
        assert by_day[day] == bounds, day

    for year in range(first.year, last.year + 1):
        long_day, short_day = _nz_dst_days(year)
        got = {length: days for length, days in lengths[year].items() if length != 24 * HOUR}
        assert got == {25 * HOUR: [long_day], 23 * HOUR: [short_day]}, year
        assert (
            sum(len(days) for days in lengths[year].values())
            == (date(year + 1, 1, 1) - date(year, 1, 1)).days
        )


def test_partition_bounds_function_is_the_same_for_both_parents_and_any_session_zone(
    db: psycopg.Connection,
) -> None:
    query = """select d, b.lower_bound, b.upper_bound
                 from unnest(%s::date[]) d
                 cross join lateral raceday_partition_bounds(%s, d) b order by d"""
    expected = [(day, *KNOWN[day]) for day in ZONE_DAYS]
    for zone in ("UTC", "Pacific/Chatham", "America/St_Johns", "-14:00"):
        _set_zone(db, zone)
        for parent in PARENTS:
            assert db.execute(query, (ZONE_DAYS, parent)).fetchall() == expected, (zone, parent)


# ---------------------------------------------------------------------------------------------
# 2. Creation does not depend on the session TimeZone
# ---------------------------------------------------------------------------------------------

SESSION_ZONES = [
    "UTC",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Pacific/Kiritimati",  # +14:00
    "Pacific/Chatham",  # +12:45 / +13:45
    "-14:00",  # POSIX sign: 14 hours EAST of Greenwich
    "+14:00",  # POSIX sign: 14 hours WEST of Greenwich
    "<-12>+12",  # POSIX, UTC-12
]


@pytest.mark.parametrize("zone", SESSION_ZONES)
def test_created_bounds_do_not_depend_on_the_session_zone(database_url: str, zone: str) -> None:
    with connect(database_url, autocommit=True) as conn:
        _set_zone(conn, zone)
        for day in ZONE_DAYS:
            assert _create(conn, day) == [
                (parent, _name(parent, day), "created") for parent in PARENTS
            ]
    with connect(database_url, autocommit=True) as utc:
        assert utc.execute("select current_setting('TimeZone')").fetchone() == ("UTC",)
        observed = _attached_bounds(utc)
        exprs = _bound_exprs(utc)
        for other in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles"):
            # Created under one zone, confirmed (not refused) under another.
            _set_zone(utc, other)
            for day in ZONE_DAYS:
                assert [r[2] for r in _create(utc, day)] == ["exists", "exists"], (other, day)
    expected = {(parent, _name(parent, day)): KNOWN[day] for parent in PARENTS for day in ZONE_DAYS}
    assert observed == expected
    assert observed == {
        (parent, _name(parent, day)): day_bounds(day) for parent in PARENTS for day in ZONE_DAYS
    }
    assert exprs == {
        _name(parent, day): "FOR VALUES FROM ('{}') TO ('{}')".format(
            *(_bound_text(b) for b in KNOWN[day])
        )
        for parent in PARENTS
        for day in ZONE_DAYS
    }


# ---------------------------------------------------------------------------------------------
# 3. Rows land in the child of their racing day
# ---------------------------------------------------------------------------------------------

ROUTING_RUNS = [
    (date(2026, 4, 3), date(2026, 4, 7)),  # DST ends 2026-04-05
    (date(2026, 9, 25), date(2026, 9, 29)),  # DST starts 2026-09-27
    (date(2025, 7, 16), date(2025, 7, 18)),  # an ordinary winter run
]


def _routing_probes() -> list[tuple[datetime, date]]:
    """(instant, racing day it must land in), built from wall times, not from day_bounds."""
    probes: list[tuple[datetime, date]] = []
    for first, last in ROUTING_RUNS:
        day = first + timedelta(days=1)
        while day <= last:  # every midnight strictly inside the run
            midnight = datetime(day.year, day.month, day.day, tzinfo=NZ).astimezone(UTC)
            before = day - timedelta(days=1)
            probes += [(midnight - US, before), (midnight, day), (midnight + US, day)]
            day += timedelta(days=1)
    # Inside the repeated hour of 2026-04-05: 02:00-02:59 NZDT (13:xxZ), then NZST (14:xxZ).
    for text in (
        "13:00:00",
        "13:00:00.000001",
        "13:30:00",
        "13:59:59.999999",
        "14:00:00",
        "14:30:00",
        "14:59:59.999999",
        "15:00:00",
    ):
        probes.append((_utc(f"2026-04-04 {text}"), date(2026, 4, 5)))
    # The 25th hour and the end of the long day; the jump of 2026-09-27 (02:00 NZST -> 03:00 NZDT).
    probes += [
        (_utc("2026-04-05 11:30"), date(2026, 4, 5)),
        (_utc("2026-04-05 12:00") - US, date(2026, 4, 5)),
        (_utc("2026-04-05 12:00"), date(2026, 4, 6)),
        (_utc("2026-09-26 13:59:59.999999"), date(2026, 9, 27)),
        (_utc("2026-09-26 14:00"), date(2026, 9, 27)),
        (_utc("2026-09-27 11:00") - US, date(2026, 9, 27)),
        (_utc("2026-09-27 11:00"), date(2026, 9, 28)),
    ]
    return probes


def test_routing_probes_are_what_they_claim_to_be() -> None:
    start, end = _utc("2026-04-04 13:00"), _utc("2026-04-04 15:00")
    repeated = [i for i, _ in _routing_probes() if start <= i < end]
    walls = {(i.astimezone(NZ).hour, i.astimezone(NZ).utcoffset()) for i in repeated}
    assert walls == {(2, 13 * HOUR), (2, 12 * HOUR)}  # the same wall hour, both offsets
    for instant, day in _routing_probes():
        assert racing_day_of(instant) == day, instant


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_rows_land_in_the_child_of_their_racing_day(database_url: str, zone: str) -> None:
    with connect(database_url, autocommit=True) as conn:
        for first, last in ROUTING_RUNS:
            day = first
            while day <= last:
                _create(conn, day)
                day += timedelta(days=1)
        _set_zone(conn, zone)
        wrong = []
        for instant, _ in _routing_probes():
            landed = conn.execute(
                """insert into odds_history (entrant_id, event_timestamp, type, odds)
                   values (%s, %s, 'fixed_win', 2.5) returning tableoid::regclass::text""",
                (uuid.uuid4(), instant),
            ).fetchone()
            expected = _name("odds_history", racing_day_of(instant))
            if landed != (expected,):
                wrong.append((instant.isoformat(), landed, expected))
        assert wrong == []
        # The instants were stored exactly (a microsecond off would route differently). Compared
        # in UTC: PEP 495 makes an inter-zone == False for a datetime inside a repeated hour.
        stored = sorted(
            r[0].astimezone(UTC) for r in conn.execute("select event_timestamp from odds_history")
        )
        assert stored == sorted(i for i, _ in _routing_probes())


# ---------------------------------------------------------------------------------------------
# 4. create_daily_partition is honest about what it finds
# ---------------------------------------------------------------------------------------------

DAY = date(2025, 7, 17)
CHILD = _name("odds_history", DAY)


def test_second_call_reports_exists(db: psycopg.Connection) -> None:
    call = "select create_daily_partition(%s, %s)"
    assert db.execute(call, ("odds_history", DAY)).fetchone() == ("created",)
    before = snapshot(db)
    assert db.execute(call, ("odds_history", DAY)).fetchone() == ("exists",)
    assert snapshot(db) == before
    assert _create(db, DAY) == [
        ("money_flow_history", _name("money_flow_history", DAY), "created"),
        ("odds_history", CHILD, "exists"),
    ]
    before = snapshot(db)
    assert _create(db, DAY) == [(p, _name(p, DAY), "exists") for p in PARENTS]
    assert snapshot(db) == before


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "Pacific/Kiritimati", "-14:00"])
def test_a_correct_child_written_another_way_is_confirmed(
    db: psycopg.Connection, zone: str
) -> None:
    # Same instants as the calendar's, spelt with the NZST offset: equal as instants, so 'exists'.
    db.execute(
        f"create table {CHILD} partition of odds_history "
        "for values from ('2025-07-17 00:00+12') to ('2025-07-18 00:00+12')"
    )
    _set_zone(db, zone)
    assert db.execute("select create_daily_partition('odds_history', %s)", (DAY,)).fetchone() == (
        "exists",
    )


def test_a_plain_table_with_the_childs_name_is_refused(db: psycopg.Connection) -> None:
    db.execute(f"create table {CHILD} (like odds_history including all)")
    before = snapshot(db)
    with pytest.raises(errors.DuplicateTable) as raised:
        db.execute("select create_daily_partition('odds_history', %s)", (DAY,))
    assert raised.value.sqlstate == "42P07"
    assert CHILD in str(raised.value)
    with pytest.raises(errors.DuplicateTable):
        _create(db, DAY)  # the whole call fails: money_flow_history's child is not left behind
    assert snapshot(db) == before
    assert db.execute(
        "select relispartition from pg_class where oid = %s::regclass", (CHILD,)
    ).fetchone() == (False,)


@pytest.mark.parametrize(
    ("day", "lower", "upper"),
    [
        # The old implementation's mistake: an NZ name on a UTC day.
        (DAY, "2025-07-17 00:00+00", "2025-07-18 00:00+00"),
        # Right start, 24 hours long, on the 25-hour day.
        (date(2026, 4, 5), "2026-04-05 00:00+13", "2026-04-06 00:00+13"),
        # Right start, 24 hours long, on the 23-hour day.
        (date(2026, 9, 27), "2026-09-27 00:00+12", "2026-09-28 00:00+12"),
        # Off by one microsecond at the end.
        (DAY, "2025-07-17 00:00+12", "2025-07-17 23:59:59.999999+12"),
    ],
)
def test_a_child_with_wrong_bounds_is_refused(
    db: psycopg.Connection, day: date, lower: str, upper: str
) -> None:
    name = _name("odds_history", day)
    db.execute(
        sql.SQL("create table {} partition of odds_history for values from ({}) to ({})").format(
            sql.Identifier(name), sql.Literal(lower), sql.Literal(upper)
        )
    )
    before = snapshot(db)
    for zone in ("UTC", "Pacific/Auckland"):
        _set_zone(db, zone)
        with pytest.raises(errors.InvalidObjectDefinition) as raised:
            db.execute("select create_daily_partition('odds_history', %s)", (day,))
        assert raised.value.sqlstate == "42P17"
        assert name in str(raised.value)
        with pytest.raises(errors.InvalidObjectDefinition):
            _create(db, day)
    _set_zone(db, "UTC")
    assert snapshot(db) == before


@pytest.mark.parametrize("parent", ["no_such_table", "partition_quarantine", "Odds_History"])
def test_an_unknown_parent_is_refused(db: psycopg.Connection, parent: str) -> None:
    before = snapshot(db)
    with pytest.raises(errors.UndefinedObject) as raised:
        db.execute("select create_daily_partition(%s, %s)", (parent, DAY))
    assert raised.value.sqlstate == "42704"
    with pytest.raises(errors.UndefinedObject):
        db.execute("select * from raceday_partition_bounds(%s, %s)", (parent, DAY))
    assert snapshot(db) == before


# ---------------------------------------------------------------------------------------------
# 5. The child is a full partition: columns, constraints, indexes, comment
# ---------------------------------------------------------------------------------------------

_COLUMNS = """
select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation
  from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum"""

_CONSTRAINTS = """
select conname, contype::text, pg_get_constraintdef(oid), coninhcount, conparentid
  from pg_constraint where conrelid = %s::regclass and contype in ('c', 'p', 'u', 'x', 'f')
 order by conname"""

_INDEXES = """
select x.indexrelid::regclass::text, x.indisvalid, i.inhparent::regclass::text
  from pg_index x left join pg_inherits i on i.inhrelid = x.indexrelid
 where x.indrelid = %s::regclass order by 1"""


def test_the_child_has_everything_its_parent_gives_a_partition(db: psycopg.Connection) -> None:
    _create(db, DAY)
    for parent in PARENTS:
        child = _name(parent, DAY)
        columns = db.execute(_COLUMNS, (parent,)).fetchall()
        assert db.execute(_COLUMNS, (child,)).fetchall() == columns

        parent_cons = db.execute(_CONSTRAINTS, (parent,)).fetchall()
        child_cons = db.execute(_CONSTRAINTS, (child,)).fetchall()
        parent_checks = {(n, d) for n, t, d, _, _ in parent_cons if t == "c"}
        assert parent_checks, parent
        assert {(n, d) for n, t, d, _, _ in child_cons if t == "c"} == parent_checks
        assert all(inh == 1 for _, t, _, inh, _ in child_cons if t == "c"), child_cons
        assert not [n for n, *_ in child_cons if "bounds" in n]
        # The primary key is the parent's, attached (not a look-alike of the child's own).
        parent_pk = db.execute(
            "select oid from pg_constraint where conrelid = %s::regclass and contype = 'p'",
            (parent,),
        ).fetchone()
        assert [(t, pid) for _, t, _, _, pid in child_cons if t != "c"] == [("p", parent_pk[0])]

        parent_indexes = [name for name, *_ in db.execute(_INDEXES, (parent,)).fetchall()]
        child_indexes = db.execute(_INDEXES, (child,)).fetchall()
        assert len(parent_indexes) >= 1
        assert sorted(p for _, _, p in child_indexes) == sorted(parent_indexes), child_indexes
        assert all(valid for _, valid, _ in child_indexes)
        assert db.execute(
            "select bool_and(indisvalid) from pg_index where indrelid = %s::regclass", (parent,)
        ).fetchone() == (True,)

        comment = db.execute(
            "select obj_description(%s::regclass, 'pg_class')", (child,)
        ).fetchone()[0]
        # Names the day itself, not merely a bound that happens to share its date.
        assert comment and parent in comment, comment
        assert re.search(r"2025-07-17(?![T0-9]| [0-9])", comment), comment
        assert db.execute(
            "select relkind::text, relispartition from pg_class where oid = %s::regclass", (child,)
        ).fetchone() == ("r", True)
    # money_flow_history has a secondary index besides its primary key.
    assert len(db.execute(_INDEXES, (_name("money_flow_history", DAY),)).fetchall()) == 2


# ---------------------------------------------------------------------------------------------
# 6. A one-day query touches one partition
# ---------------------------------------------------------------------------------------------

_ONE_DAY = """select * from odds_history
 where entrant_id = {} and event_timestamp >= {} and event_timestamp < {}
 order by event_timestamp desc limit 1"""


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _plan(
    conn: psycopg.Connection, query: sql.Composable | str, params: tuple[Any, ...] | None = None
) -> Any:
    raw = conn.execute(query, params).fetchone()[0]
    return json.loads(raw) if isinstance(raw, str) else raw


def _relations(plan: Any) -> list[str]:
    return [n["Relation Name"] for n in _walk(plan) if "Relation Name" in n]


def test_a_one_day_query_touches_one_partition(db: psycopg.Connection) -> None:
    days = [date(2026, 3, 31) + timedelta(days=n) for n in range(10)]
    for day in days:
        _create(db, day)
    entrant = uuid.uuid4()
    lower, upper = KNOWN[date(2026, 4, 5)]
    # Put a row in every day so that the planner has something to choose between.
    with db.cursor() as cur:
        cur.executemany(
            """insert into odds_history (entrant_id, event_timestamp, type, odds)
               values (%s, %s, 'fixed_win', 2.5)""",
            [(entrant, datetime(d.year, d.month, d.day, 12, tzinfo=NZ)) for d in days],
        )
    target = "odds_history_2026_04_05"

    literal = sql.SQL("explain (format json, analyze false) " + _ONE_DAY).format(
        sql.Literal(entrant), sql.Literal(lower), sql.Literal(upper)
    )
    assert _relations(_plan(db, literal)) == [target]

    bound = "explain (format json, analyze false) " + _ONE_DAY.format("%s", "%s", "%s")
    assert _relations(_plan(db, bound, (entrant, lower, upper))) == [target]

    # The 25-hour day's last hour is in it; one microsecond more is the next day's.
    assert db.execute(
        sql.SQL(_ONE_DAY).format(sql.Literal(entrant), sql.Literal(lower), sql.Literal(upper))
    ).fetchone()[1] == datetime(2026, 4, 5, 12, tzinfo=NZ)

    # A generic plan keeps every partition and prunes at executor start-up.
    db.execute(
        "prepare one_day(uuid, timestamptz, timestamptz) as " + _ONE_DAY.format("$1", "$2", "$3")
    )
    db.execute("set plan_cache_mode = force_generic_plan")
    try:
        generic = _plan(
            db,
            sql.SQL("explain (format json, analyze false) execute one_day({}, {}, {})").format(
                sql.Literal(entrant), sql.Literal(lower), sql.Literal(upper)
            ),
        )
    finally:
        db.execute("reset plan_cache_mode")
        db.execute("deallocate one_day")
    removed = [n["Subplans Removed"] for n in _walk(generic) if "Subplans Removed" in n]
    assert removed == [len(days) - 1], generic
    assert _relations(generic) == [target]


# ---------------------------------------------------------------------------------------------
# 7. Both parents, same days, same bounds
# ---------------------------------------------------------------------------------------------


def test_both_parents_get_the_same_days_with_the_same_bounds(db: psycopg.Connection) -> None:
    days = sorted({*ZONE_DAYS, *(date(2026, 9, 25) + timedelta(days=n) for n in range(5))})
    for day in days:
        _create(db, day)
    by_parent: dict[str, dict[date, tuple[datetime, datetime]]] = defaultdict(dict)
    for (parent, name), bounds in _attached_bounds(db).items():
        assert name.startswith(parent + "_")
        by_parent[parent][date(*map(int, name[len(parent) + 1 :].split("_")))] = bounds
    assert set(by_parent) == set(PARENTS)
    assert sorted(by_parent["odds_history"]) == sorted(by_parent["money_flow_history"]) == days
    assert by_parent["odds_history"] == by_parent["money_flow_history"]
    for day, bounds in by_parent["odds_history"].items():
        assert bounds == day_bounds(day), day
        if day in KNOWN:
            assert bounds == KNOWN[day], day
    exprs = _bound_exprs(db)
    for day in days:
        assert exprs[_name("odds_history", day)] == exprs[_name("money_flow_history", day)]
