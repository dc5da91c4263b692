"""Pure maintenance planning: from today, the policy and the observed catalog to a Plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from raceday.partitions.calendar import before_live_window, required_days, retirement_cutoff
from raceday.partitions.model import (
    OVERLAP,
    CreateStep,
    FinalizeStep,
    KeptPartition,
    ObservedPartition,
    Plan,
    Policy,
    Problem,
    RetireStep,
)
from raceday.partitions.naming import parse_partition_name, partition_name
from raceday.partitions.verify import find_problems, span
from raceday.racing_day import day_bounds, day_start, format_bound, resolve_zone

__all__ = ["RetirementRequest", "make_plan", "plan_retirement"]


def make_plan(
    today: date,
    policy: Policy,
    parents: Iterable[str],
    observed: Iterable[ObservedPartition],
    kept_days: Mapping[date, str] | None = None,
    expected_index_names: Callable[[str], set[str]] | None = None,
) -> Plan:
    """The steps that bring every parent to the policy for `today`, ordered by (parent, day).

    Creates each required day whose child is missing; retires attached children whose day is
    before the retention cutoff, unless the day is in `kept_days` (day -> why it is kept; those
    are listed in `plan.kept` instead); finishes interrupted detaches of such children. The
    plan's problems are those that would remain after its steps ran: what needs a person.
    Nothing but retention ever retires: a day is never dropped for lying outside the window.
    """
    catalog = list(observed)
    kept = dict(kept_days or {})
    days = required_days(today, policy)
    cutoff = retirement_cutoff(today, policy)
    creates: list[CreateStep] = []
    retires: list[RetireStep] = []
    finals: list[FinalizeStep] = []
    held: list[KeptPartition] = []
    problems: list[Problem] = []

    for parent in sorted(set(parents)):
        mine = [table for table in catalog if table.parent == parent]
        blocked: list[Problem] = []
        parent_creates = _creates(parent, days, mine, policy, blocked)
        parent_retires: list[RetireStep] = []
        parent_finals: list[FinalizeStep] = []
        if cutoff is not None:
            for table, day in _retirable(parent, mine, cutoff, policy):
                if day in kept:
                    held.append(KeptPartition(parent, day, table.name, kept[day]))
                elif table.detach_pending:
                    parent_finals.append(FinalizeStep(parent, table.name, policy.keep_detached))
                else:
                    parent_retires.append(RetireStep(parent, day, table.name, policy.keep_detached))
        after = _after(mine, parent_creates, parent_retires, parent_finals, expected_index_names)
        creates += parent_creates
        retires += sorted(parent_retires, key=lambda s: (s.day, s.name))
        finals += sorted(parent_finals, key=lambda s: s.name)
        problems += blocked
        problems += find_problems(parent, after, policy, today, expected_index_names)

    return Plan(
        today,
        policy,
        tuple(creates),
        tuple(retires),
        tuple(finals),
        tuple(problems),
        tuple(sorted(held, key=lambda k: (k.parent, k.day))),
    )


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
        if day >= cutoff:
            continue
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


@dataclass(frozen=True, slots=True)
class RetirementRequest:
    """What `raceday partitions retire` would do: the steps, and the days it refuses to touch
    because they are in the live window (yesterday or later: they receive rows now)."""

    retire: tuple[RetireStep, ...]
    finalize: tuple[FinalizeStep, ...]
    refused: tuple[date, ...]


def plan_retirement(
    today: date,
    policy: Policy,
    parents: Iterable[str],
    observed: Iterable[ObservedPartition],
    days: Iterable[date],
) -> RetirementRequest:
    """Retire the children of `days` on request, kept or not, whatever their age.

    Days of the live window are refused. Only children named and bounded as one of the
    requested racing days are touched, as in retention.
    """
    catalog = list(observed)
    requested = set(days)
    old = {d for d in requested if before_live_window(d, today)}
    retires: list[RetireStep] = []
    finals: list[FinalizeStep] = []
    if old:
        # Every requested day ends before this cutoff; only the requested ones are taken.
        cutoff = max(old) + timedelta(days=1)
        for parent in sorted(set(parents)):
            mine = [t for t in catalog if t.parent == parent]
            for table, day in _retirable(parent, mine, cutoff, policy):
                if day not in old:
                    continue
                if table.detach_pending:
                    finals.append(FinalizeStep(parent, table.name, policy.keep_detached))
                else:
                    retires.append(RetireStep(parent, day, table.name, policy.keep_detached))
    return RetirementRequest(
        tuple(sorted(retires, key=lambda s: (s.parent, s.day))),
        tuple(sorted(finals, key=lambda s: (s.parent, s.name))),
        tuple(sorted(requested - old)),
    )
