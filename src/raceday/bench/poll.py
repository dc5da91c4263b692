"""`raceday bench poll`: the live path's latency, capacity, freshness and memory, in one run.

The real `Poller`, `NztabClient` and `Ingestor` poll a simulated NZTAB (`python -m raceday.sim
serve`, a subprocess on loopback) that shares their `ScaledClock`, storing bodies through the
store `raceday run` would use (RACEDAY_STORE_PROCESSES worker processes, or threads); each part
writes into its own scratch database, created and dropped here. The simulated day has `meetings` meetings of 10
races; its busiest instant is found with the same demand model as the real day's peak.

- Latency (speed 1, the day's busiest minutes, the client's configured limits): each poll timed
  from the poller's call of `client.race_event` to its call of `queue.finish`, which it makes
  once the body is stored. Two stages: fetch (waits for the client's slot and rate limit, HTTP,
  JSON decoding, raw capture) and store (hand-off, validation, transform, one race transaction,
  commit, accounting). Only the client and the queue are subclassed to take the times, so
  whatever store the poller uses is what is measured. The start-up herd is left out: timing
  starts once no race waits for a slot. The floor: the same bodies, kept, then decoded,
  validated and written by `Ingestor.ingest` one after the other on one thread, with no HTTP
  and no poller, into a second scratch database that first gets the same meetings pages and the
  same races' earlier bodies (same setup, same run). The ratio is ours / floor.
- Freshness (same polls): commit instant minus the body's `header.generated_time`, both read on
  the one ScaledClock (speed 1), so seconds of wall time.
- Capacity: the poller saturated (hundreds of races due at once, the clock fast enough that more
  fall due than it can take, `settings.poll_concurrency` polls at once) for `polls` polls after
  the start-up pass; polls per second over them. The client's own rate limit
  (`NZTAB_MAX_RPS`, a politeness limit towards NZTAB, not a cost) is lifted for this part so
  the pipeline is what is measured; the headroom the configured limit leaves is reported too.
  The need: the most polls per second a real day asks for, from the 748-race meetings sample and
  the cadence (`peak_poll_rate`).
- Memory: a whole simulated day (or its first hours in quick mode) at `speed`, resident set size
  of this process and its store workers sampled from /proc/PID/statm; growth from the end of the warm-up (the first fifth of the
  simulated stretch) to the end. It runs first, so no earlier part's high-water mark hides growth.

Machines are shared and noisy: every number comes with its floor or its target, measured or
computed in this run, and a missed target is reported as missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from raceday.bench.scratch import scratch_database
from raceday.bench.stats import p95
from raceday.clock import ScaledClock
from raceday.config import Settings
from raceday.db.pool import open_pool
from raceday.demo import DayOptions, SimulatedDay
from raceday.ingest import Ingestor, IngestStatus
from raceday.nztab import (
    Fetched,
    MeetingsFetch,
    MeetingsList,
    NztabClient,
    PayloadError,
    decode_body,
    load_payload,
    parse_payload,
)
from raceday.nztab.capture import Capture
from raceday.nztab.times import parse_utc_timestamp
from raceday.pipeline.cadence import CadenceRules, RaceStatus
from raceday.pipeline.meetings_plan import MeetingsRules, local_instant
from raceday.pipeline.poller import Poller
from raceday.pipeline.queue import Finished, PollQueue
from raceday.pipeline.store import BodyStore, ProcessStore, ThreadStore
from raceday.sim.days import day_seed
from raceday.sim.process import spawn_simulator

__all__ = [
    "FINAL_AFTER",
    "INTERIM_AFTER",
    "SAMPLES_ENV",
    "PeakDemand",
    "PollBenchOptions",
    "ScheduledRace",
    "SimulatedNztab",
    "bench_poll",
    "default_meetings_sample",
    "peak_of_sample",
    "peak_poll_rate",
    "rss_bytes",
    "scheduled_races",
]

# The demand model's race after its start, unless the cadence module says otherwise (it does
# not: it knows statuses, not when they come): Interim 4 min after the start, Final at 10 min.
INTERIM_AFTER = timedelta(minutes=4)
FINAL_AFTER = timedelta(minutes=10)

SAMPLES_ENV = "RACEDAY_SAMPLES_DIR"
MEETINGS_SAMPLE = "meetings-list.json"

TARGET_HEADROOM = 20.0
TARGET_FRESHNESS_P95_S = 1.0
TARGET_RSS_GROWTH_PCT = 10.0

BENCH_DAY = date(2026, 3, 14)  # a Saturday in daylight saving time; any day would do
_ORIGIN_LEAD = timedelta(seconds=2)  # both clocks read `start` this long after launch
_LATENCY_LEAD = timedelta(seconds=30)  # the latency part starts this long before the peak
_CAPACITY_LEAD = timedelta(minutes=5)
_MONITOR_S = 0.02  # how often a part looks at the poller (wall seconds)
_LATENCY_WARMUP_S = 120.0  # the longest the start-up herd may take before timing starts
_RSS_EVERY_S = 0.25
_WARMUP_FRACTION = 0.2  # of the memory part's simulated stretch
_MB = 1024 * 1024


# --- the demand of a racing day (pure) ----------------------------------------------------------


@dataclass(frozen=True)
class ScheduledRace:
    """A race as the demand model sees it: its advertised start, and from when it is polled
    (the meetings import that first lists it)."""

    advertised_start: datetime
    tracked_from: datetime


@dataclass(frozen=True)
class PeakDemand:
    """The most polls per second a set of races asks for, and the first instant it does."""

    polls_per_s: float
    at: datetime | None  # None when there are no races
    races: int


def _segments(
    race: ScheduledRace, rules: CadenceRules, interim_after: timedelta, final_after: timedelta
) -> Iterator[tuple[datetime, datetime, Fraction]]:
    """The race's polls per second as [from, to) pieces: one per cadence band, then Interim.

    Edges belong to the band nearer the start, as in `cadence.interval`; polling ends at Final
    or at the cap, whichever is first.
    """
    start = race.advertised_start
    end = start + min(final_after, rules.cap_after_start)
    interim = start + interim_after
    pieces = (
        (race.tracked_from, start - rules.hour_from, rules.far),
        (start - rules.hour_from, start - rules.near_from, rules.hour),
        (start - rules.near_from, start - rules.final_from, rules.near),
        (start - rules.final_from, min(interim, end), rules.final_minutes),
        (interim, end, rules.interim),
    )
    for low, high, every in pieces:
        low = max(low, race.tracked_from)
        if low < high:
            yield low, high, Fraction(1) / Fraction(every.total_seconds())


def peak_poll_rate(
    races: Iterable[ScheduledRace],
    rules: CadenceRules | None = None,
    *,
    interim_after: timedelta = INTERIM_AFTER,
    final_after: timedelta = FINAL_AFTER,
) -> PeakDemand:
    """The maximum over time of Σ 1/interval over `races` (exact: a sweep over every edge).

    Each race is polled from `tracked_from` at the cadence of its time to start (`rules`): every
    5 min beyond 60 min, 60 s to 15 min, 30 s to 5 min, 15 s from then until it turns Interim
    (`interim_after` the start), 30 s until Final (`final_after`). The demand is a step function
    whose steps are those edges, so its maximum is reached at one of them.
    """
    cadence = rules or CadenceRules()
    if not timedelta(0) <= interim_after <= final_after:
        raise ValueError(
            f"need 0 <= interim_after <= final_after, got {interim_after} and {final_after}"
        )
    steps: dict[datetime, Fraction] = {}
    count = 0
    for race in races:
        count += 1
        for low, high, rate in _segments(race, cadence, interim_after, final_after):
            steps[low] = steps.get(low, Fraction(0)) + rate
            steps[high] = steps.get(high, Fraction(0)) - rate
    best, best_at, level = Fraction(0), None, Fraction(0)
    for instant in sorted(steps):
        level += steps[instant]
        if level > best:
            best, best_at = level, instant
    return PeakDemand(polls_per_s=float(best), at=best_at, races=count)


def scheduled_races(
    meetings: MeetingsList, rules: MeetingsRules | None = None
) -> tuple[list[ScheduledRace], int]:
    """The races of a meetings list that will run, and how many were left out as Abandoned.

    A meeting's races are tracked from `evening_from` (18:00) of the evening before its NZ
    racing day, when the poller first imports tomorrow's card (`meetings_plan`).
    """
    plan = rules or MeetingsRules()
    races: list[ScheduledRace] = []
    abandoned = 0
    for meeting, race in meetings.iter_races():
        if race.status == "Abandoned":
            abandoned += 1
            continue
        tracked = local_instant(meeting.date_nz - timedelta(days=1), plan.evening_from, plan.zone)
        races.append(ScheduledRace(race.start_time, tracked))
    return races, abandoned


def default_meetings_sample() -> Path:
    """Where the real meetings list lives: $RACEDAY_SAMPLES_DIR, else ../shared/nztab-samples
    beside the checkout this module was loaded from."""
    given = os.environ.get(SAMPLES_ENV)
    folder = Path(given) if given else Path(__file__).resolve().parents[4] / "shared/nztab-samples"
    return folder / MEETINGS_SAMPLE


def peak_of_sample(path: Path, rules: CadenceRules | None = None) -> dict[str, Any]:
    """The peak demand of the real meetings list at `path`, as a report section; when the file
    is absent the section says so (`available: false`) instead of failing the benchmark."""
    if not path.is_file():
        return {
            "available": False,
            "reason": f"{path} not found (set {SAMPLES_ENV} to the folder of the NZTAB samples)",
        }
    payload = load_payload(path)
    if not isinstance(payload, MeetingsList):
        raise PayloadError(f"not a meetings list but a {payload.payload_type} body", file=str(path))
    races, abandoned = scheduled_races(payload)
    peak = peak_poll_rate(races, rules)
    return {
        "available": True,
        "source": str(path),
        "races": peak.races,
        "abandoned_skipped": abandoned,
        "polls_per_s": round(peak.polls_per_s, 3),
        "at": _iso(peak.at),
        "interim_after_start_s": INTERIM_AFTER.total_seconds(),
        "final_after_start_s": FINAL_AFTER.total_seconds(),
    }


# --- measuring --------------------------------------------------------------------------------


def rss_bytes() -> int:
    """This process's resident set size now (/proc/self/statm); where there is no /proc, the
    peak so far (getrusage), which can only over-state the end of a run."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0  # gone (a worker being replaced), or no /proc


def _worker_pids() -> list[int]:
    """This process's multiprocessing children: the store's worker processes."""
    return [child.pid for child in multiprocessing.active_children() if child.pid is not None]


def _service_rss() -> tuple[int, int]:
    """Resident bytes of this process, and of its store worker processes together."""
    return rss_bytes(), sum(_rss_of(pid) for pid in _worker_pids())


def _service_cpu_seconds() -> float | None:
    """CPU seconds of this process and its live store workers."""
    own = _cpu_seconds()
    workers = [_cpu_seconds(pid) for pid in _worker_pids()]
    if own is None or None in workers:
        return None
    return own + sum(w for w in workers if w is not None)


def _cpu_seconds(pid: int | None = None) -> float | None:
    """CPU time (user + system) used so far by this process, or by process `pid` (from
    /proc/PID/stat); None where that cannot be read."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _ms(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(p95(samples) * 1000, 3),
    }


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Body(NamedTuple):
    """A body as received, kept for the floor (the bytes only: a decoded 150 kB race event is
    ten times bigger)."""

    url: str
    raw: bytes


@dataclass
class _Timing:
    """One race poll of the latency part: wall seconds (perf_counter) and service-clock instants."""

    race_id: str
    body: _Body
    generated: datetime  # the body's header.generated_time
    fetch_started: float
    fetched_at: float
    done_at: float = 0.0
    committed: datetime | None = None
    ok: bool = False


@dataclass
class _Recorder:
    """What the timed client and queue saw, all on the event loop's thread: every body fetched,
    in the order its poll ended (the floor replays that order; one race is never polled twice at
    once, so it is each race's own order), and the meetings pages first."""

    clock: ScaledClock
    pending: dict[str, _Timing] = field(default_factory=dict)
    written: list[_Body | _Timing] = field(default_factory=list)

    def fetched(self, race_id: str, started: float, fetched: Fetched) -> None:
        generated = parse_utc_timestamp(str(fetched.json()["header"]["generated_time"]))
        body = _Body(fetched.url, fetched.body)
        self.pending[race_id] = _Timing(race_id, body, generated, started, time.perf_counter())

    def finished(self, race_id: str, *, ok: bool) -> None:
        timing = self.pending.pop(race_id, None)
        if timing is None:  # the fetch failed: nothing was stored
            return
        timing.done_at = time.perf_counter()
        timing.committed = self.clock.now()
        timing.ok = ok
        self.written.append(timing)


class _TimedClient(NztabClient):
    """The real client; notes when each race fetch began and ended, and keeps the bodies."""

    recorder: _Recorder

    async def race_event(self, race_id: str | UUID) -> Fetched:
        started = time.perf_counter()
        fetched = await super().race_event(race_id)
        self.recorder.fetched(str(race_id), started, fetched)
        return fetched

    async def meetings_for_day(self, day: date) -> MeetingsFetch:
        fetch = await super().meetings_for_day(day)
        self.recorder.written.extend(_Body(page.url, page.body) for page in fetch.pages)
        return fetch


class _TimedQueue(PollQueue):
    """The real queue; the poller calls `finish` once a poll's body is stored (or failed), which
    is where a poll's time ends."""

    recorder: _Recorder

    def finish(
        self,
        race_id: str,
        now: datetime,
        *,
        status: RaceStatus | str | None,
        advertised_start: datetime | None = None,
    ) -> Finished | None:
        self.recorder.finished(race_id, ok=status is not None)
        return super().finish(race_id, now, status=status, advertised_start=advertised_start)


# --- the simulated NZTAB ----------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedNztab:
    """A `raceday sim serve` process: its base URL and the clock it shares with us."""

    base_url: str
    clock: ScaledClock
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def _simulator(
    *, start: datetime, speed: float, day: date, meetings: int, seed: int
) -> Iterator[SimulatedNztab]:
    """Start the simulator on a free loopback port, on a clock that reads `start` shortly after
    launch; stop it afterwards. Its log goes to a temporary file, quoted if it fails."""
    origin = datetime.now(UTC) + _ORIGIN_LEAD
    args = ["--host", "127.0.0.1", "--port", "0", "--start", start.isoformat()]
    args += ["--origin", origin.isoformat(), "--speed", repr(speed), "--day", day.isoformat()]
    args += ["--meetings", str(meetings), "--seed", str(seed)]
    with (
        tempfile.TemporaryDirectory(prefix="raceday-bench-sim-") as folder,
        spawn_simulator(
            args, log=Path(folder) / "sim.log", env={"RACEDAY_LOG_LEVEL": "warning"}
        ) as sim,
    ):
        yield SimulatedNztab(sim.base_url, sim.clock(), sim.process)


# --- driving the real poller ------------------------------------------------------------------


@dataclass
class _Run:
    """One poller against one simulator and one database, until a part says it has enough."""

    poller: Poller
    sim: SimulatedNztab

    def backlog(self) -> bool:
        """A race is due and not handed out: every poll slot is busy (or the loop is behind)."""
        due = self.poller.queue.next_due_at()
        return due is not None and due <= self.sim.clock.now()


def _run_settings(settings: Settings, capture_dir: Path, *, lift_rate_limit: bool) -> Settings:
    """The settings of one part: raw capture on, into the part's own folder (as `raceday run`
    captures by default); for capacity, the client's politeness limits out of the way."""
    update: dict[str, Any] = {"capture": True, "capture_dir": capture_dir}
    if lift_rate_limit:
        update["nztab_max_rps"] = 10_000.0
        update["nztab_max_concurrency"] = max(
            settings.nztab_max_concurrency, settings.poll_concurrency
        )
    return settings.model_copy(update=update)


def _body_store(settings: Settings, database: _Database, clock: ScaledClock) -> BodyStore:
    """The store `raceday run` gives its poller: RACEDAY_STORE_PROCESSES worker processes, or
    (0) threads over the service's own Ingestor."""
    if settings.store_processes == 0:
        ingestor = Ingestor(database.pool, settings, clock=clock)
        return ThreadStore(ingestor, workers=settings.poll_concurrency)
    return ProcessStore(database.url, settings, clock, workers=settings.store_processes)


async def _drive(
    settings: Settings,
    sim: SimulatedNztab,
    database: _Database,
    watch: Callable[[_Run], Coroutine[Any, Any, None]],
    *,
    seed: int,
    recorder: _Recorder | None = None,
) -> _Run:
    """Run the real poller, with the store the service would give it, until `watch(run)`
    returns, then stop it as SIGTERM would: the polls in flight finish."""
    capture = Capture.from_settings(settings, sim.clock)
    store = _body_store(settings, database, sim.clock)
    rules = CadenceRules.from_settings(settings)
    jitter = random.Random(seed)  # seeded: two runs plan the same polls
    client = (_TimedClient if recorder is not None else NztabClient)(
        settings, base_url=sim.base_url, capture=capture, clock=sim.clock
    )
    queue = (_TimedQueue if recorder is not None else PollQueue)(rules, rng=jitter)
    if recorder is not None:
        assert isinstance(client, _TimedClient) and isinstance(queue, _TimedQueue)
        client.recorder = queue.recorder = recorder
    async with client:
        poller = Poller(
            client=client,
            ingestor=Ingestor(database.pool, settings, clock=sim.clock),
            queue=queue,
            clock=sim.clock,
            concurrency=settings.poll_concurrency,
            store=store,
        )
        run = _Run(poller, sim)
        stop = asyncio.Event()
        polling = asyncio.create_task(poller.run(stop))
        watching = asyncio.create_task(watch(run))
        try:
            done, _ = await asyncio.wait({polling, watching}, return_when=asyncio.FIRST_COMPLETED)
            if polling in done:
                await polling  # it stopped by itself: raise what stopped it
                raise RuntimeError("the poller stopped before the benchmark was done")
            await watching
        finally:
            watching.cancel()
            stop.set()
            try:
                await polling
            finally:
                await asyncio.to_thread(store.close)
    if capture is not None:
        await capture.aclose()
    return run


@dataclass(frozen=True)
class _Database:
    """A scratch database: its URL (for store worker processes) and a pool on it."""

    url: str
    pool: Any  # psycopg_pool.ConnectionPool


@contextlib.contextmanager
def _database(server_url: str, label: str, size: int) -> Iterator[_Database]:
    """A new scratch database and a pool on it, dropped afterwards."""
    with (
        scratch_database(server_url, label) as url,
        open_pool(url, name=f"raceday-{label}", max_size=size, timeout_s=10.0) as pool,
    ):
        yield _Database(url, pool)


# --- the parts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollBenchOptions:
    """The sizes of a run; `quick_run()` shrinks every part to seconds (for the tests)."""

    meetings: int = 60  # of 10 races: about the real day's 731 races that run
    polls: int = 1000  # capacity: polls timed after the start-up pass
    speed: float = 1000.0  # the memory part's simulated day
    capacity_speed: float = 60.0  # fast enough to keep hundreds of races due
    latency_window_s: float = 45.0  # wall seconds of polls timed at speed 1
    day_hours: float | None = None  # memory: simulated hours from its start; None: the day
    seed: int = 1
    meetings_sample: Path | None = None  # None: default_meetings_sample()

    @classmethod
    def quick_run(cls, **overrides: Any) -> PollBenchOptions:
        sizes: dict[str, Any] = {
            "meetings": 2,
            "polls": 30,
            "speed": 600.0,
            "latency_window_s": 2.0,
            "day_hours": 3.0,  # long enough for a store worker process to start, even when busy (1.5 h at 600x = 9 s was not, under the full suite)
        }
        return cls(**(sizes | overrides))


@dataclass(frozen=True)
class _Setup:
    """What every part shares: the server, settings, options, the day and a scratch folder."""

    server_url: str
    settings: Settings
    options: PollBenchOptions
    day: SimulatedDay
    peak: PeakDemand  # of the simulated day, every race tracked from the start
    work: Path

    def simulator(
        self, start: datetime, speed: float
    ) -> contextlib.AbstractContextManager[SimulatedNztab]:
        return _simulator(
            start=start,
            speed=speed,
            day=self.day.day,
            meetings=self.options.meetings,
            seed=self.options.seed,
        )

    @property
    def pool_size(self) -> int:
        return self.settings.poll_concurrency + 2


def _simulated_day(options: PollBenchOptions) -> SimulatedDay:
    """The simulator's home day, built here with the same seed and sizes as it builds it."""
    seed = day_seed(options.seed, BENCH_DAY)
    return SimulatedDay(DayOptions(day=BENCH_DAY, seed=seed, meetings=options.meetings))


def _memory_part(setup: _Setup) -> dict[str, Any]:
    options, day = setup.options, setup.day
    begin = day.first_start() - timedelta(hours=1)
    end = day.last_settled() + timedelta(minutes=2)
    if options.day_hours is not None:
        end = min(end, begin + timedelta(hours=options.day_hours))
    warm_until = begin + (end - begin) * _WARMUP_FRACTION
    samples: list[tuple[datetime, int, int]] = []  # (instant, this process, store workers)
    backlog: list[bool] = []
    objects: list[int] = []  # Python objects the collector tracks, after warm-up and at the end

    async def watch(run: _Run) -> None:
        clock = run.sim.clock
        while clock.now() < end:
            samples.append((clock.now(), *_service_rss()))
            backlog.append(run.backlog())
            if not objects and clock.now() >= warm_until:
                objects.append(len(gc.get_objects()))
            await asyncio.sleep(_RSS_EVERY_S)
        samples.append((clock.now(), *_service_rss()))
        objects.append(len(gc.get_objects()))

    settings = _run_settings(setup.settings, setup.work / "memory", lift_rate_limit=False)
    started = time.perf_counter()
    with (
        _database(setup.server_url, "bench_poll_memory", setup.pool_size) as database,
        setup.simulator(begin, options.speed) as sim,
    ):
        run = asyncio.run(_drive(settings, sim, database, watch, seed=options.seed))
    report = run.poller.report
    warm = next(sample for sample in samples if sample[0] >= warm_until)
    last = samples[-1]
    after_warmup, at_end = warm[1] + warm[2], last[1] + last[2]
    growth = (at_end - after_warmup) / after_warmup * 100
    return {
        "speed": options.speed,
        "simulated_from": _iso(begin),
        "simulated_to": _iso(end),
        "warmup_until": _iso(warm_until),
        "wall_s": round(time.perf_counter() - started, 1),
        "polls": report.stored,
        "failed": report.failed,
        "meetings_imports": report.imports,
        "races_stopped": len(report.stopped),
        "saturated_fraction": round(sum(backlog) / max(len(backlog), 1), 3),
        "body_store": _store_kind(run.poller),
        "rss_samples": len(samples),
        # The service's resident set: this process and its store worker processes.
        "rss_after_warmup_mb": round(after_warmup / _MB, 1),
        "rss_end_mb": round(at_end / _MB, 1),
        "rss_peak_mb": round(max(a + b for _, a, b in samples) / _MB, 1),
        "rss_main_mb": [round(warm[1] / _MB, 1), round(last[1] / _MB, 1)],
        "rss_workers_mb": [round(warm[2] / _MB, 1), round(last[2] / _MB, 1)],
        "growth_pct": round(growth, 2),
        # RSS that grows while these stay flat is the allocator keeping freed memory, not a leak
        # (of this process; the workers' objects are not counted).
        "python_objects_after_warmup": objects[0],
        "python_objects_end": objects[-1],
        "target_growth_pct": TARGET_RSS_GROWTH_PCT,
        "target_met": growth < TARGET_RSS_GROWTH_PCT,
    }


def _latency_part(setup: _Setup) -> dict[str, Any]:
    options, peak = setup.options, setup.peak
    assert peak.at is not None  # a simulated day always has races
    begin = peak.at - _LATENCY_LEAD
    window: list[float] = []
    caught_up: list[bool] = []

    async def watch(run: _Run) -> None:
        report = run.poller.report
        give_up = time.perf_counter() + _LATENCY_WARMUP_S
        while time.perf_counter() < give_up:
            # The start-up herd is over once the cards are in and no race waits for a slot.
            if report.imports and report.stored and not run.backlog():
                break
            await asyncio.sleep(_MONITOR_S)
        caught_up.append(not run.backlog())
        window.append(time.perf_counter())
        await asyncio.sleep(options.latency_window_s)
        window.append(time.perf_counter())

    settings = _run_settings(setup.settings, setup.work / "latency", lift_rate_limit=False)
    with (
        scratch_database(setup.server_url, "bench_poll_floor") as floor_url,
        _database(setup.server_url, "bench_poll", setup.pool_size) as database,
    ):
        with setup.simulator(begin, 1.0) as sim:
            recorder = _Recorder(sim.clock)
            run = asyncio.run(
                _drive(settings, sim, database, watch, seed=options.seed, recorder=recorder)
            )
        timed = [
            t
            for t in recorder.written
            if isinstance(t, _Timing) and t.ok and window[0] <= t.fetch_started < window[1]
        ]
        if not timed:
            raise RuntimeError("no poll was timed in the latency window; give it more time")
        with open_pool(floor_url, name="raceday-bench-poll-floor", max_size=2) as floor_pool:
            floor = _replay(Ingestor(floor_pool, settings, clock=sim.clock), recorder, timed)
    ours = _ms([t.done_at - t.fetch_started for t in timed])
    floors = _ms(floor)
    freshness = [(t.committed - t.generated).total_seconds() for t in timed if t.committed]
    fresh_p95 = p95(freshness)
    latency = {
        "simulated_from": _iso(begin),
        "day_peak_at": _iso(peak.at),
        "day_peak_polls_per_s": round(peak.polls_per_s, 3),
        "window_s": options.latency_window_s,
        "herd_over_before_window": caught_up[0],
        "polls": len(timed),
        "polls_per_s": round(len(timed) / (window[1] - window[0]), 3),
        "failed": run.poller.report.failed,
        **ours,
        "floor_p50_ms": floors["p50_ms"],
        "floor_p95_ms": floors["p95_ms"],
        "ratio_p50": round(ours["p50_ms"] / floors["p50_ms"], 2),
        "ratio_p95": round(ours["p95_ms"] / floors["p95_ms"], 2),
        "fetch": _ms([t.fetched_at - t.fetch_started for t in timed]),
        "store": _ms([t.done_at - t.fetched_at for t in timed]),
        "client_max_rps": settings.nztab_max_rps,
        "body_store": _store_kind(run.poller),
        "floor_polls_per_s": round(len(floor) / sum(floor), 2),
    }
    return {
        "latency": latency,
        "freshness": {
            "polls": len(freshness),
            "p50_s": round(statistics.median(freshness), 3),
            "p95_s": round(fresh_p95, 3),
            "max_s": round(max(freshness), 3),
            "target_p95_s": TARGET_FRESHNESS_P95_S,
            "target_met": fresh_p95 < TARGET_FRESHNESS_P95_S,
        },
    }


def _replay(ingestor: Ingestor, recorder: _Recorder, timed: Sequence[_Timing]) -> list[float]:
    """The floor: the bodies of the timed polls' races (and the meetings pages) written again in
    the order the poller wrote them, each decoded, validated and stored by `Ingestor.ingest` on
    this thread; the times of the timed ones."""
    races = {t.race_id for t in timed}
    wanted = {id(t) for t in timed}
    times: list[float] = []
    for item in recorder.written:
        if isinstance(item, _Timing) and item.race_id not in races:
            continue
        body = item.body if isinstance(item, _Timing) else item
        started = time.perf_counter()
        payload = parse_payload(decode_body(body.raw, source=body.url), source=body.url)
        outcome = ingestor.ingest(payload, source=body.url)
        elapsed = time.perf_counter() - started
        if outcome.status is not IngestStatus.OK:
            raise RuntimeError(f"the floor could not write {body.url}: {outcome.reason}")
        if id(item) in wanted:
            times.append(elapsed)
    return times


def _capacity_part(setup: _Setup, needed: dict[str, Any], floor_rate: float) -> dict[str, Any]:
    options, peak = setup.options, setup.peak
    assert peak.at is not None
    begin = peak.at - _CAPACITY_LEAD
    marks: list[tuple[float, int, float | None, float | None]] = []
    backlog: list[bool] = []

    async def watch(run: _Run) -> None:
        report, pid = run.poller.report, run.sim.process.pid
        while not report.imports:
            await asyncio.sleep(_MONITOR_S)
        first_pass = len(run.poller.queue.tracked())
        while report.stored < first_pass:
            await asyncio.sleep(_MONITOR_S)
        marks.append(
            (time.perf_counter(), report.stored, _service_cpu_seconds(), _cpu_seconds(pid))
        )
        goal = report.stored + options.polls
        while report.stored < goal:
            backlog.append(run.backlog())
            await asyncio.sleep(_MONITOR_S)
        marks.append(
            (time.perf_counter(), report.stored, _service_cpu_seconds(), _cpu_seconds(pid))
        )

    settings = _run_settings(setup.settings, setup.work / "capacity", lift_rate_limit=True)
    with (
        _database(setup.server_url, "bench_poll_capacity", setup.pool_size) as database,
        setup.simulator(begin, options.capacity_speed) as sim,
    ):
        run = asyncio.run(_drive(settings, sim, database, watch, seed=options.seed))
    (t0, n0, ours0, sim0), (t1, n1, ours1, sim1) = marks
    polls = n1 - n0
    rate = polls / (t1 - t0)
    service_cpu = _per_poll(ours0, ours1, polls)
    section: dict[str, Any] = {
        "speed": options.capacity_speed,
        "poll_concurrency": settings.poll_concurrency,
        "first_pass_polls": n0,
        "polls": polls,
        "elapsed_s": round(t1 - t0, 3),
        "polls_per_s": round(rate, 2),
        "failed": run.poller.report.failed,
        "saturated_fraction": round(sum(backlog) / max(len(backlog), 1), 3),
        "cpu_ms_per_poll": {"service": service_cpu, "simulator": _per_poll(sim0, sim1, polls)},
        # What one core could sustain at that CPU cost: the simulator and the database share
        # this machine's cores with the service here, and NZTAB would not.
        "service_polls_per_cpu_s": round(1000 / service_cpu, 1) if service_cpu else None,
        "body_store": _store_kind(run.poller),
        "floor_polls_per_s": floor_rate,
        "ratio_to_floor": round(rate / floor_rate, 2),
        "target_headroom": TARGET_HEADROOM,
        "client_max_rps": setup.settings.nztab_max_rps,
    }
    if not needed.get("available"):
        return section | {"needed_polls_per_s": None, "headroom": None, "target_met": None}
    need = float(needed["polls_per_s"])
    return section | {
        "needed_polls_per_s": need,
        "needed_at": needed["at"],
        "headroom": round(rate / need, 2),
        "target_met": rate / need >= TARGET_HEADROOM,
        # What the configured client limit allows, whatever the pipeline could do.
        "headroom_within_client_max_rps": round(min(rate, setup.settings.nztab_max_rps) / need, 2),
    }


def _store_kind(poller: Poller) -> str:
    """How the poller stored bodies: "ProcessStore (4 workers)" or "ThreadStore"."""
    workers = poller.ingestor.settings.store_processes
    kind = type(poller.store).__name__
    if not isinstance(poller.store, ProcessStore):
        return kind
    return f"{kind} ({workers} worker{'' if workers == 1 else 's'})"


def _per_poll(before: float | None, after: float | None, polls: int) -> float | None:
    if before is None or after is None or not polls:
        return None
    return round((after - before) / polls * 1000, 2)


def bench_poll(
    server_url: str, settings: Settings, options: PollBenchOptions | None = None
) -> dict[str, Any]:
    """Measure the live path (see the module docstring); a JSON-ready report."""
    chosen = options or PollBenchOptions()
    day = _simulated_day(chosen)
    races = [
        ScheduledRace(r.start, day.first_start() - timedelta(hours=2))
        for r in day.races
        if r.abandoned_at is None
    ]
    needed = peak_of_sample(
        chosen.meetings_sample or default_meetings_sample(), CadenceRules.from_settings(settings)
    )
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="raceday-bench-poll-") as folder:
        setup = _Setup(server_url, settings, chosen, day, peak_poll_rate(races), Path(folder))
        memory = _memory_part(setup)  # first: no earlier part's high-water mark hides growth
        timed = _latency_part(setup)
        capacity = _capacity_part(setup, needed, timed["latency"]["floor_polls_per_s"])
    return {
        "day": day.day.isoformat(),
        "meetings": chosen.meetings,
        "races": len(day.races),
        "poll_concurrency": settings.poll_concurrency,
        "load_average": {"before": load_before, "after": _load(), "cores": os.cpu_count()},
        "needed": needed,
        **timed,
        "capacity": capacity,
        "memory": memory,
        "latency_ratio_p95": timed["latency"]["ratio_p95"],
        "freshness_target_met": timed["freshness"]["target_met"],
        "capacity_target_met": capacity["target_met"],
        "memory_target_met": memory["target_met"],
    }
