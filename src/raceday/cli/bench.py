"""`raceday bench …`: measured numbers, each with a floor taken in the same run."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from raceday.cli import render
from raceday.cli.context import open_database, settings_from
from raceday.cli.options import DatabaseUrlOption, JsonOption
from raceday.db.target import with_database
from raceday.logs import configure_logging

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


@app.command()
def write(
    database_url: DatabaseUrlOption = None,
    meetings: Annotated[int, typer.Option(min=1, max=200, help="Generated meetings.")] = 25,
    races_per_meeting: Annotated[int, typer.Option(min=1, max=20, help="Races per meeting.")] = 8,
    polls: Annotated[int, typer.Option(min=1, max=20, help="Polls written per race.")] = 8,
    seed: Annotated[int, typer.Option(help="Generator seed (same seed, same races).")] = 1,
    json: JsonOption = False,
) -> None:
    """Time one race per transaction (15 runners, every table) through the writer against a
    hand-written minimal multi-row upsert of the same rows; prints JSON with p50_ms, p95_ms,
    floor_p50_ms, floor_p95_ms and ratio_p95. Uses scratch databases it creates and drops.

    Example: raceday bench write --json
    """
    settings = settings_from(database_url)
    database = open_database(settings)
    from raceday.bench.write import bench_write

    report = bench_write(
        with_database(database.url, "postgres"),
        settings,
        meetings=meetings,
        races_per_meeting=races_per_meeting,
        polls=polls,
        seed=seed,
    )
    _print(report, json=json)


def _print(report: dict[str, object], *, json: bool) -> None:
    if json:
        render.emit_json(report)
    else:
        render.table("Benchmark (times in ms)", ["measure", "value"], report.items())


@app.command()
def ingest(
    database_url: DatabaseUrlOption = None,
    meetings: Annotated[
        int, typer.Option(min=1, max=100, help="Generated meetings per round.")
    ] = 8,
    polls: Annotated[int, typer.Option(min=2, max=40, help="Polls per race.")] = 16,
    rounds: Annotated[
        int, typer.Option(min=1, max=10, help="Rounds (the median is reported).")
    ] = 3,
    json: JsonOption = False,
) -> None:
    """Backfill throughput: history rows per second through the COPY backfill (change detection
    and increments included) against raw binary COPY of the same rows. Uses scratch databases
    it creates and drops.

    Example: raceday bench ingest --json
    """
    settings = settings_from(database_url)
    database = open_database(settings)
    from raceday.bench.backfill import bench_backfill

    report = bench_backfill(
        with_database(database.url, "postgres"),
        settings,
        meetings=meetings,
        polls=polls,
        rounds=rounds,
    )
    _print(report, json=json)


@app.command()
def poll(
    database_url: DatabaseUrlOption = None,
    meetings: Annotated[
        int, typer.Option(min=1, max=200, help="Meetings of 10 races on the simulated day.")
    ] = 60,
    polls: Annotated[
        int, typer.Option(min=10, max=100_000, help="Capacity: polls timed once saturated.")
    ] = 1000,
    speed: Annotated[
        float,
        typer.Option(
            min=10,
            max=10_000,
            help="Simulated seconds per wall second of the day the memory part polls.",
        ),
    ] = 1000.0,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Seconds per part, whatever the sizes say: a smoke test."),
    ] = False,
    json: JsonOption = False,
) -> None:
    """The live path against the simulated NZTAB on loopback: latency (fetch to commit, p50/p95,
    at the day's peak, against the same bodies written straight through the ingestor), capacity
    (polls/s saturated, as headroom over a real day's peak need, computed from the 748-race
    meetings sample), freshness (commit minus header.generated_time, p95) and memory (RSS over
    a simulated day). Uses scratch databases it creates and drops; takes a few minutes.

    Example: raceday bench poll --json
    """
    settings = settings_from(database_url)
    # The saturated parts miss deadlines on purpose; the report counts them, the log need not.
    configure_logging(settings.log_format, "error")
    database = open_database(settings)
    from raceday.bench.poll import PollBenchOptions, bench_poll

    options = (
        PollBenchOptions.quick_run()
        if quick
        else PollBenchOptions(meetings=meetings, polls=polls, speed=speed)
    )
    report = bench_poll(with_database(database.url, "postgres"), settings, options)
    _print(report, json=json)


@app.command()
def api(
    database_url: DatabaseUrlOption = None,
    meetings: Annotated[int, typer.Option(min=1, max=200, help="Generated meetings.")] = 70,
    races_per_meeting: Annotated[int, typer.Option(min=1, max=20, help="Races per meeting.")] = 10,
    runners: Annotated[int, typer.Option(min=4, max=24, help="Runners per race.")] = 14,
    polls: Annotated[int, typer.Option(min=1, max=500, help="Polls per race.")] = 100,
    requests: Annotated[
        int, typer.Option(min=10, max=100_000, help="Requests per endpoint and concurrency.")
    ] = 200,
    pages: Annotated[
        int, typer.Option(min=5, max=10_000, help="Race page refreshes per kind and concurrency.")
    ] = 100,
    throughput_requests: Annotated[
        int, typer.Option(min=10, max=1_000_000, help="/api/entrants requests for its req/s.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Generator and race-picking seed.")] = 1,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="2 meetings of 4 races, 10 polls, 30 requests: a smoke test."),
    ] = False,
    json: JsonOption = False,
) -> None:
    """The dashboard API on a generated day (70 meetings x 10 races x 14 runners, 100 polls a
    race, by the COPY backfill), the server (the real app under uvicorn) in its own process and
    aiohttp on loopback: p50/p95 per endpoint at concurrency 1 and 16; one race page refresh as
    the client's race page polls (the race; its meeting, entrants, navigation and results; its
    pools and money-flow timeline), and its first load; /api/entrants' requests per second. The
    floor is the same SQL through psycopg with no framework, in the same run, and the ratio to
    it. Targets: every call's p95 < 20 ms at concurrency 1, a refresh's p95 < 50 ms,
    /api/entrants >= 500 requests/s. Uses a scratch database it creates and drops; the
    full-size day takes minutes to load (progress on stderr).

    Example: raceday bench api --json
    """
    settings = settings_from(database_url)
    configure_logging(settings.log_format, "error")
    database = open_database(settings)
    from raceday.bench.api import ApiBenchOptions, bench_api

    options = (
        ApiBenchOptions.quick_run()
        if quick
        else ApiBenchOptions(
            meetings=meetings,
            races_per_meeting=races_per_meeting,
            runners=runners,
            polls=polls,
            requests=requests,
            pages=pages,
            throughput_requests=throughput_requests,
            seed=seed,
        )
    )
    report = bench_api(with_database(database.url, "postgres"), settings, options)
    if json:
        _print(report, json=True)
        return
    endpoints: dict[str, dict[str, Any]] = report.pop("endpoints")
    render.table(
        "Dashboard API (ms; floor = the same SQL through psycopg)",
        ["endpoint", "c1 p50", "c1 p95", "c16 p50", "c16 p95", "floor p95", "ratio p95 c1"],
        (
            [
                name,
                s["c1"]["p50_ms"],
                s["c1"]["p95_ms"],
                s["c16"]["p50_ms"],
                s["c16"]["p95_ms"],
                (s["floor_c1"] or {}).get("p95_ms"),
                s.get("ratio_p95_c1"),
            ]
            for name, s in endpoints.items()
        ),
    )
    page: dict[str, dict[str, Any]] = report.pop("race_page")
    render.table(
        "Race page (ms, whole refresh; floor = its calls' SQL one after another)",
        ["kind", "requests", "c1 p50", "c1 p95", "c16 p50", "c16 p95", "floor p95", "ratio p95 c1"],
        (
            [
                kind,
                s["c1"]["requests_per_refresh"],
                s["c1"]["p50_ms"],
                s["c1"]["p95_ms"],
                s["c16"]["p50_ms"],
                s["c16"]["p95_ms"],
                s["floor_c1"]["p95_ms"],
                s.get("ratio_p95_c1"),
            ]
            for kind, s in page.items()
        ),
    )
    targets: dict[str, dict[str, Any]] = report.pop("targets")
    render.table(
        "Targets",
        ["target", "wanted", "observed", "met"],
        ([name, t["target"], t["observed"], t["met"]] for name, t in targets.items()),
    )
    _print(report, json=False)
