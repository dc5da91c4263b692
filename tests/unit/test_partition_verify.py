"""find_problems and runway_days on hand-made catalogs: each problem kind, and none on health."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.partitions.model import (
    GAP,
    LOW_RUNWAY,
    MISNAMED_CHILD,
    MISSING_INDEX,
    NOT_ATTACHED,
    OVERLAP,
    PENDING_DETACH,
    UNEXPECTED_CHILD,
    WRONG_BOUNDS,
    ObservedPartition,
    Policy,
    Problem,
)
from raceday.partitions.naming import partition_name
from raceday.partitions.verify import find_problems, runway_days
from raceday.racing_day import day_bounds

TODAY = date(2025, 7, 16)
ODDS, FLOW = "odds_history", "money_flow_history"
POLICY = Policy()
LOOSE = (None, None)
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def day(offset: int, today: date = TODAY) -> date:
    return today + timedelta(days=offset)


def child(
    on: date,
    *,
    parent: str = ODDS,
    name: str | None = None,
    bounds: tuple[datetime | None, datetime | None] | None = None,
    attached: bool = True,
    detach_pending: bool = False,
    indexes: frozenset[str] = frozenset(),
    zone: str = "Pacific/Auckland",
) -> ObservedPartition:
    lower, upper = day_bounds(on, zone) if bounds is None else bounds
    return ObservedPartition(
        parent, name or partition_name(parent, on), lower, upper, attached, detach_pending, indexes
    )


def healthy(first: int, last: int) -> list[ObservedPartition]:
    return [child(day(n)) for n in range(first, last + 1)]


def kinds(problems: Iterable[Problem]) -> list[tuple[str, str | None]]:
    return [(p.kind, p.name) for p in problems]


def test_a_healthy_layout_has_no_problems() -> None:
    assert find_problems(ODDS, healthy(-30, 7), POLICY, TODAY) == []


def test_other_parents_tables_are_ignored() -> None:
    observed = [*healthy(-1, 7), child(day(2), parent=FLOW, bounds=LOOSE, attached=False)]
    assert find_problems(ODDS, observed, POLICY, TODAY) == []


def test_gap_between_children() -> None:
    observed = [c for c in healthy(-1, 7) if c.name != partition_name(ODDS, day(4))]
    problems = find_problems(ODDS, observed, POLICY, TODAY)
    assert kinds(problems) == [(GAP, partition_name(ODDS, day(5)))]
    lower, upper = day_bounds(day(4))
    assert f"[{lower.isoformat(sep=' ')}, {upper.isoformat(sep=' ')})" in problems[0].detail


def test_overlap_between_children() -> None:
    lower, upper = day_bounds(day(3))
    shifted = (lower + timedelta(hours=5), upper + timedelta(hours=5))
    odd = child(day(9), name="odds_history_extra", bounds=shifted)
    problems = find_problems(ODDS, [*healthy(-1, 7), odd], POLICY, TODAY)
    assert (OVERLAP, "odds_history_extra") in kinds(problems)
    assert (UNEXPECTED_CHILD, "odds_history_extra") in kinds(problems)


def test_utc_day_bounds_are_wrong_bounds_with_a_gap_before_and_an_overlap_after() -> None:
    # The earlier implementation's mistake: named after the NZ date, bounded as the UTC day.
    start = datetime(2025, 7, 18, tzinfo=UTC)
    utc_day = child(day(2), bounds=(start, start + timedelta(days=1)))
    observed = [*healthy(-1, 1), utc_day, *healthy(3, 7)]
    problems = find_problems(ODDS, observed, POLICY, TODAY)
    # NZ 18th is [17th 12:00Z, 18th 12:00Z): 12 uncovered hours before, 12 shared with the 19th.
    assert kinds(problems) == [
        (WRONG_BOUNDS, partition_name(ODDS, day(2))),
        (GAP, partition_name(ODDS, day(2))),
        (OVERLAP, partition_name(ODDS, day(3))),
        (LOW_RUNWAY, None),
    ]
    assert "[2025-07-17 12:00:00+00:00, 2025-07-18 00:00:00+00:00)" in problems[1].detail
    assert "[2025-07-18 12:00:00+00:00, 2025-07-19 00:00:00+00:00)" in problems[2].detail


def test_a_correct_day_under_the_wrong_name_is_misnamed() -> None:
    # The child for the 20th carries the name of the 30th.
    misnamed = child(day(4), name=partition_name(ODDS, day(14)))
    observed = [*healthy(-1, 3), misnamed, *healthy(5, 7)]
    problems = find_problems(ODDS, observed, POLICY, TODAY)
    assert kinds(problems) == [(MISNAMED_CHILD, partition_name(ODDS, day(14)))]
    assert "2025-07-20" in problems[0].detail


def test_children_with_foreign_names_are_unexpected() -> None:
    observed = [
        *healthy(-1, 1),
        child(day(2), name="odds_history_p20250718"),
        child(day(3), name=partition_name(FLOW, day(3))),
        *healthy(4, 7),
    ]
    problems = find_problems(ODDS, observed, POLICY, TODAY)
    assert kinds(problems) == [
        (UNEXPECTED_CHILD, "odds_history_p20250718"),
        (UNEXPECTED_CHILD, partition_name(FLOW, day(3))),
    ]


def test_a_default_partition_is_unexpected() -> None:
    observed = [*healthy(-1, 7), child(day(0), name="odds_history_default", bounds=LOOSE)]
    assert kinds(find_problems(ODDS, observed, POLICY, TODAY)) == [
        (UNEXPECTED_CHILD, "odds_history_default")
    ]


def test_loose_same_named_tables_are_not_attached() -> None:
    loose = child(day(4), bounds=LOOSE, attached=False)
    observed = [c for c in healthy(-1, 7) if c.name != loose.name] + [loose]
    problems = find_problems(ODDS, observed, POLICY, TODAY)
    assert kinds(problems) == [(NOT_ATTACHED, loose.name), (GAP, partition_name(ODDS, day(5)))]
    unrelated = ObservedPartition(ODDS, "odds_history_scratch", None, None, False, False)
    assert find_problems(ODDS, [*healthy(-1, 7), unrelated], POLICY, TODAY) == []


def test_tables_kept_by_retention_are_not_reported() -> None:
    kept = [child(day(n), bounds=LOOSE, attached=False) for n in (-45, -31)]
    # Not before the cutoff, so retention did not leave it: someone's mistake.
    recent = child(day(-30), bounds=LOOSE, attached=False)
    observed = [*kept, recent, *healthy(-29, 7)]
    keeping = Policy(keep_detached=True)
    assert kinds(find_problems(ODDS, observed, keeping, TODAY)) == [(NOT_ATTACHED, recent.name)]
    dropping = find_problems(ODDS, observed, POLICY, TODAY)
    assert [k for k, _ in kinds(dropping)] == [NOT_ATTACHED] * 3
    forever = find_problems(ODDS, observed, Policy(keep_detached=True, retention_days=0), TODAY)
    assert [k for k, _ in kinds(forever)] == [NOT_ATTACHED] * 3


def test_pending_detach_is_reported_and_does_not_count_as_coverage() -> None:
    observed = [*healthy(-1, 0), child(day(1), detach_pending=True), *healthy(2, 7)]
    problems = find_problems(ODDS, observed, POLICY, TODAY)
    assert kinds(problems) == [
        (PENDING_DETACH, partition_name(ODDS, day(1))),
        (GAP, partition_name(ODDS, day(2))),
        (LOW_RUNWAY, None),
    ]


def test_missing_indexes() -> None:
    def expected(name: str) -> set[str]:
        return {f"{name}_pkey", f"{name}_entrant_idx"}

    observed = [
        child(day(n), indexes=frozenset(expected(partition_name(ODDS, day(n)))))
        for n in range(-1, 8)
    ]
    assert find_problems(ODDS, observed, POLICY, TODAY, expected) == []
    observed[2] = child(day(1), indexes=frozenset({partition_name(ODDS, day(1)) + "_pkey"}))
    problems = find_problems(ODDS, observed, POLICY, TODAY, expected)
    assert kinds(problems) == [(MISSING_INDEX, partition_name(ODDS, day(1)))]
    assert problems[0].detail == "missing odds_history_2025_07_17_entrant_idx"


def test_low_runway() -> None:
    short = Policy(days_ahead=1)
    assert kinds(find_problems(ODDS, healthy(-1, 1), short, TODAY)) == [(LOW_RUNWAY, None)]
    assert find_problems(ODDS, healthy(-1, 2), Policy(days_ahead=2), TODAY) == []
    # With the default 7 days ahead the missing days of the window are a gap too.
    assert kinds(find_problems(ODDS, healthy(-1, 1), POLICY, TODAY)) == [
        (GAP, partition_name(ODDS, day(2))),
        (LOW_RUNWAY, None),
    ]
    assert kinds(find_problems(ODDS, [], POLICY, TODAY)) == [
        (GAP, partition_name(ODDS, day(-1))),
        (LOW_RUNWAY, None),
    ]


def test_runway_days() -> None:
    assert runway_days([], TODAY) == 0
    assert runway_days(healthy(-1, 0), TODAY) == 0
    assert runway_days(healthy(-1, 7), TODAY) == 7
    assert runway_days(healthy(1, 7), TODAY) == 7  # today's own partition is not counted
    assert runway_days(healthy(2, 7), TODAY) == 0  # tomorrow missing
    gap = [c for c in healthy(-1, 7) if c.name != partition_name(ODDS, day(4))]
    assert runway_days(gap, TODAY) == 3
    unattached = [child(day(n), bounds=LOOSE, attached=False) for n in range(1, 5)]
    assert runway_days(unattached, TODAY) == 0


def test_runway_over_dst_changes_and_odd_coverage() -> None:
    # 2025-09-28 is 23 h long; covering through it counts it as one day.
    today = date(2025, 9, 26)
    observed = [child(today + timedelta(days=n)) for n in range(1, 4)]
    assert runway_days(observed, today) == 3
    # One child spanning 1.5 days covers one whole day.
    lower = day_bounds(day(1))[0]
    assert runway_days([child(day(1), bounds=(lower, lower + timedelta(hours=36)))], TODAY) == 1
    # A microsecond's hole ends the runway.
    second_lower, second_upper = day_bounds(day(2))
    late_start = (second_lower + timedelta(microseconds=1), second_upper)
    late = [child(day(1)), child(day(2), bounds=late_start), child(day(3))]
    assert runway_days(late, TODAY) == 1
    # MAXVALUE covers everything.
    assert runway_days([child(day(1), bounds=(lower, None))], TODAY) > 10_000


@PROPERTY
@given(
    today=st.dates(date(2000, 1, 1), date(2040, 12, 1)),
    offsets=st.sets(st.integers(-3, 15), max_size=19),
    zone=st.sampled_from(["Pacific/Auckland", "America/Havana", "Pacific/Chatham", "UTC"]),
)
def test_runway_counts_consecutive_days_from_tomorrow(
    today: date, offsets: set[int], zone: str
) -> None:
    observed = [child(today + timedelta(days=n), zone=zone) for n in offsets]
    expected = 0
    while expected + 1 in offsets:
        expected += 1
    assert runway_days(observed, today, zone) == expected
    policy = Policy(zone=zone)
    low = [p for p in find_problems(ODDS, observed, policy, today) if p.kind == LOW_RUNWAY]
    assert bool(low) == (expected < 2)
