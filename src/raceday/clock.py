"""The only place raceday asks for the current time; everything else is handed a Clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that says what it is told; tests and `--today` move it by hand."""

    instant: datetime = field(default_factory=lambda: datetime(2025, 7, 17, tzinfo=UTC))

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta

    @classmethod
    def at_local_noon(cls, day: date, zone: str = "Pacific/Auckland") -> FixedClock:
        """Noon of `day` in `zone`: safely inside that racing day whatever the DST rules."""
        return cls(
            datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        )
