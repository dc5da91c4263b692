"""`raceday partitions …`: plan, apply, status, verify, ensure and watch the NZ-day partitions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import open_database, settings_from
from raceday.cli.options import DatabaseUrlOption, JsonOption
from raceday.clock import SystemClock
from raceday.db.target import connect
from raceday.logs import configure_logging, get_logger
from raceday.metrics import observe_maintenance, observe_status
from raceday.partitions import (
    MaintenanceResult,
    PartitionStatus,
    build_plan,
    read_status,
    run_maintenance,
    today_in,
)
from raceday.racing_day import days_between

app = typer.Typer(
    help="Daily partitions aligned to the New Zealand racing day.", no_args_is_help=True
)


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="YYYY-MM-DD",
        help="Act as if it were this racing day (default: today in RACEDAY_TIMEZONE).",
    ),
]


def _today(settings_today: str | None, settings: object) -> date:
    given = _parse_day(settings_today)
    return given or today_in(settings, SystemClock())  # type: ignore[arg-type]


@app.command()
def plan(
    today: TodayOption = None, database_url: DatabaseUrlOption = None, json: JsonOption = False
) -> None:
    """Show what maintenance would create, retire and report — touching nothing.

    Example: raceday partitions plan --today 2026-04-05 --json
    """
    settings = settings_from(database_url)
    database = open_database(settings)
    day = _today(today, settings)
    with connect(database.url) as conn:
        the_plan = build_plan(conn, settings, day)
    if json:
        render.emit_json(the_plan.to_dict())
        return
    render.out.print(
        f"racing day {day}: {len(the_plan.create)} to create, "
        f"{len(the_plan.retire)} to retire, {len(the_plan.finalize)} detaches to finish"
    )
    if the_plan.create:
        render.table(
            "to create",
            ["partition", "racing day", "from (UTC)", "to (UTC)"],
            [(s.name, s.day, s.lower.isoformat(), s.upper.isoformat()) for s in the_plan.create],
        )
    if the_plan.retire or the_plan.finalize:
        render.table(
            "to retire",
            ["partition", "action"],
            [(s.name, "detach, keep" if s.keep_table else "detach, drop") for s in the_plan.retire]
            + [(s.name, "finish detach") for s in the_plan.finalize],
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
    get_logger("raceday.partitions").info(
        "partition_maintenance",
        status=result.status,
        today=result.today.isoformat(),
        created=len(result.created),
        retired=len(result.retired),
        deferred=len(result.deferred),
        failed=len(result.failed),
        duration_ms=round(result.duration_ms, 1),
    )
    if json:
        render.emit_json(result.to_dict())
        return
    if result.status == "skipped":
        render.out.print("another maintainer is running; nothing done")
        return
    render.out.print(
        f"maintenance {result.status} in {result.duration_ms:.0f} ms: "
        f"{len(result.created)} created, {len(result.retired)} retired, "
        f"{len(result.deferred)} deferred, {len(result.failed)} failed"
    )
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

    Exit 1 when a step failed; a step deferred by a lock timeout is retried by the next run.
    If another maintainer is running, says so and exits 0.

    Example: raceday partitions apply
    """
    settings = settings_from(database_url)
    database = open_database(settings)
    configure_logging(settings.log_format, settings.log_level)
    result = run_maintenance(database.url, settings, today=_parse_day(today), triggered_by="manual")
    observe_maintenance(result)
    _report_run(result, json)
    if result.status == "failed":
        raise typer.Exit(1)


def _status(settings_url: str | None, today: str | None) -> PartitionStatus:
    settings = settings_from(settings_url)
    database = open_database(settings)
    with connect(database.url) as conn:
        status = read_status(conn, settings, _today(today, settings))
    observe_status(status)
    return status


@app.command()
def status(
    today: TodayOption = None, database_url: DatabaseUrlOption = None, json: JsonOption = False
) -> None:
    """Runway days, oldest and newest day, partitions per parent, quarantine, last run.

    Exit 1 when the runway is under 2 days or the last run failed.

    Example: raceday partitions status --json
    """
    state = _status(database_url, today)
    last_failed = bool(state.last_run and state.last_run.get("status") == "failed")
    if json:
        render.emit_json(state.to_dict())
    else:
        render.out.print(
            f"racing day {state.today}; runway {state.runway_days} day(s) "
            f"({'ok' if state.runway_ok else f'LOW, need {state.min_runway_days}'}); "
            f"{state.quarantine_rows} quarantined row(s)"
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
    """Check gaps, overlaps, bounds off the calendar, unexpected children, missing indexes, pending detaches.

    Exit 1 when any problem is found (or the runway is under 2 days).

    Example: raceday partitions verify
    """
    state = _status(database_url, today)
    problems = [p.to_dict() for p in state.problems]
    if json:
        render.emit_json(
            {
                "today": state.today.isoformat(),
                "healthy": state.healthy,
                "runway_days": state.runway_days,
                "problems": problems,
            }
        )
    elif problems:
        _print_problems(problems)
    else:
        render.out.print(f"partitions verified: no problems, runway {state.runway_days} day(s)")
    if not state.healthy:
        raise typer.Exit(1)


@app.command()
def ensure(
    from_day: Annotated[
        str, typer.Option("--from", metavar="YYYY-MM-DD", help="First racing day.")
    ],
    to_day: Annotated[
        str, typer.Option("--to", metavar="YYYY-MM-DD", help="Last racing day (inclusive).")
    ],
    database_url: DatabaseUrlOption = None,
    json: JsonOption = False,
) -> None:
    """Make sure every racing day from --from to --to has its partitions (e.g. before a backfill).

    Example: raceday partitions ensure --from 2025-07-01 --to 2025-07-31
    """
    first, last = _parse_day(from_day), _parse_day(to_day)
    assert first is not None and last is not None
    if last < first:
        raise typer.BadParameter("--to is before --from")
    if (last - first).days > 3660:
        raise typer.BadParameter("at most ten years at a time")
    settings = settings_from(database_url)
    database = open_database(settings)
    configure_logging(settings.log_format, settings.log_level)
    result = run_maintenance(
        database.url, settings, triggered_by="ensure", extra_days=days_between(first, last)
    )
    observe_maintenance(result)
    _report_run(result, json)
    if result.status == "skipped":
        render.error("another maintainer is running; try again in a moment")
        raise typer.Exit(1)
    if result.status == "failed" or result.deferred:
        raise typer.Exit(1)


@app.command()
def watch(
    database_url: DatabaseUrlOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Run maintenance now, then at 00:00 in the racing-day zone and hourly, until interrupted.

    Example: raceday partitions watch --metrics-port 9108
    """
    from apscheduler.schedulers.blocking import BlockingScheduler
    from prometheus_client import start_http_server

    from raceday.metrics import REGISTRY
    from raceday.partitions.schedule import add_maintenance_jobs

    settings = settings_from(database_url)
    database = open_database(settings)
    configure_logging(settings.log_format, settings.log_level)
    log = get_logger("raceday.partitions")
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1", registry=REGISTRY)

    def run(triggered_by: str) -> None:
        try:
            result = run_maintenance(database.url, settings, triggered_by=triggered_by)
            observe_maintenance(result)
            _report_run(result, json=False)
            with connect(database.url) as conn:
                observe_status(read_status(conn, settings, result.today))
        except Exception as exc:  # the watcher must outlive one bad run
            log.error("partition_maintenance_crashed", error=str(exc), triggered_by=triggered_by)

    run("startup")
    scheduler = BlockingScheduler(timezone=settings.timezone)
    add_maintenance_jobs(scheduler, settings.timezone, run)
    log.info("partition_watch_started", zone=settings.timezone)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("partition_watch_stopped")
