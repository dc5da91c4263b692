"""Deterministic synthetic NZTAB racing days: a meetings list plus polled race-event bodies.

Everything this module produces is SYNTHETIC: invented venues' cards, horses, prices and results.
The bodies copy the real ones' shape (data guide §3-§4, samples in `nztab-samples/`): the same
envelope and keys, and the same quirks (prices that lose their ".0", numbers sent as strings,
money-tracker rows in pieces with rows for unknown entrants, every dividend twice), so they go
through `raceday.nztab.payloads.parse_payload` exactly like captured bodies.

Output is a pure function of (day, seed, sizes): one `random.Random` for the day plans the
meetings and gives each race its own seed, so a race's bodies depend only on its seed and the
sizes. No wall clock and no global random state are used. Bodies of one race share their static
nested blocks (form, last starts) by reference: treat them as read-only, or deep-copy first.

A race's life, one body per poll (offsets from `poll_offsets`): "Open" before the advertised
start, with fixed prices on a random walk, tote odds and money shares drifting and pools growing;
"Closed" just after the jump; "Interim" with results and Interim dividends; "Final" with every
dividend twice (Interim and Final). Markets freeze at the start, as the real ones do.
"""

from __future__ import annotations

import base64
import json
import math
import random
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from raceday.racing_day import DEFAULT_ZONE

__all__ = ["GeneratedDay", "GeneratedRace", "generate_day", "poll_offsets", "write_day"]

JsonDict = dict[str, Any]

_NZ = ZoneInfo(DEFAULT_ZONE)
_SYDNEY = ZoneInfo("Australia/Sydney")  # video_channels_meta shows AEST/AEDT wall clocks
_NS = 1_000_000_000
_ODDS_KEYS = ("fixed_win", "fixed_place", "pool_win", "pool_place")
_FIRST_RACE = time(12, 0)  # NZ wall clock of the first meeting's first race

# Poll status by minutes after the advertised start (the last poll is always Final).
_CLOSED_FROM, _INTERIM_FROM, _FINAL_FROM = 0.0, 4.0, 8.0
# Which pre-start offsets a poller with few polls keeps first (more go evenly over 2 hours).
_PRE_START_PRIORITY = (-1.0, -5.0, -30.0, -60.0, -10.0, -2.0, -15.0, -3.0, -120.0, -20.0, -45.0)
_POST_START = (0.5, 5.0, 10.0)  # Closed, Interim, Final
# The jump is 5-25 s after the advertised start, so the first post-start poll (30 s) sees it.
_JUMP_DELAY_S = (5, 25)


# --- public API --------------------------------------------------------------------------------


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
    `polls_per_race` times each, with `runners` runners per race.

    The same arguments give identical bodies; a different seed or day gives different ids.
    About one race in ten has a runner late-scratched before the start (synthetic: the real
    samples have no scratching).
    """
    _check_sizes(meetings, races_per_meeting, runners, polls_per_race)
    rng = random.Random(f"raceday-demo:{seed}:{day.isoformat()}")
    offsets = poll_offsets(polls_per_race)
    plans = _plan_meetings(rng, day, meetings, races_per_meeting)
    _choose_scratchings(rng, plans, runners, offsets)
    races = tuple(
        GeneratedRace(
            race_id=race.race_id,
            meeting_id=meeting.meeting_id,
            advertised_start=datetime.fromtimestamp(race.start, UTC),
            polls=tuple(_RaceSim(day, meeting, race, runners, offsets).polls()),
        )
        for meeting in plans
        for race in meeting.races
    )
    # The list is fetched before anything else: 5 minutes before the first poll or first start.
    first_start = min(race.start for meeting in plans for race in meeting.races)
    listed = first_start * _NS + round(min(offsets[0], 0.0) * 60 * _NS) - 5 * 60 * _NS
    meetings_body = _meetings_body(day, plans, listed - rng.randrange(1, _NS))
    return GeneratedDay(day=day, meetings_body=meetings_body, races=races)


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


# --- numbers and times -------------------------------------------------------------------------


def _num(value: float, places: int = 2) -> int | float:
    """Round like the API's JSON: 5.0 is sent as 5, 7.5 as 7.5 (data guide §7.1)."""
    rounded = round(value, places)
    return int(rounded) if rounded == int(rounded) else rounded


# Fixed-odds price ladders: (below this price, step). Real prices sit on such steps (2.35, 4.6,
# 8.5, 23), which is also why small market moves leave many prices unchanged between polls.
_WIN_LADDER = ((3.0, 0.05), (4.0, 0.1), (6.0, 0.2), (10.0, 0.5), (20.0, 1.0), (50.0, 2.0))
_WIN_LADDER_REST = ((100.0, 5.0), (math.inf, 10.0))
_PLACE_LADDER = ((2.0, 0.01), (4.0, 0.05), (10.0, 0.1), (math.inf, 0.5))


def _on_ladder(price: float, ladder: Sequence[tuple[float, float]], cap: float) -> int | float:
    step = next(step for limit, step in ladder if price < limit)
    return _num(min(cap, max(1.01, round(price / step) * step)))


def _win_price(price: float) -> int | float:
    return _on_ladder(price, (*_WIN_LADDER, *_WIN_LADDER_REST), 501.0)


def _tote_odds(price: float) -> int | float:
    # Tote approximates have one decimal (4.4, 22.8) and never go below 1.1 here.
    return _num(max(1.1, price), 1)


def _utc_text(ns: int) -> str:
    """RFC 3339 with Go's RFC3339Nano fraction: 9 digits, trailing zeros dropped."""
    seconds, nanos = divmod(ns, _NS)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}".rstrip("0") + "Z" if nanos else f"{text}Z"


def _go_text(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def _nz_wall(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, _NZ)


def _new_id(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


# --- vocabulary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Venue:
    name: str
    country: str
    state: str
    category: str  # T, H or G
    mnemonic: str
    direction: str
    surface: str
    circumference: int
    straight: int


def _venues() -> tuple[_Venue, ...]:
    rows = (
        ("Ellerslie", "NZ", "NZ", "T", "ELLR", "Right", "Turf", 1900, 380),
        ("Te Rapa", "NZ", "NZ", "T", "TRAP", "Left", "Turf", 1800, 400),
        ("Trentham", "NZ", "NZ", "T", "TREN", "Left", "Turf", 2000, 410),
        ("Riccarton Park", "NZ", "NZ", "T", "RICC", "Left", "Turf", 2000, 450),
        ("Awapuni Synthetic", "NZ", "NZ", "T", "AWAP", "Left", "Synthetic", 1555, 303),
        ("Cambridge Synthetic", "NZ", "NZ", "T", "CSYN", "Right", "Synthetic", 1500, 300),
        ("Hastings", "NZ", "NZ", "T", "HAST", "Left", "Turf", 1800, 350),
        ("Otaki", "NZ", "NZ", "T", "OTAK", "Left", "Turf", 1800, 360),
        ("Randwick", "AUS", "NSW", "T", "RAND", "Right", "Turf", 2224, 410),
        ("Flemington", "AUS", "VIC", "T", "FLEM", "Left", "Turf", 2312, 450),
        ("Eagle Farm", "AUS", "QLD", "T", "EFRM", "Right", "Turf", 2027, 434),
        ("Morphettville", "AUS", "SA", "T", "MORP", "Left", "Turf", 2339, 345),
        ("Ascot", "AUS", "WA", "T", "ASCT", "Left", "Turf", 2022, 300),
        ("Grafton", "AUS", "NSW", "T", "GRAF", "Right", "Turf", 2028, 375),
        ("Addington", "NZ", "NZ", "H", "ADDN", "Left", "All Weather", 1000, 200),
        ("Alexandra Park", "NZ", "NZ", "H", "ALEX", "Left", "All Weather", 1000, 180),
        ("Cambridge", "NZ", "NZ", "H", "CAMH", "Left", "All Weather", 1000, 190),
        ("Winton", "NZ", "NZ", "H", "WINT", "Left", "All Weather", 800, 150),
        ("Menangle", "AUS", "NSW", "H", "MENG", "Left", "All Weather", 1400, 260),
        ("Melton", "AUS", "VIC", "H", "MELT", "Left", "All Weather", 1000, 220),
        ("Albion Park", "AUS", "QLD", "H", "ALBH", "Left", "All Weather", 805, 140),
        ("Cambridge (G)", "NZ", "NZ", "G", "CAMG", "Left", "Sand", 440, 90),
        ("Addington", "NZ", "NZ", "G", "ADDG", "Left", "Sand", 470, 95),
        ("Ascot Park", "NZ", "NZ", "G", "ASPK", "Left", "Sand", 430, 85),
        ("Wentworth Park", "AUS", "NSW", "G", "WENT", "Left", "Sand", 520, 100),
        ("Sandown Park", "AUS", "VIC", "G", "SAND", "Left", "Sand", 550, 105),
        ("Angle Park", "AUS", "SA", "G", "ANGP", "Left", "Sand", 515, 95),
    )
    return tuple(_Venue(*row) for row in rows)


_VENUES = _venues()
# Meetings cycle through categories so any day of 2+ meetings has harness, 4+ greyhounds too.
_CATEGORY_CYCLE = ("T", "H", "T", "G", "T", "H", "T", "G")
_CATEGORY_NAMES = {
    "T": "Thoroughbred Horse Racing",
    "H": "Harness Horse Racing",
    "G": "Greyhound Racing",
}
_TRACK_CONDITIONS = {"T": ("Good4", "Good3", "Soft5", "Soft6", "Heavy8"), "H": ("Fast", "Good", "Easy"), "G": ("Good",)}  # fmt: skip
_WEATHER = ("Fine", "FINE", "Overcast", "OCAST", "Showery", "Cloudy")
_DISTANCES = {
    "T": (1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 2000, 2100, 2200, 2400),
    "H": (1609, 1950, 2200, 2600, 2700, 3200),
    "G": (305, 410, 440, 520, 595, 715),
}
_AGES = {"T": (2, 9), "H": (3, 10), "G": (2, 4)}
_SPEED_M_PER_S = {"T": 16.0, "H": 13.8, "G": 16.8}
_SPONSORS = (
    "PRYDA", "BRIGHT FAMILY", "NZB INSURANCE", "HYDRO", "KIWI CAR SALES", "RURAL SUPPLIES",
    "TAB FAST LINK", "WAIKATO STUD", "HARCOURTS", "FARMLANDS", "MITRE 10", "SPEIGHT'S",
)  # fmt: skip
_RACE_KINDS = {
    "T": ("HANDICAP", "MAIDEN", "RATING 65", "BENCHMARK 72", "PLATE", "STAKES"),
    "H": ("MOBILE PACE", "HANDICAP TROT", "MOBILE TROT", "STANDING START PACE"),
    "G": ("MAIDEN", "STAKES", "GRADE 5", "FREE FOR ALL"),
}
_CLASSES = {
    "T": ("Maiden", "Rating 60 HCP", "Rating 65", "Rating 75", "Open Handicap", "Benchmark 64"),
    "H": ("R40-R55", "R56-R65", "C0", "C1", "Maiden"),
    "G": ("Maiden", "Grade 5", "Grade 6", "Mixed 4/5", "Free For All"),
}
_NAME_FIRST = (
    "Bonnie", "Voice Of", "Don", "Star", "Golden", "Silent", "Kōwhai", "Lucky", "Rapid", "Midnight",
    "Whetū", "Southern", "Royal", "Copper", "Te", "Blue", "Wild", "Little", "Captain", "Misty",
    "Dancing", "Iron", "Sweet", "Flying", "Señor", "Ocean", "Red", "Winter", "Brave", "Quiet",
)  # fmt: skip
_NAME_SECOND = (
    "Gem", "Ohio", "Pauly", "Pello", "Harvest", "Knight", "Gold", "Charm", "Ruler", "Express",
    "Moana", "Cross", "Legend", "Coin", "Awa", "Lagoon", "Spirit", "Dreamer", "Mahi", "Echo",
    "Tide", "Warrior", "Melody", "Arrow", "Rocket", "Jewel", "Storm", "Sky", "Heart", "Road",
)  # fmt: skip
_PEOPLE_FIRST = (
    "Kate", "Liam", "Amber", "Chris", "Samantha", "Michael", "Ashlee", "Rhys", "Aroha", "Jess",
    "Tane", "Olivia", "Matthew", "Ngaire", "Craig", "Hannah", "Wiremu", "Ruby", "Lachie", "Mere",
)  # fmt: skip
_PEOPLE_LAST = (
    "Hercock", "Kauri", "Riddell", "Dell", "Collett", "McNab", "Strawbridge", "Tamaki", "Walker",
    "Ngata", "Brennan", "Cole", "Old", "Parata", "Sweeney", "Lord", "Latta", "Myers", "Quinn",
    "Te Huia",
)  # fmt: skip
_TOWNS = ("Cambridge", "Matamata", "Te Awamutu", "Awapuni", "Riccarton", "Wanganui", "Hastings", "Ōtaki", "Foxton", "Ruakaka")  # fmt: skip
_COLOURS = ("cerise", "gold", "royal blue", "white", "black", "emerald green", "pink", "navy", "red", "silver", "purple", "yellow")  # fmt: skip
_PATTERNS = ("hoops", "chevrons", "stars", "diamond band", "crossed sashes", "quarters", "stripes", "spots")  # fmt: skip
_GEAR = (
    "[Approved Plates, Lugging Bit]",
    "[Approved Plates, Blinkers, Lugging Bit, Nose Band]",
    "Nose Band OFF [Approved Plates, Blinkers, Lugging Bit]",
    "Blinkers ON [Approved Plates, Ear Covers Pre-Race, Lugging Bit]",
    "[Approved Plates, Barrier Blanket, Tongue Tie]",
)
_RUNNER_CHANGES = ("Gear Change", "Gelding", "Stable Change - {trainer}", "Jockey Change")
_FORM_INDICATORS = (
    ("Jockey Flying", "Jockey", False, 160),
    ("Won Last Start", "Form", False, 100),
    ("Track Winner", "Track", False, 120),
    ("Distance Winner", "Distance", False, 130),
    ("Resuming", "Preparation", False, 90),
    ("Beaten Favourite", "Form", True, 200),
)
_SPEEDMAP_LABELS = ((2, "Leader"), (5, "Front Runner"), (9, "Midfield"), (99, "Back Marker"))
_MARGINS = (
    (0.05, "NSE"), (0.1, "SH HD"), (0.2, "HD"), (0.3, "NK"), (0.4, "LG NK"), (0.5, "1/2L"),
    (0.75, "3/4L"), (1.0, "1L"), (1.25, "1-1/4L"), (1.75, "1-3/4L"), (2.0, "2L"), (3.0, "3L"),
)  # fmt: skip
_BASE_PRIZE = {"T": 17_000, "H": 12_000, "G": 4_000}  # dollars, an ordinary race
_PRIZE_SPLIT = (0.56, 0.18, 0.09, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02)
_PREVIEW_PHRASES = (
    "has been racing well and looks the one to beat",
    "steps up in distance, which should suit",
    "was only narrowly beaten last start and can go one better",
    "returns from a spell but trials suggest he is ready",
    "drops in class and commands respect",
)
_STAT_BLOCKS = (
    "first_up", "second_up", "third_up", "fourth_up", "track", "distance", "track_distance",
    "good", "soft", "heavy", "turf", "synthetic",
)  # fmt: skip
_LATE_STAT_BLOCKS = ("left_handed", "right_handed", "hurdle", "steeple", "fresh_30", "fresh_90", "weight_for_age")  # fmt: skip
# data.favourite and data.mover lack these runner keys (data guide §4.4).
_NOT_IN_FAVOURITE = frozenset(
    {"flucs", "flucs_with_timestamp", "picks", "meta", "scr_time", "competitor_id",
     "ride_guide_exists", "ride_guide_thumbnail", "ride_guide_file"}
)  # fmt: skip


# --- the day's plan: meetings, races, multi-race pools ------------------------------------------


@dataclass(frozen=True)
class _PoolCurve:
    """A pool total that grows toward `final` until `close_ns` and then stays there.

    Most money arrives in the last minutes: total = final / (1 + minutes_left / tau) ** 1.3.
    """

    final: float
    close_ns: int
    tau: float

    def total(self, ns: int) -> int | float:
        minutes_left = max(0.0, (self.close_ns - ns) / (60 * _NS))
        return _num(self.final / (1.0 + minutes_left / self.tau) ** 1.3)

    def is_open(self, ns: int) -> bool:
        return ns < self.close_ns


@dataclass(frozen=True)
class _MultiPool:
    """A meeting's Quadrella or EarlyQuadrella, shown on each of its legs' races."""

    product_type: str
    legs_key: str  # "quaddie" or "early_quaddie", the key the API uses for the legs
    legs: tuple[int, ...]
    curve: _PoolCurve
    guarantee: int
    jackpot: float
    final_leg_start: str  # NZ local "YYYY-MM-DD HH:MM"


@dataclass
class _RacePlan:
    race_id: UUID
    race_number: int
    name: str
    distance: int
    start: int  # advertised start, epoch seconds
    seed: int
    scratch: bool = False  # one runner late-scratched (synthetic)


@dataclass
class _MeetingPlan:
    meeting_id: UUID
    venue: _Venue
    tote_number: int
    track_condition: str
    weather: str
    video_channels: list[str]
    races: list[_RacePlan]
    quaddie: list[int]
    early_quaddie: list[int]
    multi_pools: list[_MultiPool]


def _plan_meetings(
    rng: random.Random, day: date, meetings: int, races_per_meeting: int
) -> list[_MeetingPlan]:
    noon = datetime.combine(day, _FIRST_RACE, _NZ).astimezone(UTC)  # 12:00 NZST or NZDT
    plans = []
    for index in range(meetings):
        category = _CATEGORY_CYCLE[index % len(_CATEGORY_CYCLE)]
        venue = rng.choice([v for v in _VENUES if v.category == category])
        meeting_id = _new_id(rng)
        # Meetings are staggered inside the 30-minute gap between a meeting's races.
        first = noon + timedelta(minutes=round(index * 30 / meetings))
        races = _plan_races(rng, venue, first, races_per_meeting)
        quaddie = [r.race_number for r in races[-4:]] if len(races) >= 4 else []
        early = [r.race_number for r in races[-8:-4]] if len(races) >= 8 else []
        plans.append(
            _MeetingPlan(
                meeting_id=meeting_id,
                venue=venue,
                tote_number=index + 1 if venue.country == "NZ" else 20 + index,
                track_condition=rng.choice(_TRACK_CONDITIONS[category])
                if venue.surface != "Synthetic"
                else "Synthetic",
                weather=rng.choice(_WEATHER),
                video_channels=["Trackside1"] if venue.country == "NZ" else ["Trackside2"],
                races=races,
                quaddie=quaddie,
                early_quaddie=early,
                multi_pools=_multi_pools(rng, races, quaddie, early),
            )
        )
    return plans


def _plan_races(rng: random.Random, venue: _Venue, first: datetime, count: int) -> list[_RacePlan]:
    races = []
    start = first
    for number in range(1, count + 1):
        distance = rng.choice(_DISTANCES[venue.category])
        name = f"{rng.choice(_SPONSORS)} {rng.choice(_RACE_KINDS[venue.category])}"
        if venue.category == "T":
            name += f" {distance}"
        if venue.country == "AUS":  # Australian race names come in Title Case
            name = name.title()
        races.append(
            _RacePlan(
                _new_id(rng), number, name, distance, int(start.timestamp()), rng.getrandbits(64)
            )
        )
        start += timedelta(minutes=rng.choice((25, 28, 30, 30, 32, 35)))
    return races


def _multi_pools(
    rng: random.Random, races: list[_RacePlan], quaddie: list[int], early: list[int]
) -> list[_MultiPool]:
    by_number = {r.race_number: r for r in races}
    pools = []
    for product, key, legs, size in (
        ("Quadrella", "quaddie", quaddie, 40_000.0),
        ("EarlyQuadrella", "early_quaddie", early, 10_000.0),
    ):
        if not legs:
            continue
        close_ns = by_number[legs[0]].start * _NS
        last_start = _nz_wall(by_number[legs[-1]].start).strftime("%Y-%m-%d %H:%M")
        curve = _PoolCurve(size * rng.uniform(0.4, 1.6), close_ns, rng.uniform(15, 40))
        jackpot = round(rng.uniform(1000, 9000), 2) if rng.random() < 0.3 else 0.0
        guarantee = 25_000 if product == "Quadrella" else 0
        pools.append(_MultiPool(product, key, tuple(legs), curve, guarantee, jackpot, last_start))
    return pools


def _choose_scratchings(
    rng: random.Random, plans: list[_MeetingPlan], runners: int, offsets: Sequence[float]
) -> None:
    """Mark one race in ten for a late scratching (synthetic: the samples have none).

    Only where the field stays large enough and the scratching can be seen: a pre-start poll
    before it and one from it on.
    """
    races = [race for meeting in plans for race in meeting.races]
    if runners < 6 or sum(1 for o in offsets if o < 0) < 2:
        return
    for race in rng.sample(races, len(races) // 10):
        race.scratch = True


# --- one race ----------------------------------------------------------------------------------


@dataclass
class _Runner:
    """A runner's identity plus its market state between polls."""

    index: int
    entrant_id: str
    name: str
    number: int
    barrier: int
    static: JsonDict  # every key of the runner object, in API order; dynamic ones overwritten
    strength: float  # log of the market's win chance, up to a constant
    tote_bias: float  # how far the tote's view departs from the bookmaker's
    drift: float  # steady move per poll: negative for a plunger, so "mover" means something
    history: list[tuple[int, str, int | float]]  # fixed-win flucs: (ns, timestamp, price)
    scratched_at: int = 0  # epoch seconds; 0 = running


class _RaceSim:
    """Builds one race's card, then walks its market through the polls, one body per poll."""

    def __init__(
        self,
        day: date,
        meeting: _MeetingPlan,
        plan: _RacePlan,
        runners: int,
        offsets: Sequence[float],
    ) -> None:
        self.day, self.meeting, self.plan, self.offsets = day, meeting, plan, offsets
        self.venue = meeting.venue
        self.rng = random.Random(plan.seed)
        self.race_id = str(plan.race_id)
        self.token = base64.b64encode(f"race:{plan.seed % 9_000_000}".encode()).decode().rstrip("=")
        self.runners = self._make_runners(runners)
        self.race_static = self._race_static()
        self.win_overround = self.rng.uniform(1.12, 1.25)
        self.place_factor = self.rng.uniform(3.5, 5.0)
        self.pools = self._single_pools()
        self.money_pieces = self._money_pieces()
        self.jump = plan.start + self.rng.randint(*_JUMP_DELAY_S)
        self.nine_am = int(datetime.combine(day, time(9, 0), _NZ).timestamp()) * _NS
        self.results: list[_Runner] = []

    # --- card ------------------------------------------------------------------------------

    def _make_runners(self, count: int) -> list[_Runner]:
        rng = self.rng
        names: list[str] = []
        while len(names) < count:
            name = f"{rng.choice(_NAME_FIRST)} {rng.choice(_NAME_SECOND)}"
            if name not in names:
                names.append(name)
        barriers = list(range(1, count + 1))
        if self.venue.category != "G":  # greyhounds start from their own box
            rng.shuffle(barriers)
        plunger = rng.randrange(count)
        runners = []
        for index in range(count):
            entrant_id = str(_new_id(rng))
            runner = _Runner(
                index=index,
                entrant_id=entrant_id,
                name=names[index],
                number=index + 1,
                barrier=barriers[index],
                static={},
                strength=rng.gauss(0.0, 0.8),
                tote_bias=rng.gauss(0.0, 0.12),
                drift=-0.12 if index == plunger else 0.0,
                history=[],
            )
            runner.static = _RunnerCard(rng, self, runner).build()
            runners.append(runner)
        return runners

    def _race_static(self) -> JsonDict:
        rng, venue, plan, meeting = self.rng, self.venue, self.plan, self.meeting
        start_nz = _nz_wall(plan.start)
        harness = venue.category == "H"
        feature = venue.category == "T" and plan.race_number == max(1, len(meeting.races) - 1)
        prize_total = _BASE_PRIZE[venue.category] * rng.choice((1, 1, 2, 3)) * (8 if feature else 1)
        prizes = {
            f"{n}{_ordinal(n)}": round(prize_total * s) for n, s in enumerate(_PRIZE_SPLIT, 1)
        }
        prizes["total_value"] = sum(prizes.values())
        by_chance = sorted(self.runners, key=lambda r: -r.strength)
        tips = [r.entrant_id for r in by_chance[:3]] + [str(_new_id(rng))]  # one points nowhere
        comment = " ".join(
            f"{r.name.upper()} ({r.number}) {rng.choice(_PREVIEW_PHRASES)}." for r in by_chance[:4]
        )
        channel = meeting.video_channels[0]
        return {
            "event_id": self.race_id,
            "meeting_name": venue.name,
            "display_meeting_name": venue.name,
            "meeting_id": str(meeting.meeting_id),
            "status": "Open",
            "description": plan.name,
            "advertised_start": plan.start,
            "advertised_start_string": _go_text(plan.start),
            "race_date_nz": self.day.isoformat(),
            "start_time_nz": f"{start_nz:%H:%M:%S} {start_nz.tzname()}",
            "race_number": plan.race_number,
            "type": venue.category,
            "start_type": rng.choice(("Mobile", "Standing")) if harness else "",
            "country": venue.country,
            "state": venue.state,
            "distance": plan.distance,
            "weather": meeting.weather,
            "form_guide": "",
            "comment": comment,
            "silk_base_url": "drr38safykj6s.cloudfront.net",
            "track_condition": meeting.track_condition,
            "track_direction": venue.direction,
            "track_surface": venue.surface,
            "track_circumference": venue.circumference,
            "silk_url": f"https://cdn.prod.pricekinetics.com/silks/sprites/cerberus/betmakers-{self.token}_SPRITE_64x64.png",
            "entrant_count": len(self.runners),
            "field_size": len(self.runners),
            "positions_paid": 3 if len(self.runners) >= 8 else 2,
            "video_channels": list(meeting.video_channels),
            "video_channels_meta": {"Live1": self._video_meta(channel)},
            "tips": tips,
            "rail_position": f"{rng.choice(('True', 'Out 3m', 'Out 5m entire circuit'))} | No Rain Last 24 Hours | {rng.randint(0, 40)}mm Rain Last 7 Days",
            "group": rng.choice(("Listed", "Group 3", "Group 2")) if feature else "",
            "class": rng.choice(_CLASSES[venue.category]),
            "prize_monies": dict(sorted(prizes.items())),  # Go sorts map keys: "10th" comes first
            "ffwin_option_number": rng.randint(100, 999),
            "fftop3_option_number": rng.randint(1000, 1999),
            "gait": rng.choice(("Pace", "Trot")) if harness else "",
            "track_home_straight": venue.straight,
            "gender_conditions": "unrestricted",
            "allowance_conditions": venue.category == "T",
            "age_conditions": "Unrestricted",
            "special_conditions": "",
            "jockey_conditions": "C" if venue.category == "T" else "",
            "weight_and_handicap_conditions": "hcp" if venue.category == "T" else "",
            "mile_rate_400": "",
            "mile_rate_800": "",
        }

    def _video_meta(self, channel: str) -> JsonDict:
        start = datetime.fromtimestamp(self.plan.start, UTC)
        return {
            "RaceNo": self.plan.race_number,
            "RaceType": self.venue.category,
            "VenueName": self.venue.name,
            "CrossPoint": self.rng.randint(1, 40),
            "RacePriority": "1",
            "CrossPointName": channel.upper(),
            "UtcRaceStartTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "VenueCountryCode": self.venue.country,
            "DisplayRaceStartTime": start.astimezone(_SYDNEY).strftime("%Y-%m-%dT%H:%M:%S"),
        }

    def _single_pools(self) -> list[tuple[str, _PoolCurve, JsonDict]]:
        """The race's own pools (final size relative to Win), in a shuffled order like the API."""
        rng = self.rng
        win = rng.lognormvariate(math.log(15_000), 0.5)
        close_ns = self.plan.start * _NS
        tau = rng.uniform(6, 15)
        first4_jackpot = round(rng.uniform(500, 5000), 2) if rng.random() < 0.15 else 0
        pools = []
        for product, share in (("Win", 1.0), ("Place", 0.4), ("Quinella", 0.6), ("Trifecta", 0.85), ("FirstFour", 0.5)):  # fmt: skip
            jackpot = first4_jackpot if product == "FirstFour" else 0
            extra: JsonDict = {"jackpot": jackpot, "brought_forward": jackpot}
            curve = _PoolCurve(win * share * rng.uniform(0.8, 1.2), close_ns, tau)
            pools.append((product, curve, extra))
        rng.shuffle(pools)
        return pools

    def _money_pieces(self) -> list[tuple[str, int | None, float]]:
        """money_tracker rows as (entrant_id, runner index or None, weight within the owner).

        Real bodies carry ~9 rows per entrant that sum, over all rows, to about 100, plus a few
        rows for entrant ids that are not in runners[]; the pieces keep fixed weights so each
        row's value drifts with its entrant's share.
        """
        rng = self.rng
        pieces: list[tuple[str, int | None, float]] = []
        for runner in self.runners:
            weights = [rng.expovariate(1.0) ** 2 for _ in range(rng.randint(3, 10))]
            pieces += [(runner.entrant_id, runner.index, w / sum(weights)) for w in weights]
        for _ in range(rng.randint(1, 2)):
            pieces.append((str(_new_id(rng)), None, rng.uniform(0.3, 0.7)))
        rng.shuffle(pieces)
        return pieces

    # --- polls -----------------------------------------------------------------------------

    def polls(self) -> Iterator[JsonDict]:
        rng, start_ns = self.rng, self.plan.start * _NS
        times = [start_ns + round(o * 60 * _NS) + rng.randrange(1, _NS) for o in self.offsets]
        pre_start = [i for i, o in enumerate(self.offsets) if o < 0]
        scratch_poll = rng.randint(pre_start[1], pre_start[-1]) if self.plan.scratch else -1
        market = self._market()
        money = self._money_rows(market)
        self._open_history(times[0], market)
        for i, (offset, ns) in enumerate(zip(self.offsets, times, strict=True)):
            status = _status(offset, last=i == len(times) - 1)
            if i > 0 and offset < 0:  # markets move only before the jump
                if i == scratch_poll:
                    self._scratch(rng.randint(times[i - 1] // _NS + 1, ns // _NS))
                self._walk()
                market = self._market()
                money = self._money_rows(market)
                self._record_moves(market, times[i - 1], ns)
            if status in ("Interim", "Final") and not self.results:
                self.results = self._finishing_order(market)
            yield self._body(ns, status, market, [dict(row) for row in money])

    def _starters(self) -> list[_Runner]:
        return [r for r in self.runners if not r.scratched_at]

    def _walk(self) -> None:
        for runner in self._starters():
            if self.rng.random() < 0.45:  # about half the runners' chances move between polls
                runner.strength += self.rng.gauss(0.0, 0.1)
            runner.strength += runner.drift
            runner.tote_bias += self.rng.gauss(0.0, 0.04)

    def _scratch(self, at: int) -> None:
        # Synthetic late scratching: the samples have none (data guide §2).
        candidates = [r for r in self._starters() if not r.drift]
        self.rng.choice(candidates).scratched_at = at

    def _market(self) -> dict[int, _Prices]:
        """Current prices of the starters: bookmaker chances p, tote shares q."""
        starters = self._starters()
        p = _capped_softmax([r.strength for r in starters])
        q = _capped_softmax([r.strength + r.tote_bias for r in starters])
        prices = {}
        for runner, p_i, q_i in zip(starters, p, q, strict=True):
            fixed_win = _win_price(1.0 / (p_i * self.win_overround))
            pool_win = _tote_odds(0.85 / q_i)
            prices[runner.index] = _Prices(
                p=p_i,
                q=q_i,
                fixed_win=fixed_win,
                fixed_place=_on_ladder(
                    1.0 + (fixed_win - 1.0) / self.place_factor, _PLACE_LADDER, 101.0
                ),
                pool_win=pool_win,
                pool_place=_tote_odds(1.0 + (pool_win - 1.0) / (self.place_factor - 0.5)),
            )
        return prices

    def _open_history(self, first_poll: int, market: dict[int, _Prices]) -> None:
        """Fixed-win flucs before the first poll: an opening price the evening before, maybe a
        move or two, then the first poll's price."""
        rng = self.rng
        opened = datetime.combine(self.day - timedelta(days=1), time(16, 0), _NZ).timestamp()
        for runner in self.runners:
            now = market[runner.index].fixed_win
            ns = int(opened) * _NS + rng.randrange(120 * 60 * _NS)
            prices = [
                _win_price(now * math.exp(rng.gauss(0.0, 0.25))) for _ in range(rng.randint(1, 3))
            ]
            for price in [*prices, now]:
                if not runner.history or runner.history[-1][2] != price:
                    runner.history.append((ns, _utc_text(ns), price))
                ns += rng.randrange(max(1, (first_poll - ns) // 3))

    def _record_moves(self, market: dict[int, _Prices], previous: int, now: int) -> None:
        for runner in self._starters():
            price = market[runner.index].fixed_win
            if runner.history[-1][2] != price:
                ns = self.rng.randint(previous + 1, now - 1)  # sometime between the two polls
                runner.history.append((ns, _utc_text(ns), price))

    def _finishing_order(self, market: dict[int, _Prices]) -> list[_Runner]:
        """Draw the first four finishers by win chance (Plackett-Luce). No dead heats."""
        left = self._starters()
        order: list[_Runner] = []
        while left and len(order) < 4:
            pick = self.rng.choices(left, weights=[market[r.index].p for r in left])[0]
            order.append(pick)
            left.remove(pick)
        return order

    # --- body ------------------------------------------------------------------------------

    def _body(
        self, ns: int, status: str, market: dict[int, _Prices], money: list[JsonDict]
    ) -> JsonDict:
        favourite_index = self._favourite(market)
        mover_index = self._mover(market)
        runners = [
            self._runner(r, market, ns, r.index == favourite_index, r.index == mover_index)
            for r in self.runners
        ]
        favourite = next((r for r in runners if r["favourite"]), None)
        mover = next((r for r in runners if r["mover"]), None)
        after = status in ("Interim", "Final")
        return {
            "header": {
                "title": f"Event Details: {self.race_id}",
                "generated_time": _utc_text(ns),
                "url": f"/affiliates/v1/racing/events/{self.race_id}",
            },
            "params": {
                "enc": "json",
                "id": self.race_id,
                "present_overlay": False,
                "with_big_bets": False,
                "with_live_bets": False,
                "with_money_tracker": True,
                "with_biggest_bet": False,
                "will_pays": True,
                "with_tote_trends_data": True,
                "bet_type_filter": "",
                "bets_limit": 10,
            },
            "data": {
                "race": self._race(status, ns),
                "results": self._results() if after else [],
                "dividends": self._dividends(status, market) if after else [],
                "substitutions": self._substitutions(market),
                # Real oddity kept: the favourite copy has its own favourite flag false.
                "favourite": _runner_copy(favourite, favourite=False) if favourite else None,
                "runners": runners,
                "derivatives": None,
                "mover": _runner_copy(mover) if mover else None,
                "big_bets": None,
                "live_bets": None,
                "biggest_bet": None,
                "money_tracker": {"entrants": money},
                "tote_pools": self._tote_pools(ns, status),
                "error": "",
            },
        }

    def _race(self, status: str, ns: int) -> JsonDict:
        starters = len(self._starters())
        race = {**self.race_static, "status": status}
        race["field_size"] = starters
        race["positions_paid"] = 3 if starters >= 8 else 2
        if ns >= self.jump * _NS:
            # Before the jump the key is left out (no pre-start sample shows what NZTAB sends).
            race["actual_start"] = self.jump
            race["actual_start_string"] = _go_text(self.jump)
        return race

    def _runner(
        self, runner: _Runner, market: dict[int, _Prices], ns: int, favourite: bool, mover: bool
    ) -> JsonDict:
        prices = market.get(runner.index)
        scratched = prices is None
        return {
            **runner.static,
            "is_scratched": scratched,
            "is_late_scratched": scratched,
            "odds": prices.odds() if prices else dict.fromkeys(_ODDS_KEYS, 0),  # scratched: 0
            "scratch_time": runner.scratched_at,
            "favourite": favourite,
            "mover": mover,
            "flucs": [price for _, _, price in runner.history[-6:]],
            "flucs_with_timestamp": self._flucs(runner, ns),
        }

    def _favourite(self, market: dict[int, _Prices]) -> int:
        # Exactly one favourite: the lowest fixed-win price, the lower number on a tie.
        return min(self._starters(), key=lambda r: (market[r.index].fixed_win, r.number)).index

    def _mover(self, market: dict[int, _Prices]) -> int | None:
        # The runner whose price shortened most from its opening price, if any did.
        best, best_ratio = None, 1.0
        for runner in self._starters():
            ratio = runner.history[0][2] / market[runner.index].fixed_win
            if ratio > best_ratio:
                best, best_ratio = runner.index, ratio
        return best

    def _flucs(self, runner: _Runner, ns: int) -> JsonDict:
        history = runner.history
        at_nine = [h for h in history if h[0] <= min(self.nine_am, ns)] or history[:1]

        def entry(item: tuple[int, str, int | float]) -> JsonDict:
            return {"timestamp": item[1], "fluc": item[2]}

        return {
            "last_six": [entry(h) for h in history[-6:]],
            "open": entry(history[0]),
            "high": entry(max(history, key=lambda h: h[2])),
            "low": entry(min(history, key=lambda h: h[2])),
            "nine_am": entry(at_nine[-1]),
        }

    def _substitutions(self, market: dict[int, _Prices]) -> list[JsonDict]:
        # Probably the tote's substitute for late-scratching refunds: the tote favourite here.
        starters = self._starters()
        sub = min(starters, key=lambda r: (market[r.index].pool_win, r.number))
        return [{"entrant_id": sub.entrant_id, "tote": "NZ", "product_name": "Pool Win"}]

    def _money_rows(self, market: dict[int, _Prices]) -> list[JsonDict]:
        """Apportion a total of 99-104 points over the pieces: hold by tote share, bets flatter."""
        starters = len(market)
        foreign = 0.03
        hold, bet = [], []
        for _, index, weight in self.money_pieces:
            prices = market.get(index) if index is not None else None
            if index is None:
                hold.append(foreign * weight)
                bet.append(foreign * weight)
            elif prices is None:  # scratched: its rows stay, at 0
                hold.append(0.0)
                bet.append(0.0)
            else:
                hold.append(prices.q * weight)
                bet.append((0.6 * prices.q + 0.4 / starters) * weight)
        holds = _apportion(hold, self.rng.randint(99, 104))
        bets = _apportion(bet, self.rng.randint(99, 104))
        return [
            {"entrant_id": entrant_id, "hold_percentage": h, "bet_percentage": b}
            for (entrant_id, _, _), h, b in zip(self.money_pieces, holds, bets, strict=True)
        ]

    def _tote_pools(self, ns: int, status: str) -> list[JsonDict]:
        pools = []
        for product, curve, extra in self.pools:
            pool = _pool_dict(product, curve, ns, extra)
            pool["is_final"] = status == "Final"  # meaning unconfirmed; true on Final samples
            if product in ("Trifecta", "FirstFour"):
                code = "TFA" if product == "Trifecta" else "FT4"
                pool["tote_trends"] = self._tote_trends(code, pool["total"])
            pools.append(pool)
        for multi in self.meeting.multi_pools:
            if self.plan.race_number in multi.legs:
                pool = _pool_dict(multi.product_type, multi.curve, ns, {"jackpot": multi.jackpot})
                pool |= {
                    "guarantee": multi.guarantee,
                    "is_commingled": False,
                    "commingled_info": False,
                }
                pool["win_investment"] = ""
                pool[multi.legs_key] = list(multi.legs)
                pool["tote_trends"] = self._tote_trends("QAD", pool["total"])
                pool["tote_trends"]["final_leg_start_time"] = multi.final_leg_start
                pools.append(pool)
        return pools

    def _tote_trends(self, code: str, total: float) -> JsonDict:
        # tote_trends.pool_total differs from the pool's total in the samples (8388.20 vs 7976.24).
        pool_total = _num(total * 1.04)
        xml = "\r\n".join(
            (
                "<meetings>",
                f"  <date>{self.day.isoformat()}</date>",
                f'  <meeting meeting_number="{self.meeting.tote_number}" meeting_type="R">',
                f'    <meet_ID meet_mnem="{self.venue.mnemonic}" NetSet_Name="{self.venue.name}"/>',
                f'    <race race_number="{self.plan.race_number}">',
                f'      <bet_types><bet_type type="{code}"><pool_total>{pool_total:.2f}</pool_total></bet_type></bet_types>',
                "    </race>",
                "  </meeting>",
                "</meetings>",
            )
        )
        return {"pool_total": pool_total, "tote_trends_data": xml}

    def _results(self) -> list[JsonDict]:
        rng = random.Random(self.plan.seed ^ 0x5EED)  # same margins on every poll
        rows, lengths = [], 0.0
        for position, runner in enumerate(self.results, start=1):
            row: JsonDict = {
                "position": position,
                "name": runner.name,
                "barrier": runner.barrier,
                "runner_number": runner.number,
                "margin_length": _num(lengths),
                "entrant_id": runner.entrant_id,
            }
            if position == 1:
                seconds = self.plan.distance / _SPEED_M_PER_S[self.venue.category]
                row["winning_time"] = row["time_ran"] = round(seconds * rng.uniform(0.97, 1.04), 2)
            else:
                behind, row["positional_margin"] = rng.choice(_MARGINS)
                lengths += behind
                row["margin_length"] = _num(lengths)
            rows.append(row)
        return rows

    def _dividends(self, status: str, market: dict[int, _Prices]) -> list[JsonDict]:
        """Pool dividends from the closing tote; on Final polls every one twice (Interim, Final)."""
        totals = {product: float(curve.final) for product, curve, _ in self.pools}
        order = self.results
        places = 3 if len(market) >= 8 else 2
        q = [market[r.index].q for r in order]
        bets: list[tuple[str, str, list[_Runner], float]] = [
            ("Pool Win", "Win", order[:1], float(market[order[0].index].pool_win))
        ]
        bets += [
            ("Pool Place", "Place", [r], float(market[r.index].pool_place)) for r in order[:places]
        ]
        for product, pool, size, takeout in (("Pool Quinella", "Quinella", 2, 0.82), ("Pool Trifecta", "Trifecta", 3, 0.8), ("Pool First4", "FirstFour", 4, 0.78)):  # fmt: skip
            if len(order) >= size:
                chance = _harville(q[:size])
                if size == 2:  # a quinella wins in either order
                    chance += _harville(q[1::-1])
                bets.append(
                    (product, pool, order[:size], min(takeout / chance, totals[pool] * 0.8))
                )
        rows = []
        for row_status in ("Interim", "Final") if status == "Final" else ("Interim",):
            for product, pool, picks, dividend in bets:
                description = ":".join(str(r.number) for r in picks)
                rows.append(
                    {
                        "id": str(
                            uuid.uuid5(self.plan.race_id, f"{product}/{description}/{row_status}")
                        ),
                        "tote": "NZ",
                        "product_name": product,
                        "status": row_status,
                        "dividend": _num(max(1.0, dividend), 1),
                        "pool_size": _num(totals[pool]),
                        "jackpot_size": 0,
                        "positions": [
                            {"runner_number": r.number, "position": 1 if len(picks) == 1 else n}
                            for n, r in enumerate(picks, start=1)
                        ],
                        "description": description,
                    }
                )
        random.Random(self.plan.seed ^ len(rows)).shuffle(rows)  # the API lists them in no order
        return rows


@dataclass(frozen=True)
class _Prices:
    p: float  # bookmaker's win chance
    q: float  # tote's win share
    fixed_win: int | float
    fixed_place: int | float
    pool_win: int | float
    pool_place: int | float

    def odds(self) -> JsonDict:
        return {key: getattr(self, key) for key in _ODDS_KEYS}


def _status(offset: float, *, last: bool) -> str:
    if last or offset >= _FINAL_FROM:
        return "Final"
    if offset >= _INTERIM_FROM:
        return "Interim"
    return "Closed" if offset >= _CLOSED_FROM else "Open"


def _capped_softmax(logits: Sequence[float], cap: float = 0.8) -> list[float]:
    """Win chances from log-strengths; no runner above `cap`, so no money share nears 100."""
    top = max(logits)
    weights = [math.exp(x - top) for x in logits]
    total = sum(weights)
    chances = [w / total for w in weights]
    biggest, n = max(chances), len(chances)
    if biggest > cap:  # blend with an even field just enough to bring the top down to cap
        a = (cap - 1 / n) / (biggest - 1 / n)
        chances = [a * c + (1 - a) / n for c in chances]
    return chances


def _harville(shares: Sequence[float]) -> float:
    """Chance that runners finish in exactly this order, from win shares (Harville)."""
    chance, left = 1.0, 1.0
    for share in shares:
        chance *= share / left
        left -= share
    return chance


def _apportion(values: Sequence[float], total: int) -> list[int]:
    """Whole numbers proportional to `values` that add up to `total` (largest remainder)."""
    weight = sum(values)
    if weight <= 0:
        return [0] * len(values)
    exact = [v * total / weight for v in values]
    whole = [int(x) for x in exact]
    by_remainder = sorted(range(len(values)), key=lambda k: whole[k] - exact[k])
    for k in by_remainder[: total - sum(whole)]:
        whole[k] += 1
    return whole


def _pool_dict(product: str, curve: _PoolCurve, ns: int, extra: JsonDict) -> JsonDict:
    total = curve.total(ns)
    pool: JsonDict = {
        "product_type": product,
        "total": total,
        "status": "OPEN" if curve.is_open(ns) else "CLOSED",
        "guarantee": 0,
        "brought_forward": 0,
        "terminating": False,
        "jackpot": 0,
        "leg": 0,
        "is_commingled": True,
        "commingled_info": True,
        "is_concession": False,
        "win_investment": str(int(total * 7.8) // 100 * 100),  # meaning unknown; "71800"-like
        "will_pay_live_units": 0,
        "will_pay_current_leg": 0,
    }
    pool.update(extra)
    return pool


def _runner_copy(runner: JsonDict, **changes: Any) -> JsonDict:
    """data.favourite / data.mover: the runner without the keys those copies lack."""
    return {k: v for k, v in runner.items() if k not in _NOT_IN_FAVOURITE} | changes


def _ordinal(n: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")


# --- a runner's card ----------------------------------------------------------------------------


class _RunnerCard:
    """The static part of one runner object: identity, form, stats, last starts."""

    def __init__(self, rng: random.Random, race: _RaceSim, runner: _Runner) -> None:
        self.rng, self.race, self.runner = rng, race, runner
        self.category = race.venue.category
        self.starts = 0 if rng.random() < 0.06 else rng.randint(1, 45)  # a few debutants

    def build(self) -> JsonDict:
        rng, runner, race = self.rng, self.runner, self.race
        greyhound = self.category == "G"
        age = rng.randint(*_AGES[self.category])
        foaled = date(race.day.year - age, rng.randint(8, 12), rng.randint(1, 28))  # NZ spring
        sire, dam = self._horse_name(), self._horse_name()
        apprentice = self.category == "T" and rng.random() < 0.25
        jockey = "" if greyhound else self._person()
        trainer = self._person()
        weight = f"{rng.randrange(108, 121) / 2:g}" if self.category == "T" else ""
        slug = _slug(runner.name)
        silk = (
            f"https://cdn.prod.pricekinetics.com/silks/events/racing/betmakers-{race.token}/{slug}"
        )
        horse_id = rng.randint(100_000, 999_999)
        last_starts = self._last_starts(min(self.starts, rng.randint(2, 10)))
        settling = rng.randint(0, 12)
        wins = rng.randint(0, self.starts // 3)
        overall = self._stats(self.starts, wins)
        card: JsonDict = {
            "entrant_id": runner.entrant_id,
            "market_name": "Final Field",
            "primary_market": True,
            "name": runner.name,
            "is_scratched": False,
            "is_late_scratched": False,
            "is_emergency": False,
            "first_start_indicator": self.starts == 0,
            "emergency_position": "",
            "runner_change": self._runner_change(trainer),
            "foaling_date": foaled.isoformat(),
            "gear": "" if greyhound else rng.choice(_GEAR),
            "odds": {},
            "scratch_time": 0,
            "barrier": runner.barrier,
            "runner_number": runner.number,
            "prize_money": str(rng.randint(0, 400) * 250),
            "age": age,
            "sex": rng.choice(("d", "b") if greyhound else ("g", "g", "m", "h", "f")),
            "colour": rng.choice(("bd", "bk", "f") if greyhound else ("b", "br", "ch", "gr")),
            "silk_colours": self._silk_colours(),
            "silk_url_64x64": f"{silk}_64x64.png",
            "silk_url_128x128": f"{silk}_128x128.png",
            "alt_silk_url_64x64": f"https://60vddugt52s3rdslo1hpoog5la.silks.betmakers.com/{horse_id}_1_1_64x64.png",
            "alt_silk_url_128x128": f"https://60vddugt52s3rdslo1hpoog5la.silks.betmakers.com/{horse_id}_1_1_128x128.png",
            "form_comment": None,
            "class_level": "",
            "jockey": jockey,
            "apprentice_indicator": "A" if apprentice else "",
            "allowance_weight": rng.choice(("1", "1.5", "2", "3")) if apprentice else "",
            "owners": f"{self._person()} & {self._person()}",
            "country": race.venue.country,
            "trainer_name": trainer,
            "last_twenty_starts": self._last_twenty(last_starts),
            "sire": sire,
            "dam": dam,
            "breeding": f"{age}  {sire}-{dam}",
            "weight": {"allocated": weight, "total": weight},  # the samples: total = allocated
            "rating": "",
            "handicap_rating": str(rng.randint(40, 90)) if self.category == "T" else "",
            "favourite": False,
            "mover": False,
            "speedmap": {
                "settling_lengths": settling,
                "entrant_id": runner.entrant_id,
                "label": next(label for limit, label in _SPEEDMAP_LABELS if settling < limit),
            },
            "form_indicators": self._form_indicators(),
            "past_performances": {"jockey": self._stats(rng.randint(0, 20), 0, short=True)},
            "jockey_past_performances": {
                "last_50_starts": self._stats(50, rng.randint(2, 12), short=True),
                "trainer": self._stats(rng.randint(0, 20), 0, short=True),
            },
        }
        card |= {block: self._sub_stats(overall) for block in _STAT_BLOCKS}
        card["overall"] = overall
        card["last_starts"] = last_starts
        card |= {block: self._sub_stats(overall) for block in _LATE_STAT_BLOCKS}
        card |= self._percentages(overall)
        card |= {
            "trainer_location": rng.choice(_TOWNS),
            "horse_id": horse_id,
            "slow": self._sub_stats(overall),
            "firm": self._sub_stats(overall),
            "dam_dam": self._horse_name(),
            "dam_sire": self._horse_name(),
            "runner_win_history": self._win_history(min(wins, 3)),
            "picks": [{"name": self._person(), "rank": rng.randint(1, 5), "selector_type": "trackside", "comment": ""}],
            "meta": None,
            "flucs": [],
            "scr_time": None,
            "competitor_id": "",
            "ride_guide_exists": False,
            "ride_guide_thumbnail": "",
            "ride_guide_file": "",
            "flucs_with_timestamp": {},
        }  # fmt: skip
        return card

    def _win_history(self, wins: int) -> list[JsonDict]:
        year = (self.race.day.year - 1) % 100
        return [
            {"details": f"{n}{_ordinal(n)} up {self.rng.randint(1, 12):02d}/{year:02d} {self.race.venue.mnemonic} MDN ({self.rng.randint(1, 12)}) 0:45"}
            for n in range(1, wins + 1)
        ]  # fmt: skip

    def _person(self) -> str:
        return f"{self.rng.choice(_PEOPLE_FIRST)} {self.rng.choice(_PEOPLE_LAST)}"

    def _horse_name(self) -> str:
        return f"{self.rng.choice(_NAME_FIRST)} {self.rng.choice(_NAME_SECOND)}"

    def _silk_colours(self) -> str:
        first, second = self.rng.sample(_COLOURS, 2)
        return f"{first.capitalize()} & {second} {self.rng.choice(_PATTERNS)}, {first} sleeves & {second} cap"

    def _runner_change(self, trainer: str) -> JsonDict | None:
        if self.rng.random() < 0.7:
            return None
        when = self.race.day - timedelta(days=self.rng.choice((0, 0, 14, 200, 700)))
        text = self.rng.choice(_RUNNER_CHANGES).format(trainer=trainer)
        return {when.strftime("%d/%m/%Y"): text}

    def _form_indicators(self) -> list[JsonDict] | None:
        if self.rng.random() < 0.6:
            return None
        picked = self.rng.sample(_FORM_INDICATORS, self.rng.randint(1, 2))
        return [
            {"name": n, "group": g, "negative": neg, "priority": pr} for n, g, neg, pr in picked
        ]

    def _stats(self, starts: int, wins: int, *, short: bool = False) -> JsonDict:
        seconds = self.rng.randint(0, max(0, (starts - wins) // 3))
        thirds = self.rng.randint(0, max(0, (starts - wins - seconds) // 3))
        stats = {
            "number_of_starts": starts,
            "number_of_wins": wins,
            "number_of_placings": 0,
            "number_of_seconds": seconds,
            "number_of_thirds": thirds,
        }
        return stats if short else stats | {"winning_distance": 0}

    def _sub_stats(self, overall: JsonDict) -> JsonDict:
        starts = self.rng.randint(0, overall["number_of_starts"])
        return self._stats(starts, self.rng.randint(0, min(starts, overall["number_of_wins"])))

    def _percentages(self, overall: JsonDict) -> JsonDict:
        starts = overall["number_of_starts"] or 1
        placed = (
            overall["number_of_wins"] + overall["number_of_seconds"] + overall["number_of_thirds"]
        )
        recent = self.rng.randint(0, min(12, overall["number_of_starts"]))
        recent_wins = self.rng.randint(0, recent // 3)
        recent_placed = recent_wins + self.rng.randint(0, (recent - recent_wins) // 2)
        return {
            "win_p": f"{round(100 * overall['number_of_wins'] / starts)}%",
            "place_p": f"{round(100 * placed / starts)}%",
            "spr": self.rng.randint(0, 3000),
            "last_12_months": {"number_of_starts": recent, "number_of_wins": recent_wins, "number_of_seconds": 0, "number_of_thirds": 0},
            "last_12_w": f"{round(100 * recent_wins / (recent or 1))}%",
            "last_12_p": f"{round(100 * recent_placed / (recent or 1))}%",
            "last_12_months_prize_money": {"NZD": _num(self.rng.uniform(0, 120_000))},
        }  # fmt: skip

    def _last_starts(self, count: int) -> list[JsonDict]:
        """Past runs, most recent first, each `days_since` the run before it."""
        runs, when = [], self.race.day
        for _ in range(count):
            gap = self.rng.choice((7, 14, 14, 21, 28, 35, 120))
            when -= timedelta(days=gap)
            runs.append(self._last_start(when, gap))
        return runs

    def _last_start(self, when: date, gap: int) -> JsonDict:
        """One past run; every value a string, as the API sends them (data guide §4.4)."""
        rng = self.rng
        runners = rng.randint(6, 16)
        distance = rng.choice(_DISTANCES[self.category])
        seconds = distance / _SPEED_M_PER_S[self.category] * rng.uniform(0.98, 1.06)
        clock = f"{int(seconds // 60)}:{seconds % 60:05.2f}"
        weight = f"{rng.randrange(108, 121) / 2:.1f}" if self.category == "T" else "0.0"
        return {
            "barrier": str(rng.randint(1, runners)),
            "days_since": str(gap),
            "distance": str(distance),
            "finish": str(rng.randint(1, runners)),
            "jockey": self._person(),
            "margin": f"{rng.uniform(0, 12):.2f}",
            "number_of_runners": str(runners),
            "class": rng.choice(_CLASSES[self.category]),
            "number": str(runners),
            "prize_money": str(rng.choice((15_000, 18_500, 25_000, 40_000))),
            "winner": self._horse_name(),
            "second": self._horse_name(),
            "third": self._horse_name(),
            "starting_price": f"{rng.uniform(1.5, 60):.2f}",
            "time_ran": clock,
            "margin_1st_2nd": rng.choice(("Nose", "Head", "Long Neck", "1 Length", "2.25 Lengths")),
            "margin_2nd_3rd": rng.choice(("Head", "1 Length", "1.75 Lengths")),
            "margin_3rd_4th": "",
            "minimum_handicap": "54.00" if self.category == "T" else "",
            "gear": "Approved Plates, Lugging Bit",
            "track": self.race.venue.mnemonic,
            "track_four_char": self.race.venue.mnemonic,
            "track_condition": rng.choice(("Good 4", "Soft 5", "Heavy 10", "Synthetic")),
            "weight_carried": weight,
            "date": when.strftime("%d/%m/%Y"),
            "bon": clock.replace(":", "."),
            "track_surface": self.race.venue.surface,
            "track_direction": f"{self.race.venue.direction} Handed",
            "run_rating": str(rng.randint(40, 90)),
        }

    def _last_twenty(self, last_starts: list[JsonDict]) -> str:
        # Oldest first, 0 for 10th or worse, as "4776X" reads in the samples.
        finishes = [s["finish"] for s in reversed(last_starts)]
        return "".join(f if len(f) == 1 else "0" for f in finishes)


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# --- meetings list ------------------------------------------------------------------------------


def _meetings_body(day: date, plans: list[_MeetingPlan], generated_ns: int) -> JsonDict:
    """GET /racing/meetings as captured before the first race: every race still Open."""
    generated = _utc_text(generated_ns)
    minute = generated[:16] + ":00Z"  # the server echoes "now" cut to the minute
    midnight = datetime.combine(day, time(0))
    meetings = []
    for plan in plans:
        venue = plan.venue
        races = []
        for race in plan.races:
            # tote_start_time counts NZ wall-clock hours from the tote raceday's midnight.
            wall = _nz_wall(race.start).replace(tzinfo=None) - midnight
            hours, rest = divmod(int(wall.total_seconds()), 3600)
            races.append(
                {
                    "id": str(race.race_id),
                    "race_number": race.race_number,
                    "name": race.name,
                    "start_time": datetime.fromtimestamp(race.start, UTC).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "tote_start_time": f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}",
                    "track_condition": plan.track_condition,
                    "distance": race.distance,
                    "weather": plan.weather,
                    "country": venue.country,
                    "state": venue.state,
                    "status": "Open",
                }
            )
        meetings.append(
            {
                "meeting": str(plan.meeting_id),
                "name": venue.name,
                "date": f"{day.isoformat()}T00:00:00Z",  # the NZ day dressed as UTC midnight
                "track_condition": plan.track_condition,
                "category": venue.category,
                "category_name": _CATEGORY_NAMES[venue.category],
                "country": venue.country,
                "state": venue.state,
                "races": races,
                "video_channels": list(plan.video_channels),
                "quaddie": list(plan.quaddie),
                "early_quaddie": list(plan.early_quaddie),
                "tote_meeting_number": plan.tote_number,
                "tote_raceday_date": day.isoformat(),
                "tote_status": "Open",
            }
        )
    return {
        "header": {"title": "Race Meetings", "generated_time": generated, "url": "/affiliates/v1/racing/meetings"},
        "params": {
            "enc": "json", "ids": None, "date_from": minute, "date_to": minute, "type": " ",
            "country": " ", "limit": 100, "offset": 0, "futures": False, "meeting_numbers": None,
        },
        "data": {"meetings": meetings},
    }  # fmt: skip
