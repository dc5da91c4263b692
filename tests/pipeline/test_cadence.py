"""Cadence rules: the interval for every status and time to start, edges, planning, slots."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.config import load_settings
from raceday.pipeline import (
    CadenceRules,
    RaceStatus,
    band_edges,
    interval,
    next_edge_after,
    next_planned,
    required_polls,
)

RULES = CadenceRules()
START = datetime(2026, 12, 3, 4, 30, tzinfo=UTC)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
US = timedelta(microseconds=1)
CAP = timedelta(minutes=90)
PROPERTY = settings(max_examples=400, deadline=None, database=None)
BANDED = (RaceStatus.OPEN, RaceStatus.CLOSED)

# The rules written as a table, apart from the code's if-chain: (lower bound exclusive, upper
# bound inclusive, interval) of time to start, for Open and Closed.
BANDS = [
    (60 * MIN, timedelta.max, 5 * MIN),
    (15 * MIN, 60 * MIN, 60 * SEC),
    (5 * MIN, 15 * MIN, 30 * SEC),
    (-CAP, 5 * MIN, 15 * SEC),
]


def table_interval(time_to_start: timedelta, status: RaceStatus) -> timedelta | None:
    if status in (RaceStatus.FINAL, RaceStatus.ABANDONED):
        return None
    if status is RaceStatus.INTERIM:
        return 30 * SEC if time_to_start > -CAP else None
    for lower, upper, step in BANDS:
        if lower < time_to_start <= upper:
            return step
    return None


# Times to start concentrated on the edges (exactly, and a microsecond either side), plus any.
EDGES = [60 * MIN, 15 * MIN, 5 * MIN, timedelta(0), -CAP]
near_edges = st.builds(
    lambda edge, nudge: edge + nudge * US, st.sampled_from(EDGES), st.integers(-2, 2)
)
anywhere = st.timedeltas(min_value=-4 * CAP, max_value=timedelta(hours=30))
times_to_start = st.one_of(near_edges, anywhere)
statuses = st.sampled_from(list(RaceStatus))


# -- status -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Open", RaceStatus.OPEN),
        ("open", RaceStatus.OPEN),
        ("FINAL", RaceStatus.FINAL),
        (" Closed ", RaceStatus.CLOSED),
        ("interim", RaceStatus.INTERIM),
        ("aBaNdOnEd", RaceStatus.ABANDONED),
        ("", RaceStatus.OPEN),
        ("Postponed", RaceStatus.OPEN),
    ],
)
def test_status_parse_ignores_case_and_treats_unknown_as_open(
    text: str, expected: RaceStatus
) -> None:
    assert RaceStatus.parse(text) is expected


@given(status=statuses, flips=st.lists(st.booleans(), min_size=9, max_size=9))
@PROPERTY
def test_status_parse_any_casing(status: RaceStatus, flips: list[bool]) -> None:
    text = "".join(
        c.upper() if flip else c.lower()
        for c, flip in zip(status.value, flips[: len(status.value)], strict=True)
    )
    assert RaceStatus.parse(text) is status
    assert RaceStatus.parse(status) is status


def test_only_final_and_abandoned_are_terminal() -> None:
    assert {s for s in RaceStatus if s.is_terminal} == {RaceStatus.FINAL, RaceStatus.ABANDONED}


# -- interval ---------------------------------------------------------------------------------


@given(time_to_start=times_to_start, status=statuses)
@PROPERTY
def test_interval_matches_the_rules_for_every_status_and_time(
    time_to_start: timedelta, status: RaceStatus
) -> None:
    assert interval(RULES, time_to_start, status) == table_interval(time_to_start, status)


@pytest.mark.parametrize(
    ("time_to_start", "expected"),
    [
        (60 * MIN + US, 5 * MIN),
        (60 * MIN, 60 * SEC),  # the 60-min edge is in the hour band
        (15 * MIN + US, 60 * SEC),
        (15 * MIN, 30 * SEC),  # the 15-min edge is in the near band
        (5 * MIN + US, 30 * SEC),
        (5 * MIN, 15 * SEC),  # the 5-min edge is in the final band
        (timedelta(0), 15 * SEC),
        (-CAP + US, 15 * SEC),
        (-CAP, None),  # start + cap itself is not polled
    ],
)
@pytest.mark.parametrize("status", BANDED)
def test_each_edge_belongs_to_the_band_nearer_the_start(
    time_to_start: timedelta, expected: timedelta | None, status: RaceStatus
) -> None:
    assert interval(RULES, time_to_start, status) == expected


@pytest.mark.parametrize("time_to_start", [timedelta(hours=5), 10 * MIN, -MIN, -CAP + US])
def test_interim_every_30_s_and_terminal_statuses_stop(time_to_start: timedelta) -> None:
    assert interval(RULES, time_to_start, RaceStatus.INTERIM) == 30 * SEC
    assert interval(RULES, time_to_start, RaceStatus.FINAL) is None
    assert interval(RULES, time_to_start, RaceStatus.ABANDONED) is None
    assert interval(RULES, -CAP, RaceStatus.INTERIM) is None


@given(a=times_to_start, b=times_to_start, status=st.sampled_from(BANDED))
@PROPERTY
def test_interval_never_grows_as_the_start_nears(
    a: timedelta, b: timedelta, status: RaceStatus
) -> None:
    farther, nearer = max(a, b), min(a, b)
    far_step, near_step = interval(RULES, farther, status), interval(RULES, nearer, status)
    if near_step is not None:
        assert far_step is not None and far_step >= near_step


def test_band_edges() -> None:
    assert band_edges(RULES) == (60 * MIN, 15 * MIN, 5 * MIN)


def test_rules_from_settings_take_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACEDAY_POLL_CAP_MINUTES", "40")
    rules = CadenceRules.from_settings(load_settings())
    assert rules.cap_after_start == 40 * MIN
    assert rules.final_minutes == 15 * SEC


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"far": timedelta(0)}, "far"),
        ({"final_minutes": -SEC}, "final_minutes"),
        ({"near_from": 90 * MIN}, "band edges"),
        ({"final_from": timedelta(0)}, "band edges"),
        ({"deadline_slack": 15 * SEC}, "deadline_slack"),
        ({"deadline_slack": -SEC}, "deadline_slack"),
        ({"retry_after": timedelta(0)}, "retry_after"),
        ({"closing_attempts": 0}, "closing_attempts"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(changes: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        CadenceRules(**changes)  # type: ignore[arg-type]


# -- planning ---------------------------------------------------------------------------------


def test_a_5_min_cadence_lands_on_the_60_min_edge_then_goes_every_60_s() -> None:
    at_61 = START - 61 * MIN
    at_60 = next_planned(RULES, START, RaceStatus.OPEN, at_61)
    assert at_60 == START - 60 * MIN
    assert next_planned(RULES, START, RaceStatus.OPEN, at_60) == START - 59 * MIN


def plan_chain(
    first: datetime, status: RaceStatus = RaceStatus.OPEN, start: datetime = START
) -> list[datetime]:
    chain = [first]
    while (following := next_planned(RULES, start, status, chain[-1])) is not None:
        chain.append(following)
    return chain


def test_a_race_planned_from_3_h_out_to_the_cap() -> None:
    chain = plan_chain(START - timedelta(hours=3))
    to_go = [START - at for at in chain]
    far = [t for t in to_go if t > 60 * MIN]
    hour = [t for t in to_go if 15 * MIN < t <= 60 * MIN]
    near = [t for t in to_go if 5 * MIN < t <= 15 * MIN]
    final = [t for t in to_go if timedelta(0) < t <= 5 * MIN]
    after = [t for t in to_go if t <= timedelta(0)]
    assert (len(far), len(hour), len(near), len(final), len(after)) == (24, 45, 20, 20, 360)
    for edge in band_edges(RULES):
        assert START - edge in chain, f"the {edge} edge is not polled exactly"
    assert chain[-1] == START + CAP - 15 * SEC
    gaps = {b - a for a, b in itertools.pairwise(chain)}
    assert gaps == {5 * MIN, 60 * SEC, 30 * SEC, 15 * SEC}


@given(
    previous=st.timedeltas(min_value=-2 * CAP, max_value=timedelta(hours=6)),
    status=statuses,
)
@PROPERTY
def test_next_planned_never_skips_an_edge_nor_exceeds_the_interval(
    previous: timedelta, status: RaceStatus
) -> None:
    at = START - previous
    following = next_planned(RULES, START, status, at)
    step = interval(RULES, START - at, status)
    if step is None:
        assert following is None
        return
    if following is None:  # only when the next poll would be at or past the cap
        assert at + step >= START + CAP
        return
    assert at < following <= at + step
    assert following < START + CAP
    if status in BANDED:
        assert following <= next_edge_after(RULES, START, at)
    else:
        assert following == at + step


@given(offset=st.timedeltas(min_value=-5 * MIN, max_value=CAP - SEC))
@PROPERTY
def test_in_the_final_minutes_every_plan_lands_on_the_15_s_grid(offset: timedelta) -> None:
    # From any instant in the final band (an off-grid first poll, a moved start), the next
    # plan is the next slot of the grid start - 5 min + k * 15 s.
    at = START + offset
    following = next_planned(RULES, START, RaceStatus.CLOSED, at)
    if following is None:
        assert at + 15 * SEC >= START + CAP
        return
    assert (following - (START - 5 * MIN)) % (15 * SEC) == timedelta(0)
    assert timedelta(0) < following - at <= 15 * SEC


def test_interim_is_not_pulled_onto_the_15_s_grid() -> None:
    at = START + 2 * MIN + 7 * SEC
    assert next_planned(RULES, START, RaceStatus.INTERIM, at) == at + 30 * SEC


def test_terminal_status_plans_nothing() -> None:
    assert next_planned(RULES, START, RaceStatus.FINAL, START) is None
    assert next_planned(RULES, START, RaceStatus.ABANDONED, START - MIN) is None


def test_the_last_poll_before_the_cap() -> None:
    assert next_planned(RULES, START, RaceStatus.CLOSED, START + CAP - 30 * SEC) == (
        START + CAP - 15 * SEC
    )
    assert next_planned(RULES, START, RaceStatus.CLOSED, START + CAP - 15 * SEC) is None


# -- deadline slots ---------------------------------------------------------------------------


def test_required_polls_are_the_20_slots_of_the_last_5_minutes() -> None:
    slots = required_polls(RULES, START, max_delay=timedelta(milliseconds=1500))
    assert [START - slot.at for slot in slots] == [5 * MIN - k * 15 * SEC for k in range(20)]
    for slot, following in itertools.pairwise(slots):
        assert slot.latest_start == slot.at + timedelta(seconds=6.5)
        assert slot.latest_start < following.at


def test_a_slot_is_kept_only_by_a_poll_started_inside_it() -> None:
    slot = required_polls(RULES, START)[0]
    assert slot.kept_by([slot.at])
    assert slot.kept_by([slot.at - MIN, slot.at + 5 * SEC])
    assert not slot.kept_by([slot.at - US, slot.at + 5 * SEC + US])
    assert not slot.kept_by([])
