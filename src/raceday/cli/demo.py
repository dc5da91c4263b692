"""`raceday demo …`: synthetic racing days, written as NZTAB-shaped JSON files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import settings_from
from raceday.clock import SystemClock
from raceday.demo import generate_day, write_day
from raceday.partitions import today_in

app = typer.Typer(help="Synthetic NZTAB data for demos and benchmarks.", no_args_is_help=True)


@app.command()
def generate(
    folder: Annotated[Path, typer.Argument(help="Folder to write the JSON files into (created).")],
    day: Annotated[
        str | None,
        typer.Option(help="NZ racing day, YYYY-MM-DD.", show_default="today in RACEDAY_TIMEZONE"),
    ] = None,
    meetings: Annotated[int, typer.Option(min=1, max=200, help="Meetings on the day.")] = 2,
    races_per_meeting: Annotated[int, typer.Option(min=1, max=20, help="Races per meeting.")] = 8,
    runners: Annotated[int, typer.Option(min=4, max=24, help="Runners per race.")] = 15,
    polls: Annotated[int, typer.Option(min=1, max=500, help="Race-event polls per race.")] = 8,
    seed: Annotated[int, typer.Option(help="Same seed and day, same files.")] = 0,
) -> None:
    """Write a meetings list and every poll of every race of one SYNTHETIC racing day (prices
    moving, pools growing, results and dividends at the end), ready for `raceday ingest`.

    By default the day is today's NZ racing day, so what `make run` loads is inside the live
    window: the dashboard's "today" has races, and retention keeps the day like any other.

    Example: raceday demo generate /tmp/raceday-demo --meetings 2 --polls 8
    """
    if day is None:
        racing_day = today_in(settings_from(), SystemClock())
    else:
        try:
            racing_day = date.fromisoformat(day)
        except ValueError:
            raise typer.BadParameter(
                f"not a date (YYYY-MM-DD): {day!r}", param_hint="--day"
            ) from None
    generated = generate_day(
        racing_day,
        seed=seed,
        meetings=meetings,
        races_per_meeting=races_per_meeting,
        runners=runners,
        polls_per_race=polls,
    )
    paths = write_day(generated, folder)
    render.out.print(
        f"wrote {len(paths)} files for {len(generated.races)} races of {racing_day} into {folder}"
    )
