"""The long-running process: maintenance on its schedule, metrics on loopback, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from raceday.config import load_settings
from raceday.db import connect, open_pool
from raceday.runtime import MaintenanceLoop, Runtime


def test_the_runtime_runs_maintenance_serves_metrics_and_stops_on_request(
    database_url: str,
) -> None:
    settings = load_settings(database_url=database_url)
    results = []
    with open_pool(database_url, name="raceday-test-runtime", max_size=2) as pool:
        runtime = Runtime(settings, metrics_port=0)
        loop = MaintenanceLoop(pool, settings, on_result=results.append)
        first = loop.run("startup")
        assert first is not None and first.status == "ok" and len(first.created) == 18
        loop.install(runtime)
        assert {job.id for job in runtime.scheduler.get_jobs()} == {
            "partitions-midnight",
            "partitions-hourly",
        }
        serving = threading.Thread(target=runtime.run_until_stopped)
        serving.start()
        deadline = time.monotonic() + 10
        while runtime.metrics_address is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runtime.metrics_address is not None
        host, port = runtime.metrics_address
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
        assert 'raceday_partition_runway_days{parent="odds_history"} 7.0' in text
        assert "raceday_partition_maintenance_runs_total" in text
        runtime.request_stop()
        serving.join(timeout=10)
        assert not serving.is_alive()
    assert results == [first]
    assert runtime.metrics_address is None  # the endpoint is closed


def test_a_crashing_run_is_logged_and_the_loop_goes_on(database_url: str) -> None:
    settings = load_settings(database_url=database_url)
    with open_pool(database_url, name="raceday-test-runtime", max_size=1) as pool:
        loop = MaintenanceLoop(pool, settings)
        with connect(database_url) as conn:
            conn.execute("alter table partition_config rename to partition_config_gone")
        assert loop.run("hourly") is None  # crashed: no result, no exception
        with connect(database_url) as conn:
            conn.execute("alter table partition_config_gone rename to partition_config")
        again = loop.run("hourly")
        assert again is not None and again.status == "ok"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_partitions_watch_stops_cleanly_on_a_signal(
    database_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    env = os.environ | {"DATABASE_URL": database_url, "RACEDAY_LOG_FORMAT": "json"}
    log = tmp_path / "watch.log"
    with (
        log.open("w") as sink,
        subprocess.Popen(
            [sys.executable, "-m", "raceday", "partitions", "watch"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        ) as watcher,
    ):
        try:
            deadline = time.monotonic() + 60
            while "runtime_started" not in log.read_text() and time.monotonic() < deadline:
                assert watcher.poll() is None, log.read_text()
                time.sleep(0.05)
            watcher.send_signal(stop)
            code = watcher.wait(timeout=10)
        finally:
            if watcher.poll() is None:
                watcher.kill()
    written = log.read_text()
    assert code == 0, written
    assert "stop_requested" in written and "runtime_stopped" in written
    with connect(database_url) as conn:
        runs = conn.execute(
            "select status, triggered_by from partition_maintenance_runs"
        ).fetchall()
    assert runs == [("ok", "startup")]
