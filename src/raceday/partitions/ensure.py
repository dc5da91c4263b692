"""Creating racing days on demand: the write path's safety net and `raceday partitions ensure`.

Both only *create*; neither ever retires anything. Days created for rows older than the live
window are marked kept (see `partitions.kept`), so the next maintenance run does not drop what
was just written.

`ensure_days_for` runs before a race's transaction, never inside one (the caller's connection
is idle, or a pool lends another): it never holds the writer's locks and a failure here cannot
abort the writer's work. It sorts the batch's timestamps into days that are ready and rows that
cannot be filed (absurd timestamp, or a day that could not be created), so the caller can
quarantine those instead of losing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db.pool import ConnectionSource, borrow
from raceday.partitions.calendar import before_live_window
from raceday.partitions.catalog import read_config
from raceday.partitions.ddl import DdlOutcome, DdlRunner, RetryPolicy
from raceday.partitions.kept import KEPT_FOR_ENSURE, KEPT_FOR_OLD_ROWS, keep_days
from raceday.partitions.naming import partition_name
from raceday.racing_day import day_length, racing_day_of

__all__ = [
    "EnsureDaysResult",
    "EnsureResult",
    "QuarantineEntry",
    "ensure_days",
    "ensure_days_for",
    "quarantine",
    "sanity_reason",
]


@dataclass(frozen=True, slots=True)
class EnsureResult:
    """Days whose partitions exist now, and why each unfileable timestamp (by index) was refused."""

    ready_days: frozenset[date]
    created: tuple[str, ...]
    refused: dict[int, str] = field(default_factory=dict)
    kept: tuple[date, ...] = ()  # days newly kept from retention (older than the live window)


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    parent: str
    row: dict[str, Any]
    reason: str
    event_timestamp: datetime | None = None
    source: str | None = None


def sanity_reason(instant: datetime, settings: Settings, now: datetime) -> str | None:
    """Why `instant` is absurd for a history row, or None when it may be filed."""
    if instant.tzinfo is None:
        return f"timestamp {instant.isoformat()} has no time zone"
    earliest = datetime(
        settings.history_earliest.year,
        settings.history_earliest.month,
        settings.history_earliest.day,
        tzinfo=UTC,
    )
    if instant < earliest:
        return f"timestamp {instant.isoformat()} is before {settings.history_earliest} (RACEDAY_HISTORY_EARLIEST)"
    if instant > now + timedelta(days=settings.history_max_ahead_days):
        return (
            f"timestamp {instant.isoformat()} is more than {settings.history_max_ahead_days} days "
            f"ahead of now (RACEDAY_HISTORY_MAX_AHEAD_DAYS)"
        )
    return None


def ensure_days_for(
    source: ConnectionSource,
    settings: Settings,
    instants: Sequence[datetime],
    *,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EnsureResult:
    """Create whatever racing days `instants` need (every configured parent); report the rest."""
    now = (clock or SystemClock()).now()
    refused: dict[int, str] = {}
    day_of: dict[int, date] = {}
    for index, instant in enumerate(instants):
        reason = sanity_reason(instant, settings, now)
        if reason:
            refused[index] = reason
        else:
            day_of[index] = racing_day_of(instant, settings.timezone)
    wanted = sorted(set(day_of.values()))
    created: list[str] = []
    failed_days: dict[date, str] = {}
    kept: list[date] = []
    if wanted:
        with borrow(source) as conn:
            outcomes = _create(conn, settings, _missing(conn, wanted), sleep)
            for day, outcome in outcomes:
                if outcome.status == "created":
                    created.append(outcome.name)
                elif outcome.status != "exists":
                    failed_days[day] = (
                        f"partition {outcome.name} could not be created: {outcome.detail}"
                    )
            today = racing_day_of(now, settings.timezone)
            fresh = {day for day, outcome in outcomes if outcome.status == "created"}
            old = [d for d in sorted(fresh) if before_live_window(d, today)]
            kept = keep_days(conn, old, KEPT_FOR_OLD_ROWS)
    for index, day in day_of.items():
        if day in failed_days:
            refused[index] = failed_days[day]
    ready = frozenset(set(wanted) - set(failed_days))
    return EnsureResult(ready, tuple(created), dict(sorted(refused.items())), tuple(kept))


@dataclass(frozen=True, slots=True)
class EnsureDaysResult:
    """What `ensure_days` did: one outcome per (parent, day), and the days it keeps."""

    first_day: date
    last_day: date
    outcomes: tuple[DdlOutcome, ...]
    kept: tuple[date, ...]  # days before the live window, now kept from retention

    def names(self, status: str) -> list[str]:
        return [o.name for o in self.outcomes if o.status == status]

    @property
    def created(self) -> list[str]:
        return self.names("created")

    @property
    def existing(self) -> list[str]:
        return self.names("exists")

    @property
    def deferred(self) -> list[str]:
        return self.names("deferred")

    @property
    def failed(self) -> list[str]:
        return [f"{o.name}: {o.detail}" for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not (self.failed or self.deferred)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "ok": self.ok,
            "created": self.created,
            "existing": self.existing,
            "deferred": self.deferred,
            "failed": self.failed,
            "kept": [d.isoformat() for d in self.kept],
            "steps": [o.to_dict() for o in self.outcomes],
        }


def ensure_days(
    source: ConnectionSource,
    settings: Settings,
    days: Sequence[date],
    *,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EnsureDaysResult:
    """Make sure every racing day of `days` has its partitions, for every configured parent.

    Only creates: nothing is retired, whatever the retention policy says. Every requested day
    older than the live window is kept from retention (`raceday partitions retire` lets it go),
    so a backfill into them survives the next maintenance run.
    """
    if not days:
        raise ValueError("ensure_days needs at least one day")
    today = racing_day_of((clock or SystemClock()).now(), settings.timezone)
    with borrow(source) as conn:
        parents = [c.parent for c in read_config(conn)]
        wanted = [
            (parent, day)
            for parent in parents
            for day in sorted(set(days))
            if day_length(day, settings.timezone)  # a day the zone skips has no rows
        ]
        outcomes = [outcome for _, outcome in _create(conn, settings, wanted, sleep)]
        done = {
            d
            for (_, d), o in zip(wanted, outcomes, strict=True)
            if o.status in ("created", "exists")
        }
        old = [d for d in sorted(done) if before_live_window(d, today)]
        keep_days(conn, old, KEPT_FOR_ENSURE)
    return EnsureDaysResult(min(days), max(days), tuple(outcomes), tuple(old))


def _create(
    conn: psycopg.Connection[Any],
    settings: Settings,
    wanted: Iterable[tuple[str, date]],
    sleep: Callable[[float], None],
) -> list[tuple[date, DdlOutcome]]:
    runner = DdlRunner(conn, RetryPolicy(lock_timeout_ms=settings.lock_timeout_ms), sleep=sleep)
    return [
        (day, runner.create(parent, day, partition_name(parent, day))) for parent, day in wanted
    ]


def _missing(conn: psycopg.Connection[Any], days: Iterable[date]) -> list[tuple[str, date]]:
    # One catalog round trip: which of the wanted children are already attached.
    parents = [c.parent for c in read_config(conn)]
    wanted = [(parent, day, partition_name(parent, day)) for parent in parents for day in days]
    rows = conn.execute(
        """select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where c.relname = any(%s) and not i.inhdetachpending""",
        ([name for _, _, name in wanted],),
    ).fetchall()
    present = {r[0] for r in rows}
    return [(parent, day) for parent, day, name in wanted if name not in present]


def quarantine(conn: psycopg.Connection, entries: Iterable[QuarantineEntry]) -> int:
    """Keep rows that cannot be filed, with the reason; runs in the caller's transaction."""
    rows = [(e.parent, e.event_timestamp, Jsonb(e.row), e.reason, e.source) for e in entries]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                """insert into partition_quarantine (parent_table, event_timestamp, row_data, reason, source)
                   values (%s, %s, %s, %s, %s)""",
                rows,
            )
    return len(rows)
