"""One race simulated poll by poll: its card, its market walk and one body per poll."""

from __future__ import annotations

import base64
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from raceday.demo.card import RunnerCard, ordinal
from raceday.demo.catalog import (
    BASE_PRIZE,
    CLASSES,
    MARGINS,
    NAME_FIRST,
    NAME_SECOND,
    PREVIEW_PHRASES,
    PRIZE_SPLIT,
    SPEED_M_PER_S,
)
from raceday.demo.formats import (
    NS,
    NZ,
    PLACE_LADDER,
    SYDNEY,
    go_text,
    new_id,
    num,
    nz_wall,
    on_ladder,
    tote_odds,
    utc_text,
    win_price,
)
from raceday.demo.market import (
    ODDS_KEYS,
    Prices,
    apportion,
    capped_softmax,
    harville,
    pool_dict,
    runner_copy,
)
from raceday.demo.plan import MeetingPlan, PoolCurve, RacePlan

JsonDict = dict[str, Any]


# Poll status by minutes after the advertised start (the last poll is always Final).
CLOSED_FROM, INTERIM_FROM, FINAL_FROM = 0.0, 4.0, 8.0
# Which pre-start offsets a poller with few polls keeps first (more go evenly over 2 hours).
PRE_START_PRIORITY = (-1.0, -5.0, -30.0, -60.0, -10.0, -2.0, -15.0, -3.0, -120.0, -20.0, -45.0)
POST_START = (0.5, 5.0, 10.0)  # Closed, Interim, Final
# The jump is 5-25 s after the advertised start, so the first post-start poll (30 s) sees it.
JUMP_DELAY_S = (5, 25)


@dataclass
class Runner:
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


class RaceSim:
    """Builds one race's card, then walks its market through the polls, one body per poll."""

    def __init__(
        self,
        day: date,
        meeting: MeetingPlan,
        plan: RacePlan,
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
        self.jump = plan.start + self.rng.randint(*JUMP_DELAY_S)
        self.nine_am = int(datetime.combine(day, time(9, 0), NZ).timestamp()) * NS
        self.results: list[Runner] = []

    # --- card ------------------------------------------------------------------------------

    def _make_runners(self, count: int) -> list[Runner]:
        rng = self.rng
        names: list[str] = []
        while len(names) < count:
            name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
            if name not in names:
                names.append(name)
        barriers = list(range(1, count + 1))
        if self.venue.category != "G":  # greyhounds start from their own box
            rng.shuffle(barriers)
        plunger = rng.randrange(count)
        runners = []
        for index in range(count):
            entrant_id = str(new_id(rng))
            runner = Runner(
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
            runner.static = RunnerCard(rng, self, runner).build()
            runners.append(runner)
        return runners

    def _race_static(self) -> JsonDict:
        rng, venue, plan, meeting = self.rng, self.venue, self.plan, self.meeting
        start_nz = nz_wall(plan.start)
        harness = venue.category == "H"
        feature = venue.category == "T" and plan.race_number == max(1, len(meeting.races) - 1)
        prize_total = BASE_PRIZE[venue.category] * rng.choice((1, 1, 2, 3)) * (8 if feature else 1)
        prizes = {f"{n}{ordinal(n)}": round(prize_total * s) for n, s in enumerate(PRIZE_SPLIT, 1)}
        prizes["total_value"] = sum(prizes.values())
        by_chance = sorted(self.runners, key=lambda r: -r.strength)
        tips = [r.entrant_id for r in by_chance[:3]] + [str(new_id(rng))]  # one points nowhere
        comment = " ".join(
            f"{r.name.upper()} ({r.number}) {rng.choice(PREVIEW_PHRASES)}." for r in by_chance[:4]
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
            "advertised_start_string": go_text(plan.start),
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
            "DisplayRaceStartTime": start.astimezone(SYDNEY).strftime("%Y-%m-%dT%H:%M:%S"),
        }

    def _single_pools(self) -> list[tuple[str, PoolCurve, JsonDict]]:
        """The race's own pools (final size relative to Win), in a shuffled order like the API."""
        rng = self.rng
        win = rng.lognormvariate(math.log(15_000), 0.5)
        close_ns = self.plan.start * NS
        tau = rng.uniform(6, 15)
        first4_jackpot = round(rng.uniform(500, 5000), 2) if rng.random() < 0.15 else 0
        pools = []
        for product, share in (("Win", 1.0), ("Place", 0.4), ("Quinella", 0.6), ("Trifecta", 0.85), ("FirstFour", 0.5)):  # fmt: skip
            jackpot = first4_jackpot if product == "FirstFour" else 0
            extra: JsonDict = {"jackpot": jackpot, "brought_forward": jackpot}
            curve = PoolCurve(win * share * rng.uniform(0.8, 1.2), close_ns, tau)
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
            pieces.append((str(new_id(rng)), None, rng.uniform(0.3, 0.7)))
        rng.shuffle(pieces)
        return pieces

    # --- polls -----------------------------------------------------------------------------

    def polls(self) -> Iterator[JsonDict]:
        rng, start_ns = self.rng, self.plan.start * NS
        times = [start_ns + round(o * 60 * NS) + rng.randrange(1, NS) for o in self.offsets]
        pre_start = [i for i, o in enumerate(self.offsets) if o < 0]
        scratch_poll = rng.randint(pre_start[1], pre_start[-1]) if self.plan.scratch else -1
        market = self._market()
        money = self._money_rows(market)
        self._open_history(times[0], market)
        for i, (offset, ns) in enumerate(zip(self.offsets, times, strict=True)):
            status = poll_status(offset, last=i == len(times) - 1)
            if i > 0 and offset < 0:  # markets move only before the jump
                if i == scratch_poll:
                    self._scratch(rng.randint(times[i - 1] // NS + 1, ns // NS))
                self._walk()
                market = self._market()
                money = self._money_rows(market)
                self._record_moves(market, times[i - 1], ns)
            if status in ("Interim", "Final") and not self.results:
                self.results = self._finishing_order(market)
            yield self._body(ns, status, market, [dict(row) for row in money])

    def _starters(self) -> list[Runner]:
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

    def _market(self) -> dict[int, Prices]:
        """Current prices of the starters: bookmaker chances p, tote shares q."""
        starters = self._starters()
        p = capped_softmax([r.strength for r in starters])
        q = capped_softmax([r.strength + r.tote_bias for r in starters])
        prices = {}
        for runner, p_i, q_i in zip(starters, p, q, strict=True):
            fixed_win = win_price(1.0 / (p_i * self.win_overround))
            pool_win = tote_odds(0.85 / q_i)
            prices[runner.index] = Prices(
                p=p_i,
                q=q_i,
                fixed_win=fixed_win,
                fixed_place=on_ladder(
                    1.0 + (fixed_win - 1.0) / self.place_factor, PLACE_LADDER, 101.0
                ),
                pool_win=pool_win,
                pool_place=tote_odds(1.0 + (pool_win - 1.0) / (self.place_factor - 0.5)),
            )
        return prices

    def _open_history(self, first_poll: int, market: dict[int, Prices]) -> None:
        """Fixed-win flucs before the first poll: an opening price the evening before, maybe a
        move or two, then the first poll's price."""
        rng = self.rng
        opened = datetime.combine(self.day - timedelta(days=1), time(16, 0), NZ).timestamp()
        for runner in self.runners:
            now = market[runner.index].fixed_win
            ns = int(opened) * NS + rng.randrange(120 * 60 * NS)
            prices = [
                win_price(now * math.exp(rng.gauss(0.0, 0.25))) for _ in range(rng.randint(1, 3))
            ]
            for price in [*prices, now]:
                if not runner.history or runner.history[-1][2] != price:
                    runner.history.append((ns, utc_text(ns), price))
                ns += rng.randrange(max(1, (first_poll - ns) // 3))

    def _record_moves(self, market: dict[int, Prices], previous: int, now: int) -> None:
        for runner in self._starters():
            price = market[runner.index].fixed_win
            if runner.history[-1][2] != price:
                ns = self.rng.randint(previous + 1, now - 1)  # sometime between the two polls
                runner.history.append((ns, utc_text(ns), price))

    def _finishing_order(self, market: dict[int, Prices]) -> list[Runner]:
        """Draw the first four finishers by win chance (Plackett-Luce). No dead heats."""
        left = self._starters()
        order: list[Runner] = []
        while left and len(order) < 4:
            pick = self.rng.choices(left, weights=[market[r.index].p for r in left])[0]
            order.append(pick)
            left.remove(pick)
        return order

    # --- body ------------------------------------------------------------------------------

    def _body(
        self, ns: int, status: str, market: dict[int, Prices], money: list[JsonDict]
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
                "generated_time": utc_text(ns),
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
                "favourite": runner_copy(favourite, favourite=False) if favourite else None,
                "runners": runners,
                "derivatives": None,
                "mover": runner_copy(mover) if mover else None,
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
        if ns >= self.jump * NS:
            # Before the jump the key is left out (no pre-start sample shows what NZTAB sends).
            race["actual_start"] = self.jump
            race["actual_start_string"] = go_text(self.jump)
        return race

    def _runner(
        self, runner: Runner, market: dict[int, Prices], ns: int, favourite: bool, mover: bool
    ) -> JsonDict:
        prices = market.get(runner.index)
        scratched = prices is None
        return {
            **runner.static,
            "is_scratched": scratched,
            "is_late_scratched": scratched,
            "odds": prices.odds() if prices else dict.fromkeys(ODDS_KEYS, 0),  # scratched: 0
            "scratch_time": runner.scratched_at,
            "favourite": favourite,
            "mover": mover,
            "flucs": [price for _, _, price in runner.history[-6:]],
            "flucs_with_timestamp": self._flucs(runner, ns),
        }

    def _favourite(self, market: dict[int, Prices]) -> int:
        # Exactly one favourite: the lowest fixed-win price, the lower number on a tie.
        return min(self._starters(), key=lambda r: (market[r.index].fixed_win, r.number)).index

    def _mover(self, market: dict[int, Prices]) -> int | None:
        # The runner whose price shortened most from its opening price, if any did.
        best, best_ratio = None, 1.0
        for runner in self._starters():
            ratio = runner.history[0][2] / market[runner.index].fixed_win
            if ratio > best_ratio:
                best, best_ratio = runner.index, ratio
        return best

    def _flucs(self, runner: Runner, ns: int) -> JsonDict:
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

    def _substitutions(self, market: dict[int, Prices]) -> list[JsonDict]:
        # Probably the tote's substitute for late-scratching refunds: the tote favourite here.
        starters = self._starters()
        sub = min(starters, key=lambda r: (market[r.index].pool_win, r.number))
        return [{"entrant_id": sub.entrant_id, "tote": "NZ", "product_name": "Pool Win"}]

    def _money_rows(self, market: dict[int, Prices]) -> list[JsonDict]:
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
        holds = apportion(hold, self.rng.randint(99, 104))
        bets = apportion(bet, self.rng.randint(99, 104))
        return [
            {"entrant_id": entrant_id, "hold_percentage": h, "bet_percentage": b}
            for (entrant_id, _, _), h, b in zip(self.money_pieces, holds, bets, strict=True)
        ]

    def _tote_pools(self, ns: int, status: str) -> list[JsonDict]:
        pools = []
        for product, curve, extra in self.pools:
            pool = pool_dict(product, curve, ns, extra)
            pool["is_final"] = status == "Final"  # meaning unconfirmed; true on Final samples
            if product in ("Trifecta", "FirstFour"):
                code = "TFA" if product == "Trifecta" else "FT4"
                pool["tote_trends"] = self._tote_trends(code, pool["total"])
            pools.append(pool)
        for multi in self.meeting.multi_pools:
            if self.plan.race_number in multi.legs:
                pool = pool_dict(multi.product_type, multi.curve, ns, {"jackpot": multi.jackpot})
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
        pool_total = num(total * 1.04)
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
                "margin_length": num(lengths),
                "entrant_id": runner.entrant_id,
            }
            if position == 1:
                seconds = self.plan.distance / SPEED_M_PER_S[self.venue.category]
                row["winning_time"] = row["time_ran"] = round(seconds * rng.uniform(0.97, 1.04), 2)
            else:
                behind, row["positional_margin"] = rng.choice(MARGINS)
                lengths += behind
                row["margin_length"] = num(lengths)
            rows.append(row)
        return rows

    def _dividends(self, status: str, market: dict[int, Prices]) -> list[JsonDict]:
        """Pool dividends from the closing tote; on Final polls every one twice (Interim, Final)."""
        totals = {product: float(curve.final) for product, curve, _ in self.pools}
        order = self.results
        places = 3 if len(market) >= 8 else 2
        q = [market[r.index].q for r in order]
        bets: list[tuple[str, str, list[Runner], float]] = [
            ("Pool Win", "Win", order[:1], float(market[order[0].index].pool_win))
        ]
        bets += [
            ("Pool Place", "Place", [r], float(market[r.index].pool_place)) for r in order[:places]
        ]
        for product, pool, size, takeout in (("Pool Quinella", "Quinella", 2, 0.82), ("Pool Trifecta", "Trifecta", 3, 0.8), ("Pool First4", "FirstFour", 4, 0.78)):  # fmt: skip
            if len(order) >= size:
                chance = harville(q[:size])
                if size == 2:  # a quinella wins in either order
                    chance += harville(q[1::-1])
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
                        "dividend": num(max(1.0, dividend), 1),
                        "pool_size": num(totals[pool]),
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


def poll_status(offset: float, *, last: bool) -> str:
    if last or offset >= FINAL_FROM:
        return "Final"
    if offset >= INTERIM_FROM:
        return "Interim"
    return "Closed" if offset >= CLOSED_FROM else "Open"
