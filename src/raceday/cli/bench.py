"""`raceday bench …`: measured numbers, each with a floor taken in the same run."""

from __future__ import annotations

from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import open_database, settings_from
from raceday.cli.options import DatabaseUrlOption
from raceday.db.target import with_database

app = typer.Typer(
    help="Benchmarks reported as ratios to a floor measured in the same run.", no_args_is_help=True
)


@app.command()
def partitions(
    database_url: DatabaseUrlOption = None,
    days: Annotated[int, typer.Option(min=5, max=500, help="Days created each way.")] = 40,
) -> None:
    """Time creating one racing day (both parents), 31 days, and retiring a day, against raw
    CREATE TABLE … PARTITION OF. Uses a scratch database it creates and drops; prints JSON.

    Example: raceday bench partitions
    """
    settings = settings_from(database_url)
    database = open_database(settings)
    from raceday.bench.partitions import bench_partitions

    render.emit_json(bench_partitions(with_database(database.url, "postgres"), settings, days=days))
