"""PollQueue behaviour, case by case: planning, stopping, priority, jitter, catch-up, errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.pipeline import CadenceRules, Finished, PollQueue, RaceStatus

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)
MIN = timedelta(minutes=1)
CAP = timedelta(minutes=90)
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def exact_queue(**kwargs: object) -> PollQueue:
    """No jitter and no spreading, so planned instants are due instants, on the exact grid."""
    return PollQueue(rng=random.Random(1), jitter=0.0, spread=False, **kwargs)  # type: ignore[arg-type]


def poll_once(
    queue: PollQueue,
    race_id: str,
    now: datetime,
    status: RaceStatus | str | None = "Open",
    took: timedelta = timedelta(0),
) -> Finished | None:
    assert race_id in {p.race_id for p in queue.take_due(now, 100)}
    return queue.finish(race_id, now + took, status=status)


# -- the first poll and the plan --------------------------------------------------------------


def test_a_new_race_is_due_now_and_handed_out_once() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 3 * 60 * MIN, "Open", T0, meeting_id="m1")
    assert queue.next_due_at() == T0
    [poll] = queue.take_due(T0, 5)
    assert (poll.race_id, poll.due_at, poll.attempt, poll.meeting_id) == ("r1", T0, 1, "m1")
    assert poll.status is RaceStatus.OPEN
    assert queue.in_flight() == {"r1"}
    assert queue.take_due(T0 + 10 * MIN, 5) == []  # in flight: never handed out twice
    assert queue.next_due_at() is None
    assert queue.finish("r1", T0 + SEC, status="Open") is None
    assert queue.in_flight() == frozenset()
    assert queue.next_due_at() == T0 + 5 * MIN


def test_a_race_at_61_min_is_polled_at_60_min_then_every_60_s() -> None:
    queue = exact_queue()
    start = T0 + 61 * MIN
    queue.track("r1", start, "Open", T0)
    poll_once(queue, "r1", T0)
    assert queue.next_due_at() == start - 60 * MIN
    poll_once(queue, "r1", start - 60 * MIN)
    assert queue.next_due_at() == start - 59 * MIN


def test_slow_polls_do_not_make_the_cadence_drift() -> None:
    queue = exact_queue()
    start = T0 + 50 * MIN
    queue.track("r1", start, "Open", T0)
    due = T0
    for _ in range(10):
        poll_once(queue, "r1", due, took=40 * SEC)  # each poll takes 40 s of its 60
        assert queue.next_due_at() == due + 60 * SEC
        due += 60 * SEC


def test_a_poll_that_ran_late_is_planned_once_at_now_without_a_burst() -> None:
    queue = PollQueue(rng=random.Random(3), spread=False)  # a catch-up poll carries no jitter
    start = T0 + 10 * MIN  # near band, every 30 s
    queue.track("r1", start, "Open", T0)
    [first] = queue.take_due(T0 + 2 * SEC, 1)
    assert first.planned_at == T0
    late = T0 + 95 * SEC  # three planned polls missed
    queue.finish("r1", late, status="Open")
    race = queue.tracked()["r1"]
    assert race.next_planned == race.next_due == late
    [catch_up] = queue.take_due(late, 10)
    queue.finish("r1", late + SEC, status="Open")
    following = queue.tracked()["r1"].next_planned
    assert catch_up.planned_at == late
    assert following == late + 30 * SEC  # back to the cadence, no burst
    assert queue.take_due(late + SEC, 10) == []


def test_a_moved_start_re_plans_the_next_poll() -> None:
    queue = exact_queue()
    start = T0 + 2 * 60 * MIN
    queue.track("r1", start, "Open", T0)
    poll_once(queue, "r1", T0)
    assert queue.next_due_at() == T0 + 5 * MIN
    # Brought forward to 20 min away: the hour band, planned from the last poll.
    queue.track("r1", T0 + 20 * MIN, "Open", T0 + MIN)
    assert queue.next_due_at() == T0 + MIN  # T0 + 60 s lies in the past: now
    # Postponed far away again: back to every 5 min from the last planned poll.
    queue.track("r1", start + 60 * MIN, "Open", T0 + MIN + SEC)
    assert queue.next_due_at() == T0 + 5 * MIN
    assert queue.tracked()["r1"].advertised_start == start + 60 * MIN


def test_a_start_moved_while_in_flight_is_used_by_finish() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 2 * 60 * MIN, "Open", T0)
    queue.take_due(T0, 1)
    queue.track("r1", T0 + 10 * MIN, "Open", T0)
    assert queue.next_due_at() is None
    queue.finish("r1", T0 + SEC, status="Open")
    assert queue.next_due_at() == T0 + 30 * SEC


def test_the_body_start_wins_at_finish() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 2 * 60 * MIN, "Open", T0)
    queue.take_due(T0, 1)
    queue.finish("r1", T0 + SEC, status="Open", advertised_start=T0 + 3 * MIN)
    assert queue.tracked()["r1"].advertised_start == T0 + 3 * MIN
    assert queue.next_due_at() == T0 + 15 * SEC


# -- stopping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "reason"), [("FINAL", "final"), ("abandoned", "abandoned")])
def test_final_and_abandoned_stop_and_are_never_resurrected(status: str, reason: str) -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 5 * MIN, "Open", T0)
    poll_once(queue, "r1", T0)
    finished = poll_once(queue, "r1", T0 + 15 * SEC, status=status)
    assert finished == Finished("r1", reason, 2)  # type: ignore[arg-type]
    for later_status in ("Open", "Interim", "Final"):
        assert queue.track("r1", T0 + 60 * MIN, later_status, T0 + MIN) is None
    assert queue.next_due_at() is None
    assert queue.tracked()["r1"].stopped == reason
    assert queue.take_due(T0 + 2 * 60 * MIN, 10) == []


def test_a_race_never_final_stops_capped_before_start_plus_cap() -> None:
    queue = exact_queue()
    start = T0 + 4 * MIN
    queue.track("r1", start, "Open", T0)
    now, finished, polls = T0, None, 0
    while finished is None:
        [poll] = queue.take_due(now, 1)
        assert poll.planned_at is not None and poll.planned_at < start + CAP
        polls += 1
        finished = queue.finish("r1", now + SEC, status="Closed")
        due = queue.next_due_at()
        now = due if due is not None else now
    assert finished == Finished("r1", "capped", polls)
    assert now == start + CAP - 15 * SEC  # the last poll
    assert queue.stats(now).capped == 1


def test_a_new_race_past_its_cap_is_stopped_at_once() -> None:
    queue = exact_queue()
    finished = queue.track("r1", T0 - CAP, "Closed", T0)
    assert finished == Finished("r1", "capped", 0)
    assert queue.next_due_at() is None


def test_interim_is_polled_every_30_s_until_final() -> None:
    queue = exact_queue()
    start = T0
    queue.track("r1", start, "Closed", T0 + MIN)
    poll_once(queue, "r1", T0 + MIN, status="Interim")
    assert queue.next_due_at() == T0 + MIN + 30 * SEC
    assert poll_once(queue, "r1", T0 + MIN + 30 * SEC, status="Final") == Finished("r1", "final", 2)


# -- catch-up after a restart (the addendum) -------------------------------------------------


@pytest.mark.parametrize(("status", "reason"), [("Final", "final"), ("Abandoned", "abandoned")])
def test_an_unknown_settled_looking_race_gets_one_closing_poll(status: str, reason: str) -> None:
    queue = exact_queue()
    assert queue.track("r1", T0 - 5 * 60 * MIN, status, T0) is None  # long past its cap
    [poll] = queue.take_due(T0, 5)
    assert poll.status == RaceStatus.parse(status)  # the poller asks results and dividends
    assert queue.finish("r1", T0 + SEC, status=status) == Finished("r1", reason, 1)  # type: ignore[arg-type]
    assert queue.take_due(T0 + 60 * MIN, 5) == []


def test_settled_true_stops_a_known_settled_race_without_a_poll() -> None:
    queue = exact_queue()
    assert queue.track("r1", T0 - MIN, "Final", T0, settled=True) == Finished("r1", "final", 0)
    assert queue.next_due_at() is None
    assert queue.track("r1", T0 - MIN, "Final", T0) is None  # and it stays stopped


def test_a_closing_poll_that_keeps_failing_is_given_up() -> None:
    rules = CadenceRules(closing_attempts=3)
    queue = PollQueue(rules, rng=random.Random(1), jitter=0.0)
    queue.track("r1", T0 - 60 * MIN, "Final", T0)
    now, results = T0, []
    for _ in range(3):
        [poll] = queue.take_due(now, 1)
        results.append(queue.finish("r1", now, status=None))
        now = queue.next_due_at() or now
    assert poll.attempt == 3
    assert results[:2] == [None, None]
    assert results[2] == Finished("r1", "capped", 3)


def test_a_closing_poll_whose_body_is_not_final_resumes_the_cadence() -> None:
    queue = exact_queue()
    queue.track("r1", T0 - MIN, "Final", T0)  # the list says Final …
    assert len(queue.take_due(T0, 1)) == 1
    assert queue.finish("r1", T0 + SEC, status="Interim") is None  # … the race's body does not
    assert queue.tracked()["r1"].status is RaceStatus.INTERIM
    assert queue.next_due_at() == T0 + 30 * SEC


def test_a_known_race_the_list_says_is_final_gets_its_closing_poll_now() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 30 * SEC, "Open", T0)
    poll_once(queue, "r1", T0, status="Interim")
    assert queue.next_due_at() == T0 + 30 * SEC
    queue.track("r1", T0 + 30 * SEC, "Final", T0 + 10 * SEC)
    assert queue.next_due_at() == T0 + 10 * SEC
    assert poll_once(queue, "r1", T0 + 10 * SEC, status="Final") == Finished("r1", "final", 2)


def test_a_known_race_the_list_says_is_settled_stops_at_once() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 30 * SEC, "Open", T0)
    poll_once(queue, "r1", T0, status="Interim")
    finished = queue.track("r1", T0 + 30 * SEC, "Final", T0 + 10 * SEC, settled=True)
    assert finished == Finished("r1", "final", 1)
    assert queue.next_due_at() is None


def test_a_capped_race_later_listed_final_gets_a_closing_poll() -> None:
    queue = exact_queue()
    assert queue.track("r1", T0 - CAP - MIN, "Closed", T0) == Finished("r1", "capped", 0)
    assert queue.track("r1", T0 - CAP - MIN, "Closed", T0 + MIN) is None  # unchanged: stays
    queue.track("r1", T0 - CAP - MIN, "Final", T0 + 2 * MIN)
    assert queue.stats().capped == 0
    assert poll_once(queue, "r1", T0 + 2 * MIN, status="Final") == Finished("r1", "final", 1)


def test_a_capped_race_whose_start_moves_within_the_cap_is_polled_again() -> None:
    queue = exact_queue()
    queue.track("r1", T0 - CAP - MIN, "Open", T0)
    queue.track("r1", T0 + 20 * MIN, "Open", T0 + MIN)  # postponed, after all
    assert queue.tracked()["r1"].stopped is None
    assert queue.next_due_at() == T0 + MIN


# -- tracking on every refresh ----------------------------------------------------------------


def test_tracking_an_unchanged_race_disturbs_nothing() -> None:
    rng = random.Random(5)
    queue = PollQueue(rng=rng)
    queue.track("r1", T0 + 2 * 60 * MIN, "Open", T0)
    poll_once(queue, "r1", T0 + 2 * SEC)
    before = (queue.tracked()["r1"], rng.getstate(), queue.stats().heap_entries)
    for n in range(200):
        queue.track("r1", T0 + 2 * 60 * MIN, "Open", T0 + n * SEC, meeting_id=None)
    assert (queue.tracked()["r1"], rng.getstate(), queue.stats().heap_entries) == before


def test_a_stale_list_never_rolls_a_status_back() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 10 * MIN, "Open", T0)
    poll_once(queue, "r1", T0, status="Closed")
    planned = queue.tracked()["r1"].next_planned
    queue.track("r1", T0 + 10 * MIN, "Open", T0 + SEC)
    assert queue.tracked()["r1"].status is RaceStatus.CLOSED
    assert queue.tracked()["r1"].next_planned == planned


def test_a_start_moved_before_the_first_poll_keeps_that_poll_but_re_ranks_it() -> None:
    queue = exact_queue()
    queue.track("far", T0 + 3 * 60 * MIN, "Open", T0)
    queue.track("near", T0 + 2 * 60 * MIN, "Open", T0)
    assert queue.take_due(T0, 0) == []  # both found due, ranked, none taken (behind)
    queue.track("far", T0 + 10 * MIN, "Open", T0)  # moved before its first poll
    assert queue.tracked()["far"].next_due == T0
    assert [p.race_id for p in queue.take_due(T0, 1)] == ["far"]


# -- failures ---------------------------------------------------------------------------------


def test_a_failed_poll_is_retried_sooner_with_backoff_and_counts_attempts() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 3 * 60 * MIN, "Open", T0)  # every 5 min
    now = T0
    for attempt, retry in [(1, 15), (2, 30), (3, 60), (4, 120), (5, 240)]:
        [poll] = queue.take_due(now, 1)
        assert poll.attempt == attempt
        queue.finish("r1", now, status=None)
        due = queue.next_due_at()
        assert due is not None
        assert due - now == min(retry * SEC, poll.planned_at + 5 * MIN - now)  # type: ignore[operator]
        now = due
    [poll] = queue.take_due(now, 1)
    queue.finish("r1", now, status="Open")
    assert queue.tracked()["r1"].failures == 0
    assert queue.tracked()["r1"].polls == 6


def test_a_failed_poll_in_the_final_minutes_keeps_the_15_s_grid() -> None:
    queue = exact_queue()
    start = T0 + 3 * MIN
    queue.track("r1", start, "Open", T0)
    poll_once(queue, "r1", T0, status=None)
    assert queue.next_due_at() == T0 + 15 * SEC


# -- priority when behind ---------------------------------------------------------------------


def test_when_behind_started_races_and_closing_polls_come_first_then_the_nearest() -> None:
    queue = exact_queue()
    now = T0 + 10 * MIN
    queue.track("closing", T0 - 60 * MIN, "Final", T0)
    queue.track("far", T0 + 3 * 60 * MIN, "Open", T0)
    queue.track("soon_late", T0 + 12 * MIN, "Open", T0 + 2 * SEC)
    queue.track("soon_early", T0 + 12 * MIN, "Open", T0 + SEC)
    queue.track("started", T0 + 9 * MIN, "Closed", T0 + 3 * SEC)  # starts before `now`
    queue.track("interim", T0, "Interim", T0 + 4 * SEC)
    order = [p.race_id for p in queue.take_due(now, 3)]
    # Started races and the closing poll (results of a race already settled) by due time.
    assert order == ["closing", "started", "interim"]
    order += [p.race_id for p in queue.take_due(now, 2)]
    order += [p.race_id for p in queue.take_due(now, 10)]
    assert order == ["closing", "started", "interim", "soon_early", "soon_late", "far"]


def test_a_race_found_due_before_its_start_ranks_as_started_once_it_starts() -> None:
    queue = exact_queue()
    queue.track("a", T0 + 20 * MIN, "Open", T0)
    queue.track("b", T0 + 10 * SEC, "Open", T0 + SEC)
    queue.track("c", T0 + 30 * SEC, "Open", T0 + 2 * SEC)
    assert queue.take_due(T0 + 5 * SEC, 0) == []  # all found due; none taken
    assert queue.next_due_at() == T0
    # At T0 + 40 s both b and c have started: they tie as started, by due time (b first), and
    # both beat a.
    assert [p.race_id for p in queue.take_due(T0 + 40 * SEC, 3)] == ["b", "c", "a"]


def test_limit_is_honoured_and_validated() -> None:
    queue = exact_queue()
    for n in range(10):
        queue.track(f"r{n}", T0 + n * MIN, "Open", T0)
    assert len(queue.take_due(T0, 3)) == 3
    assert len(queue.take_due(T0, 0)) == 0
    assert len(queue.take_due(T0, 100)) == 7
    with pytest.raises(ValueError, match="limit"):
        queue.take_due(T0, -1)


def test_time_going_back_never_hands_out_a_race_not_yet_due() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 3 * 60 * MIN, "Open", T0 + MIN)
    assert queue.take_due(T0 + 2 * MIN, 0) == []  # found due at T0 + 2 min
    assert queue.take_due(T0, 5) == []  # the clock stepped back before its due time
    assert [p.race_id for p in queue.take_due(T0 + MIN, 5)] == ["r1"]


# -- jitter -----------------------------------------------------------------------------------


@given(
    seed=st.integers(0, 2**32),
    jitter=st.floats(0, 1),
    max_jitter_ms=st.integers(0, 60_000),
    to_go_s=st.integers(-80 * 60, 4 * 60 * 60),
)
@PROPERTY
def test_jitter_is_bounded_and_never_carries_a_poll_past_its_deadline(
    seed: int, jitter: float, max_jitter_ms: int, to_go_s: int
) -> None:
    max_jitter = timedelta(milliseconds=max_jitter_ms)
    queue = PollQueue(rng=random.Random(seed), jitter=jitter, max_jitter=max_jitter)
    start = T0 + to_go_s * SEC
    queue.track("r1", start, "Open", T0 - 2 * 60 * MIN)
    assert len(queue.take_due(T0 - 2 * 60 * MIN + MIN, 1)) == 1
    queue.finish("r1", T0 - 2 * 60 * MIN + MIN, status="Open")
    now = queue.tracked()["r1"].next_planned
    while now is not None and now < T0 + 10 * MIN:
        [poll] = queue.take_due(queue.next_due_at() or now, 1)
        assert poll.planned_at is not None
        delay = poll.due_at - poll.planned_at
        queue.finish("r1", poll.due_at, status="Open")
        following = queue.tracked()["r1"].next_planned
        if following is None:
            break
        step = following - poll.planned_at
        bound = max(timedelta(0), min(step * jitter, max_jitter, step - 5 * SEC))
        assert timedelta(0) <= delay <= bound
        # Started at the latest allowed instant, the poll still starts before the next plan.
        assert poll.due_at + queue.rules.deadline_slack <= following or delay == timedelta(0)
        now = following


def test_jitter_is_deterministic_with_a_seed_and_varies_between_seeds() -> None:
    def due_times(seed: int) -> list[datetime]:
        queue = PollQueue(rng=random.Random(seed))
        for n in range(20):
            queue.track(f"r{n}", T0 + (n + 1) * 7 * MIN, "Open", T0)
        return [queue.tracked()[f"r{n}"].next_due for n in range(20)]  # type: ignore[misc]

    assert due_times(42) == due_times(42)
    assert due_times(42) != due_times(43)
    spread = due_times(42)
    assert all(T0 <= due <= T0 + 2 * SEC for due in spread)
    assert len(set(spread)) == 20  # the start-up herd is spread out


def test_final_minutes_jitter_stays_inside_each_15_s_slot() -> None:
    queue = PollQueue(
        rng=random.Random(9), jitter=1.0, max_jitter=timedelta(seconds=30), spread=False
    )
    start = T0 + 5 * MIN
    queue.track("r1", start, "Open", T0 - MIN)
    polls = []
    while (due := queue.next_due_at()) is not None and due < start:
        [poll] = queue.take_due(due, 1)  # each poll starts the instant it is due
        queue.finish("r1", due, status="Open")
        polls.append(poll)
    slots = queue.deadline_slots("r1")
    in_window = [poll for poll in polls if poll.planned_at >= T0]  # type: ignore[operator]
    assert [poll.planned_at for poll in in_window] == [slot.at for slot in slots]
    for n, (poll, slot) in enumerate(zip(in_window, slots, strict=True)):
        # 15 s slot - 5 s slack: jitter of at most 10 s even when 30 s were asked for, so a
        # poll started `deadline_slack` after its due time still starts inside its slot.
        assert slot.at <= poll.due_at <= slot.at + 10 * SEC
        assert poll.due_at + queue.rules.deadline_slack <= slot.latest_start
        assert slot.latest_start <= slot.at + 15 * SEC
        assert n + 1 == len(slots) or slot.latest_start <= slots[n + 1].at
    assert max(poll.due_at - poll.planned_at for poll in in_window) > 5 * SEC  # type: ignore[operator]


# -- deadlines and slots ----------------------------------------------------------------------


def test_missed_deadline_is_more_than_5_s_late() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 3 * MIN, "Open", T0)
    [poll] = queue.take_due(T0, 1)
    assert not queue.missed_deadline(poll, T0 + 5 * SEC)
    assert queue.missed_deadline(poll, T0 + 5 * SEC + timedelta(microseconds=1))


def test_deadline_slots_leave_out_those_before_the_race_was_tracked() -> None:
    queue = PollQueue(rng=random.Random(1))
    queue.track("r1", T0 + 2 * MIN + 7 * SEC, "Open", T0)
    slots = queue.deadline_slots("r1")
    assert [T0 + 2 * MIN + 7 * SEC - slot.at for slot in slots] == [
        timedelta(seconds=s) for s in range(120, 0, -15)
    ]
    assert all(s.latest_start == s.at + timedelta(seconds=6.5) for s in slots)
    with pytest.raises(ValueError, match="r2"):
        queue.deadline_slots("r2")


# -- bad input and bookkeeping ----------------------------------------------------------------


def test_bad_input_is_refused_naming_what_and_where() -> None:
    queue = exact_queue()
    naive = datetime(2026, 12, 3, 1, 0)
    with pytest.raises(ValueError, match=r"advertised_start .*race 'r1'"):
        queue.track("r1", naive, "Open", T0)
    with pytest.raises(ValueError, match=r"now .*race 'r1'"):
        queue.track("r1", T0, "Open", naive)
    with pytest.raises(ValueError, match="race_id"):
        queue.track("", T0, "Open", T0)
    with pytest.raises(ValueError, match="now"):
        queue.take_due(naive, 1)
    with pytest.raises(ValueError, match=r"finish\('r9'\).*in flight"):
        queue.finish("r9", T0, status="Open")
    queue.track("r1", T0 + MIN, "Open", T0)
    with pytest.raises(ValueError, match=r"finish\('r1'\).*in flight"):
        queue.finish("r1", T0, status="Open")
    with pytest.raises(ValueError, match="jitter"):
        PollQueue(jitter=1.5)
    with pytest.raises(ValueError, match="max_jitter"):
        PollQueue(max_jitter=-SEC)


def test_stats_count_what_the_queue_holds() -> None:
    queue = exact_queue()
    queue.track("a", T0 + 3 * 60 * MIN, "Open", T0)
    queue.track("b", T0 + 60 * MIN, "Open", T0 + 10 * SEC)
    queue.track("c", T0 - MIN, "Final", T0, settled=True)
    queue.take_due(T0, 1)
    stats = queue.stats(T0 + 30 * SEC)
    assert (stats.tracked, stats.active, stats.in_flight, stats.waiting) == (3, 2, 1, 1)
    assert (stats.due_now, stats.behind, stats.final) == (1, 20 * SEC, 1)
    assert queue.stats(T0).due_now == 0


def test_forget_stopped_drops_old_stopped_races_only() -> None:
    queue = exact_queue()
    queue.track("old", T0 - 3 * 60 * MIN, "Final", T0, settled=True)
    queue.track("live", T0 - 3 * 60 * MIN + MIN, "Open", T0 - 3 * 60 * MIN)
    assert queue.forget_stopped(T0) == 1
    assert set(queue.tracked()) == {"live"}
    assert queue.stats().final == 0


def test_tracked_is_a_read_only_view() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + MIN, "Open", T0)
    view = queue.tracked()
    assert list(view) == ["r1"] and len(view) == 1
    with pytest.raises(TypeError):
        view["r1"] = view["r1"]  # type: ignore[index]


# -- spreading herds, re-phasing late polls, strict polls --------------------------------------


def test_races_tracked_together_are_spread_after_their_first_poll() -> None:
    def second_polls(seed: int) -> list[datetime]:
        queue = PollQueue(rng=random.Random(seed))
        for n in range(50):
            queue.track(f"r{n}", T0 + 3 * 60 * MIN + n * MIN, "Open", T0)
        for poll in queue.take_due(T0 + 2 * SEC, 50):
            queue.finish(poll.race_id, T0 + 3 * SEC, status="Open")
        planned = [race.next_planned for race in queue.tracked().values()]
        return sorted(at for at in planned if at is not None)

    planned = second_polls(4)
    assert planned == second_polls(4)
    assert all(T0 < at <= T0 + 5 * MIN for at in planned)
    assert len(set(planned)) == 50
    # Spread over the whole 5 minutes, not bunched: every minute of it holds some.
    assert {(at - T0) // MIN for at in planned} == {0, 1, 2, 3, 4}


def test_a_race_within_15_min_is_not_spread() -> None:
    queue = PollQueue(rng=random.Random(4), jitter=0.0)
    queue.track("r1", T0 + 10 * MIN, "Open", T0)
    poll_once(queue, "r1", T0)
    assert queue.tracked()["r1"].next_planned == T0 + 30 * SEC


def test_a_poll_handed_out_late_re_phases_the_cadence_a_punctual_one_does_not() -> None:
    queue = exact_queue()
    queue.track("r1", T0 + 3 * 60 * MIN, "Open", T0)
    poll_once(queue, "r1", T0 + 5 * SEC)  # within the slack: the grid holds
    assert queue.tracked()["r1"].next_planned == T0 + 5 * MIN
    poll_once(queue, "r1", T0 + 5 * MIN + 40 * SEC)  # the poller was behind by 40 s
    assert queue.tracked()["r1"].next_planned == T0 + 10 * MIN + 40 * SEC


def test_only_polls_of_the_last_5_minutes_are_strict() -> None:
    queue = exact_queue()
    start = T0 + 6 * MIN
    queue.track("r1", start, "Open", T0)
    strict = {}
    now = T0
    while now < start + MIN:
        [poll] = queue.take_due(now, 1)
        strict[start - poll.planned_at] = poll.strict  # type: ignore[operator]
        queue.finish("r1", now, status="Open")
        now = queue.next_due_at()  # type: ignore[assignment]
    assert [to_go for to_go, is_strict in strict.items() if is_strict] == [
        timedelta(seconds=s) for s in range(300, 0, -15)
    ]
    assert not strict[6 * MIN] and not strict[timedelta(0)]
