"""Where the poller's bodies are stored: decode → validate → transform → one race transaction.

That work is CPU-bound Python (JSON, pydantic, the transform, psycopg's adaptation). On worker
threads it competes with the event loop for the GIL, and the loop is what starts polls on time:
measured at 60x against the simulator, polls of a race's last minutes started up to 200 ms of
wall time late (12 s simulated) while threads stored bodies. In worker processes the loop keeps
a core's worth of GIL to itself and both cores of the machine store bodies. So `ProcessStore`
is the service's default and `ThreadStore` remains for callers that hand in their own Ingestor
(tests, the benchmarks' floor). Each worker process keeps its own small pool and Ingestor.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from raceday.clock import Clock
from raceday.config import Settings
from raceday.errors import DatabaseError, PayloadError
from raceday.ingest import Ingestor, IngestOutcome
from raceday.logs import get_logger
from raceday.nztab import RaceEvent, decode_body, parse_payload

__all__ = ["BodyStore", "ProcessStore", "Stored", "ThreadStore", "store_with"]

_log = get_logger("raceday.store")


@dataclass(frozen=True)
class Stored:
    """What the poller needs back from one stored body (small: it crosses processes)."""

    outcome: IngestOutcome | None  # None when `failure` says why nothing was written
    status: str | None = None  # the race event's data.race.status
    advertised_start: datetime | None = None
    generated_at: datetime | None = None  # header.generated_time
    # ("invalid" | "database_unavailable", message): errors travel as data, not as exceptions,
    # so they cross a process boundary intact.
    failure: tuple[str, str] | None = None


class BodyStore(Protocol):
    async def store(self, url: str, body: bytes) -> Stored: ...

    def close(self) -> None: ...


def store_with(ingestor: Ingestor, url: str, body: bytes) -> Stored:
    """Decode, validate and write one body with `ingestor` (blocking); a body that is not
    valid, or a lost database, comes back as `Stored.failure`."""
    try:
        payload = parse_payload(decode_body(body, source=url), source=url)
        outcome = ingestor.ingest(payload, source=url)
    except PayloadError as exc:
        return Stored(None, failure=("invalid", exc.message))
    except DatabaseError as exc:
        return Stored(None, failure=("database_unavailable", exc.message))
    if isinstance(payload, RaceEvent):
        race = payload.race
        return Stored(
            outcome, str(race.status), race.advertised_start, payload.header.generated_time
        )
    return Stored(outcome)


class ThreadStore:
    """Bodies stored on worker threads through one shared Ingestor (its pool is shared too)."""

    def __init__(self, ingestor: Ingestor, *, workers: int, executor: Executor | None = None):
        self.ingestor = ingestor
        self._executor = executor or ThreadPoolExecutor(workers, "raceday-store")
        self._own = executor is None

    async def store(self, url: str, body: bytes) -> Stored:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, store_with, self.ingestor, url, body)

    def close(self) -> None:
        if self._own:
            self._executor.shutdown(wait=True)


# --- worker processes --------------------------------------------------------------------------

_WORKER_INGESTOR: Ingestor | None = None
_CLOSE_WAIT_S = 2.0


def _start_worker(database_url: str, settings: Settings, clock: Clock) -> None:
    from raceday.db.pool import open_pool

    # Only the service stops its workers: a Ctrl-C to the terminal's process group (or a
    # SIGTERM to it) must not kill them mid-write. Their own group keeps them out of it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    global _WORKER_INGESTOR
    pool = open_pool(database_url, name=f"raceday-store-{os.getpid()}", max_size=1, timeout_s=5.0)
    _WORKER_INGESTOR = Ingestor(pool, settings, clock=clock)


def _store_in_worker(url: str, body: bytes) -> Stored:
    if _WORKER_INGESTOR is None:
        raise RuntimeError("store worker not initialised")
    return store_with(_WORKER_INGESTOR, url, body)


class ProcessStore:
    """Bodies stored by `workers` processes, each with its own connection and Ingestor.

    A worker that dies (killed, out of memory) breaks the pool: it is rebuilt once and the body
    tried again; a second failure is reported as a lost database write for that poll only.
    """

    def __init__(self, database_url: str, settings: Settings, clock: Clock, *, workers: int):
        self._args: tuple[Any, ...] = (database_url, settings, clock)
        self._workers = workers
        self._executor = self._build()

    def _build(self) -> ProcessPoolExecutor:
        # spawn, not fork: the service has threads (and a running event loop) to not copy.
        executor = ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=self._args,
        )
        # Start every worker now, not when the load first needs it: until its initializer has
        # run, a worker is still in the terminal's process group with Python's SIGINT handler,
        # and a Ctrl-C then killed one that was importing, traceback and all (seen once in the
        # resilience tests). A submit finding no idle worker spawns one; none is idle yet.
        for _ in range(self._workers):
            executor.submit(os.getpid)
        return executor

    async def store(self, url: str, body: bytes) -> Stored:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            try:
                return await loop.run_in_executor(self._executor, _store_in_worker, url, body)
            except BrokenProcessPool:
                _log.warning("store_workers_restarted", attempt=attempt, url=url)
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._build()
        return Stored(None, failure=("database_unavailable", f"store workers died writing {url}"))

    def close(self) -> None:
        """Stop the workers. The poller has awaited every store by now, so they are idle: give
        them `_CLOSE_WAIT_S` to exit (spawned interpreters on a loaded machine took 2.5-11 s),
        then terminate the rest; an idle worker holds no transaction."""
        processes = list(getattr(self._executor, "_processes", {}).values())
        self._executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + _CLOSE_WAIT_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()
