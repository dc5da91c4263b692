"""A small stand-in for `raceday.demo.SimulatedDay` while that model is being written.

It replays the polls of the committed file generator (`generate_day` of commit 2955d76, read
from git so that the demo package being rewritten in the working tree cannot break it): a race's event data at `at` is its latest poll
generated at or before `at` (its first before the first), meetings and race summaries come from
the generated meetings list. Enough surface for the simulator's routes, nothing more. Served with
`--model tests.sim.standin:KIT`; to be replaced by the real model once it lands.
"""

from __future__ import annotations

import bisect
import importlib.util
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from raceday.sim import DaySizes, ModelKit
from raceday.sim.instants import parse_rfc3339_ns, rfc3339_of

JsonDict = dict[str, Any]


def _committed_generator() -> Any:
    name = "_standin_demo_generator"
    if name in sys.modules:
        return sys.modules[name]
    source = subprocess.run(
        ["git", "show", "2955d76:src/raceday/demo/generator.py"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        check=True,
    ).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the source runs
    exec(compile(source, "generator.py@2955d76", "exec"), module.__dict__)
    return module


generate_day = _committed_generator().generate_day


@dataclass(frozen=True)
class StandInRace:
    race_id: UUID
    meeting_id: UUID
    race_number: int
    scheduled_start: datetime


class StandInDay:
    def __init__(self, day: date, seed: int, sizes: DaySizes) -> None:
        generated = generate_day(
            day,
            seed=seed % 1_000_000,
            meetings=sizes.meetings,
            races_per_meeting=sizes.races_per_meeting,
            runners=sizes.runners,
            polls_per_race=8,
        )
        self.day = day
        self._meetings: list[JsonDict] = generated.meetings_body["data"]["meetings"]
        numbers = {race["id"]: race["race_number"] for m in self._meetings for race in m["races"]}
        names = {race["id"]: race["name"] for m in self._meetings for race in m["races"]}
        self.races: Sequence[StandInRace] = tuple(
            StandInRace(r.race_id, r.meeting_id, numbers[str(r.race_id)], r.advertised_start)
            for r in generated.races
        )
        self._names = names
        self._polls: dict[UUID, tuple[list[int], list[JsonDict]]] = {}
        for race in generated.races:
            times = [parse_rfc3339_ns(p["header"]["generated_time"]) or 0 for p in race.polls]
            self._polls[race.race_id] = (times, [p["data"] for p in race.polls])

    def meetings_data(self, at: datetime) -> list[JsonDict]:
        return self._meetings

    def race_summaries(self, at: datetime) -> list[JsonDict]:
        return [
            {
                "id": str(race.race_id),
                "name": self._names[str(race.race_id)],
                "number": race.race_number,
                "meeting_id": str(race.meeting_id),
                "advertised_start": rfc3339_of(race.scheduled_start),
                "actual_start": rfc3339_of(race.scheduled_start + timedelta(seconds=15)),
            }
            for race in self.races
        ]

    def race_event_data(self, race_id: UUID, at: datetime) -> JsonDict:
        times, datas = self._polls[race_id]
        at_ns = int(at.timestamp() * 1_000_000) * 1_000
        index = max(0, bisect.bisect_right(times, at_ns) - 1)
        return datas[index]


def envelope(
    title: str, url: str, params: JsonDict, data: JsonDict, generated_at: datetime
) -> JsonDict:
    return {
        "header": {"title": title, "generated_time": rfc3339_of(generated_at), "url": url},
        "params": params,
        "data": data,
    }


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "false").lower() in {"1", "t", "true"}


def event_params(race_id: str, query: Mapping[str, str]) -> JsonDict:
    return {
        "enc": "json",
        "id": race_id,
        "present_overlay": _flag(query, "present_overlay"),
        "with_big_bets": _flag(query, "with_big_bets"),
        "with_live_bets": _flag(query, "with_live_bets"),
        "with_money_tracker": _flag(query, "with_money_tracker"),
        "with_biggest_bet": _flag(query, "with_biggest_bet"),
        "will_pays": _flag(query, "with_will_pays"),
        "with_tote_trends_data": _flag(query, "with_tote_trends_data"),
        "bet_type_filter": query.get("bet_type_filter", ""),
        "bets_limit": 10,
    }


def dst_change_day(year: int, kind: Literal["start", "end"]) -> date:
    # NZ: starts on the last Sunday of September, ends on the first Sunday of April.
    if kind == "start":
        last = date(year, 9, 30)
        return last - timedelta(days=(last.weekday() - 6) % 7)
    first = date(year, 4, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)


def _build(day: date, seed: int, sizes: DaySizes) -> StandInDay:
    return StandInDay(day, seed, sizes)


KIT = ModelKit(
    build=_build, envelope=envelope, event_params=event_params, dst_change_day=dst_change_day
)
