"""Whole days as polled bodies and files: a meetings list plus every poll of every race.

Built on `SimulatedDay`: each poll body is `envelope(...)` around `race_event_data(race, t)` at
the poll instant t, so a poll shows exactly what the simulated API would serve then. Everything
produced is SYNTHETIC (see `raceday.demo`). `generate_day` keeps its old signature and meaning:
a quiet day (no scenarios) with its own one-in-ten late scratchings, each falling between two
pre-start polls so that one poll sees the runner and the next sees it gone.

Output is a pure function of the arguments: no wall clock and no global random state.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from raceday.demo.bodies import (
    EVENT_TITLE,
    MEETINGS_TITLE,
    MEETINGS_URL,
    envelope,
    event_params,
    event_url,
    meetings_params,
)
from raceday.demo.day import SimulatedDay
from raceday.demo.formats import instant
from raceday.demo.options import DayOptions
from raceday.demo.plan import DayPlan, Scratching, SimRace, plan_day
from raceday.demo.scenarios import scratchings_between_polls

__all__ = [
    "GeneratedDay",
    "GeneratedRace",
    "generate_day",
    "poll_day",
    "poll_instants",
    "poll_offsets",
    "write_day",
]

JsonDict = dict[str, Any]

# Which pre-start offsets a poller with few polls keeps first (more go evenly over 2 hours).
_PRE_START_PRIORITY = (-1.0, -5.0, -30.0, -60.0, -10.0, -2.0, -15.0, -3.0, -120.0, -20.0, -45.0)
_POST_START = (0.5, 5.0, 10.0)  # Closed, Interim, Final
# What a poller asks the event endpoint for (echoed in params).
_POLL_QUERY = {
    "with_money_tracker": "true",
    "with_will_pays": "true",
    "with_tote_trends_data": "true",
}
_LISTED_BEFORE = timedelta(minutes=5)  # the meetings list is fetched before the first poll


@dataclass(frozen=True)
class GeneratedRace:
    """One race: its ids, advertised start (UTC) and race-event bodies in poll order."""

    race_id: UUID
    meeting_id: UUID
    advertised_start: datetime
    polls: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class GeneratedDay:
    """One NZ racing day: the meetings-list body and every race, in meetings-list order."""

    day: date
    meetings_body: dict[str, Any]
    races: tuple[GeneratedRace, ...]


def poll_offsets(polls: int) -> tuple[float, ...]:
    """Minutes from the advertised start at which a race is polled, increasing.

    8 polls give (-60, -30, -10, -5, -1, 0.5, 5, 10): Open x5, Closed, Interim, Final. The last
    offset always reads Final; fewer polls drop Closed, then Interim. More than 14 polls spread
    the pre-start ones evenly from two hours to one minute before the start.
    """
    if polls < 1:
        raise ValueError(f"polls must be at least 1, got {polls}")
    post = _POST_START[-min(len(_POST_START), max(1, polls - 1)) :]
    pre_count = polls - len(post)
    if pre_count <= len(_PRE_START_PRIORITY):
        pre = sorted(_PRE_START_PRIORITY[:pre_count])
    else:  # evenly from -120 to -1: 500 polls still leave 14 s between two polls
        pre = [round(-120.0 + 119.0 * i / (pre_count - 1), 3) for i in range(pre_count)]
    return tuple(float(x) for x in (*pre, *post))


def generate_day(
    day: date,
    *,
    seed: int = 0,
    meetings: int = 6,
    races_per_meeting: int = 8,
    runners: int = 15,
    polls_per_race: int = 8,
) -> GeneratedDay:
    """Generate NZ racing day `day`: `meetings` x `races_per_meeting` races, polled
    `polls_per_race` times each (at `poll_offsets`), with `runners` runners per race.

    The same arguments give identical bodies; a different seed or day gives different ids.
    Every meeting's first race is between 12:00 and 12:30 NZ (`plan_day`'s noon card), so all
    the day's polls interleave. About one race in ten has a runner late-scratched between two pre-start polls (synthetic:
    the real samples have no scratching). No other scenario plays: see `poll_day` for those.
    """
    _check_sizes(meetings, races_per_meeting, runners, polls_per_race)
    options = DayOptions(
        day=day,
        seed=seed,
        meetings=meetings,
        races_per_meeting=races_per_meeting,
        runners=runners,
        scenarios=False,
    )
    plan = _scratch_between_polls(plan_day(options, noon_card=True), polls_per_race, seed)
    return poll_day(SimulatedDay(options, plan=plan), polls_per_race)


def poll_instants(race: SimRace, polls_per_race: int) -> list[tuple[datetime, int]]:
    """When a poller fetches `race`: (instant, nanoseconds below its microsecond) per poll,
    at `poll_offsets` from its final advertised start plus a random fraction of a second."""
    rng = random.Random(f"raceday-polls:{race.seed}")
    return [
        (
            race.start + timedelta(minutes=offset, microseconds=rng.randrange(1, 1_000_000)),
            rng.randrange(1000),
        )
        for offset in poll_offsets(polls_per_race)
    ]


def poll_day(sim: SimulatedDay, polls_per_race: int) -> GeneratedDay:
    """Poll every race of `sim` at `poll_instants`; list the meetings 5 minutes before the first
    poll (or the first start), when every race is still Open."""
    if not 1 <= polls_per_race <= 500:
        raise ValueError(f"polls_per_race must be between 1 and 500, got {polls_per_race}")
    races, first = [], sim.first_start()
    for race in sim.races:
        race_id = str(race.race_id)
        instants = poll_instants(race, polls_per_race)
        first = min(first, instants[0][0])
        polls = tuple(
            envelope(
                EVENT_TITLE.format(race_id=race_id),
                event_url(race_id),
                event_params(race_id, _POLL_QUERY),
                sim.race_event_data(race.race_id, at),
                at,
                nanos=nanos,
            )
            for at, nanos in instants
        )
        races.append(GeneratedRace(race.race_id, race.meeting_id, race.start, polls))
    rng = random.Random(f"raceday-listed:{sim.options.seed}:{sim.day.isoformat()}")
    listed = first - _LISTED_BEFORE - timedelta(microseconds=rng.randrange(1, 1_000_000))
    listing = envelope(
        MEETINGS_TITLE,
        MEETINGS_URL,
        meetings_params(listed),
        {"meetings": sim.meetings_data(listed)},
        listed,
        nanos=rng.randrange(1000),
    )
    return GeneratedDay(day=sim.day, meetings_body=listing, races=tuple(races))


def _scratch_between_polls(plan: DayPlan, polls_per_race: int, seed: int) -> DayPlan:
    """`plan` with `generate_day`'s own late scratchings (see `scratchings_between_polls`)."""
    pre_start = sum(1 for offset in poll_offsets(polls_per_race) if offset < 0)
    races = [
        (
            race.race_id,
            race.runners,
            [at for at, _ in poll_instants(race, polls_per_race)][:pre_start],
        )
        for race in plan.races
    ]
    rng = random.Random(f"raceday-scratchings:{seed}:{plan.day.isoformat()}")
    chosen = scratchings_between_polls(rng, races)

    def scratched(race: SimRace) -> SimRace:
        if race.race_id not in chosen:
            return race
        number, at = chosen[race.race_id]
        return replace(race, scratchings=(Scratching(number, instant(at)),))

    meetings = tuple(
        replace(meeting, races=tuple(scratched(race) for race in meeting.races))
        for meeting in plan.meetings
    )
    return DayPlan(plan.day, meetings)


def write_day(day: GeneratedDay, folder: Path) -> list[Path]:
    """Write `meetings.json` and `race-<id>-<nn>.json` (nn = poll number from 01) into `folder`.

    Returns the paths in writing order: the meetings list, then each race's polls in order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def dump(name: str, body: JsonDict) -> None:
        path = folder / name
        path.write_text(json.dumps(body, ensure_ascii=False, indent=None), encoding="utf-8")
        written.append(path)

    dump("meetings.json", day.meetings_body)
    for race in day.races:
        for number, body in enumerate(race.polls, start=1):
            dump(f"race-{race.race_id}-{number:02d}.json", body)
    return written


def _check_sizes(meetings: int, races: int, runners: int, polls: int) -> None:
    # Results and First4 need four finishers; 24 runners and 20 races keep starts inside the day.
    limits = {"meetings": (meetings, 1, 200), "races_per_meeting": (races, 1, 20)}
    limits |= {"runners": (runners, 4, 24), "polls_per_race": (polls, 1, 500)}
    for name, (value, low, high) in limits.items():
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value}")
