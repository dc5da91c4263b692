"""Numbers and times written the way the NZTAB API writes them (data guide §5, §7.1).

Prices lose their ".0", instants are RFC 3339 with Go's nanosecond fraction or epoch seconds,
and NZ wall clocks carry NZST/NZDT. Everything here is pure.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from raceday.racing_day import DEFAULT_ZONE

NZ = ZoneInfo(DEFAULT_ZONE)
SYDNEY = ZoneInfo("Australia/Sydney")  # video_channels_meta shows AEST/AEDT wall clocks
NS = 1_000_000_000


def num(value: float, places: int = 2) -> int | float:
    """Round like the API's JSON: 5.0 is sent as 5, 7.5 as 7.5 (data guide §7.1)."""
    rounded = round(value, places)
    return int(rounded) if rounded == int(rounded) else rounded


# Fixed-odds price ladders: (below this price, step). Real prices sit on such steps (2.35, 4.6,
# 8.5, 23), which is also why small market moves leave many prices unchanged between polls.
WIN_LADDER = ((3.0, 0.05), (4.0, 0.1), (6.0, 0.2), (10.0, 0.5), (20.0, 1.0), (50.0, 2.0))
WIN_LADDER_REST = ((100.0, 5.0), (math.inf, 10.0))
PLACE_LADDER = ((2.0, 0.01), (4.0, 0.05), (10.0, 0.1), (math.inf, 0.5))


def on_ladder(price: float, ladder: Sequence[tuple[float, float]], cap: float) -> int | float:
    step = next(step for limit, step in ladder if price < limit)
    return num(min(cap, max(1.01, round(price / step) * step)))


def win_price(price: float) -> int | float:
    return on_ladder(price, (*WIN_LADDER, *WIN_LADDER_REST), 501.0)


def tote_odds(price: float) -> int | float:
    # Tote approximates have one decimal (4.4, 22.8) and never go below 1.1 here.
    return num(max(1.1, price), 1)


def utc_text(ns: int) -> str:
    """RFC 3339 with Go's RFC3339Nano fraction: 9 digits, trailing zeros dropped."""
    seconds, nanos = divmod(ns, NS)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{nanos:09d}".rstrip("0") + "Z" if nanos else f"{text}Z"


def go_text(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def nz_wall(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, NZ)


def new_id(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)
