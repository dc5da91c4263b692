"""A body depends only on (options, race, the 15-second tick of the instant): never on which
instants were asked for before, or in what order, or on hash randomisation."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raceday.demo import DayOptions, SimulatedDay
from raceday.demo.formats import TICK_S

# Small enough to build fresh days per example, with every scenario in it.
OPTIONS = DayOptions(day=date(2026, 9, 27), seed=4, meetings=4, races_per_meeting=5, runners=8)
RACES = SimulatedDay(OPTIONS).races

queries = st.lists(
    st.tuples(
        st.integers(0, len(RACES) - 1),
        st.integers(-5 * 3600, 3600),  # seconds from the scheduled start
        st.integers(0, 999_999),  # microseconds
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries=queries, order=st.randoms(use_true_random=False))
def test_any_instants_in_any_order_give_the_same_bodies(
    queries: list[tuple[int, int, int]], order: random.Random
) -> None:
    asked = [
        (RACES[i].race_id, RACES[i].scheduled_start + timedelta(seconds=s, microseconds=us))
        for i, s, us in queries
    ]
    one, other = SimulatedDay(OPTIONS), SimulatedDay(OPTIONS)
    in_order = [one.race_event_data(race_id, at) for race_id, at in asked]
    shuffled = list(enumerate(asked))
    order.shuffle(shuffled)
    answers = {k: other.race_event_data(race_id, at) for k, (race_id, at) in shuffled}
    assert in_order == [answers[k] for k in range(len(asked))]
    # Asking again, after everything else, changes nothing either.
    assert [one.race_event_data(r, at) for r, at in asked] == in_order


@settings(max_examples=25, deadline=None)
@given(race=st.integers(0, len(RACES) - 1), second=st.integers(-4 * 3600, 1800))
def test_every_instant_of_a_tick_shows_the_same_body(race: int, second: int) -> None:
    day = SimulatedDay(OPTIONS)
    target = RACES[race]
    start = target.scheduled_start + timedelta(seconds=second)
    tick = start - timedelta(seconds=start.timestamp() % TICK_S, microseconds=start.microsecond)
    body = day.race_event_data(target.race_id, tick)
    for offset in (0.000001, 7.5, TICK_S - 0.000001):
        assert day.race_event_data(target.race_id, tick + timedelta(seconds=offset)) == body


def test_the_money_tracker_moves_from_tick_to_tick_before_the_jump() -> None:
    day = SimulatedDay(OPTIONS)
    race = next(r for r in RACES if r.jump_at is not None)
    ticks = [race.start - timedelta(seconds=TICK_S * k) for k in range(1, 40)]
    trackers = [json.dumps(day.race_event_data(race.race_id, t)["money_tracker"]) for t in ticks]
    assert len(set(trackers)) > 30


def test_a_day_does_not_depend_on_hash_randomisation() -> None:
    code = (
        "import hashlib, json, sys; from datetime import date, timedelta;"
        "from raceday.demo import DayOptions, SimulatedDay;"
        "d = SimulatedDay(DayOptions(day=date(2026, 9, 27), seed=4, meetings=4,"
        " races_per_meeting=5, runners=8));"
        "b = [d.meetings_data(d.first_start())] + [d.race_event_data(r.race_id,"
        " r.scheduled_start + timedelta(minutes=m)) for r in d.races[::3] for m in (-61, 9)];"
        "sys.stdout.write(hashlib.sha256(json.dumps(b, ensure_ascii=False).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "12345")
    }
    assert len(digests) == 1
    here = SimulatedDay(OPTIONS)
    bodies = [here.meetings_data(here.first_start())] + [
        here.race_event_data(r.race_id, r.scheduled_start + timedelta(minutes=m))
        for r in here.races[::3]
        for m in (-61, 9)
    ]
    assert digests == {hashlib.sha256(json.dumps(bodies, ensure_ascii=False).encode()).hexdigest()}


def test_other_seeds_and_days_give_other_races() -> None:
    base = {r.race_id for r in RACES}
    for other in (
        DayOptions(day=OPTIONS.day, seed=5, meetings=4, races_per_meeting=5, runners=8),
        DayOptions(
            day=OPTIONS.day + timedelta(days=1), seed=4, meetings=4, races_per_meeting=5, runners=8
        ),
    ):
        assert base.isdisjoint(r.race_id for r in SimulatedDay(other).races)
