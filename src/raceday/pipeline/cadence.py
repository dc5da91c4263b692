"""Pure cadence rules: how often a race is polled, from its status and its time to start.

Time to start is always measured against the race's ADVERTISED start (`advertised_start` in the
race body), which NZTAB moves when a race is postponed; the earlier scheduler computed it from a
field that carried the wrong time and stopped at `Closed`, before results and dividends existed.
Here `Closed` keeps being polled; only `Final` and `Abandoned` stop a race, and a race never seen
Final stops at the advertised start + `cap_after_start`.

The bands, with `t` = advertised start - now (negative once the start has passed). Every edge
belongs to the band NEARER the start, so a poll planned exactly on an edge already uses the
faster cadence ("at 61 min every 5 min, then AT 60 min, then every 60 s"):

    t > 60 min              far     every 5 min
    15 min < t <= 60 min    hour    every 60 s
    5 min  < t <= 15 min    near    every 30 s
    -cap   < t <= 5 min     final   every 15 s (before and after the start)
    t <= -cap               stop    (the instant start + cap itself is not polled)

`Interim` is polled every 30 s whatever `t` is, up to the same cap. Nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from raceday.config import Settings

__all__ = [
    "CadenceRules",
    "DeadlineSlot",
    "RaceStatus",
    "band_edges",
    "interval",
    "is_banded",
    "next_edge_after",
    "next_planned",
    "required_polls",
]


class RaceStatus(StrEnum):
    """A race's status as NZTAB spells it: Open -> Closed -> Interim -> Final, or Abandoned."""

    OPEN = "Open"
    CLOSED = "Closed"
    INTERIM = "Interim"
    FINAL = "Final"
    ABANDONED = "Abandoned"

    @classmethod
    def parse(cls, value: RaceStatus | str) -> RaceStatus:
        """`value` whatever its case ("open", "FINAL"); anything unknown ("" included) is Open.

        Unknown values are treated as Open on purpose: polling a race we do not understand is
        safer than dropping it. This module is pure, so it logs nothing; the caller may.
        """
        if isinstance(value, RaceStatus):
            return value
        return _STATUS_BY_LOWER.get(value.strip().lower(), cls.OPEN)

    @property
    def is_terminal(self) -> bool:
        """Final or Abandoned: nothing about the race changes any more."""
        return self in (RaceStatus.FINAL, RaceStatus.ABANDONED)

    @property
    def stage(self) -> int:
        """Position in the lifecycle (Open 0 … Final/Abandoned 3), to tell a stale status."""
        return _STAGE[self]


_STATUS_BY_LOWER = {status.value.lower(): status for status in RaceStatus}
_STAGE = {
    RaceStatus.OPEN: 0,
    RaceStatus.CLOSED: 1,
    RaceStatus.INTERIM: 2,
    RaceStatus.FINAL: 3,
    RaceStatus.ABANDONED: 3,
}


@dataclass(frozen=True)
class CadenceRules:
    """Poll intervals per band, the band edges (as time before the start) and the cap.

    `deadline_slack` is how late a poll may start after its due time before it counts as a
    missed deadline; `retry_after` is the first retry delay after a failed poll (doubling on
    each further failure, never beyond `far`); `closing_attempts` is how many failed attempts a
    race already Final/Abandoned gets for its one closing poll before it is given up ("capped").
    """

    far: timedelta = timedelta(minutes=5)
    hour: timedelta = timedelta(seconds=60)
    near: timedelta = timedelta(seconds=30)
    final_minutes: timedelta = timedelta(seconds=15)
    interim: timedelta = timedelta(seconds=30)
    cap_after_start: timedelta = timedelta(minutes=90)
    hour_from: timedelta = timedelta(minutes=60)
    near_from: timedelta = timedelta(minutes=15)
    final_from: timedelta = timedelta(minutes=5)
    deadline_slack: timedelta = timedelta(seconds=5)
    retry_after: timedelta = timedelta(seconds=15)
    closing_attempts: int = 10

    def __post_init__(self) -> None:
        for name in ("far", "hour", "near", "final_minutes", "interim", "cap_after_start"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"CadenceRules.{name} must be positive, got {getattr(self, name)}")
        if not self.hour_from > self.near_from > self.final_from > timedelta(0):
            raise ValueError(
                "CadenceRules band edges must satisfy hour_from > near_from > final_from > 0, got "
                f"{self.hour_from}, {self.near_from}, {self.final_from}"
            )
        if not timedelta(0) <= self.deadline_slack < self.final_minutes:
            # A slack as long as a slot would let one slot's poll count for the next one.
            raise ValueError(
                "CadenceRules.deadline_slack must be >= 0 and shorter than final_minutes, got "
                f"{self.deadline_slack} (final_minutes {self.final_minutes})"
            )
        if self.retry_after <= timedelta(0):
            raise ValueError(f"CadenceRules.retry_after must be positive, got {self.retry_after}")
        if self.closing_attempts < 1:
            raise ValueError(
                f"CadenceRules.closing_attempts must be >= 1, got {self.closing_attempts}"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> CadenceRules:
        """The default rules with the cap of RACEDAY_POLL_CAP_MINUTES."""
        return cls(cap_after_start=timedelta(minutes=settings.poll_cap_minutes))


def band_edges(rules: CadenceRules) -> tuple[timedelta, ...]:
    """The band edges as time before the start, farthest first: 60 min, 15 min, 5 min."""
    return (rules.hour_from, rules.near_from, rules.final_from)


def is_banded(status: RaceStatus) -> bool:
    """Whether the interval of `status` depends on the time to start (Open and Closed do)."""
    return status in (RaceStatus.OPEN, RaceStatus.CLOSED)


def interval(rules: CadenceRules, time_to_start: timedelta, status: RaceStatus) -> timedelta | None:
    """The poll interval at `time_to_start` (start - now) for `status`; None = stop polling.

    Edges belong to the band nearer the start (see the module docstring); at exactly
    -cap_after_start the race has stopped.
    """
    if status.is_terminal or time_to_start <= -rules.cap_after_start:
        return None
    if status is RaceStatus.INTERIM:
        return rules.interim
    if time_to_start > rules.hour_from:
        return rules.far
    if time_to_start > rules.near_from:
        return rules.hour
    if time_to_start > rules.final_from:
        return rules.near
    return rules.final_minutes


def next_edge_after(rules: CadenceRules, advertised_start: datetime, instant: datetime) -> datetime:
    """The first planning edge strictly after `instant`.

    The edges are the three band edges and, from start - final_from on, every `final_minutes`
    (the deadline slots of `required_polls`, continuing after the start). Clamping a plan to
    them is what makes a 5-min cadence land exactly on the 60-min edge, and keeps the polls of
    the final minutes on the slot grid even after an off-grid first poll or a moved start.
    """
    for before in (rules.hour_from, rules.near_from, rules.final_from):
        edge = advertised_start - before
        if instant < edge:
            return edge
    first_slot = advertised_start - rules.final_from
    slots_passed = (instant - first_slot) // rules.final_minutes + 1
    return first_slot + slots_passed * rules.final_minutes


def next_planned(
    rules: CadenceRules, advertised_start: datetime, status: RaceStatus, previous: datetime
) -> datetime | None:
    """The planned (unjittered) instant of the poll after one planned at `previous`.

    previous + the interval at `previous`, never later than the next edge (for Open/Closed,
    whose cadence depends on the time to start). None when the race stops: a terminal status,
    or the next poll would fall at or after start + cap. Built on the previous PLANNED instant,
    not on when a poll finished, so a slow poll does not make the cadence drift.
    """
    step = interval(rules, advertised_start - previous, status)
    if step is None:
        return None
    planned = previous + step
    if is_banded(status):
        planned = min(planned, next_edge_after(rules, advertised_start, previous))
    if interval(rules, advertised_start - planned, status) is None:
        return None
    return planned


@dataclass(frozen=True)
class DeadlineSlot:
    """One poll a race must have in its last minutes: started within [at, latest_start].

    `at` is the planned instant (start - final_from + k * final_minutes). `latest_start` allows
    the largest jitter the queue may add plus `deadline_slack`; it never reaches the next slot.
    """

    at: datetime
    latest_start: datetime

    def kept_by(self, poll_starts: Iterable[datetime]) -> bool:
        """Whether one of `poll_starts` (when polls of this race began) falls in the slot."""
        return any(self.at <= started <= self.latest_start for started in poll_starts)


def required_polls(
    rules: CadenceRules, advertised_start: datetime, *, max_delay: timedelta = timedelta(0)
) -> tuple[DeadlineSlot, ...]:
    """The polls due in a race's last `final_from` (5 min) before its advertised start.

    One slot per `final_minutes`: start - 5:00, - 4:45, …, - 0:15 (20 with the defaults).
    `max_delay` is the most jitter the poll of a slot may carry (PollQueue.deadline_slots
    passes its own); a slot is kept by a poll started at most max_delay + deadline_slack after
    its planned instant.
    """
    first = advertised_start - rules.final_from
    count = -(-rules.final_from // rules.final_minutes)  # ceiling: a partial slot still counts
    late = max_delay + rules.deadline_slack
    slots = (first + k * rules.final_minutes for k in range(count))
    return tuple(DeadlineSlot(at=at, latest_start=at + late) for at in slots)
