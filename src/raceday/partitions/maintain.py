"""One maintenance run: read the catalog, plan, apply creation then retention, record the run.

Creation and retention are separate phases with separate outcomes: a retention failure never
undoes or blocks the days just created (each step commits on its own). Retention skips kept
days (`partitions.kept`); `retire_days` retires days on explicit request. Every retired child's
row count is shown in the plan beforehand, logged when it goes, and counted in the metrics.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

import psycopg
from psycopg import sql

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db.locks import LockKey, try_session_lock
from raceday.db.pool import ConnectionSource, borrow
from raceday.errors import PartitionError
from raceday.logs import get_logger
from raceday.partitions.catalog import ParentConfig, index_expectation, read_config, read_observed
from raceday.partitions.ddl import DdlOutcome, DdlRunner, RetryPolicy
from raceday.partitions.kept import read_kept_days, release_days
from raceday.partitions.model import FinalizeStep, Plan, Policy, RetireStep
from raceday.partitions.naming import parse_partition_name
from raceday.partitions.plan import make_plan, plan_retirement
from raceday.racing_day import racing_day_of

__all__ = [
    "MaintenanceResult",
    "build_plan",
    "policy_from",
    "retire_days",
    "run_maintenance",
    "today_in",
]

RunStatus = Literal["ok", "deferred", "failed", "skipped"]

_log = get_logger("raceday.partitions")


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


def _configured(conn: psycopg.Connection[Any], settings: Settings) -> list[str]:
    config = read_config(conn)
    if not config:
        raise PartitionError(
            "partition_config is empty: no partitioned parents are configured",
            hint="run `raceday db upgrade`",
        )
    _check_zone(settings, config)
    return [c.parent for c in config]


def build_plan(conn: psycopg.Connection[Any], settings: Settings, today: date) -> Plan:
    """Read the catalog and return the plan for `today`, with the rows of each child it would
    retire; touches nothing."""
    parents = _configured(conn, settings)
    observed = read_observed(conn, parents)
    plan = make_plan(
        today,
        policy_from(settings),
        parents,
        observed,
        read_kept_days(conn),
        expected_index_names=index_expectation(conn, parents, observed),
    )
    return plan.with_rows(count_rows(conn, [s.name for s in plan.retiring]))


def count_rows(conn: psycopg.Connection[Any], tables: Iterable[str]) -> dict[str, int]:
    """Exact row counts: only of the few children about to be retired, so a count is cheap
    enough and the number shown is the number lost."""
    counts = {}
    for name in tables:
        row = conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(name))
        ).fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


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
    refused: list[date] = field(default_factory=list)  # retire_days: days of the live window

    def names(self, *statuses: str) -> list[str]:
        return [o.name for o in self.outcomes if o.status in statuses]

    @property
    def created(self) -> list[str]:
        return self.names("created")

    @property
    def retired(self) -> list[str]:
        return self.names("retired", "finalized")

    @property
    def rows_retired(self) -> int:
        """Rows that went with the retired children."""
        return sum(o.rows or 0 for o in self.outcomes if o.status in ("retired", "finalized"))

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
            "rows_retired": self.rows_retired,
            "deferred": self.deferred,
            "failed": self.failed,
            "error": self.error,
            "run_id": self.run_id,
            "steps": [o.to_dict() for o in self.outcomes],
            "kept": [k.to_dict() for k in self.plan.kept] if self.plan else [],
            "refused": [d.isoformat() for d in self.refused],
            "problems": [p.to_dict() for p in self.plan.problems] if self.plan else [],
        }


def run_maintenance(
    source: ConnectionSource,
    settings: Settings,
    *,
    clock: Clock | None = None,
    today: date | None = None,
    triggered_by: str = "manual",
    sleep: Callable[[float], None] = time.sleep,
) -> MaintenanceResult:
    """Bring the partitions to the policy for `today` (default: the racing day now).

    Only one maintainer runs at a time across processes and hosts: the others return at once
    with status "skipped". DDL waits at most the lock timeout per try, so writers never queue
    long behind it; steps that cannot get their lock are "deferred" to the next run.
    """

    def work(conn: psycopg.Connection[Any], result: MaintenanceResult) -> None:
        result.plan = build_plan(conn, settings, result.today)
        runner = DdlRunner(conn, retry_policy_from(settings), sleep=sleep)
        # Creation first and on its own: retention trouble must never cost the runway.
        for step in result.plan.create:
            result.outcomes.append(runner.create(step.parent, step.day, step.name))
        result.outcomes += _retire(runner, result.plan.retire, result.plan.finalize)

    return _maintain(source, settings, clock, today, triggered_by, work)


def retire_days(
    source: ConnectionSource,
    settings: Settings,
    days: Sequence[date],
    *,
    execute: bool,
    clock: Clock | None = None,
    today: date | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MaintenanceResult:
    """Retire the partitions of `days` on request, kept or not (`raceday partitions retire`).

    Days of the live window are refused (`result.refused`). With `execute=False` nothing is
    touched: `result.plan` says what would go, with its rows. The kept marks of retired days
    are removed.
    """

    def work(conn: psycopg.Connection[Any], result: MaintenanceResult) -> None:
        parents = _configured(conn, settings)
        policy = policy_from(settings)
        request = plan_retirement(result.today, policy, parents, read_observed(conn, parents), days)
        result.refused = list(request.refused)
        plan = Plan(result.today, policy, (), request.retire, request.finalize, ())
        result.plan = plan.with_rows(count_rows(conn, [s.name for s in plan.retiring]))
        if not execute:
            return
        runner = DdlRunner(conn, retry_policy_from(settings), sleep=sleep)
        result.outcomes += _retire(runner, result.plan.retire, result.plan.finalize)
        gone = {o.name for o in result.outcomes if o.status in ("retired", "finalized")}
        # A day stops being kept once every one of its children is gone.
        whole: dict[date, bool] = {}
        for step in result.plan.retiring:
            parsed = parse_partition_name(step.name)
            if parsed is not None:
                whole[parsed[1]] = whole.get(parsed[1], True) and step.name in gone
        release_days(conn, [d for d, all_gone in whole.items() if all_gone])

    if not execute:
        clock = clock or SystemClock()
        day = today or today_in(settings, clock)
        started = time.perf_counter()
        result = MaintenanceResult("ok", day, clock.now(), 0.0)
        with borrow(source) as conn:
            work(conn, result)
        result.duration_ms = _ms(started)
        return result
    return _maintain(source, settings, clock, today, "retire", work)


def _maintain(
    source: ConnectionSource,
    settings: Settings,
    clock: Clock | None,
    today: date | None,
    triggered_by: str,
    work: Callable[[psycopg.Connection[Any], MaintenanceResult], None],
) -> MaintenanceResult:
    """Run `work` as one recorded maintenance run, under the one-maintainer lock."""
    clock = clock or SystemClock()
    started_at = clock.now()
    started = time.perf_counter()
    day = today or today_in(settings, clock)
    with borrow(source) as conn, try_session_lock(conn, LockKey.PARTITION_MAINTENANCE) as held:
        if not held:
            return MaintenanceResult(
                "skipped", day, started_at, _ms(started), error="another maintainer is running"
            )
        _sync_config(conn, settings)
        run_id = _record_start(conn, started_at, triggered_by)
        result = MaintenanceResult("ok", day, started_at, 0.0, run_id=run_id)
        try:
            work(conn, result)
            result.status = "failed" if result.failed else "deferred" if result.deferred else "ok"
            if result.failed:
                result.error = "; ".join(result.failed)
        except (psycopg.Error, PartitionError) as exc:
            result.status, result.error = "failed", str(exc).strip()
        result.duration_ms = _ms(started)
        _record_finish(conn, result, clock.now())
    _log.info(
        "partition_maintenance",
        status=result.status,
        triggered_by=triggered_by,
        today=result.today.isoformat(),
        created=len(result.created),
        retired=len(result.retired),
        rows_retired=result.rows_retired,
        deferred=len(result.deferred),
        failed=len(result.failed),
        duration_ms=round(result.duration_ms, 1),
    )
    return result


def _retire(
    runner: DdlRunner, retires: Sequence[RetireStep], finals: Sequence[FinalizeStep]
) -> list[DdlOutcome]:
    """Finish pending detaches, then retire; each outcome carries its child's row count."""
    outcomes: list[DdlOutcome] = []
    # A parent with a detach still pending refuses any other detach: once a step of a parent
    # does not finish, its remaining retire steps wait for the next run.
    stuck: set[str] = set()
    for final in finals:
        outcome = replace(
            runner.finalize(final.parent, final.name, final.keep_table), rows=final.rows
        )
        outcomes.append(_logged(outcome))
        if outcome.status not in ("retired", "finalized"):
            stuck.add(final.parent)
    for retire in retires:
        if retire.parent in stuck:
            outcomes.append(
                DdlOutcome(
                    "retire",
                    retire.parent,
                    retire.name,
                    "deferred",
                    f"{retire.parent} still has a detach pending",
                    attempts=0,
                    rows=retire.rows,
                )
            )
            continue
        outcome = replace(
            runner.retire(retire.parent, retire.name, retire.keep_table), rows=retire.rows
        )
        outcomes.append(_logged(outcome))
        if outcome.status not in ("retired", "finalized"):
            stuck.add(retire.parent)
    return outcomes


def _logged(outcome: DdlOutcome) -> DdlOutcome:
    if outcome.status in ("retired", "finalized"):
        # Rows leaving the database are worth a warning: nobody should learn of it later.
        emit = _log.warning if outcome.rows else _log.info
        emit(
            "partition_retired",
            partition=outcome.name,
            parent=outcome.parent,
            rows=outcome.rows,
        )
    return outcome


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
