"""One maintenance run: read the catalog, plan, apply creation then retention, record the run.

Creation and retention are separate phases with separate outcomes: a retention failure never
undoes or blocks the days just created (each step commits on its own).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import psycopg

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db.locks import LockKey, try_session_lock
from raceday.db.target import connect
from raceday.errors import PartitionError
from raceday.partitions.catalog import ParentConfig, index_expectation, read_config, read_observed
from raceday.partitions.ddl import DdlOutcome, DdlRunner, RetryPolicy
from raceday.partitions.model import Plan, Policy
from raceday.partitions.plan import make_plan
from raceday.racing_day import racing_day_of

__all__ = ["MaintenanceResult", "build_plan", "policy_from", "run_maintenance", "today_in"]

RunStatus = Literal["ok", "deferred", "failed", "skipped"]


def today_in(settings: Settings, clock: Clock) -> date:
    """The racing day it is now in the configured zone."""
    return racing_day_of(clock.now(), settings.timezone)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        zone=settings.timezone,
        days_ahead=settings.partition_days_ahead,
        retention_days=settings.retention_days,
        keep_detached=settings.keep_detached,
    )


def retry_policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(lock_timeout_ms=settings.lock_timeout_ms)


def build_plan(
    conn: psycopg.Connection, settings: Settings, today: date, extra_days: Iterable[date] = ()
) -> Plan:
    """Read the catalog and return the plan for `today`; touches nothing."""
    config = read_config(conn)
    if not config:
        raise PartitionError(
            "partition_config is empty: no partitioned parents are configured",
            hint="run `raceday db upgrade`",
        )
    parents = [c.parent for c in config]
    observed = read_observed(conn, parents)
    _check_zone(settings, config)
    return make_plan(
        today,
        policy_from(settings),
        parents,
        observed,
        extra_days,
        expected_index_names=index_expectation(conn, parents, observed),
    )


def _check_zone(settings: Settings, config: list[ParentConfig]) -> None:
    for row in config:
        if row.zone != settings.timezone:
            raise PartitionError(
                f"{row.parent} is partitioned by racing days of {row.zone}, "
                f"but RACEDAY_TIMEZONE is {settings.timezone}",
                hint=f"unset RACEDAY_TIMEZONE or set it to {row.zone}; moving existing "
                "partitions to another zone needs a migration",
            )


@dataclass
class MaintenanceResult:
    """What one run did, for the CLI, the log line, metrics and the run log."""

    status: RunStatus
    today: date
    started_at: datetime
    duration_ms: float
    plan: Plan | None = None
    outcomes: list[DdlOutcome] = field(default_factory=list)
    error: str | None = None
    run_id: int | None = None

    def names(self, *statuses: str) -> list[str]:
        return [o.name for o in self.outcomes if o.status in statuses]

    @property
    def created(self) -> list[str]:
        return self.names("created")

    @property
    def retired(self) -> list[str]:
        return self.names("retired", "finalized")

    @property
    def deferred(self) -> list[str]:
        return [f"{o.action} {o.name}" for o in self.outcomes if o.status == "deferred"]

    @property
    def failed(self) -> list[str]:
        return [f"{o.action} {o.name}: {o.detail}" for o in self.outcomes if o.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "today": self.today.isoformat(),
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration_ms, 2),
            "created": self.created,
            "retired": self.retired,
            "deferred": self.deferred,
            "failed": self.failed,
            "error": self.error,
            "run_id": self.run_id,
            "steps": [o.to_dict() for o in self.outcomes],
            "problems": [p.to_dict() for p in self.plan.problems] if self.plan else [],
        }


def run_maintenance(
    url: str,
    settings: Settings,
    *,
    clock: Clock | None = None,
    today: date | None = None,
    triggered_by: str = "manual",
    extra_days: Iterable[date] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> MaintenanceResult:
    """Bring the partitions to the policy for `today` (default: the racing day now).

    Only one maintainer runs at a time across processes and hosts: the others return at once
    with status "skipped". DDL waits at most the lock timeout per try, so writers never queue
    long behind it; steps that cannot get their lock are "deferred" to the next run.
    """
    clock = clock or SystemClock()
    started_at = clock.now()
    started = time.perf_counter()
    day = today or today_in(settings, clock)
    with (
        connect(url, autocommit=True, application_name="raceday-partitions") as conn,
        try_session_lock(conn, LockKey.PARTITION_MAINTENANCE) as held,
    ):
        if not held:
            return MaintenanceResult(
                "skipped", day, started_at, _ms(started), error="another maintainer is running"
            )
        _sync_config(conn, settings)
        run_id = _record_start(conn, started_at, triggered_by)
        result = MaintenanceResult("ok", day, started_at, 0.0, run_id=run_id)
        try:
            result.plan = build_plan(conn, settings, day, extra_days)
            runner = DdlRunner(conn, retry_policy_from(settings), sleep=sleep)
            # Creation first and on its own: retention trouble must never cost the runway.
            for step in result.plan.create:
                result.outcomes.append(runner.create(step.parent, step.day, step.name))
            # A parent with a detach still pending refuses any other detach: once a step of a
            # parent does not finish, its remaining retire steps wait for the next run.
            stuck: set[str] = set()
            for final in result.plan.finalize:
                outcome = runner.finalize(final.parent, final.name, final.keep_table)
                result.outcomes.append(outcome)
                if outcome.status not in ("retired", "finalized"):
                    stuck.add(final.parent)
            for retire in result.plan.retire:
                if retire.parent in stuck:
                    result.outcomes.append(
                        DdlOutcome(
                            "retire",
                            retire.parent,
                            retire.name,
                            "deferred",
                            f"{retire.parent} still has a detach pending",
                            attempts=0,
                        )
                    )
                    continue
                outcome = runner.retire(retire.parent, retire.name, retire.keep_table)
                result.outcomes.append(outcome)
                if outcome.status not in ("retired", "finalized"):
                    stuck.add(retire.parent)
            result.status = "failed" if result.failed else "deferred" if result.deferred else "ok"
            if result.failed:
                result.error = "; ".join(result.failed)
        except (psycopg.Error, PartitionError) as exc:
            result.status, result.error = "failed", str(exc).strip()
        result.duration_ms = _ms(started)
        _record_finish(conn, result, clock.now())
        return result


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _sync_config(conn: psycopg.Connection, settings: Settings) -> None:
    # The policy in force is written where psql users and `status` can see it. The zone is only
    # adopted while a parent has no partitions yet: re-cutting existing days needs a migration.
    conn.execute(
        """update partition_config c
              set days_ahead = %(ahead)s, retention_days = %(keep)s, keep_detached = %(detached)s,
                  time_zone = case when exists (select 1 from pg_inherits i
                                                 where i.inhparent = to_regclass(c.parent_table))
                                   then c.time_zone else %(zone)s end
            where (days_ahead, retention_days, keep_detached, time_zone)
                  is distinct from (%(ahead)s, %(keep)s, %(detached)s, %(zone)s)""",
        {
            "ahead": settings.partition_days_ahead,
            "keep": settings.retention_days,
            "detached": settings.keep_detached,
            "zone": settings.timezone,
        },
    )


def _record_start(conn: psycopg.Connection, started_at: datetime, triggered_by: str) -> int:
    row = conn.execute(
        """insert into partition_maintenance_runs (started_at, status, triggered_by, host, pid)
           values (%s, 'running', %s, %s, %s) returning id""",
        (started_at, triggered_by, socket.gethostname(), os.getpid()),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _record_finish(
    conn: psycopg.Connection, result: MaintenanceResult, finished_at: datetime
) -> None:
    conn.execute(
        """update partition_maintenance_runs
              set status = %s, finished_at = greatest(%s, started_at), partitions_created = %s,
                  partitions_retired = %s, steps_deferred = %s, error = %s
            where id = %s""",
        (
            result.status,
            finished_at,
            result.created,
            result.retired,
            result.deferred,
            result.error,
            result.run_id,
        ),
    )
