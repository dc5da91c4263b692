"""PollQueue under random sequences of track / take_due / finish / time steps (hypothesis).

Checked after every step, against brute force over `tracked()`: nothing is handed out twice
while in flight; `limit` is honoured and nothing due is left behind while there was room; when
behind, what is handed out outranks what is left (started and not Final, then nearest start,
ties by due time; closing polls rank with the started races); next_due_at is the earliest due time; every active race
has exactly one plan and a stopped race none; no poll is planned at or after start + cap.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from raceday.pipeline import PollQueue, RaceStatus, TrackedRace

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)
CAP = timedelta(minutes=90)
RACES = [f"r{n}" for n in range(8)]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

statuses = st.sampled_from(["Open", "Closed", "Interim", "Final", "Abandoned", "open", ""])
starts = st.integers(-100 * 60, 4 * 60 * 60).map(lambda s: s * SEC)


def rank(race: TrackedRace, now: datetime) -> tuple[int, datetime, datetime]:
    assert race.next_due is not None
    if race.status.is_terminal or race.advertised_start <= now:
        return (0, EPOCH, race.next_due)
    return (1, race.advertised_start, race.next_due)


class QueueMachine(RuleBasedStateMachine):
    @initialize(
        seed=st.integers(0, 1000), jitter=st.sampled_from([0.0, 0.1, 0.5]), limit=st.integers(1, 4)
    )
    def setup(self, seed: int, jitter: float, limit: int) -> None:
        self.queue = PollQueue(rng=random.Random(seed), jitter=jitter)
        self.now = T0
        self.limit = limit
        self.handed_out: set[str] = set()

    def due_races(self) -> dict[str, TrackedRace]:
        return {
            race_id: race
            for race_id, race in self.queue.tracked().items()
            if race.next_due is not None and race.next_due <= self.now
        }

    @rule(race=st.sampled_from(RACES), start=starts, status=statuses, settled=st.booleans())
    def track(self, race: str, start: timedelta, status: str, settled: bool) -> None:
        before = self.queue.tracked().get(race)
        finished = self.queue.track(race, T0 + start, status, self.now, settled=settled)
        after = self.queue.tracked()[race]
        if finished is not None:
            assert after.stopped == finished.reason
            assert before is None or before.stopped is None or before.stopped == "capped"
        if before is not None and before.stopped in ("final", "abandoned"):
            assert after.stopped == before.stopped and after.next_due is None

    @rule(seconds=st.sampled_from([0, 1, 5, 15, 40, 300, 3600]))
    def advance(self, seconds: int) -> None:
        self.now += seconds * SEC

    @rule(seconds=st.integers(1, 30))
    def rewind(self, seconds: int) -> None:
        self.now -= seconds * SEC

    @rule(limit=st.integers(0, 4))
    def take(self, limit: int) -> None:
        due = self.due_races()
        polls = self.queue.take_due(self.now, limit)
        ids = [poll.race_id for poll in polls]
        assert len(ids) == len(set(ids))
        assert len(ids) == min(limit, len(due)), "limit not honoured or due races left behind"
        assert not set(ids) & self.handed_out, "handed out while in flight"
        assert set(ids) <= set(due)
        taken = [rank(due[race_id], self.now) for race_id in ids]
        left = [rank(race, self.now) for race_id, race in due.items() if race_id not in ids]
        if taken and left:
            assert max(taken) <= min(left), "a lower-ranked race went first"
        assert taken == sorted(taken)
        for poll in polls:
            assert poll.due_at <= self.now
            assert poll.due_at == due[poll.race_id].next_due
        self.handed_out |= set(ids)

    @precondition(lambda self: bool(self.handed_out))
    @rule(
        data=st.data(),
        status=st.one_of(st.none(), statuses),
        moved=st.one_of(st.none(), starts),
        took=st.integers(0, 60),
    )
    def finish(
        self, data: st.DataObject, status: str | None, moved: timedelta | None, took: int
    ) -> None:
        race = data.draw(st.sampled_from(sorted(self.handed_out)))
        self.now += took * SEC
        finished = self.queue.finish(
            race,
            self.now,
            status=status,
            advertised_start=None if moved is None else T0 + moved,
        )
        self.handed_out.discard(race)
        after = self.queue.tracked()[race]
        assert not after.in_flight
        if finished is not None:
            assert after.stopped == finished.reason and after.next_due is None
            if status is not None and RaceStatus.parse(status).is_terminal:
                assert finished.reason == ("final" if status == "Final" else "abandoned")
        else:
            assert after.next_due is not None and after.next_due >= self.now

    @invariant()
    def consistent(self) -> None:
        if not hasattr(self, "queue"):
            return
        tracked = self.queue.tracked()
        assert self.queue.in_flight() == frozenset(self.handed_out)
        waiting = []
        for race_id, race in tracked.items():
            assert race.in_flight == (race_id in self.handed_out)
            if race.stopped is not None or race.in_flight:
                assert race.next_due is None and race.next_planned is None
            else:
                assert race.next_due is not None and race.next_planned is not None
                assert race.next_planned <= race.next_due
                waiting.append(race.next_due)
                if race.polls and not race.status.is_terminal:
                    assert race.next_planned < race.advertised_start + CAP
        assert self.queue.next_due_at() == (min(waiting) if waiting else None)
        stats = self.queue.stats(self.now)
        assert stats.waiting == len(waiting)
        assert stats.due_now == len(self.due_races())


QueueMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=50, deadline=None, database=None
)
TestQueueMachine = QueueMachine.TestCase
