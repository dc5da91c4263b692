"""`raceday run`: the live service — migrate, then poll NZTAB and serve the API, the page,
/health and /metrics."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from datetime import timedelta
from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import open_database, settings_from
from raceday.cli.options import DatabaseUrlOption
from raceday.clock import Clock, ScaledClock, SystemClock, parse_instant
from raceday.db import connect, schema_state, upgrade
from raceday.errors import ConfigError, MigrationError
from raceday.logs import configure_logging, get_logger
from raceday.pipeline.service import Service, ServiceOptions

__all__ = ["build_clock", "migrate_to_head", "parse_duration", "run", "serve_until_stopped"]

_log = get_logger("raceday.cli.run")
_DURATION = re.compile(r"^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$")


def parse_duration(text: str) -> timedelta:
    """ "90s", "10m", "1h30m", or plain seconds ("45"); ConfigError naming the value otherwise."""
    if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", text):
        return timedelta(seconds=float(text))
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        raise ConfigError(
            f"not a duration: {text!r}", variable="--for", hint="use e.g. 90s, 10m or 1h30m"
        )
    hours, minutes, seconds = match.groups()
    return timedelta(hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0))


def build_clock(start: str | None, speed: float, origin: str | None, zone: str) -> Clock:
    """The real clock, or a simulated one when a start, a speed or an origin is given."""
    if start is None and origin is None and speed == 1:
        return SystemClock()
    try:
        begin = parse_instant(start or "now", zone)
        wall = parse_instant(origin, zone) if origin else None
        return ScaledClock(begin, speed, wall) if wall else ScaledClock(begin, speed)
    except ValueError as exc:
        raise ConfigError(str(exc), variable="--start/--speed/--origin") from None


def run(
    database_url: DatabaseUrlOption = None,
    nztab_url: Annotated[
        str | None,
        typer.Option(
            "--nztab-url",
            envvar="NZTAB_BASE_URL",
            help="Base URL of the NZTAB affiliates API, e.g. a simulator's "
            "http://127.0.0.1:8765/affiliates/v1. Default: the real API.",
        ),
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0.01, max=10_000, help="Simulated clock speed (1 = real time).")
    ] = 1.0,
    start: Annotated[
        str | None,
        typer.Option(help="Simulated start instant (now, RFC 3339, or local YYYY-MM-DDTHH:MM)."),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option(
            help="Wall instant at which the simulated clock reads --start (share it with the "
            "simulator). Default: now."
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address of the API, the page, /health and /metrics. Default: RACEDAY_API_HOST "
            "(127.0.0.1)."
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            min=0, max=65535, help="Their port (0 picks one). Default: RACEDAY_API_PORT (8000)."
        ),
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--for", help="Stop after this wall time, e.g. 10m or 90s.")
    ] = None,
    status: Annotated[
        bool, typer.Option(help="Show a live status line on a terminal (stderr).")
    ] = True,
) -> None:
    """Run the live service: migrate to head, maintain partitions, poll NZTAB as races
    approach, and serve the dashboard API (/api/...), raceday's page (/), /health and /metrics.
    Until SIGINT/SIGTERM (or --for), then exit 0.

    Two `raceday run` on one database never both poll: one leads, the other stands by.

    Example: raceday run --nztab-url http://127.0.0.1:8765/affiliates/v1 --speed 60 --start now
    """
    settings = settings_from(database_url)
    configure_logging(settings.log_format, settings.log_level)
    clock = build_clock(start, speed, origin, settings.timezone)
    stop_after = parse_duration(duration) if duration else None
    database = open_database(settings)
    migrate_to_head(database.url)
    options = ServiceOptions(
        database_url=database.url,
        nztab_url=nztab_url or settings.nztab_base_url,
        host=host or settings.api_host,
        port=settings.api_port if port is None else port,
    )
    service = Service(settings, options, clock=clock, on_listening=_announce)
    asyncio.run(serve_until_stopped(service, stop_after, show=status and sys.stderr.isatty()))


def migrate_to_head(url: str) -> None:
    with connect(url, application_name="raceday-run") as conn:
        state = schema_state(conn)
    if state.standing == "ahead":
        raise MigrationError(
            f"the database schema is ahead of this raceday: it is at {state.current}, a revision "
            f"this code does not know (its newest is {state.head}); raceday run will not write to it",
            hint="run the raceday version that migrated it, or downgrade the database with that "
            "version's `raceday db downgrade`",
        )
    if not state.at_head:
        result = upgrade(url)
        render.info(f"migrated the database {result.before or 'empty'} → {result.after}")


def _announce(url: str) -> None:
    render.info(
        f"raceday run: page {url}/  API {url}/api  health {url}/health  metrics {url}/metrics"
    )


async def serve_until_stopped(
    service: Service, stop_after: timedelta | None, *, show: bool
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(signame: str) -> None:
        if not stop.is_set():
            _log.info("stop_requested", signal=signame)
            stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop, sig.name)
    if stop_after is not None:
        loop.call_later(stop_after.total_seconds(), request_stop, "--for")
    status = asyncio.create_task(_status_line(service, stop)) if show else None
    begun = time.monotonic()
    try:
        await service.run(stop)
    finally:
        if status is not None:
            status.cancel()
        sys.stderr.write("\n" if show else "")
        _log.info("run_finished", wall_s=round(time.monotonic() - begun, 1))


async def _status_line(service: Service, stop: asyncio.Event) -> None:
    """One line, rewritten in place: what the service is doing now."""
    while not stop.is_set():
        report = service.report
        now = service.clock.now().astimezone(service.settings.zone)
        text = f"{now:%Y-%m-%d %H:%M:%S %Z}  {service.state.role:<8}"
        if report is not None:
            text += (
                f"  races {service.state.active_races} active"
                f"  polls {report.polls} stored {report.stored} failed {report.failed}"
                f" missed {report.missed_deadlines}  rows {report.rows}"
                f"  settled {len(report.stopped)}"
            )
        sys.stderr.write("\r\x1b[2K" + text[:200])
        sys.stderr.flush()
        await asyncio.sleep(0.5)
