"""The public generator: a day's meetings list plus every poll of every race, and files of them.

Everything produced is SYNTHETIC: invented venues' cards, horses, prices and results. The bodies
copy the real ones' shape (data guide §3-§4): the same envelope and keys, and the same quirks
(prices that lose their ".0", numbers sent as strings, money-tracker rows in pieces with rows
for unknown entrants, every dividend twice), so they go through `raceday.nztab.parse_payload`
exactly like captured bodies.

Output is a pure function of (day, seed, sizes): one `random.Random` for the day plans the
meetings and gives each race its own seed, so a race's bodies depend only on its seed and the
sizes. No wall clock and no global random state are used. Bodies of one race share their static
nested blocks (form, last starts) by reference: treat them as read-only, or deep-copy first.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from raceday.demo.bodies import meetings_list_body
from raceday.demo.formats import NS
from raceday.demo.plan import choose_scratchings, plan_meetings
from raceday.demo.race import RaceSim

__all__ = ["GeneratedDay", "GeneratedRace", "generate_day", "poll_offsets", "write_day"]

JsonDict = dict[str, Any]

CLOSED_FROM, INTERIM_FROM, FINAL_FROM = 0.0, 4.0, 8.0
# Which pre-start offsets a poller with few polls keeps first (more go evenly over 2 hours).
PRE_START_PRIORITY = (-1.0, -5.0, -30.0, -60.0, -10.0, -2.0, -15.0, -3.0, -120.0, -20.0, -45.0)
POST_START = (0.5, 5.0, 10.0)  # Closed, Interim, Final


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
    post = POST_START[-min(len(POST_START), max(1, polls - 1)) :]
    pre_count = polls - len(post)
    if pre_count <= len(PRE_START_PRIORITY):
        pre = sorted(PRE_START_PRIORITY[:pre_count])
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
    `polls_per_race` times each, with `runners` runners per race.

    The same arguments give identical bodies; a different seed or day gives different ids.
    About one race in ten has a runner late-scratched before the start (synthetic: the real
    samples have no scratching).
    """
    check_sizes(meetings, races_per_meeting, runners, polls_per_race)
    rng = random.Random(f"raceday-demo:{seed}:{day.isoformat()}")
    offsets = poll_offsets(polls_per_race)
    plans = plan_meetings(rng, day, meetings, races_per_meeting)
    choose_scratchings(rng, plans, runners, offsets)
    races = tuple(
        GeneratedRace(
            race_id=race.race_id,
            meeting_id=meeting.meeting_id,
            advertised_start=datetime.fromtimestamp(race.start, UTC),
            polls=tuple(RaceSim(day, meeting, race, runners, offsets).polls()),
        )
        for meeting in plans
        for race in meeting.races
    )
    # The list is fetched before anything else: 5 minutes before the first poll or first start.
    first_start = min(race.start for meeting in plans for race in meeting.races)
    listed = first_start * NS + round(min(offsets[0], 0.0) * 60 * NS) - 5 * 60 * NS
    listing = meetings_list_body(day, plans, listed - rng.randrange(1, NS))
    return GeneratedDay(day=day, meetings_body=listing, races=races)


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


def check_sizes(meetings: int, races: int, runners: int, polls: int) -> None:
    # Results and First4 need four finishers; 24 runners and 20 races keep starts inside the day.
    limits = {"meetings": (meetings, 1, 200), "races_per_meeting": (races, 1, 20)}
    limits |= {"runners": (runners, 4, 24), "polls_per_race": (polls, 1, 500)}
    for name, (value, low, high) in limits.items():
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value}")
