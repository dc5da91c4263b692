"""`raceday run` survives its database stopping for 30 s in the middle of the day.

The service runs on a PostgreSQL server of this test's own (tests/fixtures/own_postgres.py; the
shared test server is never stopped), against the simulated NZTAB at 60x. Mid-morning the server
is stopped the hard way ("immediate": its processes die, transactions in flight are lost, every
connection breaks) for 30 wall seconds, then started again. The service must say so, stand by
(it lost the poller lock with its connection), lead again by itself once the server is back,
catch up what settled meanwhile, and leave no race half-written and no history duplicated: what
it stored equals an ingest of exactly the polls it stored, in a second database. Two instances
run, so that "afterwards one instance leads again" is proved, not assumed.

This test takes about a minute and a half (the 30-s outage, the service's start on a fresh
server, a race to Final afterwards).
"""

from __future__ import annotations

import signal
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from raceday.clock import parse_instant
from raceday.config import load_settings
from raceday.sim import RecordedBody
from tests.fixtures.own_postgres import own_postgres
from tests.fixtures.racecard import R4, R4_FINAL, R5, SIM_DAY, lock_holders, polls_of, settled
from tests.fixtures.served_state import (
    body_key,
    differences,
    ingest_served,
    poll_key,
    received_keys,
    served_bodies,
    stored_polls,
    stored_state,
)
from tests.fixtures.service_process import ServiceProcess, capture_folder, run_service
from tests.fixtures.simulator import Simulator, run_simulator

OUTAGE_S = 30.0  # the outage, in wall seconds
# A poll fetched just before the stop may still be writing when the server dies; polls after
# it may fail until the service's pool has reconnected. Lost polls must lie in this window.
_BEFORE = timedelta(minutes=1)  # simulated: one wall second at 60x
_AFTER = timedelta(minutes=45)  # generous: psycopg_pool's reconnect backoff runs on wall time


def _sim_now(sim: Simulator) -> datetime:
    return parse_instant(sim.clock()["now"])


def _watch_the_outage(service: ServiceProcess, seconds: float) -> list[httpx.Response]:
    """Ask /health every half second while the database is down (the service must answer,
    not ready), for `seconds`."""
    answers = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert service.process.poll() is None, service.log_tail()
        answers.append(service.health())
        time.sleep(0.5)
    return answers


def test_a_30_s_database_outage_mid_day_is_survived_without_a_restart(
    second_database_url: str, tmp_path: Path
) -> None:
    # Two instances on the database: before and after the outage exactly one leads.
    record = tmp_path / "served.jsonl.gz"
    homes = (tmp_path / "a", tmp_path / "b")
    args = [*SIM_DAY, "--start", "2026-12-03T00:20:00Z", "--speed", "60", "--record", str(record)]
    with (
        own_postgres() as server,
        run_simulator(*args) as sim,
        run_service(server.url(), sim, home=homes[0]) as a,
        run_service(server.url(), sim, home=homes[1]) as b,
    ):
        url = server.url()  # empty at first: `raceday run` migrates it at start
        leader = _one_leader(a, b)
        leader.wait_for(lambda _s: polls_of(url, R4) >= 3, timeout_s=120, what="R4 polled")

        down_from = _sim_now(sim)
        server.stop("immediate")
        # The leader says so: its connection broke, taking the lock; it stands by.
        leader.wait_for("leadership_lost", timeout_s=OUTAGE_S, what="leadership lost")
        leader.wait_for("leader_election_waiting_for_database", timeout_s=OUTAGE_S)
        answers = _watch_the_outage(leader, OUTAGE_S)
        assert [s.live()["role"] for s in (a, b)] == ["standby", "standby"]

        server.start()
        back_at, back_wall = _sim_now(sim), time.monotonic()
        leader = _one_leader(a, b, elections=2)
        led_again_s = time.monotonic() - back_wall
        assert lock_holders(url) == 1
        # R4 turned Final while the database was down: caught up; R5 polled to Final.
        assert down_from < R4_FINAL
        leader.wait_for(
            lambda _s: settled(url, R4) and settled(url, R5),
            timeout_s=150,
            what="R4 and R5 Final with their results after the outage",
        )
        resumed_at = min(at for race, at in stored_polls(url) if race == R5 and at > back_at)
        for service in sorted((a, b), key=lambda s: s is leader):  # the standby first: no
            assert service.stop(signal.SIGTERM) == 0, service.log_tail()  # takeover at the end
        lines = [*a.lines(), *b.lines()]
        stored = stored_polls(url)
        actual = stored_state(url)

    # Neither process restarted: one start each, two elections in all.
    assert [line["event"] for line in lines].count("http_listening") == 2
    assert [line["event"] for line in lines].count("leader_elected") == 2
    unready = [answer for answer in answers if answer.status_code == 503]
    assert unready and all(a.json()["checks"]["database"] == "unreachable" for a in unready)
    failed = [line for line in lines if line.get("event") == "poll_failed"]
    assert all(line["outcome"] == "database_unavailable" for line in failed), failed
    print(
        f"a leader again {led_again_s:.1f} s after the server was back; R5 stored again "
        f"{(resumed_at - back_at).total_seconds() / 60:.1f} s (wall) after it"
    )

    # Nothing half-written, no history twice: stored = ingest of exactly the polls stored.
    served = served_bodies(record)
    received = received_keys(capture_folder(homes[0])) | received_keys(capture_folder(homes[1]))
    window = (down_from - _BEFORE, back_at + _AFTER)
    lost = [
        entry
        for entry in served
        if body_key(entry.body) in received and (key := poll_key(entry)) and key not in stored
    ]
    assert [(e.url, e.at) for e in lost if not window[0] <= e.at <= window[1]] == []

    def keep(entry: RecordedBody) -> bool:
        key = poll_key(entry)
        return body_key(entry.body) in received and (key is None or key in stored)

    settings = load_settings(database_url=second_database_url)
    ingest_served(second_database_url, settings, served, keep=keep)
    assert differences(actual, stored_state(second_database_url)) == {}


def _one_leader(*services: ServiceProcess, elections: int = 1) -> ServiceProcess:
    """Wait until `elections` elections happened in all, then the one leader (the others stand
    by, as /health/live says too)."""

    def elected() -> int:
        return sum(len(s.events("leader_elected")) for s in services)

    services[0].wait_for(
        lambda _s: elected() >= elections, timeout_s=120, what=f"election {elections}"
    )
    leaders = [s for s in services if s.live()["role"] == "leader"]
    assert len(leaders) == 1, [s.live() for s in services]
    assert all(s.live()["role"] == "standby" for s in services if s is not leaders[0])
    return leaders[0]
