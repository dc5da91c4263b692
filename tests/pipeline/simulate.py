"""A fake poller for the queue tests: drives a PollQueue with scripted races and a fake `now`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from raceday.pipeline import DuePoll, Finished, PollQueue, RaceStatus

SEC = timedelta(seconds=1)
MIN = timedelta(minutes=1)


@dataclass
class RaceScript:
    """What NZTAB says about one race at any instant: its advertised start and its status."""

    race_id: str
    start: datetime
    closed_after: timedelta | None = timedelta(0)
    interim_after: timedelta | None = 2 * MIN
    final_after: timedelta | None = 6 * MIN
    abandoned_at: datetime | None = None
    # (from this instant on, the advertised start is) — a postponed race.
    moves: Sequence[tuple[datetime, datetime]] = ()

    def start_at(self, t: datetime) -> datetime:
        start = self.start
        for since, moved_to in self.moves:
            if t >= since:
                start = moved_to
        return start

    def status_at(self, t: datetime) -> RaceStatus:
        if self.abandoned_at is not None and t >= self.abandoned_at:
            return RaceStatus.ABANDONED
        since_start = t - self.start_at(t)
        for after, status in (
            (self.final_after, RaceStatus.FINAL),
            (self.interim_after, RaceStatus.INTERIM),
            (self.closed_after, RaceStatus.CLOSED),
        ):
            if after is not None and since_start >= after:
                return status
        return RaceStatus.OPEN


@dataclass
class Run:
    """Everything the fake poller saw."""

    polls: dict[str, list[DuePoll]] = field(default_factory=dict)
    started: dict[str, list[datetime]] = field(default_factory=dict)
    finished: dict[str, Finished] = field(default_factory=dict)
    missed_deadlines: int = 0
    most_in_flight: int = 0
    steps: int = 0
    end: datetime | None = None


def drive(
    queue: PollQueue,
    scripts: Sequence[RaceScript],
    begin: datetime,
    *,
    limit: int = 8,
    poll_time: Callable[[DuePoll], timedelta] = lambda _: SEC,
    fails: Callable[[DuePoll, datetime], bool] = lambda _poll, _at: False,
    refresh_every: timedelta | None = None,
    until: datetime | None = None,
    step: timedelta = SEC,
) -> Run:
    """Step `now` from `begin` by `step` until every race stopped (or `until`).

    Each step: finish the polls whose time is up (with the status and start their race had
    when the poll started), re-track every race when a meetings refresh is due, take what is
    due up to the free slots, and ask next_due_at, as the real poller's loop does.
    """
    by_id = {script.race_id: script for script in scripts}
    run = Run()
    running: dict[str, tuple[datetime, DuePoll, datetime]] = {}
    now = begin
    next_refresh = begin

    def track_all() -> None:
        # A real list still shows stopped races: the queue must ignore them.
        for script in scripts:
            result = queue.track(script.race_id, script.start_at(now), script.status_at(now), now)
            if result is not None:
                run.finished[result.race_id] = result

    while len(run.finished) < len(scripts) or running:
        if until is not None and now > until:
            break
        for race_id, (finish_at, poll, started) in list(running.items()):
            if finish_at <= now:
                del running[race_id]
                script = by_id[race_id]
                failed = fails(poll, started)
                result = queue.finish(
                    race_id,
                    now,
                    status=None if failed else script.status_at(started).value,
                    advertised_start=None if failed else script.start_at(started),
                )
                if result is not None:
                    run.finished[race_id] = result
        if now >= next_refresh:
            track_all()
            never = datetime.max.replace(tzinfo=now.tzinfo)
            next_refresh = now + refresh_every if refresh_every is not None else never
        for poll in queue.take_due(now, limit - len(running)):
            assert poll.race_id not in running, f"{poll.race_id} handed out while in flight"
            assert poll.due_at <= now
            assert poll.race_id not in run.finished, f"{poll.race_id} polled after it stopped"
            run.polls.setdefault(poll.race_id, []).append(poll)
            run.started.setdefault(poll.race_id, []).append(now)
            if queue.missed_deadline(poll, now):
                run.missed_deadlines += 1
            running[poll.race_id] = (now + poll_time(poll), poll, now)
        assert queue.in_flight() == frozenset(running)
        run.most_in_flight = max(run.most_in_flight, len(running))
        queue.next_due_at()
        run.steps += 1
        now += step
    run.end = now
    return run
