"""The queue of due race polls: which race to poll next, and when each is polled again.

Pure: every call is handed `now`, jitter comes from an injected `random.Random`, and nothing
here sleeps, logs or does I/O. The async poller drives it:

    queue.track(...)                   for every race of every meetings import or refresh
    polls = queue.take_due(now, free)  the races due now, at most `free` (they are in flight)
    ... fetch and store each ...
    queue.finish(race_id, now, status=body_status, advertised_start=body_start)
    sleep until queue.next_due_at() (or until a poll finishes)

Planning. A race's polls are PLANNED on a grid and each is DUE at its planned instant plus
jitter. The poll after one planned at p is planned at `cadence.next_planned(p)`: p + the
interval at p, never later than the next band edge nor, in the final minutes, the next 15-s
slot. It is built on p, not on when the poll finished, so slow polls do not drift the cadence;
but a poll is never planned before `now`: one that could not start in time runs once, at once,
unjittered (no burst of catch-up polls for one race).

Re-phasing. A poll handed out more than `deadline_slack` after its due time (the poller was
behind) counts as planned when it was handed out: the race's cadence continues from there. So a
herd (700 races all due at start-up) spreads over the time the poller needed instead of forming
again every 5 minutes; band edges and the 15-s slots still bring every race back onto its grid.

Spreading. Races tracked together (700 at start-up, tomorrow's card at 18:00) would otherwise
poll together for ever, since each plan is built on the one before. So the second poll of a race
more than 15 min from its start is planned at a random point (seeded) of what is left of its
first interval: the start-up herd is polled once, then spread over the next 5 minutes.

Jitter. Each planned instant p gets a uniform random delay in [0, bound], where, with `step` the
gap from p to the poll planned after it,

    bound = min(jitter * step, max_jitter, step - deadline_slack)   (never below 0)

so a poll started within `deadline_slack` of its due time always starts before the next
planned instant: in the final minutes (15-s slots) jitter spreads the polls inside their slot
and never stretches the gap between two polls beyond 15 s + bound. `deadline_slots(race_id)`
lists the polls a race's last 5 minutes need (see `cadence.required_polls`), each with the
latest instant it may start, so a test (or the poller's metrics) can check that every one ran.

Priority when behind. When more races are due than the poller can take, a race already started
and not yet Final/Abandoned comes first, and with it a race whose only remaining poll is its
closing poll (already Final or Abandoned: its results and dividends are fetched once), by due
time; then the others by advertised start (nearest first), ties by due time. Closing polls once
came last, and a poller behind for good (a simulated day at 300x) never reached them.

Cost. Binary heaps with lazy invalidation: one of waiting races by due time, and, for races
found due but not yet handed out, one per priority class plus one by due time. Every change
bumps a race's version; stale entries are dropped when they surface, and all heaps are rebuilt
when they hold more than 3 entries per waiting race (+1024). `take_due` and `next_due_at` cost
O(log n) amortised per race handed out; `track` of an unchanged race is a dict look-up and two
comparisons.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from raceday.pipeline.cadence import (
    CadenceRules,
    DeadlineSlot,
    RaceStatus,
    interval,
    next_planned,
    required_polls,
)

__all__ = [
    "DuePoll",
    "Finished",
    "PollQueue",
    "QueueStats",
    "StopReason",
    "TrackedRace",
]

StopReason = Literal["final", "abandoned", "capped"]

_STOP_REASON: dict[RaceStatus, StopReason] = {
    RaceStatus.FINAL: "final",
    RaceStatus.ABANDONED: "abandoned",
}
# Stale heap entries tolerated before a rebuild: a multiple of the live ones plus a floor, so
# rebuilds stay rare (amortised O(1) per change) and memory stays O(races).
_REBUILD_FACTOR = 3
_REBUILD_FLOOR = 1024


@dataclass(frozen=True)
class DuePoll:
    """A poll handed to the poller: race, when it was due, what the queue knows of the race.

    `status` is the last known status: Final or Abandoned means this is the race's closing poll
    (fetch results and dividends). `attempt` is 1, or 1 + the failed polls just before it.
    `planned_at` is the unjittered instant the poll was planned for; `strict` says it is one
    of the race's deadline slots (its last 5 minutes), where lateness matters most: elsewhere a
    late poll (the herd of races due on the same whole minute) is a few seconds of staleness of
    a market nobody acts on yet.
    """

    race_id: str
    due_at: datetime
    advertised_start: datetime
    status: RaceStatus
    attempt: int
    meeting_id: str | None = None
    planned_at: datetime | None = None
    strict: bool = False


@dataclass(frozen=True)
class Finished:
    """A race stopped being polled: Final, Abandoned, or capped (never seen Final in time)."""

    race_id: str
    reason: StopReason
    polls: int


@dataclass(frozen=True)
class TrackedRace:
    """What the queue knows of one race (a snapshot; the queue's own state stays private)."""

    race_id: str
    meeting_id: str | None
    status: RaceStatus
    advertised_start: datetime
    polls: int
    next_due: datetime | None
    next_planned: datetime | None
    last_started: datetime | None
    in_flight: bool
    stopped: StopReason | None
    failures: int
    tracked_since: datetime


@dataclass(frozen=True)
class QueueStats:
    """Counts for metrics. `due_now` and `behind` are measured at the `now` given to `stats`."""

    tracked: int
    active: int
    in_flight: int
    waiting: int
    due_now: int
    behind: timedelta
    final: int
    abandoned: int
    capped: int
    heap_entries: int


class _Race:
    """The mutable state of one tracked race (never handed out; see TrackedRace)."""

    __slots__ = (
        "advertised_start",
        "closing",
        "due",
        "failures",
        "in_flight",
        "last_planned",
        "last_started",
        "meeting_id",
        "planned",
        "polls",
        "race_id",
        "settled",
        "status",
        "stopped",
        "tracked_since",
        "unspread",
        "version",
    )

    def __init__(
        self,
        race_id: str,
        advertised_start: datetime,
        status: RaceStatus,
        now: datetime,
        meeting_id: str | None,
    ) -> None:
        self.race_id = race_id
        self.meeting_id = meeting_id
        self.advertised_start = advertised_start
        self.status = status
        self.tracked_since = now
        self.polls = 0
        self.failures = 0
        self.planned: datetime | None = None  # the next poll's planned instant
        self.due: datetime | None = None  # planned + jitter
        self.last_planned: datetime | None = None  # planned instant of the last poll handed out
        self.last_started: datetime | None = None
        self.in_flight = False
        self.stopped: StopReason | None = None
        self.closing = False  # known Final/Abandoned: one closing poll wanted
        self.settled = False  # the caller said the store already holds it settled
        self.unspread = True  # its second poll is not yet spread (see "Spreading")
        self.version = 0

    def snapshot(self) -> TrackedRace:
        return TrackedRace(
            race_id=self.race_id,
            meeting_id=self.meeting_id,
            status=self.status,
            advertised_start=self.advertised_start,
            polls=self.polls,
            next_due=self.due,
            next_planned=self.planned,
            last_started=self.last_started,
            in_flight=self.in_flight,
            stopped=self.stopped,
            failures=self.failures,
            tracked_since=self.tracked_since,
        )


class _TrackedView(Mapping[str, TrackedRace]):
    """A read-only view of the queue's races; each look-up makes a snapshot."""

    def __init__(self, races: dict[str, _Race]) -> None:
        self._races = races

    def __getitem__(self, race_id: str) -> TrackedRace:
        return self._races[race_id].snapshot()

    def __iter__(self) -> Iterator[str]:
        return iter(self._races)

    def __len__(self) -> int:
        return len(self._races)


# Heap entries end with (seq, race_id, version); seq is unique, so tuples never compare further.
_DueEntry = tuple[datetime, int, str, int]  # (due, seq, race_id, version)
_StartEntry = tuple[datetime, datetime, int, str, int]  # (advertised_start, due, seq, id, version)


class PollQueue:
    """Plans every tracked race's polls and hands out the due ones, nearest races first.

    `jitter` and `max_jitter` bound the random delay of each poll (see the module docstring);
    `spread=False` turns off the spreading of second polls (for tests that want exact grids).
    """

    def __init__(
        self,
        rules: CadenceRules = CadenceRules(),  # noqa: B008 - frozen, so one shared default is safe
        *,
        rng: random.Random | None = None,
        jitter: float = 0.1,
        max_jitter: timedelta = timedelta(seconds=2),
        spread: bool = True,
    ) -> None:
        if not 0.0 <= jitter <= 1.0:
            raise ValueError(f"PollQueue jitter must be a fraction in [0, 1], got {jitter}")
        if max_jitter < timedelta(0):
            raise ValueError(f"PollQueue max_jitter must be >= 0, got {max_jitter}")
        self.rules = rules
        self._rng = rng if rng is not None else random.Random()
        self._jitter = jitter
        self._max_jitter = max_jitter
        self._spread = spread
        self._races: dict[str, _Race] = {}
        self._in_flight: set[str] = set()
        self._stopped_counts: dict[StopReason, int] = {"final": 0, "abandoned": 0, "capped": 0}
        self._seq = 0
        # Races waiting for their due time, by due time.
        self._pending: list[_DueEntry] = []
        # Races found due by take_due but not yet handed out (the poller is behind), by priority:
        self._ready_started: list[_DueEntry] = []  # started and not Final, or closing: by due
        self._ready_future: list[_StartEntry] = []  # not started: by advertised start, due
        self._ready_by_due: list[_DueEntry] = []  # every ready race again, for next_due_at
        self._ready_as_of: datetime | None = None  # the `now` of the last take_due
        self._latest_now: datetime | None = None

    # -- the poller's API --------------------------------------------------------------------

    def track(
        self,
        race_id: str,
        advertised_start: datetime,
        status: RaceStatus | str,
        now: datetime,
        *,
        meeting_id: str | None = None,
        settled: bool = False,
    ) -> Finished | None:
        """Add or update a race from a meetings import or refresh; returns a Finished if it stops.

        A new race's first poll is due now (jittered). A new race already Final or Abandoned
        gets ONE closing poll (its results and dividends may not be stored: the service may have
        been down), unless `settled` says the store already holds it settled; a new race past
        its cap is stopped ("capped") at once. A known race: a moved start re-plans its next
        poll; a status only moves forward (a stale list never rolls Closed back to Open); Final
        or Abandoned gets its closing poll (or stops at once when `settled`), because our own
        last poll of it was not yet Final. A race stopped Final/Abandoned is never resurrected;
        a capped race comes back when its start moves within the cap again, or gets a closing
        poll when the list says it is Final or Abandoned. While a poll of the race is in flight
        the news is recorded and `finish` plans with it. An unchanged race costs a look-up.
        """
        _require_race_id(race_id)
        _require_aware("advertised_start", advertised_start, race_id)
        _require_aware("now", now, race_id)
        parsed = RaceStatus.parse(status)
        self._see(now)
        race = self._races.get(race_id)
        if race is None:
            return self._add(race_id, advertised_start, parsed, now, meeting_id, settled)
        if meeting_id is not None:
            race.meeting_id = meeting_id
        if race.stopped in ("final", "abandoned"):
            return None
        new_status = parsed if parsed.stage >= race.status.stage else race.status
        moved = advertised_start != race.advertised_start
        if not moved and new_status == race.status and not (settled and race.closing):
            return None  # the common case: nothing new
        race.advertised_start = advertised_start
        race.status = new_status
        if race.stopped == "capped":
            return self._revive(race, now, settled)
        if new_status.is_terminal:
            race.closing = True
            race.settled = race.settled or settled
        if race.in_flight:
            return None
        if race.closing:
            if race.settled:
                return self._stop(race, _STOP_REASON[race.status])
            race.failures = 0
            return self._schedule(race, now, now)  # re-planned so it is ranked as a closing poll
        if race.last_planned is None:
            # Never polled: its first poll (due at tracking) stays, ranked by the new start.
            if moved:
                self._requeue(race)
            return None
        planned = next_planned(self.rules, race.advertised_start, race.status, race.last_planned)
        if planned is None:
            return self._stop(race, "capped")
        return self._schedule(race, planned, now)

    def take_due(self, now: datetime, limit: int) -> list[DuePoll]:
        """The races due at `now` (due_at <= now), at most `limit`; they are then in flight.

        Never a race already in flight. When more are due than `limit`, the order of the class
        docstring decides (started and not Final first, then nearest advertised start, ties by
        due time, closing polls with the started races).
        """
        _require_aware("now", now)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"take_due limit must be an int >= 0, got {limit!r}")
        self._see(now)
        if self._ready_as_of is not None and now < self._ready_as_of:
            self._rebuild()  # time went back: races found due earlier may not be due now
        self._ready_as_of = now
        self._promote_due(now)
        taken: list[DuePoll] = []
        while len(taken) < limit and (race := self._pop_ready()) is not None:
            taken.append(self._hand_out(race, now))
        return taken

    def finish(
        self,
        race_id: str,
        now: datetime,
        *,
        status: RaceStatus | str | None,
        advertised_start: datetime | None = None,
    ) -> Finished | None:
        """A poll of `race_id` ended at `now`; `status` None means the poll failed.

        Takes the status and advertised start of the body, plans the next poll from the
        planned instant of this one, and clears the race's in-flight mark. A failed poll is
        retried after `retry_after`, doubling per further failure, but never later than its
        normal next poll. Returns a Finished when the race stops: Final, Abandoned, or capped
        (the next poll would fall at or after start + cap; or a closing poll failed
        `closing_attempts` times).
        """
        race = self._races.get(race_id)
        if race is None or not race.in_flight:
            raise ValueError(
                f"finish({race_id!r}): no poll of that race is in flight "
                "(only a race handed out by take_due can finish)"
            )
        _require_aware("now", now, race_id)
        if advertised_start is not None:
            _require_aware("advertised_start", advertised_start, race_id)
            race.advertised_start = advertised_start
        self._see(now)
        race.in_flight = False
        self._in_flight.discard(race_id)
        race.polls += 1
        previous = race.last_planned
        assert previous is not None  # set by _hand_out
        if status is None:
            return self._after_failure(race, previous, now)
        race.failures = 0
        race.status = RaceStatus.parse(status)
        if race.status.is_terminal:
            return self._stop(race, _STOP_REASON[race.status])
        race.closing = race.settled = False  # the race's own body outranks the list
        planned = next_planned(self.rules, race.advertised_start, race.status, previous)
        if planned is None:
            return self._stop(race, "capped")
        if race.unspread:
            race.unspread = False
            if self._spread and race.advertised_start - previous > self.rules.near_from:
                earliest = max(previous, now)  # spread over what is left of the interval
                planned = earliest + (planned - earliest) * (1.0 - self._rng.random())
        return self._schedule(race, planned, now)

    def next_due_at(self) -> datetime | None:
        """The earliest due time among races not in flight (possibly already past); None if none."""
        best: datetime | None = None
        for heap in (self._pending, self._ready_by_due):
            while heap and self._live(heap[0][2], heap[0][3]) is None:
                heapq.heappop(heap)
            if heap and (best is None or heap[0][0] < best):
                best = heap[0][0]
        return best

    def in_flight(self) -> frozenset[str]:
        """The races handed out by take_due and not finished yet."""
        return frozenset(self._in_flight)

    def tracked(self) -> Mapping[str, TrackedRace]:
        """A read-only view of every race the queue knows, stopped ones included."""
        return _TrackedView(self._races)

    def missed_deadline(self, poll: DuePoll, started_at: datetime) -> bool:
        """Whether `poll` started more than `rules.deadline_slack` (5 s) after it was due."""
        _require_aware("started_at", started_at, poll.race_id)
        return started_at - poll.due_at > self.rules.deadline_slack

    def deadline_slots(self, race_id: str) -> tuple[DeadlineSlot, ...]:
        """The polls `race_id` must have in its last 5 minutes, for its current advertised start.

        Each slot is kept by a poll started within [at, latest_start] (the largest jitter this
        queue adds in a 15-s slot plus deadline_slack). Slots before the race was first tracked
        are left out: nobody could have polled them.
        """
        race = self._races.get(race_id)
        if race is None:
            raise ValueError(f"deadline_slots({race_id!r}): the queue does not track that race")
        slots = required_polls(
            self.rules,
            race.advertised_start,
            max_delay=self._jitter_bound(self.rules.final_minutes),
        )
        return tuple(slot for slot in slots if slot.at >= race.tracked_since)

    def stats(self, now: datetime | None = None) -> QueueStats:
        """Counts for metrics; `due_now` and `behind` at `now` (default: the latest now seen)."""
        at = now if now is not None else self._latest_now
        if at is not None:
            _require_aware("now", at)
        waiting = [race.due for race in self._races.values() if race.due is not None]
        due_now = 0 if at is None else sum(1 for due in waiting if due <= at)
        earliest = self.next_due_at()
        behind = timedelta(0)
        if at is not None and earliest is not None and earliest < at:
            behind = at - earliest
        stopped = sum(self._stopped_counts.values())
        return QueueStats(
            tracked=len(self._races),
            active=len(self._races) - stopped,
            in_flight=len(self._in_flight),
            waiting=len(waiting),
            due_now=due_now,
            behind=behind,
            final=self._stopped_counts["final"],
            abandoned=self._stopped_counts["abandoned"],
            capped=self._stopped_counts["capped"],
            heap_entries=self._heap_entries(),
        )

    def forget_stopped(self, started_before: datetime) -> int:
        """Drop stopped races whose advertised start is before `started_before`; how many.

        For a long-running service (yesterday's races). A forgotten race tracked again is new:
        pass `settled=True` for one the store holds settled, or it gets a closing poll.
        """
        _require_aware("started_before", started_before)
        gone = [
            (race.race_id, race.stopped)
            for race in self._races.values()
            if race.stopped is not None and race.advertised_start < started_before
        ]
        for race_id, reason in gone:
            if reason is not None:
                self._stopped_counts[reason] -= 1
            del self._races[race_id]
        return len(gone)

    # -- planning ------------------------------------------------------------------------------

    def _add(
        self,
        race_id: str,
        advertised_start: datetime,
        status: RaceStatus,
        now: datetime,
        meeting_id: str | None,
        settled: bool,
    ) -> Finished | None:
        race = _Race(race_id, advertised_start, status, now, meeting_id)
        self._races[race_id] = race
        if status.is_terminal:
            if settled:
                return self._stop(race, _STOP_REASON[status])
            race.closing = True
        elif interval(self.rules, advertised_start - now, status) is None:
            return self._stop(race, "capped")
        return self._schedule(race, now, now)

    def _revive(self, race: _Race, now: datetime, settled: bool) -> Finished | None:
        """A capped race the list has news of: a closing poll, or polling again within the cap."""
        if race.status.is_terminal:
            if settled:
                return None  # it stays stopped; it was reported (capped) already
            race.closing = True
        elif interval(self.rules, race.advertised_start - now, race.status) is None:
            return None  # still beyond its cap
        self._stopped_counts["capped"] -= 1
        race.stopped = None
        race.failures = 0
        return self._schedule(race, now, now)

    def _after_failure(self, race: _Race, previous: datetime, now: datetime) -> Finished | None:
        race.failures += 1
        backoff = min(self.rules.retry_after * 2 ** (race.failures - 1), self.rules.far)
        if race.closing:
            if race.settled:
                return self._stop(race, _STOP_REASON[race.status])
            if race.failures >= self.rules.closing_attempts:
                return self._stop(race, "capped")
            return self._schedule(race, now + backoff, now)
        planned = next_planned(self.rules, race.advertised_start, race.status, previous)
        if planned is None:
            return self._stop(race, "capped")
        return self._schedule(race, min(planned, now + backoff), now)

    def _schedule(self, race: _Race, planned: datetime, now: datetime) -> Finished | None:
        """Plan the race's next poll at `planned` (never before `now`) plus jitter.

        A poll moved to `now` because it could not run in time is still subject to the cap.
        """
        if planned < now:
            due = planned = now  # it could not run in time: once, at once, unjittered
            time_to_start = race.advertised_start - now
            if not race.closing and interval(self.rules, time_to_start, race.status) is None:
                return self._stop(race, "capped")
        else:
            due = planned + self._jitter_delay(race, planned)
        race.planned = planned
        race.due = due
        race.version += 1
        self._seq += 1
        heapq.heappush(self._pending, (due, self._seq, race.race_id, race.version))
        self._maybe_rebuild()
        return None

    def _requeue(self, race: _Race) -> None:
        """Re-enter a waiting race with its due time unchanged (its rank may have changed)."""
        assert race.due is not None
        race.version += 1
        self._seq += 1
        heapq.heappush(self._pending, (race.due, self._seq, race.race_id, race.version))
        self._maybe_rebuild()

    def _jitter_delay(self, race: _Race, planned: datetime) -> timedelta:
        following = next_planned(self.rules, race.advertised_start, race.status, planned)
        step = following - planned if following is not None else self.rules.final_minutes
        bound = self._jitter_bound(step)
        if bound <= timedelta(0):
            return timedelta(0)
        return bound * self._rng.random()

    def _jitter_bound(self, step: timedelta) -> timedelta:
        bound = min(step * self._jitter, self._max_jitter, step - self.rules.deadline_slack)
        return max(bound, timedelta(0))

    def _stop(self, race: _Race, reason: StopReason) -> Finished:
        race.stopped = reason
        race.closing = race.settled = False
        race.planned = race.due = None
        race.version += 1
        self._stopped_counts[reason] += 1
        return Finished(race_id=race.race_id, reason=reason, polls=race.polls)

    # -- the heaps -----------------------------------------------------------------------------

    def _live(self, race_id: str, version: int) -> _Race | None:
        """The race of a heap entry if the entry is still its current plan."""
        race = self._races.get(race_id)
        if race is None or race.version != version:
            return None
        return race

    def _promote_due(self, now: datetime) -> None:
        """Move races due at `now` from pending into the ready heaps, by priority class."""
        while self._pending and self._pending[0][0] <= now:
            due, seq, race_id, version = heapq.heappop(self._pending)
            race = self._live(race_id, version)
            if race is None:
                continue
            entry = (due, seq, race_id, version)
            heapq.heappush(self._ready_by_due, entry)
            # A closing poll (results and dividends of a race already settled) ranks with the
            # races running now: behind for good (a restart on a busy day, a simulator at high
            # speed), it would otherwise wait for ever behind races that are not urgent yet.
            if race.closing or race.advertised_start <= now:
                heapq.heappush(self._ready_started, entry)
            else:
                start_entry = (race.advertised_start, due, seq, race_id, version)
                heapq.heappush(self._ready_future, start_entry)
        # A race found due before its start may have started since.
        while self._ready_future and self._ready_future[0][0] <= now:
            _, due, seq, race_id, version = heapq.heappop(self._ready_future)
            if self._live(race_id, version) is not None:
                heapq.heappush(self._ready_started, (due, seq, race_id, version))

    def _pop_ready(self) -> _Race | None:
        """The live ready race of highest priority, removed from the ready heaps; None if none."""
        while self._ready_started:
            _, _, race_id, version = heapq.heappop(self._ready_started)
            if (race := self._live(race_id, version)) is not None:
                return race
        while self._ready_future:
            _, _, _, race_id, version = heapq.heappop(self._ready_future)
            if (race := self._live(race_id, version)) is not None:
                return race
        return None

    def _hand_out(self, race: _Race, now: datetime) -> DuePoll:
        assert race.due is not None and race.planned is not None
        window_opens = race.advertised_start - self.rules.final_from
        poll = DuePoll(
            race_id=race.race_id,
            due_at=race.due,
            advertised_start=race.advertised_start,
            status=race.status,
            attempt=race.failures + 1,
            meeting_id=race.meeting_id,
            planned_at=race.planned,
            strict=window_opens <= race.planned < race.advertised_start,
        )
        late = now - race.due > self.rules.deadline_slack
        race.last_planned = now if late else race.planned  # see "Re-phasing" above
        race.planned = race.due = None
        race.last_started = now
        race.in_flight = True
        race.version += 1
        self._in_flight.add(race.race_id)
        return poll

    def _heap_entries(self) -> int:
        return (
            len(self._pending)
            + len(self._ready_started)
            + len(self._ready_future)
            + len(self._ready_by_due)
        )

    def _maybe_rebuild(self) -> None:
        waiting = len(self._races) - sum(self._stopped_counts.values()) - len(self._in_flight)
        if self._heap_entries() > _REBUILD_FACTOR * waiting + _REBUILD_FLOOR:
            self._rebuild()

    def _rebuild(self) -> None:
        """Every waiting race back in `pending`, stale entries gone (take_due re-sorts them)."""
        self._pending = [
            (race.due, self._next_seq(), race.race_id, race.version)
            for race in self._races.values()
            if race.due is not None
        ]
        heapq.heapify(self._pending)
        self._ready_started, self._ready_future = [], []
        self._ready_by_due = []
        self._ready_as_of = None

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _see(self, now: datetime) -> None:
        if self._latest_now is None or now > self._latest_now:
            self._latest_now = now


def _require_aware(name: str, value: datetime, race_id: str | None = None) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        where = f" (race {race_id!r})" if race_id is not None else ""
        raise ValueError(f"{name} must be a timezone-aware datetime{where}, got {value!r}")


def _require_race_id(race_id: str) -> None:
    if not isinstance(race_id, str) or not race_id.strip():
        raise ValueError(f"race_id must be a non-empty string, got {race_id!r}")
