"""The poller: the one part of the scheduler that does I/O.

It asks the pure `PollQueue` which races are due, fetches each race event from NZTAB (the client
retries and rate-limits), and hands the body to the `Ingestor` — parse, transform, one
transaction per race — on a worker thread, so the event loop stays free to start the next polls
on time. Meetings are imported at start-up, at 06:00 and every few minutes (`meetings_plan`), and
every race they list is tracked. Time comes only from the injected clock: simulated time when the
service runs against the simulator, and waits are converted to wall seconds by the clock.

A failed poll is logged and counted and the race is polled again at its cadence; a body that
fails validation is logged with its URL and does not stop the other races; a lost database
stops nothing either: the poll counts as failed, and the pool reconnects when the server is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from raceday.clock import Clock
from raceday.db.pool import ConnectionSource, borrow
from raceday.errors import DatabaseError, PayloadError
from raceday.ingest import Ingestor, IngestStatus
from raceday.logs import get_logger
from raceday.metrics import (
    MEETINGS_IMPORTS,
    POLL_FRESHNESS_SECONDS,
    POLL_LAST_SUCCESS,
    POLL_LATENESS_SECONDS,
    POLL_MISSED_DEADLINES,
    POLL_STAGE_SECONDS,
    POLLS,
    RACES_STOPPED,
    RACES_TRACKED,
    ROWS_WRITTEN,
)
from raceday.nztab.client import NztabClient
from raceday.nztab.errors import NztabError
from raceday.nztab.times import parse_utc_timestamp
from raceday.pipeline.meetings_plan import MeetingsRules, days_to_import, next_import_at
from raceday.pipeline.queue import DuePoll, PollQueue
from raceday.pipeline.store import BodyStore, Stored, ThreadStore

__all__ = ["MissedDeadline", "PollReport", "Poller", "settled_races"]

_log = get_logger("raceday.poller")

# After a failed meetings import, try again this much (clock) time later.
_IMPORT_RETRY = timedelta(minutes=1)
# Stopped races whose start is older than this are dropped from the queue at each import.
_FORGET_AFTER = timedelta(hours=36)
# The loop looks at the clock at least this often (wall seconds), whatever is due.
_LONGEST_NAP_S = 1.0

_SETTLED_SQL = """
select r.race_id::text
from races r left join race_results rr using (race_id)
where r.race_date_nz = any(%s) and (r.status = 'Abandoned' or rr.result_status = 'Final')
"""


def settled_races(source: ConnectionSource, days: Iterable[date]) -> set[str]:
    """Races of `days` already stored settled (Abandoned, or Final with its result), which a
    restarted poller need not fetch again."""
    with borrow(source) as conn:
        return {row[0] for row in conn.execute(_SETTLED_SQL, [list(days)])}


@dataclass(frozen=True)
class MissedDeadline:
    """One strict poll that started late: which race, when it was due, how late."""

    race_id: str
    due_at: datetime
    late_s: float


_MISSED_KEPT = 1000  # the latest missed deadlines a report keeps (the count goes on)


@dataclass
class PollReport:
    """What the poller has done so far, for the live status line and the tests."""

    polls: int = 0
    stored: int = 0
    failed: int = 0
    missed_deadlines: int = 0  # late polls of a race's last minutes (DuePoll.strict)
    late_polls: int = 0  # late polls elsewhere (a start-up herd, a busy minute far from a start)
    rows: int = 0
    imports: int = 0
    last_success: datetime | None = None
    stopped: dict[str, str] = field(default_factory=dict)  # race id -> final | abandoned | capped
    missed: list[MissedDeadline] = field(default_factory=list)  # the latest _MISSED_KEPT


class Poller:
    """Drives a `PollQueue` with real fetches and writes until told to stop."""

    def __init__(
        self,
        *,
        client: NztabClient,
        ingestor: Ingestor,
        queue: PollQueue,
        clock: Clock,
        concurrency: int,
        meetings_rules: MeetingsRules | None = None,
        executor: ThreadPoolExecutor | None = None,
        store: BodyStore | None = None,
    ) -> None:
        self.client = client
        self.ingestor = ingestor
        self.queue = queue
        self.clock = clock
        self.concurrency = concurrency
        self.meetings_rules = meetings_rules or MeetingsRules(zone=ingestor.settings.timezone)
        # Small blocking reads (settled races) run here; bodies go to `store`.
        self._executor = executor or ThreadPoolExecutor(2, "raceday-poller")
        self._own_executor = executor is None
        self.store = store or ThreadStore(ingestor, workers=concurrency)
        self._own_store = store is None
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self.report = PollReport()
        self._last_import: datetime | None = None

    async def run(
        self, stop: asyncio.Event, *, keep_going: Callable[[], Awaitable[bool]] | None = None
    ) -> None:
        """Poll until `stop` is set (or `keep_going` says no), then let the polls in flight
        finish: no new poll starts after the stop, and no race is left half-written."""
        next_import = self.clock.now()
        importing: asyncio.Task[bool] | None = None
        checked = observed = time.monotonic()
        try:
            while not stop.is_set():
                now = self.clock.now()
                if importing is not None and importing.done():
                    ok = importing.result()
                    importing = None
                    next_import = (
                        next_import_at(self.meetings_rules, now, self._last_import)
                        if ok
                        else now + _IMPORT_RETRY
                    )
                if importing is None and now >= next_import:
                    importing = asyncio.create_task(self._import_meetings(now))
                self._start_due(now)
                if time.monotonic() - observed >= _LONGEST_NAP_S:  # stats() scans every race
                    observed = time.monotonic()
                    self._observe_queue()
                if keep_going is not None and time.monotonic() - checked >= _LONGEST_NAP_S:
                    checked = time.monotonic()
                    if not await keep_going():
                        break
                await self._nap(stop, next_import)
        finally:
            if importing is not None:
                importing.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await importing
            await self.drain()

    async def drain(self) -> None:
        """Wait for the polls in flight (their writes finish; nothing is cut mid-transaction)."""
        if self._tasks:
            _log.info("poller_draining", in_flight=len(self._tasks))
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._own_executor:
            self._executor.shutdown(wait=True)
        if self._own_store:
            self.store.close()

    # --- the loop ------------------------------------------------------------------------------

    def _start_due(self, now: datetime) -> None:
        free = self.concurrency - len(self._tasks)
        if free <= 0:
            return
        for due in self.queue.take_due(now, free):
            task = asyncio.create_task(self._poll(due), name=f"poll {due.race_id}")
            self._tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            _log.error("poll_crashed", error=repr(task.exception()))

    async def _nap(self, stop: asyncio.Event, next_import: datetime) -> None:
        now = self.clock.now()
        candidates = [next_import]
        if len(self._tasks) < self.concurrency:
            due = self.queue.next_due_at()
            if due is not None:
                candidates.append(due)
        wall = self.clock.wall_seconds(min(candidates) - now)
        nap = min(max(wall, 0.0), _LONGEST_NAP_S)
        if nap <= 0:
            await asyncio.sleep(0)  # let finished polls report before the next round
            return
        self._wake.clear()
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=nap, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _observe_queue(self) -> None:
        stats = self.queue.stats(self.clock.now())
        RACES_TRACKED.labels("active").set(stats.active)
        RACES_TRACKED.labels("in_flight").set(stats.in_flight)
        RACES_TRACKED.labels("stopped").set(stats.tracked - stats.active)

    # --- one poll ------------------------------------------------------------------------------

    async def _poll(self, due: DuePoll) -> None:
        started = self.clock.now()
        wall_started = time.perf_counter()
        self.report.polls += 1
        lateness = (started - due.due_at).total_seconds()
        POLL_LATENESS_SECONDS.observe(max(0.0, lateness))
        if self.queue.missed_deadline(due, started):
            POLL_MISSED_DEADLINES.labels("true" if due.strict else "false").inc()
            if due.strict:
                self.report.missed_deadlines += 1
                self.report.missed.append(MissedDeadline(due.race_id, due.due_at, lateness))
                del self.report.missed[:-_MISSED_KEPT]
            else:
                self.report.late_polls += 1
            # A warning where it matters (the last minutes); elsewhere a few seconds of
            # staleness, and a start-up herd would flood the log.
            (_log.warning if due.strict else _log.debug)(
                "poll_missed_deadline",
                race_id=due.race_id,
                due_at=due.due_at.isoformat(),
                late_s=round(lateness, 3),
                strict=due.strict,
            )
        status: str | None = None
        advertised: datetime | None = None
        try:
            fetched = await self.client.race_event(due.race_id)
            POLL_STAGE_SECONDS.labels("fetch").observe(time.perf_counter() - wall_started)
            stored_at = time.perf_counter()
            stored = await self.store.store(fetched.url, fetched.body)
            POLL_STAGE_SECONDS.labels("store").observe(time.perf_counter() - stored_at)
            status, advertised = stored.status, stored.advertised_start
            self._account(stored, due.race_id)
        except NztabError as exc:
            self._fail("fetch_failed", due.race_id, str(exc))
        finally:
            POLL_STAGE_SECONDS.labels("total").observe(time.perf_counter() - wall_started)
            finished = self.queue.finish(
                due.race_id, self.clock.now(), status=status, advertised_start=advertised
            )
            if finished is not None:
                self.report.stopped[finished.race_id] = finished.reason
                RACES_STOPPED.labels(finished.reason).inc()
                log = _log.warning if finished.reason == "capped" else _log.info
                log("race_polling_stopped", race_id=finished.race_id, reason=finished.reason)

    def _account(self, stored: Stored, race_id: str) -> None:
        if stored.failure is not None:
            self._fail(stored.failure[0], race_id, stored.failure[1])
            return
        outcome = stored.outcome
        if outcome is None or outcome.status is IngestStatus.FAILED:
            self._fail("refused", race_id, (outcome.reason or "") if outcome else "")
            return
        now = self.clock.now()
        self.report.stored += 1
        self.report.last_success = now
        POLLS.labels("ok").inc()
        POLL_LAST_SUCCESS.set(now.timestamp())
        for table, count in outcome.written.rows.items():
            if count:
                ROWS_WRITTEN.labels(table).inc(count)
                self.report.rows += count
        if stored.generated_at is not None:
            freshness = (now - stored.generated_at).total_seconds()
            POLL_FRESHNESS_SECONDS.observe(max(0.0, freshness))

    def _fail(self, outcome: str, race_id: object, reason: str) -> None:
        self.report.failed += 1
        POLLS.labels(outcome).inc()
        _log.warning("poll_failed", outcome=outcome, race_id=str(race_id), reason=reason)

    # --- meetings --------------------------------------------------------------------------

    async def _import_meetings(self, now: datetime) -> bool:
        """Import the meetings of every day due, track their races; False when any failed."""
        ok = True
        for day in days_to_import(self.meetings_rules, now):
            try:
                await self._import_day(day, now)
                MEETINGS_IMPORTS.labels("ok").inc()
                self.report.imports += 1
            except (NztabError, PayloadError, DatabaseError, psycopg.Error) as exc:
                # psycopg.Error: the settled-races read met a lost database (a PoolTimeout).
                ok = False
                MEETINGS_IMPORTS.labels("failed").inc()
                _log.warning("meetings_import_failed", day=day.isoformat(), error=str(exc))
        if ok:
            self._last_import = now
        return ok

    async def _import_day(self, day: date, now: datetime) -> None:
        fetch = await self.client.meetings_for_day(day)
        loop = asyncio.get_running_loop()
        for page in fetch.pages:
            stored = await self.store.store(page.url, page.body)
            if stored.failure is not None:
                kind, reason = stored.failure
                error = PayloadError if kind == "invalid" else DatabaseError
                raise error(f"meetings page {page.url}: {reason}")
            if stored.outcome is not None and stored.outcome.status is IngestStatus.FAILED:
                _log.warning("meetings_page_refused", url=page.url, reason=stored.outcome.reason)
        settled = await loop.run_in_executor(
            self._executor, settled_races, self.ingestor.source, [day]
        )
        tracked = 0
        for meeting in fetch.meetings:
            for race in meeting.get("races") or ():
                start = _race_start(race)
                if start is None:
                    continue
                finished = self.queue.track(
                    str(race["id"]),
                    start,
                    str(race.get("status") or "Open"),
                    self.clock.now(),
                    meeting_id=str(meeting.get("meeting")),
                    settled=str(race["id"]) in settled,
                )
                if finished is not None:
                    self.report.stopped[finished.race_id] = finished.reason
                tracked += 1
        # Races settled long ago only cost memory: a day and a half covers any foreign meeting.
        self.queue.forget_stopped(now - _FORGET_AFTER)
        _log.info(
            "meetings_imported",
            day=day.isoformat(),
            meetings=len(fetch.meetings),
            races=tracked,
            pages=len(fetch.pages),
        )


def _race_start(race: dict[str, Any]) -> datetime | None:
    text = race.get("start_time")
    if not isinstance(text, str) or not race.get("id"):
        return None
    try:
        return parse_utc_timestamp(text)
    except (ValueError, PayloadError):
        return None
