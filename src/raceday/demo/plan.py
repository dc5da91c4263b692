"""The day's plan: meetings, races, their scheduled instants and scenarios — pure from the options.

Nothing here knows about prices or bodies. A race's whole life is decided up front: its
advertised start, the jump, when it turns Interim and Final, and what its scenario does
(a scratching, abandonment, a start put back). Every instant a body can change at is a tick
boundary (`formats.TICK_S`) except the jump itself (`actual_start`), whose effect, "Closed",
shows from the first tick after it; so "the body at `at`" is "the body of the tick of `at`".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from raceday.demo.catalog import (
    CATEGORY_CYCLE,
    DISTANCES,
    EARLY_FIRST_RACE,
    EARLY_VENUES,
    EVENING_FIRST_RACE,
    EVENING_VENUES,
    FIRST_RACE_WINDOWS,
    RACE_GAPS_MIN,
    RACE_KINDS,
    SPONSORS,
    TRACK_CONDITIONS,
    VENUES,
    WEATHER,
    Venue,
)
from raceday.demo.formats import TICK_S, ceil_tick, epoch_seconds, instant, new_id
from raceday.demo.options import DayOptions
from raceday.demo.scenarios import Candidate, Scenario, choose_scenarios
from raceday.racing_day import resolve_zone

__all__ = ["DayPlan", "MeetingKind", "MultiPoolPlan", "Scratching", "SimMeeting", "SimRace"]

RaceStatus = Literal["Open", "Closed", "Interim", "Final", "Abandoned"]
MeetingKind = Literal["local", "evening", "early"]

_NOON = 12 * 60  # minutes after midnight
_LAST_LOCAL_START = time(23, 30)  # an NZ/AUS meeting's races all start before this wall time
_JUMP_DELAY_S = (5, 25)  # the jump after the advertised start (the first poll at +30 s sees it)
_INTERIM_TICKS = (12, 16)  # Interim 3-4 min after Closed: the 5-min poll reads Interim
_FINAL_TICKS = (12, 20)  # Final 3-5 min after Interim: the 10-min poll reads Final


@dataclass(frozen=True)
class Scratching:
    """Runner `runner_number` is (late) scratched from instant `at` on."""

    runner_number: int
    at: datetime


@dataclass(frozen=True)
class SimRace:
    """One race of the day and its whole timeline (UTC instants)."""

    race_id: UUID
    meeting_id: UUID
    race_number: int
    name: str
    distance: int
    country: str
    state: str
    category: str
    scheduled_start: datetime  # the first advertised start
    runners: int  # entrants on the card, scratched ones included
    seed: int  # everything random about the race (card, market, result) comes from it
    jump_at: datetime | None  # the actual start; None for an abandoned race
    interim_at: datetime | None
    final_at: datetime | None
    abandoned_at: datetime | None = None
    postponed_at: datetime | None = None  # when the start was put back ...
    postponed_start: datetime | None = None  # ... to this
    scratchings: tuple[Scratching, ...] = ()

    @property
    def start(self) -> datetime:
        """The advertised start the race finally has (after any postponement)."""
        return self.postponed_start or self.scheduled_start

    @property
    def closed_at(self) -> datetime | None:
        """The first tick at or after the jump: from then on the race shows Closed."""
        if self.jump_at is None:
            return None
        return instant(ceil_tick(epoch_seconds(self.jump_at)))

    @property
    def settled_at(self) -> datetime:
        """When the race becomes Final, or Abandoned."""
        settled = self.final_at or self.abandoned_at
        assert settled is not None  # every race either runs to Final or is abandoned
        return settled

    @property
    def frozen_at(self) -> datetime:
        """When its markets stop moving: the jump tick, or the abandonment."""
        frozen = self.closed_at or self.abandoned_at
        assert frozen is not None
        return frozen

    def status_at(self, at: datetime) -> RaceStatus:
        if self.abandoned_at is not None and at >= self.abandoned_at:
            return "Abandoned"
        for since, status in (
            (self.final_at, "Final"),
            (self.interim_at, "Interim"),
            (self.closed_at, "Closed"),
        ):
            if since is not None and at >= since:
                return status  # type: ignore[return-value]  # the literals above
        return "Open"

    def advertised_start_at(self, at: datetime) -> datetime:
        """The start as advertised at `at`: the new one only from the instant it was put back."""
        if self.postponed_at is not None and at >= self.postponed_at:
            assert self.postponed_start is not None
            return self.postponed_start
        return self.scheduled_start


@dataclass(frozen=True)
class MultiPoolPlan:
    """A meeting's Quadrella or EarlyQuadrella, shown on each of its legs' races."""

    product_type: str
    legs_key: str  # "quaddie" or "early_quaddie", the key the API uses for the legs
    legs: tuple[int, ...]
    final: float  # dollars when it closes (at the first leg's jump)
    tau: float  # minutes: how late the money comes
    guarantee: int
    jackpot: float


@dataclass(frozen=True)
class SimMeeting:
    """One meeting of the day with its races in race-number order."""

    meeting_id: UUID
    name: str
    country: str
    category: str
    races: tuple[SimRace, ...]
    state: str
    kind: MeetingKind
    venue: Venue
    tote_meeting_number: int
    track_condition: str
    weather: str
    video_channels: tuple[str, ...]
    quaddie: tuple[int, ...] = ()
    early_quaddie: tuple[int, ...] = ()
    multi_pools: tuple[MultiPoolPlan, ...] = field(default=())


@dataclass(frozen=True)
class DayPlan:
    day: date
    meetings: tuple[SimMeeting, ...]

    @property
    def races(self) -> tuple[SimRace, ...]:
        return tuple(race for meeting in self.meetings for race in meeting.races)


# --- planning ------------------------------------------------------------------------------------


@dataclass
class _RaceDraft:
    race_id: UUID
    number: int
    name: str
    distance: int
    start_s: int  # scheduled start, epoch seconds on the minute
    seed: int


@dataclass
class _MeetingDraft:
    meeting_id: UUID
    kind: MeetingKind
    venue: Venue
    races: list[_RaceDraft]


def plan_day(options: DayOptions, *, noon_card: bool = False) -> DayPlan:
    """The meetings and races of `options.day`, ordered by first start; pure in its arguments.

    NZ and Australian meetings start from late morning into the evening by country and code.
    `noon_card` starts them all between 12:00 and 12:30 instead, staggered inside one gap
    between races: the compact card `generate_day` has always made, where every meeting's
    polls interleave with the others' (benchmarks and backfill tests rely on that).
    """
    tz = resolve_zone(options.zone)
    rng = random.Random(f"raceday-demo:{options.seed}:{options.day.isoformat()}")
    used: set[Venue] = set()
    drafts = []
    for index, kind in _layout(options):
        noon = _NOON + round(index * 30 / options.meetings) if noon_card else None
        drafts.append(_draft_meeting(rng, options, kind, index, tz, used, noon))
    drafts.sort(key=lambda d: (d.races[0].start_s, d.venue.name))
    scenarios: dict[UUID, Scenario] = {}
    if options.scenarios:
        candidates = [
            Candidate(
                r.race_id, r.start_s, options.runners, d.kind == "local", _in_multi_pool(d, r)
            )
            for d in drafts
            for r in d.races
        ]
        scenarios = choose_scenarios(rng, candidates)
    meetings = []
    for number, draft in enumerate(drafts, start=1):
        meetings.append(_finish_meeting(rng, options, draft, number, scenarios))
    return DayPlan(options.day, tuple(meetings))


def _layout(options: DayOptions) -> list[tuple[int, MeetingKind]]:
    kinds: list[MeetingKind] = []
    if options.scenarios and options.meetings >= 2:
        kinds.append("evening")
    if options.scenarios and options.meetings >= 4:
        kinds.append("early")
    local: list[MeetingKind] = ["local"] * (options.meetings - len(kinds))
    kinds = local + kinds
    return list(enumerate(kinds))


def _draft_meeting(
    rng: random.Random,
    options: DayOptions,
    kind: MeetingKind,
    index: int,
    tz: ZoneInfo,
    used: set[Venue],
    first_minute: int | None,
) -> _MeetingDraft:
    rpm = options.races_per_meeting
    if kind == "local":
        category = CATEGORY_CYCLE[index % len(CATEGORY_CYCLE)]
        venues = [v for v in VENUES if v.category == category]
        venue = rng.choice([v for v in venues if v not in used] or venues)  # repeats when out
        used.add(venue)
        window = FIRST_RACE_WINDOWS[(venue.country, venue.category)]
        count = rpm
    elif kind == "evening":  # past NZ midnight: tote clocks beyond 24:00
        venue, window, count = rng.choice(EVENING_VENUES), EVENING_FIRST_RACE, min(20, rpm + 2)
    else:  # about 02:00-05:00 NZ: a daylight-saving change falls inside it
        venue, window, count = rng.choice(EARLY_VENUES), EARLY_FIRST_RACE, min(8, rpm)
    (h0, m0), (h1, m1) = window
    minute = rng.randint(h0 * 60 + m0, h1 * 60 + m1)
    if kind == "local" and first_minute is not None:
        minute = first_minute
    elif kind == "local":  # the last race still starts the same evening, even with 35-min gaps
        latest = _LAST_LOCAL_START.hour * 60 + _LAST_LOCAL_START.minute - (count - 1) * 35
        minute = min(minute, latest)
    start_s = _local_instant(options.day, minute, tz)
    races = []
    for number in range(1, count + 1):
        distance = rng.choice(DISTANCES[venue.category])
        name = f"{rng.choice(SPONSORS)} {rng.choice(RACE_KINDS[venue.category])}"
        if venue.category == "T":
            name += f" {distance}"
        if venue.country != "NZ":  # Australian and foreign race names come in Title Case
            name = name.title()
        races.append(_RaceDraft(new_id(rng), number, name, distance, start_s, rng.getrandbits(64)))
        start_s += 60 * rng.choice(RACE_GAPS_MIN)
    return _MeetingDraft(new_id(rng), kind, venue, races)


def _in_multi_pool(meeting: _MeetingDraft, race: _RaceDraft) -> bool:
    # The legs `_finish_meeting` gives the quaddies: the last 4 races and the 4 before them.
    count = len(meeting.races)
    return meeting.kind == "local" and count >= 4 and race.number > count - (8 if count >= 8 else 4)


def _local_instant(day: date, minute_of_day: int, tz: ZoneInfo) -> int:
    """Epoch seconds of wall time `minute_of_day` on `day`. fold=0: a repeated wall time is its
    first occurrence, and one a spring change skips moves on by the gap (02:30 is 03:30 NZDT)."""
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60))
    return epoch_seconds(wall.replace(tzinfo=tz, fold=0))


def _finish_meeting(
    rng: random.Random,
    options: DayOptions,
    draft: _MeetingDraft,
    number: int,
    scenarios: dict[UUID, Scenario],
) -> SimMeeting:
    venue = draft.venue
    local = draft.kind == "local"
    count = len(draft.races)
    quaddie = tuple(range(count - 3, count + 1)) if local and count >= 4 else ()
    early = tuple(range(count - 7, count - 3)) if local and count >= 8 else ()
    races = tuple(
        _finish_race(draft, race, options.runners, scenarios.get(race.race_id))
        for race in draft.races
    )
    surface_condition = "Synthetic" if venue.surface == "Synthetic" else None
    return SimMeeting(
        meeting_id=draft.meeting_id,
        name=venue.name,
        country=venue.country,
        category=venue.category,
        races=races,
        state=venue.state,
        kind=draft.kind,
        venue=venue,
        tote_meeting_number=number if venue.country == "NZ" else 20 + number,
        track_condition=surface_condition or rng.choice(TRACK_CONDITIONS[venue.category]),
        weather=rng.choice(WEATHER),
        video_channels=("Trackside1",) if venue.country == "NZ" else ("Trackside2",),
        quaddie=quaddie,
        early_quaddie=early,
        multi_pools=_multi_pools(rng, quaddie, early),
    )


def _finish_race(
    meeting: _MeetingDraft, draft: _RaceDraft, runners: int, scenario: Scenario | None
) -> SimRace:
    venue = meeting.venue
    scenario = scenario or Scenario()
    start_s = scenario.postponed_start_s or draft.start_s
    # Its own generator: the timeline does not depend on which scenarios were drawn.
    timeline = random.Random(f"timeline:{draft.seed}")
    jump = interim = final = None
    if scenario.abandoned_at_s is None:
        jump = start_s + timeline.randint(*_JUMP_DELAY_S)
        interim = ceil_tick(jump) + TICK_S * timeline.randint(*_INTERIM_TICKS)
        final = interim + TICK_S * timeline.randint(*_FINAL_TICKS)

    def at(seconds: int | None) -> datetime | None:
        return None if seconds is None else instant(seconds)

    return SimRace(
        race_id=draft.race_id,
        meeting_id=meeting.meeting_id,
        race_number=draft.number,
        name=draft.name,
        distance=draft.distance,
        country=venue.country,
        state=venue.state,
        category=venue.category,
        scheduled_start=instant(draft.start_s),
        runners=runners,
        seed=draft.seed,
        jump_at=at(jump),
        interim_at=at(interim),
        final_at=at(final),
        abandoned_at=at(scenario.abandoned_at_s),
        postponed_at=at(scenario.postponed_at_s),
        postponed_start=at(scenario.postponed_start_s),
        scratchings=tuple(Scratching(n, instant(s)) for n, s in scenario.scratchings),
    )


def _multi_pools(
    rng: random.Random, quaddie: tuple[int, ...], early: tuple[int, ...]
) -> tuple[MultiPoolPlan, ...]:
    pools = []
    for product, key, legs, size in (
        ("Quadrella", "quaddie", quaddie, 40_000.0),
        ("EarlyQuadrella", "early_quaddie", early, 10_000.0),
    ):
        if not legs:
            continue
        final = size * rng.uniform(0.4, 1.6)
        tau = rng.uniform(15, 40)
        jackpot = round(rng.uniform(1000, 9000), 2) if rng.random() < 0.3 else 0.0
        guarantee = 25_000 if product == "Quadrella" else 0
        pools.append(MultiPoolPlan(product, key, legs, final, tau, guarantee, jackpot))
    return tuple(pools)
