"""A race's card: its runners' static objects (identity, form, stats, last starts) and the
static keys of `data.race`; the parts of a body that never change during the day."""

from __future__ import annotations

import base64
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from raceday.demo.catalog import (
    AGES,
    BASE_PRIZE,
    CLASSES,
    COLOURS,
    DISTANCES,
    FORM_INDICATORS,
    GEAR,
    LATE_STAT_BLOCKS,
    NAME_FIRST,
    NAME_SECOND,
    PATTERNS,
    PEOPLE_FIRST,
    PEOPLE_LAST,
    PREVIEW_PHRASES,
    PRIZE_SPLIT,
    RUNNER_CHANGES,
    SPEED_M_PER_S,
    SPEEDMAP_LABELS,
    STAT_BLOCKS,
    TOWNS,
    Venue,
)
from raceday.demo.formats import new_id, num
from raceday.demo.plan import SimMeeting, SimRace

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class CardContext:
    """What a card needs to know about its race."""

    day: date
    venue: Venue
    token: str  # the race's id in the silk URLs, base64 like the real "cmFjZToxNzI0NzAx"


@dataclass(frozen=True)
class Entrant:
    """One runner: its identity and its card (every key of the runner object, in API order;
    the ones that change with the market are overwritten in each body)."""

    index: int
    entrant_id: str
    name: str
    number: int
    barrier: int
    card: JsonDict


def make_entrants(rng: random.Random, context: CardContext, count: int) -> tuple[Entrant, ...]:
    """`count` runners with distinct names, numbered from 1, barriers shuffled (not greyhounds)."""
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
        if name not in names:
            names.append(name)
    barriers = list(range(1, count + 1))
    if context.venue.category != "G":  # greyhounds start from their own box
        rng.shuffle(barriers)
    entrants = []
    for index in range(count):
        entrant_id = str(new_id(rng))
        identity = Entrant(index, entrant_id, names[index], index + 1, barriers[index], {})
        card = RunnerCard(rng, context, identity).build()
        entrants.append(Entrant(index, entrant_id, names[index], index + 1, barriers[index], card))
    return tuple(entrants)


def ordinal(n: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")


def race_template(
    rng: random.Random,
    context: CardContext,
    race: SimRace,
    meeting: SimMeeting,
    by_chance: Sequence[Entrant],
) -> JsonDict:
    """Every key of `data.race` in API order; the ones that change during the day (status,
    start times, field size, the video start) hold the scheduled values and are overwritten in
    each body. `by_chance` is the field from likeliest winner down, for tips and the preview."""
    venue = context.venue
    harness = venue.category == "H"
    feature = venue.category == "T" and race.race_number == max(1, len(meeting.races) - 1)
    prize_total = BASE_PRIZE[venue.category] * rng.choice((1, 1, 2, 3)) * (8 if feature else 1)
    prizes = {f"{n}{ordinal(n)}": round(prize_total * s) for n, s in enumerate(PRIZE_SPLIT, 1)}
    prizes["total_value"] = sum(prizes.values())
    tips = [r.entrant_id for r in by_chance[:3]] + [str(new_id(rng))]  # one points nowhere
    comment = " ".join(
        f"{r.name.upper()} ({r.number}) {rng.choice(PREVIEW_PHRASES)}." for r in by_chance[:4]
    )
    channel = meeting.video_channels[0]
    return {
        "event_id": str(race.race_id),
        "meeting_name": venue.name,
        "display_meeting_name": venue.name,
        "meeting_id": str(meeting.meeting_id),
        "status": "Open",
        "description": race.name,
        "advertised_start": 0,
        "advertised_start_string": "",
        "race_date_nz": context.day.isoformat(),
        "start_time_nz": "",
        "race_number": race.race_number,
        "type": venue.category,
        "start_type": rng.choice(("Mobile", "Standing")) if harness else "",
        "country": venue.country,
        "state": venue.state,
        "distance": race.distance,
        "weather": meeting.weather,
        "form_guide": "",
        "comment": comment,
        "silk_base_url": "drr38safykj6s.cloudfront.net",
        "track_condition": meeting.track_condition,
        "track_direction": venue.direction,
        "track_surface": venue.surface,
        "track_circumference": venue.circumference,
        "silk_url": sprite_url(context.token),
        "entrant_count": race.runners,
        "field_size": race.runners,
        "positions_paid": 3 if race.runners >= 8 else 2,
        "video_channels": list(meeting.video_channels),
        "video_channels_meta": {
            "Live1": {
                "RaceNo": race.race_number,
                "RaceType": venue.category,
                "VenueName": venue.name,
                "CrossPoint": rng.randint(1, 40),
                "RacePriority": "1",
                "CrossPointName": channel.upper(),
                "UtcRaceStartTime": "",
                "VenueCountryCode": venue.country,
                "DisplayRaceStartTime": "",
            }
        },
        "tips": tips,
        "rail_position": f"{rng.choice(('True', 'Out 3m', 'Out 5m entire circuit'))} | No Rain Last 24 Hours | {rng.randint(0, 40)}mm Rain Last 7 Days",
        "group": rng.choice(("Listed", "Group 3", "Group 2")) if feature else "",
        "class": rng.choice(CLASSES[venue.category]),
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


def race_token(seed: int) -> str:
    return base64.b64encode(f"race:{seed % 9_000_000}".encode()).decode().rstrip("=")


def sprite_url(token: str) -> str:
    return f"https://cdn.prod.pricekinetics.com/silks/sprites/cerberus/betmakers-{token}_SPRITE_64x64.png"


class RunnerCard:
    """The static part of one runner object: identity, form, stats, last starts."""

    def __init__(self, rng: random.Random, race: CardContext, runner: Entrant) -> None:
        self.rng, self.race, self.runner = rng, race, runner
        self.category = race.venue.category
        self.starts = 0 if rng.random() < 0.06 else rng.randint(1, 45)  # a few debutants

    def build(self) -> JsonDict:
        rng, runner, race = self.rng, self.runner, self.race
        greyhound = self.category == "G"
        age = rng.randint(*AGES[self.category])
        foaled = date(race.day.year - age, rng.randint(8, 12), rng.randint(1, 28))  # NZ spring
        sire, dam = self._horse_name(), self._horse_name()
        apprentice = self.category == "T" and rng.random() < 0.25
        jockey = "" if greyhound else self._person()
        trainer = self._person()
        weight = f"{rng.randrange(108, 121) / 2:g}" if self.category == "T" else ""
        name_slug = slug(runner.name)
        silk = f"https://cdn.prod.pricekinetics.com/silks/events/racing/betmakers-{race.token}/{name_slug}"
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
            "gear": "" if greyhound else rng.choice(GEAR),
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
                "label": next(label for limit, label in SPEEDMAP_LABELS if settling < limit),
            },
            "form_indicators": self._form_indicators(),
            "past_performances": {"jockey": self._stats(rng.randint(0, 20), 0, short=True)},
            "jockey_past_performances": {
                "last_50_starts": self._stats(50, rng.randint(2, 12), short=True),
                "trainer": self._stats(rng.randint(0, 20), 0, short=True),
            },
        }
        card |= {block: self._sub_stats(overall) for block in STAT_BLOCKS}
        card["overall"] = overall
        card["last_starts"] = last_starts
        card |= {block: self._sub_stats(overall) for block in LATE_STAT_BLOCKS}
        card |= self._percentages(overall)
        card |= {
            "trainer_location": rng.choice(TOWNS),
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
            {"details": f"{n}{ordinal(n)} up {self.rng.randint(1, 12):02d}/{year:02d} {self.race.venue.mnemonic} MDN ({self.rng.randint(1, 12)}) 0:45"}
            for n in range(1, wins + 1)
        ]  # fmt: skip

    def _person(self) -> str:
        return f"{self.rng.choice(PEOPLE_FIRST)} {self.rng.choice(PEOPLE_LAST)}"

    def _horse_name(self) -> str:
        return f"{self.rng.choice(NAME_FIRST)} {self.rng.choice(NAME_SECOND)}"

    def _silk_colours(self) -> str:
        first, second = self.rng.sample(COLOURS, 2)
        return f"{first.capitalize()} & {second} {self.rng.choice(PATTERNS)}, {first} sleeves & {second} cap"

    def _runner_change(self, trainer: str) -> JsonDict | None:
        if self.rng.random() < 0.7:
            return None
        when = self.race.day - timedelta(days=self.rng.choice((0, 0, 14, 200, 700)))
        text = self.rng.choice(RUNNER_CHANGES).format(trainer=trainer)
        return {when.strftime("%d/%m/%Y"): text}

    def _form_indicators(self) -> list[JsonDict] | None:
        if self.rng.random() < 0.6:
            return None
        picked = self.rng.sample(FORM_INDICATORS, self.rng.randint(1, 2))
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
            "last_12_months_prize_money": {"NZD": num(self.rng.uniform(0, 120_000))},
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
        distance = rng.choice(DISTANCES[self.category])
        seconds = distance / SPEED_M_PER_S[self.category] * rng.uniform(0.98, 1.06)
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
            "class": rng.choice(CLASSES[self.category]),
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


def slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())
