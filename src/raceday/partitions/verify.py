"""Pure checks of one parent's observed partitions against the racing-day calendar.

Problems are what needs a person: a day missing inside the live window (yesterday to the end of
the runway), overlaps, bounds off the calendar, stray or loose tables, missing indexes, pending
detaches, a short runway. Runs of days apart from the window (a backfill of last season, kept
from retention) are *islands*: reported as information, never as a gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from raceday.partitions.calendar import live_window, retirement_cutoff
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
    Island,
    ObservedPartition,
    Policy,
    Problem,
)
from raceday.partitions.naming import parse_partition_name, partition_name
from raceday.racing_day import (
    DEFAULT_ZONE,
    day_bounds,
    day_start,
    format_bound,
    racing_day_of,
    resolve_zone,
)

__all__ = [
    "MIN_RUNWAY_DAYS",
    "find_islands",
    "find_problems",
    "runway_days",
    "serving_children",
    "span",
]

# Fewer future days than this and one missed midnight run would leave rows without a partition.
MIN_RUNWAY_DAYS = 2

# MINVALUE / MAXVALUE bounds (None on an attached child) compare as the ends of time.
_MIN = datetime.min.replace(tzinfo=UTC)
_MAX = datetime.max.replace(tzinfo=UTC)


def span(child: ObservedPartition) -> tuple[datetime, datetime]:
    """The child's [lower, upper), with MINVALUE/MAXVALUE (None) as the ends of time."""
    return child.lower or _MIN, child.upper or _MAX


def serving_children(observed: Iterable[ObservedPartition]) -> list[ObservedPartition]:
    """Attached children that route rows by range, ordered by lower bound then name.

    A child pending detach no longer receives new rows, and a DEFAULT partition (no bounds at
    all) has no range, so neither counts.
    """
    serving = [
        child
        for child in observed
        if child.attached
        and not child.detach_pending
        and (child.lower is not None or child.upper is not None)
    ]
    return sorted(serving, key=lambda c: (*span(c), c.name))


def runway_days(
    observed: Iterable[ObservedPartition], today: date, zone: str | ZoneInfo = DEFAULT_ZONE
) -> int:
    """How many whole days after `today` are covered without a break by attached children.

    Today is not counted; 0 when tomorrow's first instant has no partition. Pass one parent's
    children.
    """
    tz = resolve_zone(zone)
    covered_until = day_start(today + timedelta(days=1), tz)
    for child in serving_children(observed):
        lower, upper = span(child)
        if lower > covered_until:
            break
        covered_until = max(covered_until, upper)
    if covered_until == _MAX:
        return (date.max - today).days  # a MAXVALUE child covers every day there is
    # Day E contains covered_until, so the days before E are whole; count those after today.
    return max((racing_day_of(covered_until, tz) - today).days - 1, 0)


def find_problems(
    parent: str,
    observed: list[ObservedPartition],
    policy: Policy,
    today: date,
    expected_index_names: Callable[[str], set[str]] | None = None,
) -> list[Problem]:
    """Every problem with `parent`'s partitions, in a stable order.

    `observed` may hold other parents' tables; they are ignored. `expected_index_names(child)`,
    when given, names the indexes each attached child must have.
    """
    tz = resolve_zone(policy.zone)
    mine = sorted((o for o in observed if o.parent == parent), key=lambda o: o.name)
    problems: list[Problem] = []

    for child in mine:
        if child.detach_pending:
            problems.append(
                Problem(PENDING_DETACH, parent, child.name, "a DETACH CONCURRENTLY was interrupted")
            )
    problems.extend(_loose_tables(parent, mine, policy, today))

    serving = serving_children(mine)
    for child in mine:
        is_default = child.lower is None and child.upper is None
        if child.attached and not child.detach_pending and is_default:
            problems.append(
                Problem(
                    UNEXPECTED_CHILD,
                    parent,
                    child.name,
                    "DEFAULT partition: it blocks DETACH CONCURRENTLY and every ATTACH scans it",
                )
            )
    for child in serving:
        problem = _bounds_problem(parent, child, tz)
        if problem is not None:
            problems.append(problem)
        if expected_index_names is not None:
            missing = sorted(expected_index_names(child.name) - child.index_names)
            if missing:
                problems.append(
                    Problem(MISSING_INDEX, parent, child.name, "missing " + ", ".join(missing))
                )
    problems.extend(_window_gaps(parent, serving, _window(today, policy, tz), tz))
    problems.extend(_overlaps(parent, serving))

    runway = runway_days(mine, today, tz)
    if runway < MIN_RUNWAY_DAYS:
        problems.append(
            Problem(
                LOW_RUNWAY,
                parent,
                None,
                f"{runway} future day(s) covered after {today.isoformat()}, "
                f"need at least {MIN_RUNWAY_DAYS}",
            )
        )
    return problems


def _loose_tables(
    parent: str, mine: list[ObservedPartition], policy: Policy, today: date
) -> list[Problem]:
    """NOT_ATTACHED for same-named tables outside the parent, except retention's kept tables."""
    cutoff = retirement_cutoff(today, policy)
    problems = []
    for table in mine:
        parsed = parse_partition_name(table.name)
        if table.attached or table.detach_pending or parsed is None or parsed[0] != parent:
            continue
        # Retention with keep_detached leaves old days as plain tables on purpose.
        if policy.keep_detached and cutoff is not None and parsed[1] < cutoff:
            continue
        problems.append(
            Problem(
                NOT_ATTACHED,
                parent,
                table.name,
                f"table exists but is not a partition of {parent}; it will not be re-created "
                "or attached automatically",
            )
        )
    return problems


def _bounds_problem(parent: str, child: ObservedPartition, tz: ZoneInfo) -> Problem | None:
    """Whether the child's name and bounds agree with the calendar."""
    lower, upper = span(child)
    got = f"[{_show(lower)}, {_show(upper)})"
    parsed = parse_partition_name(child.name)
    if parsed is None or parsed[0] != parent:
        return Problem(
            UNEXPECTED_CHILD,
            parent,
            child.name,
            f"name does not follow {parent}_YYYY_MM_DD; covers {got}",
        )
    expected = day_bounds(parsed[1], tz)
    if (child.lower, child.upper) == expected:
        return None
    # Bounds that are exactly some other racing day mean the name lies, not the bounds.
    covered = _calendar_day(child, tz)
    if covered is not None:
        return Problem(
            MISNAMED_CHILD,
            parent,
            child.name,
            f"covers racing day {covered.isoformat()} {got} but is named for "
            f"{parsed[1].isoformat()}",
        )
    return Problem(
        WRONG_BOUNDS,
        parent,
        child.name,
        f"covers {got}, racing day {parsed[1].isoformat()} is "
        f"[{_show(expected[0])}, {_show(expected[1])})",
    )


def _calendar_day(child: ObservedPartition, tz: ZoneInfo) -> date | None:
    """The racing day whose exact bounds the child has, if any."""
    if child.lower is None or child.upper is None or child.lower >= child.upper:
        return None
    day = racing_day_of(child.lower, tz)
    return day if day_bounds(day, tz) == (child.lower, child.upper) else None


def _window(today: date, policy: Policy, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the live window as instants."""
    first, last = live_window(today, policy)
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def _window_gaps(
    parent: str, serving: list[ObservedPartition], window: tuple[datetime, datetime], tz: ZoneInfo
) -> list[Problem]:
    """GAP for every stretch of the live window that no child covers; holes outside the window
    (between an island and the window) are not problems."""
    start, end = window
    problems: list[Problem] = []

    def hole(lower: datetime, upper: datetime, name: str, where: str) -> None:
        lower, upper = max(lower, start), min(upper, end)
        if lower < upper:
            problems.append(
                Problem(
                    GAP, parent, name, f"nothing covers [{_show(lower)}, {_show(upper)}) {where}"
                )
            )

    reach_name: str | None = None
    reach = _MIN
    for child in serving:
        lower, upper = span(child)
        if lower > reach:
            where = (
                f"between {reach_name} and {child.name}" if reach_name else f"before {child.name}"
            )
            hole(reach, lower, child.name, f"of the live window, {where}")
        if upper > reach:
            reach_name, reach = child.name, upper
    if reach < end:
        # Named after the first day missing: no child follows the hole to name it by.
        first_missing = partition_name(parent, racing_day_of(max(reach, start), tz))
        where = f"after {reach_name}" if reach_name else "(no partition at all)"
        hole(reach, _MAX, first_missing, f"of the live window, {where}")
    return problems


def _overlaps(parent: str, serving: list[ObservedPartition]) -> list[Problem]:
    """OVERLAP where consecutive children share instants."""
    problems: list[Problem] = []
    if not serving:
        return problems
    reach_name, reach = serving[0].name, span(serving[0])[1]
    for child in serving[1:]:
        lower, upper = span(child)
        if lower < reach:
            problems.append(
                Problem(
                    OVERLAP,
                    parent,
                    child.name,
                    f"shares [{_show(lower)}, {_show(min(reach, upper))}) with {reach_name}",
                )
            )
        if upper > reach:
            reach_name, reach = child.name, upper
    return problems


def find_islands(
    parent: str,
    observed: Iterable[ObservedPartition],
    policy: Policy,
    today: date,
    kept_days: Iterable[date] = (),
) -> list[Island]:
    """Runs of consecutive partitions of `parent` that do not reach into the live window."""
    tz = resolve_zone(policy.zone)
    start, end = _window(today, policy, tz)
    kept = frozenset(kept_days)
    runs: list[list[ObservedPartition]] = []
    reach = _MIN
    for child in serving_children(o for o in observed if o.parent == parent):
        lower, upper = span(child)
        if not runs or lower > reach:
            runs.append([])
        runs[-1].append(child)
        reach = max(reach, upper)
    islands = []
    for run in runs:
        lower, upper = span(run[0])[0], max(span(c)[1] for c in run)
        if start < upper and lower < end:
            continue  # reaches into the window: live history, not an island
        days = {d for c in run if (parsed := parse_partition_name(c.name)) and (d := parsed[1])}
        islands.append(
            Island(
                parent,
                min(days) if days else racing_day_of(lower, tz),
                max(days) if days else racing_day_of(upper - timedelta(microseconds=1), tz),
                len(run),
                len(days & kept),
            )
        )
    return islands


def _show(instant: datetime) -> str:
    if instant == _MIN:
        return "MINVALUE"
    if instant == _MAX:
        return "MAXVALUE"
    return format_bound(instant)
