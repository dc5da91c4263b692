"""`raceday demo live`: the simulator and the service together, no internet needed (`make run`).

Starts `raceday sim serve` in its own process on a free loopback port, then `raceday run`'s
service in this one against it, both on one simulated clock (same start, speed and origin).
Stops both on SIGINT/SIGTERM or after --for.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import open_database, settings_from
from raceday.cli.options import DatabaseUrlOption
from raceday.cli.run import migrate_to_head, parse_duration, serve_until_stopped
from raceday.clock import parse_instant
from raceday.logs import configure_logging
from raceday.pipeline.service import Service, ServiceOptions
from raceday.sim.process import spawn_simulator

__all__ = ["live"]

# Both processes read the clock from this wall instant on: leaves the simulator time to start.
_ORIGIN_LEAD = timedelta(seconds=3)


def live(
    database_url: DatabaseUrlOption = None,
    speed: Annotated[
        float, typer.Option(min=1, max=1000, help="How much faster than real time the day runs.")
    ] = 30.0,
    start: Annotated[
        str,
        typer.Option(
            help="Simulated start: now, RFC 3339, or local YYYY-MM-DDTHH:MM. Default: an hour "
            "before the first race of today's NZ racing day."
        ),
    ] = "first-race",
    meetings: Annotated[int, typer.Option(min=1, max=40, help="Meetings on the day.")] = 10,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port of the page, the API, /health and /metrics.")
    ] = 8000,
    duration: Annotated[
        str | None, typer.Option("--for", help="Stop after this wall time, e.g. 2m.")
    ] = None,
) -> None:
    """Run a simulated NZTAB racing day and the live service against it, with a status line.

    Example: raceday demo live --speed 60 --for 5m
    """
    settings = settings_from(database_url)
    configure_logging(settings.log_format, settings.log_level)
    stop_after = parse_duration(duration) if duration else None
    database = open_database(settings)
    migrate_to_head(database.url)
    origin = datetime.now(UTC) + _ORIGIN_LEAD
    begin = _start_instant(start, settings.timezone, meetings)
    args = ["--port", "0", "--speed", str(speed), "--start", begin.isoformat()]
    args += ["--origin", origin.isoformat(), "--meetings", str(meetings)]
    with spawn_simulator(args) as sim:
        render.info(f"simulated NZTAB at {sim.base_url}, {speed:g}x from {begin.isoformat()}")
        options = ServiceOptions(database_url=database.url, nztab_url=sim.base_url, port=port)
        service = Service(settings, options, clock=sim.clock(), on_listening=_announce)
        asyncio.run(serve_until_stopped(service, stop_after, show=sys.stderr.isatty()))
        _summary(service)


def _start_instant(text: str, zone: str, meetings: int) -> datetime:
    if text != "first-race":
        return parse_instant(text, zone)
    from raceday.demo import DayOptions, SimulatedDay
    from raceday.racing_day import racing_day_of
    from raceday.sim.days import day_seed

    day = racing_day_of(datetime.now(UTC), zone)
    # The day the simulator will serve: its seed is derived from (--seed 0, the day).
    first = SimulatedDay(
        DayOptions(day=day, seed=day_seed(0, day), meetings=meetings)
    ).first_start()
    return first - timedelta(hours=1)


def _announce(url: str) -> None:
    render.info(f"raceday: open {url}/ (API {url}/api, health {url}/health, metrics {url}/metrics)")


def _summary(service: Service) -> None:
    report = service.report
    if report is None:
        render.info("stopped before polling")
        return
    render.info(
        f"polls {report.polls}, stored {report.stored}, failed {report.failed}, missed deadlines "
        f"{report.missed_deadlines}, rows {report.rows}, races settled {len(report.stopped)}"
    )
