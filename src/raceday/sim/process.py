"""The simulator in a process of its own, for whoever drives it: `raceday demo live`, `raceday
bench poll` and the tests' fixture.

`spawn_simulator(args)` runs `python -m raceday.sim serve ARGS`, waits for its one-line ready
document on stdout (`sim_ready`: its URL, clock and day), and stops it on exit (SIGTERM, then
SIGKILL after a grace). Its log (stderr) goes where the caller says; a file is quoted when the
simulator fails to start.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from raceday.clock import ScaledClock, parse_instant
from raceday.errors import RacedayError

__all__ = ["SimProcess", "SimulatorStartError", "spawn_simulator"]

READY_TIMEOUT_S = 60.0  # building the home day of a large --meetings can take seconds
STOP_TIMEOUT_S = 10.0
_LOG_TAIL = 4000


class SimulatorStartError(RacedayError):
    """The simulator did not get ready (bad options, a port in use, a crash at start-up)."""


@dataclass
class SimProcess:
    """A running simulator: its process and what it said when it was ready."""

    process: subprocess.Popen[bytes]
    ready: dict[str, Any]  # url, now, speed, start, origin, day, fault_seed, pid
    command: list[str]

    @property
    def base_url(self) -> str:
        """http://HOST:PORT/affiliates/v1: what an NZTAB client is given."""
        return str(self.ready["url"])

    def clock(self) -> ScaledClock:
        """A clock that reads what the simulator's reads: same start, speed and origin."""
        return ScaledClock(
            parse_instant(self.ready["start"]),
            float(self.ready["speed"]),
            parse_instant(self.ready["origin"]),
        )

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = STOP_TIMEOUT_S) -> int | None:
        """Stop it with `sig`; SIGKILL after `timeout_s`. Its exit status, None when it had to
        be killed."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        return self.process.returncode


@contextlib.contextmanager
def spawn_simulator(
    args: Sequence[str],
    *,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    ready_timeout_s: float = READY_TIMEOUT_S,
    stop_timeout_s: float = STOP_TIMEOUT_S,
) -> Iterator[SimProcess]:
    """Start `raceday sim serve ARGS`, yield it once ready, stop it afterwards.

    `log`: a file for its stderr (quoted in the error if it does not start); None leaves its
    stderr on ours. SimulatorStartError when it exits or stays silent for `ready_timeout_s`.
    """
    command = [sys.executable, "-m", "raceday.sim", "serve", *args]
    with contextlib.ExitStack() as stack:
        stderr = stack.enter_context(log.open("ab")) if log is not None else None
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, **(env or {})},
        )
    running = SimProcess(process, {}, command)
    try:
        ready = _ready_document(process, ready_timeout_s)
        if ready is None:
            running.stop(signal.SIGKILL, stop_timeout_s)
            raise SimulatorStartError(
                f"the simulator did not get ready within {ready_timeout_s:g} s "
                f"(exit status {process.returncode}): {' '.join(command)}"
                + (f"\n{_tail(log)}" if log is not None else ""),
                hint="run `raceday sim serve --help` to check its options",
            )
        running.ready = ready
        yield running
    finally:
        running.stop(signal.SIGTERM, stop_timeout_s)
        if process.stdout is not None:
            process.stdout.close()


def _ready_document(process: subprocess.Popen[bytes], timeout_s: float) -> dict[str, Any] | None:
    """The `sim_ready` document from the process's stdout; None if it exits or times out
    first. Lines before it that are not that document are skipped."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if selector.select(min(left, 0.5)):
                line = process.stdout.readline()  # written whole and flushed by the server
                if not line:
                    return None  # it exited
                with contextlib.suppress(ValueError):
                    document = json.loads(line)
                    if isinstance(document, dict) and document.get("event") == "sim_ready":
                        return document
            elif process.poll() is not None:
                return None
    return None


def _tail(log: Path) -> str:
    try:
        return log.read_bytes()[-_LOG_TAIL:].decode("utf-8", "replace")
    except OSError:
        return "(its log could not be read)"
