"""A leadership term that crashes does not end `raceday run`: it is logged, the lock is given up,
and the service leads again on a fresh term.

Found by the outage test: the first meetings import after the database came back raised the
pool's PoolTimeout out of the poller (an exception it does not catch), which ended the process.
Here the poller is made to crash once, in process, so the service's answer to any such bug is
proved whatever the poller does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import structlog

from raceday.clock import ScaledClock, parse_instant
from raceday.config import load_settings
from raceday.pipeline.poller import Poller
from raceday.pipeline.service import Service, ServiceOptions
from tests.fixtures.racecard import SIM_DAY
from tests.fixtures.simulator import Simulator, run_simulator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _shared_clock(sim: Simulator) -> ScaledClock:
    ready = sim.ready
    return ScaledClock(
        parse_instant(ready["start"]), float(ready["speed"]), parse_instant(ready["origin"])
    )


@pytest.mark.anyio
async def test_a_crashed_term_is_logged_and_the_service_leads_again(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashes: list[str] = []
    run = Poller.run

    async def crash_the_first_term(
        self: Poller,
        stop: asyncio.Event,
        *,
        keep_going: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        if not crashes:
            crashes.append("crashed")
            raise RuntimeError("a bug in the poller")
        await run(self, stop, keep_going=keep_going)

    monkeypatch.setattr(Poller, "run", crash_the_first_term)
    settings = load_settings(
        database_url=database_url, home=tmp_path, capture=False, store_processes=0
    )
    with run_simulator(*SIM_DAY, "--start", "2026-12-03T00:30:00Z", "--speed", "60") as sim:
        options = ServiceOptions(
            database_url=database_url, nztab_url=sim.base_url, port=0, leader_retry_s=0.2
        )
        service = Service(settings, options, clock=_shared_clock(sim))
        stop = asyncio.Event()
        with structlog.testing.capture_logs() as logs:
            running = asyncio.create_task(service.run(stop))
            for _ in range(600):  # up to a minute: a second term that stores polls
                if running.done() or (service.report is not None and service.report.stored):
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(running, 30)  # raises if the crash ended the service
    events = [entry["event"] for entry in logs]
    assert crashes == ["crashed"]
    assert "poll_term_crashed" in events
    assert events.count("leader_elected") == 2  # the lock was given up and taken again
    assert len(service.reports) == 2 and service.reports[1].stored > 0
