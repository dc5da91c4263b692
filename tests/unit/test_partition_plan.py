"""The calendar policy and make_plan, with plain values: no database, no mocks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.partitions.calendar import days_for_instants, required_days, retirement_cutoff
from raceday.partitions.model import (
    LOW_RUNWAY,
    NOT_ATTACHED,
    OVERLAP,
    PENDING_DETACH,
    UNEXPECTED_CHILD,
    WRONG_BOUNDS,
    CreateStep,
    FinalizeStep,
    KeptPartition,
    ObservedPartition,
    Plan,
    Policy,
    Problem,
    RetireStep,
)
from raceday.partitions.naming import HISTORY_PARENTS, parse_partition_name, partition_name
from raceday.partitions.plan import make_plan
from raceday.racing_day import day_bounds

TODAY = date(2025, 7, 16)
ODDS, FLOW = HISTORY_PARENTS
PROPERTY = settings(max_examples=150, deadline=None, database=None)


def days(first: int, last: int, today: date = TODAY) -> list[date]:
    return [today + timedelta(days=n) for n in range(first, last + 1)]


def child(
    parent: str,
    day: date,
    *,
    name: str | None = None,
    bounds: tuple[datetime | None, datetime | None] | None = None,
    attached: bool = True,
    detach_pending: bool = False,
) -> ObservedPartition:
    """A child as the catalog would show it; by default correct for `day`."""
    lower, upper = day_bounds(day) if bounds is None else bounds
    return ObservedPartition(
        parent, name or partition_name(parent, day), lower, upper, attached, detach_pending
    )


LOOSE = (None, None)


def healthy(parent: str, first: int, last: int, today: date = TODAY) -> list[ObservedPartition]:
    return [child(parent, d) for d in days(first, last, today)]


def apply(
    observed: Iterable[ObservedPartition], plan: Plan, *, only_create: bool = False
) -> list[ObservedPartition]:
    """What PostgreSQL would hold after the plan ran; refuses what PostgreSQL would refuse."""
    tables = {t.name: t for t in observed}
    for step in plan.create:
        assert step.name not in tables, f"{step.name} already exists"
        for t in tables.values():
            if t.parent == step.parent and (t.attached or t.detach_pending) and t.lower and t.upper:
                overlaps = t.lower < step.upper and step.lower < t.upper
                assert not overlaps, f"{step.name} overlaps {t.name}"
        tables[step.name] = ObservedPartition(
            step.parent, step.name, step.lower, step.upper, True, False
        )
    if not only_create:
        removals: list[RetireStep | FinalizeStep] = [*plan.retire, *plan.finalize]
        for removal in removals:
            gone = tables.pop(removal.name)
            if removal.keep_table:
                tables[removal.name] = ObservedPartition(
                    gone.parent, gone.name, None, None, False, False
                )
    return sorted(tables.values(), key=lambda t: t.name)


# -- calendar ---------------------------------------------------------------------------------


def test_required_days_are_yesterday_today_and_days_ahead() -> None:
    assert required_days(TODAY, Policy(days_ahead=3)) == [
        date(2025, 7, 15),
        date(2025, 7, 16),
        date(2025, 7, 17),
        date(2025, 7, 18),
        date(2025, 7, 19),
    ]
    assert required_days(TODAY, Policy(days_ahead=0)) == [date(2025, 7, 15), date(2025, 7, 16)]


@pytest.mark.parametrize(
    ("retention", "cutoff"),
    [(0, None), (1, date(2025, 7, 15)), (2, date(2025, 7, 14)), (30, date(2025, 6, 16))],
)
def test_retirement_cutoff(retention: int, cutoff: date | None) -> None:
    assert retirement_cutoff(TODAY, Policy(retention_days=retention)) == cutoff


def test_days_for_instants_uses_the_nz_day() -> None:
    instants = [
        datetime(2025, 7, 15, 11, 59, 59, 999999, tzinfo=UTC),  # 23:59:59.999999 NZST 15th
        datetime(2025, 7, 15, 12, tzinfo=UTC),  # 00:00 NZST 16th
        datetime(2025, 7, 16, 3, tzinfo=UTC),
    ]
    assert days_for_instants(instants) == {date(2025, 7, 15), date(2025, 7, 16)}
    assert days_for_instants(instants, "UTC") == {date(2025, 7, 15), date(2025, 7, 16)}
    assert days_for_instants([], "UTC") == set()


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="retention_days"):
        Policy(retention_days=-1)
    with pytest.raises(ValueError, match="days_ahead"):
        Policy(days_ahead=-1)
    with pytest.raises(ValueError, match="Mars/Olympus"):
        Policy(zone="Mars/Olympus")


def test_observed_bounds_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        ObservedPartition(ODDS, "x", datetime(2025, 1, 1), None, True, False)


# -- creation ---------------------------------------------------------------------------------


def test_empty_catalog_creates_the_runway_for_every_parent_in_order() -> None:
    plan = make_plan(TODAY, Policy(days_ahead=2), [ODDS, FLOW], [])
    expected = [
        CreateStep(parent, d, partition_name(parent, d), *day_bounds(d))
        for parent in (FLOW, ODDS)
        for d in days(-1, 2)
    ]
    assert list(plan.create) == expected
    assert plan.create[0].lower == datetime(2025, 7, 14, 12, tzinfo=UTC)
    assert plan.retire == () and plan.finalize == () and plan.problems == ()
    assert not plan.is_empty


def test_healthy_catalog_gives_an_empty_plan() -> None:
    observed = healthy(ODDS, -3, 7) + healthy(FLOW, -3, 7)
    plan = make_plan(TODAY, Policy(), HISTORY_PARENTS, observed)
    assert plan.is_empty and plan.problems == ()


def test_only_missing_days_are_created() -> None:
    observed = healthy(ODDS, -1, 1) + healthy(ODDS, 4, 7)
    plan = make_plan(TODAY, Policy(), [ODDS], observed)
    assert [s.day for s in plan.create] == days(2, 3)


def test_dst_days_get_23_and_25_hour_bounds() -> None:
    april = make_plan(date(2025, 4, 6), Policy(days_ahead=0), [ODDS], [])
    assert {s.day: s.upper - s.lower for s in april.create}[date(2025, 4, 6)] == timedelta(hours=25)
    plan = make_plan(date(2025, 9, 27), Policy(days_ahead=1), [ODDS], [])
    lengths = {s.day: s.upper - s.lower for s in plan.create}
    assert lengths[date(2025, 9, 28)] == timedelta(hours=23)
    assert lengths[date(2025, 9, 27)] == timedelta(hours=24)


def test_kept_days_are_listed_not_retired() -> None:
    kept = {date(2025, 3, 1): "backfill", date(2025, 3, 2): "backfill"}
    old = [child(ODDS, date(2025, 3, d)) for d in (1, 2, 3)]
    plan = make_plan(TODAY, Policy(retention_days=30), [ODDS], [*healthy(ODDS, -1, 7), *old], kept)
    assert [s.day for s in plan.retire] == [date(2025, 3, 3)]  # not kept: retention takes it
    assert plan.kept == (
        KeptPartition(ODDS, date(2025, 3, 1), "odds_history_2025_03_01", "backfill"),
        KeptPartition(ODDS, date(2025, 3, 2), "odds_history_2025_03_02", "backfill"),
    )
    assert plan.create == ()  # a kept day is never a reason to create anything


def test_a_day_outside_the_window_is_never_created_or_dropped_for_that() -> None:
    # An island of history with nothing kept and retention off: the plan leaves it alone.
    island = [child(ODDS, date(2025, 3, d)) for d in (1, 2)]
    plan = make_plan(TODAY, Policy(retention_days=0), [ODDS], [*healthy(ODDS, -1, 7), *island])
    assert plan.is_empty and plan.problems == ()


def test_an_unattached_same_named_table_is_reported_not_recreated() -> None:
    observed = healthy(ODDS, -1, 7)
    observed[3] = child(ODDS, days(-1, 7)[3], bounds=LOOSE, attached=False)
    plan = make_plan(TODAY, Policy(), [ODDS], observed)
    assert plan.create == ()
    assert [(p.kind, p.name) for p in plan.problems if p.kind == NOT_ATTACHED] == [
        (NOT_ATTACHED, observed[3].name)
    ]


def test_a_child_with_utc_day_bounds_is_reported_and_blocks_its_neighbour() -> None:
    # What the earlier implementation did: named after the NZ date, bounded as the UTC day.
    wrong = child(
        ODDS,
        date(2025, 7, 18),
        bounds=(datetime(2025, 7, 18, tzinfo=UTC), datetime(2025, 7, 19, tzinfo=UTC)),
    )
    observed = [*healthy(ODDS, -1, 1), wrong]
    plan = make_plan(TODAY, Policy(days_ahead=4), [ODDS], observed)
    # 18th exists by name (not re-created); the 19th overlaps it, so it cannot be created either.
    assert [s.day for s in plan.create] == [date(2025, 7, 20)]
    kinds = [(p.kind, p.name) for p in plan.problems]
    assert (OVERLAP, "odds_history_2025_07_19") in kinds
    assert (WRONG_BOUNDS, "odds_history_2025_07_18") in kinds


def test_a_day_covered_by_a_foreign_child_is_not_created() -> None:
    foreign = child(ODDS, TODAY, name="odds_history_legacy")
    plan = make_plan(TODAY, Policy(days_ahead=2), [ODDS], [foreign])
    assert [s.day for s in plan.create] == [date(2025, 7, 15), date(2025, 7, 17), date(2025, 7, 18)]
    kinds = {(p.kind, p.name) for p in plan.problems}
    assert (OVERLAP, "odds_history_2025_07_16") in kinds
    assert (UNEXPECTED_CHILD, "odds_history_legacy") in kinds


def test_a_day_the_zone_skips_is_not_created() -> None:
    plan = make_plan(date(2011, 12, 29), Policy(zone="Pacific/Apia", days_ahead=3), [ODDS], [])
    assert [s.day for s in plan.create] == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]
    assert plan.problems == ()


def test_parents_not_asked_for_are_ignored() -> None:
    plan = make_plan(TODAY, Policy(), [ODDS], [child(FLOW, date(2020, 1, 1))])
    assert {s.parent for s in plan.create} == {ODDS} and plan.retire == ()


# -- retention --------------------------------------------------------------------------------


def test_retention_retires_attached_children_before_the_cutoff() -> None:
    observed = healthy(ODDS, -35, 7)
    plan = make_plan(TODAY, Policy(retention_days=30), [ODDS], observed)
    assert [s.day for s in plan.retire] == days(-35, -31)
    assert all(not s.keep_table for s in plan.retire)
    kept = make_plan(TODAY, Policy(retention_days=30, keep_detached=True), [ODDS], observed)
    assert all(s.keep_table for s in kept.retire) and kept.problems == ()


def test_retention_zero_keeps_everything() -> None:
    plan = make_plan(TODAY, Policy(retention_days=0), [ODDS], healthy(ODDS, -400, 7))
    assert plan.retire == () and plan.is_empty


def test_retention_of_one_day_keeps_yesterday() -> None:
    plan = make_plan(TODAY, Policy(retention_days=1), [ODDS], healthy(ODDS, -5, 7))
    assert [s.day for s in plan.retire] == days(-5, -2)


def test_retention_never_touches_tables_it_did_not_name() -> None:
    old = date(2020, 1, 1)
    observed = [
        *healthy(ODDS, -1, 7),
        child(ODDS, old, name="odds_history_archive"),
        child(ODDS, old, name="odds_history_p2020_01_01"),
        child(ODDS, old, name=partition_name(FLOW, old)),
        child(ODDS, old, bounds=LOOSE, attached=False),
    ]
    plan = make_plan(TODAY, Policy(retention_days=30), [ODDS], observed)
    assert plan.retire == ()


def test_retention_does_not_trust_an_old_name_on_a_current_range() -> None:
    misnamed = child(ODDS, TODAY, name=partition_name(ODDS, date(2020, 1, 1)))
    observed = [*healthy(ODDS, -1, -1), misnamed, *healthy(ODDS, 1, 7)]
    plan = make_plan(TODAY, Policy(retention_days=30), [ODDS], observed)
    assert plan.retire == ()


def test_pending_detaches_of_retired_days_are_finalized_others_reported() -> None:
    observed = [
        *healthy(ODDS, -1, 7),
        child(ODDS, date(2025, 6, 1), detach_pending=True),
        child(ODDS, date(2025, 7, 10), detach_pending=True),  # inside the retention window
    ]
    plan = make_plan(TODAY, Policy(retention_days=30), [ODDS], observed)
    assert plan.finalize == (FinalizeStep(ODDS, "odds_history_2025_06_01", keep_table=False),)
    assert plan.retire == ()
    assert [(p.kind, p.name) for p in plan.problems] == [
        (PENDING_DETACH, "odds_history_2025_07_10")
    ]


# -- output -----------------------------------------------------------------------------------


def test_plan_to_dict_is_json_with_iso_strings() -> None:
    observed = [*healthy(ODDS, -40, -40), child(ODDS, date(2025, 6, 1), detach_pending=True)]
    plan = make_plan(TODAY, Policy(days_ahead=1), [ODDS], observed)
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["today"] == "2025-07-16"
    assert data["policy"] == {
        "zone": "Pacific/Auckland",
        "days_ahead": 1,
        "retention_days": 30,
        "keep_detached": False,
    }
    assert data["is_empty"] is False
    assert data["create"][0] == {
        "parent": ODDS,
        "day": "2025-07-15",
        "name": "odds_history_2025_07_15",
        "lower": "2025-07-14T12:00:00+00:00",
        "upper": "2025-07-15T12:00:00+00:00",
    }
    assert data["retire"] == [
        {
            "parent": ODDS,
            "day": "2025-06-06",
            "name": "odds_history_2025_06_06",
            "keep_table": False,
            "rows": None,
        }
    ]
    assert data["finalize"] == [
        {"parent": ODDS, "name": "odds_history_2025_06_01", "keep_table": False, "rows": None}
    ]
    assert data["kept"] == []
    assert {p["kind"] for p in data["problems"]} == {LOW_RUNWAY}


def test_problem_kinds_are_checked() -> None:
    with pytest.raises(ValueError):
        Problem("bad", ODDS, None, "")
    assert RetireStep(ODDS, TODAY, "n", True).to_dict()["day"] == "2025-07-16"


# -- properties -------------------------------------------------------------------------------

KINDS = ["ok", "ok", "ok", "ok", "loose", "pending", "utc_day", "misnamed", "foreign"]


@st.composite
def situations(draw: st.DrawFn) -> tuple[date, Policy, list[ObservedPartition]]:
    today = draw(st.dates(date(2000, 3, 1), date(2040, 10, 1)))
    policy = Policy(
        days_ahead=draw(st.integers(0, 9)),
        retention_days=draw(st.integers(0, 40)),
        keep_detached=draw(st.booleans()),
    )
    observed: list[ObservedPartition] = []
    for parent in HISTORY_PARENTS:
        for offset in sorted(draw(st.sets(st.integers(-60, 12), max_size=25))):
            day = today + timedelta(days=offset)
            kind = draw(st.sampled_from(KINDS))
            if kind == "ok":
                observed.append(child(parent, day))
            elif kind == "loose":
                observed.append(child(parent, day, bounds=LOOSE, attached=False))
            elif kind == "pending":
                observed.append(child(parent, day, detach_pending=True))
            elif kind == "utc_day":
                start = datetime(day.year, day.month, day.day, tzinfo=UTC)
                observed.append(child(parent, day, bounds=(start, start + timedelta(days=1))))
            elif kind == "misnamed":
                shift = draw(st.integers(-3, 3))
                named = partition_name(parent, day + timedelta(days=shift))
                observed.append(child(parent, day, name=named))
            else:
                observed.append(child(parent, day, name=f"{parent}_legacy_{offset + 100}"))
    # Names are unique in a schema, as in PostgreSQL.
    unique = {t.name: t for t in observed}
    return today, policy, list(unique.values())


@PROPERTY
@given(situations(), st.sets(st.integers(-400, 30), max_size=4))
def test_applying_the_creates_leaves_nothing_to_create(
    situation: tuple[date, Policy, list[ObservedPartition]], kept_offsets: set[int]
) -> None:
    today, policy, observed = situation
    kept = {today + timedelta(days=n): "kept" for n in kept_offsets}
    first = make_plan(today, policy, HISTORY_PARENTS, observed, kept)
    created = apply(observed, first, only_create=True)
    second = make_plan(today, policy, HISTORY_PARENTS, created, kept)
    assert second.create == ()
    assert (second.retire, second.finalize) == (first.retire, first.finalize)


@PROPERTY
@given(situations())
def test_applying_the_whole_plan_reaches_a_fixpoint_with_the_predicted_problems(
    situation: tuple[date, Policy, list[ObservedPartition]],
) -> None:
    today, policy, observed = situation
    first = make_plan(today, policy, HISTORY_PARENTS, observed)
    second = make_plan(today, policy, HISTORY_PARENTS, apply(observed, first))
    assert second.is_empty
    assert second.problems == first.problems


@PROPERTY
@given(situations())
def test_every_required_day_is_created_present_or_reported(
    situation: tuple[date, Policy, list[ObservedPartition]],
) -> None:
    today, policy, observed = situation
    plan = make_plan(today, policy, HISTORY_PARENTS, observed)
    names = {t.name for t in observed}
    created = {s.name for s in plan.create}
    blocked = {
        p.name for p in plan.problems if p.kind == OVERLAP and "cannot be created" in p.detail
    }
    for parent in HISTORY_PARENTS:
        for day in required_days(today, policy):
            name = partition_name(parent, day)
            assert (name in names) + (name in created) + (name in blocked) == 1, name
    keys = [(s.parent, s.day) for s in plan.create]
    assert keys == sorted(keys)


@PROPERTY
@given(situations(), st.sets(st.integers(-400, 30), max_size=4))
def test_retention_never_retires_yesterday_today_the_future_or_a_kept_day(
    situation: tuple[date, Policy, list[ObservedPartition]], kept_offsets: set[int]
) -> None:
    today, policy, observed = situation
    kept = {today + timedelta(days=n): "kept" for n in kept_offsets}
    plan = make_plan(today, policy, HISTORY_PARENTS, observed, kept)
    by_name = {t.name: t for t in observed}
    yesterday_start = day_bounds(today - timedelta(days=1))[0]
    removals: list[RetireStep | FinalizeStep] = [*plan.retire, *plan.finalize]
    for step in removals:
        assert policy.retention_days > 0
        parsed = parse_partition_name(step.name)
        assert parsed is not None and parsed[0] == step.parent
        assert parsed[1] < today - timedelta(days=max(policy.retention_days, 1))
        assert parsed[1] not in kept
        upper = by_name[step.name].upper
        assert upper is not None and upper <= yesterday_start
        assert step.keep_table == policy.keep_detached
