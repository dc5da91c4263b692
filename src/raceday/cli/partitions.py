"""`raceday partitions …`: plan, apply, status, verify, ensure, retire and watch the NZ-day partitions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import connection, open_database, settings_from
from raceday.cli.options import DatabaseUrlOption, JsonOption
from raceday.clock import SystemClock
from raceday.config import Settings
from raceday.db import open_pool, require_head
from raceday.logs import configure_logging
from raceday.metrics import observe_maintenance, observe_status
from raceday.partitions import (
    EnsureDaysResult,
    MaintenanceResult,
    PartitionStatus,
    Plan,
    build_plan,
    ensure_days,
    read_status,
    retire_days,
    run_maintenance,
    today_in,
)
from raceday.racing_day import days_between

app = typer.Typer(
    help="Daily partitions aligned to the New Zealand racing day.", no_args_is_help=True
)

MAX_RANGE_DAYS = 3660


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date in YYYY-MM-DD form", param_hint=option
        ) from None


def _range(from_day: str, to_day: str) -> list[date]:
    first, last = _parse_day(from_day, "--from"), _parse_day(to_day, "--to")
    if last < first:
        raise typer.BadParameter(f"--to {last} is before --from {first}")
    if (last - first).days > MAX_RANGE_DAYS:
        raise typer.BadParameter("at most ten years at a time")
    return days_between(first, last)


TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="YYYY-MM-DD",
        help="Act as if it were this racing day (default: today in RACEDAY_TIMEZONE).",
    ),
]
FromOption = Annotated[str, typer.Option("--from", metavar="YYYY-MM-DD", help="First racing day.")]
ToOption = Annotated[
    str, typer.Option("--to", metavar="YYYY-MM-DD", help="Last racing day (inclusive).")
]


def _today(given: str | None, settings: Settings) -> date:
    if given is not None:
        return _parse_day(given, "--today")
    return today_in(settings, SystemClock())


def _rows(rows: int | None) -> str:
    return "?" if rows is None else f"{rows:,}"


def _print_retiring(plan: Plan, title: str) -> None:
    if plan.retiring:
        render.table(
            title,
            ["partition", "rows", "action"],
            [
                (s.name, _rows(s.rows), "detach, keep table" if s.keep_table else "detach, drop")
                for s in plan.retire
            ]
            + [(s.name, _rows(s.rows), "finish detach") for s in plan.finalize],
        )


@app.command()
def plan(
    today: TodayOption = None, database_url: DatabaseUrlOption = None, json: JsonOption = False
) -> None:
    """Show what maintenance would create, retire (with the rows each day holds) and report,
    touching nothing. Kept days (history loaded on purpose) are listed, not retired.

    Example: raceday partitions plan --today 2026-04-05 --json
    """
    settings = settings_from(database_url)
    day = _today(today, settings)
    with connection(settings, needed_by="partitions plan") as conn:
        the_plan = build_plan(conn, settings, day)
    if json:
        render.emit_json(the_plan.to_dict())
        return
    rows = sum(s.rows or 0 for s in the_plan.retiring)
    render.out.print(
        f"racing day {day}: {len(the_plan.create)} to create, "
        f"{len(the_plan.retire)} to retire ({rows:,} rows), "
        f"{len(the_plan.finalize)} detaches to finish, {len(the_plan.kept)} kept from retention"
    )
    if the_plan.create:
        render.table(
            "to create",
            ["partition", "racing day", "from (UTC)", "to (UTC)"],
            [(s.name, s.day, s.lower.isoformat(), s.upper.isoformat()) for s in the_plan.create],
        )
    _print_retiring(the_plan, "to retire")
    if the_plan.kept:
        render.table(
            "kept (older than the retention period, not retired)",
            ["partition", "why"],
            [(k.name, k.reason) for k in the_plan.kept],
        )
    _print_problems([p.to_dict() for p in the_plan.problems])


def _print_problems(problems: list[dict[str, object]]) -> None:
    if problems:
        render.table(
            "problems",
            ["kind", "parent", "table", "detail"],
            [(p["kind"], p["parent"], p["name"], p["detail"]) for p in problems],
        )


def _report_run(result: MaintenanceResult, json: bool) -> None:
    if json:
        render.emit_json(result.to_dict())
        return
    if result.status == "skipped":
        render.out.print("another maintainer is running; nothing done")
        return
    render.out.print(
        f"maintenance {result.status} in {result.duration_ms:.0f} ms: "
        f"{len(result.created)} created, {len(result.retired)} retired "
        f"({result.rows_retired:,} rows), {len(result.deferred)} deferred, "
        f"{len(result.failed)} failed"
    )
    for outcome in result.outcomes:
        if outcome.status in ("retired", "finalized"):
            render.out.print(f"  retired {outcome.name} with {_rows(outcome.rows)} rows")
    for kept in result.plan.kept if result.plan else ():
        render.out.print(f"  kept {kept.name}: {kept.reason}")
    for line in result.deferred:
        render.out.print(f"  deferred: {line} (will be retried by the next run)")
    for line in result.failed:
        render.out.print(f"  failed: {line}")
    if result.error and not result.failed:
        render.out.print(f"  error: {result.error}")


@app.command()
def apply(
    today: TodayOption = None, database_url: DatabaseUrlOption = None, json: JsonOption = False
) -> None:
    """Create the missing days, retire old ones, finish interrupted detaches (one maintainer at a time).

    Kept days (created for old data by an ingest, a backfill or `partitions ensure`) are never
    retired here; `raceday partitions retire` does that on request. Exit 1 when a step failed;
    a step deferred by a lock timeout is retried by the next run. If another maintainer is
    running, says so and exits 0.

    Example: raceday partitions apply
    """
    settings = settings_from(database_url)
    configure_logging(settings.log_format, settings.log_level)
    with connection(
        settings, application_name="raceday-partitions", needed_by="partitions apply"
    ) as conn:
        result = run_maintenance(
            conn,
            settings,
            today=_parse_day(today, "--today") if today else None,
            triggered_by="manual",
        )
    observe_maintenance(result)
    _report_run(result, json)
    if result.status == "failed":
        raise typer.Exit(1)


def _status(database_url: str | None, today: str | None, command: str) -> PartitionStatus:
    settings = settings_from(database_url)
    day = _today(today, settings)
    with connection(settings, needed_by=f"partitions {command}") as conn:
        status = read_status(conn, settings, day)
    observe_status(status)
    return status


def _print_islands(state: PartitionStatus) -> None:
    if state.islands:
        render.table(
            "islands: history apart from the live window (information, not a problem)",
            ["parent", "first day", "last day", "partitions", "kept days"],
            [(i.parent, i.first_day, i.last_day, i.partitions, i.kept_days) for i in state.islands],
        )


@app.command()
def status(
    today: TodayOption = None, database_url: DatabaseUrlOption = None, json: JsonOption = False
) -> None:
    """Runway days, oldest and newest day, partitions per parent, islands, kept days,
    quarantine, last run.

    Exit 1 when the runway is under 2 days or the last run failed.

    Example: raceday partitions status --json
    """
    state = _status(database_url, today, "status")
    last_failed = bool(state.last_run and state.last_run.get("status") == "failed")
    if json:
        render.emit_json(state.to_dict())
    else:
        render.out.print(
            f"racing day {state.today}; runway {state.runway_days} day(s) "
            f"({'ok' if state.runway_ok else f'LOW, need {state.min_runway_days}'}); "
            f"{state.quarantine_rows} quarantined row(s); "
            f"{len(state.kept_days)} day(s) kept from retention"
        )
        render.table(
            "partitions",
            ["parent", "zone", "partitions", "oldest day", "newest day", "runway days", "problems"],
            [
                (
                    p.parent,
                    p.zone,
                    p.partitions,
                    p.oldest_day,
                    p.newest_day,
                    p.runway_days,
                    len(p.problems),
                )
                for p in state.parents
            ],
        )
        _print_islands(state)
        run = state.last_run
        render.out.print(
            "last run: "
            + (
                f"{run['status']} at {run['started_at']} ({run['triggered_by']}), "
                f"{run['created']} created, {run['retired']} retired, "
                f"{run['deferred']} deferred"
                if run
                else "never"
            )
        )
    if not state.runway_ok or last_failed:
        raise typer.Exit(1)


@app.command()
def verify(
    today: TodayOption = None, database_url: DatabaseUrlOption = None, json: JsonOption = False
) -> None:
    """Check the live window (yesterday to the end of the runway) for missing days, and every
    partition for overlaps, bounds off the calendar, unexpected children, missing indexes and
    pending detaches. History kept apart from the window is reported as islands, not as gaps.

    Exit 1 when any problem is found (or the runway is under 2 days).

    Example: raceday partitions verify
    """
    state = _status(database_url, today, "verify")
    problems = [p.to_dict() for p in state.problems]
    if json:
        render.emit_json(
            {
                "today": state.today.isoformat(),
                "healthy": state.healthy,
                "runway_days": state.runway_days,
                "problems": problems,
                "islands": [i.to_dict() for i in state.islands],
            }
        )
    else:
        if problems:
            _print_problems(problems)
        else:
            render.out.print(f"partitions verified: no problems, runway {state.runway_days} day(s)")
        _print_islands(state)
    if not state.healthy:
        raise typer.Exit(1)


def _report_ensure(result: EnsureDaysResult, json: bool) -> None:
    if json:
        render.emit_json(result.to_dict())
        return
    render.out.print(
        f"racing days {result.first_day} to {result.last_day}: {len(result.created)} "
        f"partitions created, {len(result.existing)} already there, "
        f"{len(result.deferred)} deferred, {len(result.failed)} failed"
    )
    if result.kept:
        render.out.print(
            f"{len(result.kept)} day(s) before the live window are kept from retention "
            "(`raceday partitions retire` lets them go)"
        )
    for line in result.deferred:
        render.out.print(f"  deferred: {line} (a lock was not granted in time; run it again)")
    for line in result.failed:
        render.out.print(f"  failed: {line}")


@app.command()
def ensure(
    from_day: FromOption,
    to_day: ToOption,
    database_url: DatabaseUrlOption = None,
    json: JsonOption = False,
) -> None:
    """Make sure every racing day from --from to --to has its partitions (e.g. before a backfill).

    Only creates: nothing is retired. Days older than the live window are kept from retention,
    so what is loaded into them stays until `raceday partitions retire` is asked to drop it.
    Exit 1 when a day could not be created.

    Example: raceday partitions ensure --from 2025-07-01 --to 2025-07-31
    """
    days = _range(from_day, to_day)
    settings = settings_from(database_url)
    configure_logging(settings.log_format, settings.log_level)
    with connection(
        settings, application_name="raceday-partitions", needed_by="partitions ensure"
    ) as conn:
        result = ensure_days(conn, settings, days)
    _report_ensure(result, json)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def retire(
    from_day: FromOption,
    to_day: ToOption,
    yes: Annotated[
        bool, typer.Option("--yes", help="Really retire; without it, only show what would go.")
    ] = False,
    database_url: DatabaseUrlOption = None,
    json: JsonOption = False,
) -> None:
    """Retire the partitions of racing days --from to --to, kept or not, with their rows.

    Without --yes, shows each partition and its rows and touches nothing. Days of the live
    window (yesterday and later) are refused. Retired partitions are dropped, or kept as
    tables in the partition_archive schema when RACEDAY_KEEP_DETACHED=true.

    Example: raceday partitions retire --from 2025-07-01 --to 2025-07-31 --yes
    """
    days = _range(from_day, to_day)
    settings = settings_from(database_url)
    configure_logging(settings.log_format, settings.log_level)
    with connection(
        settings, application_name="raceday-partitions", needed_by="partitions retire"
    ) as conn:
        result = retire_days(conn, settings, days, execute=yes)
    if yes:
        observe_maintenance(result)
    if json:
        render.emit_json(result.to_dict() | {"executed": yes})
    else:
        if result.refused:
            render.error(
                f"{len(result.refused)} day(s) are in the live window and are never retired: "
                f"{result.refused[0]} … {result.refused[-1]}"
            )
        if not yes and result.plan is not None:
            rows = sum(s.rows or 0 for s in result.plan.retiring)
            _print_retiring(result.plan, "would retire")
            render.out.print(
                f"{len(result.plan.retiring)} partition(s) with {rows:,} rows would be retired; "
                "nothing was touched (add --yes to retire them)"
            )
        elif yes:
            _report_run(result, json=False)
    if result.status == "failed" or result.deferred or result.refused:
        raise typer.Exit(1)


@app.command()
def watch(
    database_url: DatabaseUrlOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port (127.0.0.1).")
    ] = None,
) -> None:
    """Run maintenance now, then at 00:00 in the racing-day zone and hourly, until interrupted.

    SIGINT or SIGTERM lets a run in progress finish, then exits 0.

    Example: raceday partitions watch --metrics-port 9108
    """
    from raceday.runtime import MaintenanceLoop, Runtime

    settings = settings_from(database_url)
    database = open_database(settings)
    configure_logging(settings.log_format, settings.log_level)
    with open_pool(database.url, name="raceday-watch", max_size=2) as pool:
        with pool.connection() as conn:
            require_head(conn, needed_by="partitions watch")
        runtime = Runtime(settings, metrics_port=metrics_port)
        loop = MaintenanceLoop(pool, settings, on_result=lambda r: _report_run(r, json=False))
        loop.run("startup")
        loop.install(runtime)
        runtime.run_until_stopped()
