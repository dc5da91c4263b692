"""`raceday run`'s service against the simulated NZTAB on loopback, on a real PostgreSQL.

The simulator runs in its own process; the service runs in this one on the same simulated
clock (start, speed, origin), so the cadence rules see simulated time. Nothing here waits on
the wall clock beyond what the simulated speed needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from raceday.clock import ScaledClock, parse_instant
from raceday.config import Settings, load_settings
from raceday.pipeline.service import Service, ServiceOptions
from tests.fixtures.simulator import Simulator, run_simulator


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def service_settings(database_url: str, home: Path, **extra: object) -> Settings:
    return load_settings(
        database_url=database_url, home=home, capture_dir=home / "capture", **extra
    )


def shared_clock(sim: Simulator) -> ScaledClock:
    ready = sim.ready
    return ScaledClock(
        parse_instant(ready["start"]), float(ready["speed"]), parse_instant(ready["origin"])
    )


async def run_until(
    service: Service, done: Callable[[Service], bool], *, wall_timeout_s: float
) -> None:
    """Run `service` until `done(service)` or the timeout, then stop it as SIGTERM would."""
    stop = asyncio.Event()
    running = asyncio.create_task(service.run(stop))
    deadline = asyncio.get_running_loop().time() + wall_timeout_s
    while not done(service) and asyncio.get_running_loop().time() < deadline:
        if running.done():
            await running  # it stopped by itself: raise what stopped it
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(running, 15)


def polled_to_final(service: Service) -> list[str]:
    """Races polled live up to Final (not the one closing poll of a race settled earlier)."""
    poller = service._poller
    if poller is None:
        return []
    return [
        race_id
        for race_id, race in poller.queue.tracked().items()
        if race.stopped == "final" and race.polls >= 10
    ]


def _clock_origin() -> str:
    return (datetime.now(UTC) + timedelta(seconds=2)).isoformat()


@pytest.mark.anyio
async def test_the_service_polls_races_to_final_and_serves_health_and_metrics(
    database_url: str, tmp_path: Path
) -> None:
    # Two meetings; start 10 simulated minutes before Ascot R1 (2026-12-03 00:07Z), at 120x.
    args = ["--day", "2026-12-03", "--meetings", "2", "--speed", "120"]
    args += ["--start", "2026-12-02T23:57:00Z", "--origin", _clock_origin()]
    with run_simulator(*args) as sim:
        settings = service_settings(database_url, tmp_path)
        urls: list[str] = []
        service = Service(
            settings,
            ServiceOptions(database_url=database_url, nztab_url=sim.base_url, port=0),
            clock=shared_clock(sim),
            on_listening=urls.append,
        )
        health: list[httpx.Response] = []

        async def ask_health_once_polling() -> None:
            while not (urls and service.report is not None and service.report.stored):
                await asyncio.sleep(0.05)
            async with httpx.AsyncClient(timeout=10) as client:
                health.append(await client.get(f"{urls[0]}/health"))
                health.append(await client.get(f"{urls[0]}/metrics"))

        asking = asyncio.create_task(ask_health_once_polling())
        await run_until(service, lambda svc: bool(polled_to_final(svc)), wall_timeout_s=120)
        await asyncio.wait_for(asking, 5)

    report = service.report
    assert report is not None
    settled = polled_to_final(service)
    assert settled, report
    assert report.stored > 20 and report.imports >= 1
    document = health[0].json()
    assert document["live"] is True and document["checks"]["database"] == "ok"
    assert document["checks"]["schema"] == "at_head"
    assert document["checks"]["runway_days"] >= 2
    assert health[0].status_code == (200 if document["ready"] else 503)
    assert "raceday_polls_total" in health[1].text
    settled = settled[0]
    with psycopg.connect(database_url) as conn:
        status, results, dividends, history = conn.execute(
            "select r.status, (select count(*) from race_result_positions p where p.race_id = r.race_id),"
            " (select count(*) from race_dividends d where d.race_id = r.race_id),"
            " (select count(*) from money_flow_history m where m.race_id = r.race_id)"
            " from races r where r.race_id = %s",
            (settled,),
        ).fetchone() or (None, 0, 0, 0)
    assert status == "Final" and results >= 3 and dividends > 0 and history > 10
    archives = list((tmp_path / "capture").glob("*.jsonl.gz"))
    assert archives, "every body received is captured"
