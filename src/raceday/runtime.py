"""The long-running raceday process: a scheduler, a metrics endpoint, graceful stop, and the
partition maintenance loop that runs inside it.

`raceday partitions watch` runs a Runtime with the maintenance loop alone; `raceday run` adds the
poller and the API to the same Runtime. The library parts it drives take the Runtime's pool.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import start_http_server

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db import ConnectionSource, borrow
from raceday.logs import get_logger
from raceday.metrics import REGISTRY, observe_maintenance, observe_status
from raceday.partitions import MaintenanceResult, read_status, run_maintenance
from raceday.partitions.schedule import add_maintenance_jobs

__all__ = ["MaintenanceLoop", "Runtime"]

_log = get_logger("raceday.runtime")


class MaintenanceLoop:
    """Partition maintenance at start-up, at 00:00 in the racing-day zone and hourly.

    A run that raises is logged and counted, never fatal: the loop must outlive one bad run
    (a database restart, a lock held by someone's long query).
    """

    def __init__(
        self,
        source: ConnectionSource,
        settings: Settings,
        *,
        clock: Clock | None = None,
        on_result: Callable[[MaintenanceResult], None] | None = None,
    ) -> None:
        self._source = source
        self._settings = settings
        self._clock = clock or SystemClock()
        self._on_result = on_result

    def run(self, triggered_by: str) -> MaintenanceResult | None:
        """One maintenance run, its metrics and the status gauges; None when it crashed."""
        try:
            result = run_maintenance(
                self._source, self._settings, clock=self._clock, triggered_by=triggered_by
            )
            observe_maintenance(result)
            with borrow(self._source) as conn:
                observe_status(read_status(conn, self._settings, result.today))
        except Exception as exc:
            _log.error("partition_maintenance_crashed", error=str(exc), triggered_by=triggered_by)
            return None
        if self._on_result is not None:
            self._on_result(result)
        return result

    def install(self, runtime: Runtime) -> None:
        """Schedule the midnight and hourly runs on `runtime`'s scheduler."""
        add_maintenance_jobs(runtime.scheduler, self._settings.timezone, self.run)


class Runtime:
    """A scheduler, an optional Prometheus endpoint, and a stop that lets running work finish.

    Jobs are added to `scheduler` before `start()`. `run_until_stopped()` blocks until SIGINT
    or SIGTERM (or `request_stop()`), then stops the scheduler, waiting for jobs in flight.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        metrics_port: int | None = None,
        metrics_host: str = "127.0.0.1",
    ) -> None:
        self.settings = settings
        self.scheduler = BackgroundScheduler(timezone=settings.timezone)
        self._metrics_port = metrics_port
        self._metrics_host = metrics_host
        self._metrics_server: Any = None
        self._stop = threading.Event()
        self._started = False

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """(host, port) the metrics endpoint listens on, once started (port 0 picks one)."""
        if self._metrics_server is None:
            return None
        return self._metrics_host, int(self._metrics_server.server_port)

    def start(self) -> None:
        if self._metrics_port is not None:
            server, _thread = start_http_server(
                self._metrics_port, addr=self._metrics_host, registry=REGISTRY
            )
            self._metrics_server = server
            _log.info(
                "metrics_listening",
                address=f"http://{self._metrics_host}:{server.server_port}/metrics",
            )
        self.scheduler.start()
        self._started = True
        _log.info(
            "runtime_started", zone=self.settings.timezone, jobs=len(self.scheduler.get_jobs())
        )

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        """Stop taking new work, wait for the jobs in flight, close the metrics endpoint."""
        started = time.perf_counter()
        if self._started:
            self.scheduler.shutdown(wait=True)
            self._started = False
        if self._metrics_server is not None:
            self._metrics_server.shutdown()
            self._metrics_server.server_close()
            self._metrics_server = None
        _log.info("runtime_stopped", seconds=round(time.perf_counter() - started, 3))

    def run_until_stopped(self) -> None:
        """start(), wait for a stop signal or request, stop()."""
        with _stop_on_signals(self._stop):
            self.start()
            try:
                self._stop.wait()
            finally:
                self.stop()


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    # Signal handlers can only be set from the main thread; elsewhere only request_stop() works.
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        _log.info("stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
