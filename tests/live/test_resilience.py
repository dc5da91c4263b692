"""`raceday run` survives a faulty NZTAB, SIGTERM/SIGINT and kill -9 (real processes).

Each test runs the simulated NZTAB (`raceday sim serve --record`) and `raceday run` as
subprocesses on one simulated clock at 60x (tests/fixtures/racecard.py: the day, its races and
when they turn Final), on a fresh database, and proves its claims with the database: what is
stored equals what ingesting the bodies the simulator served gives (tests/fixtures/
served_state.py), and races reach Final with results and dividends. Each takes 10-60 s.

The database outage and two instances have modules of their own: test_resilience_outage.py,
test_resilience_leader.py.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from raceday.clock import parse_instant
from raceday.config import load_settings
from raceday.sim import DayBook, DaySizes, RecordedBody, demo_kit
from tests.fixtures.racecard import (
    R3,
    R4,
    R4_FINAL,
    R5,
    R5_FINAL,
    R6,
    SIM_DAY,
    polls_of,
    settled,
)
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
from tests.fixtures.service_process import capture_folder, run_service
from tests.fixtures.simulator import Simulator, run_simulator

# How long before a kill -9 (simulated time) a poll it lost may have been served: a fetch and its
# write take well under a wall second; three minutes are three wall seconds at 60x.
_IN_FLIGHT = timedelta(minutes=3)


@pytest.fixture
def record(tmp_path: Path) -> Path:
    return tmp_path / "served.jsonl.gz"


def _sim_args(start: str, *more: str) -> list[str]:
    """`raceday sim serve` options: the racecard's day from `start` at 60x, and `more`."""
    return [*SIM_DAY, "--start", start, "--speed", "60", *more]


def test_the_racecard_is_the_simulators_day() -> None:
    # The tests below time their signals and outages by the racecard; if the simulator's model
    # changes its day, say so here rather than as a timeout there.
    model = DayBook(demo_kit(), seed=0, sizes=DaySizes(1, 10, 8, True)).model(date(2026, 12, 3))
    assert SIM_DAY == ["--day", "2026-12-03", "--meetings", "1", "--runners", "8"]

    def status(race: str, at: datetime) -> str:
        return str(model.race_event_data(UUID(race), at)["race"]["status"])

    for race, final in ((R4, R4_FINAL), (R5, R5_FINAL)):
        assert (status(race, final - timedelta(seconds=15)), status(race, final)) == (
            "Interim",
            "Final",
        ), race
    assert status(R3, R4_FINAL) == "Final" and status(R6, R4_FINAL) == "Open"


def test_with_5xx_timeouts_and_malformed_bodies_nothing_crashes_and_every_race_goes_on(
    database_url: str, second_database_url: str, tmp_path: Path, record: Path
) -> None:
    # Every route: 20 % 5xx, 5 % held until the client's 5-s timeout, 5 % malformed bodies
    # (cut short or invalid JSON). From 00:30: R4's last 15 minutes and its results. The
    # simulator draws each route's faults from a seeded sequence (fault seed 0), whose first 21
    # race-event draws hold every kind: past 60 race events served, each has been suffered.
    home = tmp_path / "run"
    faults = "*:5xx=0.2,timeout=0.05,malformed=0.05"
    with (
        run_simulator(
            *_sim_args("2026-12-03T00:30:00Z", "--record", str(record), "--fault", faults)
        ) as sim,
        run_service(database_url, sim, home=home, env={"NZTAB_TIMEOUT_S": "5"}) as service,
    ):
        service.wait_for(
            lambda _s: settled(database_url, R4) and _events_served(record) >= 60,
            timeout_s=180,
            what="R4 Final with results and dividends, 60 race events served",
        )
        status = service.stop(signal.SIGTERM)
    assert status == 0, service.log_tail()
    lines = service.lines()
    crashes = [line for line in lines if line.get("level") in ("error", "critical")]
    assert crashes == [], crashes  # a crashed poll or loop logs at error
    retried = Counter(line["reason"] for line in lines if line.get("event") == "nztab_retry")
    assert retried["http_5xx"] and retried["timeout"] and retried["malformed"], retried
    # A fetch whose first attempt failed logs one retry at attempt 1, and a failure for good
    # when its last attempt failed too: the difference are retried polls that landed.
    first_retries = [
        line
        for line in lines
        if line.get("event") == "nztab_retry"
        and line.get("attempt") == 1
        and "/racing/events/" in line["url"]
    ]
    gave_up = [line for line in lines if line.get("event") == "nztab_request_failed"]
    assert len(first_retries) - len(gave_up) >= 10, (len(first_retries), len(gave_up))

    # Every other race went on: R3 (Final before the start) got its results at once; the
    # races of the next hour kept being polled.
    assert settled(database_url, R3)
    assert polls_of(database_url, R5) >= 5 and polls_of(database_url, R6) >= 3

    # Stored equals the ingest of what the simulator served and the service received whole:
    # no retried poll lost or stored twice, nothing broken stored.
    served = served_bodies(record)
    received = received_keys(capture_folder(home))
    assert received <= {body_key(entry.body) for entry in served}
    not_received = [entry for entry in served if body_key(entry.body) not in received]
    # A body the simulator sent after the client had given up waiting (a slow answer on a
    # loaded machine) was not received; each such wait is logged as a timeout.
    assert len(not_received) <= retried["timeout"] + len(gave_up)
    settings = load_settings(database_url=second_database_url)
    count = ingest_served(
        second_database_url, settings, served, keep=lambda entry: body_key(entry.body) in received
    )
    assert count > 50
    assert differences(stored_state(database_url), stored_state(second_database_url)) == {}


def _events_served(record: Path) -> int:
    return sum(1 for entry in served_bodies(record) if "/racing/events/" in entry.url)


def _sim_now(sim: Simulator) -> datetime:
    return parse_instant(sim.clock()["now"])


def _wait_for_sim(sim: Simulator, instant: datetime, *, timeout_s: float) -> None:
    """Until the simulator's clock reads `instant` (asked at most every 100 ms)."""
    deadline = time.monotonic() + timeout_s
    while _sim_now(sim) < instant:
        assert time.monotonic() < deadline, f"the simulator's clock did not reach {instant}"
        time.sleep(0.1)


def _held_request_seen(
    sim_log: Callable[[], str], seen: int, *, kind: str = "slow"
) -> Callable[[object], bool]:
    """A predicate: the simulator logged more than `seen` requests held by fault `kind`."""

    def held(_service: object) -> bool:
        return sim_log().count(f'"kind": "{kind}"') > seen

    return held


def test_sigterm_while_polling_finishes_the_writes_in_flight_and_a_restart_resumes(
    database_url: str, second_database_url: str, tmp_path: Path, record: Path
) -> None:
    # Every race-event answer is held 1 s (wall), so polls are always in flight; the simulator
    # logs each hold at debug level, which tells the test one has just begun. The service gives
    # polls in flight 3 s after a stop (ServiceOptions.stop_grace_s): these all finish.
    first, second = tmp_path / "first", tmp_path / "second"
    args = _sim_args("2026-12-03T00:30:00Z", "--record", str(record))
    args += ["--fault", "events:slow=1.0,slow_ms=1000"]
    with run_simulator(*args, env={"RACEDAY_LOG_LEVEL": "debug"}) as sim:
        with run_service(database_url, sim, home=first) as service:
            service.wait_for(
                lambda _s: polls_of(database_url, R4) >= 3, timeout_s=120, what="R4 polled"
            )
            held = sim.log().count('"kind": "slow"')
            service.wait_for(
                _held_request_seen(sim.log, held), timeout_s=30, what="a poll in flight"
            )
            signalled_at = _sim_now(sim)
            sent = time.monotonic()
            service.send(signal.SIGTERM)
            status = service.wait_exit(timeout_s=30)
            exit_s = time.monotonic() - sent
            exited_at = _sim_now(sim)
            draining = service.events("poller_draining")
        assert status == 0, service.log_tail()
        assert exit_s <= 10, f"exit took {exit_s:.1f} s after SIGTERM"  # the bound
        assert draining and draining[0]["in_flight"] >= 1, draining

        polls_of_r5 = polls_of(database_url, R5)
        with run_service(database_url, sim, home=second) as restarted:
            restarted.wait_for(
                lambda _s: (
                    settled(database_url, R4) and polls_of(database_url, R5) > polls_of_r5 + 3
                ),
                timeout_s=120,
                what="R4 Final and R5 polled after the restart",
            )
            # Ctrl-C in its terminal: SIGINT to its whole process group.
            sent = time.monotonic()
            restarted.send_group(signal.SIGINT)
            status = restarted.wait_exit(timeout_s=30)
            exit_s = time.monotonic() - sent
            crashes = [line for line in restarted.lines() if line.get("level") == "error"]
            stderr = restarted.log_path.read_text(errors="replace")
        assert status == 0, restarted.log_tail()
        assert exit_s <= 10, f"exit took {exit_s:.1f} s after SIGINT"
        assert crashes == [], crashes
        # Nothing of it (a worker process, say) died of the signal instead of stopping.
        assert "Traceback" not in stderr, stderr[stderr.find("Traceback") :][:3000]

    served = served_bodies(record)
    received = received_keys(capture_folder(first)) | received_keys(capture_folder(second))
    # The answers held at SIGTERM were sent after it (before the first process exited, so to
    # it), received and stored: the writes in flight finished.
    in_flight = [e for e in served if signalled_at <= e.at <= exited_at and poll_key(e)]
    assert in_flight, "no answer was in flight at SIGTERM"
    assert {poll_key(e) for e in in_flight} <= stored_polls(database_url)
    # Nothing else was lost or half-written: stored = ingest of what was received.
    settings = load_settings(database_url=second_database_url)
    ingest_served(
        second_database_url, settings, served, keep=lambda entry: body_key(entry.body) in received
    )
    assert differences(stored_state(database_url), stored_state(second_database_url)) == {}


def test_sigterm_while_nztab_hangs_every_request_still_exits_0_within_10_s(
    database_url: str, tmp_path: Path
) -> None:
    # Once polling, every race-event request is held until the client gives up (its default
    # 10-s timeout, then up to 4 retries): the polls in flight at SIGTERM could take a minute.
    # They have nothing to write; the service must not wait for them beyond the 10 s.
    args = _sim_args("2026-12-03T00:30:00Z")
    with (
        run_simulator(*args, env={"RACEDAY_LOG_LEVEL": "debug"}) as sim,
        run_service(database_url, sim, home=tmp_path / "run") as service,
    ):
        service.wait_for(
            lambda _s: polls_of(database_url, R4) >= 1, timeout_s=120, what="R4 polled"
        )
        sim.set_faults({"events": {"timeout": 1.0, "timeout_s": 600}})
        service.wait_for(
            _held_request_seen(sim.log, 0, kind="timeout"), timeout_s=30, what="a held poll"
        )
        sent = time.monotonic()
        service.send(signal.SIGTERM)
        status = service.wait_exit(timeout_s=120)
        exit_s = time.monotonic() - sent
    assert status == 0, service.log_tail()
    assert exit_s <= 10, f"exit took {exit_s:.1f} s after SIGTERM"  # the bound


def test_after_kill_9_and_a_restart_everything_missed_while_down_is_caught_up(
    database_url: str, second_database_url: str, tmp_path: Path, record: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    with run_simulator(*_sim_args("2026-12-03T00:20:00Z", "--record", str(record))) as sim:
        with run_service(database_url, sim, home=first) as service:
            service.wait_for(
                lambda _s: polls_of(database_url, R4) >= 3, timeout_s=120, what="R4 polled"
            )
            service.kill()
            killed_at = _sim_now(sim)
        assert killed_at < R4_FINAL, f"killed at {killed_at}: too late to miss R4's result"
        rows_at_kill = _history_rows(database_url)
        # While nothing runs, R4 turns Final and R5's polls are missed.
        _wait_for_sim(sim, R4_FINAL + timedelta(minutes=2), timeout_s=120)
        assert not settled(database_url, R4)
        assert _history_rows(database_url) == rows_at_kill  # nothing wrote while it was down
        with run_service(database_url, sim, home=second) as restarted:
            restarted.wait_for(
                lambda _s: settled(database_url, R4), timeout_s=120, what="R4's result caught up"
            )
            assert restarted.stop(signal.SIGTERM) == 0

    # What the killed process had received but not committed is lost (a poll), never half
    # written: stored = ingest of the received bodies whose poll is stored.
    served = served_bodies(record)
    received = received_keys(capture_folder(first)) | received_keys(capture_folder(second))
    stored = stored_polls(database_url)
    assert {poll_key(e) for e in served if body_key(e.body) in received} >= stored
    lost = [
        entry
        for entry in served
        if body_key(entry.body) in received and (key := poll_key(entry)) and key not in stored
    ]
    assert all(entry.at >= killed_at - _IN_FLIGHT for entry in lost), lost

    def keep(entry: RecordedBody) -> bool:
        key = poll_key(entry)
        return body_key(entry.body) in received and (key is None or key in stored)

    settings = load_settings(database_url=second_database_url)
    ingest_served(second_database_url, settings, served, keep=keep)
    assert differences(stored_state(database_url), stored_state(second_database_url)) == {}


def _history_rows(url: str) -> tuple[int, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "select (select count(*) from money_flow_history), (select count(*) from odds_history)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
