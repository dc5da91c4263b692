"""The simulator process: bind a loopback socket, serve the app with uvicorn, say when ready.

`serve(options)` prints exactly one JSON line on stdout once the socket accepts connections,

    {"event": "sim_ready", "url": "http://127.0.0.1:PORT/affiliates/v1", "now": …, "speed": …,
     "start": …, "origin": …, "day": …, "fault_seed": …, "pid": …}

(with port 0 the port the system chose), logs to stderr, and returns 0 when SIGINT or SIGTERM
stops it. `start`, `speed` and `origin` are what `raceday run` needs to read the same clock.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from typing import Literal, TextIO

import uvicorn

from raceday.clock import ScaledClock
from raceday.logs import configure_logging, get_logger
from raceday.racing_day import racing_day_of
from raceday.sim.app import BASE_PATH, SimState, create_app
from raceday.sim.days import DayBook
from raceday.sim.faults import FaultConfig, FaultDrawer
from raceday.sim.instants import rfc3339_of
from raceday.sim.model import DaySizes, ModelKit
from raceday.sim.record import RecordWriter

__all__ = ["ServeOptions", "build_state", "resolve_day", "serve"]

_log = get_logger("raceday.sim")
# Held requests (the timeout fault) must not keep a stopping server alive for long.
_GRACEFUL_SHUTDOWN_S = 1


@dataclass(frozen=True)
class ServeOptions:
    """Everything `raceday sim serve` takes, parsed and validated."""

    start: datetime
    origin: datetime
    speed: float = 1.0
    day: date | None = None  # None: the NZ racing day of `start` (or of --dst)
    dst: Literal["start", "end"] | None = None
    seed: int = 0
    sizes: DaySizes = field(default_factory=DaySizes)
    faults: FaultConfig = field(default_factory=FaultConfig)
    fault_seed: int = 0
    record: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8700
    log_level: str = "info"
    cache_days: int = 8


def resolve_day(options: ServeOptions, kit: ModelKit, clock: ScaledClock) -> date:
    """The home day: --day, else the DST change day of the start's year, else the start's day."""
    if options.day is not None and options.dst is not None:
        raise ValueError("give --day or --dst, not both")
    if options.day is not None:
        return options.day
    if options.dst is not None:
        return kit.dst_change_day(clock.start.year, options.dst)
    return racing_day_of(clock.start, options.sizes.zone)


def build_state(options: ServeOptions, kit: ModelKit) -> SimState:
    clock = ScaledClock(options.start, options.speed, options.origin)
    book = DayBook(kit, seed=options.seed, sizes=options.sizes, cache_days=options.cache_days)
    return SimState(
        clock=clock,
        speed=options.speed,
        book=book,
        kit=kit,
        home_day=resolve_day(options, kit, clock),
        faults=FaultDrawer(options.faults, seed=options.fault_seed),
        recorder=RecordWriter(options.record) if options.record is not None else None,
    )


class _Server(uvicorn.Server):
    """uvicorn, minus its habit of re-raising the stop signal after a graceful shutdown (which
    would end the process with status 130/143 instead of 0), plus a ready callback."""

    def __init__(self, config: uvicorn.Config, on_ready: _ReadyCallback) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_ready()


class _ReadyCallback:
    def __init__(self, line: str, out: TextIO) -> None:
        self.line, self.out = line, out

    def __call__(self) -> None:
        self.out.write(self.line + "\n")
        self.out.flush()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every small response waits ~40 ms for a delayed ACK (measured).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(options: ServeOptions, kit: ModelKit, *, out: TextIO | None = None) -> int:
    """Run the simulator until SIGINT/SIGTERM; 0 when stopped that way."""
    configure_logging("json" if not sys.stderr.isatty() else "console", options.log_level)
    state = build_state(options, kit)
    state.book.model(state.home_day)  # build the home day now, not during the first request
    sock = _bind(options.host, options.port)
    port = sock.getsockname()[1]
    url = _base_url(options.host, port) + BASE_PATH
    ready = json.dumps(
        {
            "event": "sim_ready",
            "url": url,
            "now": rfc3339_of(state.clock.now()),
            "speed": options.speed,
            "start": rfc3339_of(options.start),
            "origin": rfc3339_of(options.origin),
            "day": state.home_day.isoformat(),
            "fault_seed": options.fault_seed,
            "pid": os.getpid(),
        }
    )
    config = uvicorn.Config(
        create_app(state),
        log_config=None,
        log_level=options.log_level,
        access_log=False,
        lifespan="off",
        http="h11",
        loop="asyncio",
        ws="none",
        server_header=False,
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
    )
    server = _Server(config, _ReadyCallback(ready, out or sys.stdout))
    _log.info("sim_starting", url=url, day=state.home_day.isoformat(), speed=options.speed)
    if not ipaddress.ip_address(sock.getsockname()[0]).is_loopback:
        _log.warning(
            "sim_not_loopback", host=options.host, hint="anyone who can reach it can use it"
        )
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sock.close()
        if state.recorder is not None:
            state.recorder.close()
    _log.info("sim_stopped", served=state.served)
    return 0 if server.started else 1
