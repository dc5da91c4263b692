"""The only place raceday asks for the current time; everything else is handed a Clock.

`SystemClock` is real time. `ScaledClock` is a simulated time that runs `speed` times faster
than the wall clock from an agreed origin; the simulator (`raceday sim serve`) and the service
(`raceday run`) built with the same `--start/--speed/--origin` read the same simulated instant.
`wall_seconds(delta)` turns a simulated wait into the wall-clock seconds to sleep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["Clock", "FixedClock", "ScaledClock", "SystemClock", "parse_instant"]


class Clock(Protocol):
    @property
    def speed(self) -> float:
        """How many of this clock's seconds pass per wall second (1 for real time)."""
        ...

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def wall_seconds(self, delta: timedelta) -> float:
        """Wall-clock seconds that `delta` of this clock's time takes to pass."""
        ...


class SystemClock:
    """The real clock."""

    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wall_seconds(self, delta: timedelta) -> float:
        return delta.total_seconds()


@dataclass(frozen=True)
class ScaledClock:
    """Simulated time: reads `start` at wall instant `origin` and runs `speed` times faster.

    Two processes given the same three values agree on the simulated instant (to the precision
    of their wall clocks), which is how the simulator and the service share one racing day.
    """

    start: datetime
    speed: float = 1.0
    origin: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.origin.tzinfo is None:
            raise ValueError("ScaledClock needs timezone-aware instants")
        if not 0 < self.speed <= 10_000:
            raise ValueError(f"speed must be in (0, 10000], got {self.speed}")

    def now(self) -> datetime:
        return self.at_wall(datetime.now(UTC))

    def at_wall(self, wall: datetime) -> datetime:
        """The simulated instant at wall instant `wall`."""
        return (self.start + (wall - self.origin) * self.speed).astimezone(UTC)

    def wall_seconds(self, delta: timedelta) -> float:
        """Wall-clock seconds that `delta` of simulated time takes."""
        return delta.total_seconds() / self.speed


def parse_instant(text: str, zone: str = "Pacific/Auckland") -> datetime:
    """An instant from the command line: "now", RFC 3339 with an offset or Z, or a local
    "YYYY-MM-DD[THH:MM[:SS]]" read in `zone` (the racing-day zone). Raises ValueError."""
    value = text.strip()
    if value.lower() == "now":
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not an instant: {text!r} (use now, 2026-12-03T11:30+13:00, 2026-12-03T11:30Z or"
            " 2026-12-03T11:30 in the racing-day zone)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)


@dataclass
class FixedClock:
    """A clock that says what it is told; tests and `--today` move it by hand."""

    instant: datetime = field(default_factory=lambda: datetime(2025, 7, 17, tzinfo=UTC))

    speed = 1.0

    def now(self) -> datetime:
        return self.instant

    def wall_seconds(self, delta: timedelta) -> float:
        return 0.0  # nothing waits on a clock that only moves by hand

    def advance(self, delta: timedelta) -> None:
        self.instant += delta

    @classmethod
    def at_local_noon(cls, day: date, zone: str = "Pacific/Auckland") -> FixedClock:
        """Noon of `day` in `zone`: safely inside that racing day whatever the DST rules."""
        return cls(
            datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        )
