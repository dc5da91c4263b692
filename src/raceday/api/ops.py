"""The readiness checks behind `/health` (served by the API app, `raceday.api.resources.health`).

Readiness is more than "the process runs": the database answers, its schema is at this code's
head, the partition runway is at least `min_runway_days`, and, while this process is the polling
leader with races to poll, the last poll stored is recent. `/health` answers 200 when ready and
503 otherwise, always with a JSON body saying which check failed; `/health/live` is 200 while
the process serves at all. The checks read the database on a worker thread and are cached for
a second, so a monitoring system polling hard costs the store nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from raceday.api.types import nz_time
from raceday.clock import Clock
from raceday.config import Settings
from raceday.db.migrate import schema_state
from raceday.db.pool import ConnectionSource, borrow
from raceday.partitions import read_status
from raceday.racing_day import racing_day_of

__all__ = ["HealthProbe", "ServiceState"]

_CACHE_S = 1.0


@dataclass
class ServiceState:
    """What the service knows about itself, updated by the service as it runs."""

    role: str = "starting"  # starting | standby | leader | stopping
    polling: bool = False
    active_races: int = 0
    last_poll_success: datetime | None = None


class HealthProbe:
    """The readiness checks against the database, cached for a second."""

    def __init__(
        self,
        source: ConnectionSource,
        settings: Settings,
        clock: Clock,
        state: ServiceState,
        *,
        min_runway_days: int = 2,
        poll_freshness: timedelta = timedelta(minutes=5),
    ) -> None:
        self.source = source
        self.settings = settings
        self.clock = clock
        self.state = state
        self.min_runway_days = min_runway_days
        self.poll_freshness = poll_freshness
        self._cached: tuple[float, dict[str, Any]] | None = None

    def check(self) -> dict[str, Any]:
        """The health document (blocking: call it from a worker thread)."""
        if self._cached and time.monotonic() - self._cached[0] < _CACHE_S:
            return self._cached[1]
        now = self.clock.now()
        checks: dict[str, Any] = {}
        problems: list[str] = []
        try:
            with borrow(self.source) as conn:
                checks["database"] = "ok"
                state = schema_state(conn)
                checks["schema"] = state.standing
                if not state.at_head:
                    problems.append(f"schema is {state.standing} (head {state.head})")
                status = read_status(conn, self.settings, racing_day_of(now, self.settings.zone))
                runway = min((p.runway_days for p in status.parents), default=0)
                checks["runway_days"] = runway
                if runway < self.min_runway_days:
                    problems.append(f"partition runway {runway} < {self.min_runway_days} days")
        except Exception as exc:  # any failure to read the store means "not ready", with why
            checks["database"] = "unreachable"
            problems.append(f"database: {(str(exc).strip().splitlines() or ['error'])[0]}")
        last = self.state.last_poll_success
        checks["role"] = self.state.role
        checks["last_poll_success"] = nz_time(last) if last else None
        if self.state.polling and self.state.active_races:
            age = (now - last).total_seconds() if last else None
            checks["last_poll_age_s"] = round(age, 1) if age is not None else None
            if age is None or age > self.poll_freshness.total_seconds():
                problems.append("no poll stored recently")
        ready = not problems
        document = {
            "status": "healthy" if ready else "unhealthy",
            "live": True,
            "ready": ready,
            "problems": problems,
            "checks": checks,
            "timestamp": nz_time(now),
        }
        self._cached = (time.monotonic(), document)
        return document
