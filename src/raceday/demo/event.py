"""The `data` object of GET /racing/events/{id} (data guide §4.4) at one market tick.

Built from a `RaceModel` and the tick only. Nested static blocks of the runners (form, last
starts) are shared with the model by reference: treat a body as read-only, or deep-copy it.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from raceday.demo.card import Entrant
from raceday.demo.formats import (
    NS,
    SYDNEY,
    clock_label,
    epoch_seconds,
    go_text,
    instant,
    utc_seconds_text,
    wall,
)
from raceday.demo.market import Fluc, Quote, money_rows
from raceday.demo.pools import race_pools
from raceday.demo.race import RaceModel

__all__ = ["event_data"]

JsonDict = dict[str, Any]

_NO_ODDS: JsonDict = {"fixed_win": 0, "fixed_place": 0, "pool_win": 0, "pool_place": 0}  # scratched
# data.favourite and data.mover lack these runner keys (data guide §4.4).
_NOT_IN_COPIES = frozenset(
    {"flucs", "flucs_with_timestamp", "picks", "meta", "scr_time", "competitor_id",
     "ride_guide_exists", "ride_guide_thumbnail", "ride_guide_file"}
)  # fmt: skip
_NINE_AM = time(9, 0)


def event_data(model: RaceModel, tick: int) -> JsonDict:
    """What the event endpoint serves about `model`'s race during market tick `tick`."""
    race, market = model.race, model.market
    at = instant(tick)
    status = race.status_at(at)
    quote = market.quote(tick)
    nine_am = datetime.combine(model.day, _NINE_AM, model.zone)
    nine_am_ns = min(epoch_seconds(nine_am), tick) * NS
    runners = [_runner(model, entrant, quote, tick, nine_am_ns) for entrant in model.entrants]
    favourite, mover = _favourite(model, tick), _mover(model, tick)
    if favourite is not None:
        runners[favourite]["favourite"] = True
    if mover is not None:
        runners[mover]["mover"] = True
    after = status in ("Interim", "Final")
    result = model.result if after else None
    dividends = (
        ()
        if result is None
        else (result.final_dividends if status == "Final" else result.interim_dividends)
    )
    return {
        "race": _race(model, status, at, quote),
        "results": [dict(row) for row in result.results] if result else [],
        "dividends": [dict(row) for row in dividends],
        "substitutions": _substitutions(model, quote),
        # Real oddity kept: the favourite copy has its own favourite flag false.
        "favourite": _copy(runners[favourite], favourite=False) if favourite is not None else None,
        "runners": runners,
        "derivatives": None,
        "mover": _copy(runners[mover]) if mover is not None else None,
        "big_bets": None,
        "live_bets": None,
        "biggest_bet": None,
        "money_tracker": {
            "entrants": money_rows(model.money_pieces, quote, market.money_totals(tick))
        },
        "tote_pools": race_pools(
            model.pools, model.multi_pools(at), tick, status == "Final", model.trends
        ),
        "error": "",
    }


def _race(model: RaceModel, status: str, at: datetime, quote: Quote) -> JsonDict:
    race = model.race
    start = epoch_seconds(race.advertised_start_at(at))
    starters = sum(quote.live)
    block = {
        **model.template,
        "status": status,
        "advertised_start": start,
        "advertised_start_string": go_text(start),
        "start_time_nz": clock_label(start, model.zone),
        "field_size": starters,
        "positions_paid": 3 if starters >= 8 else 2,
    }
    meta = dict(block["video_channels_meta"]["Live1"])
    meta["UtcRaceStartTime"] = utc_seconds_text(start)
    meta["DisplayRaceStartTime"] = wall(start, SYDNEY).strftime("%Y-%m-%dT%H:%M:%S")
    block["video_channels_meta"] = {"Live1": meta}
    if race.jump_at is not None and status in ("Closed", "Interim", "Final"):
        # Before the jump the key is left out (no pre-start sample shows what NZTAB sends).
        jump = epoch_seconds(race.jump_at)
        block["actual_start"] = jump
        block["actual_start_string"] = go_text(jump)
    return block


def _runner(
    model: RaceModel, entrant: Entrant, quote: Quote, tick: int, nine_am_ns: int
) -> JsonDict:
    market, i = model.market, entrant.index
    scratched = market.is_scratched(i, tick)
    shown = market.shown(i, tick)
    last_six = market.flucs[i][max(0, shown - 6) : shown]
    odds: JsonDict
    if scratched:
        odds = dict(_NO_ODDS)
    else:
        odds = {
            "fixed_win": market.fixed_win(i, tick),
            "fixed_place": market.fixed_place(i, tick),
            "pool_win": quote.pool_win[i],
            "pool_place": quote.pool_place[i],
        }
    flucs: JsonDict = {}  # {} while not priced yet
    if shown:
        high, low = market.extremes(i, shown)
        flucs = {
            "last_six": [_entry(f) for f in last_six],
            "open": _entry(market.flucs[i][0]),
            "high": _entry(high),
            "low": _entry(low),
            "nine_am": _entry(market.last_at_or_before(i, shown, nine_am_ns)),
        }
    return {
        **entrant.card,
        "is_scratched": scratched,
        "is_late_scratched": scratched,
        "odds": odds,
        "scratch_time": market.scratched_s[i] if scratched else 0,
        "favourite": False,
        "mover": False,
        "flucs": [f.price for f in last_six],
        "flucs_with_timestamp": flucs,
    }


def _entry(fluc: Fluc) -> JsonDict:
    return {"timestamp": fluc.timestamp, "fluc": fluc.price}


def _favourite(model: RaceModel, tick: int) -> int | None:
    # Exactly one favourite: the lowest fixed-win price, the lower number on a tie.
    priced = [(model.market.fixed_win(e.index, tick), e.number, e.index) for e in model.entrants]
    priced = [p for p in priced if p[0]]
    return min(priced)[2] if priced else None


def _mover(model: RaceModel, tick: int) -> int | None:
    # The runner whose price shortened most from its opening price, if any did.
    best, best_ratio = None, 1.0
    for entrant in model.entrants:
        now = model.market.fixed_win(entrant.index, tick)
        if now:
            ratio = model.market.flucs[entrant.index][0].price / now
            if ratio > best_ratio:
                best, best_ratio = entrant.index, ratio
    return best


def _substitutions(model: RaceModel, quote: Quote) -> list[JsonDict]:
    # Probably the tote's substitute for late-scratching refunds: the tote favourite here.
    live = [e for e in model.entrants if quote.live[e.index]]
    sub = min(live, key=lambda e: (quote.pool_win[e.index], e.number))
    return [{"entrant_id": sub.entrant_id, "tote": "NZ", "product_name": "Pool Win"}]


def _copy(runner: JsonDict, **changes: Any) -> JsonDict:
    """data.favourite / data.mover: the runner without the keys those copies lack."""
    return {k: v for k, v in runner.items() if k not in _NOT_IN_COPIES} | changes
