"""A race's life by the clock: statuses, a market that walks and freezes at the jump, pools that
grow, flucs that agree with the prices, results and dividends once Interim and Final."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from raceday.demo import SimRace, SimulatedDay
from raceday.demo.formats import TICK_S

TICK = timedelta(seconds=TICK_S)


def _running(day: SimulatedDay) -> list[SimRace]:
    return [r for r in day.races if r.abandoned_at is None]


def _ticks(start: datetime, end: datetime, step: timedelta = TICK) -> list[datetime]:
    out, at = [], start
    while at <= end:
        out.append(at)
        at += step
    return out


def test_unknown_races_raise_key_error(scenario_day: SimulatedDay) -> None:
    at = scenario_day.first_start()
    with pytest.raises(KeyError, match="no race"):
        scenario_day.race_event_data("00000000-0000-4000-8000-000000000000", at)
    with pytest.raises(KeyError, match="not a race id"):
        scenario_day.race("R1")
    race = scenario_day.races[3]
    assert scenario_day.race(str(race.race_id)) is race


def test_naive_instants_are_refused(scenario_day: SimulatedDay) -> None:
    race = scenario_day.races[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        scenario_day.race_event_data(race.race_id, race.scheduled_start.replace(tzinfo=None))


def test_status_runs_open_closed_interim_final_at_its_instants(scenario_day: SimulatedDay) -> None:
    for race in _running(scenario_day):
        assert race.jump_at and race.closed_at and race.interim_at and race.final_at
        assert 5 <= (race.jump_at - race.start).total_seconds() <= 25
        assert race.closed_at - TICK < race.jump_at <= race.closed_at
        assert timedelta(minutes=3) <= race.interim_at - race.closed_at <= timedelta(minutes=4)
        assert timedelta(minutes=3) <= race.final_at - race.interim_at <= timedelta(minutes=5)
        assert race.settled_at == race.final_at
        edges = [
            (race.closed_at, "Open", "Closed"),
            (race.interim_at, "Closed", "Interim"),
            (race.final_at, "Interim", "Final"),
        ]
        for edge, before, after in edges:
            assert scenario_day.status_at(race.race_id, edge - timedelta(microseconds=1)) == before
            assert scenario_day.status_at(race.race_id, edge) == after
    assert scenario_day.first_start() == min(r.scheduled_start for r in scenario_day.races)
    assert scenario_day.last_settled() == max(r.settled_at for r in scenario_day.races)


def test_a_body_says_what_status_at_says(scenario_day: SimulatedDay) -> None:
    race = _running(scenario_day)[7]
    for at in _ticks(race.start - 2 * TICK, race.final_at + 2 * TICK, timedelta(seconds=45)):
        data = scenario_day.race_event_data(race.race_id, at)
        status = data["race"]["status"]
        assert status == scenario_day.status_at(race.race_id, at)
        if status == "Open":
            assert "actual_start" not in data["race"] and not data["results"]
        else:
            assert data["race"]["actual_start"] == int(race.jump_at.timestamp())  # type: ignore[union-attr]
        assert bool(data["results"]) == (status in ("Interim", "Final"))
        statuses = Counter(d["status"] for d in data["dividends"])
        expected = {"Interim": {"Interim"}, "Final": {"Interim", "Final"}}.get(status, set())
        assert set(statuses) == expected


def _runners(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["entrant_id"]: r for r in data["runners"]}


def test_fixed_prices_walk_before_the_jump_and_freeze_after_it(scenario_day: SimulatedDay) -> None:
    moved = kept = 0
    for race in _running(scenario_day)[::4]:
        assert race.closed_at is not None and race.final_at is not None
        prices = [
            {
                r["entrant_id"]: r["odds"]["fixed_win"]
                for r in scenario_day.race_event_data(race.race_id, at)["runners"]
            }
            for at in _ticks(
                race.start - timedelta(minutes=40), race.closed_at, timedelta(minutes=4)
            )
        ]
        for a, b in pairwise(prices):
            same = sum(a[k] == b[k] for k in a)
            kept += same
            moved += len(a) - same
        frozen = [
            scenario_day.race_event_data(race.race_id, at)
            for at in (
                race.closed_at,
                race.closed_at + 7 * TICK,
                race.final_at + timedelta(hours=2),
            )
        ]
        for data in frozen[1:]:
            assert data["runners"] == frozen[0]["runners"]
            assert data["money_tracker"] == frozen[0]["money_tracker"]
    assert moved and kept


def test_flucs_are_the_walk_as_seen_so_far(scenario_day: SimulatedDay) -> None:
    race = _running(scenario_day)[11]
    assert race.closed_at is not None
    seen: dict[str, list[tuple[str, float]]] = {}
    for at in _ticks(race.start - timedelta(hours=3), race.closed_at + TICK, timedelta(minutes=3)):
        data = scenario_day.race_event_data(race.race_id, at)
        for runner in data["runners"]:
            if runner["is_scratched"]:
                continue
            stamps = runner["flucs_with_timestamp"]
            last_six = [(x["timestamp"], x["fluc"]) for x in stamps["last_six"]]
            assert runner["flucs"] == [price for _, price in last_six]
            assert last_six[-1][1] == runner["odds"]["fixed_win"]
            times = [datetime.fromisoformat(t) for t, _ in last_six]
            assert times == sorted(times) and times[-1] <= at
            assert all(a[1] != b[1] for a, b in pairwise(last_six))  # a fluc is a change
            assert stamps["low"]["fluc"] <= runner["odds"]["fixed_win"] <= stamps["high"]["fluc"]
            # What was seen stays: the history only grows at its end.
            before = seen.get(runner["entrant_id"], [])
            overlap = [x for x in before if x[0] >= last_six[0][0]]
            assert last_six[: len(overlap)] == overlap
            seen[runner["entrant_id"]] = last_six
        favourites = [r for r in data["runners"] if r["favourite"]]
        starters = [r for r in data["runners"] if not r["is_scratched"]]
        assert len(favourites) == 1
        assert favourites[0]["odds"]["fixed_win"] == min(r["odds"]["fixed_win"] for r in starters)
        assert data["favourite"]["runner_number"] == favourites[0]["runner_number"]


def test_pools_grow_towards_the_jump_then_close(scenario_day: SimulatedDay) -> None:
    for race in _running(scenario_day)[::5]:
        assert race.closed_at is not None and race.final_at is not None
        previous: dict[tuple[str, str], float] = {}
        for at in _ticks(race.start - timedelta(hours=4), race.final_at, timedelta(minutes=7)):
            data = scenario_day.race_event_data(race.race_id, at)
            status = data["race"]["status"]
            for pool in data["tote_pools"]:
                key = (pool["product_type"], str(pool.get("quaddie") or pool.get("early_quaddie")))
                assert pool["total"] >= previous.get(key, 0)
                previous[key] = pool["total"]
                if "quaddie" not in pool and "early_quaddie" not in pool:
                    assert pool["status"] == ("OPEN" if status == "Open" else "CLOSED")
                    assert pool["is_final"] == (status == "Final")


def test_money_tracker_rows_are_pieces_that_sum_to_about_100(scenario_day: SimulatedDay) -> None:
    race = _running(scenario_day)[2]
    for at in _ticks(race.start - timedelta(hours=1), race.start, timedelta(minutes=10)):
        data = scenario_day.race_event_data(race.race_id, at)
        rows = data["money_tracker"]["entrants"]
        ids = {r["entrant_id"] for r in data["runners"]}
        assert len(rows) > 2 * len(ids)
        assert 1 <= len({r["entrant_id"] for r in rows} - ids) <= 2  # ids not in runners[]
        assert 99 <= sum(r["hold_percentage"] for r in rows) <= 104
        assert 99 <= sum(r["bet_percentage"] for r in rows) <= 104


def test_results_and_dividends_follow_the_closing_market(scenario_day: SimulatedDay) -> None:
    for race in _running(scenario_day):
        assert race.final_at is not None and race.interim_at is not None
        final = scenario_day.race_event_data(race.race_id, race.final_at)
        interim = scenario_day.race_event_data(race.race_id, race.interim_at)
        assert final["results"] == interim["results"]
        assert [r["position"] for r in final["results"]] == [1, 2, 3, 4]
        scratched = {r["entrant_id"] for r in final["runners"] if r["is_scratched"]}
        assert scratched.isdisjoint(r["entrant_id"] for r in final["results"])
        keys = Counter((d["product_name"], d["description"]) for d in final["dividends"])
        assert set(keys.values()) == {2}
        assert {d["status"] for d in interim["dividends"]} == {"Interim"}
        winner = str(final["results"][0]["runner_number"])
        assert any(
            d["product_name"] == "Pool Win" and d["description"] == winner
            for d in final["dividends"]
        )
