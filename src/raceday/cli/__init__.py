"""The `raceday` command line: a thin layer over the library; exit 0 ok, 1 failed/unhealthy, 2 usage."""

from __future__ import annotations

import sys

import typer

from raceday import __version__
from raceday.cli import bench, db, demo, partitions, render, sim
from raceday.cli.ingest import ingest
from raceday.cli.live import live
from raceday.cli.run import run as run_service
from raceday.cli.serve import serve
from raceday.errors import ConfigError, RacedayError

__all__ = ["app", "main"]

app = typer.Typer(
    name="raceday",
    help="raceday keeps a PostgreSQL store of New Zealand TAB racing markets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(partitions.app, name="partitions")
app.add_typer(bench.app, name="bench")
app.add_typer(demo.app, name="demo")
app.add_typer(sim.app, name="sim")
app.command()(ingest)
app.command("run")(run_service)
app.command()(serve)
demo.app.command("live")(live)


def _version(value: bool) -> None:
    if value:
        render.out.print(f"raceday {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """raceday keeps a PostgreSQL store of New Zealand TAB racing markets.

    With no DATABASE_URL it starts (or re-attaches to) an embedded PostgreSQL under RACEDAY_HOME.
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; RacedayError becomes exit 1 (a configuration error exit 2) with its message.

    Usage errors are reported by the CLI framework itself, which exits 2.
    """
    try:
        app(args=argv, prog_name="raceday", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ConfigError as exc:
        render.error(exc.message, exc.hint)
        return 2
    except RacedayError as exc:
        render.error(exc.message, exc.hint)
        return 1
    return 0


def run() -> None:
    sys.exit(main())
