"""Races driven through the queue by a fake poller with a fake `now`, one second at a time."""

from __future__ import annotations

import random
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta

from raceday.pipeline import DuePoll, Finished, PollQueue, RaceStatus

from .simulate import MIN, SEC, RaceScript, drive

T0 = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def band(poll: DuePoll) -> str:
    assert poll.planned_at is not None
    to_go = poll.advertised_start - poll.planned_at
    if to_go > 60 * MIN:
        return "far"
    if to_go > 15 * MIN:
        return "hour"
    if to_go > 5 * MIN:
        return "near"
    return "final" if to_go > timedelta(0) else "after"


def test_one_race_from_3_h_out_to_final_gets_the_expected_polls_per_band() -> None:
    start = T0 + 3 * HOUR
    script = RaceScript("r1", start)  # Closed at the start, Interim +2 min, Final +6 min
    queue = PollQueue(rng=random.Random(11))
    run = drive(queue, [script], T0)
    polls = run.polls["r1"]
    # The second poll is spread at random into the first 5 minutes (seeded); from there every
    # 5 min while more than 60 min to go, then exactly on the 60-min edge.
    second = start - polls[1].planned_at  # type: ignore[operator]
    assert 175 * MIN <= second < 180 * MIN
    far_after_the_first = (second - 60 * MIN - timedelta(microseconds=1)) // (5 * MIN) + 1
    assert Counter(band(p) for p in polls) == {
        "far": 1 + far_after_the_first,  # 180, then 180 - x, 175 - x … > 60 min
        "hour": 45,  # 60, 59 … 16 min
        "near": 20,  # 15:00, 14:30 … 5:30
        "final": 20,  # 5:00, 4:45 … 0:15
        "after": 17,  # 8 Closed (0:00 … 1:45), 8 Interim (2:00 … 5:30), the Final one at 6:00
    }
    assert run.finished["r1"] == Finished("r1", "final", len(polls))
    planned = {p.planned_at for p in polls}
    for edge in (60 * MIN, 15 * MIN, 5 * MIN):
        assert start - edge in planned, f"the {edge} edge was not polled exactly"
    assert [p.status for p in polls[-9:]] == [RaceStatus.CLOSED] + [RaceStatus.INTERIM] * 8
    slots = queue.deadline_slots("r1")
    assert len(slots) == 20
    assert all(slot.kept_by(run.started["r1"]) for slot in slots)
    assert run.missed_deadlines == 0


def test_a_race_postponed_in_its_last_minutes_keeps_every_slot_of_its_new_start() -> None:
    start = T0 + HOUR
    moved_to = start + 10 * MIN + 7 * SEC  # an off-grid postponement
    script = RaceScript("r1", start, moves=[(start - 3 * MIN, moved_to)])
    queue = PollQueue(rng=random.Random(12))
    run = drive(queue, [script], T0)
    assert run.finished["r1"].reason == "final"
    assert queue.tracked()["r1"].advertised_start == moved_to
    slots = queue.deadline_slots("r1")
    assert len(slots) == 20
    assert all(slot.kept_by(run.started["r1"]) for slot in slots)
    finals = [p for p in run.polls["r1"] if p.advertised_start == moved_to and band(p) == "final"]
    assert len(finals) == 20


def test_a_race_never_final_is_capped_after_90_minutes() -> None:
    start = T0 + 10 * MIN
    script = RaceScript("r1", start, interim_after=None, final_after=None)
    queue = PollQueue(rng=random.Random(13))
    run = drive(queue, [script], T0)
    finished = run.finished["r1"]
    assert finished.reason == "capped"
    last = run.polls["r1"][-1]
    assert last.planned_at == start + 90 * MIN - 15 * SEC
    assert finished.polls == len(run.polls["r1"]) == 10 + 20 + 360  # near, final, after


def test_a_poller_that_is_behind_keeps_the_nearest_races_on_time() -> None:
    # 40 races 3 min apart, and 300 more in the evening polled every 5 min: 1 far poll a second
    # on top of the rest, for a poller doing 2 polls of 2 s at a time (1 a second). It is
    # behind all day, but the races in their last minutes come first and keep every slot.
    soon = [RaceScript(f"soon{n:02}", T0 + HOUR + n * 3 * MIN) for n in range(40)]
    later = [RaceScript(f"late{n:03}", T0 + 10 * HOUR + n * SEC) for n in range(300)]
    queue = PollQueue(rng=random.Random(14))
    run = drive(queue, soon + later, T0, limit=2, poll_time=lambda _: 2 * SEC, until=T0 + 4 * HOUR)
    assert all(run.finished[script.race_id].reason == "final" for script in soon)
    late_far_polls = [
        poll
        for script in later
        for poll, at in zip(
            run.polls.get(script.race_id, []), run.started.get(script.race_id, []), strict=True
        )
        if queue.missed_deadline(poll, at)
    ]
    assert len(late_far_polls) > 300  # it really was behind, for hours
    assert not any(poll.strict for poll in late_far_polls)
    for script in soon:
        slots = queue.deadline_slots(script.race_id)
        assert len(slots) == 20
        assert all(slot.kept_by(run.started[script.race_id]) for slot in slots), script.race_id


def test_a_day_of_700_races_stepped_second_by_second() -> None:
    # The poller's inner loop for a whole day: every race tracked at 06:00 and re-tracked by a
    # meetings refresh every 12 min, starts on whole minutes (so races share band edges), polls
    # taking 1-3 s, 8 at a time, some postponed, some abandoned, one poll in 200 failing.
    # Timing is measured by bench_queue.py, not asserted.
    rng = random.Random(700)
    day_start = T0 + 6 * HOUR
    scripts = []
    for n in range(700):
        start = day_start + HOUR + rng.randrange(0, 15 * 60) * MIN
        moves = []
        if n % 50 == 0:
            moves = [(start - 20 * MIN, start + rng.randrange(1, 15) * MIN)]
        scripts.append(
            RaceScript(
                f"race-{n:03}",
                start,
                interim_after=timedelta(seconds=rng.randrange(60, 180)),
                final_after=timedelta(seconds=rng.randrange(200, 600)),
                abandoned_at=start - 30 * MIN if n % 97 == 0 else None,
                moves=moves,
            )
        )
    queue = PollQueue(rng=random.Random(701))
    durations = random.Random(702)
    run = drive(
        queue,
        scripts,
        day_start,
        limit=8,
        poll_time=lambda _: timedelta(seconds=durations.choice([1, 1, 2, 3])),
        fails=lambda poll, at: zlib.crc32(f"{poll.race_id} {at}".encode()) % 200 == 0,
        refresh_every=12 * MIN,
    )
    reasons = Counter(f.reason for f in run.finished.values())
    assert reasons == {"final": 700 - 8, "abandoned": 8}
    assert run.most_in_flight == 8
    for script in scripts:
        if script.abandoned_at is None:
            slots = queue.deadline_slots(script.race_id)
            assert len(slots) == 20
            assert all(slot.kept_by(run.started[script.race_id]) for slot in slots)
    late = [
        (poll, at)
        for race_id, polls in run.polls.items()
        for poll, at in zip(polls, run.started[race_id], strict=True)
        if queue.missed_deadline(poll, at)
    ]
    assert not any(poll.strict for poll, _ in late)
    # The start-up herd (700 first polls at 06:00) takes minutes; after it, lateness comes only
    # from races sharing a whole-minute edge, and stays rare.
    total = sum(len(polls) for polls in run.polls.values())
    after_herd = [poll for poll, at in late if at > day_start + 10 * MIN]
    assert len(after_herd) < total / 100
    stats = queue.stats()
    assert (stats.active, stats.in_flight, stats.waiting) == (0, 0, 0)
    assert stats.heap_entries <= 3 * 700 + 1024  # lazy invalidation stays bounded
