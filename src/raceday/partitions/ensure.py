"""The write path's safety net: make sure a batch's racing days have partitions, before its transaction.

`ensure_days_for` runs on its own connection, outside any race transaction: it never holds the
writer's locks and a failure here cannot abort the writer's work. It sorts the batch's
timestamps into days that are ready and rows that cannot be filed (absurd timestamp, or a day
that could not be created), so the caller can quarantine those instead of losing them.
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
from raceday.db.target import connect
from raceday.partitions.catalog import read_config
from raceday.partitions.ddl import DdlRunner, RetryPolicy
from raceday.partitions.naming import partition_name
from raceday.racing_day import racing_day_of

__all__ = ["EnsureResult", "QuarantineEntry", "ensure_days_for", "quarantine", "sanity_reason"]


@dataclass(frozen=True, slots=True)
class EnsureResult:
    """Days whose partitions exist now, and why each unfileable timestamp (by index) was refused."""

    ready_days: frozenset[date]
    created: tuple[str, ...]
    refused: dict[int, str] = field(default_factory=dict)


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
    url: str,
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
    if wanted:
        with connect(url, autocommit=True, application_name="raceday-ensure") as conn:
            parents = [c.parent for c in read_config(conn)]
            missing = _missing(conn, parents, wanted)
            runner = DdlRunner(
                conn, RetryPolicy(lock_timeout_ms=settings.lock_timeout_ms), sleep=sleep
            )
            for parent, day in missing:
                outcome = runner.create(parent, day, partition_name(parent, day))
                if outcome.status == "created":
                    created.append(outcome.name)
                elif outcome.status != "exists":
                    failed_days[day] = (
                        f"partition {outcome.name} could not be created: {outcome.detail}"
                    )
    for index, day in day_of.items():
        if day in failed_days:
            refused[index] = failed_days[day]
    ready = frozenset(set(wanted) - set(failed_days))
    return EnsureResult(ready, tuple(created), dict(sorted(refused.items())))


def _missing(
    conn: psycopg.Connection, parents: list[str], days: Iterable[date]
) -> list[tuple[str, date]]:
    # One catalog round trip: which of the wanted children are already attached.
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
