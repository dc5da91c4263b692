"""The synthetic racing-day generator: deterministic, and its bodies pass the real parser.

Every body checked here is SYNTHETIC (raceday.demo). Expected values come from the bodies read as
plain JSON or from the NZ calendar, not from the generator's internals; the payload models are
used as the consumer would use them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from raceday.demo import GeneratedDay, GeneratedRace, generate_day, poll_offsets, write_day
from raceday.ingest.transform import meetings_batch, race_batch
from raceday.nztab.models import MeetingsList, RaceEvent
from raceday.nztab.payloads import load_payload, parse_payload
from raceday.racing_day import racing_day_of

NZ = ZoneInfo("Pacific/Auckland")
WINTER_DAY = date(2025, 7, 17)  # NZST all day, like the real samples
DST_START = date(2026, 9, 27)  # clocks go forward at 02:00: racing in NZDT
DST_END = date(2026, 4, 5)  # clocks go back at 03:00: racing in NZST


@pytest.fixture(scope="module")
def day() -> GeneratedDay:
    return generate_day(WINTER_DAY)


@pytest.fixture(scope="module")
def events(day: GeneratedDay) -> list[list[RaceEvent]]:
    """Every poll of every race, parsed the way ingest parses them."""
    parsed = []
    for race in day.races:
        polls = [parse_payload(body) for body in race.polls]
        assert all(isinstance(event, RaceEvent) for event in polls)
        parsed.append([event for event in polls if isinstance(event, RaceEvent)])
    return parsed


def _open_pairs(race: GeneratedRace) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Consecutive polls that are both before the start."""
    polls = race.polls
    return [(a, b) for a, b in pairwise(polls) if b["data"]["race"]["status"] == "Open"]


# --- poll offsets and arguments ----------------------------------------------------------------


def test_poll_offsets_default_shape() -> None:
    assert poll_offsets(8) == (-60.0, -30.0, -10.0, -5.0, -1.0, 0.5, 5.0, 10.0)
    assert poll_offsets(1) == (10.0,)


@pytest.mark.parametrize("polls", [1, 2, 3, 4, 5, 8, 11, 14, 15, 40, 500])
def test_poll_offsets_increase_and_end_after_the_start(polls: int) -> None:
    offsets = poll_offsets(polls)
    assert len(offsets) == polls
    assert all(a < b for a, b in pairwise(offsets))
    assert offsets[-1] >= 8  # read as Final
    assert all(-120 <= o <= 10 for o in offsets)


@pytest.mark.parametrize(
    "kwargs",
    [{"runners": 3}, {"polls_per_race": 0}, {"meetings": 0}, {"races_per_meeting": 0}],
)
def test_sizes_out_of_range_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate_day(WINTER_DAY, **kwargs)


# --- determinism ---------------------------------------------------------------------------------


SMALL = {"meetings": 2, "races_per_meeting": 3, "runners": 6}


def _dump(day: GeneratedDay) -> str:
    bodies = [day.meetings_body] + [body for race in day.races for body in race.polls]
    return json.dumps(bodies, ensure_ascii=False)


def test_same_seed_gives_identical_bodies(day: GeneratedDay) -> None:
    assert generate_day(WINTER_DAY) == day


def test_output_does_not_depend_on_hash_randomisation() -> None:
    # Another interpreter with another PYTHONHASHSEED must produce the same bytes.
    code = (
        "import hashlib, json, sys; from datetime import date; from raceday.demo import generate_day;"
        f"d = generate_day(date(2026, 9, 27), seed=9, **{SMALL!r});"
        "b = [d.meetings_body] + [x for r in d.races for x in r.polls];"
        "sys.stdout.write(hashlib.sha256(json.dumps(b, ensure_ascii=False).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    here = generate_day(date(2026, 9, 27), seed=9, **SMALL)
    assert other == hashlib.sha256(_dump(here).encode()).hexdigest()


def test_other_seed_or_day_gives_other_bodies() -> None:
    base = generate_day(WINTER_DAY, **SMALL)
    ids = {race.race_id for race in base.races}
    for other in (
        generate_day(WINTER_DAY, seed=1, **SMALL),
        generate_day(WINTER_DAY + timedelta(days=1), **SMALL),
    ):
        assert _dump(other) != _dump(base)
        assert ids.isdisjoint(race.race_id for race in other.races)


def test_generation_is_fast() -> None:
    # CPU time of this process, not wall time: a loaded machine running the suite in parallel
    # (7 s of wall time seen) does not make it fail, a slower generator does.
    started = time.process_time()
    generate_day(WINTER_DAY, seed=3)  # 6 meetings x 8 races x 15 runners x 8 polls
    # ~0.8 s since each race's market walks per 15-s tick (~0.4 s before).
    assert time.process_time() - started < 3.0


# --- shapes the parser accepts -------------------------------------------------------------------


def test_every_poll_parses_as_the_race_event_it_names(
    day: GeneratedDay, events: list[list[RaceEvent]]
) -> None:
    assert len(day.races) == 48
    for race, polls in zip(day.races, events, strict=True):
        assert len(polls) == 8
        for body, event in zip(race.polls, polls, strict=True):
            assert body["header"]["url"] == f"/affiliates/v1/racing/events/{race.race_id}"
            assert body["header"]["title"] == f"Event Details: {race.race_id}"
            assert event.race_id == race.race_id
            assert event.race.meeting_id == race.meeting_id
            assert event.race.advertised_start == race.advertised_start
            assert len(event.data.runners) == 15
            assert [r.runner_number for r in event.data.runners] == list(range(1, 16))


def test_meetings_body_parses_and_lists_the_generated_races(day: GeneratedDay) -> None:
    listing = parse_payload(day.meetings_body)
    assert isinstance(listing, MeetingsList)
    assert day.meetings_body["header"]["url"] == "/affiliates/v1/racing/meetings"
    assert len(listing.data.meetings) == 6
    assert all(len(meeting.races) == 8 for meeting in listing.data.meetings)
    listed = list(listing.iter_races())
    assert [race.id for _, race in listed] == [race.race_id for race in day.races]
    for (meeting, race), generated in zip(listed, day.races, strict=True):
        assert meeting.meeting_id == generated.meeting_id
        assert meeting.date_nz == WINTER_DAY
        assert race.start_time == generated.advertised_start
        assert meeting.tote_start(race) == generated.advertised_start
        assert race.status == "Open"
    first_poll = min(race.polls[0]["header"]["generated_time"] for race in day.races)
    assert listing.generated_time < datetime.fromisoformat(first_poll)
    assert listing.generated_time < min(race.advertised_start for race in day.races)


def test_ingest_transform_accepts_every_poll_and_fills_the_columns(
    day: GeneratedDay, events: list[list[RaceEvent]]
) -> None:
    listing = parse_payload(day.meetings_body)
    assert isinstance(listing, MeetingsList)
    assert len(meetings_batch(listing).races) == 48
    filled: Counter[str] = Counter()
    for polls in events:
        for event in polls:
            batch = race_batch(event)
            for row in (batch.race, *batch.entrants):
                filled.update(k for k, v in row._asdict().items() if v not in (None, "", [], {}))
    race_columns = set(batch.race._asdict())
    entrant_columns = set(batch.entrants[0]._asdict())
    assert race_columns - {"protest_reason"} - set(filled) == set()  # sent by meetings list only
    assert entrant_columns - {"emergency_position"} - set(filled) == set()  # no emergencies


# --- markets ----------------------------------------------------------------------------------


def test_prices_move_between_polls_but_not_every_runner_every_time(day: GeneratedDay) -> None:
    moved = kept = 0
    for race in day.races:
        race_moved = 0
        for before, after in _open_pairs(race):
            for a, b in zip(before["data"]["runners"], after["data"]["runners"], strict=True):
                if a["is_scratched"] or b["is_scratched"]:
                    continue
                same = a["odds"]["fixed_win"] == b["odds"]["fixed_win"]
                kept += same
                race_moved += not same
        assert race_moved, f"no fixed price moved in race {race.race_id}"
        moved += race_moved
    assert moved and kept


def test_prices_look_like_the_api_sends_them(day: GeneratedDay) -> None:
    integral = 0
    for race in day.races:
        for body in race.polls:
            runners = body["data"]["runners"]
            starters = [r for r in runners if not r["is_scratched"]]
            for runner in starters:
                odds = runner["odds"]
                assert all(odds[k] >= 1.01 for k in odds), odds
                assert all(round(odds[k], 2) == odds[k] for k in odds)
                assert runner["flucs"][-1] == odds["fixed_win"]
                assert runner["flucs_with_timestamp"]["last_six"][-1]["fluc"] == odds["fixed_win"]
                integral += isinstance(odds["fixed_win"], int)
            favourites = [r for r in runners if r["favourite"]]
            assert len(favourites) == 1
            lowest = min(r["odds"]["fixed_win"] for r in starters)
            assert favourites[0]["odds"]["fixed_win"] == lowest
            assert sum(r["mover"] for r in runners) <= 1
    assert integral  # "5", not "5.0" (data guide §7.1)


def test_markets_freeze_at_the_start(day: GeneratedDay) -> None:
    for race in day.races:
        after = [b for b in race.polls if b["data"]["race"]["status"] != "Open"]
        first = after[0]["data"]
        for body in after[1:]:
            assert body["data"]["runners"] == first["runners"]
            assert body["data"]["money_tracker"] == first["money_tracker"]


def test_pool_totals_grow_and_close_at_the_start(events: list[list[RaceEvent]]) -> None:
    for polls in events:
        for before, after in pairwise(polls):
            old = {(p.product_type, p.leg_race_numbers()): p.total for p in before.data.tote_pools}
            for pool in after.data.tote_pools:
                assert pool.total >= old[(pool.product_type, pool.leg_race_numbers())]
        for event in polls:
            single = [p for p in event.data.tote_pools if not p.leg_race_numbers()]
            assert {p.product_type for p in single} == {
                "Win", "Place", "Quinella", "Trifecta", "FirstFour",
            }  # fmt: skip
            expected = "OPEN" if event.race.status == "Open" else "CLOSED"
            assert {p.status for p in single} == {expected}
        first, last = polls[0].data.tote_pools, polls[-1].data.tote_pools
        assert sum(p.total for p in first) < sum(p.total for p in last)


def test_quadrella_pools_name_their_legs(day: GeneratedDay, events: list[list[RaceEvent]]) -> None:
    listing = parse_payload(day.meetings_body)
    assert isinstance(listing, MeetingsList)
    legs = {m.meeting_id: tuple(m.quaddie or ()) for m in listing.data.meetings}
    for polls in events:
        event = polls[-1]
        quaddie = [p for p in event.data.tote_pools if p.product_type == "Quadrella"]
        in_legs = event.race.race_number in legs[event.race.meeting_id]
        assert len(quaddie) == (1 if in_legs else 0)
        if quaddie:
            assert quaddie[0].leg_race_numbers() == legs[event.race.meeting_id]


def test_money_tracker_pieces_sum_to_about_100(events: list[list[RaceEvent]]) -> None:
    drifted = 0
    for polls in events:
        for event in polls:
            rows = event.data.money_tracker.entrants if event.data.money_tracker else []
            assert len(rows) > 2 * len(event.data.runners)  # several pieces per entrant
            assert any(r.hold_percentage == 0 and r.bet_percentage == 0 for r in rows)
            assert 98 <= sum(r.hold_percentage for r in rows) <= 105
            assert 98 <= sum(r.bet_percentage for r in rows) <= 105
            shares, dropped = event.money_tracker_by_entrant()
            assert 1 <= dropped <= 2  # rows for entrant ids not in runners[], as in the samples
            assert all(
                s.hold_percentage <= 100 and s.bet_percentage <= 100 for s in shares.values()
            )
        first, second = (
            polls[0].money_tracker_by_entrant()[0],
            polls[1].money_tracker_by_entrant()[0],
        )
        drifted += first != second
    assert drifted


# --- results ---------------------------------------------------------------------------------


def test_status_runs_open_closed_interim_final(day: GeneratedDay) -> None:
    for race in day.races:
        statuses = [body["data"]["race"]["status"] for body in race.polls]
        assert statuses == ["Open"] * 5 + ["Closed", "Interim", "Final"]


def test_last_poll_is_final_with_results_and_every_dividend_twice(
    events: list[list[RaceEvent]],
) -> None:
    for polls in events:
        final = polls[-1]
        assert final.race.status == "Final"
        results = final.data.results
        assert [r.position for r in results] == [1, 2, 3, 4]
        assert {r.entrant_id for r in results} <= final.known_entrant_ids()
        winner, *others = results
        assert winner.winning_time is not None and winner.winning_time == winner.time_ran
        assert winner.positional_margin is None and winner.margin_length == 0
        assert all(r.positional_margin and r.winning_time is None for r in others)
        margins = [r.margin_length for r in results]
        assert margins == sorted(margins)

        by_key = Counter(d.key for d in final.data.dividends)
        assert set(by_key.values()) == {2}
        assert len({d.id for d in final.data.dividends}) == len(final.data.dividends)
        kept = final.dividends_deduplicated()
        assert all(d.status == "Final" for d in kept)
        products = Counter(d.product_name for d in kept)
        assert products == {
            "Pool Win": 1, "Pool Place": final.race.positions_paid, "Pool Quinella": 1,
            "Pool Trifecta": 1, "Pool First4": 1,
        }  # fmt: skip
        numbers = [str(r.runner_number) for r in results]
        descriptions = {d.product_name: d.description for d in kept}
        assert descriptions["Pool Win"] == numbers[0]
        assert descriptions["Pool Quinella"] == ":".join(numbers[:2])
        assert descriptions["Pool Trifecta"] == ":".join(numbers[:3])
        assert descriptions["Pool First4"] == ":".join(numbers)

        interim = next(e for e in polls if e.race.status == "Interim")
        assert interim.data.results == results
        assert {d.status for d in interim.data.dividends} == {"Interim"}
        assert all(not e.data.results and not e.data.dividends for e in polls[:-2])


# --- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nz_day", "zone"), [(WINTER_DAY, "NZST"), (DST_START, "NZDT"), (DST_END, "NZST")]
)
def test_times_fall_on_the_racing_day(nz_day: date, zone: str) -> None:
    generated = generate_day(nz_day, seed=5, meetings=3, races_per_meeting=8, runners=8)
    listing = parse_payload(generated.meetings_body)
    assert isinstance(listing, MeetingsList)
    seen = [listing.generated_time]
    for race in generated.races:
        assert racing_day_of(race.advertised_start) == nz_day
        assert race.advertised_start.astimezone(NZ).tzname() == zone
        polls = [parse_payload(body) for body in race.polls]
        for body, event in zip(race.polls, polls, strict=True):
            assert isinstance(event, RaceEvent)
            assert body["header"]["generated_time"].endswith("Z")
            assert event.race.race_date_nz == nz_day
            assert event.race.start_time_nz is not None and event.race.start_time_nz.endswith(zone)
            # The model checks the abbreviation against the zone's real offset that day.
            assert event.race.start_time_nz_instant() == race.advertised_start
            started = event.race.actual_start
            if event.race.status == "Open":
                assert started is None and event.generated_time < race.advertised_start
            else:
                assert started is not None
                assert race.advertised_start <= started <= event.generated_time
            for runner in event.data.runners:
                stamps = runner.flucs_with_timestamp or {}
                times = [datetime.fromisoformat(x["timestamp"]) for x in stamps["last_six"]]
                assert times == sorted(times) and times[-1] <= event.generated_time
        stamps = [event.generated_time for event in polls]
        assert all(a < b for a, b in pairwise(stamps))
        seen += stamps
    assert min(seen) == listing.generated_time


def test_generated_time_has_a_varying_nanosecond_fraction(day: GeneratedDay) -> None:
    fractions = [
        body["header"]["generated_time"][20:-1] for race in day.races for body in race.polls
    ]
    assert all(f.isdigit() and 1 <= len(f) <= 9 and not f.endswith("0") for f in fractions)
    assert len(set(fractions)) > len(fractions) // 2


# --- scratchings (synthetic) ----------------------------------------------------------------------


def test_a_few_runners_are_late_scratched(day: GeneratedDay) -> None:
    scratched_races = 0
    for race in day.races:
        history = [[r for r in body["data"]["runners"] if r["is_scratched"]] for body in race.polls]
        if not history[-1]:
            assert not any(history)
            continue
        scratched_races += 1
        first = next(i for i, s in enumerate(history) if s)
        assert first > 0 and all(history[first:])  # scratched from one pre-start poll on
        runner = history[-1][0]
        assert runner["is_late_scratched"] and runner["odds"]["fixed_win"] == 0
        assert not runner["favourite"] and not runner["mover"]
        before = datetime.fromisoformat(race.polls[first - 1]["header"]["generated_time"])
        at = datetime.fromisoformat(race.polls[first]["header"]["generated_time"])
        scratch_time = datetime.fromtimestamp(runner["scratch_time"], UTC)
        assert before < scratch_time <= at < race.advertised_start
        final = race.polls[-1]["data"]
        assert runner["entrant_id"] not in {r["entrant_id"] for r in final["results"]}
        assert final["race"]["field_size"] == final["race"]["entrant_count"] - 1
    assert scratched_races == len(day.races) // 10


# --- files ------------------------------------------------------------------------------------


def test_write_day_writes_files_load_payload_reads_back(tmp_path: Path) -> None:
    generated = generate_day(DST_START, seed=2, meetings=2, races_per_meeting=3, runners=6)
    paths = write_day(generated, tmp_path / "day")
    assert paths[0].name == "meetings.json"
    expected = [
        f"race-{race.race_id}-{n:02d}.json"
        for race in generated.races
        for n in range(1, len(race.polls) + 1)
    ]
    assert [p.name for p in paths[1:]] == expected
    bodies = [generated.meetings_body] + [b for race in generated.races for b in race.polls]
    for path, body in zip(paths, bodies, strict=True):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(body, ensure_ascii=False)
        loaded = load_payload(path)
        assert isinstance(loaded, MeetingsList if path.name == "meetings.json" else RaceEvent)
    last = load_payload(paths[-1])
    assert isinstance(last, RaceEvent) and last.race.status == "Final"
    assert isinstance(last.data.tote_pools[0].total, Decimal)
