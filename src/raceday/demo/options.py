"""What a simulated racing day is made of (`DayOptions`), and the days daylight saving changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from raceday.racing_day import DEFAULT_ZONE, day_length, resolve_zone

__all__ = ["LIMITS", "DayOptions", "DstChange", "dst_change_day"]

DstChange = Literal["start", "end"]

# (lowest, highest) of each size. Results and First Four need four finishers; 20 races of a
# meeting still fit inside the day; 200 meetings is far more than NZTAB ever lists.
LIMITS = {"meetings": (1, 200), "races_per_meeting": (1, 20), "runners": (4, 24)}

_HOURS_24 = timedelta(hours=24)


@dataclass(frozen=True)
class DayOptions:
    """One synthetic NZ racing day: its date, seed and composition.

    `scenarios` adds what a real day has and a quiet one lacks: late scratchings (about one race
    in ten), one abandoned race, one race put back, a foreign evening meeting that runs past NZ
    midnight and an early-morning foreign one (when the day has enough meetings and races).
    """

    day: date
    seed: int = 0
    meetings: int = 10
    races_per_meeting: int = 10
    runners: int = 12
    scenarios: bool = True
    zone: str = DEFAULT_ZONE

    def __post_init__(self) -> None:
        if not isinstance(self.day, date):
            raise TypeError(f"DayOptions.day must be a date, got {self.day!r}")
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(
                    f"DayOptions.{name} must be between {low} and {high}, got {value!r}"
                )
        try:
            resolve_zone(self.zone)
        except ValueError as exc:
            raise ValueError(f"DayOptions.zone: {exc}") from None


def dst_change_day(year: int, kind: DstChange, zone: str = DEFAULT_ZONE) -> date:
    """The local day of `year` on which daylight saving starts (a 23-hour day) or ends (25 h).

    Read from the zone database, not from a rule written here: for Pacific/Auckland the start is
    the last Sunday of September and the end the first Sunday of April. ValueError when the zone
    has no such change that year (UTC, or a zone without daylight saving).
    """
    if kind not in ("start", "end"):
        raise ValueError(f"kind must be 'start' or 'end', got {kind!r}")
    tz = resolve_zone(zone)
    day, last = date(year, 1, 1), date(year, 12, 31)
    while day <= last:
        length = day_length(day, tz)
        if (length < _HOURS_24 and kind == "start") or (length > _HOURS_24 and kind == "end"):
            return day
        day += timedelta(days=1)
    raise ValueError(f"{tz.key} has no daylight-saving {kind} in {year}")
