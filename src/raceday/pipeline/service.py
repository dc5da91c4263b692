"""`raceday run`: the long-running service — leader election, the poller, partition maintenance
on the service's clock, and the HTTP endpoints (/health, /metrics), in one asyncio process.

Start-up: the caller has migrated the database (the CLI does, refusing a database ahead of the
code). Then maintenance runs once, the HTTP server starts, and the process stands by until it
holds the poller lock; only the leader polls. A leader that loses its lock (its connection broke)
stops polling, lets its writes in flight finish and stands by again.

Shutdown (`stop` set, e.g. by SIGINT/SIGTERM): no new poll starts, writes in flight finish, the
HTTP server and the pools close. The only wait is for polls in flight, bounded by the client's
timeout and the pool's.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import uvicorn

from raceday.api.ops import HealthProbe, ServiceState, ops_app
from raceday.clock import Clock
from raceday.config import Settings
from raceday.db.pool import open_pool
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


class _QuietServer(uvicorn.Server):
    """uvicorn inside our loop: the service owns the signals, so uvicorn must not take them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


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
        size = self.settings.poll_concurrency + 2
        pool = await asyncio.to_thread(
            open_pool, self.options.database_url, name="raceday-run", max_size=size, timeout_s=5.0
        )
        executor = ThreadPoolExecutor(size, "raceday-store")
        try:
            probe = HealthProbe(pool, self.settings, self.clock, self.state)
            server, serving = await self._serve_http(probe)
            maintenance = asyncio.create_task(self._maintain(pool, stop, executor))
            try:
                await self._lead_and_poll(pool, stop, executor)
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

    async def _lead_and_poll(
        self, pool: Any, stop: asyncio.Event, executor: ThreadPoolExecutor
    ) -> None:
        leadership = Leadership(self.options.database_url, retry_s=self.options.leader_retry_s)
        try:
            while not stop.is_set():
                self.state.role = "standby"
                if not await leadership.wait_until_leader(stop):
                    break
                self.state.role = "leader"
                POLLER_LEADER.set(1)
                try:
                    await self._poll_term(pool, stop, executor, leadership)
                finally:
                    POLLER_LEADER.set(0)
                    self.state.polling = False
                if not stop.is_set():
                    _log.warning("polling_paused", reason="lost the poller lock; standing by")
        finally:
            await leadership.release()

    async def _poll_term(
        self, pool: Any, stop: asyncio.Event, executor: ThreadPoolExecutor, leadership: Leadership
    ) -> None:
        capture = Capture.from_settings(self.settings, self.clock)
        rules = CadenceRules(cap_after_start=timedelta(minutes=self.settings.poll_cap_minutes))
        queue = PollQueue(rules, rng=random.Random(self.options.jitter_seed))
        async with NztabClient(
            self.settings, base_url=self.options.nztab_url, capture=capture, clock=self.clock
        ) as client:
            poller = Poller(
                client=client,
                ingestor=Ingestor(pool, self.settings, clock=self.clock),
                queue=queue,
                clock=self.clock,
                concurrency=self.settings.poll_concurrency,
                executor=executor,
            )
            self._poller = poller
            self.reports.append(poller.report)
            self.state.polling = True
            watcher = asyncio.create_task(self._mirror(poller, stop))
            try:
                await poller.run(stop, keep_going=leadership.still_leader)
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
        if capture is not None:
            await capture.aclose()

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
        config = uvicorn.Config(
            ops_app(probe), log_config=None, access_log=False, lifespan="off", log_level="warning"
        )
        server = _QuietServer(config)
        sock = socket.socket(socket.AF_INET6 if ":" in self.options.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.options.host, self.options.port))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if serving.done():
                await serving  # raises what stopped it
            await asyncio.sleep(0.01)
        host, port = sock.getsockname()[:2]
        url = f"http://{host}:{port}"
        _log.info("http_listening", health=f"{url}/health", metrics=f"{url}/metrics")
        if self._on_listening is not None:
            self._on_listening(url)
        return server, serving
