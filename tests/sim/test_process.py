"""The simulator as a process: the fixture, the ready line, signals, the clock, --dst, bad options."""

from __future__ import annotations

import re
import signal
import threading
import time
from datetime import timedelta

import httpx
import pytest

from raceday.clock import SystemClock, parse_instant
from raceday.sim.instants import from_ns, parse_rfc3339_ns, rfc3339_of
from tests.fixtures.simulator import Simulator, SimulatorError, run_simulator
from tests.sim.conftest import SMALL_DAY


@pytest.fixture
def simulator_args() -> list[str]:
    return [*SMALL_DAY, "--fault", "events:5xx=1"]


def test_the_fixture_serves_with_the_options_given(simulator: Simulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/affiliates/v1", simulator.base_url)
    assert simulator.ready["pid"] == simulator.process.pid
    assert simulator.faults() == {"events": {"5xx": 1.0}}
    response = httpx.get(f"{simulator.base_url}/racing/meetings", timeout=20)
    assert response.status_code == 200 and response.json()["data"]["meetings"]
    assert httpx.get(f"{simulator.root_url}/_sim/health").json()["status"] == "ok"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_process_with_status_0(sig: int) -> None:
    with run_simulator(*SMALL_DAY) as sim:
        assert sim.stop(sig) == 0
        assert "sim_stopped" in sim.log()


def test_a_held_request_does_not_keep_a_stopping_server_alive() -> None:
    outcome: list[object] = []

    def held_request(url: str) -> None:
        try:
            outcome.append(httpx.get(url, timeout=30).status_code)
        except httpx.HTTPError as exc:
            outcome.append(type(exc))

    with run_simulator(*SMALL_DAY, "--fault", "list:timeout=1") as sim:
        held = threading.Thread(target=held_request, args=(f"{sim.base_url}/racing/list",))
        held.start()
        time.sleep(0.2)  # the request reaches the server and is held there
        assert outcome == []
        assert sim.stop() == 0  # stop() raises SimulatorError if the process is there after 10 s
        held.join(timeout=5)
    # The held client is let go: a server error or a closed connection, never left hanging.
    assert len(outcome) == 1
    assert outcome[0] in (500, 503, httpx.RemoteProtocolError, httpx.ReadError), outcome


def test_the_clock_reads_start_plus_speed_times_the_wall_since_origin() -> None:
    start = parse_instant("2025-07-17T12:30", "Pacific/Auckland")
    origin = SystemClock().now()
    args = [
        *SMALL_DAY,
        "--start",
        rfc3339_of(start),
        "--speed",
        "120",
        "--origin",
        rfc3339_of(origin),
    ]
    with run_simulator(*args) as sim:
        assert (sim.ready["start"], sim.ready["origin"], sim.ready["speed"]) == (
            rfc3339_of(start),
            rfc3339_of(origin),
            120.0,
        )
        assert sim.clock_args == [
            "--start",
            rfc3339_of(start),
            "--speed",
            "120.0",
            "--origin",
            rfc3339_of(origin),
        ]
        before = SystemClock().now()
        now = from_ns(parse_rfc3339_ns(sim.clock()["now"]) or 0)
        after = SystemClock().now()
    # Both processes read the same system clock, so the simulated instant lies between what
    # 120x the wall time since the origin gives before and after the request (1 ms of rounding).
    slack = timedelta(milliseconds=1)
    assert start + (before - origin) * 120 - slack <= now <= start + (after - origin) * 120 + slack
    assert now - start > (before - origin) * 60  # scaled, not real time


@pytest.mark.parametrize(("kind", "day"), [("start", "2026-09-27"), ("end", "2026-04-05")])
def test_dst_serves_the_day_daylight_saving_changes(kind: str, day: str) -> None:
    with run_simulator(*SMALL_DAY, "--start", "2026-06-01T12:00", "--dst", kind) as sim:
        assert sim.ready["day"] == day and sim.clock()["day"] == day
        listed = httpx.get(
            f"{sim.base_url}/racing/meetings",
            params={"date_from": f"{day}T00:00:00+12:00", "date_to": f"{day}T23:00:00+13:00"},
            timeout=20,
        ).json()["data"]["meetings"]
        assert listed and {m["date"][:10] for m in listed} == {day}


def test_a_simulator_that_cannot_start_says_why() -> None:
    with (
        pytest.raises(SimulatorError, match="--dst") as caught,
        run_simulator("--day", "2025-07-17", "--dst", "start"),
    ):
        pass
    assert "exit status 2" in str(caught.value)
