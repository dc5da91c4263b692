"""I/O: the health of the partitions as it stands — runway, counts, quarantine, last run, problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from raceday.config import Settings
from raceday.partitions.catalog import index_expectation, read_config, read_observed
from raceday.partitions.kept import read_kept_days
from raceday.partitions.maintain import policy_from
from raceday.partitions.model import Island, Problem
from raceday.partitions.naming import parse_partition_name
from raceday.partitions.verify import (
    MIN_RUNWAY_DAYS,
    find_islands,
    find_problems,
    runway_days,
    serving_children,
)

__all__ = ["ParentStatus", "PartitionStatus", "read_status"]


@dataclass(frozen=True, slots=True)
class ParentStatus:
    parent: str
    zone: str
    partitions: int
    runway_days: int
    oldest_day: date | None
    newest_day: date | None
    problems: tuple[Problem, ...]
    islands: tuple[Island, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "parent": self.parent,
            "zone": self.zone,
            "partitions": self.partitions,
            "runway_days": self.runway_days,
            "oldest_day": self.oldest_day.isoformat() if self.oldest_day else None,
            "newest_day": self.newest_day.isoformat() if self.newest_day else None,
            "problems": [p.to_dict() for p in self.problems],
            "islands": [i.to_dict() for i in self.islands],
        }


@dataclass(frozen=True, slots=True)
class PartitionStatus:
    today: date
    parents: tuple[ParentStatus, ...]
    quarantine_rows: int
    last_run: dict[str, Any] | None
    last_success_at: datetime | None
    kept_days: tuple[date, ...] = ()
    min_runway_days: int = MIN_RUNWAY_DAYS

    @property
    def runway_days(self) -> int:
        """The shortest runway of any parent: what decides whether writes are safe tomorrow."""
        return min((p.runway_days for p in self.parents), default=0)

    @property
    def problems(self) -> list[Problem]:
        return [problem for parent in self.parents for problem in parent.problems]

    @property
    def islands(self) -> list[Island]:
        return [island for parent in self.parents for island in parent.islands]

    @property
    def runway_ok(self) -> bool:
        return self.runway_days >= self.min_runway_days

    @property
    def healthy(self) -> bool:
        return self.runway_ok and not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "healthy": self.healthy,
            "runway_days": self.runway_days,
            "min_runway_days": self.min_runway_days,
            "runway_ok": self.runway_ok,
            "quarantine_rows": self.quarantine_rows,
            "last_run": self.last_run,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
            "kept_days": [d.isoformat() for d in self.kept_days],
            "parents": [p.to_dict() for p in self.parents],
            "problems": [p.to_dict() for p in self.problems],
            "islands": [i.to_dict() for i in self.islands],
        }


def read_status(conn: psycopg.Connection[Any], settings: Settings, today: date) -> PartitionStatus:
    """The partitions' health for racing day `today`; reads only."""
    config = read_config(conn)
    parents = [c.parent for c in config]
    observed = read_observed(conn, parents)
    expected = index_expectation(conn, parents, observed)
    policy = policy_from(settings)
    kept = read_kept_days(conn)
    summaries = []
    for row in config:
        mine = [o for o in observed if o.parent == row.parent]
        days = sorted(
            d
            for o in serving_children(mine)
            if (parsed := parse_partition_name(o.name)) and (d := parsed[1])
        )
        problems = find_problems(row.parent, mine, policy, today, expected)
        summaries.append(
            ParentStatus(
                row.parent,
                row.zone,
                len(serving_children(mine)),
                runway_days(mine, today, row.zone),
                days[0] if days else None,
                days[-1] if days else None,
                tuple(problems),
                tuple(find_islands(row.parent, mine, policy, today, kept)),
            )
        )
    quarantine = conn.execute("select count(*) from partition_quarantine").fetchone()
    last = conn.execute(
        """select id, status, triggered_by, started_at, finished_at, cardinality(partitions_created),
                  cardinality(partitions_retired), cardinality(steps_deferred), error
             from partition_maintenance_runs order by started_at desc, id desc limit 1"""
    ).fetchone()
    success = conn.execute(
        "select max(finished_at) from partition_maintenance_runs where status = 'ok'"
    ).fetchone()
    last_run = None
    if last:
        keys = (
            "id",
            "status",
            "triggered_by",
            "started_at",
            "finished_at",
            "created",
            "retired",
            "deferred",
            "error",
        )
        last_run = {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in zip(keys, last, strict=True)
        }
    return PartitionStatus(
        today,
        tuple(summaries),
        int(quarantine[0]) if quarantine else 0,
        last_run,
        success[0] if success else None,
        tuple(sorted(kept)),
    )
