"""Pure maintenance planning: from today, the policy and the observed catalog to a Plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from raceday.partitions.calendar import required_days, retirement_cutoff
from raceday.partitions.model import (
    OVERLAP,
    CreateStep,
    FinalizeStep,
    ObservedPartition,
    Plan,
    Policy,
    Problem,
    RetireStep,
)
from raceday.partitions.naming import parse_partition_name, partition_name
from raceday.partitions.verify import find_problems, span
from raceday.racing_day import day_bounds, day_start, format_bound, resolve_zone

__all__ = ["make_plan"]


def make_plan(
    today: date,
    policy: Policy,
    parents: Iterable[str],
    observed: Iterable[ObservedPartition],
    extra_days: Iterable[date] = (),
    expected_index_names: Callable[[str], set[str]] | None = None,
) -> Plan:
    """The steps that bring every parent to the policy for `today`, ordered by (parent, day).

    Creates each required or extra day whose child is missing; retires attached children whose
    day is before the retention cutoff; finishes interrupted detaches of such children. The
    plan's problems are those that would remain after its steps ran: what needs a person.
    """
    catalog = list(observed)
    extra = frozenset(extra_days)
    days = sorted(set(required_days(today, policy)) | extra)
    cutoff = retirement_cutoff(today, policy)
    creates: list[CreateStep] = []
    retires: list[RetireStep] = []
    finals: list[FinalizeStep] = []
    problems: list[Problem] = []

    for parent in sorted(set(parents)):
        mine = [table for table in catalog if table.parent == parent]
        blocked: list[Problem] = []
        parent_creates = _creates(parent, days, mine, policy, blocked)
        parent_retires: list[RetireStep] = []
        parent_finals: list[FinalizeStep] = []
        if cutoff is not None:
            for table, day in _retirable(parent, mine, cutoff, extra, policy):
                if table.detach_pending:
                    parent_finals.append(FinalizeStep(parent, table.name, policy.keep_detached))
                else:
                    parent_retires.append(RetireStep(parent, day, table.name, policy.keep_detached))
        after = _after(mine, parent_creates, parent_retires, parent_finals, expected_index_names)
        creates += parent_creates
        retires += sorted(parent_retires, key=lambda s: (s.day, s.name))
        finals += sorted(parent_finals, key=lambda s: s.name)
        problems += blocked
        problems += find_problems(parent, after, policy, today, expected_index_names)

    return Plan(today, policy, tuple(creates), tuple(retires), tuple(finals), tuple(problems))


def _creates(
    parent: str,
    days: list[date],
    mine: list[ObservedPartition],
    policy: Policy,
    blocked: list[Problem],
) -> list[CreateStep]:
    """A CreateStep per day with no same-named table; days another child overlaps go to blocked."""
    tz = resolve_zone(policy.zone)
    names = {table.name for table in mine}
    ranged = [t for t in mine if t.attached and (t.lower is not None or t.upper is not None)]
    steps = []
    for day in days:
        lower, upper = day_bounds(day, tz)
        if lower == upper:
            # A day the zone skips entirely (Pacific/Apia 2011-12-30) holds no rows, and
            # PostgreSQL rejects an empty range.
            continue
        name = partition_name(parent, day)
        if name in names:
            # An existing table is judged by verify (wrong bounds, not attached), never
            # re-created or silently accepted.
            continue
        clash = next((t for t in ranged if span(t)[0] < upper and lower < span(t)[1]), None)
        if clash is not None:
            blocked.append(
                Problem(
                    OVERLAP,
                    parent,
                    name,
                    f"racing day {day.isoformat()} [{format_bound(lower)}, {format_bound(upper)}) "
                    f"cannot be created: {clash.name} already covers part of it",
                )
            )
            continue
        steps.append(CreateStep(parent, day, name, lower, upper))
    return steps


def _retirable(
    parent: str,
    mine: list[ObservedPartition],
    cutoff: date,
    extra: frozenset[date],
    policy: Policy,
) -> list[tuple[ObservedPartition, date]]:
    """Attached children of ours whose day and whole range lie before the cutoff."""
    cutoff_start = day_start(cutoff, policy.zone)
    found = []
    for table in mine:
        parsed = parse_partition_name(table.name)
        in_parent = table.attached or table.detach_pending
        if not in_parent or parsed is None or parsed[0] != parent:
            continue  # never touch a table we did not name
        day = parsed[1]
        if day >= cutoff or day in extra:
            continue  # days asked for explicitly (a backfill) are kept for this run
        # The name alone is not trusted: a misnamed child could hold today's rows.
        if table.upper is None or table.upper > cutoff_start:
            continue
        found.append((table, day))
    return found


def _after(
    mine: list[ObservedPartition],
    creates: list[CreateStep],
    retires: list[RetireStep],
    finals: list[FinalizeStep],
    expected_index_names: Callable[[str], set[str]] | None,
) -> list[ObservedPartition]:
    """The catalog as it will look once the steps ran, to find the problems they leave."""
    gone = {step.name: step.keep_table for step in retires}
    gone.update({step.name: step.keep_table for step in finals})
    after = []
    for table in mine:
        if table.name not in gone:
            after.append(table)
        elif gone[table.name]:
            after.append(
                replace(table, lower=None, upper=None, attached=False, detach_pending=False)
            )
    for step in creates:
        indexes = expected_index_names(step.name) if expected_index_names else set()
        after.append(
            ObservedPartition(
                step.parent, step.name, step.lower, step.upper, True, False, frozenset(indexes)
            )
        )
    return after
