"""`raceday serve`: the dashboard API and raceday's page alone, on an existing database (no
polling: use `raceday run` for the live service, which serves the same app).

It keeps the partition runway too (at start-up, at 00:00 NZ and hourly), unless told not to:
/health is only ready with two days of runway, and the dashboard client treats a /health that
is not healthy as "disconnected" and stops loading race pages. One maintainer runs at a time
across processes (an advisory lock), so a `raceday run` on the same database does no harm.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
import uvicorn

from raceday.api.app import create_app
from raceday.api.serving import QuietServer, bind, serve_until_signal
from raceday.cli import render
from raceday.cli.context import open_database, settings_from
from raceday.cli.options import DatabaseUrlOption
from raceday.config import Settings
from raceday.db import connect, open_pool, require_head
from raceday.logs import configure_logging
from raceday.runtime import MaintenanceLoop, Runtime

__all__ = ["serve"]


def serve(
    database_url: DatabaseUrlOption = None,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on. Default: RACEDAY_API_HOST (127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            min=0, max=65535, help="Port (0 picks one). Default: RACEDAY_API_PORT (8000)."
        ),
    ] = None,
    maintain_partitions: Annotated[
        bool,
        typer.Option(
            "--maintain-partitions/--no-maintain-partitions",
            help="Keep the partition runway (start-up, 00:00 NZ, hourly). Off for a read-only "
            "role, or when another process maintains the partitions.",
        ),
    ] = True,
) -> None:
    """Serve the dashboard's REST API (/api/..., and /health, /meetings, /races at the root as
    the client needs), raceday's live page (/), /docs, /openapi.json and /metrics, on a database
    already at schema head, and keep its partition runway (so that /health is ready). Until
    SIGINT/SIGTERM, then exit 0.

    Example: raceday serve --port 8080   (then open http://127.0.0.1:8080/)
    """
    settings = settings_from(database_url)
    configure_logging(settings.log_format, settings.log_level)
    database = open_database(settings)
    with connect(database.url, application_name="raceday-serve") as conn:
        require_head(conn, needed_by="raceday serve")
    settings = settings.model_copy(update={"database_url": database.url})
    where = host or settings.api_host
    sock = bind(where, settings.api_port if port is None else port)  # bound here: port 0 is known
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    render.info(f"raceday serve: http://{shown}:{bound_port}/ (API under /api, docs /docs)")
    config = uvicorn.Config(
        create_app(settings),
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    with contextlib.ExitStack() as stack:
        if maintain_partitions:
            stack.enter_context(_maintaining(settings))
        asyncio.run(serve_until_signal(QuietServer(config), sock))


@contextlib.contextmanager
def _maintaining(settings: Settings) -> Iterator[None]:
    """Partition maintenance in the background while the block runs: once now, then on the
    schedule; a run in flight finishes before the block ends."""
    with open_pool(settings, name="raceday-serve-maintenance", max_size=1) as pool:
        runtime = Runtime(settings)
        loop = MaintenanceLoop(pool, settings)
        loop.install(runtime)
        # Not before serving: the first run happens beside it, as the scheduler's first job.
        runtime.scheduler.add_job(loop.run, args=["startup"], id="partitions-startup")
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()
