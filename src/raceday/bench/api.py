"""`raceday bench api`: the dashboard API's latency per endpoint, one race page's refresh, and
the throughput of /api/entrants, each against the same SQL run without a framework.

The day: `meetings` generated meetings of `races_per_meeting` races and `runners` runners, each
race polled `polls` times (the generator spreads the pre-start polls from two hours to one
minute before the start: 100 polls give one about every 75 s, the live cadence's density near
the start), backfilled by COPY through the `Ingestor` into a scratch database, one meeting at a
time (a full day's bodies would not fit in memory). The backfill stores a chunk of polls per
transaction, so money_flow_history.created_at (the transaction's time) is then set to each
poll's own time, as the live poller's one transaction per poll writes it: the timeline pages by
created_at. Partition maintenance then runs so /health is ready.

The server: the real app (`create_app`) served by uvicorn in a subprocess of its own (this
module run as `python -m raceday.bench.api URL NOW`), so the load generator does not share its
GIL. Its clock is fixed at the day's middle race start, so "upcoming" and "next scheduled" have
races to find.

The load (`bench.api_load`, aiohttp on loopback):
- every endpoint a dashboard race page calls (and the day's lists and /health), `requests`
  requests over races picked at random (seeded), at concurrency 1 and 16; each request timed
  from send to the last byte of the body. Status codes are counted (race-results is a 404 for a
  race without results: expected).
- the race page: `pages` refreshes of random races as the client's race page polls (contract
  §4.1): the race, then its meeting, entrants, navigation and results together, then its pools
  and its money-flow timeline together. A refresh resumes the timeline from the race's last
  poll (`createdAfter`: one poll's rows are new); the first load pages it from the start (at
  most 10 pages of 200). Timed as a whole, at concurrency 1 and 16 race pages.
- /api/entrants' throughput: `throughput_requests` requests at concurrency 16, per second of
  wall time.

The floor: the same SQL the resource runs (its module's constants), with the same parameters,
through one synchronous psycopg connection, no framework, concurrency 1, timed the same way in
the same run; for a race page, its calls' SQL one after another (the client sends some of them
together, so that floor is the slower side). The ratio is API / floor. /health's checks are not
one SQL text: no floor.

Targets (the dashboard issue): every call's p95 < 20 ms at concurrency 1; a race page refresh
p95 < 50 ms (at concurrency 1); /api/entrants >= 500 requests/s.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from raceday.api.resources import entrants as entrants_sql
from raceday.api.resources import meetings as meetings_sql
from raceday.api.resources import pools as pools_sql
from raceday.api.resources import races as races_sql
from raceday.api.resources import results as results_sql
from raceday.api.resources import timeline as timeline_sql
from raceday.bench.api_load import TIMELINE_MAX_PAGES, PageRequest, Target, load_level, race_pages
from raceday.bench.scratch import scratch_database
from raceday.bench.stats import p95
from raceday.clock import FixedClock
from raceday.config import Settings
from raceday.db import connect
from raceday.demo import generate_day
from raceday.ingest import Ingestor, IngestStatus
from raceday.ingest.transform import race_batches
from raceday.nztab import parse_payload
from raceday.partitions import run_maintenance

__all__ = [
    "BENCH_DAY",
    "CALL_TARGET_P95_MS",
    "ENTRANTS_TARGET_RPS",
    "REFRESH_TARGET_P95_MS",
    "ApiBenchOptions",
    "bench_api",
]

BENCH_DAY = date(2026, 3, 14)  # a Saturday in daylight saving time, as in `bench poll`
CALL_TARGET_P95_MS = 20.0  # every call, at concurrency 1
REFRESH_TARGET_P95_MS = 50.0  # one race page refresh, at concurrency 1
ENTRANTS_TARGET_RPS = 500.0
CONCURRENCY = (1, 16)
THROUGHPUT_CONCURRENCY = 16
TIMELINE_LIMIT = 200  # the endpoint's default, which the client's race page gets
_CHUNK = 500  # race events per backfill transaction, as `raceday ingest --backfill`
_WARMUP = 5  # untimed runs of each floor before timing it
_POLL_STORED_AFTER = timedelta(milliseconds=300)  # a live poll's fetch-to-commit, roughly
_START_TIMEOUT_S = 60.0
_ONE_MICROSECOND = timedelta(microseconds=1)
_HISTORY_TABLES = ("odds_history", "money_flow_history")
_TABLES = ("meetings", "races", "entrants", "race_pools", "race_results", *_HISTORY_TABLES)


@dataclass(frozen=True)
class ApiBenchOptions:
    """The size of the day and of the load."""

    meetings: int = 70
    races_per_meeting: int = 10
    runners: int = 14
    polls: int = 100
    requests: int = 200  # per endpoint and concurrency level (the floor: per endpoint)
    pages: int = 100  # race page refreshes per kind and concurrency level
    throughput_requests: int = 2000  # /api/entrants at THROUGHPUT_CONCURRENCY
    seed: int = 1

    @classmethod
    def quick_run(cls) -> ApiBenchOptions:
        """A smoke test: seconds, not minutes."""
        return cls(
            meetings=2,
            races_per_meeting=4,
            runners=12,
            polls=10,
            requests=30,
            pages=10,
            throughput_requests=100,
        )

    @property
    def races(self) -> int:
        return self.meetings * self.races_per_meeting


@dataclass(frozen=True)
class _Race:
    race_id: UUID
    meeting_id: UUID
    entrant_ids: tuple[UUID, ...]
    last_poll_stored: datetime | None  # its latest money-flow created_at

    def page(self, *, first_load: bool) -> PageRequest:
        """This race's page: its first load, or a refresh that finds its last poll new."""
        since = None
        if not first_load and self.last_poll_stored is not None:
            since = (self.last_poll_stored - _ONE_MICROSECOND).isoformat()
        return PageRequest(str(self.race_id), tuple(map(str, self.entrant_ids)), since)


@dataclass(frozen=True)
class _Day:
    races: list[_Race]
    now: datetime  # the server's fixed clock
    rows: dict[str, int]


# --- the day ----------------------------------------------------------------------------------


def _progress(message: str) -> None:
    print(f"raceday bench api: {message}", file=sys.stderr, flush=True)


def _load_day(url: str, settings: Settings, options: ApiBenchOptions) -> _Day:
    """Generate and backfill the day meeting by meeting; the races, the clock and row counts."""
    clock = FixedClock.at_local_noon(BENCH_DAY, settings.timezone)
    starts: list[datetime] = []
    started = time.perf_counter()
    with connect(url, application_name="raceday-bench-api") as conn:
        ingestor = Ingestor(conn, settings, clock=clock)
        for number in range(options.meetings):
            day = generate_day(
                BENCH_DAY,
                seed=options.seed * 10_000 + number,  # one meeting per seed: distinct ids
                meetings=1,
                races_per_meeting=options.races_per_meeting,
                runners=options.runners,
                polls_per_race=options.polls,
            )
            listed = ingestor.ingest(parse_payload(day.meetings_body), source="meetings")
            if listed.status is not IngestStatus.OK:
                raise RuntimeError(f"the meetings list was refused: {listed.reason}")
            batches = race_batches(body for race in day.races for body in race.polls)
            for at in range(0, len(batches), _CHUNK):
                ingestor.backfill(batches[at : at + _CHUNK])
            starts.extend(race.advertised_start for race in day.races)
            _progress(
                f"meeting {number + 1}/{options.meetings} ingested "
                f"({time.perf_counter() - started:.0f} s)"
            )
        run_maintenance(conn, settings, clock=clock, today=BENCH_DAY)
        _stored_as_polled(conn)
        races = _races(conn)
        rows = {
            table: int(conn.execute(f"select count(*) from {table}").fetchone()[0])  # type: ignore[index]
            for table in _TABLES
        }
    starts.sort()
    return _Day(races, starts[len(starts) // 2], rows)


def _stored_as_polled(conn: psycopg.Connection[Any]) -> None:
    """created_at as one transaction per poll would have it (module docstring)."""
    _progress("dating the money-flow rows by their polls")
    conn.execute(
        "update money_flow_history set created_at = event_timestamp + %s", (_POLL_STORED_AFTER,)
    )
    conn.commit()
    conn.autocommit = True
    try:
        conn.execute("vacuum analyze money_flow_history")
    finally:
        conn.autocommit = False


def _races(conn: psycopg.Connection[Any]) -> list[_Race]:
    found = conn.execute(
        """
        select r.race_id, r.meeting_id,
               coalesce(array_agg(e.entrant_id order by e.runner_number)
                        filter (where e.entrant_id is not null), '{}') as entrants,
               (select max(m.created_at) from money_flow_history m
                 where m.race_id = r.race_id) as last_poll_stored
          from races r left join entrants e on e.race_id = r.race_id
         group by r.race_id, r.meeting_id
         order by r.start_time, r.race_id
        """
    ).fetchall()
    return [
        _Race(race_id, meeting_id, tuple(ids), last) for race_id, meeting_id, ids, last in found
    ]


# --- the endpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Endpoint:
    """One dashboard call: its request for a race, and the floor (its SQL) for the same race."""

    name: str
    request: Callable[[_Race], Target]
    floor: Callable[[psycopg.Connection[Any], _Race], None] | None
    floor_note: str | None = None


class _Floor:
    """The SQL the resources run, with the parameters they would bind for the same request."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        self.zone = settings.timezone
        self.now = now

    @staticmethod
    def _all(
        conn: psycopg.Connection[Any], query: str, params: dict[str, Any], *, prepare: bool = True
    ) -> list[dict[str, Any]]:
        # api.db.fetch_all's cursor, synchronously; timeline's statements are never prepared.
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params, prepare=None if prepare else False)
            return cur.fetchall()

    def race(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self._all(conn, races_sql._ONE_RACE, {"race_id": race.race_id})

    def meeting(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self._all(conn, meetings_sql._ONE_MEETING, {"meeting_id": race.meeting_id})

    def meetings(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self._all(conn, meetings_sql._MEETINGS_OF_DAY, {"day": BENCH_DAY})

    def races_of_meeting(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self._all(conn, races_sql._RACES_OF_MEETING, {"meeting_id": race.meeting_id})

    def entrants(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        rows = self._all(conn, entrants_sql._FIELD_SQL, {"race_id": race.race_id})
        gaps = [r for r in rows if r["entrant_id"] is not None and entrants_sql._incomplete(r)]
        if gaps:  # the resource's second query, when runners still in the field lack prices
            observed_from, observed_until = entrants_sql.observation_window(rows[0]["start_time"])
            params = {
                "entrant_ids": [r["entrant_id"] for r in gaps],
                "observed_from": observed_from,
                "observed_until": observed_until,
            }
            self._all(conn, entrants_sql.LATEST_OBSERVED_SQL, params)

    def navigation(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        params = {"race_id": race.race_id, "zone": self.zone, "now": self.now}
        self._all(conn, races_sql._NAVIGATION, params)

    def results(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        params = {"race_id": race.race_id}
        header = self._all(conn, results_sql._HEADER_SQL, params)
        if header and header[0]["result_status"] is not None:
            for query in (
                results_sql._PLACINGS_SQL,
                results_sql._DIVIDENDS_SQL,
                results_sql._FINAL_ODDS_SQL,
            ):
                self._all(conn, query, params)

    def pools(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self._all(conn, pools_sql._POOLS_SQL, {"race_id": race.race_id})

    def timeline(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self.timeline_pages(conn, race, since=None, pages=1)

    def timeline_pages(
        self, conn: psycopg.Connection[Any], race: _Race, *, since: datetime | None, pages: int
    ) -> None:
        """The timeline's pages from `since` (None: the start), following the cursor."""
        found = self._all(conn, timeline_sql.RACE_SQL, {"race_id": race.race_id}, prepare=False)
        after = None
        for _ in range(pages):
            params = timeline_sql.page_parameters(
                race.race_id,
                found[0],
                entrants=list(race.entrant_ids) or None,
                after=after,
                since=since,
                pool_type="win",
                limit=TIMELINE_LIMIT,
            )
            rows = self._all(conn, timeline_sql.TIMELINE_SQL, params, prepare=False)
            if len(rows) <= TIMELINE_LIMIT:
                return
            last = rows[TIMELINE_LIMIT - 1]
            after = (last["created_at"], last["entrant_id"], last["event_timestamp"])

    def race_page(self, conn: psycopg.Connection[Any], race: _Race, *, first_load: bool) -> None:
        """One race page refresh's SQL, call after call (api_load's race page)."""
        for call in (self.race, self.meeting, self.entrants, self.navigation, self.results):
            call(conn, race)
        self.pools(conn, race)
        request = race.page(first_load=first_load)
        since = datetime.fromisoformat(request.created_after) if request.created_after else None
        self.timeline_pages(conn, race, since=since, pages=TIMELINE_MAX_PAGES)

    def upcoming(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        # The endpoint's defaults: 5 minutes back, 120 ahead, 50 races.
        params = {
            "lower": self.now - timedelta(minutes=5),
            "upper": self.now + timedelta(minutes=120),
            "limit": 50,
        }
        self._all(conn, races_sql._UPCOMING, params)

    def next_scheduled(self, conn: psycopg.Connection[Any], race: _Race) -> None:
        self._all(conn, races_sql._NEXT_SCHEDULED, {"now": self.now})


def _endpoints(floor: _Floor) -> list[_Endpoint]:
    def race_param(path: str) -> Callable[[_Race], Target]:
        return lambda race: (path, {"race_id": str(race.race_id)})

    def timeline(race: _Race) -> Target:
        params = {"race_id": str(race.race_id), "pool_type": "win", "limit": str(TIMELINE_LIMIT)}
        if race.entrant_ids:
            params["entrants"] = ",".join(map(str, race.entrant_ids))
        return "/api/money-flow-timeline", params

    return [
        _Endpoint("race", lambda r: (f"/api/races/{r.race_id}", {}), floor.race),
        _Endpoint("meeting", lambda r: (f"/api/meetings/{r.meeting_id}", {}), floor.meeting),
        _Endpoint("entrants", race_param("/api/entrants"), floor.entrants),
        _Endpoint("navigation", race_param("/api/races/navigation"), floor.navigation),
        _Endpoint("race_results", race_param("/api/race-results"), floor.results),
        _Endpoint("race_pools", race_param("/api/race-pools"), floor.pools),
        _Endpoint("money_flow_timeline", timeline, floor.timeline),
        _Endpoint(
            "meetings_of_day",
            lambda r: ("/api/meetings", {"date": BENCH_DAY.isoformat()}),
            floor.meetings,
        ),
        _Endpoint(
            "races_of_meeting",
            lambda r: ("/api/races", {"meeting_id": str(r.meeting_id)}),
            floor.races_of_meeting,
        ),
        _Endpoint("races_upcoming", lambda r: ("/api/races/upcoming", {}), floor.upcoming),
        _Endpoint(
            "races_next_scheduled",
            lambda r: ("/api/races/next-scheduled", {}),
            floor.next_scheduled,
        ),
        _Endpoint(
            "health",
            lambda r: ("/health", {}),
            None,
            "HealthProbe's checks (connection, schema head, partition runway) run in a thread "
            "and are not one SQL text; no floor",
        ),
    ]


# --- the server -------------------------------------------------------------------------------


@contextmanager
def _server(url: str, now: datetime) -> Iterator[str]:
    """The app in a subprocess on 127.0.0.1 (a free port), its clock fixed at `now`; its base URL."""
    with tempfile.NamedTemporaryFile(prefix="raceday-bench-api-", suffix=".log") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "raceday.bench.api", url, now.isoformat()],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            yield _wait_for_port(process, Path(log.name))
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("raceday bench api serving: "):
                return line.split(": ", 1)[1].strip()
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the API server did not start: {log.read_text(errors='replace')[-2000:]}")


def _serve_main(url: str, now: str) -> None:
    """The subprocess: `raceday serve`'s machinery, with a fixed clock."""
    import uvicorn

    from raceday.api.app import create_app
    from raceday.api.serving import QuietServer, bind, serve_until_signal
    from raceday.config import load_settings
    from raceday.logs import configure_logging

    settings = load_settings(database_url=url)
    configure_logging(settings.log_format, "error")
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, clock=FixedClock(datetime.fromisoformat(now))),
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    print(f"raceday bench api serving: http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    asyncio.run(serve_until_signal(QuietServer(config), sock))


# --- measuring --------------------------------------------------------------------------------


def _ms(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(p95(samples) * 1000, 3),
    }


def _floor_times(url: str, endpoint: _Endpoint, races: Sequence[_Race]) -> list[float] | None:
    if endpoint.floor is None:
        return None
    times = []
    with connect(url, application_name="raceday-bench-api-floor") as conn:
        for race in races[:_WARMUP]:
            endpoint.floor(conn, race)
        for race in races:
            started = time.perf_counter()
            endpoint.floor(conn, race)
            times.append(time.perf_counter() - started)
    return times


def _measure(
    base_url: str, url: str, endpoint: _Endpoint, races: Sequence[_Race]
) -> dict[str, Any]:
    section: dict[str, Any] = {}
    for level in CONCURRENCY:
        result = load_level(base_url, [endpoint.request(r) for r in races], level)
        section[f"c{level}"] = _ms(result.times) | {
            "requests": len(result.times),
            "statuses": _statuses(result.statuses),
        }
    floor = _floor_times(url, endpoint, races)
    if floor is None:
        section["floor_c1"] = None
        section["floor_note"] = endpoint.floor_note
        return section
    section["floor_c1"] = _ms(floor)
    return section | _ratios(section)


def _statuses(counts: Counter[int]) -> dict[str, int]:
    return {str(code): n for code, n in sorted(counts.items())}


def _ratios(section: dict[str, Any]) -> dict[str, float | None]:
    """API / floor for p50 and p95 at each level."""
    ratios: dict[str, float | None] = {}
    for level in CONCURRENCY:
        for stat in ("p50", "p95"):
            ours, base = section[f"c{level}"][f"{stat}_ms"], section["floor_c1"][f"{stat}_ms"]
            ratios[f"ratio_{stat}_c{level}"] = round(ours / base, 2) if base else None
    return ratios


def _measure_race_page(
    base_url: str, url: str, floor: _Floor, races: Sequence[_Race]
) -> dict[str, Any]:
    """The first load and a refresh of race pages (module docstring, "The load")."""
    report: dict[str, Any] = {}
    for kind, first_load in (("refresh", False), ("first_load", True)):
        section: dict[str, Any] = {}
        for level in CONCURRENCY:
            result = race_pages(base_url, [r.page(first_load=first_load) for r in races], level)
            section[f"c{level}"] = _ms(result.times) | {
                "refreshes": len(result.times),
                "requests_per_refresh": round(statistics.mean(result.requests), 2),
                "timeline_pages_max": max(result.timeline_pages),
                "statuses": _statuses(result.statuses),
            }
        times = []
        with connect(url, application_name="raceday-bench-api-floor") as conn:
            for race in races[:_WARMUP]:
                floor.race_page(conn, race, first_load=first_load)
            for race in races:
                started = time.perf_counter()
                floor.race_page(conn, race, first_load=first_load)
                times.append(time.perf_counter() - started)
        section["floor_c1"] = _ms(times)
        report[kind] = section | _ratios(section)
    return report


def _measure_throughput(
    base_url: str, url: str, endpoint: _Endpoint, races: Sequence[_Race]
) -> dict[str, Any]:
    """`endpoint`'s requests per second at THROUGHPUT_CONCURRENCY; the floor's, sequential."""
    result = load_level(base_url, [endpoint.request(r) for r in races], THROUGHPUT_CONCURRENCY)
    floor = _floor_times(url, endpoint, races[: max(len(races) // 4, 1)]) or []
    floor_rps = len(floor) / sum(floor) if floor else None
    return {
        "concurrency": THROUGHPUT_CONCURRENCY,
        "requests": len(result.times),
        "wall_s": round(result.wall_s, 3),
        "per_second": round(result.per_second, 1),
        "statuses": _statuses(result.statuses),
        "floor_c1_per_second": round(floor_rps, 1) if floor_rps else None,
        "ratio_to_floor": round(result.per_second / floor_rps, 3) if floor_rps else None,
    }


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _targets(
    endpoints: dict[str, dict[str, Any]], page: dict[str, Any], entrants: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each target with the observed value and whether it was met."""
    worst = max(endpoints, key=lambda n: endpoints[n]["c1"]["p95_ms"])
    worst_p95 = endpoints[worst]["c1"]["p95_ms"]
    refresh_p95 = page["refresh"]["c1"]["p95_ms"]
    return {
        "call_p95_c1_ms": {
            "target": CALL_TARGET_P95_MS,
            "observed": worst_p95,
            "worst_endpoint": worst,
            "met": worst_p95 < CALL_TARGET_P95_MS,
        },
        "race_page_refresh_p95_c1_ms": {
            "target": REFRESH_TARGET_P95_MS,
            "observed": refresh_p95,
            "met": refresh_p95 < REFRESH_TARGET_P95_MS,
        },
        "entrants_per_second": {
            "target": ENTRANTS_TARGET_RPS,
            "observed": entrants["per_second"],
            "met": entrants["per_second"] >= ENTRANTS_TARGET_RPS,
        },
    }


def bench_api(
    server_url: str, settings: Settings, options: ApiBenchOptions | None = None
) -> dict[str, Any]:
    """Measure the dashboard API (see the module docstring); a JSON-ready report."""
    chosen = options or ApiBenchOptions()
    load_before = _load()
    with scratch_database(server_url, "bench_api") as url:
        day = _load_day(url, settings, chosen)
        rng = random.Random(chosen.seed)
        picked = [rng.choice(day.races) for _ in range(chosen.requests)]
        page_races = [rng.choice(day.races) for _ in range(chosen.pages)]
        many = [rng.choice(day.races) for _ in range(chosen.throughput_requests)]
        floor = _Floor(settings, day.now)
        endpoints: dict[str, dict[str, Any]] = {}
        with _server(url, day.now) as base_url:
            for endpoint in _endpoints(floor):
                _progress(f"measuring {endpoint.name}")
                endpoints[endpoint.name] = _measure(base_url, url, endpoint, picked)
            _progress("measuring the race page")
            page = _measure_race_page(base_url, url, floor, page_races)
            _progress("measuring /api/entrants throughput")
            entrants = next(e for e in _endpoints(floor) if e.name == "entrants")
            throughput = _measure_throughput(base_url, url, entrants, many)
    targets = _targets(endpoints, page, throughput)
    return {
        "day": BENCH_DAY.isoformat(),
        "server_clock": day.now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "meetings": chosen.meetings,
        "races": len(day.races),
        "runners_per_race": chosen.runners,
        "polls_per_race": chosen.polls,
        "requests_per_level": chosen.requests,
        "concurrency": list(CONCURRENCY),
        "rows": day.rows,
        "load_average": {"before": load_before, "after": _load(), "cores": os.cpu_count()},
        "endpoints": endpoints,
        "race_page": page,
        "entrants_throughput": throughput,
        "server_errors": sum(
            n
            for section in [*endpoints.values(), *page.values()]
            for level in CONCURRENCY
            for code, n in section[f"c{level}"]["statuses"].items()
            if int(code) >= 500
        )
        + sum(n for code, n in throughput["statuses"].items() if int(code) >= 500),
        "targets": targets,
        "targets_met": all(t["met"] for t in targets.values()),
    }


if __name__ == "__main__":
    _serve_main(sys.argv[1], sys.argv[2])
