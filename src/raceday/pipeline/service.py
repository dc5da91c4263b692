"""`raceday run`: the long-running service — leader election, the poller, partition maintenance
on the service's clock, and the HTTP endpoints (/health, /metrics), in one asyncio process.

Start-up: the caller has migrated the database (the CLI does, refusing a database ahead of the
code). Then maintenance runs once, the HTTP server starts, and the process stands by until it
holds the poller lock; only the leader polls. A leader that loses its lock (its connection broke)
stops polling, lets its writes in flight finish and stands by again. Each leadership term polls
on a pool of its own, opened as the term begins (a pool that lived through a database outage
would still be backing off its reconnects). A term that fails (the database gone again as it
began) or crashes (a bug) is logged, its lock given up, and the process stands by again: nothing
in a term ends the service.

Shutdown (`stop` set, e.g. by SIGINT/SIGTERM): no new poll starts, writes in flight finish, the
HTTP server and the pools close. Polls in flight get `ServiceOptions.stop_grace_s` to finish;
then those still fetching are cancelled (an NZTAB that hangs would otherwise hold the exit for
its timeout times its retries, a minute by default): a fetch cut short has nothing to write,
and a write already running finishes in its worker, which the shutdown waits for.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import uvicorn

from raceday.api.app import create_app
from raceday.api.ops import HealthProbe, ServiceState
from raceday.api.serving import QuietServer, bind
from raceday.clock import Clock
from raceday.config import Settings
from raceday.db.pool import open_pool
from raceday.errors import DatabaseError
from raceday.ingest import Ingestor
from raceday.logs import get_logger
from raceday.metrics import POLLER_LEADER
from raceday.nztab.capture import Capture
from raceday.nztab.client import NztabClient
from raceday.partitions.schedule import next_maintenance_at
from raceday.pipeline.cadence import CadenceRules
from raceday.pipeline.leader import Leadership
from raceday.pipeline.poller import Poller, PollReport
from raceday.pipeline.queue import PollQueue
from raceday.pipeline.store import BodyStore, ProcessStore, ThreadStore
from raceday.runtime import MaintenanceLoop

__all__ = ["Service", "ServiceOptions"]

_log = get_logger("raceday.service")
_LONGEST_NAP_S = 1.0


@dataclass(frozen=True)
class ServiceOptions:
    """How `raceday run` was asked to run (the settings hold the rest)."""

    database_url: str
    nztab_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    leader_retry_s: float = 2.0
    jitter_seed: int | None = None
    # After a stop, how long polls in flight may take before their fetches are cancelled; the
    # rest of the shutdown (the store's workers, the pools, HTTP) must fit in what remains of
    # the 10 s `raceday run` promises.
    stop_grace_s: float = 3.0


class Service:
    """One `raceday run` process. `run(stop)` returns once stopped and drained."""

    def __init__(
        self,
        settings: Settings,
        options: ServiceOptions,
        *,
        clock: Clock,
        on_listening: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.clock = clock
        self.state = ServiceState()
        self.reports: list[PollReport] = []
        self._on_listening = on_listening
        self._poller: Poller | None = None

    @property
    def report(self) -> PollReport | None:
        """The current leadership term's poll report (None before the first term)."""
        return self._poller.report if self._poller else None

    async def run(self, stop: asyncio.Event) -> None:
        # The service's own pool serves /health and maintenance; each term polls on its own.
        pool = await asyncio.to_thread(
            open_pool, self.options.database_url, name="raceday-run", max_size=4, timeout_s=5.0
        )
        executor = ThreadPoolExecutor(self.settings.poll_concurrency + 2, "raceday-store")
        try:
            probe = HealthProbe(pool, self.settings, self.clock, self.state)
            server, serving = await self._serve_http(probe)
            maintenance = asyncio.create_task(self._maintain(pool, stop, executor))
            try:
                await self._lead_and_poll(stop, executor)
            finally:
                self.state.role = "stopping"
                maintenance.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await maintenance
                server.should_exit = True
                await serving
        finally:
            executor.shutdown(wait=True)
            await asyncio.to_thread(pool.close)
            _log.info("service_stopped")

    # --- polling under leadership ----------------------------------------------------------

    async def _lead_and_poll(self, stop: asyncio.Event, executor: ThreadPoolExecutor) -> None:
        leadership = Leadership(self.options.database_url, retry_s=self.options.leader_retry_s)
        try:
            while not stop.is_set():
                self.state.role = "standby"
                if not await leadership.wait_until_leader(stop):
                    break
                self.state.role = "leader"
                POLLER_LEADER.set(1)
                try:
                    await self._poll_term(stop, executor, leadership)
                except DatabaseError as exc:  # the server went away as the term began
                    _log.warning("poll_term_failed", error=exc.message)
                    await self._stand_down(leadership, stop)
                except Exception as exc:
                    # A bug in a term (the poller, its store) must not end the service: say
                    # so loudly, give the lock up for whoever asks next, and stand by again.
                    _log.error("poll_term_crashed", error=repr(exc), exc_info=True)
                    await self._stand_down(leadership, stop)
                finally:
                    POLLER_LEADER.set(0)
                    self.state.polling = False
                if not stop.is_set():
                    _log.warning("polling_paused", reason="lost the poller lock; standing by")
        finally:
            await leadership.release()

    async def _stand_down(self, leadership: Leadership, stop: asyncio.Event) -> None:
        """Release the lock (a standby may take over at once) and pause before asking again."""
        await leadership.release()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.options.leader_retry_s)

    async def _poll_term(
        self, stop: asyncio.Event, executor: ThreadPoolExecutor, leadership: Leadership
    ) -> None:
        """One leadership term: a fresh queue, client and store, on connections of its own.

        Its own pool, not the service's: a pool that lived through a database outage reconnects
        on its own backoff (1, 2, 4, 8 … wall seconds per connection), up to half a minute
        after a 30-s outage, and every poll would fail meanwhile. A term begins just after the
        leader's connection reached the server, so a new pool connects at once.
        """
        async with contextlib.AsyncExitStack() as term:  # closed in reverse: store first
            size = self.settings.poll_concurrency + 2
            pool = await asyncio.to_thread(
                open_pool,
                self.options.database_url,
                name="raceday-poll",
                max_size=size,
                timeout_s=5.0,
            )
            term.push_async_callback(asyncio.to_thread, pool.close)
            capture = Capture.from_settings(self.settings, self.clock)
            if capture is not None:
                term.push_async_callback(capture.aclose)
            client = await term.enter_async_context(
                NztabClient(
                    self.settings,
                    base_url=self.options.nztab_url,
                    capture=capture,
                    clock=self.clock,
                )
            )
            ingestor = Ingestor(pool, self.settings, clock=self.clock)
            store = self._body_store(ingestor, executor)
            term.push_async_callback(asyncio.to_thread, store.close)
            rules = CadenceRules(cap_after_start=timedelta(minutes=self.settings.poll_cap_minutes))
            poller = Poller(
                client=client,
                ingestor=ingestor,
                queue=PollQueue(rules, rng=random.Random(self.options.jitter_seed)),
                clock=self.clock,
                concurrency=self.settings.poll_concurrency,
                executor=executor,
                store=store,
            )
            self._poller = poller
            self.reports.append(poller.report)
            self.state.polling = True
            watcher = asyncio.create_task(self._mirror(poller, stop))
            try:
                await self._run_poller(poller, stop, leadership)
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    def _body_store(self, ingestor: Ingestor, executor: ThreadPoolExecutor) -> BodyStore:
        workers = self.settings.store_processes
        if workers == 0:
            return ThreadStore(ingestor, workers=self.settings.poll_concurrency, executor=executor)
        return ProcessStore(self.options.database_url, self.settings, self.clock, workers=workers)

    async def _run_poller(
        self, poller: Poller, stop: asyncio.Event, leadership: Leadership
    ) -> None:
        """`poller.run` until it returns: by itself (the lock was lost), or once stopped and
        drained. Polls still in flight `stop_grace_s` after the stop are cancelled: the drain
        waits on them, so cancelling it cancels them, each at its await (a fetch is abandoned;
        a write running in its worker thread or process goes on to its commit or rollback)."""
        running = asyncio.create_task(poller.run(stop, keep_going=leadership.still_leader))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not running.done():
                await asyncio.wait({running}, timeout=self.options.stop_grace_s)
            if not running.done():
                _log.warning(
                    "poller_cancelled",
                    reason=f"polls still in flight {self.options.stop_grace_s:g} s after the "
                    "stop: their fetches are abandoned, writes running finish",
                )
            while not running.done():
                # Once per second: a cancel lands on whatever the poller awaits at that moment.
                running.cancel()
                await asyncio.wait({running}, timeout=1.0)
        finally:
            stopping.cancel()
            if not running.done():  # we are being cancelled ourselves: take the poller along
                running.cancel()
        if not running.cancelled():
            running.result()  # a poller that crashed raises here

    async def _mirror(self, poller: Poller, stop: asyncio.Event) -> None:
        # The health probe reads ServiceState; keep it in step with the poller.
        while not stop.is_set():
            self.state.last_poll_success = poller.report.last_success
            self.state.active_races = poller.queue.stats(self.clock.now()).active
            await asyncio.sleep(0.5)

    # --- maintenance on the service clock --------------------------------------------------

    async def _maintain(self, pool: Any, stop: asyncio.Event, executor: ThreadPoolExecutor) -> None:
        loop = MaintenanceLoop(pool, self.settings, clock=self.clock)
        running = asyncio.get_running_loop()
        trigger = "startup"
        while not stop.is_set():
            last = self.clock.now()
            await running.run_in_executor(executor, loop.run, trigger)
            due = next_maintenance_at(self.settings.timezone, self.clock.now(), last)
            trigger = "scheduled"
            while not stop.is_set() and self.clock.now() < due:
                wall = self.clock.wall_seconds(due - self.clock.now())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), min(max(wall, 0.01), _LONGEST_NAP_S))

    # --- HTTP ------------------------------------------------------------------------------

    async def _serve_http(self, probe: HealthProbe) -> tuple[uvicorn.Server, asyncio.Task[None]]:
        # The dashboard API, the page, /health and /metrics: one app, on this process's clock
        # and health probe (its async pool is its own, opened by its lifespan).
        settings = self.settings.model_copy(update={"database_url": self.options.database_url})
        app = create_app(settings, probe=probe, clock=self.clock)
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="on", log_level="warning"
        )
        server = QuietServer(config)
        sock = bind(self.options.host, self.options.port)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if serving.done():
                await serving  # raises what stopped it
            await asyncio.sleep(0.01)
        host, port = sock.getsockname()[:2]
        url = f"http://{host}:{port}"
        _log.info(
            "http_listening",
            page=f"{url}/",
            api=f"{url}/api",
            health=f"{url}/health",
            metrics=f"{url}/metrics",
        )
        if self._on_listening is not None:
            self._on_listening(url)
        return server, serving
