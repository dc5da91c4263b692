"""`raceday demo …`: synthetic racing days, written as NZTAB-shaped JSON files."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from raceday.cli import render
from raceday.cli.context import settings_from
from raceday.clock import SystemClock
from raceday.demo import DayOptions, SimulatedDay, dst_change_day, generate_day, poll_day, write_day
from raceday.partitions import today_in

app = typer.Typer(help="Synthetic NZTAB data for demos and benchmarks.", no_args_is_help=True)


class DstChange(StrEnum):
    """--dst: which daylight-saving change day."""

    start = "start"
    end = "end"


@app.command()
def generate(
    folder: Annotated[Path, typer.Argument(help="Folder to write the JSON files into (created).")],
    day: Annotated[
        str | None,
        typer.Option(help="NZ racing day, YYYY-MM-DD.", show_default="today in RACEDAY_TIMEZONE"),
    ] = None,
    dst: Annotated[
        DstChange | None,
        typer.Option(
            help="The day daylight saving starts (23 h) or ends (25 h) in the year of --day.",
            show_default=False,
        ),
    ] = None,
    meetings: Annotated[int, typer.Option(min=1, max=200, help="Meetings on the day.")] = 2,
    races_per_meeting: Annotated[int, typer.Option(min=1, max=20, help="Races per meeting.")] = 8,
    runners: Annotated[int, typer.Option(min=4, max=24, help="Runners per race.")] = 15,
    polls: Annotated[int, typer.Option(min=1, max=500, help="Race-event polls per race.")] = 8,
    seed: Annotated[int, typer.Option(help="Same seed and day, same files.")] = 0,
    scenarios: Annotated[
        bool,
        typer.Option(
            help="Play a real day's scenarios: late scratchings, an abandoned race, a start put "
            "back, foreign meetings in the NZ evening (past midnight) and small hours."
        ),
    ] = False,
) -> None:
    """Write a meetings list and every poll of every race of one SYNTHETIC racing day (prices
    moving, pools growing, results and dividends at the end), ready for `raceday ingest`.

    By default the day is today's NZ racing day, so what `make run` loads is inside the live
    window: the dashboard's "today" has races, and retention keeps the day like any other.

    Example: raceday demo generate /tmp/raceday-demo --meetings 2 --polls 8 --dst end --scenarios
    """
    settings = settings_from()
    if day is None:
        racing_day = today_in(settings, SystemClock())
    else:
        try:
            racing_day = date.fromisoformat(day)
        except ValueError:
            raise typer.BadParameter(
                f"not a date (YYYY-MM-DD): {day!r}", param_hint="--day"
            ) from None
    if dst is not None:
        try:
            racing_day = dst_change_day(racing_day.year, dst.value, settings.timezone)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--dst") from None
    if scenarios:
        options = DayOptions(
            day=racing_day,
            seed=seed,
            meetings=meetings,
            races_per_meeting=races_per_meeting,
            runners=runners,
            scenarios=True,
            zone=settings.timezone,
        )
        generated = poll_day(SimulatedDay(options), polls)
    else:
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
